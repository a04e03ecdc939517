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

import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import BaseRNN
from ._module import uses_fused_kernel

__all__ = ["to_onnx"]


class _Served(nn.Module):
    """The trained module with the estimator's output mapping."""

    def __init__(self, module, scale=None, mean=None, multilabel=None, log=False):
        super().__init__()
        self.module = module
        self.multilabel = multilabel
        self.log = log  # loss='poisson': the network outputs log(mean)
        if scale is not None:
            self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.regression = scale is not None

    def forward(self, x, lengths):
        out = self.module(x, lengths)
        if self.regression:
            return (out.exp() if self.log else out) * self.scale + self.mean
        return torch.sigmoid(out) if self.multilabel else torch.softmax(out, dim=1)


def to_onnx(estimator, file, *, max_timesteps=None, opset_version=17):
    """Export a fitted ``RNNRegressor`` or ``RNNClassifier`` to ONNX.

    Parameters
    ----------
    estimator : RNNRegressor or RNNClassifier
        A fitted estimator.
    file : str, path-like or binary file object
        Where to write the ONNX model.
    max_timesteps : int, default=None
        Only for activations that step through time in Python (every
        activation but 'tanh', and 'relu' with ``cell='rnn'``): the exporter
        unrolls that loop, so the graph's time axis is fixed at this length;
        pad shorter sequences with zeros to it (padding never changes a
        prediction). The fused cells get a dynamic time axis and ignore it.
    opset_version : int, default=17
        The ONNX opset.

    Notes
    -----
    The graph's inputs are ``x``, float32 ``(batch, time, n_channels_in_)``
    zero-padded after each sequence, and ``lengths``, int64 ``(batch,)``; its
    output ``y`` is ``(batch, n_outputs_)`` predictions for a regressor and
    ``(batch, n_classes)`` probabilities for a classifier. The batch axis is
    always dynamic. Needs the ``onnx`` extra: ``pip install sklearn-rnn[onnx]``.
    """
    if not isinstance(estimator, BaseRNN):
        raise TypeError(
            "to_onnx exports RNNRegressor and RNNClassifier. Got "
            f"{type(estimator).__name__} instead."
        )
    check_is_fitted(estimator)
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError(
            "to_onnx needs the onnx package: pip install sklearn-rnn[onnx] "
            "(onnx, onnxruntime, onnxscript)."
        ) from None
    fused = uses_fused_kernel(estimator.cell, estimator.activation)
    if not fused and max_timesteps is None:
        raise ValueError(
            f"activation={estimator.activation!r} with cell={estimator.cell!r} "
            "steps through time in Python, which the exporter unrolls to a fixed "
            "length: pass max_timesteps (and pad inputs with zeros to it)."
        )
    # A copy: the estimator's own module stays where and as it is.
    module = copy.deepcopy(estimator.module_).float().cpu().eval()
    if hasattr(estimator, "_y_scale"):
        served = _Served(
            module,
            estimator._y_scale,
            estimator._y_mean,
            log=estimator.loss == "poisson",
        )
    else:
        served = _Served(module, multilabel=estimator._multilabel)
    time = max_timesteps if not fused else 3
    x = torch.zeros(2, time, estimator.n_channels_in_)
    lengths = torch.tensor([time, 1])
    axes = {"x": {0: "batch"}, "lengths": {0: "batch"}, "y": {0: "batch"}}
    if fused:
        axes["x"][1] = "time"
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
