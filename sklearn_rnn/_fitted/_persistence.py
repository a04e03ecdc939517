"""Safe persistence: ``save`` and ``load`` without pickle.

A saved file is a zip of two members: ``model.json`` (the class of every
object, from this package's allowlist, its ``get_params()``, its fitted
attributes, the training history and the optimizer's settings, the library
and torch versions) and ``tensors.safetensors`` (the weights, the optimizer's
moments and every numeric array). Loading reads data only: it never unpickles
and never imports a name read from the file, and every mismatch (unknown
class, extra or missing keys, wrong shapes or dtypes, a truncated zip) is a
``ValueError`` that says what is wrong. What it reads is bounded before it is
read: the zip holds exactly the two members, each inflating to at most
``MAX_INFLATION`` times its compressed size (``model.json`` to at most
``MAX_JSON_BYTES``), arrays stored in the JSON come from an allowlist of dtypes
with a bounded item size, and the two tables of ``_schema.py`` state the rest:
the value a parameter had before it existed (a file saved by an older version
loads as that version behaved), and what each fitted attribute must be. A
network is compared with the file's tensors on the meta device, before
anything is allocated for it.
"""

import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.pipeline import Pipeline
from skorch.history import History

from .._estimators._base import BaseRNN
from .._estimators._classifier import RNNClassifier
from .._estimators._regressor import RNNRegressor
from .._estimators._timestep import RNNTimestepClassifier, RNNTimestepRegressor
from .._training._runtime import resolve_device
from ..forecasting._forecaster import BaseForecaster, RNNForecaster, SeasonalNaive
from ..forecasting._panel import panel_from_state, panel_state
from ..preprocessing import (
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    TimeFeatures,
)
from ._schema import (
    BEFORE,
    check_fitted_schema,
    fit_parameters,
    fitted_names,
    renamed_fitted,
)
from ._stream import SequenceStream

__all__ = ["load", "save"]

FORMAT, FORMAT_VERSION = "sklearn-rnn", 1
_MEMBERS = {"model.json", "tensors.safetensors"}
# How far a member may inflate: its compressed size times MAX_INFLATION, plus
# _SLACK for the headers of tiny files. Measured: weights and Adam moments
# deflate 1.07-2.0 to 1, a history of 200 epochs in JSON 5.6 to 1; zeros 1000
# to 1. The JSON document (parameters, fitted attributes, history: a few MB
# for a long training run) has a ceiling as well.
MAX_INFLATION, _SLACK = 16, 2**20
MAX_JSON_BYTES = 64 * 2**20
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
        RNNForecaster,
        SeasonalNaive,
    )
}
# A forecaster's fitted attributes: the integers, the regressor, and the last
# steps of the training series that predict() forecasts by default.
_FORECASTER_COUNTS = ("n_series_", "n_covariates_", "n_static_", "n_windows_")
_FORECASTER_COUNTS += ("n_calibration_series_",)
_PANEL_KEYS = {"form", "lengths", "y", "X", "static"}
_FRAME_KEYS = {"ids", "names", "column", "times", "time_lengths", "time_kind"}


def save(obj, file):
    """Save a fitted (or unfitted) estimator, transformer or pipeline.

    Parameters
    ----------
    obj : estimator, transformer, Pipeline, SequenceStream or forecaster
        An object of this package (the estimators, ``SequencePadder``,
        ``SequenceImputer``, ``SequenceScaler``, ``SequenceOutlierFilter``,
        ``TimeFeatures``), a ``Pipeline`` of them (e.g. a search's
        ``best_estimator_``), a ``SequenceStream`` with the state of its
        live sequences (str or int ids), or an ``RNNForecaster`` (whose
        regressor is one of these) or ``SeasonalNaive`` with the last steps
        of the series it forecasts.
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


def _write_zip(file, text, payload, stored=()):
    """The two members, deflated; one that deflates beyond what load accepts
    (the states of many sequences fed the same steps) is written again,
    stored as it is, so that load reads every file that save writes."""
    if not file.seekable():
        buffer = io.BytesIO()
        _write_zip(buffer, text, payload)
        file.write(buffer.getvalue())
        return
    start = file.tell()
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("model.json", text), ("tensors.safetensors", payload)):
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, kind)
        infos = zf.infolist()
    over = [i.filename for i in infos if i.file_size > _inflation_limit(i)]
    if over and not stored:
        file.seek(start)
        file.truncate()
        _write_zip(file, text, payload, stored=over)


def _inflation_limit(info):
    """The most bytes a zip member of ``info.compress_size`` may inflate to."""
    return max(_SLACK, MAX_INFLATION * info.compress_size)


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
        truncated or altered file, a member that inflates to more than
        ``MAX_INFLATION`` (16) times its compressed size plus 1 MiB, or
        ``model.json`` over ``MAX_JSON_BYTES`` (64 MiB). What ``load`` holds
        is thus bounded by the file's size: the members, 16 times it at most
        (weights deflate about 1.1 to 1), then the tensors read from them and
        the network they fit, as large again each (its weights and Adam
        moments are compared with the file's tensors before it is built).
        :func:`save` stores a member that would deflate more (the states of
        many sequences fed the same steps), so that every file it writes
        loads.
        A file saved by an older version loads as that version behaved: a
        parameter added since takes the value it had before it existed (e.g.
        ``conv_norm=None``, not today's ``'batch'``), with a ``UserWarning``.
    """
    try:
        with zipfile.ZipFile(file) as zf:
            document = json.loads(_read_member(zf, "model.json", MAX_JSON_BYTES))
            tensors = load_tensors(_read_member(zf, "tensors.safetensors", None))
    except Exception as exc:  # zipfile's, json's and safetensors' own errors
        raise ValueError(f"Not a valid sklearn-rnn file: {exc}") from None
    try:
        return _load_document(document, tensors)
    except (TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        raise ValueError(f"Not a valid sklearn-rnn file: {exc!r}") from None


def _read_member(zf, name, ceiling):
    """The member ``name`` of a zip that holds exactly ``_MEMBERS``, each once,
    read only if it declares at most ``MAX_INFLATION`` times its compressed
    size plus ``_SLACK`` (and ``ceiling``); ``zipfile`` inflates no more than
    it declares."""
    names = [info.filename for info in zf.infolist()]
    if len(names) != len(_MEMBERS) or set(names) != _MEMBERS:
        raise ValueError(f"it holds {names}, not each of {sorted(_MEMBERS)} once")
    info = zf.getinfo(name)
    limit = _inflation_limit(info)
    limit = min(limit, ceiling or limit)
    if info.file_size > limit:
        at_most = f", and at most {ceiling}" if ceiling else ""
        raise ValueError(
            f"{name} declares {info.file_size} bytes, over the limit of {limit} "
            f"({MAX_INFLATION} times its {info.compress_size} compressed bytes "
            f"plus {_SLACK}{at_most})"
        )
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
        hint = ""
        if name == "StepTransformer":
            hint = " (it wraps any transformer: use pickle or joblib)"
        elif prefix.endswith((".e", ".f")):  # a forecaster's regressor
            hint = " (as a forecaster's regressor: pickle the forecaster)"
        raise TypeError(
            f"save handles the estimators and transformers of sklearn_rnn and "
            f"Pipelines of them. Got {type(obj).__module__}.{name} instead{hint}."
        )
    if isinstance(obj, SequenceStream):
        return _encode_stream(obj, prefix, tensors)
    if isinstance(obj, BaseForecaster):
        return _encode_forecaster(obj, prefix, tensors)
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
    fitted = [k for k in vars(obj) if k in fitted_names(name)]
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


def _encode_forecaster(obj, prefix, tensors):
    """Parameters (the regressor as an object of its own), counts, the fitted
    regressor and the training series' tails."""
    params = obj.get_params(deep=False)
    if params.get("estimator") is not None:
        params["estimator"] = {
            "object": _encode_object(params["estimator"], f"{prefix}.e", tensors)
        }
    entry = {"class": type(obj).__name__, "params": {}}
    for key, value in params.items():
        entry["params"][key] = value if key == "estimator" else _encode(value)
    if not hasattr(obj, "n_series_"):
        return entry
    fitted = {k: getattr(obj, k) for k in _FORECASTER_COUNTS if hasattr(obj, k)}
    if hasattr(obj, "estimator_"):
        fitted["estimator_"] = {
            "object": _encode_object(obj.estimator_, f"{prefix}.f", tensors)
        }
        offsets = obj.interval_offsets_
        fitted["interval_offsets_"] = {  # with calibration_, which chose them
            "calibration": obj.calibration_,
            "offsets": None
            if offsets is None
            else _encode(offsets, f"{prefix}.offsets", tensors),
        }
    state = panel_state(obj._panel)
    fitted["_panel"] = {
        k: _encode(v, f"{prefix}.panel.{k}", tensors) for k, v in state.items()
    }
    entry["fitted"] = {
        k: v if isinstance(v, dict) else int(v) for k, v in fitted.items()
    }
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
    if name in ("RNNForecaster", "SeasonalNaive"):
        return _decode_forecaster(name, entry, tensors, used)
    if name == "Pipeline":
        _check_keys(entry, {"class", "verbose", "steps"})
        steps = [
            (str(step), _decode_object(sub, tensors, used))
            for step, sub in entry["steps"]
        ]
        return Pipeline(steps, verbose=bool(entry["verbose"]))
    _check_keys(entry, {"class", "params"}, {"fitted", "net"})
    obj = CLASSES[name](**_decode_params(name, entry["params"], tensors, used))
    obj._validate_params()
    if "fitted" in entry:
        fitted = entry["fitted"]
        if isinstance(fitted, dict):  # else refused just below
            fitted = renamed_fitted(fitted)
        _check_keys(fitted, (), fitted_names(name))  # extra keys refused
        for key, value in fitted.items():
            setattr(obj, key, _decode(value, tensors, used))
        check_fitted_schema(obj)
        if isinstance(obj, BaseRNN):
            _check_keys(entry, {"class", "params", "fitted", "net"})
            _restore_net(obj, entry["net"], tensors, used)
    return obj


def _decode_forecaster(name, entry, tensors, used):
    _check_keys(entry, {"class", "params"}, {"fitted"})
    params = entry["params"]
    if not isinstance(params, dict):
        raise ValueError(f"The file's parameters of {name} are not an object.")
    if params.get("estimator") is not None:  # an object of its own
        params = {
            **params,
            "estimator": _decode_wrapped(params["estimator"], tensors, used),
        }
    obj = CLASSES[name](**_decode_params(name, params, tensors, used))
    obj._validate_params()
    if "fitted" not in entry:
        return obj
    fitted = entry["fitted"]
    networks = name == "RNNForecaster"
    counts = _FORECASTER_COUNTS if networks else _FORECASTER_COUNTS[:3]
    extra = {"estimator_", "interval_offsets_"} if networks else set()
    _check_keys(fitted, {*counts, *extra, "_panel"})
    for key in counts:
        value = fitted[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"Invalid fitted attribute {key} in the file: {value!r}.")
        setattr(obj, key, value)
    if extra:
        obj.estimator_ = _decode_wrapped(fitted["estimator_"], tensors, used)
        _check_forecasting_network(obj)
        obj.interval_offsets_ = _decode_offsets(obj, fitted, tensors, used)
    panel = fitted["_panel"]
    _check_keys(panel, _PANEL_KEYS, _FRAME_KEYS | {"id_kind"})
    state = {k: _decode(v, tensors, used) for k, v in panel.items()}
    if state["form"] == "frame":  # dated ids say so ("id_kind")
        _check_keys(panel, _PANEL_KEYS | _FRAME_KEYS, {"id_kind"})
    obj._panel = panel = panel_from_state(state)
    widths = [
        (len(panel.y), obj.n_series_),
        (0 if panel.X is None else panel.X[0].shape[1], obj.n_covariates_),
        (0 if panel.static is None else panel.static.shape[1], obj.n_static_),
    ]
    if any(got != expected for got, expected in widths):
        raise ValueError(
            "The file's training series do not match its n_series_, "
            "n_covariates_ and n_static_."
        )
    # What predict() reads of each series: min_window steps (a season).
    least = getattr(obj, "seasonality", None)
    if least is None:
        least = obj._spec()["min_window"]
        if least > obj.window:
            raise ValueError("The file's min_window exceeds its window.")
    if np.any(panel.lengths < least):
        raise ValueError(
            f"The file's training series are shorter than the {least} steps its "
            "forecasts read."
        )
    return obj


def _check_forecasting_network(obj):
    """The regressor must be what the forecaster's parameters fit: a fitted
    RNNRegressor (or a Pipeline ending in one) with an output per step ahead
    (each at the forecaster's quantile levels), and, alone, its input
    channels."""
    network = obj.estimator_
    alone = not isinstance(network, Pipeline)
    network = network if alone else network[-1]
    if not isinstance(network, RNNRegressor) or not hasattr(network, "n_outputs_"):
        raise ValueError(
            "Invalid fitted attribute estimator_ in the file: expected a fitted "
            "RNNRegressor, or a Pipeline ending in one."
        )
    levels = None if obj.quantiles is None else np.asarray(obj.quantiles, dtype=float)
    quantiles = network.quantile if network.loss == "quantile" else None
    future = obj._future_columns()
    channels = 1 + obj.n_covariates_ + obj.n_static_
    channels += 0 if future is None else 1 + len(future)
    if (
        network.n_outputs_ != obj.horizon
        or (levels is None) != (quantiles is None)
        or (levels is not None and not np.array_equal(levels, quantiles))
        or (future is not None and np.any(future >= obj.n_covariates_))
        or (alone and network.n_channels_in_ != channels)
    ):
        raise ValueError(
            "The file's forecaster does not match its network: horizon, quantiles, "
            "future_covariates and the input channels must be those it was fitted "
            "with."
        )


def _decode_offsets(obj, fitted, tensors, used):
    entry = fitted["interval_offsets_"]
    _check_keys(entry, {"calibration", "offsets"})
    offsets = _decode(entry["offsets"], tensors, used)
    calibration = entry["calibration"]
    if calibration not in ("conformal", "none"):
        raise ValueError(f"Invalid fitted attribute calibration_ {calibration!r}.")
    obj.calibration_ = calibration
    if calibration == "none" and offsets is None and obj.n_calibration_series_ == 0:
        return None
    levels = np.asarray([] if obj.quantiles is None else obj.quantiles, float)
    shape = (obj.horizon, len(levels))
    if (
        calibration != "conformal"
        or not isinstance(offsets, np.ndarray)
        or offsets.dtype != np.float64
        or offsets.shape != shape
        or not np.all(np.isfinite(offsets))
        or np.any(offsets[:, np.isclose(levels, 0.5)] != 0)
        or not 2 <= obj.n_calibration_series_ <= obj.n_series_
    ):
        raise ValueError(
            f"Invalid fitted attribute interval_offsets_ in the file: expected "
            f"finite float64 offsets of shape {shape}, 0 for the median, from 2 "
            "or more of the series."
        )
    return offsets


def _decode_wrapped(value, tensors, used):
    _check_keys(value, {"object"})
    return _decode_object(value["object"], tensors, used)


def _decode_params(name, entry, tensors, used):
    """The parameters of a file; those it lacks take their value from before
    they existed, as the version that saved it had no other."""
    params = {k: _decode(v, tensors, used) for k, v in entry.items()}
    names = CLASSES[name]._get_param_names()
    _check_keys(params, (), names)  # extra keys are refused
    missing = [k for k in names if k not in params]
    unknown = [k for k in missing if k not in BEFORE]
    if unknown:
        raise ValueError(
            f"The file has no value for the parameters {unknown} of {name}, which "
            "every file of it holds: it was altered."
        )
    if missing:
        warnings.warn(
            f"The file has no value for the parameters {missing} of {name} (it "
            "was saved by an older version): they take the values they had "
            f"before they existed, {[BEFORE[k] for k in missing]}.",
            UserWarning,
            stacklevel=4,
        )
    return {**{k: BEFORE[k] for k in missing}, **params}


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
    fit = fit_parameters(est)  # the network of the fit
    module_state = _take(tensors, f"{prefix}.module.", used)
    slots = _take(tensors, f"{prefix}.optimizer.", used)
    _check_tensors(fit, est.conv_filters_, module_state, slots)
    with torch.random.fork_rng():  # building the module draws initial weights
        net = fit._build_net(
            _device(est), None, est.conv_filters_, first=True, incremental=False
        )
    try:
        net.module_.load_state_dict(module_state)
        state = {}
        for key, tensor in slots.items():
            index, slot = key.split(".", 1)
            state.setdefault(int(index), {})[slot] = tensor
        groups = [
            {k: _decode(v, tensors, used) for k, v in group.items()}
            for group in entry["optimizer"]
        ]
        if len(groups) != len(net.optimizer_.state_dict()["param_groups"]):
            raise ValueError("the optimizer's parameter groups do not match")
        net.optimizer_.load_state_dict({"state": state, "param_groups": groups})
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"The file's weights do not fit its model: {exc}") from None
    if not isinstance(entry["history"], list):
        raise ValueError("The file's history is not a list of epochs.")
    net.history = History(entry["history"])
    net.module_.eval()
    est._net = net


def _device(est):
    try:
        return resolve_device(est.device, type(est).__name__)
    except ValueError:
        warnings.warn(
            f"The model was saved for device={est.device!r}, which is not "
            "available here; it is loaded on the CPU.",
            UserWarning,
            stacklevel=5,
        )
        return torch.device("cpu")


def _check_tensors(fit, conv_filters, module_state, slots):
    """Compare the file's weights and Adam moments with the network of the
    fit's parameters, built on the meta device: shapes without memory, so
    that a file cannot make load build a network larger than its tensors."""
    # Each member holds a tensor at least per layer, convolution, embedding
    # and head: the file's count of tensors bounds the modules built here.
    parts = fit.num_layers + len(conv_filters) + len(fit._categorical_) + 1
    if fit.n_estimators * parts > len(module_state):
        raise ValueError(
            f"The file's weights do not fit its model: {len(module_state)} tensors "
            f"for {fit.n_estimators} network(s) of {parts} layers or more."
        )
    with torch.device("meta"):
        module = fit._new_module(conv_filters)
    _compare(module_state, module.state_dict(), every=True)
    expected = {}
    for index, parameter in enumerate(module.parameters()):
        expected[f"{index}.step"] = torch.zeros((), device="meta")
        expected[f"{index}.exp_avg"] = expected[f"{index}.exp_avg_sq"] = parameter
    _compare(slots, expected, every=False)  # a parameter without gradient has none
    if len(slots) != 3 * len({key.split(".")[0] for key in slots}):
        raise ValueError("The file's optimizer state lacks some Adam moments.")


def _compare(tensors, expected, every):
    missing = sorted(set(expected) - set(tensors)) if every else []
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"The file's weights do not fit its model: missing {missing}, "
            f"unexpected {unexpected}."
        )
    for key, tensor in tensors.items():
        like = expected[key]
        if tensor.shape != like.shape or tensor.dtype != like.dtype:
            raise ValueError(
                f"Tensor {key!r} has shape {tuple(tensor.shape)} and dtype "
                f"{tensor.dtype}; the model of these parameters needs "
                f"{tuple(like.shape)} and {like.dtype}."
            )


def _take(tensors, prefix, used):
    keys = [k for k in tensors if k.startswith(prefix)]
    used.update(keys)
    return {k[len(prefix) :]: tensors[k] for k in keys}


def _library_version():
    from .. import __version__

    return __version__
