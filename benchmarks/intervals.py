"""Held-out coverage of prediction bands: raw quantile models against
conformalized ones (MAPIE), at 80% and 90%.

    pip install "mapie>=1.0"
    python benchmarks/intervals.py                       # 3 tasks, 3 seeds
    python benchmarks/intervals.py --tasks synthetic --seeds 0

Per task and seed: the training part is split 75/25 into a fitting set and a
calibration set. On the fitting set the estimator's defaults are fitted with
``loss='quantile'`` at 0.05, 0.1, 0.5, 0.9 and 0.95 and with the squared
error. Three bands are scored on the held-out part:

- *raw quantiles*: the 0.1/0.9 (0.05/0.95) models' predictions as they are;
- *CQR*: MAPIE's ``ConformalizedQuantileRegressor`` over the same three fitted
  models (``prefit=True``), conformalized on the calibration set;
- *split conformal*: MAPIE's ``SplitConformalRegressor`` around the
  squared-error model, conformalized on the same set;
- *one model, raw* and *one model, CQR*: a single model fitted with
  ``quantile=[0.05, 0.1, 0.5, 0.9, 0.95]`` (its quantiles never cross), its
  band as it is, and conformalized on the calibration set by CQR's rule (the
  band widened by the ``ceil((n + 1) * level) / n`` quantile of the
  calibration scores ``max(low - y, y - high)``, as MAPIE computes it).

``--methods`` runs some of them (each method's fits are its own).

Tasks: Tecator (the sktime wheel, as in accuracy.py), ``make_sequence_regression``
(800 ragged sequences; 600 for training) and the noisy sine of keras_parity.py
(windows of 20 steps; the last 30% of the series held out).
"""

import argparse
import os
import sys
import warnings

import numpy as np
import torch
from mapie.regression import ConformalizedQuantileRegressor, SplitConformalRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNRegressor, SequenceScaler
from sklearn_rnn.datasets import make_sequence_regression

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from accuracy import _fmt, load, report  # noqa: E402
from keras_parity import sine  # noqa: E402

LEVELS = (0.8, 0.9)


def tecator(seed, wheels):
    (X, y), (X_test, y_test), _ = load("Tecator", wheels)
    return np.stack(X), y, np.stack(X_test), y_test


def synthetic(seed, wheels):
    X, y = make_sequence_regression(n_samples=800, noise=0.5, random_state=seed)
    return X[:600], y[:600], X[600:], y[600:]


def noisy_sine(seed, wheels):
    return sine(seed)


TASKS = {"Tecator": tecator, "synthetic": synthetic, "noisy sine": noisy_sine}


def _model(seed, **params):
    return make_pipeline(SequenceScaler(), RNNRegressor(random_state=seed, **params))


def _coverage(y, bands):
    return float(np.mean((bands[:, 0] <= y) & (y <= bands[:, 1])))


METHODS = (
    "raw quantiles",
    "CQR",
    "split conformal",
    "one model, raw",
    "one model, CQR",
)
ONE_MODEL = (0.05, 0.1, 0.5, 0.9, 0.95)


def _cqr(low_cal, high_cal, y_cal, low, high, level):
    """Conformalized quantile regression of the band ``[low, high]``."""
    scores = np.maximum(low_cal - y_cal, y_cal - high_cal)
    n = len(y_cal)
    margin = np.quantile(
        scores, min(1.0, np.ceil((n + 1) * level) / n), method="higher"
    )
    return np.stack([low - margin, high + margin], axis=1)


def measure(task, seed, wheels, methods=METHODS):
    """``{(method, level): coverage}`` on the held-out part for one seed."""
    X, y, X_test, y_test = TASKS[task](seed, wheels)
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(y))
    fit, cal = order[: 3 * len(y) // 4], order[3 * len(y) // 4 :]

    def take(idx):
        return [X[i] for i in idx] if isinstance(X, list) else X[idx]

    X_fit, y_fit, X_cal, y_cal = take(fit), y[fit], take(cal), y[cal]
    results = {}
    if any(m.startswith("one model") for m in methods):
        one = _model(seed, loss="quantile", quantile=list(ONE_MODEL))
        one.fit(X_fit, y_fit)
        test, cal_pred = one.predict(X_test), one.predict(X_cal)
        for level in LEVELS:
            j, k = (ONE_MODEL.index(round((1 + s * level) / 2, 3)) for s in (-1, 1))
            raw = test[:, [j, k]]
            results["one model, raw", level] = _coverage(y_test, raw)
            band = _cqr(
                cal_pred[:, j], cal_pred[:, k], y_cal, raw[:, 0], raw[:, 1], level
            )
            results["one model, CQR", level] = _coverage(y_test, band)
    if not set(methods) & {"raw quantiles", "CQR", "split conformal"}:
        return results
    quantiles = {
        q: _model(seed, loss="quantile", quantile=q).fit(X_fit, y_fit)
        for q in (0.05, 0.1, 0.5, 0.9, 0.95)
    }
    point = _model(seed).fit(X_fit, y_fit)
    for level in LEVELS:
        low, high = round((1 - level) / 2, 3), round((1 + level) / 2, 3)
        raw = np.stack(
            [quantiles[low].predict(X_test), quantiles[high].predict(X_test)], axis=1
        )
        results["raw quantiles", level] = _coverage(y_test, raw)
        cqr = ConformalizedQuantileRegressor(
            [quantiles[low], quantiles[high], quantiles[0.5]],
            confidence_level=level,
            prefit=True,
        ).conformalize(X_cal, y_cal)
        results["CQR", level] = _coverage(
            y_test, cqr.predict_interval(X_test)[1][..., 0]
        )
        split = SplitConformalRegressor(
            point, confidence_level=level, prefit=True
        ).conformalize(X_cal, y_cal)
        results["split conformal", level] = _coverage(
            y_test, split.predict_interval(X_test)[1][..., 0]
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--output", help="also write the table to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    lines = [
        f"Seeds {args.seeds}; torch {torch.__version__}, 1 thread. Held-out "
        "coverage, mean over seeds (min–max).",
        "",
        "| task | method | 80% band | 90% band |",
        "|---|---|---|---|",
    ]
    for task in args.tasks:
        runs = [measure(task, seed, args.wheels, args.methods) for seed in args.seeds]
        for method in args.methods:
            cells = []
            for level in LEVELS:
                values = [run[method, level] for run in runs]
                cells.append(_fmt(values))
            lines.append(f"| {task} | {method} | {' | '.join(cells)} |")
            print(lines[-1], flush=True)
    report(lines, args.output)


if __name__ == "__main__":
    main()
