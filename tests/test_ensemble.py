"""n_estimators: several networks trained in one fit, their outputs averaged."""

import importlib.util
import io

import numpy as np
import pytest
import torch
from conftest import ESTIMATORS, TINY, nan_padded, outputs, ragged, targets
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    SequenceStream,
    integrated_gradients,
    load,
    save,
)


def _members_outputs(est, X):
    """Each member's raw outputs for ``X``, evaluated alone."""
    x, lengths, _ = est._padded_input(X)
    with torch.no_grad():
        return [m.eval()(x, lengths).numpy() for m in est.module_.members]


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_ensembles_are_reproducible_and_their_members_differ(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    a = Est(n_estimators=3, **TINY).fit(X, y)
    b = Est(n_estimators=3, **TINY).fit(X, y)
    np.testing.assert_array_equal(outputs(a, X), outputs(b, X))
    assert len(a.module_.members) == 3
    members = _members_outputs(a, X)
    assert not np.allclose(members[0], members[1])
    other = Est(n_estimators=3, **{**TINY, "random_state": 1}).fit(X, y)
    assert not np.allclose(outputs(a, X), outputs(other, X))


@pytest.mark.parametrize(
    "loss, quantile",
    [("squared_error", None), ("poisson", None), ("quantile", [0.1, 0.5, 0.9])],
)
def test_regression_averages_the_members_predictions(loss, quantile):
    """predict is the mean of what each member alone predicts, in the units
    of y: not the members' mean raw output (a geometric mean for Poisson,
    upper quantiles pulled down for several quantiles)."""
    X, y, _ = ragged()
    if loss == "poisson":
        y = np.exp(y)
    params = dict(TINY, max_iter=10)
    reg = RNNRegressor(n_estimators=3, loss=loss, quantile=quantile, **params)
    reg.fit(X, y)
    alone = [reg._to_targets(torch.from_numpy(o)) for o in _members_outputs(reg, X)]
    expected = np.mean(alone, axis=0)
    assert np.ptp(np.stack(alone), axis=0).max() > 1e-2  # the members differ
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-5, atol=1e-6)
    if importlib.util.find_spec("onnxruntime") is None:
        return
    import onnxruntime as ort  # the graph combines the members as predict does

    from sklearn_rnn import to_onnx

    buffer = io.BytesIO()
    to_onnx(reg, buffer)
    session = ort.InferenceSession(buffer.getvalue())
    x = np.nan_to_num(nan_padded(X[:5], 12)).astype(np.float32)
    lengths = np.array([len(s) for s in X[:5]], np.int64)
    got = session.run(None, {"x": x, "lengths": lengths})[0]
    np.testing.assert_allclose(
        got.reshape(-1, *expected.shape[1:]), expected[:5], atol=1e-5
    )


def test_classification_averages_the_members_probabilities():
    X, _, y = ragged()
    clf = RNNClassifier(n_estimators=3, **TINY).fit(X, y)
    members = [torch.softmax(torch.from_numpy(o), 1) for o in _members_outputs(clf, X)]
    expected = torch.stack(members).mean(0).numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(1)])
    # Several labels: each label's probability is the members' mean.
    Y = np.stack([y, 1 - y, y], axis=1)
    multi = RNNClassifier(n_estimators=2, **TINY).fit(X, Y)
    members = [torch.sigmoid(torch.from_numpy(o)) for o in _members_outputs(multi, X)]
    expected = torch.stack(members).mean(0).numpy()
    np.testing.assert_allclose(multi.predict_proba(X), expected, rtol=1e-5, atol=1e-6)


def test_each_member_trains_on_its_own_loss():
    """A member trained in an ensemble follows what it would follow alone
    (the loss is the members' mean, and Adam ignores a constant scale): the
    first member of an ensemble of 3 and a single network from the same seed
    end close, where two different initialisations do not."""
    X, y, _ = ragged(n=40)
    params = dict(hidden_size=6, max_iter=20, random_state=0, alpha=0.0)
    params.update(early_stopping=False)  # one fit, on the training loss
    single = RNNRegressor(**params).fit(X, y)
    ensemble = RNNRegressor(n_estimators=3, **params).fit(X, y)
    first = _members_outputs(ensemble, X)[0][:, 0] * ensemble._y_scale[0]
    alone = single.predict(X) - single._y_mean[0]
    np.testing.assert_allclose(
        first + ensemble._y_mean[0] - single._y_mean[0], alone, atol=1e-3
    )
    second = _members_outputs(ensemble, X)[1][:, 0] * ensemble._y_scale[0]
    assert not np.allclose(second, alone, atol=1e-2)


@pytest.mark.parametrize("Est", [RNNRegressor, RNNTimestepClassifier])
def test_padding_never_changes_an_ensembles_prediction(Est):
    X, y_reg, y_clf = ragged(high=15)
    if Est is RNNTimestepClassifier:
        y = [(x[:, 0] > 0).astype(int) for x in X]
    else:
        y = y_reg
    est = Est(n_estimators=2, conv_filters=(3,), **TINY).fit(X, y)
    alone = [outputs(est, [x]) for x in X[:6]]
    together = outputs(est, nan_padded(X[:6], 40))
    if Est is RNNTimestepClassifier:
        together = np.concatenate([together[i][: len(x)] for i, x in enumerate(X[:6])])
        alone = [a[0][: len(x)] for a, x in zip(alone, X[:6])]
    np.testing.assert_allclose(together, np.concatenate(alone), atol=1e-5, rtol=0)


def test_ensembles_search_clone_save_and_refuse_architecture_changes(tmp_path):
    X, _, y = ragged(n=36)
    search = GridSearchCV(
        RNNClassifier(**TINY), {"n_estimators": [1, 2]}, cv=2, error_score="raise"
    ).fit(X, y)
    assert search.best_params_["n_estimators"] in (1, 2)
    clf = clone(RNNClassifier(n_estimators=2, **TINY)).fit(X, y)
    path = tmp_path / "ensemble.skrnn"
    save(clf, path)
    np.testing.assert_array_equal(load(path).predict_proba(X), clf.predict_proba(X))
    clf.set_params(warm_start=True, n_estimators=3)
    with pytest.raises(ValueError, match="n_estimators from 2 to 3"):
        clf.fit(X, y)


def test_streams_and_explanations_read_the_members_mean():
    X, y, _ = ragged()
    reg = RNNRegressor(n_estimators=2, pooling="attention", **TINY).fit(X, y)
    stream = SequenceStream(reg)  # attention's running softmax, per member
    for t in range(4):
        now = stream.update(["a"], [X[0][t : t + 1]])
    np.testing.assert_allclose(now, reg.predict([X[0][:4]]), atol=1e-6, rtol=0)
    weights = reg.attention_weights(X[:4])
    x, lengths, _ = reg._padded_input(X[:4])
    with torch.no_grad():
        each = [m.attention_weights(x, lengths)[0].numpy() for m in reg.module_.members]
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w.sum(), 1.0, rtol=1e-5)
        np.testing.assert_allclose(
            w, (each[0][i] + each[1][i])[: len(w)] / 2, rtol=1e-5
        )
    # Integrated gradients explain the averaged prediction: their sum is its
    # change from the all-zero input to X, in the units of y.
    assert abs(reg._y_scale[0] - 1) > 0.1  # a planted division would show
    attributions = integrated_gradients(reg, X[:4], n_steps=200)
    zero = [np.zeros_like(x) for x in X[:4]]
    change = reg.predict(X[:4]) - reg.predict(zero)
    sums = np.array([a.sum() for a in attributions])
    np.testing.assert_allclose(sums, change, atol=2e-3)


def test_an_ensemble_exports_to_onnx():
    ort = pytest.importorskip("onnxruntime")
    from sklearn_rnn import to_onnx

    X, _, y = ragged()
    clf = RNNClassifier(n_estimators=2, conv_filters=(3,), **TINY).fit(X, y)
    buffer = io.BytesIO()
    to_onnx(clf, buffer)
    session = ort.InferenceSession(buffer.getvalue())
    x = nan_padded(X[:5], 12).astype(np.float32)
    lengths = np.array([min(len(s), 12) for s in X[:5]], np.int64)
    got = session.run(None, {"x": np.nan_to_num(x), "lengths": lengths})[0]
    expected = clf.predict_proba([s[:12] for s in X[:5]])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    with pytest.raises(ValueError, match="step of one network.*n_estimators=2"):
        to_onnx(clf, io.BytesIO(), stateful=True)


def test_partial_fit_trains_every_member():
    X, y, _ = ragged()
    reg = RNNRegressor(n_estimators=2, **TINY).partial_fit(X, y)
    before = _members_outputs(reg, X)
    reg.partial_fit(X, y)
    after = _members_outputs(reg, X)
    for a, b in zip(before, after):
        assert not np.allclose(a, b)


def test_each_member_stops_as_it_would_alone(capsys):
    """Stopping on the training loss reads each member's own loss: the first
    member stops in the epoch a single network from the same seed stops, with
    the same weights (their moving average included), while the fit runs
    until the last member stops; the epoch table counts the members still
    training."""
    X, y, _ = ragged(n=40)
    params = dict(hidden_size=6, max_iter=300, n_iter_no_change=4, tol=1e-2)
    params.update(random_state=0, alpha=1e-3, early_stopping=False)
    single = RNNRegressor(**params).fit(X, y)
    assert single.n_iter_ < 300  # it stopped early
    capsys.readouterr()
    ensemble = RNNRegressor(n_estimators=3, verbose=1, **params).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "On 40 training sequences (below 1,000) 'auto' chose: conv_filters_=(), "
        "downsample_=1, batch_size_=16, weight average on."
    )
    assert out[1].startswith("train_loss is the loss on standardised targets")
    table = out[2:]
    assert table[0].split()[:3] == ["epoch", "members", "train_loss"]
    members = [int(row.split()[1]) for row in table[2:] if row.split()[0].isdigit()]
    assert len(members) == ensemble.n_iter_
    assert members[0] == 3 and members[-1] >= 1
    assert members == sorted(members, reverse=True) and members[-1] < 3
    first = _members_outputs(ensemble, X)[0][:, 0] * ensemble._y_scale[0]
    alone = single.predict(X) - single._y_mean[0]
    np.testing.assert_allclose(
        first + ensemble._y_mean[0] - single._y_mean[0], alone, atol=1e-3
    )
    assert single.n_iter_ <= ensemble.n_iter_ < 300
    assert ensemble.module_.training_members is None  # every member predicts
