"""skorch callbacks that the estimators add to every training run."""

import math
import re
import sys
import time

import torch
from skorch.callbacks import Callback, EarlyStopping, PrintLog
from torch.optim.swa_utils import AveragedModel

__all__ = [
    "Diverged",
    "DivergenceGuard",
    "PlainPrintLog",
    "SlowEpochProgress",
    "StopAfterTheRow",
    "ValidationScore",
    "WeightAverage",
    "is_terminal",
]


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


class StopAfterTheRow(EarlyStopping):
    """skorch's ``EarlyStopping``, stopping when the next epoch begins.

    skorch prints the epoch table's row after every other callback, so
    stopping at the end of an epoch lost its row (the table ended at epoch 19
    while ``n_iter_`` was 20). The decision and its message wait for the next
    epoch's start, which is then removed from the history before it runs.
    """

    def on_train_begin(self, net, **kwargs):
        self.pending_ = None
        return super().on_train_begin(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        sink, messages = self.sink, []
        self.sink = messages.append
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            self.pending_ = messages
        finally:
            self.sink = sink

    def on_epoch_begin(self, net, **kwargs):
        if self.pending_ is not None:
            del net.history[-1]  # the epoch that was about to start
            for text in self.pending_:
                self._sink(text, net.verbose)
            raise KeyboardInterrupt


class WeightAverage(Callback):
    """End training with an exponentially weighted average of the weights.

    After each epoch the average takes in the module's weights and buffers
    (batch normalisation's running statistics), each epoch weighted by
    ``decay ** age``: ``average += share * (weights - average)`` with ``share =
    (1 - decay) / (1 - decay ** n)`` at the ``n``-th epoch, the moving average
    ``decay * average + (1 - decay) * weights`` with the bias of its start
    removed (as Adam's moments), so that the first epoch does not weigh on a
    short fit. When training ends (a stop included), the module takes the
    average. torch's ``AveragedModel`` keeps it, a copy of the module that
    exists only during the fit.
    """

    def __init__(self, decay):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.average_ = AveragedModel(
            net.module_, multi_avg_fn=self._update, use_buffers=True
        )

    def _update(self, averages, weights, n_averaged):
        # Called from the second epoch on (the first is copied).
        n = int(n_averaged) + 1
        share = (1 - self.decay) / (1 - self.decay**n)
        with torch.no_grad():
            for average, weight in zip(averages, weights, strict=True):
                if average.is_floating_point():
                    average.lerp_(weight, share)
                else:
                    average.copy_(weight)

    def on_epoch_end(self, net, **kwargs):
        self.average_.update_parameters(net.module_)

    def on_train_end(self, net, **kwargs):
        if self.average_.n_averaged > 0:  # not when the first epoch was cut short
            net.module_.load_state_dict(self.average_.module.state_dict())
        self.average_ = None  # the copy is not kept with the fitted net


class SlowEpochProgress(Callback):
    """A progress bar over the training batches of an epoch that has run
    longer than ``after`` seconds (Keras shows one for every epoch; a short
    epoch's row of the epoch table says enough). The estimators add it only
    with ``verbose`` and when printing to a terminal, so that its per-batch
    event costs nothing otherwise."""

    def __init__(self, after=3.0, stream=None):
        self.after = after
        self.stream = stream

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.start_, self.done_, self.bar_ = time.monotonic(), 0, None
        self.total_ = math.ceil(len(dataset_train) / net.batch_size)

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        self.done_ += 1
        if self.bar_ is None and time.monotonic() - self.start_ > self.after:
            from tqdm import tqdm

            self.bar_ = tqdm(
                total=self.total_,
                initial=self.done_,
                unit="batch",
                leave=False,
                file=self.stream or sys.stderr,
            )
        elif self.bar_ is not None:
            self.bar_.update(1)

    def on_epoch_end(self, net, **kwargs):
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PlainPrintLog(PrintLog):
    """skorch's epoch table, with colour codes only when printing to a terminal
    and four significant digits (skorch's four decimals printed a loss of
    1.2e-05 as 0.0000).

    skorch highlights the best values with ANSI codes, which end up as
    ``\\x1b[36m`` in log files and in notebooks' saved output.
    """

    def __init__(
        self,
        keys_ignored=None,
        sink=print,
        tablefmt="simple",
        floatfmt=".4g",
        stralign="right",
    ):
        super().__init__(keys_ignored, sink, tablefmt, floatfmt, stralign)

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not is_terminal(sys.stdout):
            return _ANSI.sub("", text)
        return text


def is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False
