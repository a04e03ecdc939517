"""ONNX export of the stepped recurrence: each layer of a
:class:`~sklearn_rnn._nn._recurrence.LoopRecurrence` becomes ONNX's own LSTM,
GRU or RNN operator, with a dynamic time axis."""

import torch

__all__ = ["onnx_recurrence"]


# ONNX's recurrent operators: their name, where each of PyTorch's gates goes
# (ONNX orders LSTM gates i, o, f, c and GRU gates z, r, h), and their
# activations (gates, then the candidate and for the LSTM its cell output).
_ONNX_CELLS = {"lstm": ("LSTM", (0, 3, 1, 2), 2), "gru": ("GRU", (1, 0, 2), 1)}
_ONNX_CELLS["rnn"] = ("RNN", (0,), 1)
_ONNX_ACTIVATIONS = {
    "tanh": "Tanh",
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "identity": "Affine",
}


def _permute_gates(w, order):
    """The gate blocks of ``w`` (stacked along its first axis) in ``order``."""
    blocks = w.chunk(len(order), 0)
    return torch.cat([blocks[i] for i in order])


def onnx_recurrence(recurrence, x, layer):
    """``layer`` of ``recurrence`` as ONNX's LSTM, GRU or RNN operator (used
    while exporting): batch-first ``x`` in, hidden states out."""
    order = _ONNX_CELLS[recurrence.cell][1]
    w_ih, w_hh, b_ih, b_hh = recurrence._weights(layer)

    def gates(w):  # PyTorch's gate blocks in ONNX's order, one direction
        return _permute_gates(w, order).unsqueeze(0)

    bias = torch.cat([gates(b_ih), gates(b_hh)], 1)
    hidden = _OnnxRecurrence.apply(
        x.transpose(0, 1), gates(w_ih), gates(w_hh), bias, recurrence
    )
    return hidden.transpose(0, 1)


class _OnnxRecurrence(torch.autograd.Function):
    """The layer's own steps (``python_steps``), time-major, for the tracer's
    shapes; exported as one ONNX operator on the weights in ONNX's order."""

    @staticmethod
    def forward(ctx, x, w, r, bias, recurrence):
        order = _ONNX_CELLS[recurrence.cell][1]
        back = [order.index(i) for i in range(len(order))]  # ONNX -> PyTorch
        weights = [_permute_gates(m, back) for m in (w[0], r[0], *bias[0].chunk(2))]
        return recurrence.python_steps(x.transpose(0, 1), *weights).transpose(0, 1)

    @staticmethod
    def symbolic(g, x, w, r, bias, recurrence):
        name, _, n_activations = _ONNX_CELLS[recurrence.cell]
        activation = _ONNX_ACTIVATIONS[recurrence.activation]
        activations = ["Sigmoid"] * (name != "RNN") + [activation] * n_activations
        attributes = {}
        if activation == "Affine":  # identity: 1 * x + 0
            attributes = dict(
                activation_alpha_f=[1.0] * activations.count("Affine"),
                activation_beta_f=[0.0] * activations.count("Affine"),
            )
        if name == "GRU":  # PyTorch's GRU: r * (W_hn h + b_hn)
            attributes["linear_before_reset_i"] = 1
        outputs = 3 if name == "LSTM" else 2
        y = g.op(
            name,
            x,
            w,
            r,
            bias,
            activations_s=activations,
            hidden_size_i=recurrence.hidden_size,
            outputs=outputs,
            **attributes,
        )[0]
        # Y is (time, directions, batch, hidden): one direction.
        axes = g.op("Constant", value_t=torch.tensor([1], dtype=torch.int64))
        return g.op("Squeeze", y, axes)
