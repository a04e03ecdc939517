"""Regression losses that torch lacks in the form the estimators need."""

import torch
from torch import nn

__all__ = ["PinballLoss", "ordered_quantiles", "regression_criterion"]


def ordered_quantiles(raw, n_quantiles):
    """The network's raw outputs ``(n, n_targets * n_quantiles)`` as quantiles
    that never cross: for each target the first is its raw output, each next
    one adds a softplus (a positive step) to the one before. One quantile is
    the raw output itself."""
    if n_quantiles == 1:
        return raw
    steps = raw.unflatten(1, (-1, n_quantiles))
    first, rest = steps[..., :1], nn.functional.softplus(steps[..., 1:])
    return torch.cat([first, rest], dim=-1).cumsum(dim=-1).flatten(1)


class PinballLoss(nn.Module):
    """The quantile (pinball) loss, unreduced: its minimiser is the quantile.

    With several quantiles (increasing), the outputs are read through
    :func:`ordered_quantiles`, ``n_quantiles`` per target column, and the loss
    has one column per target and quantile.
    """

    def __init__(self, quantile):
        super().__init__()
        levels = torch.as_tensor(quantile, dtype=torch.float32).reshape(-1)
        self.register_buffer("levels", levels)

    def forward(self, y_pred, y_true):
        n_quantiles, levels = len(self.levels), self.levels
        if n_quantiles > 1:  # a column per target and quantile
            y_pred = ordered_quantiles(y_pred, n_quantiles)
            y_true = y_true.repeat_interleave(n_quantiles, dim=1)
            levels = levels.repeat(y_true.shape[1] // n_quantiles)
        residual = y_true - y_pred
        levels = levels.to(residual.dtype)
        return torch.maximum(levels * residual, (levels - 1) * residual)


def regression_criterion(loss, quantile):
    """The unreduced torch loss for ``RNNRegressor(loss=...)``."""
    if loss == "absolute_error":
        return nn.L1Loss(reduction="none")
    if loss == "huber":
        # HuberRegressor's epsilon, on standardised targets (normalize_y).
        return nn.HuberLoss(reduction="none", delta=1.35)
    if loss == "poisson":  # the network outputs log(mean): a log link
        return nn.PoissonNLLLoss(log_input=True, full=False, reduction="none")
    if loss == "quantile":
        return PinballLoss(quantile)
    return nn.MSELoss(reduction="none")
