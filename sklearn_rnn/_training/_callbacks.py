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
    "StopEachMember",
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


class StopEachMember(StopAfterTheRow):
    """Early stopping on the training loss for an ensemble, member by member.

    Each member stops as it would alone: when its own training objective
    (``SequenceNet.member_losses_``, averaged over the epoch's batches by their
    number of sequences, as skorch averages ``train_loss``) has not improved
    by ``threshold`` for ``patience`` epochs, it trains no more (the
    ensemble's ``training_members`` leaves it out from the next epoch on, so
    that it costs nothing), and training ends when no member is left.
    The epoch table shows how many members trained in each epoch
    (``members``) and their mean loss (``train_loss``).
    """

    def __init__(self, patience, threshold):
        super().__init__(
            monitor="train_loss",
            patience=patience,
            threshold=threshold,
            threshold_mode="abs",
        )

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        n = len(net.module_.members)
        self.member_misses_ = [0] * n
        self.member_best_ = [math.inf] * n
        net.module_.training_members = list(range(n))

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        net.module_.training_members = [
            i for i, misses in enumerate(self.member_misses_) if misses < self.patience
        ]
        self.sums_, self.count_ = 0.0, 0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            n = len(batch[0]["lengths"])
            self.sums_ = self.sums_ + net.member_losses_ * n
            self.count_ += n

    def on_epoch_end(self, net, **kwargs):
        losses = (self.sums_ / self.count_).tolist()
        net.history.record("members", len(losses))
        for i, loss in zip(net.module_.training_members, losses, strict=True):
            if loss < self.member_best_[i] - self.threshold:
                self.member_best_[i], self.member_misses_[i] = loss, 0
            else:
                self.member_misses_[i] += 1
        if min(self.member_misses_) >= self.patience:
            self.pending_ = [
                f"Stopping since no member's train_loss has improved in its last "
                f"{self.patience} epochs."
            ]

    def on_train_end(self, net, **kwargs):
        super().on_train_end(net, **kwargs)
        net.module_.training_members = None


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
    exists only during the fit. An ensemble's members are averaged each over
    the epochs it trained in (members stop one by one: ``StopEachMember``).
    """

    def __init__(self, decay):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.averages_ = [
            AveragedModel(part, multi_avg_fn=self._update, use_buffers=True)
            for part in _parts(net.module_)
        ]

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
        parts = _parts(net.module_)
        for i in getattr(net.module_, "training_indices", range(len(parts))):
            self.averages_[i].update_parameters(parts[i])

    def on_train_end(self, net, **kwargs):
        for part, average in zip(_parts(net.module_), self.averages_, strict=True):
            if average.n_averaged > 0:  # not when the first epoch was cut short
                part.load_state_dict(average.module.state_dict())
        self.averages_ = None  # the copies are not kept with the fitted net


def _parts(module):
    """The networks a module holds: an ensemble's members, or itself."""
    members = getattr(module, "members", None)
    return [module] if members is None else list(members)


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
