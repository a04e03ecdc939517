"""to_onnx: parity with predict/predict_proba in onnxruntime at two new shapes."""

import io
import sys

import numpy as np
import pytest
from conftest import TINY, ragged
from sklearn.base import is_classifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    SequenceImputer,
    SequencePadder,
    SequenceScaler,
    StepTransformer,
    TimeFeatures,
    to_onnx,
)

ort = pytest.importorskip("onnxruntime")


def _session(est, **kwargs):
    buffer = io.BytesIO()
    to_onnx(est, buffer, **kwargs)
    return ort.InferenceSession(buffer.getvalue())


def _inputs(X, batch, time):
    x = np.zeros((batch, time, X[0].shape[1]), np.float32)
    seqs = [s[:time].astype(np.float32) for s in X[:batch]]
    for row, s in zip(x, seqs):
        row[: len(s)] = s
    return x, np.array([len(s) for s in seqs], np.int64), seqs


def _check(est, X, shapes=((5, 17), (9, 6)), **kwargs):
    session = _session(est, **kwargs)
    for batch, time in shapes:  # neither is the export shape (2, 3)
        x, lengths, seqs = _inputs(X, batch, time)
        outputs = session.run(None, {"x": x, "lengths": lengths})
        got = outputs[0]
        if is_classifier(est):
            expected = est.predict_proba(seqs)
        else:
            expected = est.predict(seqs)
        per_step = isinstance(est, (RNNTimestepClassifier, RNNTimestepRegressor))
        if per_step:  # one row per real step, a sequence after another
            expected = np.concatenate(expected)
        expected = expected.reshape(len(got), -1)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
        if is_classifier(est):  # the labels predict gives
            labels = est.predict(seqs)
            if per_step:
                labels = np.concatenate(labels)
            assert [o.name for o in session.get_outputs()] == ["y", "label"]
            np.testing.assert_array_equal(outputs[1], labels)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_every_cell_and_direction_matches_at_two_shapes(cell, bidirectional, Est):
    X, y_reg, y_clf = ragged(high=20)
    y = y_reg if Est is RNNRegressor else y_clf
    est = Est(cell=cell, bidirectional=bidirectional, num_layers=2, **TINY)
    _check(est.fit(X, y), X)


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("conv_layout", ["serial", "parallel"])
@pytest.mark.parametrize("conv_norm", [None, "batch"])
def test_pooling_front_end_and_multilabel(pooling, conv_layout, conv_norm):
    X, _, y = ragged(high=20)
    Y = np.stack([y, 1 - y], axis=1)
    est = RNNClassifier(
        pooling=pooling,
        conv_filters=(3, 3),
        conv_layout=conv_layout,
        conv_norm=conv_norm,
        downsample=2,
        **TINY,
    )
    _check(est.fit(X, Y), X)


@pytest.mark.parametrize("conv_kernel_size", [3, 1])  # block means, strided
def test_max_pooled_convolutions_export(conv_kernel_size):
    X, y, _ = ragged(high=20)
    est = RNNRegressor(
        conv_filters=(3, 3),
        conv_kernel_size=conv_kernel_size,
        downsample=4,
        conv_pool=2,
        **TINY,
    )
    _check(est.fit(X, y), X)


@pytest.mark.parametrize("Est", [RNNTimestepRegressor, RNNTimestepClassifier])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_per_step_estimators_and_embeddings_export(Est, bidirectional):
    X, _, _ = ragged(high=20)
    X = [np.column_stack([x, np.arange(len(x)) % 4]) for x in X]
    y = [x[:, 0].cumsum() for x in X]
    if Est is RNNTimestepClassifier:
        y = [t > 0 for t in y]
    est = Est(bidirectional=bidirectional, categorical_features=[2], **TINY)
    _check(est.fit(X, y), X)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "identity"])
def test_every_activation_exports_with_a_dynamic_time_axis(cell, activation):
    # The tutorial's LSTM(activation='relu') among them: ONNX's own LSTM, GRU
    # and RNN operators take the activation, so no length is fixed.
    onnx = pytest.importorskip("onnx")
    X, y, _ = ragged(high=20)
    reg = RNNRegressor(cell=cell, activation=activation, num_layers=2, **TINY)
    reg.fit(X, y)
    _check(reg, X)
    buffer = io.BytesIO()
    to_onnx(reg, buffer)
    operators = {
        node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node
    }
    assert cell.upper() in operators and "Loop" not in operators
    with pytest.warns(FutureWarning, match="max_timesteps is deprecated"):
        to_onnx(reg, io.BytesIO(), max_timesteps=19)


def test_errors_without_onnx_and_for_other_objects(monkeypatch):
    X, y, _ = ragged()
    reg = RNNRegressor(**TINY).fit(X, y)
    with pytest.raises(TypeError, match="exports the recurrent estimators"):
        to_onnx(object(), io.BytesIO())
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"pip install onnx onnxruntime"):
        to_onnx(reg, io.BytesIO())


def test_poisson_regressor_exports_its_log_link():
    X, _, _ = ragged(high=20)
    y = np.random.RandomState(0).poisson(3.0, size=len(X)).astype(float)
    _check(RNNRegressor(loss="poisson", **TINY).fit(X, y), X)


@pytest.mark.parametrize("Est", [RNNRegressor, RNNTimestepRegressor])
def test_several_quantiles_export_in_order(Est):
    """The graph orders the quantiles as predict does: (batch, 3) per sequence
    (per step: a row per real step), the targets' quantiles side by side."""
    X, y, _ = ragged()
    if Est is RNNTimestepRegressor:
        y = [np.cumsum(x[:, 0]) for x in X]
    est = Est(loss="quantile", quantile=[0.1, 0.5, 0.9], **TINY).fit(X, y)
    _check(est, X)


@pytest.mark.parametrize("Est", [RNNRegressor, RNNTimestepClassifier])
def test_the_highway_exports(Est):
    X, y, labels = ragged()
    y = y if Est is RNNRegressor else [x[:, 0] > 0 for x in X]
    est = Est(highway=4, **TINY).fit(X, y)
    _check(est, X)


def test_classifier_labels_come_out_as_strings_too():
    X, _, y = ragged(high=20)
    labels = np.array(["down", "up"])[y]
    clf = RNNClassifier(**TINY).fit(X, labels)
    _check(clf, X)
    session = _session(clf)
    x, lengths, seqs = _inputs(X, 4, 19)
    got = session.run(["label"], {"x": x, "lengths": lengths})[0]
    assert list(got) == list(clf.predict(seqs))


@pytest.mark.parametrize("strategy", ["ffill", "bfill", "linear", "median"])
@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_a_pipeline_exports_with_its_transformers_inside_the_graph(strategy, Est):
    X, y_reg, y_cls = ragged(n=30)
    rng = np.random.RandomState(0)
    X = [x.copy() for x in X]
    for x in X:  # missing values in the second feature (a step missing all
        x[rng.rand(len(x)) < 0.4, 1] = np.nan  # its values at the end is padding)
    pipe = make_pipeline(
        SequenceImputer(strategy=strategy, add_indicator=True),
        SequenceScaler(method="robust", clip_value=2.0, features=[1, 2]),
        Est(**TINY),
    ).fit(X, y_cls if Est is RNNClassifier else y_reg)
    session = _session(pipe)
    for batch, time in ((5, 17), (9, 6)):
        x, lengths, seqs = _inputs(X, batch, time)
        assert np.isnan(x).any()  # NaN goes in where a value is missing
        outputs = session.run(None, {"x": x, "lengths": lengths})
        if Est is RNNClassifier:
            expected = pipe.predict_proba(seqs)
            np.testing.assert_array_equal(outputs[1], pipe.predict(seqs))
        else:
            expected = pipe.predict(seqs).reshape(len(seqs), -1)
        np.testing.assert_allclose(outputs[0], expected, rtol=0, atol=1e-5)


def test_a_pipeline_with_other_steps_is_refused_with_the_step_named():
    X, y, _ = ragged()
    pipe = make_pipeline(SequencePadder(), RNNRegressor(**TINY)).fit(X, y)
    with pytest.raises(TypeError, match="step 'sequencepadder' is SequencePadder"):
        to_onnx(pipe, io.BytesIO())
    robust = make_pipeline(
        SequenceScaler(method="robust", per_sequence=True), RNNRegressor(**TINY)
    )
    with pytest.raises(TypeError, match=r"own median.*per_sequence=True"):
        to_onnx(robust.fit(X, y), io.BytesIO())


@pytest.mark.parametrize("method", ["standard", "minmax"])
@pytest.mark.parametrize("per_sequence", [True, "auto"])
def test_scaling_per_sequence_exports_inside_the_graph(method, per_sequence):
    """Each sequence's own statistics over its real, observed steps, as
    ``transform`` computes them: 'auto' chose the first feature (its scales
    span five orders of magnitude), True both; a missing value, a sequence
    constant in a feature and one never observing it included."""
    X, y, _ = ragged(n=30)
    rng = np.random.RandomState(0)
    X = [x * [10.0 ** rng.uniform(-3, 2), 1.0] for x in X]
    X[0][:, 1] = 4.0  # constant: scale 1
    X[1][:, 1] = np.nan  # never observed: center 0, scale 1
    X[2][1, 0] = np.nan
    pipe = make_pipeline(
        SequenceScaler(method=method, per_sequence=per_sequence),
        SequenceImputer(strategy="constant"),  # the network reads no NaN
        RNNRegressor(**TINY),
    ).fit(X, y)
    chosen = [True, per_sequence is True]
    np.testing.assert_array_equal(pipe[0].per_sequence_, chosen)
    session = _session(pipe)
    for batch, time in ((5, 17), (9, 6)):
        x, lengths, seqs = _inputs(X, batch, time)
        outputs = session.run(None, {"x": x, "lengths": lengths})
        expected = pipe.predict(seqs).reshape(len(seqs), -1)
        np.testing.assert_allclose(outputs[0], expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "Est, params",
    [
        (RNNRegressor, dict(cell="gru", pooling="mean", num_layers=2)),
        (RNNRegressor, dict(cell="lstm", activation="relu", pooling="attention")),
        (RNNClassifier, dict(cell="rnn", pooling="max", conv_filters=0)),
        (RNNTimestepRegressor, dict(cell="lstm")),
        (RNNRegressor, dict(highway=4)),  # the highway's steps are state too
        (RNNTimestepClassifier, dict(highway=2)),
    ],
)
def test_a_stateful_export_steps_as_the_stream_does(Est, params):
    """Every slot starts (``count`` 0) from a state left by another sequence,
    and slot 0 is recycled again after three steps: each prediction is
    ``predict`` on the slot's own sequence so far."""
    X, y_reg, y_clf = ragged(n=30, high=12)
    X = [np.column_stack([x, np.arange(len(x)) % 3]) for x in X]  # a category
    if Est is RNNTimestepRegressor:
        y = [x[:, 0].cumsum() for x in X]
    elif Est is RNNTimestepClassifier:
        y = [x[:, 0].cumsum() > 0 for x in X]
    else:
        y = y_clf if Est is RNNClassifier else y_reg
    est = Est(categorical_features=[2], **params, **TINY).fit(X, y)
    session = _session(est, stateful=True)
    names = [i.name for i in session.get_inputs()]
    assert ("tail" in names) == ("highway" in params)
    long = np.stack([s[:6] for s in X if len(s) >= 6][:5]).astype(np.float32)
    x, other = long[:4], long[4]
    rng = np.random.RandomState(0)
    state = {  # a previous sequence's state: count 0 must not read it
        "hidden": rng.normal(size=(est.num_layers, 2, 4, est.hidden_size)),
        "pool": rng.normal(size=(3, 4, est.hidden_size)),
    }
    if "highway" in params:
        width = session.get_inputs()[names.index("tail")].shape[2]
        state["tail"] = rng.normal(size=(4, params["highway"], width))
    state = {k: v.astype(np.float32) for k, v in state.items()}
    state["count"] = np.zeros(4, np.int64)
    for t in range(6):
        step = x[:, t].copy()
        if t >= 3:  # slot 0 is recycled for another sequence at t = 3
            step[0] = other[t - 3]
        if t == 3:
            state["count"][0] = 0
        parts = [n for n in names if n != "x"]
        y_t, *rest = session.run(
            ["y", *(f"{n}_out" for n in parts)], {"x": step, **state}
        )
        state = dict(zip(parts, rest))
        prefixes = list(x[:, : t + 1])
        if t >= 3:
            prefixes[0] = other[: t - 2]
        if Est is RNNTimestepClassifier:
            expected = np.stack([p[-1] for p in est.predict_proba(prefixes)])
        elif Est is RNNTimestepRegressor:
            expected = np.stack([p[-1] for p in est.predict(prefixes)])
        elif Est is RNNClassifier:
            expected = est.predict_proba(prefixes)
        else:
            expected = est.predict(prefixes)
        np.testing.assert_allclose(
            y_t.reshape(expected.shape), expected, atol=1e-5, rtol=0
        )


@pytest.mark.parametrize("method", ["standard", "minmax"])
def test_quiet_sequences_scale_in_the_graph_as_transform_scales_them(method):
    """Sequences at level 0 or 300 that move by 1, 1e-4 or 5e-7 (in float32,
    300 + 5e-7 is 300: constant) get the scale ``transform`` gives them: the
    graph and ``transform`` share one rule for a constant sequence."""
    rng = np.random.RandomState(0)
    X = []
    for k in range(36):
        level, amplitude = (0.0, 300.0)[k % 2], (1.0, 1e-4, 5e-7)[k % 3]
        x = level + amplitude * rng.normal(size=(int(rng.randint(4, 9)), 1))
        X.append(np.column_stack([x, rng.normal(size=len(x))]).astype(np.float32))
    y = np.array([x[-1, 1] for x in X])
    pipe = make_pipeline(
        SequenceScaler(method=method, per_sequence=True), RNNRegressor(**TINY)
    ).fit(X, y)
    x, lengths, seqs = _inputs(X, len(X), 8)
    got = _session(pipe).run(None, {"x": x, "lengths": lengths})[0]
    expected = pipe.predict(seqs).reshape(len(seqs), -1)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_a_stateful_export_of_a_pipeline_names_the_steps_that_work_step_by_step():
    """A pipeline is refused; the message names the transformers that give a
    step alone what they give it within its sequence, and refuses by name the
    steps of this pipeline that do not (per-sequence scaling turns a lone
    step into 0, a forward fill and time deltas need the steps before)."""
    X, y, _ = ragged()
    X = [np.column_stack([np.arange(len(x)), x]) for x in X]  # a time column
    est = RNNRegressor(**TINY)
    safe = make_pipeline(
        SequenceScaler(per_sequence=False),
        SequenceImputer(strategy="mean"),
        StepTransformer(StandardScaler()),
        est,
    ).fit(X, y)
    with pytest.raises(TypeError, match="exports one estimator") as info:
        to_onnx(safe, io.BytesIO(), stateful=True)
    message = str(info.value)
    assert "per_sequence=False" in message and "strategy='mean'" in message
    assert "cannot" not in message
    unsafe = make_pipeline(
        TimeFeatures(),
        SequenceScaler(per_sequence=True),
        SequenceImputer(strategy="ffill"),
        est,
    ).fit(X, y)
    with pytest.raises(TypeError, match="exports one estimator") as info:
        to_onnx(unsafe, io.BytesIO(), stateful=True)
    message = str(info.value)
    for name in ("timefeatures", "sequencescaler", "sequenceimputer"):
        assert f"'{name}' cannot" in message
