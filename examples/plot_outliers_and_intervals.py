"""
Outliers in the targets, and a prediction band
==============================================

The tutorial asks how to handle outliers. Outlying *inputs* are the business of
``SequenceScaler(method='robust', clip_value=...)``; outlying *targets* are the
business of the loss. ``RNNRegressor(loss='absolute_error')`` and
``loss='huber'`` barely move when a few training targets are wrong by a lot,
where the squared error chases them. Two models with ``loss='quantile'`` (0.1
and 0.9) give an 80% prediction band for new sequences.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNRegressor


def sequences(n, seed, outliers=0.0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8, 2)).astype(np.float32)
    signal = X[:, -3:, 0].sum(1) - X[:, 0, 1]
    y = signal + rng.normal(size=n)
    y[rng.uniform(size=n) < outliers] += 40.0  # 5% of the targets are wrong
    return X, y, signal


X, y, _ = sequences(1000, 0, outliers=0.05)
X_new, y_new, signal_new = sequences(500, 1)
params = dict(hidden_size=16, max_iter=40, conv_filters=0, random_state=0)

errors = {}
for loss in ("squared_error", "absolute_error", "huber"):
    model = RNNRegressor(loss=loss, **params).fit(X, y)
    errors[loss] = np.abs(model.predict(X_new) - signal_new).mean()
    print(f"{loss}: mean absolute error on new sequences {errors[loss]:.2f}")

# %%
# A band from two quantile models, trained on clean data with early stopping
# on the validation pinball loss.
X, y, _ = sequences(3000, 2)
band = dict(params, max_iter=60, early_stopping=True, n_iter_no_change=10)
low = RNNRegressor(loss="quantile", quantile=0.1, **band).fit(X, y)
high = RNNRegressor(loss="quantile", quantile=0.9, **band).fit(X, y)
lower, upper = low.predict(X_new), high.predict(X_new)
coverage = ((lower <= y_new) & (y_new <= upper)).mean()
print(f"share of new targets inside the 80% band: {coverage:.2f}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.bar(list(errors), list(errors.values()), color="tab:blue")
left.set(ylabel="mean absolute error", title="5% outlying training targets")
left.tick_params(axis="x", labelsize=8)
order = np.argsort(signal_new)[::5]
right.fill_between(
    range(len(order)), lower[order], upper[order], alpha=0.3, label="0.1-0.9 band"
)
right.plot(y_new[order], ".", markersize=4, label="new targets")
right.set(xlabel="new sequences, by true signal", title=f"coverage {coverage:.2f}")
right.legend()
fig.tight_layout()
fig.savefig("outliers_and_intervals.png", dpi=80)
