"""Forecasters of many series: ``RNNForecaster``, a global model of windows,
and ``SeasonalNaive``, the baseline every forecast is measured against."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._estimators._base import BaseRNN
from .._estimators._regressor import RNNRegressor
from ._metrics import mean_absolute_scaled_error
from ._panel import read_panel, read_steps
from ._windows import as_model_input, forecast_inputs, training_windows

__all__ = ["BaseForecaster", "RNNForecaster", "SeasonalNaive"]


class BaseForecaster(BaseEstimator):
    """What every forecaster shares: reading the series, answering in their
    form, forecasting the training series or new ones, and ``score``."""

    def fit(self, y, X=None, static=None):
        """See :class:`RNNForecaster`."""
        panel = read_panel(self, y, X, static)
        self._check_fit_panel(panel)
        fitted = self._fit_panel(panel)
        # Committed once everything succeeded: a failed refit keeps the last.
        for name, value in fitted.items():
            setattr(self, name, value)
        self.n_series_ = len(panel.y)
        self.n_covariates_ = 0 if panel.X is None else panel.X[0].shape[1]
        self.n_static_ = 0 if panel.static is None else panel.static.shape[1]
        # What forecasting the training series reads: their last steps.
        self._panel = panel.tail(self._history_length())
        return self

    def predict(self, horizon=None, y=None, X=None, X_future=None, static=None):
        """See :class:`RNNForecaster`."""
        panel, horizon, X_future = self._predict_input(horizon, y, X, X_future, static)
        out = self._forecast(panel, horizon, X_future)
        return panel.like_input(self._point(out))

    def score(self, y, X=None, static=None):
        """Negative mean MASE of forecasting the last ``horizon`` steps of each
        series of ``y`` from the steps before them (higher is better, as
        scikit-learn's scores).

        The scale is the in-sample naive forecast's MAE (seasonality 1); for
        another seasonality, score with :func:`backtest`.

        Parameters
        ----------
        y : array-like or list of array-like or DataFrame
            Series of the forms ``fit`` reads, each at least the model's
            history plus ``horizon`` steps long.
        X : array-like or list of array-like or DataFrame, default=None
            Their covariates, over every step of ``y`` (the last ``horizon``
            steps are read as the future-known covariates).
        static : array-like of shape (n_series, n_static), default=None
            Their static features.

        Returns
        -------
        score : float
            ``-MASE``.
        """
        check_is_fitted(self)
        panel = read_panel(self, y, X, static)
        h = self._horizon()
        history = panel.cut(panel.lengths - h)
        future = _future_of(panel, h, self._future_columns())
        forecast = self.predict(h, [s for s in history.y], history.X, future, static)
        truth = np.array([s[-h:] for s in panel.y])
        return -mean_absolute_scaled_error(truth, forecast, history.y)

    def _predict_input(self, horizon, y, X, X_future, static):
        check_is_fitted(self)
        if horizon is None:
            horizon = self._horizon()
        if not isinstance(horizon, Integral) or horizon < 1:
            raise ValueError(
                f"horizon must be a positive int. Got {horizon!r} instead."
            )
        if y is None:
            if X is not None or static is not None:
                raise ValueError(
                    "X and static describe new series y: pass y with them, or "
                    "neither to forecast the training series."
                )
            panel = self._panel
        else:
            panel = read_panel(self, y, X, static)
        self._check_predict_panel(panel)
        return panel, horizon, self._read_future(X_future, panel)

    def _read_future(self, X_future, panel):
        """The future-known covariates over the fitted horizon, or None."""
        columns = self._future_columns()
        if columns is None:
            return None
        if X_future is None:
            raise ValueError(
                "This forecaster reads future-known covariates (future_covariates="
                f"{list(columns)}): pass their values over the next "
                f"{self.horizon} steps of each series as X_future."
            )
        need = np.full(len(panel.y), self.horizon)
        rows = None
        if panel.form == "frame":  # the times it forecasts
            rows = (panel.ids, panel.future_times(self.horizon))
        X_future = read_steps(self, X_future, need, "X_future", rows)
        if X_future[0].shape[1] != len(columns):
            raise ValueError(
                f"X_future must hold the {len(columns)} future_covariates "
                f"{list(columns)}, in this order. Got {X_future[0].shape[1]} "
                "columns instead."
            )
        return X_future

    def _point(self, out):
        return out

    def _future_columns(self):
        return None

    def _horizon(self):
        return self.horizon

    def _check_fit_panel(self, panel):
        pass

    def _check_predict_panel(self, panel):
        pass


def _future_of(panel, horizon, columns):
    """The future-known covariates of each series' last ``horizon`` steps."""
    if columns is None or panel.X is None:
        return None
    return [x[len(x) - horizon :, columns] for x in panel.X]


class RNNForecaster(BaseForecaster):
    """Forecast many time series with one model trained on windows of all.

    A global forecaster: every series of ``y`` is cut into windows of its last
    ``window`` steps and the ``horizon`` steps that follow them, and one
    multi-output regressor (by default an :class:`~sklearn_rnn.RNNRegressor`)
    learns to map the first onto the second (direct multi-step forecasting).
    Each window is divided by its own scale (``scaling``), and the forecast
    multiplied back, so that series of any level share one model.

    Parameters
    ----------
    estimator : regressor, default=None
        The multi-output regressor trained on the windows; None takes
        ``RNNRegressor(loss='absolute_error')`` (otherwise its defaults); why:
        MASE and sMAPE read absolute errors, and real windows have outliers:
        on M1 the absolute error scored a median MASE of 3.79 (worst of 5
        seeds 3.98) against the squared error's 4.46 (5.46, worse than the
        naive forecast) on the yearly series (the tuning half), 1.82 (1.92)
        against 2.00 (2.07) on the quarterly ones (the confirmation half). Its
        parameters are searched as ``estimator__hidden_size``. The package's
        networks
        read each window as a sequence (of any length, see ``min_window``);
        any other scikit-learn regressor (e.g. ``RidgeCV``) reads it
        flattened, one row of ``window * n_channels`` values.
    window : int, default=12
        The most steps of history each forecast reads.
    horizon : int, default=1
        The number of steps forecast at once: the regressor's outputs.
    min_window : int, default=None
        The fewest steps of history a training window or a forecast may have;
        None: ``window``. Below ``window``, the start of every series gives
        windows of growing length too, and series shorter than ``window +
        horizon`` can be learned from and forecast (the package's networks
        read the shorter sequences as they are; a flattened regressor reads
        them padded with their oldest value).
    step : int, default=1
        The stride between the cuts of consecutive training windows, counted
        back from the end of each series, as in :func:`~sklearn_rnn.datasets.
        make_windows`.
    scaling : {'mean_abs', 'none'}, default='mean_abs'
        How each window is scaled: divided by the mean absolute value of its
        history (1 when that is 0), which the forecast is multiplied by, so
        that a series multiplied by ``c`` gets forecasts multiplied by ``c``;
        or 'none'. Per window, because the scale depends on the input, which
        a ``TransformedTargetRegressor`` cannot see.
    quantiles : array-like of float, default=None
        Increasing levels in (0, 1) that include 0.5, e.g. ``(0.1, 0.5,
        0.9)``: the regressor (an ``RNNRegressor``) is trained with
        ``loss='quantile'`` on them; ``predict`` returns the median and
        :meth:`predict_quantiles` and :meth:`predict_interval` the others.
    calibration : {'auto', 'conformal'} or None, default='auto'
        With ``quantiles``: 'conformal' widens (or narrows) each central
        interval by what a temporal hold-out says it misses. A copy of the
        regressor is first fitted on every series without its last
        ``horizon`` steps and forecasts them; for each pair of levels ``q``
        and ``1 - q`` and each step ahead, the conformalized quantile
        regression score (how far each true value falls outside its interval,
        in units of its window's scale) gives the offset whose share of
        misses is ``2 q``, which ``predict_quantiles`` adds to the final
        model's bounds (a level without its partner ``1 - q`` is left as it
        is). It costs a second fit. None: the quantiles as the network fits
        them. 'auto': 'conformal' from 2 series on, None for one series (with
        a warning, as for series too short to lose ``horizon`` steps); why:
        on M1 the 80% intervals covered 0.62 (yearly, the tuning half) and
        0.56 (quarterly, the confirmation half) of the test values
        uncalibrated, 0.78 and 0.76 calibrated (medians over seeds).
        ``calibration_`` records what was done.
    future_covariates : array-like of int, default=None
        The columns of the covariates ``X`` whose values are known in advance
        (calendar, prices, promotions): the forecast reads them over the
        ``horizon`` steps ahead too (pass them to ``predict`` as
        ``X_future``). The other columns are read over the history only.

    Attributes
    ----------
    estimator_ : regressor
        The fitted regressor. :func:`sklearn_rnn.save` saves the forecaster
        with it (and the training series' last steps, which ``predict()``
        forecasts) where the regressor is one of the package's networks or a
        ``Pipeline`` of its transformers and networks.
    n_series_ : int
        Number of series seen in ``fit``.
    n_windows_ : int
        Number of training windows.
    n_covariates_ : int
        Number of covariates per step (0 without ``X``).
    n_static_ : int
        Number of static features per series (0 without ``static``).
    calibration_ : {'conformal', 'none'}
        The calibration of the intervals done in ``fit`` ('none' without
        ``quantiles``).
    interval_offsets_ : ndarray of shape (horizon, n_quantiles) or None
        With a conformal calibration: what is added to each quantile at
        each step ahead, in units of the window's scale (negative below the
        median, positive above, 0 for the median); None otherwise.
    n_calibration_series_ : int
        The series whose last ``horizon`` steps chose ``interval_offsets_``
        (0 without calibration).

    See Also
    --------
    SeasonalNaive : The baseline forecast.
    backtest : Rolling-origin evaluation with MASE and sMAPE.
    TemporalSplit : Time-respecting cross-validation for ``GridSearchCV``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> from sklearn_rnn.forecasting import RNNForecaster
    >>> t = np.arange(40.0)
    >>> y = [np.sin(t / 3) + 2, 10 * np.sin(t[:30] / 3) + 20]  # ragged series
    >>> model = RNNForecaster(
    ...     estimator=RNNRegressor(hidden_size=8, max_iter=5, random_state=0),
    ...     window=8, horizon=3,
    ... ).fit(y)
    >>> model.predict().shape
    (2, 3)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "min_window": [Interval(Integral, 1, None, closed="left"), None],
        "step": [Interval(Integral, 1, None, closed="left")],
        "scaling": [StrOptions({"mean_abs", "none"})],
        "quantiles": ["array-like", None],
        "calibration": [StrOptions({"auto", "conformal"}), None],
        "future_covariates": ["array-like", None],
    }

    def __init__(
        self,
        *,
        estimator=None,
        window=12,
        horizon=1,
        min_window=None,
        step=1,
        scaling="mean_abs",
        quantiles=None,
        calibration="auto",
        future_covariates=None,
    ):
        self.estimator = estimator
        self.window = window
        self.horizon = horizon
        self.min_window = min_window
        self.step = step
        self.scaling = scaling
        self.quantiles = quantiles
        self.calibration = calibration
        self.future_covariates = future_covariates

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, y, X=None, static=None):
        """Fit the regressor to the windows of every series.

        Parameters
        ----------
        y : array-like of shape (n_series, n_timesteps) or (n_timesteps,), \
list of array-like of shape (length_i,), or DataFrame
            The series: a 2D array (NaN at the end pads shorter series), a
            list of 1D arrays of any lengths, a long DataFrame with an ``(id,
            time)`` MultiIndex and one column (a table with id and time
            columns: ``df.set_index([id, time])[[value]]``), or one series as
            a 1D array.
        X : array-like of shape (n_series, n_timesteps, n_covariates), list of \
array-like of shape (length_i, n_covariates), or DataFrame, default=None
            Covariates of every step of every series, in the form of ``y``
            (a 2D array for one covariate); see ``future_covariates``.
        static : array-like of shape (n_series, n_static), default=None
            Features of each series that do not change over time.

        Returns
        -------
        self : RNNForecaster
            The fitted forecaster.
        """
        return super().fit(y, X, static)

    def predict(self, horizon=None, y=None, X=None, X_future=None, static=None):
        """Forecast the steps after the end of each series.

        Parameters
        ----------
        horizon : int, default=None
            How many steps, at most the fitted ``horizon`` (None: all).
        y : array-like, list of array-like or DataFrame, default=None
            New series to forecast, in any form ``fit`` reads, each with at
            least ``min_window`` steps; None forecasts the training series.
        X : array-like, list of array-like or DataFrame, default=None
            The covariates of the new series ``y``, over their steps.
        X_future : array-like of shape (n_series, horizon, n_future), list \
of array-like, or DataFrame, default=None
            The ``future_covariates`` over the fitted ``horizon`` steps after
            each series (needed when ``future_covariates`` is set).
        static : array-like of shape (n_series, n_static), default=None
            The static features of the new series ``y``.

        Returns
        -------
        y_pred : ndarray of shape (n_series, horizon) or (horizon,), or \
DataFrame
            The forecasts (the median with ``quantiles``), in the form of
            ``y``: one row per series, one value for one series as a 1D
            array, or a long DataFrame whose times continue each series'.
        """
        return super().predict(horizon, y, X, X_future, static)

    def predict_quantiles(
        self, horizon=None, y=None, X=None, X_future=None, static=None
    ):
        """Forecast every level of ``quantiles``.

        Parameters are those of :meth:`predict`.

        Returns
        -------
        y_pred : ndarray of shape (n_series, horizon, n_quantiles), or DataFrame
            The quantile forecasts, increasing along the last axis (a
            DataFrame: one column per level).
        """
        if self.quantiles is None:
            raise ValueError(
                "predict_quantiles needs quantile forecasts: set quantiles, e.g. "
                "quantiles=(0.1, 0.5, 0.9), and fit again."
            )
        panel, horizon, X_future = self._predict_input(horizon, y, X, X_future, static)
        out = self._forecast(panel, horizon, X_future)
        return panel.like_input(out, columns=list(self.quantiles))

    def predict_interval(
        self, horizon=None, y=None, X=None, X_future=None, static=None, *, coverage=0.8
    ):
        """Forecast a central prediction interval.

        Parameters
        ----------
        horizon, y, X, X_future, static
            As for :meth:`predict`.
        coverage : float, default=0.8
            The interval's nominal coverage: its bounds are the quantiles
            ``(1 - coverage) / 2`` and ``(1 + coverage) / 2``, which must be
            among ``quantiles``.

        Returns
        -------
        lower, upper : ndarray of shape (n_series, horizon), or DataFrame
            The bounds, in the form of :meth:`predict`.
        """
        levels = [round((1 - coverage) / 2, 10), round((1 + coverage) / 2, 10)]
        known = np.asarray([] if self.quantiles is None else self.quantiles, float)
        # float32 levels (0.1 as 0.10000000149) match too.
        found = [
            np.flatnonzero(np.isclose(known, level, atol=1e-6)) for level in levels
        ]
        if not all(f.size for f in found):
            raise ValueError(
                f"An interval of coverage={coverage} needs the quantiles {levels}: "
                f"add them to quantiles and fit again. Got quantiles="
                f"{self.quantiles!r} instead."
            )
        panel, horizon, X_future = self._predict_input(horizon, y, X, X_future, static)
        out = self._forecast(panel, horizon, X_future)
        return tuple(panel.like_input(out[:, :, f[0]]) for f in found)

    def set_params(self, **params):
        """Set the parameters, as scikit-learn's ``set_params``.

        Nested parameters of the default network (``estimator=None``), e.g.
        ``estimator__hidden_size=8`` from ``GridSearchCV``, set those of an
        explicit ``RNNRegressor(loss='absolute_error')``, the network None
        stands for.

        Parameters
        ----------
        **params : dict
            The parameters.

        Returns
        -------
        self : RNNForecaster
            The forecaster.
        """
        nested = any(key.startswith("estimator__") for key in params)
        if nested and self.estimator is None and "estimator" not in params:
            params = {"estimator": _default_network(), **params}
        return super().set_params(**params)

    def _history_length(self):
        return self.window

    def _spec(self):
        return {
            "window": self.window,
            "horizon": self.horizon,
            "min_window": self.window if self.min_window is None else self.min_window,
            "step": self.step,
            "scaling": self.scaling,
            "future_covariates": self._future_columns(),
        }

    def _future_columns(self):
        if self.future_covariates is None:
            return None
        return np.asarray(self.future_covariates, dtype=np.int64)

    def _check_fit_panel(self, panel):
        spec = self._spec()
        if spec["min_window"] > self.window:
            raise ValueError(
                f"min_window must not exceed window={self.window}. Got "
                f"min_window={self.min_window} instead."
            )
        need = spec["min_window"] + self.horizon
        short = np.flatnonzero(panel.lengths < need)
        if short.size:
            raise ValueError(
                f"Series {short[0]} has {panel.lengths[short[0]]} steps, fewer than "
                f"the {need} that min_window + horizon need ({short.size} series "
                "are that short): lower window (or horizon), set min_window to "
                "learn from shorter histories too, or leave out the short series. "
                f"Got window={self.window}, min_window={self.min_window} and "
                f"horizon={self.horizon} instead."
            )
        self._check_covariates(panel)

    def _check_covariates(self, panel):
        columns = self._future_columns()
        if columns is None:
            return
        n = 0 if panel.X is None else panel.X[0].shape[1]
        if columns.ndim != 1 or np.any((columns < 0) | (columns >= n)):
            raise ValueError(
                f"future_covariates must list columns of X (0 to {n - 1}). Got "
                f"{self.future_covariates!r} instead."
            )

    def _check_predict_panel(self, panel):
        need = self._spec()["min_window"]
        short = np.flatnonzero(panel.lengths < need)
        if short.size:
            raise ValueError(
                f"Series {short[0]} has {panel.lengths[short[0]]} steps; a forecast "
                f"reads at least min_window={need}. Pass longer series, or fit with "
                "a lower min_window."
            )
        for name, width, got in (
            ("covariates X", self.n_covariates_, panel.X),
            ("static features", self.n_static_, panel.static),
        ):
            n = 0 if got is None else np.shape(got[0])[-1]
            if n != width:
                raise ValueError(
                    f"The series were fitted with {width} {name}. Got {n} instead."
                )

    def _make_estimator(self):
        estimator = self.estimator
        estimator = _default_network() if estimator is None else clone(estimator)
        if self.quantiles is None:
            return estimator
        levels = np.asarray(self.quantiles, dtype=np.float64)
        if levels.ndim != 1 or 0.5 not in levels:
            raise ValueError(
                "quantiles must be a list of increasing levels that includes 0.5, "
                f"the point forecast, e.g. (0.1, 0.5, 0.9). Got {self.quantiles!r} "
                "instead."
            )
        if "quantile" not in estimator.get_params():
            raise ValueError(
                "quantiles needs an estimator with a quantile loss, such as "
                f"RNNRegressor. Got {type(estimator).__name__} instead."
            )
        return estimator.set_params(loss="quantile", quantile=list(levels))

    def _fit_panel(self, panel):
        offsets, n_calibration = None, 0
        calibration = self._calibration(panel)
        if calibration == "conformal":
            offsets, n_calibration = self._conformal_offsets(panel)
        estimator, n_windows = self._fit_windows(panel)
        return {
            "estimator_": estimator,
            "n_windows_": n_windows,
            "calibration_": calibration,
            "interval_offsets_": offsets,
            "n_calibration_series_": n_calibration,
        }

    def _calibration(self, panel):
        """What calibration of the intervals this fit does: 'conformal' or
        'none' ('auto' falls back to 'none', with a warning, where the data
        cannot give one; 'conformal' raises there)."""
        if self.quantiles is None or self.calibration is None:
            return "none"
        if not _pairs(self.quantiles):
            if self.calibration == "conformal":
                raise ValueError(
                    "calibration='conformal' calibrates central intervals: "
                    "quantiles must hold pairs of levels q and 1 - q, e.g. (0.1, "
                    f"0.5, 0.9). Got quantiles={self.quantiles!r} instead."
                )
            return "none"  # no interval to calibrate
        problem = None
        if len(panel.y) < 2:
            problem = "it needs 2 series or more. Got 1 instead"
        elif not np.any(panel.lengths - self.horizon >= self._least_to_train()):
            problem = (
                "without their last horizon steps, no series is left long "
                f"enough to train on (min_window + horizon = "
                f"{self._least_to_train()} steps)"
            )
        if problem is None:
            return "conformal"
        if self.calibration == "conformal":
            raise ValueError(
                "calibration='conformal' fits the network again on each series "
                f"without its last horizon steps and scores those: {problem}. Set "
                "calibration=None, or pass more or longer series."
            )
        warnings.warn(
            "calibration='auto' leaves the intervals as the network fits them, "
            f"uncalibrated (they tend to be too narrow): a conformal calibration "
            f"fits the network again on each series without its last horizon "
            f"steps, and {problem}. Pass more or longer series, or set "
            "calibration=None to silence this.",
            UserWarning,
            stacklevel=6,
        )
        return "none"

    def _least_to_train(self):
        """The fewest steps a series needs to give a training window."""
        return self._spec()["min_window"] + self.horizon

    def _fit_windows(self, panel, quiet=False):
        estimator = self._make_estimator()
        inputs, targets, _ = training_windows(panel, self._spec())
        X = as_model_input(inputs, _reads_sequences(estimator), self._length())
        with warnings.catch_warnings():
            if quiet:  # the calibration's fit: the final fit's warnings count
                warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(X, targets)
        return estimator, len(targets)

    def _conformal_offsets(self, panel):
        """What to add to each quantile at each step ahead (in units of the
        window's scale) for the central intervals to cover, on the last
        ``horizon`` steps of every series, their nominal share."""
        h, spec = self.horizon, self._spec()
        # Every series has min_window + horizon steps (fit checks it): each
        # forecasts its last horizon steps from at least min_window.
        history = panel.cut(panel.lengths - h)
        estimator, _ = self._fit_windows(history, quiet=True)
        inputs, scale = forecast_inputs(
            history, spec, _future_of(panel, h, self._future_columns())
        )
        X = as_model_input(inputs, _reads_sequences(estimator), self._length())
        out = np.asarray(estimator.predict(X), dtype=np.float64)
        out = out.reshape(len(inputs), h, -1)
        truth = np.array([s[-h:] for s in panel.y]) / scale[:, None]
        levels = np.asarray(self.quantiles, dtype=np.float64)
        offsets = np.zeros((h, len(levels)))
        n = len(truth)
        for j, k in _pairs(self.quantiles):
            # Conformalized quantile regression: how far outside the interval
            # each value falls; the offset is the ceil((n + 1) (1 - 2 q))-th
            # smallest of the n (the largest when that rank exceeds n).
            misses = np.maximum(out[:, :, j] - truth, truth - out[:, :, k])
            rank = min(n, int(np.ceil((n + 1) * (1 - 2 * levels[j]))))
            width = np.sort(misses, axis=0)[rank - 1]
            offsets[:, j], offsets[:, k] = -width, width
        return offsets, n

    def _length(self):
        extra = 0 if self.future_covariates is None else self.horizon
        return self.window + extra

    def _forecast(self, panel, horizon, X_future):
        if horizon > self.horizon:
            raise ValueError(
                f"This forecaster forecasts up to horizon={self.horizon} steps: fit "
                f"it with horizon={horizon} for more. Got horizon={horizon} instead."
            )
        inputs, scale = forecast_inputs(panel, self._spec(), X_future)
        X = as_model_input(inputs, _reads_sequences(self.estimator_), self._length())
        out = np.asarray(self.estimator_.predict(X), dtype=np.float64)
        out = out.reshape(len(inputs), self.horizon, -1)[:, :horizon]
        if self.quantiles is None:
            return out[:, :, 0] * scale[:, None]
        if self.interval_offsets_ is not None:
            out = _shifted(out, self.interval_offsets_[:horizon], self.quantiles)
        return out * scale[:, None, None]

    def _point(self, out):
        if self.quantiles is None:
            return out
        return out[:, :, list(np.asarray(self.quantiles, dtype=float)).index(0.5)]


def _pairs(quantiles):
    """``(j, k)`` for each level ``q = quantiles[j] < 0.5`` whose partner
    ``1 - q`` is ``quantiles[k]``."""
    levels = np.asarray(quantiles, dtype=np.float64)
    pairs = []
    for j, q in enumerate(levels):
        partner = np.flatnonzero(np.isclose(levels, 1 - q))
        if q < 0.5 and partner.size:
            pairs.append((j, int(partner[0])))
    return pairs


def _shifted(out, offsets, quantiles):
    """The quantile forecasts ``(n, horizon, levels)`` moved by ``offsets``,
    kept in order without moving the median: a bound that a narrowing offset
    takes past the median (or past the next level toward it) stops there."""
    out = out + offsets[None]
    levels = np.asarray(quantiles, dtype=np.float64)
    middle = int(np.flatnonzero(np.isclose(levels, 0.5))[0])
    order = np.argsort(levels)
    below = [i for i in order if levels[i] < levels[middle]][::-1]  # inward first
    above = [i for i in order if levels[i] > levels[middle]]
    for side, bound in ((below, np.minimum), (above, np.maximum)):
        nearest = out[:, :, middle]
        for i in side:
            out[:, :, i] = bound(out[:, :, i], nearest)
            nearest = out[:, :, i]
    return out


def _default_network():
    """The regressor ``estimator=None`` stands for."""
    return RNNRegressor(loss="absolute_error")


def _reads_sequences(estimator):
    if isinstance(estimator, Pipeline):
        estimator = estimator[-1]
    return isinstance(estimator, BaseRNN)


class SeasonalNaive(BaseForecaster):
    """Forecast each series by repeating its last season.

    The forecast ``h`` steps after a series' last value ``y[T - 1]`` is
    ``y[T - m + (h - 1) % m]``; with ``seasonality=1``, the naive forecast
    (the last value). The baseline of the MASE scale, usable wherever a
    forecaster is.

    Parameters
    ----------
    seasonality : int, default=1
        The season's length ``m`` (12 for monthly data with a yearly cycle).
    horizon : int, default=1
        The number of steps ``predict`` forecasts by default.

    Attributes
    ----------
    n_series_ : int
        Number of series seen in ``fit``.

    Examples
    --------
    >>> from sklearn_rnn.forecasting import SeasonalNaive
    >>> SeasonalNaive(seasonality=2, horizon=3).fit([[1.0, 2.0, 3.0, 4.0]]).predict()
    array([[3., 4., 3.]])
    """

    _parameter_constraints: dict = {
        "seasonality": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, seasonality=1, horizon=1):
        self.seasonality = seasonality
        self.horizon = horizon

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, y, X=None, static=None):
        """Remember the last season of each series.

        Parameters
        ----------
        y : array-like, list of array-like or DataFrame
            The series, in any form :meth:`RNNForecaster.fit` reads.
        X, static : ignored
            Accepted for a common interface with :class:`RNNForecaster`.

        Returns
        -------
        self : SeasonalNaive
            The fitted forecaster.
        """
        return super().fit(y, None, None)

    def _fit_panel(self, panel):
        self._check_predict_panel(panel)
        return {}

    def _history_length(self):
        return self.seasonality

    def _check_predict_panel(self, panel):
        short = np.flatnonzero(panel.lengths < self.seasonality)
        if short.size:
            raise ValueError(
                f"Series {short[0]} has {panel.lengths[short[0]]} steps, fewer than "
                f"seasonality={self.seasonality}: pass longer series or a shorter "
                "seasonality."
            )

    def _forecast(self, panel, horizon, X_future):
        m = self.seasonality
        ahead = np.arange(horizon) % m
        return np.array([s[len(s) - m + ahead] for s in panel.y])
