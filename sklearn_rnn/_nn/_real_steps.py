"""Reading a right-padded batch ``(B, T, ...)`` at each sequence's real steps
(its first ``length``), so that no result depends on the batch's padding."""

import torch

__all__ = ["last_steps", "mean_steps", "real_steps_mask", "reverse_within_length"]


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


def mean_steps(outputs, lengths):
    """The mean of ``outputs`` over each sequence's real steps, read from a
    cumulative sum at its last one (the same whatever the batch's padding)."""
    total = last_steps(outputs.cumsum(1), lengths)
    return total / lengths.unsqueeze(1).to(outputs.dtype)
