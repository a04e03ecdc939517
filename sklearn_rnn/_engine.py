"""The training engine: skorch's loop fed by pre-built, length-grouped batches.

skorch drives training (epochs, callbacks, history, early stopping,
checkpointing, printing). What is slow in it for recurrent models is replaced:
instead of a ``DataLoader`` that fetches and collates one sample at a time,
batches are sliced from one pre-built tensor, and sequences of similar length
are grouped so that each batch is padded only to its own longest sequence.
"""

import math

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback

__all__ = [
    "BatchIterator",
    "Diverged",
    "DivergenceGuard",
    "SequenceData",
    "SequenceNet",
    "ValidationScore",
    "predict_batches",
]

# Sequences are sorted by length inside pools of this many batches, so batches
# hold similar lengths while their composition still changes every epoch.
_POOL_BATCHES = 32
# Batch size for prediction and validation. Measured on CPU (benchmarks/):
# batches of 256 ran 20-25% faster than 1024 or 4096 (GRU and LSTM, 64 units),
# as the activations of a batch stay in cache.
PREDICT_BATCH_SIZE = 256


class SequenceData:
    """Sequences as tensors: values, lengths, targets and weights.

    ``values`` is either zero-padded ``(n, T, d)``, or, with ``offsets``, all
    steps concatenated ``(total + 1, d)`` with a last row of zeros that stands
    for padding (see :func:`check_sequences`). ``sample_weight`` is None when
    every weight is 1.
    """

    def __init__(self, values, lengths, y=None, sample_weight=None, offsets=None):
        self.values = _as_tensor(values)
        self.lengths_np = np.asarray(lengths, dtype=np.int64)
        self.lengths = torch.from_numpy(self.lengths_np)
        self.offsets = None if offsets is None else torch.from_numpy(offsets)
        self.y = None if y is None else _as_tensor(y)
        # All-ones weights are dropped: the loss is then a plain mean.
        unweighted = sample_weight is None or (np.asarray(sample_weight) == 1).all()
        self.sample_weight = None if unweighted else _as_tensor(sample_weight)

    def __len__(self):
        return len(self.lengths_np)

    def subset(self, index):
        index_t = torch.from_numpy(np.asarray(index, dtype=np.int64))
        pick = lambda t: None if t is None else t[index_t]  # noqa: E731
        data = SequenceData.__new__(SequenceData)
        data.lengths, data.lengths_np = self.lengths[index_t], self.lengths_np[index]
        if self.offsets is None:
            data.values, data.offsets = self.values[index_t], None
        else:  # the concatenated steps are shared
            data.values, data.offsets = self.values, self.offsets[index_t]
        data.y, data.sample_weight = pick(self.y), pick(self.sample_weight)
        return data

    def batch(self, index, device):
        """One batch, padded to its own longest sequence, moved to ``device``."""
        index_t = torch.from_numpy(index)
        longest = int(self.lengths_np[index].max())
        # index_select is several times faster than indexing with a tensor.
        lengths = self.lengths.index_select(0, index_t)
        start, stop = int(index[0]), int(index[-1]) + 1
        if self.offsets is not None:
            steps = torch.arange(longest)
            rows = self.offsets.index_select(0, index_t)[:, None] + steps
            rows = torch.where(steps < lengths[:, None], rows, len(self.values) - 1)
            x = self.values.index_select(0, rows.view(-1)).view(len(index), longest, -1)
        elif stop - start == len(index) and (np.diff(index) == 1).all():
            x = self.values[start:stop, :longest]  # a view: no copy
        elif longest == self.values.shape[1]:
            x = self.values.index_select(0, index_t)
        else:
            x = self.values[index_t, :longest]
        X = {"x": x, "lengths": lengths}
        target = None
        if self.y is not None:
            weight = self.sample_weight
            if weight is not None:
                weight = weight.index_select(0, index_t)
            target = (self.y.index_select(0, index_t), weight)
        if device.type != "cpu":
            X = {key: value.to(device) for key, value in X.items()}
            if target is not None:
                target = tuple(None if t is None else t.to(device) for t in target)
        return X, target


def _as_tensor(a):
    a = np.asarray(a)
    if a.flags.writeable and a.flags.c_contiguous:
        return torch.from_numpy(a)
    # Read-only memory (joblib hands large arrays to workers as read-only
    # memmaps) is copied rather than shared with torch.
    return torch.tensor(a)


def batch_order(lengths, batch_size, rng):
    """Split sample indices into batches of similar length.

    With ``rng`` the order is random: samples are shuffled, sorted by length
    within pools of a few batches, and the batches shuffled again. Without it,
    samples are sorted by length (for prediction and validation).
    """
    n = len(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    order = rng.permutation(n)
    ragged = lengths.min() != lengths.max()
    if ragged:
        pool = batch_size * _POOL_BATCHES
        for start in range(0, n, pool):
            chunk = order[start : start + pool]
            order[start : start + pool] = chunk[
                np.argsort(lengths[chunk], kind="stable")
            ]
    batches = [order[i : i + batch_size] for i in range(0, n, batch_size)]
    if ragged:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


class BatchIterator:
    """Yield the batches of one epoch; a new order every time it is iterated."""

    def __init__(self, data, batch_size, device, rng=None):
        self.data = data
        self.batch_size = batch_size
        self.device = device
        self.rng = rng

    def __iter__(self):
        for index in batch_order(self.data.lengths_np, self.batch_size, self.rng):
            yield self.data.batch(index, self.device)

    def __len__(self):
        return math.ceil(len(self.data) / self.batch_size)


class SequenceNet(NeuralNet):
    """skorch's ``NeuralNet`` with fast sequence batches and weighted losses.

    ``rng`` (a :class:`numpy.random.Generator`, or None to keep the order)
    orders the training batches and ``valid_data`` (a :class:`SequenceData` or
    None) is the validation set; both are set for one training run only.
    """

    rng = None
    valid_data = None

    def get_split_datasets(self, X, y=None, **fit_params):
        return X, self.valid_data

    def get_iterator(self, dataset, training=False):
        device = torch.device(self.device)
        if training:
            return BatchIterator(dataset, self.batch_size, device, self.rng)
        return BatchIterator(dataset, max(self.batch_size, PREDICT_BATCH_SIZE), device)

    def infer(self, x, **fit_params):
        return self.module_(x["x"], x["lengths"])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        target, weight = y_true
        losses = self.criterion_(y_pred, target)
        if weight is None:  # every weight is 1: the plain mean, fewer ops
            return losses.mean()
        if losses.ndim > 1:
            losses = losses.mean(dim=1)
        # Weights have mean 1 over the training set, so a batch whose weights
        # are all zero adds nothing rather than dividing by zero.
        return (losses * weight).mean()

    def train_step(self, batch, **fit_params):
        if self._listeners("on_grad_computed"):  # e.g. gradient clipping
            return super().train_step(batch, **fit_params)
        # Without listeners for the gradients, skip skorch's step closure and
        # the parameter generator it builds for them on every batch.
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self._step_optimizer(None)
        return step

    def notify(self, method_name, **cb_kwargs):
        # skorch calls every callback for every event, three times per batch;
        # most callbacks implement one or two events. Calling only those that
        # override the event gives the same behaviour with less per-batch work.
        getattr(self, method_name)(self, **cb_kwargs)
        for cb in self._listeners(method_name):
            getattr(cb, method_name)(self, **cb_kwargs)

    def _listeners(self, method_name):
        owner, cache = self.__dict__.get("_listeners_cache", (None, None))
        if owner is not self.callbacks_:  # callbacks were (re)initialised
            cache = {}
            self.__dict__["_listeners_cache"] = (self.callbacks_, cache)
        if method_name not in cache:
            base = getattr(Callback, method_name, None)
            cache[method_name] = [
                cb
                for _, cb in self.callbacks_
                if base is None or getattr(type(cb), method_name, None) is not base
            ]
        return cache[method_name]

    def _set_training(self, training=True):
        # skorch sets the mode before every batch; walking the module tree each
        # time cost about 5% of a small model's training step.
        if self.module_.training != training:
            super()._set_training(training)


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

    ``score`` maps ``(y_pred, y_true, sample_weight)`` tensors to a float
    (accuracy for classifiers, R² for regressors, as ``MLPRegressor`` does).
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
            net.history.record("valid_score", float(self.score(y_pred, y_true, weight)))
        self.outputs_ = []


def predict_batches(module, data, device, batch_size=PREDICT_BATCH_SIZE):
    """Raw module outputs for ``data``, in the original sample order, on CPU.

    Sequences are sorted by length so that each batch is padded only to its own
    longest one; the output of a sequence does not depend on its batch.
    """
    out = None
    with torch.inference_mode():
        for index in batch_order(data.lengths_np, batch_size, None):
            X, _ = data.batch(index, device)
            pred = module(X["x"], X["lengths"]).cpu()
            if out is None:
                out = pred.new_empty((len(data), pred.shape[1]))
            out[torch.from_numpy(index)] = pred
    return out
