"""The recurrent encoder: PyTorch's fused LSTM/GRU/Elman modules where they
implement the activation, else :class:`LoopRecurrence`, stepped through time."""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._export_ops import onnx_recurrence
from ._lstm_loop import lstm_layer

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "LoopRecurrence",
    "build_recurrence",
    "cell_step",
    "uses_fused_kernel",
]

CELLS = {"lstm": (nn.LSTM, 4), "gru": (nn.GRU, 3), "rnn": (nn.RNN, 1)}
ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "identity": lambda x: x,
}


def uses_fused_kernel(cell, activation):
    """Whether PyTorch's own (fused) recurrence implements this combination."""
    return activation == "tanh" or (cell == "rnn" and activation == "relu")


class LoopRecurrence(nn.Module):
    """A stack of LSTM/GRU/Elman layers with any activation, stepped through time.

    LSTM layers run in :func:`~sklearn_rnn._nn._lstm_loop.lstm_layer` (forward and
    backward written out and compiled), except under export; GRU and Elman
    layers step in Python under autograd.

    Parameters are laid out exactly as in :class:`torch.nn.LSTM` (and GRU, RNN),
    with the same gate order, so with ``activation='tanh'`` it computes what the
    fused module computes. As in Keras, ``activation`` replaces tanh on the
    candidate state (and on the cell output of an LSTM); gates stay sigmoid.
    """

    def __init__(self, cell, activation, input_size, hidden_size, num_layers, dropout):
        super().__init__()
        self.cell, self.activation = cell, activation
        self.hidden_size, self.num_layers, self.dropout = (
            hidden_size,
            num_layers,
            dropout,
        )
        self.use_autograd_steps = False
        n_gates = CELLS[cell][1]
        for layer in range(num_layers):
            fan_in = input_size if layer == 0 else hidden_size
            shapes = {
                "weight_ih": (n_gates * hidden_size, fan_in),
                "weight_hh": (n_gates * hidden_size, hidden_size),
                "bias_ih": (n_gates * hidden_size,),
                "bias_hh": (n_gates * hidden_size,),
            }
            for name, shape in shapes.items():
                self.register_parameter(
                    f"{name}_l{layer}", nn.Parameter(torch.empty(shape))
                )
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    @property
    def autograd_steps(self):
        """Whether LSTM layers step op by op under autograd: when exporting
        (the exporters trace plain ops) or when ``use_autograd_steps`` is
        set (the reference the tests check the written-out backward pass
        against)."""
        return self.use_autograd_steps or torch.jit.is_tracing()

    def forward(self, x):
        for layer in range(self.num_layers):
            if layer:
                x = F.dropout(x, self.dropout, self.training)
            if torch.onnx.is_in_onnx_export() and not self.use_autograd_steps:
                # ONNX's own LSTM/GRU/RNN operator, with a dynamic time axis.
                x = onnx_recurrence(self, x, layer)
            elif self.cell == "lstm" and not self.autograd_steps:
                w_ih, w_hh, b_ih, b_hh = self._weights(layer)
                x = lstm_layer(x, w_ih, b_ih + b_hh, w_hh, self.activation)
            else:
                x = self.python_steps(x, *self._weights(layer))
        return x

    def _weights(self, layer):
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of ``layer``."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(getattr(self, f"{name}_l{layer}") for name in names)

    def python_steps(self, x, w_ih, w_hh, b_ih, b_hh):
        """The hidden states ``(B, T, H)`` of one layer with these weights
        from its batch-first input ``x``, stepped in Python (under autograd
        when it records)."""
        act = ACTIVATIONS[self.activation]
        # The input projection of all steps is one matrix product; only the
        # hidden-to-hidden product is sequential.
        xw = F.linear(x, w_ih, b_ih).unbind(1)
        h = x.new_zeros(x.shape[0], self.hidden_size)
        c = torch.zeros_like(h)
        outputs = []
        for xw_t in xw:
            h, c = self._step(xw_t, F.linear(h, w_hh, b_hh), h, c, act)
            outputs.append(h)
        return torch.stack(outputs, 1)

    def _step(self, xw, hw, h, c, act):
        return cell_step(self.cell, xw, hw, h, c, act)


def cell_step(cell, xw, hw, h, c, act):
    """One step of a cell, PyTorch's arithmetic and gate order: ``(h, c)``
    from the input and hidden projections ``xw``, ``hw`` (biases included)
    and the previous ``h``, ``c`` (``c`` passes through but for the LSTM)."""
    if cell == "rnn":
        return act(xw + hw), c
    if cell == "lstm":
        i, f, g, o = (xw + hw).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * act(g)
        return torch.sigmoid(o) * act(c), c
    x_r, x_z, x_n = xw.chunk(3, 1)
    h_r, h_z, h_n = hw.chunk(3, 1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = act(x_n + r * h_n)
    return n + z * (h - n), c


def build_recurrence(cell, activation, input_size, hidden_size, num_layers, dropout):
    if not uses_fused_kernel(cell, activation):
        return LoopRecurrence(
            cell, activation, input_size, hidden_size, num_layers, dropout
        )
    module_class = CELLS[cell][0]
    kwargs = dict(
        num_layers=num_layers,
        dropout=dropout if num_layers > 1 else 0.0,
        batch_first=True,
    )
    if cell == "rnn":
        kwargs["nonlinearity"] = activation
    return _OutputOnly(module_class(input_size, hidden_size, **kwargs))


class _OutputOnly(nn.Module):
    """Wrap a torch recurrent module to return only its output sequence."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0]
