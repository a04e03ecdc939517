"""SequenceStream: predictions after every new step equal predict on the prefix."""

import numpy as np
import pytest
from conftest import INVARIANCE_ATOL, TINY, ragged
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    SequenceStream,
    load,
    save,
)

ATOL = INVARIANCE_ATOL  # float32: the stream steps where predict runs whole


def _fit(Est, **params):
    X, y_reg, y_clf = ragged(n=30, high=14)
    X = [np.column_stack([x, np.arange(len(x)) % 3]) for x in X]  # a category
    if Est in (RNNTimestepRegressor, RNNTimestepClassifier):
        y = [x[:, 0].cumsum() for x in X]
        y = [t > 0 for t in y] if Est is RNNTimestepClassifier else y
    else:
        y = y_clf if Est is RNNClassifier else y_reg
    return Est(categorical_features=[2], **params, **TINY).fit(X, y), X


def _chunks(x, cuts):
    bounds = [0, *sorted({c % len(x) for c in cuts if 0 < c % len(x)}), len(x)]
    return [x[a:b] for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=15, deadline=None)
@given(
    cell=st.sampled_from(["lstm", "gru", "rnn"]),
    activation=st.sampled_from(["tanh", "relu"]),
    num_layers=st.sampled_from([1, 2]),
    pooling=st.sampled_from(["last", "mean", "max", "attention"]),
    classifier=st.booleans(),
    cuts=st.lists(st.integers(1, 20), max_size=4),
)
def test_the_stream_equals_predict_on_every_prefix(
    cell, activation, num_layers, pooling, classifier, cuts
):
    Est = RNNClassifier if classifier else RNNRegressor
    est, X = _fit(
        Est, cell=cell, activation=activation, num_layers=num_layers, pooling=pooling
    )
    stream = SequenceStream(est)
    a, b = X[0], X[1]
    seen = {"a": 0, "b": 0}
    for part_a, part_b in zip(_chunks(a, cuts), _chunks(b, cuts[::-1])):
        got = stream.update(["a", "b"], [part_a, part_b])
        seen["a"] += len(part_a)
        seen["b"] += len(part_b)
        prefixes = [a[: seen["a"]], b[: seen["b"]]]
        if classifier:
            np.testing.assert_allclose(
                stream.predict_proba(["a", "b"]), est.predict_proba(prefixes), atol=ATOL
            )
            np.testing.assert_array_equal(got, est.predict(prefixes))
        else:
            np.testing.assert_allclose(got, est.predict(prefixes), atol=ATOL, rtol=0)


def test_several_quantiles_stream_in_order():
    est, X = _fit(RNNRegressor, loss="quantile", quantile=[0.1, 0.5, 0.9])
    stream = SequenceStream(est)
    stream.update(["a", "b"], [X[0][:4], X[1]])
    got = stream.update(["a"], [X[0][4:]])
    np.testing.assert_allclose(got, est.predict([X[0]]), atol=ATOL, rtol=0)
    assert stream.predict(["a", "b"]).shape == (2, 3)


@pytest.mark.parametrize("Est", [RNNTimestepRegressor, RNNTimestepClassifier])
def test_per_step_estimators_predict_each_new_step(Est):
    est, X = _fit(Est, cell="gru", num_layers=2)
    stream = SequenceStream(est)
    x = X[3]
    got = stream.update(["x"], [x[:4]])[0]
    got = np.concatenate(
        [got, *(stream.update(["x"], [x[t : t + 1]])[0] for t in range(4, len(x)))]
    )
    expected = est.predict([x])[0]
    if Est is RNNTimestepRegressor:
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
    else:
        np.testing.assert_array_equal(got, expected)


def test_starting_resetting_and_dropping_sequences():
    est, X = _fit(RNNRegressor, pooling="mean")
    stream = SequenceStream(est)
    stream.update([1, 2], [X[0][:3], X[1][:2]])
    assert stream.ids == [1, 2]
    stream.reset([1])
    np.testing.assert_allclose(
        stream.update([1], [X[2][:2]]), est.predict([X[2][:2]]), atol=ATOL, rtol=0
    )
    with pytest.warns(FutureWarning, match=r"drop is deprecated.*Call reset\(ids\)"):
        stream.drop([2])  # reset's old second name
    assert stream.ids == [1]
    with pytest.raises(KeyError, match="No live sequence has the ids \\[2\\]"):
        stream.predict([2])


def test_refused_models_and_bad_calls_say_why():
    X, y, _ = ragged()
    bidirectional = RNNRegressor(bidirectional=True, **TINY).fit(X, y)
    with pytest.raises(ValueError, match="bidirectional model cannot be streamed"):
        SequenceStream(bidirectional)
    stream = SequenceStream(RNNRegressor(**TINY).fit(X, y))
    with pytest.raises(ValueError, match="X has 3 features per timestep"):
        stream.update(["a"], [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="2 sequences of new steps for 1 ids"):
        stream.update(["a"], [X[0], X[1]])
    with pytest.raises(ValueError, match="lists a sequence twice"):
        stream.update(["a", "a"], [X[0], X[1]])
    with pytest.raises(TypeError, match="ids must be a list"):
        stream.update("a", [X[0]])


def test_a_normalised_target_comes_back_in_its_units():
    X, y, _ = ragged()
    reg = RNNRegressor(normalize_y=True, **TINY).fit(X, 1000 + 50 * y)
    stream = SequenceStream(reg)
    for t in range(len(X[5])):
        got = stream.update(["s"], [X[5][t : t + 1]])
    np.testing.assert_allclose(got, reg.predict([X[5]]), atol=1e-3, rtol=0)
    assert abs(got[0] - 1000) < 500


FRONT_ENDS = {
    "block means": dict(downsample=3),
    "serial convolutions, stride 3": dict(
        conv_filters=(4, 3), conv_kernel_size=3, downsample=3
    ),
    "stride above the kernel": dict(conv_filters=4, conv_kernel_size=2, downsample=5),
    "pooled convolutions": dict(
        conv_filters=(4, 3), conv_kernel_size=3, downsample=4, conv_pool=2
    ),
    "pooled, blocks above the kernel": dict(
        conv_filters=4, conv_kernel_size=2, downsample=6, conv_pool=2
    ),
    "parallel convolutions": dict(
        conv_filters=(4, 3), conv_kernel_size=3, conv_layout="parallel", downsample=2
    ),
    "normalised convolutions": dict(
        conv_filters=(4, 3), conv_kernel_size=3, conv_norm="batch", downsample=3
    ),
    "highway": dict(highway=4),
    "highway beyond the front-end's window": dict(downsample=2, highway=7),
}


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
@pytest.mark.parametrize("pooling", ["last", "mean", "attention"])
def test_front_ends_stream_with_their_receptive_field(front_end, pooling):
    est, X = _fit(RNNRegressor, pooling=pooling, **FRONT_ENDS[front_end])
    stream = SequenceStream(est)
    long = [x for x in X if len(x) >= 9][:3]
    for t in range(9):  # one step at a time: partial blocks in between
        got = stream.update([0, 1, 2], [x[t : t + 1] for x in long])
        expected = est.predict([x[: t + 1] for x in long])
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    "front_end",
    [
        "serial convolutions, stride 3",
        "pooled convolutions",
        "pooled, blocks above the kernel",
    ],
)
def test_convolutions_stream_past_the_window_the_stream_keeps(front_end):
    # 40 steps and more: the stream's window of past steps (at most 18 here)
    # fills and slides, and every prefix still predicts as a whole sequence.
    X, y, _ = ragged(n=30, low=40, high=50)
    est = RNNRegressor(**FRONT_ENDS[front_end], **TINY).fit(X, y)
    stream = SequenceStream(est)
    x = X[0]
    got = [stream.update(["x"], [x[t : t + 1]])[0] for t in range(len(x))]
    expected = est.predict([x[: t + 1] for t in range(len(x))])
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("layout", ["serial", "parallel", "highway"])
def test_per_step_estimators_stream_their_convolutions(layout):
    params = dict(conv_filters=(3, 2), conv_kernel_size=4, conv_layout=layout)
    if layout == "highway":
        params = dict(highway=5)
    est, X = _fit(RNNTimestepRegressor, **params)
    stream = SequenceStream(est)
    x = max(X, key=len)
    got = np.concatenate(
        [stream.update(["x"], [x[t : t + 1]])[0] for t in range(len(x))]
    )
    np.testing.assert_allclose(got, est.predict([x])[0], atol=ATOL, rtol=0)


def test_many_resets_compact_the_state_and_keep_the_live_sequences():
    est, X = _fit(RNNRegressor, pooling="max")
    stream = SequenceStream(est)
    ids = list(range(100))
    stream.update(ids, [X[i % len(X)] for i in ids])
    before = stream.predict([95, 99])
    stream.reset(ids[:90])  # most rows are now garbage: compacted
    assert stream.ids == ids[90:]
    np.testing.assert_array_equal(stream.predict([95, 99]), before)
    again = stream.update([3], [X[3]])  # a reset id starts anew
    np.testing.assert_allclose(again, est.predict([X[3]]), atol=ATOL, rtol=0)


def test_ids_started_one_at_a_time_reuse_the_rows_of_reset_ones():
    """Each update starts one new id (the store grows by doubling, not by one
    row per id); the rows of reset ids go to new ones without their old state
    leaking into the new sequences."""
    est, X = _fit(RNNRegressor, pooling="attention", num_layers=2)
    stream = SequenceStream(est)
    live = {}
    for i in range(40):
        live[i] = X[i % len(X)]
        stream.update([i], [live[i]])
    rows = len(stream._store["steps"])
    assert rows < 80
    stream.reset(list(range(0, 40, 2)))
    for i in range(0, 40, 2):
        del live[i]
    for i in range(40, 60):  # on the rows of the reset ids
        live[i] = X[(i * 7) % len(X)][:3]
        stream.update([i], [live[i]])
    assert len(stream._store["steps"]) == rows
    assert stream.ids == list(live)
    expected = est.predict(list(live.values()))
    np.testing.assert_allclose(stream.predict(), expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize(
    "Est", [RNNRegressor, RNNClassifier, RNNTimestepRegressor, RNNTimestepClassifier]
)
def test_ensembles_stream_each_member_and_combine_as_predict(Est, tmp_path):
    # Three members with categories embedded and a front-end: each keeps its
    # own state, and the stream reads their mean as predict does.
    per_step = Est in (RNNTimestepRegressor, RNNTimestepClassifier)
    blocks = {} if per_step else {"downsample": 2}
    est, X = _fit(Est, n_estimators=3, conv_filters=4, **blocks)
    stream = SequenceStream(est)
    a, b = [x for x in X if len(x) >= 6][:2]
    stream.update(["a", "b"], [a[:3], b[:5]])
    path = tmp_path / "stream.skrnn"
    save(stream, path)  # every member's state goes with it
    stream = load(path)
    got = stream.update(["a", "b"], [a[3:], b[5:]])
    if per_step:
        expected = [p[start:] for p, start in zip(est.predict([a, b]), [3, 5])]
        for g, e in zip(got, expected):
            if Est is RNNTimestepClassifier:
                np.testing.assert_array_equal(g, e)
            else:
                np.testing.assert_allclose(g, e, atol=ATOL, rtol=0)
        return
    if Est is RNNClassifier:
        np.testing.assert_allclose(
            stream.predict_proba(), est.predict_proba([a, b]), atol=ATOL
        )
        np.testing.assert_array_equal(got, est.predict([a, b]))
    else:
        np.testing.assert_allclose(got, est.predict([a, b]), atol=ATOL, rtol=0)


def test_a_model_fitted_on_2d_windows_says_how_to_pass_one_step():
    """2D X is univariate windows of a fixed width: X[:, t:t+1] was refused
    with scikit-learn's 'X has 1 features, but ... expecting 12' alone."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 12))
    reg = RNNRegressor(**TINY).fit(X, X.sum(axis=1))
    stream = SequenceStream(reg)
    ids = list(range(5))
    with pytest.raises(ValueError, match=r"expecting 12.*\(n_ids, n_steps, 1\)"):
        stream.update(ids, X[:5, 0:1])
    for t in range(12):
        out = stream.update(ids, X[:5, t : t + 1, None])
    np.testing.assert_allclose(out, reg.predict(X[:5]), atol=ATOL, rtol=0)
