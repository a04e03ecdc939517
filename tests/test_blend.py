"""The regressor's linear blend: on fewer than 1,000 sequences,
``early_stopping='auto'`` blends the network with a ridge regression on the
last input steps, by the shares the held-out data support."""

import copy
import io

import numpy as np
import pytest
import torch
from conftest import INVARIANCE_ATOL
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNRegressor,
    SequenceScaler,
    SequenceStream,
    load,
    save,
    to_onnx,
)
from sklearn_rnn._estimators._regressor import RIDGE_ALPHAS

SMALL = dict(hidden_size=6, max_iter=8, random_state=0)


def _linear(n=200, seed=0, low=6, high=14, outputs=1):
    """Ragged sequences whose target is linear in their last 3 steps."""
    rng = np.random.RandomState(seed)
    lengths = rng.randint(low, high + 1, size=n)
    X = [rng.normal(size=(k, 2)).astype(np.float32) for k in lengths]
    signal = np.array([x[-3:, 0].sum() - 0.5 * x[-1, 1] for x in X])
    y = np.column_stack(
        [(j + 1) * signal + 0.3 * rng.normal(size=n) for j in range(outputs)]
    )
    return X, y[:, 0] if outputs == 1 else y


def _window(x, steps):
    """The last ``steps`` steps of one sequence, zeros before its start,
    channel by channel and oldest first."""
    padded = np.zeros((steps, x.shape[1]))
    tail = x[-steps:]
    padded[steps - len(tail) :] = tail
    return padded.T.ravel()


def test_a_linear_signal_gets_the_ridge_and_its_fold_is_exact(capsys):
    X, y = _linear()
    reg = RNNRegressor(verbose=1, **SMALL).fit(X, y)
    out = capsys.readouterr().out
    assert reg.early_stopping_ == "held_out"
    assert reg.linear_steps_ == np.median([len(x) for x in X]) == 10
    assert reg.linear_share_.shape == (1,) and reg.linear_share_[0] > 0.5
    assert 0.0 <= reg.shrinkage_[0] + reg.linear_share_[0] <= 1.0 + 1e-12
    assert "of a ridge regression's on the last 10 steps." in out
    # The prediction is the network's part plus linear_share_ times a ridge
    # regression refitted on every sequence, in the units of y.
    scaled = (y - reg._y_mean[0]) / reg._y_scale[0]
    windows = np.array([_window(x, 10) for x in X])
    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(windows, scaled)
    network_only = copy.deepcopy(reg)
    with torch.no_grad():
        network_only.module_.highway.weight.zero_()
    linear_part = reg.predict(X) - network_only.predict(X)
    expected = reg.linear_share_[0] * reg._y_scale[0] * (windows @ ridge.coef_)
    np.testing.assert_allclose(linear_part, expected, rtol=1e-4, atol=1e-4)
    # New data: the blend is near the noise (0.3), the mean far above it.
    X_new, y_new = _linear(seed=1)
    rmse = np.sqrt(np.mean((reg.predict(X_new) - y_new) ** 2))
    assert rmse < 0.45 < np.std(y_new)


def test_padding_never_changes_a_blended_prediction():
    X, y = _linear()
    reg = RNNRegressor(**SMALL).fit(X, y)
    short = [X[0][:1], X[1][:5], X[2]]  # shorter than the 10 steps it reads
    together = reg.predict(short)
    alone = np.concatenate([reg.predict([x]) for x in short])
    np.testing.assert_allclose(together, alone, rtol=0, atol=INVARIANCE_ATOL)


def test_a_blended_model_saves_streams_and_exports():
    X, y = _linear()
    reg = RNNRegressor(**SMALL).fit(X, y)
    buffer = io.BytesIO()
    save(reg, buffer)
    loaded = load(io.BytesIO(buffer.getvalue()))
    assert loaded.linear_steps_ == 10
    np.testing.assert_array_equal(loaded.linear_share_, reg.linear_share_)
    np.testing.assert_array_equal(loaded.predict(X[:20]), reg.predict(X[:20]))
    stream = SequenceStream(reg)
    a, b = X[3], X[4]
    stream.update(["a", "b"], [a[:3], b[:7]])
    got = stream.update(["a", "b"], [a[3:], b[7:]])
    np.testing.assert_allclose(got, reg.predict([a, b]), rtol=0, atol=1e-5)
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    step_buffer = io.BytesIO()  # the stateful graph carries the blend's steps
    to_onnx(reg, step_buffer, stateful=True)
    step_inputs = ort.InferenceSession(step_buffer.getvalue()).get_inputs()
    assert [i.name for i in step_inputs][-1] == "tail"
    onnx_buffer = io.BytesIO()
    to_onnx(reg, onnx_buffer)
    session = ort.InferenceSession(onnx_buffer.getvalue())
    seqs = X[:6]
    x = np.zeros((6, max(len(s) for s in seqs), 2), np.float32)
    for row, s in zip(x, seqs):
        row[: len(s)] = s
    lengths = np.array([len(s) for s in seqs], np.int64)
    got = session.run(None, {"x": x, "lengths": lengths})[0].ravel()
    np.testing.assert_allclose(got, reg.predict(seqs), rtol=0, atol=1e-5)


def test_no_blend_where_zero_is_far_from_the_inputs():
    """Before a sequence's start the highway reads zeros: on inputs whose
    level is far from 0 (no ``SequenceScaler``) a sequence shorter than the
    steps it reads got predictions of -7.7 for targets within 0.4 (a review
    probe), so there is no blend there; scaled, the same data get one."""
    X, y = _linear(low=6, high=14)
    shifted = [x + 20 for x in X]
    reg = RNNRegressor(**SMALL).fit(shifted, y)
    assert reg.early_stopping_ == "held_out" and reg.linear_steps_ == 0
    assert reg.module_.highway is None and reg.linear_share_[0] == 0.0
    short = [x[:2] for x in shifted[:20]]
    assert np.abs(reg.predict(short)).max() < 4 * np.abs(y).max()
    scaled = make_pipeline(SequenceScaler(), RNNRegressor(**SMALL)).fit(shifted, y)
    assert scaled[-1].linear_steps_ == 10 and scaled[-1].linear_share_[0] > 0.5


def test_several_outputs_and_weights_of_zero():
    X, Y = _linear(outputs=2)
    reg = RNNRegressor(**SMALL).fit(X, Y)
    assert reg.linear_share_.shape == (2,) and (reg.linear_share_ > 0.5).all()
    assert reg.predict(X[:3]).shape == (3, 2)
    # Sequences of weight 0 with absurd targets change nothing of the blend.
    wild = Y.copy()
    wild[:20] = 1e6
    weight = np.ones(len(X))
    weight[:20] = 0.0
    weighted = RNNRegressor(**SMALL).fit(X, wild, sample_weight=weight)
    assert (weighted.linear_share_ > 0.5).all()
    rmse = np.sqrt(np.mean((weighted.predict(X[20:]) - Y[20:]) ** 2, axis=0))
    assert (rmse < np.std(Y[20:], axis=0) / 2).all(), rmse


def test_where_there_is_no_blend():
    X, y = _linear()
    # The user's own highway, another loss, categorical features: no blend.
    highway = RNNRegressor(highway=2, **SMALL).fit(X, y)
    assert highway.linear_steps_ == 0 and highway.linear_share_[0] == 0.0
    assert highway.module_.highway.kernel_size == (2,)
    absolute = RNNRegressor(loss="absolute_error", **SMALL).fit(X, y)
    assert absolute.linear_steps_ == 0 and absolute.linear_share_ is None
    assert absolute.module_.highway is None
    codes = [np.column_stack([x, np.arange(len(x)) % 3]) for x in X]
    categorical = RNNRegressor(categorical_features=[2], **SMALL).fit(codes, y)
    assert categorical.linear_steps_ == 0 and categorical.module_.highway is None
    # Pure noise: the blend keeps at most a little of either.
    noise = np.random.RandomState(3).normal(size=len(X))
    flat = RNNRegressor(**SMALL).fit(X, noise)
    assert flat.shrinkage_[0] + flat.linear_share_[0] < 0.5


def test_warm_start_and_a_new_fit_after_a_blend():
    X, y = _linear()
    reg = RNNRegressor(warm_start=True, **SMALL).fit(X, y)
    steps = reg.linear_steps_
    reg.fit(X, y)  # trains the blended network further, highway included
    assert reg.linear_steps_ == steps and reg.module_.highway is not None
    assert reg.linear_share_ is None  # no new blend: it trained on all data
    reg.partial_fit(X[:50], y[:50])
    assert np.isfinite(reg.predict(X[:5])).all()
    # A fit from scratch on other data starts without the old highway.
    fresh = reg.set_params(warm_start=False).fit(X[:200], np.zeros(200) + 1.0)
    assert fresh.linear_steps_ in (0, 10)
    if fresh.linear_steps_ == 0:
        assert fresh.module_.highway is None


def test_an_ensemble_is_blended_member_by_member():
    X, y = _linear()
    reg = RNNRegressor(n_estimators=2, **SMALL).fit(X, y)
    assert reg.linear_steps_ == 10 and reg.linear_share_[0] > 0.5
    assert all(m.highway is not None for m in reg.module_.members)
    buffer = io.BytesIO()
    save(reg, buffer)
    loaded = load(io.BytesIO(buffer.getvalue()))
    np.testing.assert_array_equal(loaded.predict(X[:20]), reg.predict(X[:20]))


def test_review_findings_on_the_settings_the_check_and_an_unused_ridge():
    X, y = _linear()
    # A learning rate that 'adaptive' lowered stays lowered after the blend
    # (which rebuilds the optimizer to take the highway in).
    reg = RNNRegressor(learning_rate="adaptive", n_iter_no_change=4, tol=10.0, **SMALL)
    reg.fit(X, y)
    assert reg.linear_steps_ > 0
    assert reg._net.optimizer_.param_groups[0]["lr"] < reg.learning_rate_init
    # Whether 0 is a typical input is read on the real steps only: half of
    # these sequences are one step long, and their padding zeros must not
    # make inputs at 2 +- 1.5 look centred.
    rng = np.random.RandomState(0)
    lengths = [1] * 60 + [20] * 60
    raw = [2 + 1.5 * rng.normal(size=(k, 2)) for k in lengths]
    target = np.array([x[-1, 0] for x in raw])
    far = RNNRegressor(**SMALL).fit(raw, target)
    assert far.early_stopping_ == "held_out" and far.linear_steps_ == 0
    # A ridge the held-out data give no share adds no highway.
    constant = RNNRegressor(**SMALL).fit(X, np.full(len(X), 3.0))
    assert constant.linear_steps_ == 0 and constant.module_.highway is None
    np.testing.assert_allclose(constant.predict(X[:5]), 3.0, rtol=0, atol=1e-6)
