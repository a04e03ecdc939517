"""save and load: round trips, and tampered files refused with a clear error."""

import io
import json
import pickle
import zipfile

import numpy as np
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
    SequencePadder,
    SequenceScaler,
    load,
    save,
)


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
        return RNNRegressor(early_stopping=True, **TINY).fit(complete, y_reg), complete
    if name == "classifier":
        labels = np.array(["a", "b"])[y_clf]
        return RNNClassifier(pooling="attention", **TINY).fit(
            complete, labels
        ), complete
    if name == "multilabel":
        Y = np.stack([y_clf, 1 - y_clf, y_clf], axis=1)
        return RNNClassifier(conv_filters=(3,), **TINY).fit(complete, Y), complete
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
    "name", ["regressor", "classifier", "multilabel", "pipeline", "best_estimator"]
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
    [SequencePadder(maxlen=5), SequenceImputer(strategy="linear"), SequenceScaler()],
    ids=lambda t: type(t).__name__,
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
