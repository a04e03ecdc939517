"""Training batches: fixed-length data gathered in blocks, each batch a view."""

import numpy as np
import pytest
import torch

from sklearn_rnn import RNNRegressor
from sklearn_rnn._training import _data
from sklearn_rnn._training._data import SequenceData, batch_order


def _fixed(weighted):
    rng = np.random.RandomState(0)
    values = rng.normal(size=(50, 6, 3)).astype(np.float32)
    y = rng.normal(size=(50, 2)).astype(np.float32)
    weight = rng.uniform(size=50).astype(np.float32) if weighted else None
    return SequenceData(values, np.full(50, 6), y, weight)


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("block_bytes", [1, 6 * 3 * 4 * 20, 1 << 20])
def test_blocks_give_the_batches_batch_gives(monkeypatch, weighted, block_bytes):
    # One batch a block, blocks of some batches (20 sequences: batches of 8 do
    # not fill it evenly), one block for everything.
    monkeypatch.setattr(_data, "GATHER_BYTES", block_bytes)
    data = _fixed(weighted)
    order = batch_order(data.lengths_np, 8, np.random.default_rng(0))
    got = list(data.batches(order, torch.device("cpu")))
    assert len(got) == len(order)
    for (X, target), index in zip(got, order):
        X_ref, target_ref = data.batch(index, torch.device("cpu"))
        for key in ("x", "lengths"):
            torch.testing.assert_close(X[key], X_ref[key], rtol=0, atol=0)
        for part, ref in zip(target, target_ref):
            if ref is None:
                assert part is None
            else:
                torch.testing.assert_close(part, ref, rtol=0, atol=0)


def test_blocks_train_as_batch_by_batch(monkeypatch):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(60, 5, 2)).astype(np.float32)
    y = X[:, -1, 0] + X[:, 0, 1]
    params = dict(hidden_size=4, batch_size=8, max_iter=3, random_state=0)
    blocked = RNNRegressor(**params).fit(X, y)
    monkeypatch.setattr(_data, "GATHER_BYTES", 1)  # every batch on its own
    single = RNNRegressor(**params).fit(X, y)
    assert blocked.loss_curve_ == single.loss_curve_
    np.testing.assert_array_equal(blocked.predict(X), single.predict(X))


def test_only_batches_of_short_sequences_get_empty_rows():
    # Empty rows make a short sequence's prediction independent of its batch
    # (scikit-learn's subset checks); a long one is not made 32 rows wide.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    reg = RNNRegressor(hidden_size=4, max_iter=1, random_state=0).fit(X, X[:, -1, 0])
    seen = []
    hook = reg.module_.register_forward_pre_hook(
        lambda module, args: seen.append(tuple(args[0].shape[:2]))
    )
    try:
        reg.predict(X[:1])
        reg.predict(rng.normal(size=(1, 500, 2)))
        reg.predict(rng.normal(size=(3, 40, 2)))
    finally:
        hook.remove()
    assert seen == [(32, 12), (1, 500), (3, 40)]
