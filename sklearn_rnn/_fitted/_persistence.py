"""Safe persistence: ``save`` and ``load`` without pickle.

A saved file is a zip of two members: ``model.json`` (the class of every
object, from this package's allowlist, its ``get_params()``, its fitted
attributes, the training history and the optimizer's settings, the library
and torch versions) and ``tensors.safetensors`` (the weights, the optimizer's
moments and every numeric array). Loading reads data only: it never unpickles
and never imports a name read from the file, and every mismatch (unknown
class, extra or missing keys, wrong shapes or dtypes, a truncated zip) is a
``ValueError`` that says what is wrong. What it reads is bounded before it is
read: the zip holds exactly the two members, ``model.json`` at most
``MAX_JSON_BYTES`` and the tensors at most ``MAX_TENSOR_BYTES`` (as declared
in the zip, which ``zipfile`` enforces while inflating), arrays stored in the
JSON come from an allowlist of dtypes with a bounded item size, and every
fitted attribute is checked against a schema (type, dimensions, shape
against ``n_outputs_`` and ``n_channels_in_``).
"""

import copy
import json
import os
import tempfile
import warnings
import zipfile
from numbers import Integral, Real

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.pipeline import Pipeline
from skorch.history import History

from .._estimators._base import AUTO_CONV_FILTERS, BaseRNN
from .._estimators._classifier import RNNClassifier
from .._estimators._regressor import RNNRegressor
from .._estimators._timestep import RNNTimestepClassifier, RNNTimestepRegressor
from .._training._runtime import resolve_device
from ..preprocessing import (
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    TimeFeatures,
)
from ._stream import SequenceStream

__all__ = ["load", "save"]

FORMAT, FORMAT_VERSION = "sklearn-rnn", 1
_MEMBERS = {"model.json", "tensors.safetensors"}
# The largest members load reads (uncompressed): the JSON document holds the
# parameters, the fitted attributes and the history (a few MB for a long
# training run), the tensors the weights and the optimizer's moments.
MAX_JSON_BYTES = 64 * 2**20
MAX_TENSOR_BYTES = 8 * 2**30
# Arrays stored in the JSON (labels, feature names): these dtype kinds only,
# each item at most this wide (a 256-character string).
_JSON_DTYPES, _MAX_ITEMSIZE = "biufUO", 1024
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
        SequenceOutlierFilter,
        TimeFeatures,
        Pipeline,
        SequenceStream,
    )
}
# Fitted attributes of each class: always there, and there only sometimes.
_INPUT = {"n_features_in_", "n_channels_in_", "_fitted_on_2d"}
_RNN = _INPUT | {"n_outputs_", "conv_filters_", "downsample_", "n_iter_"}
_RNN |= {"loss_curve_", "_rng", "_front_end_pools"}
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
    "SequenceScaler": _INPUT | {"center_", "scale_", "per_sequence_"},
    "SequenceOutlierFilter": _INPUT
    | {"lower_", "upper_", "n_outliers_"}
    | {"scale_floor_"},
    "TimeFeatures": _INPUT,
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
    obj : estimator, transformer, Pipeline or SequenceStream
        An object of this package (the estimators, ``SequencePadder``,
        ``SequenceImputer``, ``SequenceScaler``, ``SequenceOutlierFilter``,
        ``TimeFeatures``), a ``Pipeline`` of them (e.g. a search's
        ``best_estimator_``), or a ``SequenceStream`` with the state of its
        live sequences (str or int ids).
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
    text, payload = json.dumps(document), save_tensors(tensors)
    if not isinstance(file, (str, os.PathLike)):
        _write_zip(file, text, payload)
        return
    # A whole new file or none: written beside the target, then renamed over
    # it, so that a crash or a full disk never leaves half a model behind.
    folder = os.path.dirname(os.path.abspath(file))
    handle, temporary = tempfile.mkstemp(prefix=".sklearn-rnn-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            _write_zip(f, text, payload)
        os.replace(temporary, file)
    except BaseException:
        os.unlink(temporary)
        raise


def _write_zip(file, text, payload):
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.json", text)
        zf.writestr("tensors.safetensors", payload)


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

    Raises
    ------
    ValueError
        For anything but a file :func:`save` wrote: another format, a
        truncated or altered file, members larger than ``MAX_JSON_BYTES``
        (64 MiB) or ``MAX_TENSOR_BYTES`` (8 GiB). A file saved by an older
        version whose estimator lacked a parameter loads with that
        parameter's default and a ``UserWarning``.
    """
    try:
        with zipfile.ZipFile(file) as zf:
            document = json.loads(_read_member(zf, "model.json", MAX_JSON_BYTES))
            tensors = load_tensors(
                _read_member(zf, "tensors.safetensors", MAX_TENSOR_BYTES)
            )
    except Exception as exc:  # zipfile's, json's and safetensors' own errors
        raise ValueError(f"Not a valid sklearn-rnn file: {exc}") from None
    try:
        return _load_document(document, tensors)
    except (TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ValueError(f"Not a valid sklearn-rnn file: {exc!r}") from None


def _read_member(zf, name, limit):
    """The member ``name`` of a zip that holds exactly ``_MEMBERS``, each once,
    read only if it declares at most ``limit`` bytes."""
    names = [info.filename for info in zf.infolist()]
    if len(names) != len(_MEMBERS) or set(names) != _MEMBERS:
        raise ValueError(f"it holds {names}, not each of {sorted(_MEMBERS)} once")
    size = zf.getinfo(name).file_size
    if size > limit:
        raise ValueError(f"{name} declares {size} bytes, over the limit of {limit}")
    with zf.open(name) as member:
        return member.read(limit + 1)


def _load_document(document, tensors):
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
        wrapped = " (it wraps any transformer: use pickle or joblib)"
        raise TypeError(
            f"save handles the estimators and transformers of sklearn_rnn and "
            f"Pipelines of them. Got {type(obj).__module__}.{name} instead"
            f"{wrapped if name == 'StepTransformer' else ''}."
        )
    if isinstance(obj, SequenceStream):
        return _encode_stream(obj, prefix, tensors)
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


def _encode_stream(stream, prefix, tensors):
    """A stream: its estimator and, per live sequence, its id and state."""
    states = []
    for k, key in enumerate(stream.ids):
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise ValueError(
                f"The stream's id {key!r} cannot be saved as data: use str or int ids."
            )
        name = f"{prefix}.state.{k}"
        for part, tensor in stream._state(key).items():
            tensors[f"{name}.{part}"] = tensor.detach().cpu().contiguous()
        states.append([key, name])
    estimator = _encode_object(stream.estimator, f"{prefix}.estimator", tensors)
    return {"class": "SequenceStream", "estimator": estimator, "states": states}


def _decode_stream(entry, tensors, used):
    _check_keys(entry, {"class", "estimator", "states"})
    estimator = _decode_object(entry["estimator"], tensors, used)
    stream = SequenceStream(estimator)
    device = next(estimator.module_.parameters()).device
    # The shape and dtype of each part of a new sequence's state.
    fresh = stream._fresh_state(device)
    for key, name in entry["states"]:
        if not isinstance(key, (str, int)) or not isinstance(name, str):
            raise ValueError("Invalid stream state in the file.")
        if key in stream._rows:
            raise ValueError(f"The stream id {key!r} appears twice in the file.")
        state = {}
        for part, like in fresh.items():
            tensor = _take_tensor(tensors, f"{name}.{part}", used)
            if tensor.shape != like.shape or tensor.dtype != like.dtype:
                raise ValueError(
                    f"Invalid stream state {part!r} of {key!r} in the file: "
                    f"{tuple(tensor.shape)} {tensor.dtype}."
                )
            state[part] = tensor.to(device)
        counts = [v for k, v in state.items() if k.endswith(("steps", "frames"))]
        if any((count < 0).any() for count in counts):
            raise ValueError(f"Invalid step count of {key!r} in the file.")
        stream._add([key], state)
    return stream


def _take_tensor(tensors, key, used):
    if key not in tensors:
        raise ValueError(f"Missing tensor {key!r} in the file.")
    used.add(key)
    return tensors[key]


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
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
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
    if name == "SequenceStream":
        return _decode_stream(entry, tensors, used)
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
    names = cls._get_param_names()
    _check_keys(params, (), names)  # extra keys are refused
    missing = sorted(set(names) - set(params))
    if missing:
        warnings.warn(
            f"The file has no value for the parameters {missing} of {name} (it "
            "was saved by an older version): they take their defaults.",
            UserWarning,
            stacklevel=3,
        )
    obj = cls(**params)
    obj._validate_params()
    if "fitted" in entry:
        older = _older_fitted(name, entry["fitted"], params)
        _check_keys(entry["fitted"], FITTED[name] - set(older), OPTIONAL)
        for key, value in entry["fitted"].items():
            setattr(obj, key, _decode(value, tensors, used))
        for key, derive in older.items():
            setattr(obj, key, derive(obj))
        check_fitted_schema(obj)
        if isinstance(obj, BaseRNN):
            _check_keys(entry, {"class", "params", "fitted", "net"})
            _restore_net(obj, entry["net"], tensors, used)
    return obj


def _older_fitted(name, fitted, params):
    """The fitted attributes a file of an earlier version lacks, and how to derive
    each from what it holds."""
    if name == "SequenceScaler" and "per_sequence_" not in fitted:
        # per_sequence was first a bool (0.2 had none: its scaling was global);
        # a file saying 'auto' must have recorded its choice.
        by_sequence = params.get("per_sequence", False)
        if isinstance(by_sequence, bool):
            return {"per_sequence_": lambda obj: obj._read_mask() & by_sequence}
    if name == "SequenceOutlierFilter" and "scale_floor_" not in fitted:
        # Files saved before the floor: a neighbourhood's deviation had none.
        if params.get("method", "hampel") == "hampel":
            return {"scale_floor_": lambda obj: np.where(obj._read_mask(), 0.0, np.nan)}
        return {"scale_floor_": lambda obj: None}
    older = {}
    if issubclass(CLASSES[name], BaseRNN):
        if "_front_end_pools" not in fitted:
            # Before 0.3 a downsampling front-end's first convolution read the
            # input at its stride, where it now reads block means.
            older["_front_end_pools"] = lambda obj: False
        # Before conv_filters='auto' the parameter was the network's own; a
        # file saying 'auto' must have recorded its choice.
        if "conv_filters_" not in fitted and params.get("conv_filters") != "auto":
            older["conv_filters_"] = lambda obj: obj._conv_filters()
    return older


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
        return _take_tensor(tensors, value["array"], used).numpy().copy()
    if set(value) == {"values", "dtype"}:
        return np.array(value["values"], dtype=_json_dtype(value["dtype"]))
    raise ValueError(f"Unexpected value in the file: {sorted(value)}.")


def check_fitted_schema(obj):
    """Refuse fitted attributes of the wrong type, dimensions or shape."""
    a = vars(obj)
    channels = _integer(a, "n_channels_in_", 1)
    features = _integer(a, "n_features_in_", 1)
    _check(a, "_fitted_on_2d", isinstance(a["_fitted_on_2d"], bool), "a bool")
    if (a["_fitted_on_2d"] and channels != 1) or (
        not a["_fitted_on_2d"] and features != channels
    ):
        raise ValueError("Invalid fitted attribute n_features_in_ in the file.")
    if "feature_names_in_" in a:
        _array(a, "feature_names_in_", "OU", (features,))
    if isinstance(obj, BaseRNN):
        _check_rnn_schema(obj, a, channels)
    elif "maxlen_" in a:
        _integer(a, "maxlen_", 1)
    else:
        nullable = ("lower_", "upper_", "scale_floor_")
        for key in ("statistics_", "center_", "scale_") + nullable:
            if key in a and (a[key] is not None or key not in nullable):
                _array(a, key, "f", (channels,))
        if "n_outliers_" in a:
            _array(a, "n_outliers_", "iu", (channels,))
        if "per_sequence_" in a:
            _array(a, "per_sequence_", "b", (channels,))


def _check_rnn_schema(obj, a, channels):
    outputs = _integer(a, "n_outputs_", 1)
    chosen = obj._conv_filters()
    allowed = (AUTO_CONV_FILTERS, ()) if chosen == "auto" else (chosen,)
    filters = a["conv_filters_"]
    ok = isinstance(filters, tuple) and filters in allowed
    _check(a, "conv_filters_", ok, " or ".join(map(str, allowed)))
    pools = a["_front_end_pools"]
    _check(a, "_front_end_pools", isinstance(pools, bool), "a bool")
    downsample = _integer(a, "downsample_", 1)
    if downsample != getattr(obj, "downsample", 1) != "auto":
        raise ValueError("Invalid fitted attribute downsample_ in the file.")
    if downsample % obj._conv_pool(filters):
        raise ValueError(
            "Invalid fitted attribute downsample_ in the file: expected a "
            "multiple of conv_pool."
        )
    _numbers(a, "loss_curve_", _integer(a, "n_iter_", 0))
    _check(a, "_rng", isinstance(a["_rng"], np.random.Generator), "a generator")
    _check(a, "_architecture", isinstance(a["_architecture"], dict), "a dict")
    categorical = a["_categorical_"]
    _check(
        a,
        "_categorical_",
        isinstance(categorical, tuple)
        and all(isinstance(j, Integral) and 0 <= j < channels for j in categorical),
        "a tuple of feature indices",
    )
    if a["is_categorical_"] is not None:
        _array(a, "is_categorical_", "b", (channels,))
    if "categories_" in a:
        codes = a["categories_"]
        _check(
            a,
            "categories_",
            isinstance(codes, list)
            and len(codes) == len(categorical)
            and all(isinstance(c, np.ndarray) and c.ndim == 1 for c in codes),
            "one array of codes per categorical feature",
        )
    if a.get("validation_scores_") is not None:
        _numbers(a, "validation_scores_", None)
    best = a.get("best_validation_score_")
    _check(a, "best_validation_score_", best is None or _real(best), "a number")
    if "_y_mean" in a:  # regressors
        _check(a, "_y_1d", isinstance(a["_y_1d"], bool), "a bool")
        _array(a, "_y_mean", "f", (outputs,))
        _array(a, "_y_scale", "f", (outputs,))
    else:
        _check(a, "_multilabel", isinstance(a["_multilabel"], bool), "a bool")
        _array(a, "classes_", "biufUO", (outputs,) if a["_multilabel"] else None)


def _check(attributes, key, ok, what):
    if not ok:
        raise ValueError(
            f"Invalid fitted attribute {key} in the file: expected {what}, got "
            f"{type(attributes[key]).__name__}."
        )


def _real(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _integer(attributes, key, low):
    value = attributes[key]
    ok = isinstance(value, Integral) and not isinstance(value, bool) and value >= low
    _check(attributes, key, ok, f"an integer >= {low}")
    return value


def _numbers(attributes, key, length):
    value = attributes[key]
    ok = isinstance(value, list) and all(_real(v) for v in value)
    _check(attributes, key, ok and length in (None, len(value)), "a list of numbers")


def _array(attributes, key, kinds, shape):
    value = attributes[key]
    ok = isinstance(value, np.ndarray) and value.dtype.kind in kinds
    ok = ok and (value.ndim == 1 and len(value) >= 1 if shape is None else True)
    ok = ok and (shape is None or value.shape == shape)
    _check(attributes, key, ok, f"an array of shape {shape or '(n,)'}")


def _json_dtype(text):
    try:
        dtype = np.dtype(str(text))
    except TypeError:
        raise ValueError(f"Invalid dtype {text!r} in the file.") from None
    if dtype.kind not in _JSON_DTYPES or dtype.itemsize > _MAX_ITEMSIZE:
        raise ValueError(
            f"Refused dtype {text!r} in the file: arrays stored as data have "
            f"kinds {list(_JSON_DTYPES)} and items of at most {_MAX_ITEMSIZE} "
            "bytes."
        )
    return dtype


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
    # The network of the fit, whose parameters may have been set since.
    builder = copy.copy(est)
    builder.set_params(**est._architecture)
    with torch.random.fork_rng():  # building the module draws initial weights
        net = builder._build_net(
            device, None, est.conv_filters_, first=True, incremental=False
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
    if not isinstance(entry["history"], list):
        raise ValueError("The file's history is not a list of epochs.")
    net.history = History(entry["history"])
    net.module_.eval()
    est._net = net


def _take(tensors, prefix, used):
    keys = [k for k in tensors if k.startswith(prefix)]
    used.update(keys)
    return {k[len(prefix) :]: tensors[k] for k in keys}


def _library_version():
    from .. import __version__

    return __version__
