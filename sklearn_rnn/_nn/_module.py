"""The torch module: front-end, recurrent encoder, pooling over real steps, head.

Batches arrive right-padded with zeros, with the true length of every
sequence. A unidirectional recurrence is causal, so its outputs up to a
sequence's last real step do not depend on the padding after it: we run the
padded batch through PyTorch's fused kernels and read those steps only (the
last one, or their mean, maximum or attention-weighted sum), which gives
exactly the unpadded result and is several times faster on CPU than packing.
The backward direction of a bidirectional layer reads each sequence reversed
*within its own length*, so padding stays at the end there too. The optional
front-end (downsampling, convolutions) is causal as well and maps the lengths.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._lstm_loop import lstm_layer
from ._output_map import legacy_map

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "POOLING",
    "CategoricalEmbedding",
    "FrontEnd",
    "RecurrentNet",
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


def keras_initialise(module):
    """Keras' initialisation of every recurrent layer and linear map in
    ``module``: Glorot-uniform input weights, orthogonal recurrent weights
    (one orthogonal matrix over all gates' blocks together, as Keras' recurrent
    kernel, not one per gate), zero biases
    and, for LSTMs, a forget-gate bias of 1 (``unit_forget_bias``)."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        if not isinstance(layer, (nn.RNNBase, LoopRecurrence)):
            continue
        lstm = isinstance(layer, nn.LSTM) or getattr(layer, "cell", "") == "lstm"
        for name, p in layer.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(p)
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(p)
            elif name.startswith("bias"):
                nn.init.zeros_(p)
                if lstm and name.startswith("bias_ih"):
                    hidden = p.shape[0] // 4
                    with torch.no_grad():
                        p[hidden : 2 * hidden] = 1.0  # gates i, f, g, o


def _recurrence(cell, activation, input_size, hidden_size, num_layers, dropout):
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


def real_steps_mask(x, lengths):
    """``(B, T)`` bool: True on each sequence's real steps of ``x`` ``(B, T, ...)``."""
    return torch.arange(x.shape[1], device=x.device) < lengths[:, None]


def reverse_within_length(x, lengths):
    """Reverse each sequence's first ``length`` steps; padding stays in place.

    Applying it twice gives back ``x``.
    """
    steps = torch.arange(x.shape[1], device=x.device)
    last = (lengths - 1).unsqueeze(1)
    index = torch.where(steps < lengths.unsqueeze(1), last - steps, steps)
    return x.gather(1, index.unsqueeze(2).expand(-1, -1, x.shape[2]))


def last_steps(outputs, lengths):
    """``outputs`` ``(B, T, ...)`` at each sequence's last real step.

    When every sequence of a CPU batch fills it (fixed-length data), a slice:
    its backward pass costs a third of indexing's, which was most of what a
    small LSTM's training step cost beyond a hand-written loop's. Not while
    tracing for export (the check would be frozen into the graph) nor on
    other devices (the check would wait for the device).
    """
    if (
        lengths.device.type == "cpu"
        and not torch.jit.is_tracing()
        and int(lengths.min()) == outputs.shape[1]
    ):
        return outputs[:, -1]
    return outputs[torch.arange(outputs.shape[0], device=outputs.device), lengths - 1]


POOLING = ("last", "mean", "max", "attention")


def mean_steps(outputs, lengths):
    """The mean of ``outputs`` over each sequence's real steps, read from a
    cumulative sum at its last one (the same whatever the batch's padding)."""
    total = last_steps(outputs.cumsum(1), lengths)
    return total / lengths.unsqueeze(1).to(outputs.dtype)


class FrontEnd(nn.Module):
    """Causal downsampling and 1D convolutions before the recurrence.

    With ``stride`` ``s``, output step ``j`` ends at input step
    ``j * s + s - 1``, so a sequence of length ``L`` has ``ceil(L / s)``
    output steps. Without ``filters`` each is the mean of its block of ``s``
    steps. With them, the convolutions read blocks of ``b = s / pool`` steps
    and each output step is the maximum of ``pool`` consecutive outputs of
    the last convolution (``pool`` must divide ``s``; 1: none). Blocks no
    wider than ``kernel_size`` are averaged and the convolutions read the
    block means at stride 1 (each then sees ``kernel_size`` blocks); wider
    blocks, or any with ``pool_first=False`` (models fitted before 0.3), are
    read by a first convolution at stride ``b``, ``max(kernel_size, b)``
    steps wide, which learns what to keep of each step of its block. Every
    layer sees only the current and earlier steps (zeros are padded on the
    left), ReLU after each convolution. The input is zero-extended to a
    multiple of the stride, so the output of a sequence never depends on the
    padding of its batch.
    """

    def __init__(
        self,
        input_size,
        filters,
        kernel_size,
        stride,
        norm=False,
        pool_first=True,
        pool=1,
    ):
        super().__init__()
        self.stride = stride
        self.pool = pool if filters else 1
        self.block = block = stride // self.pool
        # Without filters the blocks are only averaged, in every version.
        self.pool_first = (
            not filters or block == 1 or (pool_first and block <= kernel_size)
        )
        first = kernel_size if self.pool_first else max(kernel_size, block)
        self.kernel_sizes = [first] + [kernel_size] * (len(filters) - 1)
        sizes = [input_size, *filters]
        # No bias before a normalisation, which subtracts it again: its
        # gradient would be rounding noise, which Adam scales up to full steps.
        strides = [1 if self.pool_first else block] + [1] * (len(filters) - 1)
        self.layers = nn.ModuleList(
            nn.Conv1d(a, b, k, stride=t, bias=not norm)
            for a, b, k, t in zip(sizes, sizes[1:], self.kernel_sizes, strides)
        )
        self.norms = (
            nn.ModuleList(MaskedBatchNorm(b) for b in filters) if norm else None
        )

    def forward(self, x, lengths, weight=None):
        x = x.transpose(1, 2)  # (batch, channels, time)
        x = F.pad(x, (0, -x.shape[2] % self.stride))
        if self.pool_first and self.block > 1:
            x = F.avg_pool1d(x, self.block)
        blocks = _ceil_div(lengths, self.block)
        for i, (conv, k) in enumerate(zip(self.layers, self.kernel_sizes)):
            # Left padding k - t at stride t: output j ends at input j * t + t - 1.
            x = F.pad(x, (k - conv.stride[0], 0))
            x = conv(x)
            if self.norms is not None:
                x = self.norms[i](x, blocks, weight)
            x = torch.relu(x)
        if self.pool > 1:  # the input was extended to whole groups of blocks
            x = F.max_pool1d(x, self.pool)
        return x.transpose(1, 2), _ceil_div(lengths, self.stride)


def _ceil_div(lengths, size):
    return torch.div(lengths + size - 1, size, rounding_mode="floor")


class MaskedBatchNorm(nn.Module):
    """Batch normalisation of ``(batch, channels, time)`` over real steps only.

    In training, each channel is standardised by the mean and variance of the
    batch's real steps (the first ``lengths[i]`` of sequence ``i``), so padding
    changes neither the statistics nor the running estimates that prediction
    uses. With ``weight`` (one per sequence, or ``(batch, time)`` per step,
    0 on padding) each step counts by its sample weight, so that a sample of
    weight 0 changes nothing, as if it were absent; only their ratios count,
    not their scale, which ``partial_fit`` keeps. Per-sequence sums are read
    from cumulative sums at the last real step, which round the same whatever
    the batch's padding.
    """

    def __init__(self, channels, momentum=0.1, eps=1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x, lengths, weight=None):
        if self.training:
            steps = x.transpose(1, 2)  # (batch, time, channels)
            count = self._total(torch.ones_like(steps[:, :, :1]), lengths, weight)
            # A batch whose weights are all 0 teaches nothing, its statistics
            # included: the running estimates stay (no division by zero).
            seen = count > 0
            count = torch.where(seen, count, torch.ones_like(count))
            mean = self._total(steps, lengths, weight) / count
            var = self._total((steps - mean).square(), lengths, weight) / count
            with torch.no_grad():
                n = self._effective_steps(steps, lengths, weight, count)
                unbiased = var * n / (n - 1).clamp(min=1)
                step = self.momentum * seen.to(x.dtype)
                self.running_mean.lerp_(mean, step)
                self.running_var.lerp_(unbiased, step)
        else:
            mean, var = self.running_mean, self.running_var
        scale = self.weight * torch.rsqrt(var + self.eps)
        return x * scale[:, None] + (self.bias - mean * scale)[:, None]

    @classmethod
    def _effective_steps(cls, steps, lengths, weight, count):
        """Kish's effective number of steps, ``(sum w)^2 / sum w^2``.

        The weighted variance is too small by ``1 - sum w^2 / (sum w)^2`` on
        average, which this number undoes as ``n / (n - 1)``. It is the number
        of real steps where the weights are equal and ignores their scale,
        which ``partial_fit`` keeps: the sum of the weights, counted as the
        number of steps, left the running variance 5x too small at weights
        of 0.001. The weights are divided by their largest first, so that
        their squares neither underflow nor overflow.
        """
        if weight is None:
            return count
        relative = weight / weight.amax().clamp(min=torch.finfo(weight.dtype).tiny)
        ones = torch.ones_like(steps[:, :, :1])
        total = cls._total(ones, lengths, relative)
        squares = cls._total(ones, lengths, relative.square())
        return total.square() / squares.clamp(min=torch.finfo(weight.dtype).tiny)

    @staticmethod
    def _total(steps, lengths, weight):
        """The (weighted) sum of ``steps`` ``(B, T, C)`` over real steps."""
        if weight is not None and weight.ndim == 2:
            steps = steps * weight[:, : steps.shape[1], None]
        per_sequence = last_steps(steps.cumsum(1), lengths)
        if weight is not None and weight.ndim == 1:
            per_sequence = per_sequence * weight[:, None]
        return per_sequence.sum(0)


class CategoricalEmbedding(nn.Module):
    """Replace the columns that hold category indices by learned embeddings.

    ``x`` holds, in the ``categorical`` columns, indices ``1..n`` of the
    categories seen in training and 0 for any other code (the estimators map
    the user's codes to them); index 0 is a fixed zero vector. The output is
    the numeric columns followed by each embedding, ``output_size`` wide.
    """

    def __init__(self, n_features, categorical, n_categories, dims):
        super().__init__()
        numeric = [j for j in range(n_features) if j not in set(categorical)]
        for name, columns in (("numeric", numeric), ("categorical", categorical)):
            index = torch.tensor(list(columns), dtype=torch.long)
            self.register_buffer(name, index, persistent=False)
        self.embeddings = nn.ModuleList(
            nn.Embedding(n + 1, d, padding_idx=0) for n, d in zip(n_categories, dims)
        )
        self.output_size = len(numeric) + sum(dims)

    def forward(self, x):
        codes = x.index_select(2, self.categorical).long()
        parts = [embed(codes[:, :, j]) for j, embed in enumerate(self.embeddings)]
        if len(self.numeric):
            parts.insert(0, x.index_select(2, self.numeric))
        return torch.cat(parts, 2) if len(parts) > 1 else parts[0]


class RecurrentNet(nn.Module):
    """(Embeddings +) (front-end +) recurrent encoder + pooling + linear head.

    ``forward(x, lengths)`` takes ``x`` of shape ``(batch, time, features)``,
    zero-padded after each sequence's length, and returns ``(batch, n_outputs)``.
    ``pooling`` reads the encoder's outputs at the real steps only: the last
    one ('last'; for a bidirectional layer, the backward direction's first),
    their mean, their maximum, or a softmax-weighted sum ('attention'). With
    ``pooling=None`` (``pools`` False) the head reads every real step instead and
    the output is ``(sum(lengths), n_outputs)``: the real steps of the first
    sequence, then of the second, and so on. ``categorical`` lists the input
    columns embedded by :class:`CategoricalEmbedding`. With ``highway`` ``k``,
    a linear map of the last ``k`` input steps is added to the output
    (LSTNet's autoregressive path), at the last real step or at every step.
    """

    def __init__(
        self,
        *,
        cell,
        input_size,
        hidden_size,
        num_layers,
        bidirectional,
        dropout,
        activation,
        n_outputs,
        pooling="last",
        conv_filters=(),
        conv_kernel_size=3,
        downsample=1,
        categorical=(),
        n_categories=(),
        embedding_dims=(),
        conv_parallel=False,
        conv_norm=False,
        highway=0,
        pool_first=True,
        conv_pool=1,
    ):
        super().__init__()
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.pools = pooling is not None
        self.embedding = None
        input_size_in = input_size
        if categorical:
            self.embedding = CategoricalEmbedding(
                input_size, categorical, n_categories, embedding_dims
            )
            input_size = input_size_in = self.embedding.output_size
        self.front_end = self.branch = None
        branch_width = 0
        # Only a batch normalisation reads the training batch's weights.
        self.reads_weight = bool(conv_norm and conv_filters)
        if conv_parallel and conv_filters:
            # Beside the recurrence (LSTM-FCN): causal convolutions over the
            # input at full resolution, their outputs joined to the encoder's.
            self.branch = FrontEnd(
                input_size, conv_filters, conv_kernel_size, 1, conv_norm
            )
            branch_width, conv_filters = conv_filters[-1], ()
        if conv_filters or downsample > 1:
            self.front_end = FrontEnd(
                input_size,
                conv_filters,
                conv_kernel_size,
                downsample,
                conv_norm,
                pool_first,
                conv_pool,
            )
            input_size = conv_filters[-1] if conv_filters else input_size
        if bidirectional:
            # One single-layer module per layer and direction: the backward
            # direction must see each sequence reversed within its own length.
            self.layers = nn.ModuleList()
            for layer in range(num_layers):
                size = input_size if layer == 0 else 2 * hidden_size
                self.layers.append(
                    nn.ModuleList(
                        _recurrence(cell, activation, size, hidden_size, 1, 0.0)
                        for _ in range(2)
                    )
                )
        else:
            self.encoder = _recurrence(
                cell, activation, input_size, hidden_size, num_layers, dropout
            )
        width = hidden_size * (2 if bidirectional else 1)
        if pooling == "attention":
            self.attention = nn.Linear(width, 1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(width + branch_width, n_outputs)
        self.highway = None
        if highway:  # LSTNet's linear path: the last `highway` input steps
            self.highway = nn.Conv1d(input_size_in, n_outputs, highway, bias=False)

    def set_dropout(self, p):
        """Change the dropout probability of every layer (weights unchanged)."""
        self.dropout.p = p
        for module in self.modules():
            if isinstance(module, LoopRecurrence):
                module.dropout = p
            elif isinstance(module, nn.RNNBase) and module.num_layers > 1:
                module.dropout = p

    def train(self, mode=True):
        # skorch sets the mode before every batch; walking the module tree
        # each time cost about 5% of a small model's training step. The whole
        # tree always changes mode together here.
        if self.training == mode:
            return self
        return super().train(mode)

    def forward(self, x, lengths, weight=None):
        """``weight``: the training batch's sample weights (one per sequence,
        or one per real step when the network does not pool), read by the
        batch normalisation only."""
        x = self.embed(x)
        if not self.reads_weight:
            weight = None
        real = None  # the real steps, where a per-step network needs them
        if not self.pools and (weight is not None or self.highway is not None):
            real = real_steps_mask(x, lengths)
        if weight is not None and not self.pools:  # per step: (batch, time)
            weight = torch.zeros(
                real.shape, dtype=x.dtype, device=x.device
            ).masked_scatter(real, weight.to(x.dtype))
        out = self._recurrent(x, lengths, weight)
        if self.highway is None:
            return out
        linear = self.linear_path(x)
        if self.pools:
            return out + last_steps(linear, lengths)
        return out + linear[real]

    def embed(self, x):
        """``x`` as the recurrent part reads it: category codes embedded."""
        return x if self.embedding is None else self.embedding(x)

    def linear_path(self, x):
        """The highway's output at every step ``(batch, time, n_outputs)``: a
        linear map of the last ``highway`` input steps (zeros before the
        start), causal as the convolutions."""
        k = self.highway.kernel_size[0]
        return self.highway(F.pad(x.transpose(1, 2), (k - 1, 0))).transpose(1, 2)

    def _recurrent(self, x, lengths, weight=None):
        """The head's outputs of the recurrent part for embedded inputs ``x``."""
        beside = None
        if self.branch is not None:
            beside = self.branch(x, lengths, weight)[0]
            if self.pools:  # the mean over the real steps
                beside = mean_steps(beside, lengths)
        if self.front_end is not None:
            x, lengths = self.front_end(x, lengths, weight)
        outputs, directions = self._encode(x, lengths)
        if self.pooling == "last":
            if directions is None:
                return self._head(last_steps(outputs, lengths), beside)
            ahead, behind = directions
            features = torch.cat([last_steps(ahead, lengths), behind[:, 0]], 1)
            return self._head(features, beside)
        if not self.pools:
            # The head runs on every step, padding too: a matrix product over
            # all rows of the batch rounds each row as any other batch would.
            real = real_steps_mask(outputs, lengths)
            return self._head(outputs, beside)[real]
        return self._head(self._pool(outputs, lengths), beside)

    def _encode(self, x, lengths):
        """The top layer's outputs ``(B, T, H)`` (both directions side by side
        when bidirectional), and for a bidirectional network the top layer's
        ``(ahead, behind)`` (else None)."""
        if not self.bidirectional:
            return self.encoder(x), None
        for i, (forward_rnn, backward_rnn) in enumerate(self.layers):
            if i:
                x = self.dropout(x)
            ahead = forward_rnn(x)
            behind = reverse_within_length(
                backward_rnn(reverse_within_length(x, lengths)), lengths
            )
            x = torch.cat([ahead, behind], 2)
        return x, (ahead, behind)

    def attention_weights(self, x, lengths):
        """``pooling='attention'``'s weights ``(B, T')`` over the steps the
        recurrence reads (after any downsampling), 0 on padding, summing to 1,
        and those steps' lengths."""
        x = self.embed(x)
        if self.front_end is not None:
            x, lengths = self.front_end(x, lengths)
        outputs, _ = self._encode(x, lengths)
        weights = self._attention(outputs, lengths)[:, :, 0]
        return weights / last_steps(weights.cumsum(1), lengths).unsqueeze(1), lengths

    def _attention(self, outputs, lengths):
        """Unnormalised attention weights ``(B, T, 1)``, 0 on padding."""
        real = real_steps_mask(outputs, lengths)
        scores = self.attention(outputs).masked_fill(~real.unsqueeze(2), float("-inf"))
        return torch.exp(scores - scores.amax(1, keepdim=True))

    def _head(self, features, beside):
        if beside is not None:
            features = torch.cat([features, beside], -1)
        return self.head(self.dropout(features))

    def _pool(self, outputs, lengths):
        """Mean, max or attention over the real steps of ``outputs``.

        Sums over time are read from a cumulative sum at each sequence's last
        real step: the result is then the same however many padding steps
        its batch has (a reduction over the whole time axis rounds
        differently for different lengths of that axis).
        """
        if self.pooling == "max":
            real = real_steps_mask(outputs, lengths).unsqueeze(2)
            return outputs.masked_fill(~real, float("-inf")).amax(1)
        if self.pooling == "mean":
            return mean_steps(outputs, lengths)
        # A softmax over the real steps (0 on padding, also in the gradient).
        weights = self._attention(outputs, lengths)
        total = last_steps((weights * outputs).cumsum(1), lengths)
        return total / last_steps(weights.cumsum(1), lengths)


class Ensemble(nn.Module):
    """``n`` networks of one architecture, each from its own initialisation,
    trained side by side on the same batches, each on its own loss.

    In training the output is stacked ``(n, ...)`` (the net's loss averages
    the members' losses), of the members listed in ``training_members`` (all
    when None: training stops member by member); in evaluation it is the one
    raw output whose prediction is the members' mean prediction, as the
    estimator's ``output_map`` (an
    :class:`~sklearn_rnn._nn._output_map.OutputMap`) combines them.
    """

    # The members that train (indices), None for all: a class default, so
    # that an ensemble pickled before members stopped alone trains as well.
    training_members = None
    # None in an ensemble pickled before output maps: it combines by `link`.
    output_map = None

    def __init__(self, members, output_map):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.output_map = output_map
        first = members[0]
        self.pools, self.pooling = first.pools, first.pooling

    def set_dropout(self, p):
        """Change the dropout probability of every member."""
        for member in self.members:
            member.set_dropout(p)

    @property
    def training_indices(self):
        """The indices of the members that train, in order."""
        if self.training_members is None:
            return range(len(self.members))
        return self.training_members

    def forward(self, x, lengths, weight=None):
        members = self.members
        if self.training:
            members = [members[i] for i in self.training_indices]
        outputs = torch.stack([m(x, lengths, weight) for m in members])
        if self.training:
            return outputs
        return self.combine(outputs)

    def combine(self, outputs):
        """Every member's outputs, stacked ``(n, ...)``, as one output."""
        output_map = self.output_map or legacy_map(self.link)
        return output_map.combine(outputs)

    def attention_weights(self, x, lengths):
        """The members' mean attention weights (each sums to 1 over the same
        steps), and those steps' lengths."""
        weights = [m.attention_weights(x, lengths) for m in self.members]
        return torch.stack([w for w, _ in weights]).mean(0), weights[0][1]
