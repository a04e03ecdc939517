"""
Quick start: the Keras LSTM example in one line
================================================

The tutorial this library comes from trains, in Keras::

    model = Sequential()
    model.add(LSTM(50, activation="relu", input_shape=(timesteps, input_dim)))
    model.add(Dense(1))
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, y, epochs=100, batch_size=32, verbose=1)

With sklearn-rnn that is one estimator: an LSTM with 50 units and ReLU
activation, a linear output layer, Adam on the mean squared error, 100 epochs
of batches of 32, one progress line per epoch.
"""

# %%
# The tutorial's task: the next value of a noisy series (two sines plus
# Gaussian noise of 0.1) from its last 20 values. ``make_windows`` cuts the
# series into 1,980 windows; the first 1,380 train, the later ones test, so
# the model is judged on a stretch of the series it never saw.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNRegressor
from sklearn_rnn.datasets import make_windows

t = np.arange(2000)
series = np.sin(0.07 * t) + 0.5 * np.sin(0.23 * t)
series += np.random.RandomState(0).normal(scale=0.1, size=t.size)
X, y = make_windows(series.astype(np.float32), window=20)  # X: (1980, 20, 1)
X_train, y_train, X_test, y_test = X[:1380], y[:1380], X[1380:], y[1380:]

# %%
# The Keras model, as one scikit-learn estimator. Our defaults differ where the
# accuracy benchmark chose otherwise (a GRU, max-pooling over the steps, a
# learning rate of 3e-3, standardised targets); the Keras model reads the last
# step, learns at Adam's 1e-3 on raw targets, adds no L2 penalty, and starts
# from Keras' initialisation (on the adding problem, 5 seeds: held-out RMSE
# 0.13 as Keras 3's own, 0.98 from PyTorch's uniform initialisation).
model = RNNRegressor(
    cell="lstm",
    hidden_size=50,
    activation="relu",
    pooling="last",
    learning_rate_init=1e-3,
    normalize_y=False,
    alpha=0.0,
    max_iter=100,
    n_iter_no_change=None,  # exactly the 100 epochs, as Keras
    early_stopping=False,  # on all the data: Keras' fit without validation_split
    weight_init="keras",
    average_decay=0.0,  # the last epoch's weights, as Keras
    batch_size=32,
    verbose=1,
    random_state=0,
)
model.fit(X_train, y_train)
rmse = np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2))
print(f"held-out RMSE: {rmse:.3f} (the noise alone: 0.1)")

# %%
# The held-out stretch of the series against the one-step-ahead predictions,
# and the training curve.
fig, (ax_fit, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
steps = np.arange(len(y_test))[:200]
ax_fit.plot(steps, y_test[:200], label="series", lw=1)
ax_fit.plot(steps, model.predict(X_test[:200]), label="predicted", lw=1)
ax_fit.set(xlabel="step (held out)", ylabel="value", title="One step ahead")
ax_fit.legend()
ax_loss.plot(model.loss_curve_)
ax_loss.set(xlabel="epoch", ylabel="training MSE", yscale="log", title="Training")
fig.tight_layout()
fig.savefig("quickstart.png", dpi=80)
