"""The causal front-end: downsampling and 1D convolutions before the
recurrence."""

import torch
from torch import nn
from torch.nn import functional as F

from ._batch_norm import MaskedBatchNorm

__all__ = ["FrontEnd"]


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
    blocks, or any with ``block_means_first=False`` (models fitted before 0.3), are
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
        block_means_first=True,
        pool=1,
    ):
        super().__init__()
        self.stride = stride
        self.pool = pool if filters else 1
        self.block = block = stride // self.pool
        # Without filters the blocks are only averaged, in every version.
        self.block_means_first = (
            not filters or block == 1 or (block_means_first and block <= kernel_size)
        )
        first = kernel_size if self.block_means_first else max(kernel_size, block)
        self.kernel_sizes = [first] + [kernel_size] * (len(filters) - 1)
        sizes = [input_size, *filters]
        # No bias before a normalisation, which subtracts it again: its
        # gradient would be rounding noise, which Adam scales up to full steps.
        strides = [1 if self.block_means_first else block] + [1] * (len(filters) - 1)
        self.layers = nn.ModuleList(
            nn.Conv1d(a, b, k, stride=t, bias=not norm)
            for a, b, k, t in zip(sizes, sizes[1:], self.kernel_sizes, strides)
        )
        self.norms = (
            nn.ModuleList(MaskedBatchNorm(b) for b in filters) if norm else None
        )

    def __setstate__(self, state):
        # A front-end pickled by 0.3 names the attribute `pool_first`.
        if "pool_first" in state:
            state["block_means_first"] = state.pop("pool_first")
        super().__setstate__(state)

    def forward(self, x, lengths, weight=None):
        x = x.transpose(1, 2)  # (batch, channels, time)
        x = F.pad(x, (0, -x.shape[2] % self.stride))
        if self.block_means_first and self.block > 1:
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
