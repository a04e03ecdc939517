"""LagsToSequences: the lag table of a forecasting library as sequences."""

import re
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

__all__ = ["LagsToSequences"]

# skforecast's ``lag_1`` and sktime's ``y_lag_1`` (pooling='global'): lag k is
# k steps before the target. darts' ``y_target_lag-3``, ``cov_pastcov_lag-2``,
# ``f_futcov_lag0``: the offset from the target's time, with its sign.
_LAG_K = re.compile(r"^(?:(?P<var>.+)_)?lag_(?P<lag>\d+)$")
_DARTS = re.compile(r"^(?P<var>.+_(?:target|pastcov|futcov))_lag(?P<lag>-?\d+)$")

_READ = dict(dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
_ORDER_HINT = (
    "lag_order='newest_first' for skforecast and for sktime with "
    "pooling='global', lag_order='oldest_first' for sktime with its default "
    "pooling='local' and for darts"
)


class LagsToSequences(TransformerMixin, BaseEstimator):
    """Turn the lag table of a forecasting library into chronological sequences.

    skforecast, sktime (``make_reduction``) and darts (``SKLearnModel``) give
    their regressor a table whose columns are lags of the series (and of the
    covariates), followed by other columns (exogenous values at the target's
    time, window statistics, static covariates). A recurrent network reads a
    2D table as one univariate sequence in column order: it would run time
    backwards behind skforecast and read the exogenous columns as more steps.
    Put this transformer in front of the network, in a ``Pipeline`` given to
    the library as its regressor: each row becomes one sequence
    ``(n_lags, n_channels)``, oldest step first, with one channel per lagged
    variable, then one per remaining column, repeated at every step.

    Column names, where the library gives them (a DataFrame), decide: a
    column named ``lag_3`` or ``y_lag_3`` (skforecast, sktime with
    ``pooling='global'``) holds the value 3 steps before the target, one named
    ``y_target_lag-3`` (darts) the value at offset -3; the prefix names the
    variable. The first variable named sets the steps, oldest first; each
    other variable with the same lags is a channel, one with a single lag
    (darts' future covariates at lag 0) joins the remainder, any other is
    refused; the columns not named as lags are the remainder. A numpy array
    (what skforecast, darts and sktime with ``pooling='local'`` pass) has no
    names, and the order of the lags cannot be read from its values: state
    it, with ``lag_order``, ``n_lags``, ``n_variables`` and ``grouping``. With
    ``lag_order='auto'`` a table without lag names is refused with a
    ``ValueError`` that says which order each library uses.

    Parameters
    ----------
    lag_order : {'auto', 'newest_first', 'oldest_first'}, default='auto'
        The order of each variable's lag columns. 'newest_first': lag 1 (the
        step just before the target) comes first, as skforecast and sktime
        with ``pooling='global'`` write them. 'oldest_first': as sktime with
        ``pooling='local'`` and darts write them. 'auto': read from the column
        names, and required to be found there. A stated order that the names
        contradict raises a ``ValueError``.

    n_lags : int, default=None
        Number of lag columns of each lagged variable: the length of the
        output sequences. None: read from the column names, else every
        column is a lag (``n_features_in_ / n_variables`` of them). Checked
        against the names where there are some.

    n_variables : int, default=None
        Number of lagged variables (the series, then the covariates lagged as
        it is); the first ``n_lags * n_variables`` columns are their lags.
        None: read from the column names, else 1. Checked against the names
        where there are some.

    grouping : {'variable', 'step'}, default='variable'
        How the lag columns of several variables are laid out without names:
        'variable', each variable's lags together (skforecast; sktime with
        ``pooling='local'``, whose exogenous variables come as blocks after
        the series; darts with univariate series, one block per series);
        'step', the variables of each step together (darts' multivariate
        target). Unused where names locate the columns.

    remainder : {'broadcast', 'drop'}, default='broadcast'
        What the columns after the lags become. 'broadcast': one channel
        each, with the row's value at every step (skforecast's exogenous
        values and window features, sktime's exogenous values with
        ``pooling='global'``, darts' static covariates and future
        covariates at lag 0). 'drop': they are left out.

    Attributes
    ----------
    lag_order_ : {'newest_first', 'oldest_first', 'unordered'}
        The order of the lag columns in ``X``: as stated, or as the names
        showed ('unordered': neither, with ``lag_order='auto'``; the steps
        still follow the offsets the names give).
    n_lags_ : int
        Number of steps of the output sequences.
    lag_columns_ : ndarray of shape (`n_lags_`, n_variables)
        The column of ``X`` read at each step (oldest first) for each lagged
        variable.
    remainder_columns_ : ndarray of int
        The columns of ``X`` after the lags, in their order.
    channel_names_ : ndarray of str
        The name of each output channel: the lagged variables (from the
        column names, else ``lagged0``, ``lagged1``...), then the broadcast
        columns (their names, else ``x<column>``).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X`` seen in ``fit``, where it had string names.

    See Also
    --------
    RNNRegressor : The network to put after it.

    Examples
    --------
    skforecast's table for ``lags=3`` and one exogenous column: lag 1 first.

    >>> import numpy as np
    >>> from sklearn_rnn import LagsToSequences
    >>> X = np.array([[12.0, 11.0, 10.0, 0.5], [13.0, 12.0, 11.0, 0.7]])
    >>> lags = LagsToSequences(lag_order="newest_first", n_lags=3).fit(X)
    >>> lags.transform(X)[0]  # steps oldest first; the exogenous value repeated
    array([[10. ,  0.5],
           [11. ,  0.5],
           [12. ,  0.5]])
    >>> lags.lag_columns_.ravel().tolist()
    [2, 1, 0]

    Named columns (sktime with ``pooling='global'``) are read by 'auto'.

    >>> import pandas as pd
    >>> table = pd.DataFrame(X, columns=["y_lag_1", "y_lag_2", "y_lag_3", "temp"])
    >>> lags = LagsToSequences().fit(table)
    >>> lags.lag_order_, lags.channel_names_.tolist()
    ('newest_first', ['y', 'temp'])
    >>> lags.transform(table)[1, :, 0]
    array([11., 12., 13.])
    """

    _parameter_constraints: dict = {
        "lag_order": [StrOptions({"auto", "newest_first", "oldest_first"})],
        "n_lags": [Interval(Integral, 1, None, closed="left"), None],
        "n_variables": [Interval(Integral, 1, None, closed="left"), None],
        "grouping": [StrOptions({"variable", "step"})],
        "remainder": [StrOptions({"broadcast", "drop"})],
    }

    def __init__(
        self,
        *,
        lag_order="auto",
        n_lags=None,
        n_variables=None,
        grouping="variable",
        remainder="broadcast",
    ):
        self.lag_order = lag_order
        self.n_lags = n_lags
        self.n_variables = n_variables
        self.grouping = grouping
        self.remainder = remainder

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the lag columns of each variable and their order.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The lag table, as the forecasting library passes it.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        # The layout is found before validate_data commits n_features_in_
        # and feature_names_in_: a refused refit leaves the last fit whole.
        width = check_array(X, **_READ).shape[1]
        names = _string_columns(X)
        parsed = _parse_names(names) if names is not None else None
        if parsed:
            lags, variables, order = self._layout_from_names(names, parsed)
        else:
            lags, variables, order = self._layout_from_order(width)
        X = validate_data(self, X, **_READ)
        rest = np.setdiff1d(np.arange(X.shape[1]), lags.ravel())
        self.lag_order_ = order
        self.n_lags_ = lags.shape[0]
        self.lag_columns_ = lags
        self.remainder_columns_ = rest
        kept = rest if self.remainder == "broadcast" else rest[:0]
        own = [str(names[j]) if names is not None else f"x{j}" for j in kept]
        self.channel_names_ = np.asarray(list(variables) + own, dtype=object)
        return self

    def transform(self, X):
        """Return one chronological sequence per row of the lag table.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            A lag table laid out as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, `n_lags_`, n_channels)
            The lagged variables at each step, oldest first, then the
            broadcast columns (with ``remainder='broadcast'``).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, **_READ)
        steps = X[:, self.lag_columns_]
        if self.remainder == "drop" or not len(self.remainder_columns_):
            return steps
        rest = X[:, None, self.remainder_columns_]
        rest = np.broadcast_to(rest, (len(X), self.n_lags_, rest.shape[2]))
        return np.concatenate([steps, rest], axis=2)

    def _layout_from_order(self, width):
        """The lag columns of a table without lag names, as the parameters say."""
        if self.lag_order == "auto":
            raise ValueError(
                "LagsToSequences(lag_order='auto') reads the order of the lags "
                "from column names such as lag_1, y_lag_1 or y_target_lag-3, "
                "and X has none (a numpy array, or other names). State the "
                f"order: {_ORDER_HINT}."
            )
        n_vars = 1 if self.n_variables is None else self.n_variables
        n_lags = width // n_vars if self.n_lags is None else self.n_lags
        if n_lags < 1 or n_lags * n_vars > width:
            raise ValueError(
                f"LagsToSequences needs n_lags * n_variables = {n_lags * n_vars} "
                f"lag columns and X has {width}: set n_lags to the library's "
                f"number of lags (window_length in sktime). Got n_lags="
                f"{self.n_lags}, n_variables={self.n_variables} instead."
            )
        cells = np.arange(n_lags * n_vars)
        if self.grouping == "variable":
            lags = cells.reshape(n_vars, n_lags).T
        else:
            lags = cells.reshape(n_lags, n_vars)
        if self.lag_order == "newest_first":
            lags = lags[::-1]
        names = [f"lagged{v}" for v in range(n_vars)]
        return np.ascontiguousarray(lags), names, self.lag_order

    def _layout_from_names(self, names, parsed):
        """The lag columns as the names place them, checked against the
        parameters: ``(columns, variables, order)``."""
        offsets = {}
        for j, (var, offset) in parsed.items():
            offsets.setdefault(var, []).append((offset, j))
        series, *others = offsets
        steps = sorted(o for o, _ in offsets[series])
        if len(steps) > 1 and (np.diff(steps) != 1).any():
            raise ValueError(
                "LagsToSequences reads the lags as consecutive time steps, and "
                f"the column names of X show lags with gaps: offsets {steps} of "
                f"{series!r}. A recurrent network would read them as neighbours. "
                "Give the library consecutive lags (e.g. skforecast lags=24, not "
                "[1, 3, 7, 24])."
            )
        variables = [series]
        for var in others:
            found = sorted(o for o, _ in offsets[var])
            if found == steps:
                variables.append(var)
            elif len(found) > 1:  # a single one is a value per row
                raise ValueError(
                    "LagsToSequences needs the lags of the series for every "
                    f"lagged covariate: {series!r} has offsets {steps} and "
                    f"{var!r} has {found}. Give the covariate the lags of the "
                    "series, or a single lag (a value per row, broadcast)."
                )
        order = _order_of(offsets[series])
        if order is None:  # a single lag: no order to read
            order = "oldest_first" if self.lag_order == "auto" else self.lag_order
        self._check_stated(order, names, len(steps), len(variables))
        columns = [[j for _, j in sorted(offsets[var])] for var in variables]
        return np.array(columns, dtype=int).T, variables, order

    def _check_stated(self, order, names, n_lags, n_vars):
        """Refuse parameters that the column names contradict."""
        if self.lag_order != "auto" and self.lag_order != order:
            raise ValueError(
                f"LagsToSequences(lag_order={self.lag_order!r}) contradicts the "
                f"column names of X, whose lags are {order.replace('_', ' ')}: "
                f"{list(names[:4])}... Pass lag_order='auto' to follow the "
                f"names. Got {self.lag_order!r} instead."
            )
        for param, found in (("n_lags", n_lags), ("n_variables", n_vars)):
            stated = getattr(self, param)
            if stated is not None and stated != found:
                raise ValueError(
                    f"LagsToSequences({param}={stated}) contradicts the column "
                    f"names of X, which have {found}. Pass {param}=None to "
                    f"follow the names. Got {stated} instead."
                )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _string_columns(X):
    """The column names of a DataFrame whose names are all strings (the ones
    scikit-learn keeps as ``feature_names_in_``), else None."""
    columns = getattr(X, "columns", None)
    if columns is None or not all(isinstance(name, str) for name in columns):
        return None
    return np.asarray(columns, dtype=object)


def _parse_names(names):
    """``{column: (variable, offset)}`` for the columns named as lags."""
    parsed = {}
    for j, name in enumerate(names):
        found = _DARTS.match(str(name))
        if found:
            parsed[j] = (found["var"], int(found["lag"]))
            continue
        found = _LAG_K.match(str(name))
        if found:
            parsed[j] = (found["var"] or "y", -int(found["lag"]))
    return parsed


def _order_of(offsets):
    """'newest_first', 'oldest_first' or 'unordered': how the columns (in
    their order in X) run in time; None for a single column."""
    times = [offset for offset, _ in sorted(offsets, key=lambda pair: pair[1])]
    if len(times) == 1:
        return None
    steps = np.diff(times)
    if (steps < 0).all():
        return "newest_first"
    if (steps > 0).all():
        return "oldest_first"
    return "unordered"
