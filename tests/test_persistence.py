"""save and load: round trips, and tampered files refused with a clear error."""

import io
import json
import pickle
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import TINY, ragged
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    SequenceStream,
    StepTransformer,
    TimeFeatures,
    load,
    save,
)
from sklearn_rnn._fitted import _persistence, _schema


def _round_trip(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    return load(io.BytesIO(buffer.getvalue())), buffer.getvalue()


def _fitted(name):
    X, y_reg, y_clf = ragged()
    X[3] = X[3].copy()
    X[3][1, 0] = np.nan  # a hole for the imputer
    complete = [np.nan_to_num(x) for x in X]
    if name == "regressor":
        return RNNRegressor(**dict(TINY, early_stopping=True)).fit(
            complete, y_reg
        ), complete
    if name == "classifier":
        labels = np.array(["a", "b"])[y_clf]
        return RNNClassifier(pooling="attention", **TINY).fit(
            complete, labels
        ), complete
    if name == "multilabel":
        Y = np.stack([y_clf, 1 - y_clf, y_clf], axis=1)
        clf = RNNClassifier(
            conv_filters=(3,), conv_layout="parallel", conv_norm="batch", **TINY
        )
        return clf.fit(complete, Y), complete
    if name == "quantiles":
        Y = np.column_stack([y_reg, -y_reg])
        reg = RNNRegressor(loss="quantile", quantile=[0.1, 0.5, 0.9], highway=3, **TINY)
        return reg.fit(complete, Y), complete
    if name == "pipeline":
        pipe = make_pipeline(
            SequenceImputer(add_indicator=True),
            SequenceScaler(method="robust", clip_value=3.0),
            SequencePadder(maxlen=9, padding="pre"),
            RNNRegressor(bidirectional=True, cell="lstm", **TINY),
        )
        return pipe.fit(X, y_reg), X
    search = GridSearchCV(RNNRegressor(**TINY), {"hidden_size": [2, 3]}, cv=2)
    return search.fit(complete, y_reg).best_estimator_, complete


@pytest.mark.parametrize(
    "name",
    [
        "regressor",
        "quantiles",
        "classifier",
        "multilabel",
        "pipeline",
        "best_estimator",
    ],
)
def test_loaded_models_predict_bit_identically(name):
    model, X = _fitted(name)
    loaded, _ = _round_trip(model)
    assert type(loaded) is type(model)
    assert loaded.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    final = loaded[-1] if hasattr(loaded, "steps") else loaded
    original = model[-1] if hasattr(model, "steps") else model
    assert final.loss_curve_ == original.loss_curve_
    assert final.history_[:, "train_loss"] == original.history_[:, "train_loss"]
    if hasattr(original, "predict_proba"):
        np.testing.assert_array_equal(final.predict_proba(X), original.predict_proba(X))
        np.testing.assert_array_equal(final.classes_, original.classes_)


@pytest.mark.parametrize(
    "transformer",
    [
        SequencePadder(maxlen=5),
        SequenceImputer(strategy="linear"),
        SequenceScaler(),
        SequenceScaler(method="robust", per_sequence=True),
    ],
    ids=lambda t: f"{type(t).__name__}-{getattr(t, 'per_sequence', '')}",
)
def test_transformers_and_unfitted_objects_round_trip(transformer):
    X, _, _ = ragged()
    fitted = transformer.fit(X)
    loaded, _ = _round_trip(fitted)
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    fresh, _ = _round_trip(RNNRegressor(conv_filters=(4, 4)))
    assert fresh.get_params() == RNNRegressor(conv_filters=(4, 4)).get_params()


def test_training_goes_on_after_load_with_the_optimizers_state():
    X, y, _ = ragged()
    model = RNNRegressor(**TINY).fit(X, y)
    loaded, _ = _round_trip(model)
    model.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def _tamper(payload, *, document=None, tensors=None, members=None):
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        doc = json.loads(zf.read("model.json"))
        arrays = load_tensors(zf.read("tensors.safetensors"))
    if document:
        document(doc)
    if tensors:
        tensors(arrays)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("model.json", json.dumps(doc))
        zf.writestr("tensors.safetensors", save_tensors(arrays))
        for name in members or []:
            zf.writestr(name, b"import os")
    return io.BytesIO(out.getvalue())


def _set(path, value):
    def change(doc):
        target = doc["root"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _reshape(tensors):
    key = next(k for k in tensors if k.endswith("head.weight"))
    tensors[key] = torch.zeros(7, 7)


def _retype(tensors):
    key = next(k for k in tensors if k.endswith("head.weight"))
    tensors[key] = tensors[key].double()


def _values(values, dtype):
    return {"values": values, "dtype": dtype}


def _huge_dtype():
    return _values(["a", "b"], "<U50000000")  # 400 MB for two names


def _nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


TAMPERED = {
    "unknown class": (dict(document=_set(["class"], "Unpickler")), "Unknown class"),
    "dotted name": (dict(document=_set(["class"], "os.system")), "Unknown class"),
    "extra parameter": (
        dict(document=_set(["params", "evil"], 1)),
        "Unexpected keys.*extra",
    ),
    "missing fitted attribute": (
        dict(document=lambda d: d["root"]["fitted"].pop("n_iter_")),
        "missing \\['n_iter_'\\]",
    ),
    "extra fitted attribute": (
        dict(document=_set(["fitted", "__class__"], "x")),
        "extra \\['__class__'\\]",
    ),
    "invalid parameter value": (
        dict(document=_set(["params", "hidden_size"], -3)),
        "hidden_size",
    ),
    "wrong shape": (dict(tensors=_reshape), "has shape \\(7, 7\\)"),
    "wrong dtype": (dict(tensors=_retype), "dtype torch.float64"),
    "extra tensor": (
        dict(tensors=lambda t: t.__setitem__("evil", torch.zeros(1))),
        "Unexpected tensors",
    ),
    "extra member": (dict(members=["payload.pkl"]), "Not a valid sklearn-rnn file"),
    # issue 18: dtypes, schema and structure, each a ValueError
    "huge string dtype": (
        dict(document=_set(["fitted", "feature_names_in_"], _huge_dtype())),
        "Refused dtype '<U50000000'",
    ),
    "object dtype of numbers": (
        dict(document=_set(["fitted", "n_iter_"], "x")),
        "Invalid fitted attribute n_iter_.*integer",
    ),
    "target scale of another shape": (
        dict(document=_set(["fitted", "_y_scale"], _values([1.0] * 3, "<f8"))),
        "Invalid fitted attribute _y_scale",
    ),
    "loss curve of strings": (
        dict(document=_set(["fitted", "loss_curve_"], ["a"] * 3)),
        "Invalid fitted attribute loss_curve_",
    ),
    "input width against channels": (
        dict(document=_set(["fitted", "n_features_in_"], 5)),
        "Invalid fitted attribute n_features_in_",
    ),
    "dict key that is a list": (
        dict(document=_set(["fitted", "_architecture"], {"dict": [[[1], 2]]})),
        "Not a valid sklearn-rnn file",
    ),
    "deep nesting": (
        dict(document=_set(["params", "callbacks"], _nested(600))),
        "Not a valid sklearn-rnn file",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_tampered_files_are_refused(case):
    model, _ = _fitted("regressor")
    _, payload = _round_trip(model)
    changes, match = TAMPERED[case]
    with pytest.raises(ValueError, match=match):
        load(_tamper(payload, **changes))


def test_truncated_and_foreign_files_are_refused():
    model, _ = _fitted("classifier")
    _, payload = _round_trip(model)
    for broken in (payload[: len(payload) // 2], b"", pickle.dumps(model)):
        with pytest.raises(ValueError, match="Not a valid sklearn-rnn file"):
            load(io.BytesIO(broken))


def test_what_cannot_be_data_is_refused_at_save_time():
    X, y, _ = ragged()
    with pytest.raises(ValueError, match="callbacks cannot be saved"):
        save(RNNRegressor(callbacks=[Callback()], **TINY).fit(X, y), io.BytesIO())
    with pytest.raises(ValueError, match="RandomState instance"):
        save(RNNRegressor(random_state=np.random.RandomState(0)), io.BytesIO())
    with pytest.raises(TypeError, match="sklearn.linear_model"):
        from sklearn.linear_model import Ridge

        save(Ridge(), io.BytesIO())


def test_version_mismatch_warns_and_a_gpu_model_loads_on_the_cpu():
    model, X = _fitted("regressor")
    _, payload = _round_trip(model)
    with pytest.warns(UserWarning, match="saved with sklearn-rnn 0.0.1"):
        load(_tamper(payload, document=lambda d: d.update(sklearn_rnn="0.0.1")))
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    gpu = _tamper(payload, document=_set(["params", "device"], "cuda"))
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        loaded = load(gpu)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.device == "cuda"  # the parameter is kept as saved


def test_pickle_and_files_on_disk_keep_working(tmp_path):
    model, X = _fitted("classifier")
    save(model, tmp_path / "model.zip")
    np.testing.assert_array_equal(
        load(tmp_path / "model.zip").predict(X), model.predict(X)
    )
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).predict(X), model.predict(X)
    )


def _regressor_on_a_frame():
    X, y, _ = ragged()
    frame = pd.concat(
        {i: pd.DataFrame(x, columns=["a", "b"]) for i, x in enumerate(X)},
        names=["id", "time"],
    )
    return RNNRegressor(**TINY).fit(frame, y), frame


def test_the_string_dtype_attack_allocates_nothing():
    model, frame = _regressor_on_a_frame()
    _, payload = _round_trip(model)
    tampered = _tamper(
        payload, document=_set(["fitted", "feature_names_in_"], _huge_dtype())
    )
    assert len(tampered.getvalue()) < 20_000  # a tiny file once asked for 400 MB
    with pytest.raises(ValueError, match="Refused dtype"):
        load(tampered)
    np.testing.assert_array_equal(_round_trip(model)[0].feature_names_in_, ["a", "b"])


def test_an_oversized_member_is_refused_before_it_is_read():
    model, _ = _fitted("regressor")
    _, payload = _round_trip(model)
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        text, tensors = zf.read("model.json"), zf.read("tensors.safetensors")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # Valid JSON padded with spaces: 64 MiB that deflate to about 64 KB.
        zf.writestr("model.json", text + b" " * _persistence.MAX_JSON_BYTES)
        zf.writestr("tensors.safetensors", tensors)
    assert len(out.getvalue()) < 2**20
    with pytest.raises(ValueError, match="over the limit"):
        load(io.BytesIO(out.getvalue()))


def _edit_architecture(name, value):
    def change(doc):
        pairs = doc["root"]["fitted"]["_architecture"]["dict"]
        for pair in pairs:
            pair[1] = value if pair[0] == name else pair[1]
        if name not in [k for k, _ in pairs]:
            pairs.append([name, value])

    return change


def test_an_edited_architecture_is_refused_before_a_network_is_built(monkeypatch):
    model, _ = _fitted("regressor")
    _, payload = _round_trip(model)

    def build(*args, **kwargs):
        raise AssertionError("load built a network before checking the tensors")

    monkeypatch.setattr(RNNRegressor, "_build_net", build)
    # 3000 units: a network of +103 MB for a file of 4 KB, and shapes no
    # tensor of the file has.
    with pytest.raises(
        ValueError, match="Tensor '.*' has shape .*; the model of these param"
    ):
        load(_tamper(payload, document=_edit_architecture("hidden_size", 3000)))
    for name, value, match in [
        ("hidden_size", -3, "_architecture: The 'hidden_size' parameter"),
        ("max_iter", 10**9, "Invalid fitted attribute _architecture"),
        ("n_estimators", 2, "missing \\['members.0.encoder"),
        # A million members or layers (a minute per 2,000 on the meta device).
        ("n_estimators", 10**6, "tensors for 1000000 network"),
        ("num_layers", 10**6, "tensors for 1 network"),
    ]:
        with pytest.raises(ValueError, match=match):
            load(_tamper(payload, document=_edit_architecture(name, value)))


def _zip(text, tensors, declare=None):
    """A zip of these members; ``declare``: the size it states for the tensors."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", text)
        zf.writestr("tensors.safetensors", tensors)
    data = bytearray(out.getvalue())
    if declare is not None:  # as the local header and the directory state it
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = data.find(signature)
            while start >= 0:
                field = slice(start + offset, start + offset + 4)
                if int.from_bytes(data[field], "little") == len(tensors):
                    data[field] = declare.to_bytes(4, "little")
                start = data.find(signature, start + 1)
    return io.BytesIO(bytes(data))


def test_a_tensor_member_that_inflates_beyond_the_ratio_is_never_inflated():
    model, _ = _fitted("regressor")
    _, payload = _round_trip(model)
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        text = zf.read("model.json")
    zeros = save_tensors({"0.evil": torch.zeros(2**23)})  # 32 MiB, 33 KB deflated
    for file, match in [
        (_zip(text, zeros), "over the limit"),
        # A zip that understates the size is inflated only as far as it says.
        (_zip(text, zeros, declare=2**19), "Not a valid sklearn-rnn file: Bad CRC"),
    ]:
        assert len(file.getvalue()) < 2**16
        tracemalloc.start()
        try:
            with pytest.raises(ValueError, match=match):
                load(file)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * 2**20, peak


def test_a_member_that_deflates_beyond_the_ratio_is_saved_stored(monkeypatch):
    # Many sequences in one state (here fed zeros) deflate beyond any ratio
    # (3,000 of 64 units: 19 to 1): save stores such a member as it is, so
    # that load reads every file save writes. The ratio is 4 here, for speed.
    monkeypatch.setattr(_persistence, "MAX_INFLATION", 4)
    monkeypatch.setattr(_persistence, "_SLACK", 0)
    X, y, _ = ragged()
    stream = SequenceStream(RNNRegressor(**TINY).fit(X, y))
    stream.update(list(range(200)), [np.zeros((2, 2))] * 200)
    loaded, payload = _round_trip(stream)
    np.testing.assert_array_equal(loaded.predict(), stream.predict())
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        kinds = [info.compress_type for info in zf.infolist()]
    assert kinds == [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]
    _, weights = _round_trip(stream.estimator)  # weights deflate 2 to 1 at most
    with zipfile.ZipFile(io.BytesIO(weights)) as zf:
        assert zf.getinfo("tensors.safetensors").compress_type == zipfile.ZIP_DEFLATED


def test_a_duplicated_member_is_refused():
    model, _ = _fitted("classifier")
    _, payload = _round_trip(model)
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        text, tensors = zf.read("model.json"), zf.read("tensors.safetensors")
    decoy = json.loads(text)
    decoy["root"]["params"]["hidden_size"] = 99
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("model.json", json.dumps(decoy))
            zf.writestr("tensors.safetensors", tensors)
            zf.writestr("model.json", text)
    with pytest.raises(ValueError, match="each of .* once"):
        load(io.BytesIO(out.getvalue()))


def test_a_pipeline_with_malformed_steps_is_a_value_error():
    model, _ = _fitted("pipeline")
    _, payload = _round_trip(model)
    with pytest.raises(ValueError, match="Not a valid sklearn-rnn file"):
        load(_tamper(payload, document=lambda d: d["root"].update(steps=5)))


def test_a_network_saved_before_conv_filters_auto_loads():
    # Files from before conv_filters='auto' have no conv_filters_: the
    # parameter then named the network's convolutions.
    X, y, _ = ragged()
    model = RNNRegressor(conv_filters=(3,), **TINY).fit(X, y)
    _, payload = _round_trip(model)

    def older(doc):
        del doc["root"]["fitted"]["conv_filters_"]

    loaded = load(_tamper(payload, document=older))
    assert loaded.conv_filters_ == (3,)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    # A file that says 'auto' must record its choice: nothing to derive it from.
    def auto(doc):
        older(doc)
        doc["root"]["params"]["conv_filters"] = "auto"

    with pytest.raises(ValueError, match="missing \\['conv_filters_'\\]"):
        load(_tamper(payload, document=auto))


def test_a_front_end_saved_before_0_3_reads_the_input_at_its_stride():
    # Before 0.3 a downsampling front-end's first convolution read the input at
    # its stride; it now reads block means. A file without the record is older.
    X, y, _ = ragged(n=30, low=8, high=20)
    model = RNNRegressor(conv_filters=(3,), downsample=2, **TINY).fit(X, y)
    loaded, payload = _round_trip(model)
    assert loaded.module_.front_end.block_means_first
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    def older(doc):
        del doc["root"]["fitted"]["_front_end_block_means"]

    old = load(_tamper(payload, document=older))
    first = old.module_.front_end.layers[0]
    assert not old.module_.front_end.block_means_first and first.stride == (2,)
    assert not np.allclose(old.predict(X), model.predict(X))


@pytest.mark.parametrize("recorded", [True, False])
def test_a_front_end_record_under_its_0_3_name_loads(recorded):
    # 0.3 wrote `_front_end_block_means` as `_front_end_pools`: its files load
    # as fitted; a file that has both names is refused, not resolved.
    X, y, _ = ragged(n=30, low=8, high=20)
    model = RNNRegressor(conv_filters=(3,), downsample=2, **TINY).fit(X, y)
    _, payload = _round_trip(model)

    def by_0_3(doc):
        fitted = doc["root"]["fitted"]
        del fitted["_front_end_block_means"]
        fitted["_front_end_pools"] = recorded

    loaded = load(_tamper(payload, document=by_0_3))
    assert loaded.module_.front_end.block_means_first == recorded
    assert loaded._front_end_block_means == recorded
    assert not hasattr(loaded, "_front_end_pools")
    if recorded:
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    def both(doc):
        doc["root"]["fitted"]["_front_end_pools"] = True

    with pytest.raises(ValueError, match="extra \\['_front_end_pools'\\]"):
        load(_tamper(payload, document=both))


def test_a_pooled_front_end_round_trips_and_a_file_cannot_misstate_its_pooling():
    X, y, _ = ragged(n=30, low=8, high=20)
    model = RNNRegressor(conv_filters=(3,), downsample=4, conv_pool=2, **TINY)
    loaded, payload = _round_trip(model.fit(X, y))
    assert loaded.module_.front_end.pool == 2
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))

    def misstated(doc):  # blocks of 4 steps cannot hold 3 pooled blocks
        architecture = doc["root"]["fitted"]["_architecture"]["dict"]
        architecture[[k for k, _ in architecture].index("conv_pool")][1] = 3

    with pytest.raises(ValueError, match="downsample_ in the file: expected a mu"):
        load(_tamper(payload, document=misstated))


@pytest.mark.parametrize("kernel_size", [8, 2])
def test_block_means_without_convolutions_load_as_fitted(kernel_size):
    # Without convolutions the front-end only averages blocks, before 0.3 as
    # now, whatever the width of the blocks against conv_kernel_size.
    X, y, _ = ragged(n=30, low=8, high=20)
    params = dict(conv_filters=0, conv_kernel_size=kernel_size, downsample=3)
    model = RNNRegressor(**params, **TINY).fit(X, y)
    _, payload = _round_trip(model)

    def older(doc):
        del doc["root"]["fitted"]["_front_end_block_means"]

    for file in (io.BytesIO(payload), _tamper(payload, document=older)):
        np.testing.assert_array_equal(load(file).predict(X), model.predict(X))


@pytest.mark.parametrize(
    "conv_filters, recorded",
    [((3,), {"tuple": [4]}), ("auto", {"tuple": [3]}), ("auto", [64, 64])],
)
def test_the_recorded_convolutions_must_be_the_parameters_choice(
    conv_filters, recorded
):
    X, y, _ = ragged()
    _, payload = _round_trip(RNNRegressor(conv_filters=conv_filters, **TINY).fit(X, y))
    with pytest.raises(ValueError, match="Invalid fitted attribute conv_filters_"):
        load(_tamper(payload, document=_set(["fitted", "conv_filters_"], recorded)))


def test_a_fixed_downsample_cannot_be_tampered_with():
    X, y, _ = ragged()
    model = RNNRegressor(downsample=2, **TINY).fit(X, y)
    _, payload = _round_trip(model)
    with pytest.raises(ValueError, match="downsample_"):
        load(_tamper(payload, document=_set(["fitted", "downsample_"], 3)))


OLD_FILES = Path(__file__).parent / "data" / "0.2"


@pytest.mark.parametrize("name", ["regressor_conv", "classifier", "scaler_pipeline"])
def test_a_file_saved_by_0_2_loads_and_predicts_as_0_2_did(name):
    # Written by 0.2 itself (tests/data/make_02_files.py), with what it predicted.
    expected = np.load(OLD_FILES / "predictions.npz", allow_pickle=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load(OLD_FILES / f"{name}.zip")
    messages = " ".join(str(w.message) for w in caught)
    assert "saved with sklearn-rnn 0.2.0.dev0" in messages
    assert "parameters ['average_decay', 'conv_layout', 'conv_norm'" in messages
    np.testing.assert_array_equal(model.predict(expected["X"]), expected[name])
    est = model[-1] if hasattr(model, "steps") else model
    assert est.batch_size_ == est.batch_size  # 0.2 had a fixed batch size
    if name == "classifier":
        proba = model.predict_proba(expected["X"])
        np.testing.assert_array_equal(proba, expected["classifier_proba"])


def test_every_parameter_newer_than_0_2_has_its_value_before_it_existed():
    # A parameter added without an entry in ADDED_PARAMETERS would make 0.2's
    # files unloadable (or load them with today's default).
    before = {k: v for k, v, _ in _schema.ADDED_PARAMETERS}
    for name in ["regressor_conv", "classifier", "scaler_pipeline"]:
        with zipfile.ZipFile(OLD_FILES / f"{name}.zip") as zf:
            root = json.loads(zf.read("model.json"))["root"]
        for entry in [root] if "params" in root else [e for _, e in root["steps"]]:
            cls = _persistence.CLASSES[entry["class"]]
            newer = set(cls._get_param_names()) - set(entry["params"])
            assert newer <= set(before), (cls.__name__, newer - set(before))
            cls(**{k: before[k] for k in newer})._validate_params()


def test_a_parameter_missing_from_a_file_takes_its_value_before_it_existed():
    X, y, _ = ragged()
    model = RNNRegressor(conv_filters=(3,), conv_norm=None, **TINY).fit(X, y)
    _, payload = _round_trip(model)
    added = {"conv_norm", "conv_pool", "highway", "average_decay", "n_estimators"}

    def older(document):
        for name in added:
            document["root"]["params"].pop(name)

    with pytest.warns(UserWarning, match="saved by an older version") as record:
        loaded = load(_tamper(payload, document=older))
    assert all(name in str(record[0].message) for name in added)
    before = {k: v for k, v, _ in _schema.ADDED_PARAMETERS}
    assert loaded.get_params()["conv_norm"] is None
    assert {k: loaded.get_params()[k] for k in added} == {k: before[k] for k in added}
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_missing_parameter_that_every_file_holds_is_refused():
    model, _ = _fitted("regressor")
    _, payload = _round_trip(model)
    older = _tamper(payload, document=lambda d: d["root"]["params"].pop("hidden_size"))
    with pytest.raises(ValueError, match="hidden_size.*every file"):
        load(older)


class _RecordArray(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("spectrum", np.arange(3.0))


def test_save_writes_histories_holding_arrays_and_is_atomic(tmp_path, monkeypatch):
    X, y, _ = ragged()
    model = RNNRegressor(callbacks=[_RecordArray()], **TINY).fit(X, y)
    model.set_params(callbacks=None)
    path = tmp_path / "model.zip"
    save(model, path)
    assert load(path).history_[-1, "spectrum"] == [0.0, 1.0, 2.0]
    good = path.read_bytes()

    def crash(file, text, payload):
        file.write(b"PK half a zip")
        raise OSError("No space left on device")

    monkeypatch.setattr(_persistence, "_write_zip", crash)
    with pytest.raises(OSError, match="No space"):
        save(model, path)
    assert path.read_bytes() == good  # the previous model is intact
    assert [p.name for p in tmp_path.iterdir()] == ["model.zip"]  # no leftovers


def test_a_model_whose_parameters_changed_after_fit_saves_its_fitted_network():
    model, X = _fitted("regressor")
    expected = model.predict(X)
    model.set_params(hidden_size=9, cell="lstm")  # not refitted
    loaded, _ = _round_trip(model)
    np.testing.assert_array_equal(loaded.predict(X), expected)
    assert loaded.hidden_size == 9  # the parameters as they are now
    # Parameters that the fitted attributes record: checked against the fit's.
    X, y, _ = ragged(n=30, low=8, high=20)
    model = RNNRegressor(conv_filters=(3,), downsample=4, conv_pool=2, **TINY)
    expected = model.fit(X, y).predict(X)
    model.set_params(conv_filters=(5, 5), conv_pool=3, downsample="auto")
    np.testing.assert_array_equal(_round_trip(model)[0].predict(X), expected)


def test_a_stream_saves_with_the_state_of_its_live_sequences():
    X, y, _ = ragged(n=20, high=14)
    reg = RNNRegressor(  # a front-end too: the stream keeps its recent steps
        pooling="mean", num_layers=2, conv_filters=3, downsample=2, **TINY
    ).fit(X, y)
    X = [x for x in X if len(x) >= 6]
    stream = SequenceStream(reg)
    stream.update(["a", 7], [X[0][:4], X[1][:3]])
    loaded, data = _round_trip(stream)
    assert loaded.ids == ["a", 7]
    np.testing.assert_array_equal(loaded.predict(), stream.predict())
    after = loaded.update(["a", 7], [X[0][4:], X[1][3:]])
    np.testing.assert_allclose(after, reg.predict(X[:2]), atol=1e-6, rtol=0)
    stream.update([("tuple", "id")], [X[2]])
    with pytest.raises(ValueError, match="use str or int ids"):
        save(stream, io.BytesIO())


def test_the_new_transformers_round_trip_and_a_wrapper_is_refused():
    X, y, _ = ragged(n=12)
    stamped = [np.column_stack([np.arange(len(x)) * 2.0, x]) for x in X]
    for transformer, data in [
        (SequenceOutlierFilter(method="iqr", action="clip", features=[0]), X),
        (SequenceOutlierFilter(), X),
        (TimeFeatures(calendar=("hour",)), stamped),
    ]:
        fitted = transformer.fit(data)
        loaded, _ = _round_trip(fitted)
        np.testing.assert_array_equal(loaded.transform(data), fitted.transform(data))
    with pytest.raises(TypeError, match="use pickle or joblib"):
        save(StepTransformer(SequenceScaler()), io.BytesIO())


@pytest.mark.parametrize("per_sequence", [None, False, True])
def test_a_scaler_saved_before_per_sequence_was_recorded_loads(per_sequence):
    # 0.2 had no per_sequence (its scaler was global); the first per_sequence
    # was a bool and its files have no per_sequence_: both follow from the bool.
    X, _, _ = ragged()
    scaler = SequenceScaler(per_sequence=bool(per_sequence)).fit(X)
    _, payload = _round_trip(scaler)

    def older(doc):
        del doc["root"]["fitted"]["per_sequence_"]
        if per_sequence is None:
            del doc["root"]["params"]["per_sequence"]
        else:
            doc["root"]["params"]["per_sequence"] = per_sequence

    def without(arrays):
        del arrays["0.per_sequence_"]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(_tamper(payload, document=older, tensors=without))
    assert (per_sequence is None) == any(
        "['per_sequence']" in str(w.message) for w in caught
    )
    assert loaded.per_sequence_.dtype == bool
    np.testing.assert_array_equal(loaded.per_sequence_, scaler.per_sequence_)
    for got, expected in zip(loaded.transform(X), scaler.transform(X)):
        np.testing.assert_array_equal(got, expected)

    # A file that says 'auto' must record its choice: nothing to derive it from.
    def auto(doc):
        older(doc)
        doc["root"]["params"]["per_sequence"] = "auto"

    with pytest.raises(ValueError, match="missing \\['per_sequence_'\\]"):
        load(_tamper(payload, document=auto, tensors=without))


@pytest.mark.parametrize("method", ["hampel", "iqr"])
def test_an_outlier_filter_saved_before_the_floor_loads_without_one(method):
    X, _, _ = ragged()
    flt = SequenceOutlierFilter(method=method).fit(X)
    _, payload = _round_trip(flt)

    def older(doc):
        del doc["root"]["fitted"]["scale_floor_"]

    def without(arrays):
        arrays.pop("0.scale_floor_", None)

    loaded = load(_tamper(payload, document=older, tensors=without))
    if method == "iqr":
        assert loaded.scale_floor_ is None
    else:
        np.testing.assert_array_equal(loaded.scale_floor_, [0.0, 0.0])
    assert loaded.transform(X).shape == flt.transform(X).shape


FORECASTER_TAMPERED = {
    "series count": (
        dict(document=_set(["fitted", "n_series_"], 9)),
        "do not match its n_series_",
    ),
    "series lengths": (
        dict(
            tensors=lambda t: t.__setitem__(
                "0.panel.lengths", torch.tensor([1, 1], dtype=torch.int64)
            )
        ),
        "series do not match their lengths",
    ),
    "panel form": (
        dict(document=_set(["fitted", "_panel", "form"], "pickle")),
        "Invalid panel form",
    ),
    "extra panel key": (
        dict(document=_set(["fitted", "_panel", "evil"], 1)),
        "extra \\['evil'\\]",
    ),
    "foreign regressor class": (
        dict(document=_set(["fitted", "estimator_", "object", "class"], "RidgeCV")),
        "Unknown class 'RidgeCV'",
    ),
    "negative count": (
        dict(document=_set(["fitted", "n_windows_"], -1)),
        "Invalid fitted attribute n_windows_",
    ),
    "extra parameter": (
        dict(document=_set(["params", "evil"], 1)),
        "Unexpected keys.*extra",
    ),
    "a NaN in the series": (
        dict(tensors=lambda t: t["0.panel.y"].__setitem__(0, float("nan"))),
        "series hold NaN or infinite values",
    ),
    "min_window beyond window": (
        dict(document=_set(["params", "min_window"], 9)),
        "min_window exceeds its window",
    ),
    "an unknown calibration": (
        dict(document=_set(["fitted", "interval_offsets_", "calibration"], "x")),
        "Invalid fitted attribute calibration_",
    ),
    "offsets without a calibration": (
        dict(
            document=_set(
                ["fitted", "interval_offsets_", "offsets"], _values([1.0], "<f8")
            )
        ),
        "Invalid fitted attribute interval_offsets_",
    ),
}


FORECASTER_TAMPERED |= {  # found by the review of the forecaster's format
    "series of strings": (
        dict(document=_set(["fitted", "_panel", "y"], _values(["a"] * 60, "|O"))),
        "series are not a 1-D array of float64",
    ),
    "series of integers": (
        dict(tensors=lambda t: t.__setitem__("0.panel.y", t["0.panel.y"].long())),
        "series are not a 1-D array of float64",
    ),
    "series as a column": (
        dict(tensors=lambda t: t.__setitem__("0.panel.y", t["0.panel.y"][:, None])),
        "series are not a 1-D array of float64",
    ),
    "lengths that wrap around": (
        dict(
            tensors=lambda t: t.__setitem__(
                "0.panel.lengths", torch.tensor([2**62, 2**62, 2**62, 2**62 + 60])
            )
        ),
        "series do not match their lengths",
    ),
    "a longer horizon than the network's": (
        dict(document=_set(["params", "horizon"], 3)),
        "does not match its network",
    ),
    "quantiles the network was not fitted with": (
        dict(document=_set(["params", "quantiles"], {"tuple": [0.1, 0.5, 0.9]})),
        "does not match its network",
    ),
    "a future covariate that does not exist": (
        dict(document=_set(["params", "future_covariates"], [7])),
        "does not match its network",
    ),
    "an unfitted network": (
        dict(
            document=lambda d: d["root"]["fitted"]["estimator_"]["object"].pop("fitted")
        ),
        "expected a fitted RNNRegressor",
    ),
    "ids that are objects": (
        dict(document=_set(["fitted", "_panel", "ids"], {"dict": [["a", 1]]})),
        "series ids are not one label per series",
    ),
    "a column name that is a list": (
        dict(document=_set(["fitted", "_panel", "column"], ["a", "b"])),
        "index names or column name are not labels",
    ),
    "times for fewer series": (
        dict(
            tensors=lambda t: t.__setitem__("0.panel.time_lengths", torch.tensor([10]))
        ),
        "times are not one run per series",
    ),
    "times as text": (
        dict(document=_set(["fitted", "_panel", "times"], _values(["x"] * 12, "|O"))),
        "times are not a 1-D array of numbers",
    ),
}


@pytest.mark.parametrize("case", list(FORECASTER_TAMPERED))
def test_a_tampered_forecaster_is_refused(case):
    import pandas as pd

    from sklearn_rnn.forecasting import RNNForecaster

    t = np.arange(30.0)
    index = pd.MultiIndex.from_product([["a", "b"], range(30)], names=["id", "t"])
    y = pd.DataFrame({"y": np.r_[np.sin(t), np.cos(t) + 2]}, index=index)
    X = pd.DataFrame({"x": np.r_[t, t]}, index=index)
    model = RNNForecaster(estimator=RNNRegressor(**TINY), window=5, horizon=2)
    _, payload = _round_trip(model.fit(y, X))
    changes, match = FORECASTER_TAMPERED[case]
    with pytest.raises(ValueError, match=match):
        load(_tamper(payload, **changes))


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t["0.offsets"].__setitem__((0, 0), float("nan")),  # not finite
        lambda t: t["0.offsets"].__setitem__((0, 1), 0.5),  # the median moved
    ],
)
def test_a_calibrated_forecaster_with_tampered_offsets_is_refused(change):
    from sklearn_rnn.forecasting import RNNForecaster

    t = np.arange(30.0)
    model = RNNForecaster(
        estimator=RNNRegressor(**TINY), window=5, horizon=2, quantiles=(0.1, 0.5, 0.9)
    ).fit([np.sin(t) + 2, np.cos(t) + 2, np.sin(t / 2) + 3])
    assert model.calibration_ == "conformal"
    _, payload = _round_trip(model)
    with pytest.raises(ValueError, match="Invalid fitted attribute interval_offsets_"):
        load(_tamper(payload, tensors=change))
    more = _set(["fitted", "n_calibration_series_"], 4)  # of 3 series
    with pytest.raises(ValueError, match="Invalid fitted attribute interval_offsets_"):
        load(_tamper(payload, document=more))
