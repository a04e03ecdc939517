"""Shared test settings, fixtures and helpers (imported as ``from conftest import``)."""

import atexit
import os
import shutil
import tempfile

import matplotlib
import numpy as np
import pytest
import torch

from sklearn_rnn import RNNClassifier, RNNRegressor

matplotlib.use("Agg")

# What padding, batch composition and the future of a causal model may change
# in a prediction: float32 rounding. The network runs in float32 whatever the
# input's dtype, and oneDNN and MKL pick their kernels per CPU and per problem
# shape, so one sequence can differ by a few float32 ulps between two batches
# (1.7e-8 on outputs of order 0.1 on an AMD EPYC where an Intel CPU was
# bitwise equal). The README's "Padding never changes a prediction" says so.
INVARIANCE_ATOL = 1e-6

# Tiny models: most tests only need a model that trains at all.
TINY = dict(hidden_size=6, max_iter=3, random_state=0)


def pytest_configure(config):
    # Small RNNs run several times faster on one thread on a busy machine.
    torch.set_num_threads(1)
    # Tests never write to the user's cache: the C++ kernel is built once per
    # session into a temporary folder (the examples' processes inherit it).
    cache = tempfile.mkdtemp(prefix="sklearn-rnn-tests-")
    os.environ["XDG_CACHE_HOME"] = cache
    atexit.register(shutil.rmtree, cache, ignore_errors=True)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    torch.set_num_threads(1)


ESTIMATORS = [RNNRegressor, RNNClassifier]


def ragged(n=30, n_features=2, low=2, high=12, seed=0):
    """``n`` sequences of ``low`` to ``high - 1`` steps, a regression target that
    depends on the order of the steps, and the binary labels ``y_reg > 0``."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(k, n_features)) for k in rng.randint(low, high, size=n)]
    y_reg = np.array([x[-1, 0] - x[0, 0] for x in X])
    return X, y_reg, (y_reg > 0).astype(int)


def targets(Est, y_reg, y_clf):
    """The target of ``ragged`` that suits the estimator class."""
    return y_reg if issubclass(Est, RNNRegressor) else y_clf


def outputs(est, X):
    """What the estimator outputs: predictions, or class probabilities."""
    return est.predict(X) if isinstance(est, RNNRegressor) else est.predict_proba(X)


def nan_padded(X, length, pre=False):
    """The sequences of ``X`` in one NaN-padded 3D array of ``length`` steps."""
    out = np.full((len(X), length, X[0].shape[1]), np.nan, dtype=X[0].dtype)
    for row, x in zip(out, X):
        if pre:
            row[length - len(x) :] = x
        else:
            row[: len(x)] = x
    return out
