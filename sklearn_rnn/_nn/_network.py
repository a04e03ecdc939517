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

import torch
from torch import nn
from torch.nn import functional as F

from ._embedding import CategoricalEmbedding
from ._front_end import FrontEnd
from ._real_steps import last_steps, mean_steps, real_steps_mask, reverse_within_length
from ._recurrence import LoopRecurrence, build_recurrence

__all__ = ["POOLING", "RecurrentNet", "last_window"]

POOLING = ("last", "mean", "max", "attention")


class RecurrentNet(nn.Module):
    """(Embeddings +) (front-end +) recurrent encoder + pooling + linear head.

    ``forward(x, lengths)`` takes ``x`` of shape ``(batch, time, features)``,
    zero-padded after each sequence's length, and returns ``(batch, n_outputs)``.
    ``pooling`` reads the encoder's outputs at the real steps only: the last
    one ('last'; for a bidirectional layer, the backward direction's first),
    their mean, their maximum, or a softmax-weighted sum ('attention'). With
    ``pooling=None`` (``one_per_sequence`` False) the head reads every real
    step instead and the output is ``(sum(lengths), n_outputs)``: the real
    steps of the first sequence, then of the second, and so on.
    ``categorical`` lists the input columns embedded by
    :class:`CategoricalEmbedding`. With ``highway`` ``k``, a linear map of the
    last ``k`` input steps is added to the output (LSTNet's autoregressive
    path), at the last real step or at every step.
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
        block_means_first=True,
        conv_pool=1,
    ):
        super().__init__()
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.one_per_sequence = pooling is not None
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
                block_means_first,
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
                        build_recurrence(cell, activation, size, hidden_size, 1, 0.0)
                        for _ in range(2)
                    )
                )
        else:
            self.encoder = build_recurrence(
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

    def __setstate__(self, state):
        # A network pickled by 0.3 names the attribute `pools`.
        if "pools" in state:
            state["one_per_sequence"] = state.pop("pools")
        super().__setstate__(state)

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
        if not self.one_per_sequence and (
            weight is not None or self.highway is not None
        ):
            real = real_steps_mask(x, lengths)
        if weight is not None and not self.one_per_sequence:  # per step: (batch, time)
            weight = torch.zeros(
                real.shape, dtype=x.dtype, device=x.device
            ).masked_scatter(real, weight.to(x.dtype))
        out = self._recurrent(x, lengths, weight)
        if self.highway is None:
            return out
        if self.one_per_sequence:
            return out + self.last_linear(x, lengths)
        return out + self.linear_path(x)[real]

    def embed(self, x):
        """``x`` as the recurrent part reads it: category codes embedded."""
        return x if self.embedding is None else self.embedding(x)

    def linear_path(self, x):
        """The highway's output at every step ``(batch, time, n_outputs)``: a
        linear map of the last ``highway`` input steps (zeros before the
        start), causal as the convolutions."""
        k = self.highway.kernel_size[0]
        return self.highway(F.pad(x.transpose(1, 2), (k - 1, 0))).transpose(1, 2)

    def last_linear(self, x, lengths):
        """The highway's output at each sequence's last real step ``(batch,
        n_outputs)``: one product per sequence with the window it covers,
        which rounds the same whatever the batch's padded length (a
        convolution along the padded time axis did not, by an ulp)."""
        k = self.highway.kernel_size[0]
        return F.linear(last_window(x, lengths, k), self.highway.weight.flatten(1))

    def add_highway(self, weight):
        """Give the network a highway of ``weight`` ``(n_outputs, channels,
        k)`` (a network without one: what the regressor's linear blend adds)."""
        n_outputs, channels, k = weight.shape
        self.highway = nn.Conv1d(channels, n_outputs, k, bias=False).to(weight)
        with torch.no_grad():
            self.highway.weight.copy_(weight)

    def _recurrent(self, x, lengths, weight=None):
        """The head's outputs of the recurrent part for embedded inputs ``x``."""
        beside = None
        if self.branch is not None:
            beside = self.branch(x, lengths, weight)[0]
            if self.one_per_sequence:  # the mean over the real steps
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
        if not self.one_per_sequence:
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


def last_window(x, lengths, k):
    """What a highway of ``k`` steps reads at each sequence's last real step:
    ``(batch, channels * k)``, channel by channel and oldest step first (the
    layout of its weights), zeros before a sequence's start."""
    padded = F.pad(x, (0, 0, k - 1, 0))  # k - 1 zero steps before each start
    steps = (lengths.to(x.device) - 1)[:, None] + torch.arange(k, device=x.device)
    window = padded.gather(1, steps[:, :, None].expand(-1, -1, x.shape[2]))
    return window.transpose(1, 2).flatten(1)
