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
import warnings
from functools import partial

import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import BaseRNN
from ._classifier import RNNClassifier, to_probabilities
from ._regressor import to_target_units
from ._utils import warn_user

__all__ = ["to_onnx"]


class _Served(nn.Module):
    """The trained module between the estimator's own input and output
    mappings: category codes to their indices, raw outputs to predictions."""

    def __init__(self, module, to_output, categorical=(), categories=()):
        super().__init__()
        self.module = module
        self.to_output = to_output
        self.categorical = list(categorical)
        for k, codes in enumerate(categories):
            self.register_buffer(f"codes_{k}", torch.as_tensor(codes).float())

    def forward(self, x, lengths):
        if self.categorical:
            columns = list(x.unbind(2))
            for k, j in enumerate(self.categorical):
                codes = getattr(self, f"codes_{k}")
                # Index 1..n of a known code, 0 for any other (as
                # encode_categories); a comparison with every known code,
                # which ONNX runs without a lookup operator.
                found = columns[j].unsqueeze(2) == codes
                steps = torch.arange(1, len(codes) + 1, device=x.device)
                columns[j] = (found * steps.to(x.dtype)).sum(2)
            x = torch.stack(columns, 2)
        return self.to_output(self.module(x, lengths))


def to_onnx(estimator, file, *, max_timesteps=None, opset_version=17):
    """Export a fitted recurrent estimator of sklearn-rnn to ONNX.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, RNNTimestepRegressor or \
RNNTimestepClassifier
        A fitted estimator.
    file : str, path-like or binary file object
        Where to write the ONNX model.
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
    ``(batch, n_classes)`` probabilities for a classifier; for the per-step
    estimators, one such row per real step, ``(sum(lengths), ...)``, the
    steps of the first sequence, then of the second, and so on. Categorical
    features go in as the codes given to ``predict`` (unseen codes: the
    unknown category), exact up to 2**24 in float32. The batch axis is always
    dynamic. Needs onnx, onnxruntime and onnxscript (the ``onnx`` extra:
    ``pip install -e ".[onnx]"`` from a checkout).
    """
    if not isinstance(estimator, BaseRNN):
        raise TypeError(
            "to_onnx exports the recurrent estimators of sklearn-rnn (RNNRegressor, "
            "RNNClassifier and their Timestep versions). Got "
            f"{type(estimator).__name__} instead."
        )
    check_is_fitted(estimator)
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
    if isinstance(estimator, RNNClassifier):
        to_output = partial(to_probabilities, multilabel=estimator._multilabel)
    else:  # float32 constants keep the graph's output float32
        scale, mean = (
            torch.as_tensor(a, dtype=torch.float32)
            for a in (estimator._y_scale, estimator._y_mean)
        )
        to_output = partial(
            to_target_units, loss=estimator.loss, scale=scale, mean=mean
        )
    served = _Served(
        module,
        to_output,
        estimator._categorical_,
        getattr(estimator, "categories_", ()),
    )
    x = torch.zeros(2, 3, estimator.n_channels_in_)
    lengths = torch.tensor([3, 1])
    axes = {"x": {0: "batch", 1: "time"}, "lengths": {0: "batch"}, "y": {0: "batch"}}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The exporter's deprecation and tracer notes are not the user's business.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            served,
            (x, lengths),
            buffer,
            dynamo=False,
            input_names=["x", "lengths"],
            output_names=["y"],
            dynamic_axes=axes,
            opset_version=opset_version,
        )
    data = buffer.getvalue()
    if hasattr(file, "write"):
        file.write(data)
    else:
        with open(file, "wb") as f:
            f.write(data)
