"""Forecasting many time series with one model, and evaluating forecasts.

:class:`RNNForecaster` is a global forecaster: it trains one multi-output
regressor on windows cut from every series (ragged lists, 2D arrays or long
``(id, time)`` DataFrames), with per-window scaling, covariates known in the
past or in advance, static features and quantile forecasts.
:class:`SeasonalNaive` is the baseline; :func:`backtest` scores any of them
(or a plain regressor) from rolling origins with MASE and sMAPE, and
:class:`TemporalSplit` lets ``GridSearchCV`` tune them without looking ahead.
"""

from ._backtest import TemporalSplit, backtest
from ._forecaster import RNNForecaster, SeasonalNaive
from ._metrics import (
    mean_absolute_scaled_error,
    symmetric_mean_absolute_percentage_error,
)

__all__ = [
    "RNNForecaster",
    "SeasonalNaive",
    "TemporalSplit",
    "backtest",
    "mean_absolute_scaled_error",
    "symmetric_mean_absolute_percentage_error",
]
