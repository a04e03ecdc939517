"""Export for serving: ``to_onnx``.

The graph takes zero-padded float32 sequences ``x`` of shape
``(batch, time, n_channels_in_)`` and the int64 ``lengths`` of shape
``(batch,)``, and returns the regressor's predictions ``(batch, n_outputs_)``
in the original units, or the classifier's probabilities ``(batch,
n_classes)``. It is built with torch's TorchScript-based exporter: torch's
newer dynamo exporter fixed the time axis of recurrent layers at the export
shape (measured with torch 2.13), which the tests of this module check for at
two other shapes.
"""

import copy
import io
import math
import warnings

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._estimators._base import BaseRNN
from .._estimators._classifier import BaseRNNClassifier
from .._nn._ensemble import Ensemble
from .._nn._real_steps import real_steps_mask
from .._warnings import warn_user
from ..preprocessing import (
    SequenceImputer,
    SequenceOutlierFilter,
    SequenceScaler,
    StepTransformer,
)
from ..preprocessing._imputer import fill_missing, missing_indicator
from ..preprocessing._scaler import scale_values, statistics
from ._stream import SequenceStream, StreamPlan, stream_head

__all__ = ["to_onnx"]


class _Scale(nn.Module):
    """A fitted ``SequenceScaler`` in the graph; the features it scales per
    sequence by each sequence's own mean and standard deviation, or minimum
    and range, over its real, observed steps."""

    def __init__(self, scaler):
        super().__init__()
        self.register_buffer("center", torch.as_tensor(scaler.center_).float())
        self.register_buffer("scale", torch.as_tensor(scaler.scale_).float())
        self.register_buffer("read", torch.as_tensor(scaler._read_mask()))
        self.register_buffer("own", torch.as_tensor(scaler.per_sequence_))
        self.per_sequence = bool(scaler.per_sequence_.any())
        self.method = scaler.method
        self.clip_value = scaler.clip_value

    def forward(self, x, mask):
        center, scale = self.center, self.scale
        if self.per_sequence:
            own_center, own_scale = self._own_statistics(x, mask)
            center = torch.where(self.own, own_center, center)
            scale = torch.where(self.own, own_scale, scale)
        scaled = scale_values(x, center, scale, self.clip_value)
        return torch.where(self.read, scaled, x)  # features not read pass

    def _own_statistics(self, x, mask):
        """``(B, 1, F)`` centers and scales of each sequence: ``transform``'s
        own function, in float64 as there, on the real steps."""
        real = torch.where(mask[:, :, None], x.double(), math.nan)
        center, scale = statistics(real, self.method, 1)
        return center.float().unsqueeze(1), scale.float().unsqueeze(1)


class _Impute(nn.Module):
    """A fitted ``SequenceImputer`` in the graph."""

    def __init__(self, imputer):
        super().__init__()
        self.register_buffer("stats", torch.as_tensor(imputer.statistics_).float())
        self.register_buffer("read", torch.as_tensor(imputer._read_columns()))
        self.strategy = imputer.strategy
        self.add_indicator = imputer.add_indicator

    def forward(self, x, mask):
        filled = fill_missing(x, mask, self.strategy, self.stats, self.read)
        if self.add_indicator:
            indicator = missing_indicator(x, mask, self.read)
            filled = torch.cat([filled, indicator], dim=2)
        return filled


_TRANSFORMERS = {SequenceScaler: _Scale, SequenceImputer: _Impute}


def _preprocessing(pipeline):
    """``(modules for the transformers, the graph's input width or None,
    the final estimator)`` of a Pipeline."""
    *steps, (_, final) = pipeline.steps
    modules, width = [], None
    for name, step in steps:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if type(step) not in _TRANSFORMERS:
            raise TypeError(
                f"to_onnx exports pipelines whose steps before the estimator are "
                f"SequenceImputer or SequenceScaler; step {name!r} is "
                f"{type(step).__name__}. Apply it before the graph, or export "
                "the estimator alone."
            )
        check_is_fitted(step)
        if getattr(step, "per_sequence_", np.zeros(0, bool)).any() and (
            step.method == "robust"
        ):
            raise TypeError(
                f"to_onnx does not export a SequenceScaler(method='robust') that "
                f"scales each sequence by its own median and quartiles (step "
                f"{name!r}: per_sequence={step.per_sequence!r} chose features "
                f"{np.flatnonzero(step.per_sequence_).tolist()}): use method="
                "'standard' or 'minmax', set per_sequence=False, or export the "
                "estimator alone."
            )
        modules.append(_TRANSFORMERS[type(step)](step))
        width = width or step.n_channels_in_
    return modules, width, final


class _Codes(nn.Module):
    """Category codes to their indices (1..n of a known code, 0 for any other,
    as ``encode_categories``), by a comparison with every known code, which
    ONNX runs without a lookup operator."""

    def __init__(self, categorical, categories):
        super().__init__()
        self.categorical = list(categorical)
        for k, codes in enumerate(categories):
            self.register_buffer(f"codes_{k}", torch.as_tensor(codes).float())

    def forward(self, x):
        if not self.categorical:
            return x
        columns = list(x.unbind(2))
        for k, j in enumerate(self.categorical):
            codes = getattr(self, f"codes_{k}")
            found = columns[j].unsqueeze(2) == codes
            steps = torch.arange(1, len(codes) + 1, device=x.device)
            columns[j] = (found * steps.to(x.dtype)).sum(2)
        return torch.stack(columns, 2)


class _Served(nn.Module):
    """The trained module between the estimator's own input and output
    mappings: the pipeline's transformers and category codes to their
    indices before it, raw outputs to predictions after it."""

    def __init__(self, module, to_output, codes, preprocessing=()):
        super().__init__()
        self.module = module
        self.to_output = to_output
        self.preprocessing = nn.ModuleList(preprocessing)
        self.codes = codes

    def forward(self, x, lengths):
        if len(self.preprocessing):
            mask = real_steps_mask(x, lengths)
            for step in self.preprocessing:
                x = step(x, mask)
            x = torch.where(mask[:, :, None], x, 0.0)  # zero padding again
        return self.to_output(self.module(self.codes(x), lengths))


class _StreamStep(nn.Module):
    """One step of :class:`~sklearn_rnn.SequenceStream` as a graph: the
    stream's own ``StreamPlan.restart``, ``StreamPlan.step`` and head, traced.
    The next step ``x`` ``(B, d)`` and the state ``(hidden, pool, count)`` in,
    the prediction and the new state out; a row whose ``count`` is 0 starts
    from the fresh state, whatever ``hidden`` and ``pool`` hold."""

    def __init__(self, module, to_output, codes, width):
        super().__init__()
        self.module = module
        self.to_output = to_output
        self.codes = codes
        with torch.no_grad():  # the shape and dtype of a step, not a weight
            like = module.embed(torch.zeros(0, 1, width))
        self.plan = StreamPlan(module, like)

    def forward(self, x, hidden, pool, count, tail=None):
        x = self.module.embed(self.codes(x.unsqueeze(1)))[:, 0]
        # Without a front-end every step is a frame: steps and frames agree.
        given = {"hidden": hidden, "pool": pool, "steps": count, "frames": count}
        if tail is not None:  # the highway's last input steps
            given["tail"] = tail
        state = self.plan.restart(given, count == 0)
        self.plan.step(state, x, torch.ones_like(count, dtype=torch.bool))
        raw = stream_head(self.module, state)
        out = (self.to_output(raw), state["hidden"], state["pool"], state["steps"])
        return out if tail is None else (*out, state["tail"])


# The transformers that give a step alone what they give it within its
# sequence, so that a served stream can apply them before the stateful graph.
_STEP_WISE = (
    "SequenceScaler with the training set's statistics (per_sequence=False), "
    "SequenceImputer(strategy='mean', 'median' or 'constant'), "
    "SequenceOutlierFilter(method='iqr') and StepTransformer"
)


def _stateful_pipeline_message(pipeline):
    """Why ``to_onnx(stateful=True)`` refuses ``pipeline``, which of its
    transformers a server may apply to each new step, and which not."""
    refused = [
        f"step {name!r} cannot: {why}"
        for name, step in pipeline.steps[:-1]
        if (why := _needs_the_sequence(step)) is not None
    ]
    message = (
        "to_onnx(stateful=True) exports one estimator, not a pipeline: export "
        "pipeline[-1] and transform each new step before the graph, with "
        f"transformers that read one step at a time: {_STEP_WISE}."
    )
    if refused:
        message += (
            " In this pipeline, "
            + "; ".join(refused)
            + ". Refit the model without them, or with the settings above, to "
            "serve it step by step."
        )
    return message


def _needs_the_sequence(step):
    """Why a step alone would not be transformed as within its sequence, or
    None where it would."""
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return None
    if isinstance(step, SequenceScaler):
        chosen = getattr(step, "per_sequence_", None)  # unfitted: 'auto' may
        own = step.per_sequence is not False if chosen is None else chosen.any()
        if own:
            return "it scales each sequence by its own statistics (a lone step is 0)"
        return None
    if isinstance(step, SequenceImputer):
        if step.strategy in ("mean", "median", "constant"):
            return None
        return f"strategy={step.strategy!r} fills a value from the other steps"
    if isinstance(step, StepTransformer):
        return None
    if isinstance(step, SequenceOutlierFilter) and step.method == "iqr":
        return None
    return f"{type(step).__name__} reads the steps around each step"


def to_onnx(estimator, file, *, stateful=False, max_timesteps=None, opset_version=17):
    """Export a fitted recurrent estimator of sklearn-rnn to ONNX.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, RNNTimestepRegressor, \
RNNTimestepClassifier or Pipeline
        A fitted estimator, or a fitted ``Pipeline`` of ``SequenceImputer`` and
        ``SequenceScaler`` steps ending with one: the transformers then run
        inside the graph, which takes the raw sequences (NaN where a value is
        missing).
    file : str, path-like or binary file object
        Where to write the ONNX model.
    stateful : bool, default=False
        Export one step of :class:`~sklearn_rnn.SequenceStream` instead: the
        graph takes the next step ``x``, float32 ``(batch, n_features)``, and
        the state of each sequence, ``hidden`` float32 ``(num_layers, 2,
        batch, hidden_size)``, ``pool`` float32 ``(3, batch, hidden_size)``
        and ``count`` int64 ``(batch,)`` (0 starts a new sequence: its
        ``hidden`` and ``pool`` are not read, so a slot is recycled by zeroing
        its count), and returns ``y`` for the sequences as they now stand (per
        step: for the new step) with the new state, ``hidden_out``,
        ``pool_out`` and ``count_out``, to feed back with the next step. A
        model with a highway (``highway``, or the regressor's linear blend,
        ``linear_steps_``) also takes and returns its last input steps,
        ``tail`` float32 ``(batch, k, width)`` and ``tail_out`` (``width``:
        ``n_features``, categorical features counted by their embeddings'
        widths; with ``count`` 0 it is not read). The
        graph is ``SequenceStream``'s own step, traced. Not for pipelines
        (the error says which of their transformers a server may apply to
        each new step first), nor for the models ``SequenceStream`` refuses.
    max_timesteps : int, default=None
        Deprecated and ignored: every cell and activation now exports with a
        dynamic time axis (as ONNX's own LSTM, GRU or RNN operator, whose
        ``activations`` attribute takes Relu, Sigmoid and Affine).
    opset_version : int, default=17
        The ONNX opset.

    Notes
    -----
    The graph's inputs are ``x``, float32 ``(batch, time, n_channels_in_)``
    zero-padded after each sequence, and ``lengths``, int64 ``(batch,)``; its
    output ``y`` is ``(batch, n_outputs_)`` predictions for a regressor and
    ``(batch, n_classes)`` probabilities for a classifier, which also has a
    second output ``label``: ``predict``'s classes (strings too), or 0/1
    indicator rows for multilabel targets; for the per-step
    estimators, one such row per real step, ``(sum(lengths), ...)``, the
    steps of the first sequence, then of the second, and so on. Categorical
    features go in as the codes given to ``predict`` (unseen codes: the
    unknown category), exact up to 2**24 in float32. The batch axis is always
    dynamic. Needs onnx, onnxruntime and onnxscript (the ``onnx`` extra:
    ``pip install -e ".[onnx]"`` from a checkout).
    """
    preprocessing, width = [], None
    if isinstance(estimator, Pipeline):
        if stateful:
            raise TypeError(_stateful_pipeline_message(estimator))
        preprocessing, width, estimator = _preprocessing(estimator)
    if not isinstance(estimator, BaseRNN):
        raise TypeError(
            "to_onnx exports the recurrent estimators of sklearn-rnn (RNNRegressor, "
            "RNNClassifier and their Timestep versions). Got "
            f"{type(estimator).__name__} instead."
        )
    check_is_fitted(estimator)
    if stateful:
        SequenceStream(estimator)  # refuses what cannot be streamed, saying why
        module = estimator.module_
        if isinstance(module, Ensemble):
            raise ValueError(
                "to_onnx(stateful=True) exports the step of one network; this "
                f"model averages n_estimators={len(module.members)}. Export it "
                "with stateful=False (whole sequences), stream it in Python "
                "with SequenceStream, or fit it with n_estimators=1."
            )
        if module.front_end is not None or module.branch:
            raise ValueError(
                "to_onnx(stateful=True) does not export the convolutions or "
                "the downsampling beside the recurrence yet (SequenceStream "
                "streams them): fit with conv_filters=0 and downsample=1 to "
                "export."
            )
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError(
            "to_onnx needs the onnx package: pip install onnx onnxruntime "
            "onnxscript (the onnx extra of sklearn-rnn)."
        ) from None
    if max_timesteps is not None:
        warn_user(
            "max_timesteps is deprecated and ignored: every activation now "
            "exports with a dynamic time axis. Remove the argument.",
            FutureWarning,
        )
    # A copy: the estimator's own module stays where and as it is.
    module = copy.deepcopy(estimator.module_).float().cpu().eval()
    # What predict reads of the raw outputs, traced from the estimator's own
    # map (its constants take the float32 of the outputs).
    to_output = estimator._output_map.predict
    codes = _Codes(estimator._categorical_, getattr(estimator, "categories_", ()))
    width = width or estimator.n_channels_in_
    if stateful:
        served = _StreamStep(module, to_output, codes, width)
        layers = served.plan.layers
        inputs = (
            torch.zeros(2, width),
            torch.zeros(layers.layers, 2, 2, layers.size),
            torch.zeros(3, 2, layers.size),
            torch.zeros(2, dtype=torch.long),
        )
        names = ["x", "hidden", "pool", "count"]
        outputs = ["y", "hidden_out", "pool_out", "count_out"]
        where = {"x": 0, "hidden": 2, "pool": 1, "count": 0, "y": 0}
        where.update({"hidden_out": 2, "pool_out": 1, "count_out": 0})
        if module.highway is not None:
            inputs += (torch.zeros(2, served.plan.keep, served.plan.width),)
            names.append("tail")
            outputs.append("tail_out")
            where.update({"tail": 0, "tail_out": 0})
        axes = {name: {axis: "batch"} for name, axis in where.items()}
    else:
        served = _Served(module, to_output, codes, preprocessing)
        inputs = (torch.zeros(2, 3, width), torch.tensor([3, 1]))
        names, outputs = ["x", "lengths"], ["y"]
        rows = (
            "batch" if module.one_per_sequence else "steps"
        )  # else one row per real step
        axes = {"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, "y": {0: rows}}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The exporter's deprecation and tracer notes are not the user's business.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            served,
            inputs,
            buffer,
            dynamo=False,
            input_names=names,
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=opset_version,
        )
    data = buffer.getvalue()
    if isinstance(estimator, BaseRNNClassifier):
        data = _with_labels(data, estimator)
    if hasattr(file, "write"):
        file.write(data)
    else:
        with open(file, "wb") as f:
            f.write(data)


def _with_labels(data, estimator):
    """The classifier's graph with a second output ``label``: the predicted
    class of each row (``classes_[index]``, strings included), or for
    multilabel targets the 0/1 indicator row, as ``predict`` returns them:
    the index comes from the output map's ``label_index``, traced."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load_from_string(data)
    graph = model.graph
    output_map = estimator._output_map
    index = "label" if estimator._multilabel else "index"
    _append_traced(model, output_map.label_index, "y", index)
    if estimator._multilabel:
        label_type = TensorProto.INT64
    else:
        classes = np.asarray(estimator.classes_)
        if classes.dtype.kind in "OUS":
            classes = classes.astype(str).astype(object)
            label_type = TensorProto.STRING
        else:
            classes = classes.astype(
                np.int64 if classes.dtype.kind in "biu" else np.float64
            )
            label_type = helper.np_dtype_to_tensor_dtype(classes.dtype)
        graph.initializer.append(numpy_helper.from_array(classes, "classes"))
        graph.node.append(
            helper.make_node("Gather", ["classes", "index"], ["label"], axis=0)
        )
    rows = graph.output[0].type.tensor_type.shape.dim[0]  # y's (per step: steps)
    rows = rows.dim_param or rows.dim_value or None
    shape = [rows] + ([len(estimator.classes_)] if estimator._multilabel else [])
    graph.output.append(helper.make_tensor_value_info("label", label_type, shape))
    onnx.checker.check_model(model)
    return model.SerializeToString()


class _Function(nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)


def _append_traced(model, function, source, target):
    """Append to ``model``'s graph the nodes of torch ``function`` traced,
    reading the graph's value ``source`` (a float32 ``(rows, columns)``) and
    writing the value ``target``; its other names are prefixed, so that they
    cannot clash with the graph's."""
    import onnx

    value = next(v for v in model.graph.output if v.name == source)
    columns = value.type.tensor_type.shape.dim[1].dim_value or 2
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Function(function),
            (torch.rand(2, columns),),
            buffer,
            dynamo=False,
            input_names=[source],
            output_names=[target],
            dynamic_axes={source: {0: "rows"}, target: {0: "rows"}},
            opset_version=model.opset_import[0].version,
        )
    part = onnx.load_from_string(buffer.getvalue()).graph
    keep = {source, target}

    def renamed(name):
        return name if name in keep or not name else f"{target}/{name}"

    for node in part.node:
        node.name = renamed(node.name or node.op_type)
        node.input[:] = [renamed(n) for n in node.input]
        node.output[:] = [renamed(n) for n in node.output]
    for tensor in part.initializer:
        tensor.name = renamed(tensor.name)
    model.graph.initializer.extend(part.initializer)
    model.graph.node.extend(part.node)
