"""Data larger than memory: fit and predict read a numpy.memmap batch by batch,
and partial_fit trains over chunks (of a memmap, of a dask array's blocks)."""

import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY
from sklearn.base import clone

from sklearn_rnn import RNNClassifier, RNNRegressor, RNNTimestepRegressor


def on_disk(tmp_path, n=2000, steps=50, features=4, dtype=np.float64, seed=0):
    """A memmap of ``n`` sequences (every third one NaN-padded at its end) and
    a regression target; 3.2 MB at the defaults."""
    rng = np.random.default_rng(seed)
    X = np.lib.format.open_memmap(
        tmp_path / "X.npy", mode="w+", dtype=dtype, shape=(n, steps, features)
    )
    for start in range(0, n, 500):
        block = rng.normal(size=(min(500, n - start), steps, features))
        block[::3, steps // 2 :] = np.nan
        X[start : start + len(block)] = block
    X.flush()
    y = np.nan_to_num(X[:, :, 0]).sum(axis=1)
    return np.load(tmp_path / "X.npy", mmap_mode="r"), y


def test_fit_on_a_memmap_reads_batches_not_the_whole_array(tmp_path):
    X, y = on_disk(tmp_path)
    est = RNNRegressor(**TINY, batch_size=64)
    est.fit(X[:64], y[:64])  # torch's first-fit imports are not the data's memory
    tracemalloc.start()
    try:
        est.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A copy of X (as float32: half its 3.2 MB) would be at least 1.6 MB.
    assert peak < X.nbytes / 4, f"peak {peak / 1e6:.2f} MB of numpy memory"


def test_a_memmap_fits_and_predicts_as_the_array_in_memory(tmp_path):
    X, y = on_disk(tmp_path, n=300, steps=12)
    params = dict(TINY, batch_size=32, early_stopping=True, n_iter_no_change=2)
    lazy = RNNRegressor(**params).fit(X, y)
    eager = RNNRegressor(**params).fit(np.array(X), y)
    np.testing.assert_allclose(lazy.loss_curve_, eager.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(lazy.predict(X), eager.predict(np.array(X)), atol=1e-6)
    assert lazy.n_features_in_ == 4


def test_a_memmap_with_a_hole_is_refused(tmp_path):
    X, y = on_disk(tmp_path, n=300, steps=12)
    X = np.load(tmp_path / "X.npy", mmap_mode="r+")
    X[290, 2, :] = np.nan  # inside a sequence, in the last chunk
    with pytest.raises(ValueError, match="NaN inside sequence 290 at timestep 2"):
        RNNRegressor(**TINY).fit(X, y)


def chunked_fit(chunks, y, n):
    est = RNNClassifier(hidden_size=4, random_state=0)
    classes = np.unique(y)
    for chunk, start in chunks:
        est.partial_fit(chunk, y[start : start + len(chunk)], classes=classes)
    return est


def test_partial_fit_over_memmap_chunks_and_dask_blocks(tmp_path):
    da = pytest.importorskip("dask.array")
    X, y = on_disk(tmp_path, n=120, steps=10)
    labels = np.where(y > 0, "up", "down")
    size = 40
    memmap_chunks = [(X[s : s + size], s) for s in range(0, len(X), size)]
    dask_X = da.from_array(X, chunks=(size, -1, -1))
    # dask-ml's Incremental hands partial_fit its blocks' keys for 3D
    # arrays: a loop over the blocks is the route that works.
    dask_chunks = [
        (dask_X.blocks[i].compute(), i * size) for i in range(dask_X.numblocks[0])
    ]
    by_memmap = chunked_fit(memmap_chunks, labels, len(X))
    by_dask = chunked_fit(dask_chunks, labels, len(X))
    assert by_memmap.n_iter_ == by_dask.n_iter_ == 3
    np.testing.assert_array_equal(by_memmap.predict(X), by_dask.predict(X))
    np.testing.assert_allclose(by_memmap.loss_curve_, by_dask.loss_curve_)


def test_dask_ml_incremental_trains_on_2d_blocks_and_3d_blocks_get_the_route():
    """dask-ml's Incremental calls partial_fit once per block: with a 2D dask
    array (univariate sequences) it trains as a loop over the blocks does;
    with a 3D one it passes the blocks' graph keys, not their values (dask-ml
    issue 919), and the error says so and names the loop that works."""
    pytest.importorskip("dask_ml")
    import dask
    import dask.array as da
    from dask_ml.wrappers import Incremental

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 10)).astype(np.float32)
    y = X[:, -1] - X[:, 0]
    est = RNNRegressor(hidden_size=4, random_state=0)
    with dask.config.set(scheduler="synchronous"):
        dask_X, dask_y = da.from_array(X, chunks=40), da.from_array(y, chunks=40)
        fitted = Incremental(est, shuffle_blocks=False).fit(dask_X, dask_y)
        by_hand = clone(est)
        for i in range(3):
            by_hand.partial_fit(X[40 * i : 40 * (i + 1)], y[40 * i : 40 * (i + 1)])
        np.testing.assert_array_equal(fitted.estimator_.predict(X), by_hand.predict(X))
        np.testing.assert_allclose(fitted.predict(dask_X).compute(), by_hand.predict(X))
        cube = da.from_array(X[:, :, None], chunks=(40, -1, -1))
        with pytest.raises(ValueError, match="key of a block of a dask array.*blocks"):
            Incremental(clone(est)).fit(cube, dask_y)


def test_a_memmap_fits_a_per_step_estimator_as_in_memory(tmp_path):
    X, _ = on_disk(tmp_path, n=90, steps=8)
    y = np.nan_to_num(X[:, :, 0]).cumsum(axis=1)
    y[np.isnan(X[:, :, 0])] = np.nan  # per-step targets, padded as X
    params = dict(TINY, hidden_size=4)
    lazy = RNNTimestepRegressor(**params).fit(X, y)
    eager = RNNTimestepRegressor(**params).fit(np.array(X), y)
    np.testing.assert_allclose(lazy.loss_curve_, eager.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(lazy.predict(X), eager.predict(np.array(X)), atol=1e-6)


def test_the_user_guide_page_runs_its_memmap_and_chunk_examples(tmp_path, monkeypatch):
    pytest.importorskip("dask.array")
    page = Path(__file__).parents[1] / "docs" / "user_guide" / "larger_data.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    on_disk_blocks = [b for b in blocks if "X.npy" in b]
    assert len(on_disk_blocks) == 2  # the memmap fit, then the partial_fit loop
    monkeypatch.chdir(tmp_path)  # the examples write X.npy where they run
    for block in on_disk_blocks:
        exec(compile(block, str(page), "exec"), {"__name__": "__main__"})
