"""skorch callbacks that the estimators add to every training run."""

import math
import re
import sys

import torch
from skorch.callbacks import Callback, PrintLog

__all__ = ["Diverged", "DivergenceGuard", "PlainPrintLog", "ValidationScore"]


class Diverged(RuntimeError):
    """Raised inside training when the loss stops being finite."""


class DivergenceGuard(Callback):
    """Stop training as soon as an epoch's training loss is not finite."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            raise Diverged(len(net.history), loss)


class ValidationScore(Callback):
    """Record ``valid_score`` each epoch from the validation batches' outputs.

    ``score`` maps ``(y_pred, y_true, sample_weight)`` tensors to a float,
    higher is better: the estimator's ``_validation_score`` (accuracy, R², or
    the negated validation loss for regression losses other than squared).
    """

    def __init__(self, score):
        self.score = score

    def on_epoch_begin(self, net, **kwargs):
        self.outputs_ = []

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if not training:
            target, weight = batch[1]
            if weight is None:
                weight = torch.ones(len(target), device=target.device)
            self.outputs_.append((y_pred.detach(), target, weight))

    def on_epoch_end(self, net, **kwargs):
        if self.outputs_:
            y_pred, y_true, weight = (torch.cat(t).cpu() for t in zip(*self.outputs_))
            if not torch.isfinite(y_pred).all():  # the last steps diverged
                raise Diverged(len(net.history), "not finite on the validation set")
            net.history.record("valid_score", float(self.score(y_pred, y_true, weight)))
        self.outputs_ = []


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PlainPrintLog(PrintLog):
    """skorch's epoch table, with colour codes only when printing to a terminal.

    skorch highlights the best values with ANSI codes, which end up as
    ``\\x1b[36m`` in log files and in notebooks' saved output.
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _is_terminal(sys.stdout):
            return _ANSI.sub("", text)
        return text


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False
