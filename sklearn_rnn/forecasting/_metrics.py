"""Forecast accuracy: MASE and sMAPE over many series, as the M competitions
and the Monash forecasting archive compute them."""

import numpy as np

__all__ = ["mean_absolute_scaled_error", "symmetric_mean_absolute_percentage_error"]


def mean_absolute_scaled_error(y_true, y_pred, y_train, *, seasonality=1):
    """Mean over series of the forecast's MAE scaled by the in-sample MAE of
    the seasonal naive forecast (Hyndman and Koehler 2006).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_series, horizon)
        The values that followed each series, and their forecasts.
    y_train : list of array-like of shape (length_i,), or 2D array
        Each series up to the forecast: its scale is the mean of
        ``|y[t] - y[t - seasonality]|`` over it. Rows of a 2D array end at
        their last value that is not NaN (the padding ``fit`` reads).
    seasonality : int, default=1
        The season's length ``m`` (1: the naive forecast's scale).

    Returns
    -------
    mase : float
        The mean over series; a series whose scale is 0 (constant over its
        history) counts as NaN and is left out of the mean.

    Examples
    --------
    >>> from sklearn_rnn.forecasting import mean_absolute_scaled_error
    >>> mean_absolute_scaled_error([[4.0]], [[5.0]], [[1.0, 2.0, 4.0]])
    0.6666666666666666
    """
    return float(np.nanmean(_mase_per_series(y_true, y_pred, y_train, seasonality)))


def _mase_per_series(y_true, y_pred, y_train, seasonality):
    y_true, y_pred = _forecasts(y_true, y_pred)
    error = np.abs(y_true - y_pred).mean(axis=1)
    if len(y_train) != len(error):
        raise ValueError(
            f"y_train must hold one history per forecast series: got {len(y_train)} "
            f"histories for {len(error)} series."
        )
    scale = np.array([_naive_mae(s, seasonality) for s in y_train])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, error / np.where(scale > 0, scale, 1), np.nan)


def _forecasts(y_true, y_pred):
    """``y_true`` and ``y_pred`` as float arrays of one shape ``(n_series,
    horizon)``, finite: a NaN forecast is an error, never a series left out."""
    y_true, y_pred = (np.asarray(a, dtype=np.float64) for a in (y_true, y_pred))
    if y_true.ndim != 2 or y_true.shape != y_pred.shape:
        raise ValueError(
            "y_true and y_pred must have one shape (n_series, horizon). Got "
            f"{y_true.shape} and {y_pred.shape} instead."
        )
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        raise ValueError("y_true and y_pred must be finite; they hold NaN or inf.")
    return y_true, y_pred


def _naive_mae(series, seasonality):
    series = np.asarray(series, dtype=np.float64).ravel()
    series = series[: len(series) - np.argmax(~np.isnan(series[::-1]))]
    if np.isnan(series).any():
        raise ValueError(
            "A history of y_train holds NaN before its last value: only trailing "
            "NaN (the padding of a 2D array) may follow a series."
        )
    if len(series) <= seasonality:
        raise ValueError(
            f"The scale of MASE needs more than seasonality={seasonality} steps of "
            f"history. Got a series of {len(series)} steps instead: lower "
            "seasonality or use longer histories."
        )
    return np.mean(np.abs(series[seasonality:] - series[:-seasonality]))


def symmetric_mean_absolute_percentage_error(y_true, y_pred):
    """sMAPE in percent: the mean of ``200 |y - f| / (|y| + |f|)`` (0 where
    both are 0), over every step of every series.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_series, horizon)
        The values that followed each series, and their forecasts.

    Returns
    -------
    smape : float
        Between 0 and 200.

    Examples
    --------
    >>> from sklearn_rnn.forecasting import symmetric_mean_absolute_percentage_error
    >>> symmetric_mean_absolute_percentage_error([[1.0, 0.0]], [[3.0, 0.0]])
    50.0
    """
    y_true, y_pred = _forecasts(y_true, y_pred)
    total = np.abs(y_true) + np.abs(y_pred)
    ratio = 2 * np.abs(y_true - y_pred) / np.where(total > 0, total, 1)
    return float(100 * np.mean(ratio))
