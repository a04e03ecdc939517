"""Keras' weight initialisation (``weight_init='keras'``)."""

import torch
from torch import nn

from ._recurrence import LoopRecurrence

__all__ = ["keras_initialise"]


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
