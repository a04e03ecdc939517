"""Evaluating forecasters without looking ahead: a rolling-origin backtest,
and a cross-validation splitter for scikit-learn's searches."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from .._input._formats import frame_levels, is_long_frame
from ._forecaster import BaseForecaster, RNNForecaster
from ._metrics import _mase_per_series, symmetric_mean_absolute_percentage_error
from ._panel import read_panel

__all__ = ["TemporalSplit", "backtest"]


@validate_params(
    {
        "forecaster": [HasMethods(["fit", "predict"])],
        "y": ["array-like", list],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "n_origins": [Interval(Integral, 1, None, closed="left")],
        "X": ["array-like", list, None],
        "static": ["array-like", None],
        "seasonality": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left"), None],
        "window": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=False,
)
def backtest(
    forecaster,
    y,
    horizon,
    n_origins,
    *,
    X=None,
    static=None,
    seasonality=1,
    step=None,
    window=None,
):
    """Score a forecaster from several forecast origins, refitting at each.

    The last origin forecasts the last ``horizon`` steps of every series
    from the steps before them; each earlier origin ends ``step`` steps
    earlier. At each origin a clone of ``forecaster`` (its ``horizon`` set to
    ``horizon``) is fitted on the series up to the origin only, and scored
    by MASE, whose scale is the in-sample MAE of the seasonal naive forecast
    on that same training part (as the M4 competition and the Monash archive
    compute it), and by sMAPE.

    Parameters
    ----------
    forecaster : forecaster or regressor
        An :class:`RNNForecaster`, a :class:`SeasonalNaive`, or any
        scikit-learn regressor, which is then trained on the windows of
        ``RNNForecaster(estimator=forecaster, window=window)``.
    y : array-like, list of array-like or DataFrame
        The series, in any form :meth:`RNNForecaster.fit` reads.
    horizon : int
        The number of steps forecast from each origin.
    n_origins : int
        The number of origins.
    X : array-like, list of array-like or DataFrame, default=None
        Covariates over every step of ``y``; the forecaster's
        ``future_covariates`` are passed as ``X_future`` after each origin.
    static : array-like of shape (n_series, n_static), default=None
        Static features of the series.
    seasonality : int, default=1
        The season ``m`` of MASE's scale (1, 4, 12 for yearly, quarterly and
        monthly data in the Monash archive).
    step : int, default=None
        The steps between consecutive origins; None: ``horizon``, so that
        the forecast periods do not overlap.
    window : int, default=None
        The input window of a bare regressor (required then).

    Returns
    -------
    results : dict of list
        A small table, one entry per origin (oldest first) and a last one
        for their mean: ``'origin'`` (1, 2, ... and ``'mean'``), ``'mase'``
        (the mean over series) and ``'smape'`` (percent).
        ``pandas.DataFrame(results)`` shows it as a table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.forecasting import SeasonalNaive, backtest
    >>> y = np.arange(1.0, 11.0)[None] * [[1.0], [2.0]]  # two straight lines
    >>> backtest(SeasonalNaive(), y, horizon=2, n_origins=2)["mase"]
    [1.5, 1.5, 1.5]
    """
    model = _as_forecaster(forecaster, window)
    if "horizon" in model.get_params():
        model = model.set_params(horizon=horizon)
    if "calibration" in model.get_params():
        # Only point forecasts are scored: the intervals' second fit is spared.
        model = model.set_params(calibration=None)
    panel = read_panel(model, y, X, static)
    step = horizon if step is None else step
    columns = model._future_columns()
    table = {"origin": [], "mase": [], "smape": []}
    for k in range(n_origins):
        end = panel.lengths - (n_origins - 1 - k) * step
        _check_long_enough(end - horizon, seasonality)
        train = panel.cut(end - horizon)
        fitted = clone(model).fit(train.y, train.X, train.static)
        future = None
        if columns is not None:
            future = [
                x[t : t + horizon, columns] for x, t in zip(panel.X, end - horizon)
            ]
        forecast = fitted.predict(horizon, X_future=future)
        truth = np.array([s[t - horizon : t] for s, t in zip(panel.y, end)])
        mase = _mase_per_series(truth, forecast, train.y, seasonality)
        table["origin"].append(k + 1)
        table["mase"].append(float(np.nanmean(mase)))
        table["smape"].append(symmetric_mean_absolute_percentage_error(truth, forecast))
    table["origin"].append("mean")
    for name in ("mase", "smape"):
        table[name].append(float(np.mean(table[name])))
    return table


def _as_forecaster(forecaster, window):
    if isinstance(forecaster, BaseForecaster):
        return clone(forecaster)
    if window is None:
        raise ValueError(
            "backtest trains a regressor on windows of the series: pass their "
            f"length as window, e.g. window=12. Got window=None for "
            f"{type(forecaster).__name__} instead."
        )
    return RNNForecaster(estimator=forecaster, window=window)


def _check_long_enough(lengths, seasonality):
    """Refuse an origin that leaves a series too little history to scale MASE
    (none at all, with too many origins)."""
    short = np.flatnonzero(lengths <= seasonality)
    if short.size:
        i = short[0]
        raise ValueError(
            f"At an origin, series {i} keeps {max(lengths[i], 0)} steps of history, "
            f"too few for MASE's scale with seasonality={seasonality}: use fewer "
            "origins, a smaller step or horizon, or leave out the short series."
        )


class TemporalSplit(BaseCrossValidator):
    """Time-respecting cross-validation over many series, for ``GridSearchCV``.

    Splits the rows of a long DataFrame (one row per ``(id, time)``, as
    :class:`RNNForecaster` reads it) so that each fold trains on every
    series up to an origin and is scored on forecasting the ``horizon``
    steps after it. The test rows of a fold are the series up to the end of
    that forecast, history included: a forecaster's ``score`` forecasts each
    series' last ``horizon`` steps from the steps before them, so nothing
    after the origin is ever trained on. Origins are counted back from each
    series' own end, ``step`` steps apart, the last fold's forecast ending
    with the series.

    scikit-learn's searches pick rows of ``X``; a forecaster's samples are
    steps in time, whose rows only a long frame has, hence the frame.

    Parameters
    ----------
    n_splits : int, default=3
        The number of folds (origins).
    horizon : int, default=1
        The steps forecast after each origin: the forecaster's ``horizon``.
    step : int, default=None
        The steps between consecutive origins; None: ``horizon``.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn.forecasting import TemporalSplit
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(5)])
    >>> y = pd.DataFrame({"y": range(10)}, index=index)
    >>> for train, test in TemporalSplit(n_splits=2, horizon=1).split(y):
    ...     print(train, test)
    [0 1 2 5 6 7] [0 1 2 3 5 6 7 8]
    [0 1 2 3 5 6 7 8] [0 1 2 3 4 5 6 7 8 9]
    """

    def __init__(self, n_splits=3, *, horizon=1, step=None):
        self.n_splits = n_splits
        self.horizon = horizon
        self.step = step

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds, ``n_splits``."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` row indices of the long frame ``X``.

        Parameters
        ----------
        X : DataFrame
            The series, with an ``(id, time)`` MultiIndex.
        y, groups : ignored

        Yields
        ------
        train, test : ndarray of int
            The rows each fold trains and scores on.
        """
        if not is_long_frame(X):
            raise ValueError(
                "TemporalSplit splits the rows of a long DataFrame with an (id, "
                "time) MultiIndex: turn the series into one, one row per step. Got "
                f"{type(X).__name__} instead."
            )
        from_end = _steps_from_end(X.index)
        step = self.horizon if self.step is None else self.step
        for k in range(self.n_splits):
            offset = (self.n_splits - 1 - k) * step
            yield (
                np.flatnonzero(from_end >= offset + self.horizon),
                np.flatnonzero(from_end >= offset),
            )

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test


def _steps_from_end(index):
    """For each row, how many later steps its series has."""
    import pandas as pd  # a DataFrame came in

    ids, times = frame_levels(index)
    frame = pd.DataFrame({"id": ids, "time": times})
    # dropna=False: a NaN id is a series too; observed=True: categorical ids
    # count only the categories present.
    by_id = frame.groupby("id", dropna=False, observed=True)
    rank = by_id["time"].rank(method="first", ascending=False)
    return rank.to_numpy().astype(np.int64) - 1
