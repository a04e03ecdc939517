"""The tutorial's Keras model against its sklearn-rnn port (issue 19, goal 4).

Two tasks the tutorial's model is meant for, with held-out RMSE in standardised
units (predicting zero gives about 1.0):

- *adding*: the adding problem (Hochreiter and Schmidhuber): 1,000 training and
  1,000 test sequences of 30 steps, two channels (a value uniform in [0, 1] and
  a marker that is 1 at two random steps); the target is the sum of the two
  marked values;
- *sine*: ``sin(0.07 t) + 0.5 sin(0.23 t)`` plus Gaussian noise of 0.1,
  t = 0..1999, standardised on the first 70%, windows of 20 steps predicting the
  next value (1,380 training windows, the rest for testing).

Rows: the README's Keras-equivalent ``RNNRegressor`` with PyTorch's
initialisation and with Keras' (``weight_init='keras'``), and Keras 3's
``LSTM(50, activation='relu') + Dense(1)`` (Adam, MSE, 100 epochs, batch 32)
when keras is installed (``pip install keras``; benchmark only), and
``RNNRegressor()`` at its defaults (goal 5: a default fit no slower than
Keras' 100 epochs, at equal or lower error). Medians over ``--seeds`` seeds,
each run in this process one after the other.

``python benchmarks/keras_parity.py [--seeds 5] [--rows ours,keras-init,keras]``
"""

import argparse
import os
import time

import numpy as np
import torch

from sklearn_rnn import RNNRegressor
from sklearn_rnn.datasets import make_windows

EPOCHS, BATCH, UNITS = 100, 32, 50


def adding(seed, n=1000, steps=30):
    rng = np.random.RandomState(seed)

    def draw(count):
        values = rng.uniform(size=(count, steps))
        markers = np.zeros((count, steps))
        for row in markers:
            row[rng.choice(steps, size=2, replace=False)] = 1.0
        X = np.stack([values, markers], axis=2).astype(np.float32)
        return X, (values * markers).sum(1)

    (X, y), (X_test, y_test) = draw(n), draw(n)
    mean, std = y.mean(), y.std()
    return X, (y - mean) / std, X_test, (y_test - mean) / std


def sine(seed, length=2000, window=20):
    rng = np.random.RandomState(seed)
    t = np.arange(length)
    series = np.sin(0.07 * t) + 0.5 * np.sin(0.23 * t) + rng.normal(0, 0.1, length)
    split = int(0.7 * length)
    series = (series - series[:split].mean()) / series[:split].std()
    X, y = make_windows(series.astype(np.float32), window=window)
    train = np.arange(len(X)) + window < split
    return X[train], y[train], X[~train], y[~train]


TASKS = {"adding": adding, "sine": sine}


def ours(weight_init):
    def fit_predict(X, y, X_test, seed):
        model = RNNRegressor(
            cell="lstm",
            hidden_size=UNITS,
            activation="relu",
            pooling="last",
            learning_rate_init=1e-3,
            normalize_y=False,
            alpha=0.0,
            max_iter=EPOCHS,
            n_iter_no_change=None,
            average_decay=0.0,  # the last epoch's weights, as Keras
            batch_size=BATCH,
            random_state=seed,
            **({"weight_init": weight_init} if weight_init else {}),
        )
        return model.fit(X, y).predict(X_test)

    return fit_predict


def keras(X, y, X_test, seed):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=X.shape[1:]),
            keras.layers.LSTM(UNITS, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, y, epochs=EPOCHS, batch_size=BATCH, verbose=0)
    return model.predict(X_test, verbose=0)[:, 0]


def defaults(X, y, X_test, seed):
    """``RNNRegressor()`` as a new user runs it (goal 5 of issue 19)."""
    return RNNRegressor(random_state=seed).fit(X, y).predict(X_test)


ROWS = {
    "ours": ours(None),
    "keras-init": ours("keras"),
    "keras": keras,
    "defaults": defaults,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--tasks", default=",".join(TASKS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print("| task | row | median RMSE | RMSE per seed | median fit (s) |")
    print("|---|---|---|---|---|")
    for task in args.tasks.split(","):
        for row in args.rows.split(","):
            errors, times = [], []
            for seed in range(args.seeds):
                X, y, X_test, y_test = TASKS[task](seed)
                start = time.perf_counter()
                pred = ROWS[row](X, y, X_test, seed)
                times.append(time.perf_counter() - start)
                errors.append(float(np.sqrt(np.mean((pred - y_test) ** 2))))
            print(
                f"| {task} | {row} | {np.median(errors):.3f} | "
                f"{' '.join(f'{e:.3f}' for e in errors)} | {np.median(times):.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
