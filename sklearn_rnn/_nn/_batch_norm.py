"""Batch normalisation over the real steps of a padded batch."""

import torch
from torch import nn

from ._real_steps import last_steps

__all__ = ["MaskedBatchNorm"]


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
