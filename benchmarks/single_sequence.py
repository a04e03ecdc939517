"""One sequence predicted alone: with and without empty rows up to 32.

Prediction batches get empty rows up to a multiple of 32 so that a sequence's
output does not depend on its batch (scikit-learn's subset checks); since the
0.2 review only batches of sequences of at most 32 steps get them. This times
``predict`` on one sequence of several lengths both ways (median of 5 calls,
one thread) and prints the ratio: ``python benchmarks/single_sequence.py``.
"""

import time

import numpy as np
import torch

from sklearn_rnn import RNNRegressor
from sklearn_rnn._training import _data


def _median_ms(reg, x, repeats=5):
    reg.predict(x)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        reg.predict(x)
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main():
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 50, 3)).astype(np.float32)
    saved = _data.ROW_BLOCK, _data.EXACT_MAX_STEPS
    print("| cell (128 units) | steps | 32 rows (ms) | 1 row (ms) | ratio |")
    print("|---|---|---|---|---|")
    try:
        for cell in ("gru", "lstm"):
            reg = RNNRegressor(cell=cell, hidden_size=128, max_iter=1, random_state=0)
            reg.fit(X, X[:, -1, 0])
            for steps in (16, 64, 256, 1000, 4000):
                x = [rng.normal(size=(steps, 3)).astype(np.float32)]
                _data.ROW_BLOCK, _data.EXACT_MAX_STEPS = 32, 10**9
                padded = _median_ms(reg, x)
                _data.ROW_BLOCK = 1
                bare = _median_ms(reg, x)
                print(
                    f"| {cell} | {steps} | {padded:.2f} | {bare:.2f} | "
                    f"{padded / bare:.1f}x |"
                )
    finally:
        _data.ROW_BLOCK, _data.EXACT_MAX_STEPS = saved


if __name__ == "__main__":
    main()
