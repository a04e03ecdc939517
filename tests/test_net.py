"""The skorch net: callbacks, the epoch table, and canaries for skorch's contract."""

import numpy as np
import pytest
import torch
from conftest import TINY, ragged
from skorch import NeuralNet
from skorch.callbacks import Callback

from sklearn_rnn import (
    RNNRegressor,
)
from sklearn_rnn._training._net import EVENTS, SequenceNet

nan = np.nan


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y_reg, _ = ragged()
    RNNRegressor(verbose=1, **dict(TINY, early_stopping=True)).fit(X, y_reg)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_score" in out and "dur" in out
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3


class _EpochCounter(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1
        net.history.record("counted", self.epochs_)


class _GradNorm(Callback):
    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.norm() for _, p in named_parameters if p.grad is not None]
        net.history.record_batch("grad_norm", float(torch.stack(grads).norm()))


def test_skorch_callbacks_and_gradient_clipping():
    X, y_reg, _ = ragged()
    counter = _EpochCounter()
    reg = RNNRegressor(
        callbacks=[("counter", counter), ("norm", _GradNorm())],
        clip_grad_norm=0.01,
        learning_rate_init=0.1,
        **TINY,
    ).fit(X, 100 * y_reg)
    assert not hasattr(counter, "epochs_")  # the user's objects are not touched
    assert reg.history_[:, "counted"] == [1, 2, 3]
    norms = reg.history_[:, "batches", :, "grad_norm"]
    # GradNormClipping runs before the user's callback: norms seen are clipped.
    assert max(max(epoch) for epoch in norms) <= 0.01 + 1e-6


# -- canaries: skorch's contract that SequenceNet's overrides rely on ----------------


def test_canary_events_are_the_callback_methods_of_skorch():
    """SequenceNet.notify dispatches these events only; skorch must not add one."""
    skorch_events = {name for name in vars(Callback) if name.startswith("on_")}
    assert skorch_events == set(EVENTS)


class _Recorder(Callback):
    calls = []  # a class attribute: the estimator deep-copies its callbacks

    def _record(self, event, **kwargs):
        _Recorder.calls.append((event, tuple(sorted(kwargs))))

    def on_train_begin(self, net, **kwargs):
        self._record("on_train_begin", **kwargs)

    def on_epoch_begin(self, net, **kwargs):
        self._record("on_epoch_begin", **kwargs)

    def on_batch_begin(self, net, **kwargs):
        self._record("on_batch_begin", **kwargs)

    def on_grad_computed(self, net, **kwargs):
        self._record("on_grad_computed", **kwargs)

    def on_batch_end(self, net, **kwargs):
        self._record("on_batch_end", **kwargs)

    def on_epoch_end(self, net, **kwargs):
        self._record("on_epoch_end", **kwargs)

    def on_train_end(self, net, **kwargs):
        self._record("on_train_end", **kwargs)


def _recorded_fit(X, y):
    _Recorder.calls = []
    reg = RNNRegressor(callbacks=[_Recorder()], **dict(TINY, early_stopping=True))
    return reg.fit(X, y), list(_Recorder.calls)


def test_canary_notify_makes_the_calls_skorch_makes(monkeypatch):
    X, y, _ = ragged(n=40)
    ours, our_calls = _recorded_fit(X, y)
    monkeypatch.setattr(SequenceNet, "notify", NeuralNet.notify)
    theirs, their_calls = _recorded_fit(X, y)
    assert our_calls == their_calls
    assert {event for event, _ in our_calls} == set(EVENTS)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("listening", [True, False])
def test_canary_run_single_epoch_records_what_skorchs_records(monkeypatch, listening):
    # With listeners to the batch events and without (then the net starts each
    # batch's history row itself).
    X, y, _ = ragged(n=40)

    def fit():
        _Recorder.calls = []
        callbacks = [_Recorder()] if listening else None
        reg = RNNRegressor(callbacks=callbacks, **dict(TINY, early_stopping=True))
        reg.fit(X, y)
        history = [
            {k: v for k, v in epoch.items() if k != "dur"} for epoch in reg.history_
        ]
        return history, list(_Recorder.calls), reg.predict(X)

    ours = fit()
    monkeypatch.setattr(SequenceNet, "run_single_epoch", NeuralNet.run_single_epoch)
    theirs = fit()
    assert ours[0] == theirs[0]  # batches, sizes, losses, counts, scores
    assert ours[1] == theirs[1]
    np.testing.assert_array_equal(ours[2], theirs[2])
    assert ours[0][0]["valid_batch_count"] >= 1  # validation batches counted


class _ReadsGradients(Callback):
    def on_grad_computed(self, net, named_parameters, **kwargs):
        list(named_parameters)


def test_canary_lean_train_step_trains_as_skorchs_step():
    """Without gradient listeners SequenceNet skips skorch's optimizer closure."""
    X, y, _ = ragged()
    lean = RNNRegressor(**TINY).fit(X, y)
    full = RNNRegressor(callbacks=[_ReadsGradients()], **TINY).fit(X, y)
    assert lean.loss_curve_ == full.loss_curve_
    np.testing.assert_array_equal(lean.predict(X), full.predict(X))


def test_the_skorch_net_stays_private():
    X, y, _ = ragged()
    reg = RNNRegressor(normalize_y=False, **TINY).fit(X, y)
    assert not hasattr(reg, "net_")
    assert "module_" in dir(reg) and "history_" in dir(reg)
    # module_ is documented: module_(x, lengths) on zero-padded float input.
    x = torch.zeros(2, 12, 2)
    lengths = torch.tensor([len(X[0]), len(X[1])])
    for row, seq in zip(x, X[:2]):
        row[: len(seq)] = torch.as_tensor(seq, dtype=torch.float32)
    out = reg.module_(x, lengths)[:, 0].detach().numpy()
    np.testing.assert_allclose(
        out, reg.predict([s.astype(np.float32) for s in X[:2]]), atol=1e-6
    )


def test_epoch_table_has_no_colour_codes_outside_a_terminal(capsys):
    X, y, _ = ragged()
    RNNRegressor(verbose=1, **TINY).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "\x1b[" not in out
