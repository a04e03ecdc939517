"""Averaging several default regressors against one (issue 39, goal 2).

Each bag averages the predictions of ``--k`` pipelines ``SequenceScaler() ->
RNNRegressor(random_state=s)`` whose seeds differ, so each has its own
held-out split, initialisation, shrinkage and linear blend; bag ``b`` takes
seeds ``k*b .. k*b + k - 1``. The single-model column is seeds 0 to
``--bags - 1`` of the same fits (the low-signal suite's and Tecator's five
seeds). Run::

    python benchmarks/bagging.py tecator --out benchmarks/results/bagging-tecator.json
    python benchmarks/bagging.py suite --out benchmarks/results/bagging-lowsignal.json
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np
from joblib import Parallel, delayed

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def fit_predict(name, seed, wheels):
    """One default pipeline's test predictions and the test targets."""
    import torch

    torch.set_num_threads(1)
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNRegressor, SequenceScaler

    if name == "Tecator":
        import accuracy

        (X, y), (X_test, y_test), _ = accuracy.load(name, wheels)
        X, X_test = accuracy._stack(X), accuracy._stack(X_test)
    else:
        import lowsignal

        X, y, X_test, y_test, _ = lowsignal.task(name, wheels)
        X, X_test = X.astype(np.float32), X_test.astype(np.float32)
    model = make_pipeline(SequenceScaler(), RNNRegressor(random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model.predict(X_test), np.asarray(y_test, dtype=float)


def rmse(y, p):
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(p)) ** 2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["tecator", "suite"])
    parser.add_argument("--k", type=int, default=5, help="networks per bag")
    parser.add_argument("--bags", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    parser.add_argument("--out", help="write the RMSEs here (JSON)")
    args = parser.parse_args()
    if args.what == "tecator":
        names = ["Tecator"]
    else:
        import lowsignal

        names = list(lowsignal.HALVES)
    out = {}
    for name in names:
        runs = Parallel(n_jobs=args.jobs)(
            delayed(fit_predict)(name, seed, args.wheels)
            for seed in range(args.k * args.bags)
        )
        y_test = runs[0][1]
        predictions = np.stack([p for p, _ in runs])
        single = [rmse(y_test, p) for p in predictions[: args.bags]]
        bags = [
            rmse(y_test, predictions[b * args.k : (b + 1) * args.k].mean(0))
            for b in range(args.bags)
        ]
        out[name] = {"single": single, f"bags_of_{args.k}": bags}
        print(
            f"| {name} | {np.median(single):.4f} ({max(single):.4f}) "
            f"| {np.median(bags):.4f} ({max(bags):.4f}) |",
            flush=True,
        )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
