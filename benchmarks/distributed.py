"""Data-parallel fit under torchrun against one process, and a scaling model.

The W1 workload of ``run.py`` (fixed-length regression, 50 steps x 8
features, LSTM(64), batch 64), on ``--sequences`` training sequences and as many
held-out ones / 4, for ``--epochs`` epochs, fitted as

- 1 process x 2 threads, 1 process x 1 thread (``n_threads``);
- 2 processes x 1 thread: ``torchrun --nproc-per-node 2`` on this machine
  (gloo over the loopback), the global batch of 64 split 32 + 32;

each row with its fit time and held-out R². Then the scaling model: a global
batch of B sequences takes ``compute(B / p) + allreduce(p)`` on p processes,
``compute(b)`` the measured time of one training step on b sequences (one
thread), ``allreduce`` a ring all-reduce of the gradient:
``2 (p - 1) (latency + S / (p * bandwidth))``, latency and bandwidth fitted to
all-reduces of 4 bytes and of the gradient's S bytes measured between the 2
processes here. The predicted speed-up at p processes is
``compute(B) / (compute(B / p) + allreduce(p))``, for B = 64 (W1's batch:
the same optimisation as one process) and B = 64 p (a batch per process).

    python benchmarks/distributed.py                   # the full W1
    python benchmarks/distributed.py --sequences 4000 --epochs 3
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

HIDDEN, BATCH, STEPS, FEATURES = 64, 64, 50, 8


def data(n, seed=0):
    from run import _fixed

    X, y = _fixed(n + n // 4, STEPS, FEATURES, seed)
    return X[:n], y[:n], X[n:], y[n:]


def model(n_threads, epochs):
    from sklearn_rnn import RNNRegressor

    return RNNRegressor(
        hidden_size=HIDDEN,
        batch_size=BATCH,
        max_iter=epochs,
        pooling="last",
        conv_filters=0,
        early_stopping=False,
        n_iter_no_change=None,
        n_threads=n_threads,
        random_state=0,
    )


def fit_and_score(n, epochs, n_threads):
    X, y, X_test, y_test = data(n)
    est = model(n_threads, epochs)
    start = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, est.score(X_test, y_test), est


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args):
    """Run this script's ``args`` on 2 processes; rank 0's JSON result."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "result.json")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        command = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node=2",
            "--master-addr=127.0.0.1",
            f"--master-port={_free_port()}",
            __file__,
            *args,
            "--out",
            out,
        ]
        subprocess.run(command, env=env, check=True)
        with open(out) as f:
            return json.load(f)


def worker_fit(args):
    seconds, score, _ = fit_and_score(args.sequences, args.epochs, 1)
    if int(os.environ["RANK"]) == 0:
        with open(args.out, "w") as f:
            json.dump({"seconds": seconds, "score": score}, f)


def worker_allreduce(args):
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo")
    times = {}
    for size in (1, args.gradient):
        buffer = torch.zeros(size)
        for _ in range(5):  # warm-up
            dist.all_reduce(buffer)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(args.repeats):
            dist.all_reduce(buffer)
        times[size] = (time.perf_counter() - start) / args.repeats
    if dist.get_rank() == 0:
        with open(args.out, "w") as f:
            json.dump({str(k): v for k, v in times.items()}, f)
    dist.destroy_process_group()


def step_times(est, sizes, repeats):
    """Seconds of one training step (forward, backward, Adam) per batch size."""
    import torch

    torch.set_num_threads(1)
    module = est.module_.train()
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    times = {}
    for b in sizes:
        x = torch.randn(b, STEPS, FEATURES)
        lengths = torch.full((b,), STEPS)
        target = torch.randn(b, 1)
        for i in range(repeats + 2):
            if i == 2:  # after two warm-up steps
                start = time.perf_counter()
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(module(x, lengths), target)
            loss.backward()
            optimizer.step()
        times[b] = (time.perf_counter() - start) / repeats
    return times


def scaling_model(compute, allreduce, gradient_bytes, processes):
    """Predicted speed-ups, from the measured step and all-reduce times."""
    # Two processes: a ring all-reduce is 2 (p - 1) = 2 steps of S / p bytes.
    latency = allreduce["1"] / 2
    per_byte = max(allreduce[str(gradient_bytes // 4)] / 2 - latency, 0.0) / (
        gradient_bytes / 2
    )

    def ring(p):
        return 2 * (p - 1) * (latency + gradient_bytes / p * per_byte)

    sizes = np.array(sorted(compute))
    seconds = np.array([compute[b] for b in sizes])

    def step(b):  # interpolated in log-log between the measured sizes
        return float(np.exp(np.interp(np.log(b), np.log(sizes), np.log(seconds))))

    rows = []
    for p in processes:
        for name, global_batch in (("B = 64", BATCH), ("B = 64 p", BATCH * p)):
            # One process on the same global batch; beyond the measured sizes
            # in proportion to the largest (compute-bound there).
            largest = sizes[-1]
            one = step(min(global_batch, largest)) * max(1, global_batch / largest)
            share = global_batch / p
            rows.append((p, name, share, one / (step(share) + ring(p)), ring(p)))
    return latency, 1 / per_byte if per_byte else float("inf"), rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--worker", choices=["fit", "allreduce"])
    parser.add_argument("--gradient", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "fit":
        return worker_fit(args)
    if args.worker == "allreduce":
        return worker_allreduce(args)
    print(f"W1 on {args.sequences} sequences x {args.epochs} epochs, batch {BATCH}")
    rows = []
    for threads in (2, 1):
        seconds, score, est = fit_and_score(args.sequences, args.epochs, threads)
        rows.append((f"1 process x {threads} thread(s)", seconds, score))
        print(f"  {rows[-1][0]:26s} fit {seconds:7.1f} s   held-out R2 {score:.4f}")
    common = ["--sequences", str(args.sequences), "--epochs", str(args.epochs)]
    result = torchrun("--worker", "fit", *common)
    rows.append(("2 processes x 1 thread", result["seconds"], result["score"]))
    name, seconds, score = rows[-1]
    print(f"  {name:26s} fit {seconds:7.1f} s   held-out R2 {score:.4f}")
    n_params = sum(p.numel() for p in est.module_.parameters())
    gradient_bytes = 4 * (n_params + 1)
    allreduce = torchrun(
        "--worker", "allreduce", "--gradient", str(n_params + 1),
        "--repeats", str(args.repeats),
    )  # fmt: skip
    compute = step_times(est, [1, 2, 4, 8, 16, 32, 64, 128, 256], args.repeats // 5)
    print(f"Gradient: {n_params} parameters, {gradient_bytes / 1e3:.0f} kB")
    print("Training step, 1 thread: " + ", ".join(
        f"{b}: {t * 1e3:.2f} ms" for b, t in compute.items()
    ))  # fmt: skip
    print(
        f"All-reduce between 2 processes: 4 bytes {allreduce['1'] * 1e6:.0f} us, "
        f"the gradient {allreduce[str(n_params + 1)] * 1e3:.2f} ms"
    )
    latency, bandwidth, table = scaling_model(
        compute, allreduce, gradient_bytes, [2, 4, 8, 64]
    )
    print(
        f"Ring model: {latency * 1e6:.0f} us per step, {bandwidth / 1e9:.2f} GB/s; "
        "predicted speed-up over one process (1 thread):"
    )
    for p, name, share, speedup, ring in table:
        print(
            f"  p={p:3d} {name:9s} {share:6.0f} sequences/process: "
            f"{speedup:5.2f}x (all-reduce {ring * 1e3:.2f} ms/batch)"
        )


if __name__ == "__main__":
    main()
