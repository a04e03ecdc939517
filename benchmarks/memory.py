"""Memory of a fit on data larger than memory: a numpy.memmap read by batches.

For each size, a fresh process writes a float32 memmap ``(n, 50, 8)`` of that
many gigabytes to a temporary folder (``--dir``), then fits ``RNNRegressor``
(LSTM(16), batch 512, one epoch) on the memmap itself and, with ``--eager``
for the smallest size, on the same data loaded into memory first. A thread
samples ``/proc/self/status`` every 20 ms: the growth over the process's
state just before ``fit`` of its resident memory (``VmRSS``), split into
anonymous memory (``RssAnon``: what the fit allocates) and file pages
(``RssFile``: the page cache of the memmap, which the kernel reclaims under
pressure). Linux only.

    python benchmarks/memory.py --sizes 0.25 1
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

STEPS, FEATURES = 50, 8


def _status():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


class PeakSampler(threading.Thread):
    def __init__(self, every=0.02):
        super().__init__(daemon=True)
        self.every, self.peak, self.done = every, {}, threading.Event()

    def run(self):
        while not self.done.is_set():
            for key, value in _status().items():
                self.peak[key] = max(self.peak.get(key, 0), value)
            time.sleep(self.every)


def _write(path, gigabytes, seed=0):
    n = int(gigabytes * 1e9) // (STEPS * FEATURES * 4)
    X = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(n, STEPS, FEATURES)
    )
    rng = np.random.default_rng(seed)
    y = np.empty(n)
    for start in range(0, n, 20_000):
        block = rng.normal(size=(min(20_000, n - start), STEPS, FEATURES))
        X[start : start + len(block)] = block
        y[start : start + len(block)] = block[:, -5:, 0].sum(axis=1)
    X.flush()
    del X
    return y


def measure(path, y, eager):
    """Fit once; the growth of each memory figure over its value before."""
    from sklearn_rnn import RNNRegressor

    X = np.load(path, mmap_mode="r")
    model = RNNRegressor(
        hidden_size=16,
        batch_size=512,
        max_iter=1,
        early_stopping=False,
        n_iter_no_change=None,
        random_state=0,
    )
    model.fit(X[:512], y[:512])  # torch's one-time imports and allocations
    if eager:
        X = np.array(X)  # in memory: counted, as a user's array would be
    before = _status()
    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    growth = {k: sampler.peak[k] - before[k] for k in before}
    return growth, seconds, X.shape


def child(path, gigabytes, eager):
    y = _write(path, gigabytes)
    growth, seconds, shape = measure(path, y, eager)
    mb = {k: f"{v / 1e6:8.1f}" for k, v in growth.items()}
    form = "in memory" if eager else "memmap   "
    print(
        f"{gigabytes:5.2f} GB {form} {shape}: fit {seconds:6.1f} s, peak growth "
        f"VmRSS {mb['VmRSS']} MB = RssAnon {mb['RssAnon']} MB + "
        f"RssFile {mb['RssFile']} MB",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.25, 1.0])
    parser.add_argument("--eager", action="store_true", help="also in memory")
    parser.add_argument("--dir", default=None, help="where the memmaps go")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, gigabytes, eager = args.child
        return child(path, float(gigabytes), eager == "1")
    folder = tempfile.mkdtemp(dir=args.dir, prefix="sklearn-rnn-memory-")
    try:
        runs = [(size, "0") for size in args.sizes]
        if args.eager:
            runs.append((min(args.sizes), "1"))
        for size, eager in runs:
            path = os.path.join(folder, f"X-{size}.npy")
            command = [sys.executable, __file__, "--child", path, str(size), eager]
            subprocess.run(command, check=True)
            os.remove(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
