"""Irregularly sampled sequences: imputing onto a grid against time-aware input.

The protocol of Kidger et al. (2020, "Neural controlled differential equations
for irregular time series"): drop a share of the steps of every sequence at
random (each sequence its own steps, training and test alike), keep the
timestamps, and compare

- (a) *impute*: the dropped steps as NaN on the regular grid, filled by
  ``SequenceImputer(strategy='linear')``, then the classifier;
- (b) *time-aware*: only the observed steps, each with its timestamp, through
  ``TimeFeatures()`` (the time since the previous observation and since the
  start), then the classifier;
- (b') *GRU-D inputs*: the grid of (a) with its timestamps, through
  ``TimeFeatures(spans=(), since_observed=True)`` (the time since the value
  was last observed) and ``SequenceImputer(strategy='ffill',
  add_indicator=True)`` (the last observed value and whether it is observed
  now): the inputs of GRU-D (Che et al. 2018) without its learned decay;
- (c) *full*: every step (the ceiling).

Every model is ``Pipeline(..., SequenceScaler(), RNNClassifier())`` at the
defaults. Datasets from the wheels of benchmarks/accuracy.py.

``python benchmarks/irregular.py [--datasets GunPoint ItalyPowerDemand]
[--rates 0.3 0.5 0.7] [--seeds 0 1]``
"""

import argparse
import os
import statistics
import sys
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequenceImputer, SequenceScaler, TimeFeatures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from accuracy import load  # noqa: E402


def drop_steps(X, rate, rng):
    """Per sequence, the kept steps' ``(timestamps, values)`` (at least two)."""
    kept = []
    for x in X:
        n = len(x)
        keep = np.sort(rng.choice(n, size=max(2, round(n * (1 - rate))), replace=False))
        kept.append((keep.astype(float), np.asarray(x, dtype=float)[keep]))
    return kept


def on_grid(kept, lengths):
    """(a): the observed values at their grid positions, NaN elsewhere."""
    out = []
    for (t, v), n in zip(kept, lengths):
        x = np.full(n, np.nan)
        x[t.astype(int)] = v
        out.append(x[:, None])
    return out


def grid_with_time(kept, lengths):
    """(b'): the grid of (a), its timestamps as column 0 (every step kept)."""
    return [
        np.column_stack([np.arange(n, dtype=float), x[:, 0]])
        for x, n in zip(on_grid(kept, lengths), lengths)
    ]


def time_aware(kept):
    """(b): the observed steps alone, the timestamp as column 0."""
    return [np.column_stack([t, v]) for t, v in kept]


def score(steps, X, y, X_test, y_test, seed):
    model = make_pipeline(*steps, SequenceScaler(), RNNClassifier(random_state=seed))
    return model.fit(X, y).score(X_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["GunPoint", "ItalyPowerDemand"]
    )
    parser.add_argument("--rates", nargs="+", type=float, default=[0.3, 0.5, 0.7])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(
        "| dataset | dropped | (a) impute | (b) time-aware | (b') GRU-D inputs "
        "| (c) full data |"
    )
    print("|---|---|---|---|---|---|")
    for name in args.datasets:
        (X, y), (X_test, y_test), _ = load(name, args.wheels)
        full = [
            score(
                [],
                [x[:, None] for x in X],
                y,
                [x[:, None] for x in X_test],
                y_test,
                seed,
            )
            for seed in args.seeds
        ]
        for rate in args.rates:
            a, b, d = [], [], []
            for seed in args.seeds:
                rng = np.random.RandomState(seed)
                kept, kept_test = (
                    drop_steps(X, rate, rng),
                    drop_steps(X_test, rate, rng),
                )
                lengths = [len(x) for x in X]
                lengths_test = [len(x) for x in X_test]
                a.append(
                    score(
                        [SequenceImputer(strategy="linear")],
                        on_grid(kept, lengths),
                        y,
                        on_grid(kept_test, lengths_test),
                        y_test,
                        seed,
                    )
                )
                b.append(
                    score(
                        [TimeFeatures()],
                        time_aware(kept),
                        y,
                        time_aware(kept_test),
                        y_test,
                        seed,
                    )
                )
                gru_d = [
                    TimeFeatures(spans=(), since_observed=True),
                    SequenceImputer(strategy="ffill", add_indicator=True),
                ]
                d.append(
                    score(
                        gru_d,
                        grid_with_time(kept, lengths),
                        y,
                        grid_with_time(kept_test, lengths_test),
                        y_test,
                        seed,
                    )
                )
            print(
                f"| {name} | {rate:.0%} | {statistics.mean(a):.3f} | "
                f"{statistics.mean(b):.3f} | {statistics.mean(d):.3f} | "
                f"{statistics.mean(full):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
