"""Categorical steps: embeddings (``categorical_features``) against one-hot columns.

The data are token sequences, as text or event logs give: a vocabulary of
1,000 tokens with Zipf frequencies, 20-60 tokens a sequence. 40 tokens are
positive, 40 negative, and a "not" token flips the polarity of the token after
it; the label is the sign of the sum. Each variant fits ``RNNClassifier`` with
the same settings, in a process of its own (so its peak memory is its own):

- ``embedding (auto)``: ``categorical_features=[0]``, ``embedding_dim='auto'``
  (8 for 1,000 categories);
- ``embedding (50)``: the same with ``embedding_dim=50``, fast.ai's uncapped rule;
- ``one-hot``: every step as 1,000 float32 columns (what one-hot encoding
  outside the pipeline gives).

Reported: held-out accuracy, fit time (median of the repeats; runs
interleaved) and the process's peak resident memory.

    python benchmarks/categorical.py --repeats 3
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

VOCABULARY = 1000
VARIANTS = ("embedding (auto)", "embedding (50)", "one-hot")


def token_sequences(n, seed, vocabulary=VOCABULARY):
    """``(sequences of token ids, labels)``; the polar tokens and "not" are the
    same for every seed."""
    rng = np.random.RandomState(seed)
    weights = 1.0 / (np.arange(vocabulary) + 10.0)
    weights /= weights.sum()
    fixed = np.random.RandomState(12345).permutation(np.arange(20, 400))
    polarity = np.zeros(vocabulary)
    polarity[fixed[:40]], polarity[fixed[40:80]] = 1.0, -1.0
    negation = 3
    X, y = [], []
    while len(X) < n:
        tokens = rng.choice(vocabulary, size=rng.randint(20, 61), p=weights)
        signs = np.where(np.r_[False, tokens[:-1] == negation], -1.0, 1.0)
        score = (polarity[tokens] * signs).sum()
        if score != 0:
            X.append(tokens)
            y.append(int(score > 0))
    return X, np.array(y)


def run_variant(variant, max_iter):
    import torch

    from sklearn_rnn import RNNClassifier

    torch.set_num_threads(1)
    X, y = token_sequences(2000, seed=0)
    X_test, y_test = token_sequences(1000, seed=1)
    # early_stopping=False: as measured before early_stopping="auto" (0.3)
    params = dict(
        hidden_size=32, max_iter=max_iter, early_stopping=False, random_state=0
    )
    if variant == "one-hot":
        eye = np.eye(VOCABULARY, dtype=np.float32)
        X, X_test = ([eye[t] for t in data] for data in (X, X_test))
        clf = RNNClassifier(**params)
    else:
        dim = "auto" if variant == "embedding (auto)" else 50
        X, X_test = ([t[:, None].astype(np.float32) for t in d] for d in (X, X_test))
        clf = RNNClassifier(categorical_features=[0], embedding_dim=dim, **params)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - start
    accuracy = clf.score(X_test, y_test)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"fit": fit_time, "accuracy": accuracy, "peak_mib": peak_mib}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        return run_variant(args.variant, args.max_iter)
    results = {v: [] for v in VARIANTS}
    for repeat in range(args.repeats):
        shift = repeat % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            out = subprocess.run(
                [sys.executable, __file__, "--variant", variant]
                + ["--max-iter", str(args.max_iter)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[variant].append(json.loads(out.stdout.splitlines()[-1]))
            print(variant, results[variant][-1], file=sys.stderr, flush=True)
    base = statistics.median(r["fit"] for r in results["embedding (auto)"])
    print(
        f"Token sequences: {VOCABULARY:,} categories, 2,000 training and 1,000 test "
        f"sequences of 20-60 steps; RNNClassifier(hidden_size=32, "
        f"max_iter={args.max_iter}), one torch thread; medians of {args.repeats} "
        "interleaved runs, each in a fresh process.\n"
    )
    print("| variant | accuracy | fit time (s) | fit time vs embedding | peak memory |")
    print("|---|---|---|---|---|")
    for variant, runs in results.items():
        fit = statistics.median(r["fit"] for r in runs)
        accuracy = statistics.median(r["accuracy"] for r in runs)
        peak = statistics.median(r["peak_mib"] for r in runs)
        print(
            f"| {variant} | {accuracy:.3f} | {fit:.1f} | {fit / base:.2f}x | "
            f"{peak:,.0f} MiB |"
        )


if __name__ == "__main__":
    main()
