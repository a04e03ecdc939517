"""Several networks of one architecture, trained side by side."""

import torch
from torch import nn

from ._output_map import legacy_map

__all__ = ["Ensemble"]


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
        self.one_per_sequence, self.pooling = first.one_per_sequence, first.pooling

    def __setstate__(self, state):
        # An ensemble pickled by 0.3 names the attribute `pools`.
        if "pools" in state:
            state["one_per_sequence"] = state.pop("pools")
        super().__setstate__(state)

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
