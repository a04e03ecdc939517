"""What RNNRegressor and RNNClassifier share (BaseRNN), through the public API."""

import copy
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import (
    ESTIMATORS,
    INVARIANCE_ATOL,
    TINY,
    nan_padded,
    outputs,
    ragged,
    targets,
)
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceScaler

nan = np.nan


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_padding_never_changes_a_prediction(Est, cell, bidirectional, activation):
    X, y_reg, y_clf = ragged()
    est = Est(
        cell=cell,
        bidirectional=bidirectional,
        activation=activation,
        num_layers=2,
        **TINY,
    ).fit(X, targets(Est, y_reg, y_clf))
    for dtype, tol in [(np.float64, INVARIANCE_ATOL), (np.float32, INVARIANCE_ATOL)]:
        seqs = [x.astype(dtype) for x in X[:5]]
        alone = np.concatenate([outputs(est, [x]) for x in seqs])
        for length in (12, 1000):
            padded = nan_padded(seqs, length).astype(dtype)
            np.testing.assert_allclose(outputs(est, padded), alone, rtol=0, atol=tol)
        np.testing.assert_allclose(outputs(est, seqs), alone, rtol=0, atol=tol)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_random_state_reproducible_and_global_rng_untouched(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    params = dict(TINY, dropout=0.3, num_layers=2)
    state = torch.get_rng_state()
    first = outputs(Est(**params).fit(X, y), X)
    assert torch.equal(state, torch.get_rng_state())
    torch.manual_seed(123)  # the user's own seeding changes nothing of ours
    np.testing.assert_array_equal(outputs(Est(**params).fit(X, y), X), first)
    other = outputs(Est(**dict(params, random_state=1)).fit(X, y), X)
    assert not np.allclose(other, first)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_clone_pickle_joblib_round_trips(Est, tmp_path):
    X, y_reg, y_clf = ragged()
    est = Est(**TINY).fit(X, targets(Est, y_reg, y_clf))
    expected = outputs(est, X)
    assert clone(est).get_params() == est.get_params()
    np.testing.assert_array_equal(outputs(pickle.loads(pickle.dumps(est)), X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        outputs(joblib.load(tmp_path / "model.joblib"), X), expected
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_runs_one_epoch_at_a_time(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    est = Est(**TINY)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    for i in range(3):
        est.partial_fit(X, y, **kwargs)
        assert est.n_iter_ == i + 1 and len(est.loss_curve_) == i + 1
    if Est is RNNClassifier:
        with pytest.raises(ValueError, match="classes must be passed"):
            Est(**TINY).partial_fit(X, y)
        with pytest.raises(ValueError, match="not in classes_"):
            est.partial_fit(X, y + 5)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_continues_training(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    est = Est(warm_start=True, **TINY).fit(X, y)
    weights = [p.detach().clone() for p in est.module_.parameters()]
    est.fit(X, y)
    assert est.n_iter_ == 6 and len(est.loss_curve_) == 6
    moved = [not torch.equal(a, b) for a, b in zip(weights, est.module_.parameters())]
    assert any(moved)
    cold = Est(**TINY).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3


class _RecordWeights(Callback):
    """Keep a copy of the weights at the end of every epoch."""

    def initialize(self):
        self.weights_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append(copy.deepcopy(net.module_.state_dict()))


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_keeps_best_validation_weights(Est):
    X, y_reg, y_clf = ragged(n=80)
    y = targets(Est, y_reg, y_clf)
    est = Est(
        hidden_size=6,
        max_iter=40,
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.0,
        validation_fraction=0.25,
        learning_rate_init=0.05,
        callbacks=[_RecordWeights()],
        random_state=0,
    ).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ < 40
    assert est.history_[-1, "valid_score"] == est.validation_scores_[-1]
    best = int(np.argmax(est.validation_scores_))  # the first best epoch
    assert best < est.n_iter_ - 1  # training went on after it
    (recorder,) = [c for _, c in est._net.callbacks_ if isinstance(c, _RecordWeights)]
    recorded = recorder.weights_
    kept = est.module_.state_dict()
    for name, value in kept.items():
        torch.testing.assert_close(value, recorded[best][name], rtol=0, atol=0)
    last = recorded[-1]
    assert any(not torch.equal(kept[k], last[k]) for k in kept)


def test_convergence_warning_when_max_iter_reached():
    X, y_reg, _ = ragged()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        RNNRegressor(**TINY, tol=0.0).fit(X, y_reg)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_unavailable_is_a_clear_error():
    X, y_reg, _ = ragged()
    with pytest.raises(ValueError, match="cuda is not available"):
        RNNRegressor(device="cuda", **TINY).fit(X, y_reg)


def test_auto_device_and_fitted_attributes():
    X, y_reg, _ = ragged()
    reg = RNNRegressor(device="auto", **TINY).fit(X, y_reg)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(reg.module_.parameters()).device.type == expected
    assert reg.history_[:, "train_loss"] == reg.loss_curve_
    assert reg.validation_scores_ is None and reg.best_validation_score_ is None


class _Interrupt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C does) at a given epoch and batch."""

    def __init__(self, epoch, batch=None):
        self.epoch, self.batch = epoch, batch

    def on_epoch_end(self, net, **kwargs):
        if self.batch is None and len(net.history) == self.epoch:
            raise KeyboardInterrupt

    def on_batch_end(self, net, training=False, **kwargs):
        if self.batch is not None and training and len(net.history) == self.epoch:
            if len(net.history[-1]["batches"]) == self.batch:
                raise KeyboardInterrupt


@pytest.mark.parametrize("batch", [None, 2], ids=["after epoch", "mid-epoch"])
def test_interrupt_leaves_a_usable_model_with_an_honest_n_iter(batch):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 5, 2)), rng.normal(size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning for an interrupt
        reg = RNNRegressor(
            hidden_size=4,
            max_iter=10,
            batch_size=16,
            callbacks=[_Interrupt(epoch=3, batch=batch)],
            random_state=0,
        ).fit(X, y)
    assert reg.n_iter_ == (3 if batch is None else 2)
    assert len(reg.loss_curve_) == reg.n_iter_
    assert np.isfinite(reg.predict(X)).all()


def test_divergence_is_never_silent():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 5, 2)) * 1e3, rng.normal(size=64) * 1e6
    reg = RNNRegressor(
        cell="rnn",
        activation="relu",
        learning_rate_init=1e5,
        max_iter=5,
        random_state=0,
    )
    with pytest.raises(
        ValueError, match="diverged.*learning_rate_init.*clip_grad_norm"
    ):
        reg.fit(X, y)


def test_model_saved_on_a_gpu_loads_on_a_cpu_only_machine():
    """Simulated: the pickled net says it lives on 'cuda'."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 5, 2)), rng.normal(size=20)
    reg = RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    expected = reg.predict(X)
    reg._net.device = "cuda"
    payload = pickle.dumps(reg)
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    # skorch warns twice: for the weights it maps to the CPU, and for the device.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(payload)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeviceWarning)]
    assert any("requested device (cuda) is not available" in m for m in messages)
    assert str(loaded._net.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_from_several_threads(dtype):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 3)).astype(dtype) for k in rng.randint(2, 30, size=200)]
    clf = RNNClassifier(hidden_size=8, max_iter=1, random_state=0).fit(
        X, rng.randint(3, size=200)
    )
    serial = clf.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(clf.predict_proba, [X] * 8))
    for result in results:
        np.testing.assert_array_equal(result, serial)


# -- review fixes (issue 9) -----------------------------------------------------------


class _RecordOptimizer(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("lr", net.optimizer_.param_groups[0]["lr"])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_fit_uses_the_parameters_set_now(Est):
    X, y_reg, y_clf = ragged(n=60)
    y = targets(Est, y_reg, y_clf)
    est = Est(warm_start=True, **TINY).fit(X, y)
    weights = [p.detach().clone() for p in est.module_.parameters()]
    est.set_params(
        learning_rate_init=0.02,
        batch_size=7,
        early_stopping=True,
        n_iter_no_change=50,
        callbacks=[_RecordOptimizer()],
    )
    est.fit(X, y)
    assert est.history_[-1, "lr"] == 0.02
    # 54 training sequences in batches of at most 7: eight of 6 or 7
    assert (
        sorted(est.history_[-1, "batches", :, "train_batch_size"]) == [6] * 2 + [7] * 6
    )
    assert len(est.validation_scores_) == 3 and est.n_iter_ == 6
    # The weights went on from where the first fit left them.
    first_layer = next(est.module_.parameters())
    assert not torch.equal(first_layer, weights[0])
    cold = Est(**dict(TINY, max_iter=1)).fit(X, y)
    assert not torch.allclose(next(cold.module_.parameters()), first_layer)


@pytest.mark.parametrize(
    "change",
    [
        {"hidden_size": 7},
        {"cell": "lstm"},
        {"num_layers": 2},
        {"bidirectional": True},
        {"activation": "relu"},
        {"loss": "poisson"},
        {"normalize_y": False},
        {"conv_filters": 4},
    ],
)
def test_warm_start_refuses_a_new_architecture(change):
    X, y, _ = ragged()
    reg = RNNRegressor(warm_start=True, **TINY).fit(X, y)
    before = reg.predict(X)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"cannot change.*{name}"):
        reg.set_params(**change).fit(X, y)
    np.testing.assert_array_equal(
        reg.set_params(**{name: TINY.get(name, getattr(RNNRegressor(), name))}).predict(
            X
        ),
        before,
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_ignores_early_stopping_as_mlp_does(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    est = Est(**dict(TINY, early_stopping=True))
    for _ in range(2):
        est.partial_fit(X, y, **kwargs)
    assert est.n_iter_ == 2 and est.validation_scores_ == []


class _RecordGradients(Callback):
    def on_epoch_begin(self, net, **kwargs):
        state = {k: v.clone() for k, v in net.module_.state_dict().items()}
        net.history.record("initial_state", state)

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if "gradients" not in net.history[-1]:
            grads = {name: p.grad.clone() for name, p in named_parameters}
            net.history.record("gradients", grads)


def test_alpha_is_divided_by_the_sequences_of_each_batch_not_batch_size():
    """36 sequences at ``batch_size=32`` train in two batches of 18: each adds
    ``alpha / (2 * 18) * ||W||^2``, as the four ``alpha`` docstrings say."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(36, 5, 2)).astype(np.float32)
    y = rng.normal(size=36)
    params = dict(
        batch_size=32,
        max_iter=1,
        learning_rate_init=1e-12,  # the weights stay the initial ones
        early_stopping=False,
        normalize_y=False,
        hidden_size=4,
        random_state=0,
    )
    free = RNNRegressor(alpha=0.0, **params).fit(X, y)
    penalised = RNNRegressor(alpha=50.0, **params).fit(X, y)
    weights = [p for p in free.module_.parameters() if p.ndim > 1]
    squares = sum(float((w**2).sum()) for w in weights)
    penalty = penalised.loss_curve_[0] - free.loss_curve_[0]
    assert penalty == pytest.approx(50.0 / (2 * 18) * squares, rel=1e-3)


def test_alpha_is_mlps_penalty_on_each_batch():
    X, y, _ = ragged(n=10, high=6)
    X = [x.astype(np.float32) for x in X]
    alpha = 3.0
    reg = RNNRegressor(
        alpha=alpha,
        normalize_y=False,
        batch_size=10,  # one batch: the step's gradient is the formula's
        shuffle=False,
        max_iter=1,
        callbacks=[_RecordGradients()],
        hidden_size=4,
        random_state=0,
    ).fit(X, y)
    module = copy.deepcopy(reg.module_)
    module.load_state_dict(reg.history_[0, "initial_state"])
    module.train()
    x = torch.as_tensor(nan_padded(X, 5)).nan_to_num(0.0)
    lengths = torch.tensor([len(s) for s in X])
    pred = module(x, lengths)
    target = torch.as_tensor(y, dtype=torch.float32)[:, None]
    weights = [p for p in module.parameters() if p.ndim > 1]
    penalty = alpha / (2 * len(X)) * sum((w**2).sum() for w in weights)
    loss = ((pred - target) ** 2).mean() + penalty
    loss.backward()
    loss = loss.detach()
    recorded = reg.history_[0, "gradients"]
    for name, p in module.named_parameters():
        torch.testing.assert_close(recorded[name], p.grad, rtol=1e-5, atol=1e-6)
    assert reg.loss_curve_[0] == pytest.approx(loss.item(), rel=1e-5)


def test_refit_on_a_list_forgets_the_dataframes_column_names():
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(30, 5)))
    frame.columns = [f"t{i}" for i in range(5)]
    X, y, _ = ragged()
    reg = RNNRegressor(**TINY).fit(frame, y)
    assert reg.n_features_in_ == 5 and len(reg.feature_names_in_) == 5
    reg.fit(X, y)
    assert reg.n_features_in_ == 2 and not hasattr(reg, "feature_names_in_")


@pytest.mark.parametrize("bad", ["X", "y", "sample_weight", "validation split"])
def test_a_failed_refit_leaves_the_previous_fit_intact(bad):
    X, _, y = ragged()
    clf = RNNClassifier(**TINY).fit(X, y)
    before = (clf.classes_, clf.n_features_in_, clf.n_iter_, clf.predict_proba(X))
    X_new = [np.ones((4, 3))] * 6
    y_new = np.array(["a", "b", "c"] * 2)
    weight = np.ones(6)
    params = {}
    if bad == "X":
        X_new = [np.ones((4, 3))] * 5 + [np.full((4, 3), np.nan)]
    elif bad == "y":
        y_new = y_new[:5]
    elif bad == "sample_weight":
        weight = -weight
    else:
        params = dict(early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError):
        clone(clf).set_params(**params)  # the parameters are valid
        clf.set_params(**params).fit(X_new, y_new, sample_weight=weight)
    assert clf.classes_ is before[0] and clf.n_features_in_ == before[1]
    assert clf.n_iter_ == before[2]
    np.testing.assert_array_equal(clf.predict_proba(X), before[3])


class _RecordLengths(Callback):
    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training:
            net.history.record_batch("lengths", batch[0]["lengths"].tolist())


def test_shuffle_false_keeps_the_given_order_of_ragged_data():
    X, y, _ = ragged(n=20)
    reg = RNNRegressor(
        shuffle=False, batch_size=6, callbacks=[_RecordLengths()], **TINY
    ).fit(X, y)
    for epoch in reg.history_[:, "batches", :, "lengths"]:
        assert sum(epoch, []) == [len(x) for x in X]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("n, batch_size, sizes", [(20, 6, [5] * 4), (23, 8, [7, 8, 8])])
def test_training_batches_differ_in_size_by_at_most_one(shuffle, n, batch_size, sizes):
    """No trailing batch of a few sequences (their batch statistics and
    gradient would be a handful of samples'): n sequences in ceil(n /
    batch_size) batches whose sizes differ by at most one, each epoch covering
    every sequence once."""
    X, y, _ = ragged(n=n)
    reg = RNNRegressor(
        shuffle=shuffle, batch_size=batch_size, callbacks=[_RecordLengths()], **TINY
    ).fit(X, y)
    for epoch in reg.history_[:, "batches", :, "lengths"]:
        assert sorted(len(batch) for batch in epoch) == sizes
        assert sorted(sum(epoch, [])) == sorted(len(x) for x in X)


@pytest.mark.parametrize("n, sizes", [(40, [13, 13, 14]), (1000, [31] * 28 + [32])])
def test_auto_batches_are_of_16_below_1000_sequences_and_of_32_from_there(n, sizes):
    """batch_size='auto' (the default): 16 for a fit on fewer than 1,000
    sequences (40: three batches), 32 from 1,000 on, where early stopping
    holds out 10% (900 to train: ceil(900 / 32) = 29 batches)."""
    X, y, _ = ragged(n=n, high=4)
    params = {**TINY, "max_iter": 1, "early_stopping": "auto"}
    reg = RNNRegressor(callbacks=[_RecordLengths()], **params)
    reg.fit(X, y)
    (epoch,) = reg.history_[:, "batches", :, "lengths"]
    assert sorted(len(batch) for batch in epoch) == sizes


def test_warnings_point_at_the_callers_line():
    X, y, _ = ragged()
    with pytest.warns(ConvergenceWarning) as caught:
        make_pipeline(SequenceScaler(), RNNRegressor(tol=0.0, **TINY)).fit(X, y)
    assert caught[0].filename == __file__
    with pytest.warns(DataConversionWarning) as caught:
        RNNClassifier(**TINY).fit(X, (y > 0).reshape(-1, 1))
    assert caught[0].filename == __file__


# -- pooling, the convolution front-end, schedules (issue 10) -------------------------

ARCHITECTURES = {
    "plain": dict(conv_filters=0),
    "downsample": dict(conv_filters=0, downsample=4),
    "conv": dict(conv_filters=(4, 3), conv_kernel_size=3, downsample=3),
    "conv stride > kernel": dict(conv_filters=4, conv_kernel_size=2, downsample=5),
    "pooled conv": dict(
        conv_filters=(4, 3), conv_kernel_size=3, downsample=4, conv_pool=2
    ),
    "pooled conv, blocks > kernel": dict(
        conv_filters=4, conv_kernel_size=2, downsample=6, conv_pool=2
    ),
    "parallel conv": dict(
        conv_filters=(4, 3), conv_kernel_size=3, conv_layout="parallel", downsample=3
    ),
    "normalised conv": dict(
        conv_filters=(4, 3), conv_kernel_size=3, conv_norm="batch", downsample=3
    ),
    "normalised parallel conv": dict(
        conv_filters=(4,), conv_layout="parallel", conv_norm="batch"
    ),
}


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("architecture", list(ARCHITECTURES))
def test_padding_never_changes_a_prediction_with_any_pooling_or_front_end(
    Est, pooling, bidirectional, architecture
):
    X, y_reg, y_clf = ragged(high=20)
    est = Est(
        pooling=pooling,
        bidirectional=bidirectional,
        **ARCHITECTURES[architecture],
        **TINY,
    ).fit(X, targets(Est, y_reg, y_clf))
    for dtype, tol in [(np.float64, INVARIANCE_ATOL), (np.float32, INVARIANCE_ATOL)]:
        seqs = [x.astype(dtype) for x in X[:6]]
        alone = np.concatenate([outputs(est, [x]) for x in seqs])
        for pre in (False, True):
            for length in (20, 301):
                padded = nan_padded(seqs, length, pre=pre)
                np.testing.assert_allclose(
                    outputs(est, padded), alone, rtol=0, atol=tol
                )
        np.testing.assert_allclose(outputs(est, seqs), alone, rtol=0, atol=tol)


def test_downsample_auto_and_bad_filters():
    X, y, _ = ragged(n=20, low=500, high=600)
    reg = RNNRegressor(conv_filters=0, downsample="auto", **TINY).fit(X, y)
    median = np.median([len(x) for x in X])
    assert reg.downsample_ == int(np.ceil(median / 256))
    with_conv = RNNRegressor(conv_filters=2, **TINY).fit(X, y)
    assert with_conv.downsample_ == int(np.ceil(median / 64))
    with pytest.raises(ValueError, match="conv_filters must be"):
        RNNRegressor(conv_filters=(4, 0), **TINY).fit(X, y)
    assert RNNRegressor(downsample=2, **TINY).fit(X, y).downsample_ == 2


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_conv_pool_max_pools_the_convolutions_to_the_recurrences_blocks(Est):
    X, y, _ = ragged(n=20, low=500, high=600)
    y = y if Est is RNNRegressor else y > 0
    median = np.median([len(x) for x in X])
    # downsample='auto' takes whole groups of conv_pool blocks, the recurrence
    # still reading at most 64 steps; the convolutions read twice as many.
    est = Est(conv_filters=(3,), conv_pool=2, **TINY).fit(X, y)
    assert est.downsample_ == 2 * int(np.ceil(median / 128))
    front = est.module_.front_end
    assert (front.stride, front.block, front.pool) == (est.downsample_, 5, 2)
    assert est.set_params(downsample=6, conv_pool=3).fit(X, y).downsample_ == 6
    assert est.module_.front_end.block == 2
    with pytest.raises(ValueError, match="downsample=6 must be a multiple of "):
        est.set_params(conv_pool=4).fit(X, y)
    # Nothing to pool without convolutions before the recurrence.
    for params in (dict(conv_filters=0), dict(conv_layout="parallel")):
        plain = Est(**params, **TINY).fit(X, y)
        pooled = Est(conv_pool=2, **params, **TINY).fit(X, y)
        assert pooled.downsample_ == plain.downsample_
        np.testing.assert_array_equal(pooled.predict(X), plain.predict(X))
    # An architecture parameter: warm starts keep it.
    est = Est(conv_filters=(3,), conv_pool=2, warm_start=True, **TINY).fit(X, y)
    with pytest.raises(ValueError, match="conv_pool from 2 to 1"):
        est.set_params(conv_pool=1).fit(X, y)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_grid_search_over_pooling_and_the_front_end(Est):
    X, y_reg, y_clf = ragged(n=36)
    search = GridSearchCV(
        Est(**TINY),
        {
            "pooling": ["last", "max", "attention"],
            "conv_filters": [0, (4,)],
            "downsample": [1, "auto"],
        },
        cv=2,
        error_score="raise",
    ).fit(X, targets(Est, y_reg, y_clf))
    assert len(search.cv_results_["mean_test_score"]) == 12
    assert search.best_estimator_.pooling in ("last", "max", "attention")


def test_normalize_y_trains_the_same_model_in_any_units():
    X, y, _ = ragged()
    X = [x.astype(np.float32) for x in X]
    small = RNNRegressor(**TINY).fit(X, y)
    large = RNNRegressor(**TINY).fit(X, 1000.0 * y + 5.0)
    np.testing.assert_allclose(
        large.predict(X), 1000.0 * small.predict(X) + 5.0, rtol=1e-4
    )
    raw = RNNRegressor(normalize_y=False, **TINY).fit(X, 1000.0 * y + 5.0)
    assert not np.allclose(raw.predict(X), large.predict(X))


def test_adaptive_learning_rate_divides_by_five_on_a_plateau():
    X, y, _ = ragged()
    reg = RNNRegressor(
        learning_rate="adaptive",
        learning_rate_init=0.01,
        n_iter_no_change=4,
        tol=10.0,  # no epoch ever improves by 10: a plateau from the start
        callbacks=[_RecordOptimizer()],
        **dict(TINY, max_iter=8),
    ).fit(X, y)
    rates = reg.history_[:, "lr"]
    changes = [a / b for a, b in zip(rates, rates[1:]) if a != b]
    assert rates[0] == 0.01 and changes
    assert all(change == pytest.approx(5.0) for change in changes)
    assert reg.n_iter_ == 5  # stopped after n_iter_no_change epochs, as before


def test_the_quick_starts_keras_settings_run_every_epoch():
    """As Keras' fit(epochs=100): n_iter_no_change=max_iter never stops early,
    and early_stopping=False trains on all the data, as Keras' fit does."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 10, 3)).astype(np.float32)
    y = np.zeros(40)  # nothing to learn: a plateau from the first epoch
    reg = RNNRegressor(
        cell="lstm",
        hidden_size=5,
        activation="relu",
        pooling="last",
        learning_rate_init=1e-3,
        normalize_y=False,
        alpha=0.0,
        max_iter=25,
        n_iter_no_change=25,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    assert reg.n_iter_ == 25
    assert (
        RNNRegressor(**dict(TINY, max_iter=25, n_iter_no_change=3)).fit(X, y).n_iter_
        < 25
    )


# -- issue 18: fit is a transaction; statistics are weighted ------------------------


def _diverging(reg):
    """Parameters and data on which ``reg`` diverges in its first epoch."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 5, 2)) * 1e3
    y = rng.normal(size=64) * 1e6
    reg.set_params(cell="rnn", activation="relu", learning_rate_init=1e5, max_iter=5)
    return X, y


@pytest.mark.parametrize("warm_start", [False, True])
def test_a_diverged_fit_leaves_the_previous_model_exactly_as_it_was(warm_start):
    X, y, _ = ragged()
    reg = RNNRegressor(cell="rnn", activation="relu", **dict(TINY, early_stopping=True))
    reg.set_params(validation_fraction=0.2).fit(X, y)
    before = copy.deepcopy(reg.__dict__)
    state = copy.deepcopy(reg.module_.state_dict())
    expected = reg.predict(X)
    rows = len(reg.history_)
    reg.set_params(warm_start=warm_start, learning_rate_init=1e5, max_iter=5)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit([x * 1e3 for x in X], y * 1e6)
    np.testing.assert_array_equal(reg.predict(X), expected)
    assert len(reg.history_) == rows and reg.n_iter_ == before["n_iter_"]
    assert reg.loss_curve_ == before["loss_curve_"]
    assert reg.validation_scores_ == before["validation_scores_"]
    for name, value in reg.module_.state_dict().items():
        assert torch.equal(value, state[name])
    # The generator that feeds the next warm fit's seeds is untouched too.
    assert reg._rng.bit_generator.state == before["_rng"].bit_generator.state


def test_a_diverged_first_fit_leaves_the_estimator_unfitted():
    reg = RNNRegressor(random_state=0)
    X, y = _diverging(reg)
    with pytest.raises(ValueError, match="diverged"):
        reg.fit(X, y)
    assert not any(k.endswith("_") and not k.startswith("__") for k in vars(reg))
    with pytest.raises(NotFittedError):
        reg.predict(X)


def test_a_diverged_partial_fit_keeps_the_optimizer_state():
    X, y, _ = ragged()
    reg = RNNRegressor(**TINY).partial_fit(X, y)
    moments = copy.deepcopy(reg._net.optimizer_.state_dict())
    expected = reg.predict(X)
    reg.set_params(learning_rate_init=1e30)
    with pytest.raises(ValueError, match="diverged"):
        reg.partial_fit([x * 1e6 for x in X], y * 1e20)
    np.testing.assert_array_equal(reg.predict(X), expected)
    after = reg._net.optimizer_.state_dict()["state"]
    for key, slot in moments["state"].items():
        for name, value in slot.items():
            assert torch.equal(after[key][name], value)


def test_partial_fit_keeps_the_scale_of_sample_weight():
    # partial_fit weighs the data loss by the weights as given, the L2 penalty
    # not: the heavier the weights, the less the penalty holds the weights
    # back and the closer the fit (Adam itself is nearly scale-free). No
    # batch normalisation here, whose statistics must ignore the scale.
    X, y, _ = ragged()
    first = RNNRegressor(conv_filters=(), alpha=1.0, **TINY).partial_fit(X, y)
    errors, norms = [], []
    for weight in (0.01, 1.0, 100.0):
        reg = copy.deepcopy(first)
        for _ in range(10):
            reg.partial_fit(X, y, sample_weight=np.full(len(X), weight))
        errors.append(np.mean((reg.predict(X) - y) ** 2))
        norms.append(
            sum(
                float(p.square().sum())
                for name, p in reg.module_.named_parameters()
                if "weight" in name
            )
        )
    assert errors[0] > errors[1] > errors[2], errors
    assert norms[0] < norms[1] < norms[2], norms
    # fit itself only reads relative weights, as every scikit-learn estimator.
    a = RNNRegressor(**TINY).fit(X, y, sample_weight=np.ones(len(X)))
    b = RNNRegressor(**TINY).fit(X, y, sample_weight=np.full(len(X), 50))
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-5, atol=1e-6)


def test_validation_scores_are_not_left_over_from_an_earlier_fit():
    X, y, _ = ragged(n=40)
    reg = RNNRegressor(validation_fraction=0.25, **dict(TINY, early_stopping=True))
    assert len(reg.fit(X, y).validation_scores_) == reg.n_iter_
    reg.set_params(early_stopping=False).fit(X, y)
    assert reg.validation_scores_ is None and reg.best_validation_score_ is None


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_zero_weight_sample_changes_nothing_at_the_defaults(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf).astype(float)
    weight = np.ones(len(X))
    weight[0] = 0.0
    changed_y = y.copy()
    if Est is RNNRegressor:
        changed_y[0] = 1e4  # once moved every prediction by orders of magnitude
    # Long sequences of weight 0 (most of them) do not move downsample='auto''s
    # median length: unweighted, it would average blocks of 3 steps.
    changed_X = list(X)
    changed_X[14:] = [np.tile(x, (300, 1)) for x in X[14:]]
    weight[14:] = 0.0
    # One batch: shuffling batches sequences of similar length together, so
    # longer sequences would change which sequences share a batch.
    a = Est(batch_size=len(X), **TINY).fit(X, y, sample_weight=weight)
    b = Est(batch_size=len(X), **TINY).fit(changed_X, changed_y, sample_weight=weight)
    assert a.downsample_ == b.downsample_ == 1
    keep = weight > 0
    kept_X = [x for x, k in zip(X, keep) if k]
    np.testing.assert_allclose(outputs(a, kept_X), outputs(b, kept_X), atol=1e-5)


def test_categories_are_learned_from_positive_weights_only():
    rng = np.random.RandomState(0)
    X = [
        np.column_stack([rng.normal(size=5), rng.randint(3, size=5)]) for _ in range(9)
    ]
    X.append(np.column_stack([rng.normal(size=5), np.full(5, 7)]))
    y = rng.normal(size=10)
    weight = np.r_[np.ones(9), 0.0]
    reg = RNNRegressor(categorical_features=[1], **TINY).fit(X, y, sample_weight=weight)
    np.testing.assert_array_equal(reg.categories_[0], [0, 1, 2])


def test_downsample_auto_warns_when_it_averages_blocks():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 600, 1)).astype(np.float32)
    y = X[:, -1, 0]
    mean_blocks = dict(conv_filters=0, **TINY)
    with pytest.warns(UserWarning, match="averages blocks of 3 steps") as caught:
        reg = RNNRegressor(**mean_blocks).fit(X, y)
    assert reg.downsample_ == 3 and caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        RNNRegressor(downsample=1, **mean_blocks).fit(X, y)  # asked for
        RNNRegressor(conv_filters=4, **TINY).fit(X, y)  # learned: no warning
        RNNRegressor(**TINY).fit(X, y)  # the default: learned ('auto')
        RNNRegressor(**mean_blocks).fit(X[:, :200], y)  # short: read as they are


# -- conv_filters="auto" (issue 19) -------------------------------------------------


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_conv_filters_auto_follows_the_median_training_length(Est):
    X, y_reg, y_clf = ragged(n=20, low=60, high=71)  # 60 to 70 steps
    y = targets(Est, y_reg, y_clf)
    lengths = np.array([len(x) for x in X])
    est = Est(conv_filters="auto", **TINY)
    short = lengths <= 64
    # The (weighted) median decides: more than 64 steps, the convolutions.
    weight = np.where(short, 1.0, 0.0)
    assert est.fit(X, y, sample_weight=weight).conv_filters_ == ()
    assert est.module_.front_end is None
    assert est.fit(X, y, sample_weight=1.0 - weight).conv_filters_ == (64, 64)
    assert est.module_.front_end is not None and est.downsample_ == 2
    # Padding does not change the choice, nor the model.
    padded = nan_padded(X, 80)
    again = Est(conv_filters="auto", **TINY).fit(padded, y, 1.0 - weight)
    assert again.conv_filters_ == (64, 64)
    np.testing.assert_array_equal(outputs(again, X), outputs(est, X))
    # A warm fit or partial_fit keeps the network, and the first fit's choice.
    est.set_params(warm_start=True)
    for refit in (est.fit, est.partial_fit):
        refit([x[:10] for x in X], y)
        assert est.conv_filters_ == (64, 64)


def test_the_regressor_reads_long_series_through_convolutions_by_default():
    X, y, _ = ragged(n=12, low=65, high=70)
    assert RNNRegressor(**TINY).fit(X, y).conv_filters_ == (64, 64)
    assert RNNRegressor(**TINY).fit([x[:64] for x in X], y).conv_filters_ == ()
    assert RNNClassifier(**TINY).fit([x[:64] for x in X], y > 0).conv_filters_ == (
        64,
        64,
    )


# -- early_stopping="auto" (issue 19) ---------------------------------------------


def _many_short_sequences(n):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 3, 1)).astype(np.float32)
    return X, X[:, -1, 0], (X[:, -1, 0] > 0).astype(int)


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_auto_splits_off_a_validation_set_from_1000_sequences(Est):
    small, big = _many_short_sequences(999), _many_short_sequences(1000)
    pick = 1 if Est is RNNRegressor else 2
    params = dict(TINY, max_iter=2, early_stopping="auto")
    below = Est(**params).fit(small[0], small[pick])
    if Est is RNNRegressor:  # below too, with a larger share held out
        assert below.early_stopping_ == "held_out"
        assert len(below.validation_scores_) == 2
    else:
        assert below.early_stopping_ == "off"
        assert below.validation_scores_ is None
    est = Est(**params).fit(big[0], big[pick])
    assert est.early_stopping_ == "held_out"
    assert len(est.validation_scores_) == est.n_iter_ == 2
    # Asking for every epoch (n_iter_no_change=None, the Keras habit) trains on
    # all the data, as Keras' fit does without validation_split.
    every = Est(**dict(params, n_iter_no_change=None)).fit(big[0], big[pick])
    assert every.validation_scores_ is None
    off = Est(**dict(params, early_stopping=False)).fit(big[0], big[pick])
    assert off.validation_scores_ is None
