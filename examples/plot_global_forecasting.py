"""
Forecasting many series with one model
======================================

``RNNForecaster`` is a global forecaster: it cuts every series into windows
(the last ``window`` steps, and the ``horizon`` steps that follow) and trains
one multi-output ``RNNRegressor`` on all of them. Each window is divided by
its mean absolute value and the forecast multiplied back, so series of any
level and length share one model. With ``quantiles`` it forecasts an
interval too, and ``backtest`` scores it from rolling origins next to the
seasonal naive baseline and a ``RidgeCV`` on the same windows.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV

from sklearn_rnn import RNNRegressor
from sklearn_rnn.forecasting import RNNForecaster, SeasonalNaive, backtest

# 24 monthly series of different lengths, levels and trends, with a yearly
# season whose phase differs from series to series.
rng = np.random.RandomState(0)
series = []
for _ in range(24):
    t = np.arange(rng.randint(64, 120))
    level, trend = rng.uniform(10, 1000), rng.uniform(-0.003, 0.01)
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
    noise = 1 + 0.05 * rng.normal(size=t.size)
    series.append(level * (1 + trend * t) * season * noise)

# %%
# One network for all series; the last 12 months of each are forecast at once,
# from training windows cut every 3 months. The network reads its state at the
# last step (``pooling='last'``), where the forecast starts; 20 epochs exactly
# (``n_iter_no_change=None``) keep the example fast.
network = RNNRegressor(
    hidden_size=16, pooling="last", max_iter=20, n_iter_no_change=None, random_state=0
)
forecaster = RNNForecaster(
    estimator=network,
    window=24,
    horizon=12,
    step=3,
    quantiles=(0.1, 0.5, 0.9),
)
train = [s[:-12] for s in series]
forecaster.fit(train)
median = forecaster.predict()
lower, upper = forecaster.predict_interval(coverage=0.8)
print(f"{forecaster.n_windows_} training windows from {forecaster.n_series_} series")

# %%
# Rolling-origin backtest: two origins, 12 months each, MASE scaled by the
# seasonal naive forecast's in-sample error (seasonality 12).
scores = {
    "seasonal naive": backtest(
        SeasonalNaive(seasonality=12), series, 12, 2, seasonality=12
    ),
    "RidgeCV, same windows": backtest(
        RidgeCV(), series, 12, 2, seasonality=12, window=24
    ),
    "RNNForecaster": backtest(forecaster, series, 12, 2, seasonality=12),
}
print(pd.DataFrame({name: table["mase"] for name, table in scores.items()}).T)

# %%
# On these smooth, nearly linear series the ridge regression on the same
# windows wins, and a network trained for 20 epochs does not beat the
# seasonal naive forecast: measure before choosing, as ``backtest`` does (and
# search ``window`` and the network's parameters with ``GridSearchCV`` and
# ``TemporalSplit``). ``benchmarks/forecasting.py`` measures the forecaster
# on the M1 competition.

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 6))
for ax, i in zip(axes.ravel(), [0, 7, 13, 21]):
    steps = np.arange(len(series[i]))
    ax.plot(steps, series[i], color="k", lw=1, label="series")
    ahead = steps[-12:]
    ax.plot(ahead, median[i], label="median forecast")
    ax.fill_between(ahead, lower[i], upper[i], alpha=0.3, label="80% interval")
    ax.set_title(f"series {i}")
axes[0, 0].legend()
fig.tight_layout()
plt.savefig("global_forecasting.png")
