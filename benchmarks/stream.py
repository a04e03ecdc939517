"""One new step of live sequences: SequenceStream against re-predicting the
prefixes and against a hand-written stateful PyTorch loop (issue 22, goal 2).

A ``RNNRegressor(cell='gru', hidden_size=64, pooling='last')`` fitted on a few
sequences of 8 features; ``--live`` sequences (1,000) have received ``--prefix``
steps (500) each. Timed, median of ``--repeats``:

- *re-predict*: ``predict`` on the 1,000 prefixes of 501 steps (what a user
  without a stream does after every new step);
- *stream*: ``SequenceStream.update`` with one new step for each of them;
- *hand-written*: ``torch.nn.GRU`` stepped with its hidden state kept in a
  tensor, plus the linear head (no ids, no validation: the floor);
- *one sequence*: ``update`` with one step of one live sequence (goal: under
  1 ms).

``python benchmarks/stream.py [--live 1000] [--prefix 500] [--repeats 5]``
"""

import argparse
import statistics
import time

import numpy as np
import torch

from sklearn_rnn import RNNRegressor, SequenceStream


def _median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=1000)
    parser.add_argument("--prefix", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.RandomState(0)
    X_fit = rng.normal(size=(64, 20, 8)).astype(np.float32)
    reg = RNNRegressor(
        cell="gru",
        hidden_size=64,
        pooling="last",
        max_iter=2,
        n_iter_no_change=None,
        n_threads=1,
        random_state=0,
    ).fit(X_fit, X_fit[:, -1, 0])
    X = rng.normal(size=(args.live, args.prefix + 1, 8)).astype(np.float32)
    ids = list(range(args.live))
    stream = SequenceStream(reg)
    stream.update(ids, X[:, : args.prefix])
    step = X[:, args.prefix :]

    def one_step():
        stream.reset(ids)
        stream.update(ids, X[:, : args.prefix])  # (not timed: rebuilt each time)

    repredict = _median_seconds(lambda: reg.predict(X), args.repeats)
    streamed = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        stream.update(ids, step)
        streamed.append(time.perf_counter() - start)
        one_step()
    streamed = statistics.median(streamed)

    gru = reg.module_.encoder.rnn
    head = reg.module_.head
    with torch.no_grad():
        _, h = gru(torch.from_numpy(X[:, : args.prefix]))
        x_new = torch.from_numpy(step)

        def hand_written():
            out, _ = gru(x_new, h)
            return head(out[:, -1])

        hand = _median_seconds(hand_written, args.repeats)
    single = SequenceStream(reg)
    single.update(["s"], X[:1, : args.prefix])
    one = _median_seconds(
        lambda: single.update(["s"], X[:1, args.prefix :]), args.repeats * 20
    )
    print(f"{args.live} live sequences of {args.prefix} steps, GRU(64), 1 thread:")
    print("| | seconds | vs re-predicting |")
    print("|---|---|---|")
    for name, seconds in [
        ("re-predict the prefixes", repredict),
        ("SequenceStream.update, one step each", streamed),
        ("hand-written stateful loop", hand),
    ]:
        print(f"| {name} | {seconds:.4f} | {seconds / repredict:.4f} |")
    print(f"| one step of one sequence | {one * 1000:.3f} ms | |")


if __name__ == "__main__":
    main()
