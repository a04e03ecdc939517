"""Safe persistence: ``save`` and ``load`` without pickle.

A saved file is a zip of two members: ``model.json`` (the class of every
object, from this package's allowlist, its ``get_params()``, its fitted
attributes, the training history and the optimizer's settings, the library
and torch versions) and ``tensors.safetensors`` (the weights, the optimizer's
moments and every numeric array). Loading reads data only: it never unpickles
and never imports a name read from the file, and every mismatch (unknown
class, extra or missing keys, wrong shapes or dtypes, a truncated zip) is a
``ValueError`` that says what is wrong.
"""

import json
import warnings
import zipfile

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.pipeline import Pipeline
from skorch.history import History

from ._base import BaseRNN
from ._classifier import RNNClassifier
from ._regressor import RNNRegressor
from ._timestep import RNNTimestepClassifier, RNNTimestepRegressor
from ._utils import resolve_device
from .preprocessing import SequenceImputer, SequencePadder, SequenceScaler

__all__ = ["load", "save"]

FORMAT, FORMAT_VERSION = "sklearn-rnn", 1
_MEMBERS = {"model.json", "tensors.safetensors"}
CLASSES = {
    cls.__name__: cls
    for cls in (
        RNNRegressor,
        RNNClassifier,
        RNNTimestepRegressor,
        RNNTimestepClassifier,
        SequencePadder,
        SequenceImputer,
        SequenceScaler,
        Pipeline,
    )
}
# Fitted attributes of each class: always there, and there only sometimes.
_INPUT = {"n_features_in_", "n_channels_in_", "_fitted_on_2d"}
_RNN = _INPUT | {"n_outputs_", "downsample_", "n_iter_", "loss_curve_", "_rng"}
_RNN |= {"_architecture", "_categorical_", "is_categorical_"}
_REGRESSOR = _RNN | {"_y_1d", "_y_mean", "_y_scale"}
_CLASSIFIER = _RNN | {"classes_", "_multilabel"}
FITTED = {
    "RNNRegressor": _REGRESSOR,
    "RNNClassifier": _CLASSIFIER,
    "RNNTimestepRegressor": _REGRESSOR,
    "RNNTimestepClassifier": _CLASSIFIER,
    "SequencePadder": _INPUT | {"maxlen_"},
    "SequenceImputer": _INPUT | {"statistics_"},
    "SequenceScaler": _INPUT | {"center_", "scale_"},
}
OPTIONAL = {
    "feature_names_in_",
    "validation_scores_",
    "best_validation_score_",
    "categories_",
}


def save(obj, file):
    """Save a fitted (or unfitted) estimator, transformer or pipeline.

    Parameters
    ----------
    obj : estimator, transformer or Pipeline
        An object of this package (``RNNRegressor``, ``RNNClassifier``,
        ``SequencePadder``, ``SequenceImputer``, ``SequenceScaler``), or a
        ``Pipeline`` of them (e.g. a search's ``best_estimator_``).
    file : str, path-like or binary file object
        Where to write the zip.

    Examples
    --------
    >>> import io, numpy as np
    >>> from sklearn_rnn import RNNRegressor, load, save
    >>> X = np.random.RandomState(0).normal(size=(20, 5, 2)).astype(np.float32)
    >>> reg = RNNRegressor(hidden_size=4, max_iter=2, random_state=0)
    >>> reg = reg.fit(X, X[:, -1, 0])
    >>> buffer = io.BytesIO()
    >>> save(reg, buffer)
    >>> np.array_equal(load(io.BytesIO(buffer.getvalue())).predict(X), reg.predict(X))
    True
    """
    tensors = {}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sklearn_rnn": _library_version(),
        "torch": torch.__version__,
        "root": _encode_object(obj, "0", tensors),
    }
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", json.dumps(document))
        zf.writestr("tensors.safetensors", save_tensors(tensors))


def load(file):
    """Load what :func:`save` wrote, reading data only.

    Parameters
    ----------
    file : str, path-like or binary file object
        A file written by :func:`save`.

    Returns
    -------
    obj : estimator, transformer or Pipeline
        The saved object; fitted models predict exactly as before saving.
    """
    try:
        with zipfile.ZipFile(file) as zf:
            names = set(zf.namelist())
            if names != _MEMBERS:
                raise ValueError(f"it holds {sorted(names)}, not {sorted(_MEMBERS)}")
            document = json.loads(zf.read("model.json"))
            tensors = load_tensors(zf.read("tensors.safetensors"))
    except Exception as exc:  # zipfile's, json's and safetensors' own errors
        raise ValueError(f"Not a valid sklearn-rnn file: {exc}") from None
    _check_keys(document, {"format", "format_version", "sklearn_rnn", "torch", "root"})
    if document["format"] != FORMAT or document["format_version"] != FORMAT_VERSION:
        raise ValueError(
            f"Not a sklearn-rnn file of format version {FORMAT_VERSION}: "
            f"format {document['format']!r}, version {document['format_version']!r}."
        )
    if document["sklearn_rnn"] != _library_version():
        warnings.warn(
            f"This file was saved with sklearn-rnn {document['sklearn_rnn']} and "
            f"is loaded with {_library_version()}; check its predictions.",
            UserWarning,
            stacklevel=2,
        )
    used = set()
    obj = _decode_object(document["root"], tensors, used)
    if used != set(tensors):
        raise ValueError(
            f"Unexpected tensors in the file: {sorted(set(tensors) - used)}."
        )
    return obj


# -- encoding -------------------------------------------------------------------------


def _encode_object(obj, prefix, tensors):
    name = type(obj).__name__
    if CLASSES.get(name) is not type(obj):
        raise TypeError(
            f"save handles the estimators and transformers of sklearn_rnn and "
            f"Pipelines of them. Got {type(obj).__module__}.{name} instead."
        )
    if isinstance(obj, Pipeline):
        params = obj.get_params(deep=False)
        if params["memory"] is not None or params["transform_input"] is not None:
            raise ValueError("save handles Pipelines with memory=None only.")
        steps = [
            [step, _encode_object(est, f"{prefix}.{i}", tensors)]
            for i, (step, est) in enumerate(obj.steps)
        ]
        return {"class": name, "verbose": bool(obj.verbose), "steps": steps}
    params = obj.get_params(deep=False)
    if params.get("callbacks") is not None:
        raise ValueError(
            "callbacks cannot be saved as data: set callbacks=None before save, "
            "and set them again after load."
        )
    if isinstance(params.get("random_state"), np.random.RandomState):
        raise ValueError(
            "A RandomState instance cannot be saved as data: use an int "
            "random_state (or None)."
        )
    if isinstance(params.get("device"), torch.device):
        params["device"] = str(params["device"])
    entry = {"class": name, "params": {k: _encode(v) for k, v in params.items()}}
    fitted = [k for k in vars(obj) if k in FITTED[name] | OPTIONAL]
    if fitted:
        entry["fitted"] = {
            k: _encode(getattr(obj, k), f"{prefix}.{k}", tensors) for k in fitted
        }
        if isinstance(obj, BaseRNN):
            entry["net"] = _encode_net(obj._net, prefix, tensors)
    return entry


def _encode(value, key=None, tensors=None):
    """A JSON value; numeric arrays go to ``tensors`` under ``key``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        return {"generator": value.bit_generator.state}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" and tensors is not None:
            tensors[key] = torch.from_numpy(np.ascontiguousarray(value))
            return {"array": key}
        return {
            "values": [_encode(v) for v in value.tolist()],
            "dtype": value.dtype.str,
        }
    raise ValueError(f"{type(value).__name__} values cannot be saved as data.")


def _encode_net(net, prefix, tensors):
    for key, tensor in net.module_.state_dict().items():
        tensors[f"{prefix}.module.{key}"] = tensor.detach().cpu().contiguous()
    state = net.optimizer_.state_dict()
    for index, slots in state["state"].items():
        for slot, tensor in slots.items():
            tensors[f"{prefix}.optimizer.{index}.{slot}"] = tensor.cpu().contiguous()
    groups = [
        {k: _encode(v) for k, v in group.items()} for group in state["param_groups"]
    ]
    return {
        "tensors": prefix,
        "optimizer": groups,
        "history": _plain(net.history.to_list()),
    }


def _plain(value):
    """The history as JSON: numbers, strings, lists and dicts."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.generic, torch.Tensor)):
        return value.item()
    return value


# -- decoding -------------------------------------------------------------------------


def _check_keys(entry, expected, optional=()):
    if not isinstance(entry, dict):
        raise ValueError(f"Expected an object with keys {sorted(expected)}.")
    keys = set(entry)
    missing, extra = set(expected) - keys, keys - set(expected) - set(optional)
    if missing or extra:
        raise ValueError(
            f"Unexpected keys in the file: missing {sorted(missing)}, extra "
            f"{sorted(extra)}."
        )


def _decode_object(entry, tensors, used):
    name = entry.get("class") if isinstance(entry, dict) else None
    if name not in CLASSES:
        raise ValueError(
            f"Unknown class {name!r} in the file: only {sorted(CLASSES)} are loaded."
        )
    if name == "Pipeline":
        _check_keys(entry, {"class", "verbose", "steps"})
        steps = [
            (str(step), _decode_object(sub, tensors, used))
            for step, sub in entry["steps"]
        ]
        return Pipeline(steps, verbose=bool(entry["verbose"]))
    cls = CLASSES[name]
    _check_keys(entry, {"class", "params"}, {"fitted", "net"})
    params = {k: _decode(v, tensors, used) for k, v in entry["params"].items()}
    _check_keys(params, cls._get_param_names())
    obj = cls(**params)
    obj._validate_params()
    if "fitted" in entry:
        _check_keys(entry["fitted"], FITTED[name], OPTIONAL)
        for key, value in entry["fitted"].items():
            setattr(obj, key, _decode(value, tensors, used))
        if isinstance(obj, BaseRNN):
            _check_keys(entry, {"class", "params", "fitted", "net"})
            _restore_net(obj, entry["net"], tensors, used)
    return obj


def _decode(value, tensors, used):
    if not isinstance(value, (dict, list)):
        return value
    if isinstance(value, list):
        return [_decode(v, tensors, used) for v in value]
    if set(value) == {"tuple"}:
        return tuple(_decode(v, tensors, used) for v in value["tuple"])
    if set(value) == {"dict"}:
        return {
            _decode(k, tensors, used): _decode(v, tensors, used)
            for k, v in value["dict"]
        }
    if set(value) == {"generator"}:
        generator = np.random.default_rng()
        try:
            generator.bit_generator.state = value["generator"]
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"Invalid random generator state: {exc}") from None
        return generator
    if set(value) == {"array"}:
        key = value["array"]
        if key not in tensors:
            raise ValueError(f"Missing tensor {key!r} in the file.")
        used.add(key)
        return tensors[key].numpy().copy()
    if set(value) == {"values", "dtype"}:
        return np.array(value["values"], dtype=np.dtype(value["dtype"]))
    raise ValueError(f"Unexpected value in the file: {sorted(value)}.")


def _restore_net(est, entry, tensors, used):
    _check_keys(entry, {"tensors", "optimizer", "history"})
    prefix = str(entry["tensors"])
    try:
        device = resolve_device(est.device, type(est).__name__)
    except ValueError:
        warnings.warn(
            f"The model was saved for device={est.device!r}, which is not "
            "available here; it is loaded on the CPU.",
            UserWarning,
            stacklevel=4,
        )
        device = torch.device("cpu")
    with torch.random.fork_rng():  # building the module draws initial weights
        net = est._build_net(
            device, None, est._conv_filters(), first=True, incremental=False
        )
    module_state = _take(tensors, f"{prefix}.module.", used)
    expected = net.module_.state_dict()
    for key, tensor in module_state.items():
        if key in expected and (
            tensor.shape != expected[key].shape or tensor.dtype != expected[key].dtype
        ):
            raise ValueError(
                f"Tensor {key!r} has shape {tuple(tensor.shape)} and dtype "
                f"{tensor.dtype}; the model of these parameters needs "
                f"{tuple(expected[key].shape)} and {expected[key].dtype}."
            )
    try:
        net.module_.load_state_dict(module_state)
        optimizer = net.optimizer_.state_dict()
        slots = _take(tensors, f"{prefix}.optimizer.", used)
        state = {}
        for key, tensor in slots.items():
            index, slot = key.split(".", 1)
            state.setdefault(int(index), {})[slot] = tensor
        groups = [
            {k: _decode(v, tensors, used) for k, v in group.items()}
            for group in entry["optimizer"]
        ]
        if len(groups) != len(optimizer["param_groups"]):
            raise ValueError("the optimizer's parameter groups do not match")
        net.optimizer_.load_state_dict({"state": state, "param_groups": groups})
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"The file's weights do not fit its model: {exc}") from None
    net.history = History(entry["history"])
    net.module_.eval()
    est._net = net


def _take(tensors, prefix, used):
    keys = [k for k in tensors if k.startswith(prefix)]
    used.update(keys)
    return {k[len(prefix) :]: tensors[k] for k in keys}


def _library_version():
    from . import __version__

    return __version__
