"""Sequences as tensors, and the order in which they are batched.

skorch's default ``DataLoader`` fetches and collates one sample at a time,
which dominates the time of small recurrent models. Here batches are sliced
from one pre-built tensor, and sequences of similar length are grouped so that
each batch is padded only to its own longest sequence. :class:`SequenceBatches`
is the iterator skorch is given for training and validation.
"""

import copy
import math

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import Dataset

from .._input._validation import step_offsets
from ._distributed import shard_batches

__all__ = [
    "DiskSequenceData",
    "PREDICT_BATCH_SIZE",
    "SequenceBatches",
    "SequenceData",
    "predict_batches",
    "sequence_data",
]

# Sequences are sorted by length inside pools of this many batches, so batches
# hold similar lengths while their composition still changes every epoch.
_POOL_BATCHES = 32
# Batch size for prediction and validation. Measured on CPU (benchmarks/):
# batches of 256 ran 20-25% faster than 1024 or 4096 (GRU and LSTM, 64 units),
# as the activations of a batch stay in cache.
PREDICT_BATCH_SIZE = 256
# Prediction batches are padded with empty rows to a multiple of this many
# sequences. CPU kernels round a row's result the same whatever the other rows
# of its batch when the batch has a multiple of 32 rows, not otherwise
# (measured with torch 2.13: 1 to 3 float32 ulps for some batches of 1 to 40
# rows, none for multiples of 32 over 144 architectures). So a prediction does
# not depend on which other sequences are predicted with it, in float32 too:
# scikit-learn's subset and sample-order invariance checks pass without the
# float64 computation that made float64 input 4.5x slower. The empty rows
# cost as much as real ones, so they are added only to batches of short
# sequences (at most EXACT_MAX_STEPS steps, where scikit-learn's checks
# predict and where 32 rows cost about a millisecond): one sequence of 1,000
# steps predicted 8x (GRU-128) to 18x (LSTM-128) faster without them. Longer
# sequences keep the float32-level promise (a few ulps) of docs/user_guide/sequences.md.
ROW_BLOCK = 32
EXACT_MAX_STEPS = 32
# Training batches of fixed-length data are gathered several at a time, about
# this many bytes of sequences with one indexing operation per tensor, and
# each batch is then a view of its block: three indexing operations fewer per
# batch, 4% of a small LSTM's training time (W3), at the cost of at most this
# much memory beyond a batch's.
GATHER_BYTES = 8 << 20


class SequenceData(Dataset):
    """Sequences as tensors: values, lengths, targets and weights.

    ``values`` is either zero-padded ``(n, T, d)``, or, with ``offsets``, all
    steps concatenated ``(total + 1, d)`` with a last row of zeros that stands
    for padding (see :func:`check_sequences`). ``sample_weight`` is None when
    every weight is 1. With ``y_offsets`` (where each sequence's rows start),
    ``y`` and ``sample_weight`` hold ``lengths[i]`` rows for sequence ``i``,
    the sequences one after the other, and a batch's targets are those rows
    of its sequences in the same order (the order of the outputs of a
    :class:`~sklearn_rnn._nn._network.RecurrentNet` that does not pool). It is a
    torch ``Dataset``, so skorch takes it as is; batches come from
    :meth:`batch`, never one sample at a time.
    """

    def __init__(
        self, values, lengths, y=None, sample_weight=None, offsets=None, y_offsets=None
    ):
        self.values = _as_tensor(values)
        self.lengths_np = np.asarray(lengths, dtype=np.int64)
        self.lengths = torch.from_numpy(self.lengths_np)
        self.offsets = None if offsets is None else torch.from_numpy(offsets)
        self.y_offsets = None if y_offsets is None else torch.from_numpy(y_offsets)
        self.y = None if y is None else _as_tensor(y)
        # All-ones weights are dropped: the loss is then a plain mean.
        unweighted = sample_weight is None or (np.asarray(sample_weight) == 1).all()
        self.sample_weight = None if unweighted else _as_tensor(sample_weight)

    def __len__(self):
        return len(self.lengths_np)

    def subset(self, index):
        index_t = torch.from_numpy(np.asarray(index, dtype=np.int64))
        index_t = index_t.to(self.lengths.device)
        pick = lambda t: None if t is None else t[index_t]  # noqa: E731
        data = SequenceData.__new__(SequenceData)
        data.lengths, data.lengths_np = self.lengths[index_t], self.lengths_np[index]
        if self.offsets is None:
            data.values, data.offsets = self.values[index_t], None
        else:  # the concatenated steps are shared
            data.values, data.offsets = self.values, self.offsets[index_t]
        if self.y_offsets is None:
            data.y_offsets = None
            data.y, data.sample_weight = pick(self.y), pick(self.sample_weight)
        else:  # the per-step targets are shared
            data.y_offsets = self.y_offsets[index_t]
            data.y, data.sample_weight = self.y, self.sample_weight
        return data

    def target_rows(self):
        """The targets and their weights (None: all 1), a row per sequence or,
        with per-step targets, per real step, in sample order (the order of
        :func:`predict_batches`' rows)."""
        if self.y_offsets is None:
            return self.y, self.sample_weight
        rows = real_steps(self.y_offsets, self.lengths.to(self.y_offsets.device))
        weight = self.sample_weight
        return self.y[rows], None if weight is None else weight[rows]

    _TENSORS = ("values", "lengths", "offsets", "y_offsets", "y", "sample_weight")
    pin_batches = False

    def on_device(self, device, free_memory=None):
        """This data where the batches go: moved to ``device`` once, whole,
        when it takes at most half of the device's free memory (a copy per
        batch costs a transfer each time); otherwise each batch is gathered
        in pinned host memory, from which its copy runs asynchronously (what
        ``DataLoader(pin_memory=True)`` does). Data for the CPU, or for
        devices without free-memory figures, is returned as it is.

        ``free_memory`` (bytes) stands for the device's own figure in tests.
        """
        if free_memory is None:
            if device.type != "cuda":
                return self
            free_memory = torch.cuda.mem_get_info(device)[0]
        tensors = {name: getattr(self, name) for name in self._TENSORS}
        size = sum(
            t.numel() * t.element_size() for t in tensors.values() if t is not None
        )
        moved = copy.copy(self)
        if size > free_memory // 2:
            moved.pin_batches = True
            return moved
        for name, tensor in tensors.items():
            if tensor is not None:
                setattr(moved, name, tensor.to(device))
        return moved

    def batches(self, order, device):
        """The batches of ``order`` (arrays of indices), each as :meth:`batch`
        makes it; for fixed-length data, gathered ``GATHER_BYTES`` at a time
        and sliced."""
        lengths = self.lengths_np
        fixed = (
            self.offsets is None
            and self.y_offsets is None
            and len(lengths)
            and lengths.min() == self.values.shape[1]
        )
        if not fixed:
            for index in order:
                yield self.batch(index, device)
            return
        row_bytes = self.values[0].numel() * self.values.element_size()
        rows_per_block = max(1, GATHER_BYTES // max(1, row_bytes))
        start = 0
        while start < len(order):
            stop, rows = start + 1, len(order[start])
            while stop < len(order) and rows + len(order[stop]) <= rows_per_block:
                rows += len(order[stop])
                stop += 1
            X, target = self.batch(np.concatenate(order[start:stop]), device)
            first = 0
            for index in order[start:stop]:
                rows_of = slice(first, first + len(index))
                first += len(index)
                part = {key: value[rows_of] for key, value in X.items()}
                if target is None:
                    yield part, None
                else:
                    yield part, tuple(t if t is None else t[rows_of] for t in target)
            start = stop

    def batch(self, index, device):
        """One batch, padded to its own longest sequence, moved to ``device``."""
        index_t = torch.from_numpy(index)
        if self.values.device.type != "cpu":  # the whole data are on the device
            index_t = index_t.to(self.values.device)
        longest = int(self.lengths_np[index].max())
        # index_select is several times faster than indexing with a tensor.
        lengths = self.lengths.index_select(0, index_t)
        start, stop = int(index[0]), int(index[-1]) + 1
        if self.offsets is not None:
            steps = torch.arange(longest, device=lengths.device)
            rows = self.offsets.index_select(0, index_t)[:, None] + steps
            rows = torch.where(steps < lengths[:, None], rows, len(self.values) - 1)
            x = self.values.index_select(0, rows.view(-1)).view(len(index), longest, -1)
        elif stop - start == len(index) and (np.diff(index) == 1).all():
            x = self.values[start:stop, :longest]  # a view: no copy
        elif longest == self.values.shape[1]:
            x = self.values.index_select(0, index_t)
        else:
            x = self.values[index_t, :longest]
        return self._with_targets(x, lengths, index_t, device)

    def _with_targets(self, x, lengths, index_t, device):
        """The batch ``(X, target)`` of inputs ``x`` (of the sequences
        ``index_t``), moved to ``device``."""
        X = {"x": x, "lengths": lengths}
        target = None
        if self.y is not None:
            rows = index_t
            if self.y_offsets is not None:
                rows = real_steps(self.y_offsets.index_select(0, index_t), lengths)
            weight = self.sample_weight
            if weight is not None:
                weight = weight.index_select(0, rows)
            target = (self.y.index_select(0, rows), weight)
            if weight is not None:  # for the batch normalisation's statistics
                X["weight"] = weight
        if x.device != device:  # a copy per batch
            move = lambda t: None if t is None else _move(t, device, self.pin_batches)  # noqa: E731
            X = {key: move(value) for key, value in X.items()}
            if target is not None:
                target = tuple(move(t) for t in target)
        return X, target


class DiskSequenceData(SequenceData):
    """:class:`SequenceData` whose values stay on disk: a ``numpy.memmap``
    ``(n, T, d)`` (its padding steps as given, NaN), of which each batch reads
    only its own sequences, in file order, converted to float32. The memory a
    fit takes is then a batch's, plus what the operating system caches of the
    file (reclaimable). Targets and weights are in memory as usual.
    """

    def __init__(self, source, lengths, y=None, sample_weight=None, y_offsets=None):
        super().__init__(
            np.empty((0, 0, 0), np.float32), lengths, y, sample_weight, None, y_offsets
        )
        self.values = None  # nothing of X is held in memory
        self.source = source
        self.rows = np.arange(len(self.lengths_np))

    def subset(self, index):
        data = copy.copy(self)
        data.rows = self.rows[index]
        data.lengths_np = self.lengths_np[index]
        data.lengths = torch.from_numpy(data.lengths_np)
        if self.y_offsets is None:
            pick = lambda t: None if t is None else t[torch.from_numpy(index)]  # noqa: E731
            data.y, data.sample_weight = pick(self.y), pick(self.sample_weight)
        else:  # the per-step targets are shared
            data.y_offsets = self.y_offsets[torch.from_numpy(index)]
        return data

    def on_device(self, device, free_memory=None):
        if device.type == "cpu":
            return self
        moved = copy.copy(self)  # each batch goes through pinned memory
        moved.pin_batches = True
        return moved

    def batches(self, order, device):
        for index in order:
            yield self.batch(index, device)

    def batch(self, index, device):
        rows = self.rows[index]
        lengths_np = self.lengths_np[index]
        longest = int(lengths_np.max())
        order = np.argsort(rows, kind="stable")  # in file order: fewer seeks
        x = np.empty((len(index), longest, self.source.shape[2]), np.float32)
        x[order] = self.source[rows[order], :longest]
        x[np.arange(longest) >= lengths_np[:, None]] = 0.0  # the padding
        index_t = torch.from_numpy(np.asarray(index))
        lengths = self.lengths.index_select(0, index_t)
        return self._with_targets(torch.from_numpy(x), lengths, index_t, device)


def _move(tensor, device, pin):
    """``tensor`` on ``device``; through pinned memory, asynchronously, with
    ``pin`` (where pinning is possible at all)."""
    if pin:
        try:
            return tensor.pin_memory().to(device, non_blocking=True)
        except RuntimeError:  # nothing to pin for (a CPU-only build)
            pass
    return tensor.to(device)


def real_steps(starts, lengths):
    """Rows ``starts[i] .. starts[i] + lengths[i] - 1`` of every sequence ``i``
    (tensors), one sequence after the other: where a batch's real steps are in
    concatenated per-step data."""
    steps = torch.arange(int(lengths.max()), device=lengths.device)
    return (starts[:, None] + steps)[steps < lengths[:, None]]


def _as_tensor(a):
    a = np.asarray(a)
    if a.flags.writeable and a.flags.c_contiguous:
        return torch.from_numpy(a)
    # Read-only memory (joblib hands large arrays to workers as read-only
    # memmaps) is copied rather than shared with torch.
    return torch.tensor(a)


def batch_order(lengths, batch_size, rng=None, *, by_length=True):
    """Split sample indices into batches.

    Training batches (with ``rng``, or ``by_length=False``): the ``n`` samples
    form ``ceil(n / batch_size)`` batches whose sizes differ by at most one (36
    at 32: two of 18, not 32 and 4, whose batch statistics and gradient a
    handful of samples would make). With ``rng`` they are in random order:
    samples are shuffled, sorted by length within pools of a few batches when
    lengths vary, and the batches shuffled again; without it in the given order
    (training with ``shuffle=False``). Otherwise (prediction and validation,
    where the order of the outputs is restored) batches of ``batch_size``
    samples sorted by length.
    """
    n = len(lengths)
    if rng is None and by_length:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    k = -(-n // batch_size)
    bounds = np.arange(k + 1) * n // k
    order = np.arange(n) if rng is None else rng.permutation(n)
    ragged = rng is not None and lengths.min() != lengths.max()
    if ragged:
        for first in range(0, k, _POOL_BATCHES):
            start, stop = bounds[first], bounds[min(first + _POOL_BATCHES, k)]
            chunk = order[start:stop]
            order[start:stop] = chunk[np.argsort(lengths[chunk], kind="stable")]
    batches = [order[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]
    if ragged:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


class SequenceBatches:
    """skorch's ``iterator_train``/``iterator_valid``: the batches of one epoch.

    Parameters
    ----------
    dataset : SequenceData
    batch_size : int
    device : str or torch.device, default='cpu'
        Where the batches are moved.
    rng : numpy.random.Generator, default=None
        Shuffles the batches, anew every time the iterator is iterated.
    by_length : bool, default=True
        Without ``rng``: sort by length (validation) or keep the given order.
    world : World, default=None
        In a distributed fit, the processes: each batch is this process's
        share of the global batch, its ``x`` dict with the share of the
        batch's loss rows (``share``) and the global batch's size
        (``n_global``), see :func:`~sklearn_rnn._training._distributed.shard_batches`.
    """

    def __init__(
        self,
        dataset,
        batch_size,
        device="cpu",
        rng=None,
        by_length=True,
        world=None,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.rng = rng
        self.by_length = by_length
        self.world = world

    def __iter__(self):
        data = self.dataset
        order = batch_order(
            data.lengths_np, self.batch_size, self.rng, by_length=self.by_length
        )
        if self.world is None:
            yield from data.batches(order, self.device)
            return
        per_step = data.y_offsets is not None
        shards = shard_batches(order, data.lengths_np, per_step, self.world)
        local = [mine for mine, _, _ in shards]
        for (X, target), (_, share, n_global) in zip(
            data.batches(local, self.device), shards, strict=True
        ):
            yield {**X, "share": share, "n_global": n_global}, target

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)


def sequence_data(
    values, lengths, y=None, sample_weight=None, offsets=None, y_offsets=None
):
    """:class:`DiskSequenceData` for a memmap (from ``check_sequences(lazy=True)``),
    :class:`SequenceData` for anything else."""
    if isinstance(values, np.memmap):
        return DiskSequenceData(values, lengths, y, sample_weight, y_offsets)
    return SequenceData(values, lengths, y, sample_weight, offsets, y_offsets)


def predict_batches(module, data, device, batch_size=PREDICT_BATCH_SIZE):
    """Raw module outputs for ``data``, in the original sample order, on CPU.

    Sequences are sorted by length so that each batch is padded only to its own
    longest one; the output of a sequence does not depend on its batch. A
    per-step module gives one row per real step, the sequences one after the
    other (see :func:`step_offsets`).
    """
    out = None
    every_step = not getattr(module, "one_per_sequence", True)  # a row per real step
    data = data.on_device(device)
    lengths = torch.from_numpy(data.lengths_np)
    starts = torch.from_numpy(step_offsets(data.lengths_np))
    with torch.inference_mode():
        for index in batch_order(data.lengths_np, batch_size, None):
            X, _ = data.batch(index, device)
            x, batch_lengths = X["x"], X["lengths"]
            extra = -len(index) % ROW_BLOCK if x.shape[1] <= EXACT_MAX_STEPS else 0
            if extra:  # empty one-step rows, after the real ones
                x = F.pad(x, (0, 0, 0, 0, 0, extra))
                batch_lengths = F.pad(batch_lengths, (0, extra), value=1)
            # Where the outputs go: a row per sequence, or per real step.
            rows = torch.from_numpy(index)
            if every_step:
                rows = real_steps(starts[rows], lengths[rows])
            # The empty rows' outputs come last (per step: one row each).
            pred = module(x, batch_lengths)[: len(rows)].cpu()
            if out is None:
                size = int(lengths.sum()) if every_step else len(data)
                out = pred.new_empty((size, pred.shape[1]))
            out[rows] = pred
    return out
