"""Regression losses that torch lacks in the form the estimators need."""

import torch
from torch import nn

__all__ = ["PinballLoss", "regression_criterion"]


class PinballLoss(nn.Module):
    """The quantile (pinball) loss, unreduced: its minimiser is the quantile."""

    def __init__(self, quantile):
        super().__init__()
        self.quantile = quantile

    def forward(self, y_pred, y_true):
        residual = y_true - y_pred
        return torch.maximum(self.quantile * residual, (self.quantile - 1) * residual)


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
