"""Spikes inside sequences: held-out RMSE with and without SequenceOutlierFilter.

``make_sequence_regression(outlier_rate=r)`` shifts a share ``r`` of the
values of X by ±20 to ±50 (the target is computed before, from the clean
series). Three pipelines before ``RNNRegressor(hidden_size=32, max_iter=100)``,
400 sequences (300 for training), medians over seeds:

- ``SequenceScaler()``: nothing done about the spikes;
- ``SequenceScaler(method='robust', clip_value=3)``: whole-feature robust
  scaling, values clipped;
- ``SequenceOutlierFilter()`` (Hampel, NaN), ``SequenceImputer('linear')``,
  ``SequenceScaler()``: the tutorial's "delete, then fill".

``python benchmarks/outliers.py [--seeds 0 1 2] [--rates 0.01 0.03 0.05]``
"""

import argparse
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNRegressor,
    SequenceImputer,
    SequenceOutlierFilter,
    SequenceScaler,
)
from sklearn_rnn.datasets import make_sequence_regression

PREPROCESSING = {
    "scaler": lambda: [SequenceScaler()],
    "robust scaler, clipped": lambda: [SequenceScaler(method="robust", clip_value=3.0)],
    "outlier filter + imputer": lambda: [
        SequenceOutlierFilter(),
        SequenceImputer(strategy="linear"),
        SequenceScaler(),
    ],
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--rates", nargs="+", type=float, default=[0.01, 0.03, 0.05])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print("| spikes | " + " | ".join(PREPROCESSING) + " |")
    print("|---|" + "---|" * len(PREPROCESSING))
    for rate in args.rates:
        errors = {name: [] for name in PREPROCESSING}
        for seed in args.seeds:
            X, y = make_sequence_regression(
                n_samples=400, outlier_rate=rate, random_state=seed
            )
            for name, steps in PREPROCESSING.items():
                model = make_pipeline(
                    *steps(),
                    RNNRegressor(hidden_size=32, max_iter=100, random_state=seed),
                ).fit(X[:300], y[:300])
                error = np.sqrt(np.mean((model.predict(X[300:]) - y[300:]) ** 2))
                errors[name].append(error)
        cells = " | ".join(f"{np.median(e):.3f}" for e in errors.values())
        print(f"| {rate:.0%} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
