"""
Forecasting a seasonal series
=============================

A time series becomes a supervised problem with ``make_windows``: each input
is a window of past steps, the target the value(s) that follow. Time features
(the phase of the season as sine and cosine) are just more features per step.
With ``horizon > 1`` the target is multi-output and one ``RNNRegressor``
forecasts several steps at once.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNRegressor
from sklearn_rnn.datasets import make_windows

rng = np.random.RandomState(0)
t = np.arange(1200)
period = 24
series = (
    np.sin(2 * np.pi * t / period)
    + 0.5 * np.sin(2 * np.pi * t / 100)
    + 0.1 * rng.normal(size=t.size)
)
# Time features: where in the season each step is.
phase = np.column_stack(
    [np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)]
)
data = np.column_stack([series, phase]).astype(np.float32)
train, test = data[:1000], data[1000 - 48 :]

# %%
# One step ahead: windows of 48 steps, target the next value of the series.
X_train, y_train = make_windows(train, window=48, target=0)
X_test, y_test = make_windows(test, window=48, target=0)
one_step = RNNRegressor(
    cell="gru", hidden_size=16, learning_rate_init=0.01, max_iter=20, random_state=0
).fit(X_train, y_train)
print(f"one step ahead R²: {one_step.score(X_test, y_test):.3f}")
one_step_forecast = one_step.predict(X_test)

# %%
# Twelve steps ahead: a multi-output target, one column per step; the test
# windows follow each other, so their forecasts tile the test period.
X_train, Y_train = make_windows(train, window=48, horizon=12, target=0)
X_test, Y_test = make_windows(test, window=48, horizon=12, step=12, target=0)
multi_step = RNNRegressor(
    cell="gru", hidden_size=32, learning_rate_init=0.01, max_iter=20, random_state=0
).fit(X_train, Y_train)
print(f"12 steps ahead R²: {multi_step.score(X_test, Y_test):.3f}")
multi_step_forecast = multi_step.predict(X_test)

# %%
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
ax1.plot(y_test, label="truth")
ax1.plot(one_step_forecast, label="one step ahead")
ax1.legend()
ax2.plot(Y_test.ravel(), label="truth")
ax2.plot(multi_step_forecast.ravel(), label="12 steps at a time")
ax2.set(xlabel="step of the test period")
ax2.legend()
fig.tight_layout()
fig.savefig("forecasting.png", dpi=80)
