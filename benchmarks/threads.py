"""Threads: sklearn-rnn as a new user runs it (``n_threads='auto'``, torch's
default thread count) against fixed thread counts, on an idle and a busy machine.

For the README's quick start and the W1-W3 workloads of ``run.py``, each
setting fits and predicts in turn (interleaved, medians of ``--repeats``). The
busy machine is simulated by one process spinning on one core for the whole
measurement. Ratios are to the fastest setting of the same workload and state.

    python benchmarks/threads.py --repeats 3
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import run  # noqa: E402

from sklearn_rnn import RNNRegressor  # noqa: E402

SETTINGS = ("auto", 1, 2)


def _quickstart(n_threads):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10, 3)).astype(np.float32)
    y = X[:, -1, 1] - X[:, 0, 0]
    model = RNNRegressor(
        cell="lstm",
        hidden_size=50,
        activation="relu",
        pooling="last",
        learning_rate_init=1e-3,
        normalize_y=False,
        alpha=0.0,
        max_iter=100,
        n_iter_no_change=None,
        weight_init="keras",
        average_decay=0.0,
        batch_size=32,
        random_state=0,
        n_threads=n_threads,
    )
    model.fit(X, y).predict(X)


def _workload(key, n_threads, data):
    w = run.WORKLOADS[key]
    X, y = data
    impl = run.Ours(n_threads=n_threads)
    for fit in range(w["fits"]):
        impl.fit(w, X, y, seed=fit)
    impl.predict(X)


def _spin():
    while True:
        pass


def measure(case, key, data, repeats, settings=SETTINGS):
    """Median seconds of fit + predict for each setting, interleaved."""
    times = {s: [] for s in settings}
    for repeat in range(repeats + 1):
        shift = repeat % len(settings)
        for setting in settings[shift:] + settings[:shift]:
            start = time.perf_counter()
            if key is None:
                _quickstart(setting)
            else:
                _workload(key, setting, data)
            if repeat:  # the first round warms up
                times[setting].append(time.perf_counter() - start)
    return {s: statistics.median(v) for s, v in times.items()}


CASES = {"quick start": None, "W1": "W1", "W2": "W2", "W3": "W3"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--states", nargs="+", default=["idle", "busy"])
    parser.add_argument(
        "--without-2",
        action="store_true",
        help="skip n_threads=2 (on a busy machine it takes up to 70x as long)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(
        f"{os.cpu_count()} cores, torch {torch.__version__}, default threads "
        f"{torch.get_num_threads()}; fit + predict, medians of {args.repeats} "
        "interleaved repeats; ratio to the fastest setting in the same state.\n"
    )
    print("| machine | workload | n_threads='auto' | n_threads=1 | n_threads=2 |")
    print("|---|---|---|---|---|", flush=True)
    for state in args.states:
        spinner = None
        if state == "busy":
            spinner = multiprocessing.Process(target=_spin, daemon=True)
            spinner.start()
            time.sleep(2)  # let the load show in /proc/stat
        try:
            for case in args.cases:
                key = CASES[case]
                data = run.WORKLOADS[key]["data"](0) if key else None
                settings = SETTINGS[:2] if args.without_2 else SETTINGS
                medians = measure(case, key, data, args.repeats, settings)
                best = min(medians.values())
                cells = " | ".join(
                    f"{medians[s]:.2f} s ({medians[s] / best:.2f}x)"
                    if s in medians
                    else "not run"
                    for s in SETTINGS
                )
                label = "busy (one core spinning)" if state == "busy" else state
                print(f"| {label} | {case} | {cells} |", flush=True)
        finally:
            if spinner is not None:
                spinner.terminate()


if __name__ == "__main__":
    main()
