"""What a fit prints and how it stops: the epoch table, early stopping."""

import copy
import re
import warnings

import numpy as np
import pytest
import torch
from conftest import TINY
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor, RNNTimestepRegressor


def _table_rows(text):
    return [line for line in text.splitlines() if re.match(r"^\s+\d+\s", line)]


def _plateau():
    rng = np.random.RandomState(0)
    return rng.normal(size=(60, 5, 2)).astype(np.float32), np.zeros(60)


def test_the_epoch_table_has_a_row_for_every_epoch_after_early_stopping(capsys):
    X, y = _plateau()
    reg = RNNRegressor(
        hidden_size=4, max_iter=50, n_iter_no_change=3, early_stopping=False, verbose=1
    )
    reg.set_params(random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert reg.n_iter_ < 50
    rows = _table_rows(out)
    assert [int(r.split()[0]) for r in rows] == list(range(1, reg.n_iter_ + 1))
    assert out.index("Stopping since") > out.index(rows[-1])  # after its row
    assert len(reg.history_) == reg.n_iter_


def test_losses_print_with_four_significant_digits(capsys):
    # skorch's four decimals printed a loss of 1.2e-05 as 0.0000.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 2)).astype(np.float32)
    reg = RNNRegressor(verbose=1, normalize_y=False, **TINY)
    reg.fit(X, 1e-3 * X[:, -1, 0])
    printed = [float(r.split()[1]) for r in _table_rows(capsys.readouterr().out)]
    np.testing.assert_allclose(printed, reg.loss_curve_, rtol=1e-3)


def test_a_sequence_of_partial_fits_prints_one_header(capsys):
    X, y = _plateau()
    clf = RNNClassifier(hidden_size=4, verbose=1, random_state=0)
    for _ in range(3):
        clf.partial_fit(X, (y > -1).astype(int) ^ (X[:, 0, 0] > 0), classes=[0, 1])
    out = capsys.readouterr().out
    assert out.count("train_loss") == 1
    assert [int(r.split()[0]) for r in _table_rows(out)] == [1, 2, 3]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_n_iter_no_change_none_runs_exactly_max_iter_epochs(early_stopping):
    X, y = _plateau()  # nothing to learn: a plateau from the first epoch
    reg = RNNRegressor(
        hidden_size=4,
        max_iter=12,
        n_iter_no_change=None,
        early_stopping=early_stopping,
        validation_fraction=0.25,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning: asked for
        reg.fit(X, y)
    assert reg.n_iter_ == 12
    if early_stopping:  # as Keras' validation_split: scores, no stopping
        assert len(reg.validation_scores_) == 12


def test_a_slow_epoch_shows_a_progress_bar_on_a_terminal_only(monkeypatch):
    import io
    from functools import partial

    from sklearn_rnn._estimators import _base
    from sklearn_rnn._training._callbacks import SlowEpochProgress

    X, y = _plateau()
    quiet = RNNRegressor(verbose=1, batch_size=8, **TINY).fit(X, y)
    assert "progress" not in dict(quiet._net.callbacks_)  # not a terminal
    stream = io.StringIO()
    # On a terminal, with every epoch "slow" (after 0 s), into a buffer.
    monkeypatch.setattr(_base, "is_terminal", lambda s: True)
    monkeypatch.setattr(
        _base, "SlowEpochProgress", partial(SlowEpochProgress, after=0.0, stream=stream)
    )
    RNNRegressor(verbose=1, batch_size=8, **TINY).fit(X, y)
    assert "/8" in stream.getvalue() and "batch" in stream.getvalue()
    monkeypatch.setattr(
        _base, "SlowEpochProgress", partial(SlowEpochProgress, after=60)
    )
    patient = RNNRegressor(verbose=1, batch_size=8, **TINY).fit(X, y)
    assert dict(patient._net.callbacks_)["progress"].bar_ is None  # fast: no bar


class _Snapshots(Callback):
    """Hands the module's state at the end of every epoch to ``sink`` (the
    user's callbacks run after the estimator's own, before the fit ends)."""

    def __init__(self, sink):
        self.sink = sink  # list.append survives the estimator's deepcopy

    def on_epoch_end(self, net, **kwargs):
        self.sink(copy.deepcopy(net.module_.state_dict()))


def _weighted_average(states, decay):
    # Each epoch's state weighted by decay ** (epochs after it), normalised.
    weights = decay ** torch.arange(len(states) - 1, -1, -1, dtype=torch.float64)
    weights = weights / weights.sum()
    return {
        key: sum(w * state[key].double() for w, state in zip(weights, states)).float()
        for key in states[0]
    }


@pytest.mark.parametrize("stop", [None, 2], ids=["every-epoch", "stopped-early"])
@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNTimestepRegressor])
def test_the_fit_ends_with_the_moving_average_of_the_weights(Estimator, stop):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    y = X[:, :, 0] if Estimator is RNNTimestepRegressor else X[:, 0, 0] > 0
    states = []
    est = Estimator(
        hidden_size=6,
        max_iter=8,
        n_iter_no_change=stop,
        tol=100.0,  # no epoch improves on the first: stops after 1 + stop
        average_decay=0.7,
        early_stopping=False,
        callbacks=[("snapshots", _Snapshots(states.append))],
        random_state=0,
    ).fit(X, y)
    assert len(states) == est.n_iter_ == (8 if stop is None else 1 + stop)
    kept = est.module_.state_dict()
    expected = _weighted_average(states, 0.7)
    assert kept.keys() == expected.keys()
    for key in kept:
        torch.testing.assert_close(kept[key], expected[key], msg=key)
    assert any(not torch.equal(kept[k], states[-1][k]) for k in kept)


@pytest.mark.parametrize(
    "params",
    [
        {"average_decay": 0.0, "n_iter_no_change": None},
        {"early_stopping": True, "n_iter_no_change": 3},
    ],
    ids=["off", "validation-split"],
)
def test_without_the_average_the_fit_ends_with_the_last_or_best_weights(params):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    y = X[:, 0, 0] > 0
    states = []
    est = RNNClassifier(
        hidden_size=6,
        max_iter=6,
        callbacks=[("snapshots", _Snapshots(states.append))],
        random_state=0,
        **params,
    ).fit(X, y)
    # Without a validation split the last epoch's weights; with one, the best
    # epoch's (the first of the best scores: later ties are no improvement).
    scores = est.validation_scores_
    epoch = -1 if scores is None else int(np.argmax(scores))
    kept = est.module_.state_dict()
    for key in kept:
        torch.testing.assert_close(kept[key], states[epoch][key], msg=key)
