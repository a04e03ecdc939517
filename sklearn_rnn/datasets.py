"""Generated sequence datasets and sliding windows over time series.

The generators make ragged sequences whose targets depend on the *order* of
what happens in them, so a model that flattens or pools the time axis does
clearly worse than a recurrent one. They can add missing values and outliers,
the two defects real sequences come with.
"""

from itertools import permutations
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_sequence_classification", "make_sequence_regression", "make_windows"]

_COMMON_CONSTRAINTS = {
    "n_samples": [Interval(Integral, 1, None, closed="left")],
    "n_features": [Interval(Integral, 1, None, closed="left")],
    "min_length": [Interval(Integral, 1, None, closed="left")],
    "max_length": [Interval(Integral, 1, None, closed="left")],
    "missing_rate": [Interval(Real, 0, 1, closed="left")],
    "outlier_rate": [Interval(Real, 0, 1, closed="left")],
    "noise": [Interval(Real, 0, None, closed="left")],
    "offset": [Real],
    "padded": ["boolean"],
    "random_state": ["random_state"],
}


def _lengths(n_samples, min_length, max_length, rng):
    if min_length > max_length:
        raise ValueError(
            f"min_length must not exceed max_length. Got min_length={min_length} "
            f"and max_length={max_length} instead."
        )
    return rng.randint(min_length, max_length + 1, size=n_samples)


def _finish(X, missing_rate, outlier_rate, padded, rng):
    """Add outliers and missing values to the real steps; pad on request."""
    for x in X:
        if outlier_rate:
            hit = rng.uniform(size=x.shape) < outlier_rate
            x[hit] += rng.choice([-1.0, 1.0], size=hit.sum()) * rng.uniform(
                20, 50, size=hit.sum()
            )
        if missing_rate:
            gone = rng.uniform(size=x.shape) < missing_rate
            # Keep one value of the first and last step, so a sequence's
            # length is never mistaken for padding.
            gone[[0, -1], 0] = False
            x[gone] = np.nan
    if not padded:
        return X
    out = np.full((len(X), max(len(x) for x in X), X[0].shape[1]), np.nan)
    for row, x in zip(out, X):
        row[: len(x)] = x
    return out


@validate_params(
    {**_COMMON_CONSTRAINTS, "n_classes": [Interval(Integral, 2, 24, closed="both")]},
    prefer_skip_nested_validation=True,
)
def make_sequence_classification(
    n_samples=200,
    n_features=3,
    n_classes=2,
    *,
    min_length=10,
    max_length=30,
    missing_rate=0.0,
    outlier_rate=0.0,
    noise=0.5,
    offset=0.0,
    padded=False,
    random_state=None,
):
    """Ragged sequences whose class is the order in which events happen.

    Every sequence holds the same few events (spikes of different signs and
    features) at random steps over a noisy background; the class is the order
    in which they occur. Each class has the same events with the same values,
    so only their order tells the classes apart.

    Parameters
    ----------
    n_samples : int, default=200
        Number of sequences.
    n_features : int, default=3
        Number of features per timestep.
    n_classes : int, default=2
        Number of classes (up to 24): orders of 3 events up to 6 classes, of 4
        events above.
    min_length, max_length : int, default=10, 30
        Range of the sequence lengths (inclusive); at least as many steps as
        events are used.
    missing_rate : float, default=0.0
        Share of values replaced by NaN (never a whole first or last step).
    outlier_rate : float, default=0.0
        Share of values shifted by ±20 to ±50.
    noise : float, default=0.5
        Standard deviation of the background noise.
    offset : float, default=0.0
        Mean level of the background (sensor readings rarely centre on 0).
    padded : bool, default=False
        Whether to return one NaN-padded 3D array instead of a list.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : list of ndarray of shape (length_i, n_features), or ndarray of shape \
(n_samples, max_length, n_features)
        The sequences.
    y : ndarray of shape (n_samples,)
        The class of each sequence.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_sequence_classification
    >>> X, y = make_sequence_classification(n_samples=5, random_state=0)
    >>> len(X), X[0].shape[1], y.shape
    (5, 3, (5,))
    """
    rng = check_random_state(random_state)
    n_events = 3 if n_classes <= 6 else 4
    orders = list(permutations(range(n_events)))[:n_classes]
    amplitude = np.array([4.0, -4.0, 6.0, -6.0])[:n_events]
    lengths = _lengths(
        n_samples, max(min_length, n_events), max(max_length, n_events), rng
    )
    y = rng.randint(n_classes, size=n_samples)
    X = []
    for label, length in zip(y, lengths):
        x = offset + noise * rng.normal(size=(length, n_features))
        steps = np.sort(rng.choice(length, size=n_events, replace=False))
        for step, event in zip(steps, orders[label]):
            x[step, event % n_features] += amplitude[event]
        X.append(x)
    return _finish(X, missing_rate, outlier_rate, padded, rng), y


@validate_params(
    {**_COMMON_CONSTRAINTS, "n_targets": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def make_sequence_regression(
    n_samples=200,
    n_features=3,
    n_targets=1,
    *,
    min_length=10,
    max_length=30,
    missing_rate=0.0,
    outlier_rate=0.0,
    noise=0.1,
    offset=0.0,
    padded=False,
    random_state=None,
):
    """Ragged sequences whose target is a recency-weighted sum of a feature.

    Target ``j`` is ``sum_t 0.7**(length - 1 - t) * x[t, j % n_features]``
    (recent steps count most) plus noise: the same values in another order give
    another target. Outliers and missing values are added after the targets
    are computed from the clean sequences.

    Parameters
    ----------
    n_samples : int, default=200
        Number of sequences.
    n_features : int, default=3
        Number of features per timestep.
    n_targets : int, default=1
        Number of targets; ``y`` is 2D when above 1.
    min_length, max_length : int, default=10, 30
        Range of the sequence lengths (inclusive).
    missing_rate : float, default=0.0
        Share of values replaced by NaN (never a whole first or last step).
    outlier_rate : float, default=0.0
        Share of values shifted by ±20 to ±50.
    noise : float, default=0.1
        Standard deviation of the noise added to the targets.
    offset : float, default=0.0
        Mean level of the features.
    padded : bool, default=False
        Whether to return one NaN-padded 3D array instead of a list.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : list of ndarray of shape (length_i, n_features), or ndarray of shape \
(n_samples, max_length, n_features)
        The sequences.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The targets of each sequence.

    Examples
    --------
    >>> from sklearn_rnn.datasets import make_sequence_regression
    >>> X, y = make_sequence_regression(n_samples=4, n_targets=2, random_state=0)
    >>> len(X), y.shape
    (4, (4, 2))
    """
    rng = check_random_state(random_state)
    lengths = _lengths(n_samples, min_length, max_length, rng)
    X, y = [], np.empty((n_samples, n_targets))
    for i, length in enumerate(lengths):
        x = offset + rng.normal(size=(length, n_features))
        decay = 0.7 ** np.arange(length)[::-1]
        for j in range(n_targets):
            y[i, j] = decay @ (x[:, j % n_features] - offset)
        X.append(x)
    y += noise * rng.normal(size=y.shape)
    X = _finish(X, missing_rate, outlier_rate, padded, rng)
    return X, (y[:, 0] if n_targets == 1 else y)


@validate_params(
    {
        "series": ["array-like"],
        "window": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "target": [Interval(Integral, None, None, closed="neither"), list, None],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(series, window, horizon=1, step=1, target=None):
    """Cut time series into input windows and the values that follow them.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features), \
or list of such arrays
        One time series, or a list of several (windows never straddle two
        series). Pass one multivariate series as an array, not a nested list.
    window : int
        Number of steps in each input window.
    horizon : int, default=1
        Number of following steps to predict.
    step : int, default=1
        Stride between the starts of consecutive windows.
    target : int, list of int or None, default=None
        Feature(s) to predict; None predicts every feature.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        The windows.
    y : ndarray of shape (n_windows,) for one target and ``horizon=1``, else \
(n_windows, horizon * n_targets)
        The values that follow each window, ordered by horizon then target.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn.datasets import make_windows
    >>> X, y = make_windows(np.arange(6.0), window=3, horizon=2)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.]])
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    parts = [
        _windows_of(s, window, horizon, step, target) for s in _series_list(series)
    ]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return X, (y[:, 0] if y.shape[1] == 1 else y)


def _series_list(series):
    if isinstance(series, (list, tuple)) and series and np.ndim(series[0]) >= 1:
        return [np.asarray(s, dtype=float) for s in series]
    return [np.asarray(series, dtype=float)]


def _windows_of(series, window, horizon, step, target):
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(
            f"Each series must be 1D (n_timesteps,) or 2D (n_timesteps, n_features). "
            f"Got an array with {series.ndim} dimensions instead."
        )
    n_windows = (len(series) - window - horizon) // step + 1
    if n_windows < 1:
        raise ValueError(
            f"A series of {len(series)} steps is too short for window={window} and "
            f"horizon={horizon}: it needs at least {window + horizon} steps."
        )
    columns = list(range(series.shape[1])) if target is None else np.atleast_1d(target)
    starts = np.arange(n_windows) * step
    X = series[starts[:, None] + np.arange(window)]
    future = series[starts[:, None] + window + np.arange(horizon)][:, :, columns]
    return X, future.reshape(n_windows, -1)
