"""The skorch net that trains the estimators' modules.

skorch runs the loop (epochs, callbacks, history, early stopping, checkpoints,
the epoch table). Everything here goes through skorch's documented extension
points: data come in as a :class:`~sklearn_rnn._training._data.SequenceData` (a torch
``Dataset``, which skorch takes as is) and are batched by ``iterator_train`` /
``iterator_valid`` (:class:`~sklearn_rnn._training._data.SequenceBatches`); the
validation set is skorch's ``predefined_split``; ``infer``, ``get_loss`` and
``train_step`` are overridden as skorch's documentation suggests.

Three overrides exist for speed; ``notify`` and ``run_single_epoch`` are skorch
internals, not documented extension points (hence the ``<1.5`` bound on skorch).
``tests/test_net.py`` holds a canary test for each, so that a skorch release
that changes the contract fails loudly:

- ``notify`` calls, for each event, only the callbacks that implement it
  (skorch calls every callback for every event, three times per batch);
- ``train_step`` skips skorch's optimizer closure when no callback listens to
  ``on_grad_computed``;
- ``run_single_epoch`` records what skorch's records, reading each batch's
  size from its lengths (skorch's ``get_len`` walks the batch's structure:
  about 30 us a batch, 2% of a small LSTM's training step), and starts each
  batch's history row itself when no callback listens to the batch events
  (the net's own handlers do nothing else).
"""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator

from ._callbacks import PlainPrintLog

__all__ = ["EVENTS", "SequenceNet"]

# The events skorch notifies callbacks of (skorch.callbacks.Callback's methods).
EVENTS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_begin",
    "on_batch_end",
    "on_grad_computed",
)


class SequenceNet(NeuralNet):
    """skorch's ``NeuralNet`` for sequence batches, weighted losses and ``alpha``.

    Parameters
    ----------
    module : torch.nn.Module
        Called as ``module(x, lengths)``.
    alpha : float, default=0.0
        L2 penalty added to each training batch's loss:
        ``alpha / (2 * n) * ||W||^2`` over the weight matrices (not the
        biases), ``n`` being the sequences in that batch (``_penalty``), as
        ``MLPRegressor`` does with its batch's samples.
    world : World, default=None
        In a distributed fit (:mod:`~sklearn_rnn._training._distributed`), the
        processes whose gradients each training step sums; the training
        batches then carry this process's ``share`` of the global batch.
    **kwargs
        skorch's parameters.
    """

    def __init__(self, module, *args, alpha=0.0, world=None, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.alpha = alpha
        self.world = world

    def get_default_callbacks(self):
        return [
            (name, PlainPrintLog() if name == "print_log" else callback)
            for name, callback in super().get_default_callbacks()
        ]

    def initialize_callbacks(self):
        super().initialize_callbacks()
        self.listeners_ = {
            event: [cb for _, cb in self.callbacks_ if _implements(cb, event)]
            for event in EVENTS
        }
        return self

    def notify(self, method_name, **cb_kwargs):
        # Same calls as skorch's notify, minus callbacks that inherit the event
        # from Callback, where it does nothing.
        getattr(self, method_name)(self, **cb_kwargs)
        for cb in self.listeners_[method_name]:
            getattr(cb, method_name)(self, **cb_kwargs)

    def infer(self, x, **fit_params):
        return self.module_(x["x"], x["lengths"], x.get("weight"))

    def get_loss(self, y_pred, y_true, X=None, training=False):
        members = getattr(self.module_, "members", None)
        if training and members is not None:
            return self._ensemble_loss(members, y_pred, y_true, X)
        loss = self._loss(y_pred, y_true)
        share = X.get("share") if training and X is not None else None
        if share is not None:  # a shard: its part of the global batch's mean
            loss = loss * share
        if training and self.alpha:
            penalty = self._penalty(self.module_, X, y_true)
            if share is not None:  # once over the processes' summed gradients
                penalty = penalty / self.world.size
            loss = loss + penalty
        return loss

    def _ensemble_loss(self, members, y_pred, y_true, X):
        """An ensemble in training: each member in training its own objective
        (loss and penalty), kept in ``member_losses_``; their sum over the
        number of members is what the gradient reads, so that each member's
        gradient is a single network's, scaled by the same constant while
        members stop (Adam ignores a constant scale, not a changing one). The
        value is the mean over the members in training, as the epoch table
        shows it."""
        objectives = []
        trained = self.module_.training_indices
        for i, member_pred in zip(trained, y_pred, strict=True):
            objective = self._loss(member_pred, y_true)
            if self.alpha:
                objective = objective + self._penalty(members[i], X, y_true)
            objectives.append(objective)
        objectives = torch.stack(objectives)
        self.member_losses_ = objectives.detach()
        total = objectives.sum()
        scaled = total / len(members)
        return scaled + (total / len(objectives) - scaled).detach()

    def _penalty(self, module, X, y_true):
        # Per sequence of the batch, for the per-step estimators too (whose
        # target holds one row per step): alpha means the same for all.
        if X is None:
            n = len(y_true[0])
        else:
            n = X.get("n_global", len(X["lengths"]))
        squares = sum(p.square().sum() for p in module.parameters() if p.ndim > 1)
        return 0.5 * self.alpha * squares / n

    def _loss(self, y_pred, y_true):
        target, weight = y_true
        losses = self.criterion_(y_pred, target)
        if weight is None:  # every weight is 1: the plain mean, fewer ops
            loss = losses.mean()
        else:
            if losses.ndim > 1:
                losses = losses.mean(dim=1)
            # Weights have mean 1 over the training set, so a batch whose
            # weights are all zero adds nothing rather than dividing by zero.
            loss = (losses * weight).mean()
        return loss

    def train_step(self, batch, **fit_params):
        if self.world is not None:
            return self._distributed_train_step(batch, **fit_params)
        if self.listeners_["on_grad_computed"]:  # e.g. gradient clipping
            return super().train_step(batch, **fit_params)
        # Nobody reads the gradients: skip the closure and the parameter
        # generator skorch builds for on_grad_computed on every batch.
        self.optimizer_.zero_grad(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        self.optimizer_.step()
        return step

    def _distributed_train_step(self, batch, **fit_params):
        # The gradients are summed before anything reads them (clipping
        # included), so every process sees and steps with the global ones.
        self.optimizer_.zero_grad(set_to_none=True)
        step = self.train_step_single(batch, **fit_params)
        step["loss"] = self.world.reduce_gradients(self.module_, step["loss"])
        if self.listeners_["on_grad_computed"]:
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
            )
        self.optimizer_.step()
        return step

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's loop, with the batch size read from the batch's lengths.
        if iterator is None:
            return
        batch_count = 0
        # The net's own batch events are skorch's (a new history row, nothing):
        # without listeners, the row is started directly.
        begin = self.listeners_["on_batch_begin"]
        end = self.listeners_["on_batch_end"]
        for batch in iterator:
            if begin:
                self.notify("on_batch_begin", batch=batch, training=training)
            else:
                self.history.new_batch()
            step = step_fn(batch, **fit_params)
            self.history.record_batch(prefix + "_loss", step["loss"].item())
            # A shard records its global batch's size, as its loss is global.
            X = batch[0]
            self.history.record_batch(
                prefix + "_batch_size", X.get("n_global", len(X["lengths"]))
            )
            if end:
                self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)


def _implements(callback, event):
    return getattr(type(callback), event, None) is not getattr(Callback, event)
