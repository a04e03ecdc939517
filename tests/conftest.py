"""Shared test settings, fixtures and helpers (imported as ``from conftest import``)."""

import atexit
import os
import shutil
import tempfile

import matplotlib
import numpy as np
import pytest
import torch
from sklearn.base import is_regressor

from sklearn_rnn import RNNClassifier, RNNRegressor

matplotlib.use("Agg")

# What padding, batch composition and the future of a causal model may change
# in a prediction: float32 rounding. The network runs in float32 whatever the
# input's dtype, and oneDNN and MKL pick their kernels per CPU and per problem
# shape, so one sequence can differ by a few float32 ulps between two batches
# (1.7e-8 on outputs of order 0.1 on an AMD EPYC where an Intel CPU was
# bitwise equal). The user guide's "Padding never changes a prediction" says so.
INVARIANCE_ATOL = 1e-6

# The script that wrote tests/data's 0.2 files runs under 0.2 only.
collect_ignore_glob = ["data/*.py"]

# Tiny models: most tests only need a model that trains at all. One fit each:
# a regressor's early_stopping='auto' (a second fit on small data) has tests of
# its own.
TINY = dict(hidden_size=6, max_iter=3, random_state=0, early_stopping=False)


# Small RNNs run several times faster on one thread on a busy machine; CI
# also runs the invariance tests on two (SKLEARN_RNN_TEST_THREADS=2).
THREADS = int(os.environ.get("SKLEARN_RNN_TEST_THREADS", "1"))


def pytest_configure(config):
    torch.set_num_threads(THREADS)
    # Tests never write to the user's cache: the C++ kernel is built once per
    # session into a temporary folder, which the examples' processes and
    # pytest-xdist's workers (started after this runs in the controller) inherit.
    cache = os.environ.get("_SKLEARN_RNN_TEST_CACHE")
    if cache is None:
        cache = tempfile.mkdtemp(prefix="sklearn-rnn-tests-")
        os.environ["_SKLEARN_RNN_TEST_CACHE"] = cache
        atexit.register(shutil.rmtree, cache, ignore_errors=True)
    os.environ["XDG_CACHE_HOME"] = cache


@pytest.fixture(autouse=True)
def _torch_threads():
    torch.set_num_threads(THREADS)


ESTIMATORS = [RNNRegressor, RNNClassifier]

# Tests that measure what a model learns run on several seeds (data and
# initialisation) and assert on the median: one seed's number is a fact about
# one platform's rounding, not about the method. They are marked slow (run by
# `pytest -m slow`, and by CI).
SEEDS = (0, 1, 2)


def median_over_seeds(measure):
    """The median of ``measure(seed)`` over ``SEEDS`` (element-wise for
    tuples and dicts of numbers)."""
    results = [measure(seed) for seed in SEEDS]
    if isinstance(results[0], dict):
        return {k: float(np.median([r[k] for r in results])) for k in results[0]}
    return np.median(np.asarray(results, dtype=float), axis=0)


def ragged(n=30, n_features=2, low=2, high=12, seed=0):
    """``n`` sequences of ``low`` to ``high - 1`` steps, a regression target that
    depends on the order of the steps, and the binary labels ``y_reg > 0``."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(k, n_features)) for k in rng.randint(low, high, size=n)]
    y_reg = np.array([x[-1, 0] - x[0, 0] for x in X])
    return X, y_reg, (y_reg > 0).astype(int)


def targets(Est, y_reg, y_clf):
    """The target of ``ragged`` that suits the estimator class."""
    return y_reg if is_regressor(Est()) else y_clf


def outputs(est, X):
    """What the estimator outputs: predictions, or class probabilities."""
    return est.predict(X) if is_regressor(est) else est.predict_proba(X)


def nan_padded(X, length, pre=False):
    """The sequences of ``X`` in one NaN-padded 3D array of ``length`` steps."""
    out = np.full((len(X), length, X[0].shape[1]), np.nan, dtype=X[0].dtype)
    for row, x in zip(out, X):
        if pre:
            row[length - len(x) :] = x
        else:
            row[: len(x)] = x
    return out
