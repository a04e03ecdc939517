"""Live sequences: predictions after every new step without re-reading the past.

A unidirectional recurrent network is a state machine: its state after step
``t`` and step ``t + 1`` give its state after ``t + 1``; the pooling over time
('last', 'mean', 'max', 'attention') has a running form too (attention: a
softmax accumulated with a running maximum, as in online softmax). So a new
step costs one step of the recurrence, whatever the length of the prefix; a
convolution front-end re-runs over the steps its receptive field covers (kept
in a buffer), a window that does not grow with the prefix.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted

from .._estimators._base import BaseRNN
from .._estimators._classifier import BaseRNNClassifier
from .._input._categories import encode_categories
from .._input._validation import check_sequences
from .._nn._ensemble import Ensemble
from .._nn._real_steps import last_steps
from .._nn._recurrence import ACTIVATIONS, LoopRecurrence, cell_step
from .._training._runtime import flush_denormals
from .._training._threads import torch_threads
from .._warnings import warn_user

__all__ = ["SequenceStream", "StreamPlan", "stream_head"]


class SequenceStream:
    """Predictions for sequences that grow a step at a time.

    Holds the recurrent state of any number of live sequences, each known by
    an id of your choice (a sensor name, a patient number), and updates it
    with their new steps: the prediction of a sequence after an update is
    ``estimator.predict`` on everything the sequence has received, at the
    cost of the new steps only.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, RNNTimestepRegressor or \
RNNTimestepClassifier
        A fitted, unidirectional estimator, one network or an ensemble
        (``n_estimators > 1``: each member's state is kept, and their outputs
        combine as in ``predict``). Its causal front-end
        (``conv_filters`` in either ``conv_layout``, ``downsample``) is
        streamed with a buffer of the steps its receptive field covers; a
        block of ``downsample_`` steps not yet complete is read as ``predict``
        reads it. A bidirectional network reads every sequence backwards from
        its last step, so a new step changes all of its outputs: it is
        refused.

    Attributes
    ----------
    ids : list
        The ids of the live sequences, in the order they started.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor, SequenceStream
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 6, 2))
    >>> reg = RNNRegressor(hidden_size=8, max_iter=3, n_iter_no_change=None,
    ...                    random_state=0).fit(X, X[:, -1, 0])
    >>> stream = SequenceStream(reg)
    >>> for t in range(6):  # one step at a time, two sequences
    ...     now = stream.update(["a", "b"], X[:2, t : t + 1])
    >>> bool(np.allclose(now, reg.predict(X[:2]), atol=1e-6))
    True
    """

    def __init__(self, estimator):
        if not isinstance(estimator, BaseRNN):
            raise TypeError(
                "SequenceStream streams the recurrent estimators of sklearn-rnn; "
                f"got {type(estimator).__name__}."
            )
        check_is_fitted(estimator)
        module = estimator.module_
        # An ensemble streams each member's state and combines their outputs
        # as its predict does.
        self._networks = (
            list(module.members) if isinstance(module, Ensemble) else [module]
        )
        if self._networks[0].bidirectional:
            raise ValueError(
                "A bidirectional model cannot be streamed: its backward "
                "direction reads each sequence from its last step, so every new "
                "step changes all earlier outputs. Fit it with "
                "bidirectional=False to predict step by step."
            )
        self.estimator = estimator
        # The state of every live sequence, one row each in a tensor per part
        # of the state. The store doubles when it is full and the rows of
        # reset sequences go to new ones, so starting ids one at a time costs
        # no copy of the whole store each.
        self._rows = {}  # id -> row
        self._free = []  # rows of no live sequence, reused first
        self._store = None  # part -> tensor, the rows on _BATCH_AXIS

    @property
    def ids(self):
        return list(self._rows)

    def update(self, ids, X):
        """Add new steps to some sequences and predict for them.

        Parameters
        ----------
        ids : sequence of hashable
            The sequences that receive steps; an id not seen before starts a
            new sequence.
        X : array-like or list of array-like
            The new steps of each of ``ids``, in any form ``predict`` takes
            (``X[i]``: the steps of ``ids[i]``; one step each:
            ``(len(ids), 1, n_features)``).

        Returns
        -------
        y : ndarray or list of ndarray
            ``predict`` on each sequence as it now stands: for the sequence
            estimators what ``predict`` returns for those sequences; for the
            per-step estimators, one array per id with the predictions of its
            new steps.
        """
        ids = self._check_ids(ids, new=True)
        est = self.estimator
        seqs = self._check_steps(X)
        if len(seqs.lengths) != len(ids):
            raise ValueError(
                f"X holds {len(seqs.lengths)} sequences of new steps for "
                f"{len(ids)} ids; give one per id."
            )
        values, _ = encode_categories(
            seqs, est._categorical_, getattr(est, "categories_", None), est
        )
        device = next(est.module_.parameters()).device
        with torch_threads(est._threads(len(ids), device)), flush_denormals():
            with torch.no_grad():
                x = torch.from_numpy(values).to(device)
                lengths = torch.from_numpy(seqs.lengths).to(device)
                raw = self._advance(ids, x, lengths)
        if not est.module_.one_per_sequence:
            return [self._outputs(r) for r in raw]
        return self._outputs(raw)

    def _check_steps(self, X):
        est = self.estimator
        try:
            return check_sequences(est, X, reset=False, dtype=np.float32, pad_value=0.0)
        except ValueError as exc:
            # scikit-learn's message reads a 2D X's columns as features.
            if not (getattr(est, "_fitted_on_2d", False) and np.ndim(X) == 2):
                raise
            raise ValueError(
                f"{exc} A model fitted on 2D windows streams univariate steps: "
                "pass the new steps as a 3D array (n_ids, n_steps, 1), e.g. "
                "X[:, t:t + 1, None], or as a list of 1D arrays, one per id."
            ) from None

    def predict(self, ids=None):
        """``predict`` on sequences as they stand (not the per-step estimators).

        Parameters
        ----------
        ids : sequence of hashable, default=None
            Live sequences; None: all of them, in the order of ``ids``.

        Returns
        -------
        y : ndarray
            What ``estimator.predict`` returns for those sequences.
        """
        return self._outputs(self._raw(ids))

    def predict_proba(self, ids=None):
        """``predict_proba`` on sequences as they stand (classifiers).

        Parameters
        ----------
        ids : sequence of hashable, default=None
            Live sequences; None: all of them.

        Returns
        -------
        proba : ndarray of shape (len(ids), n_classes)
            What ``estimator.predict_proba`` returns for those sequences.
        """
        if not isinstance(self.estimator, BaseRNNClassifier):
            raise AttributeError("predict_proba needs a classifier.")
        logits = self._raw(ids)
        return self.estimator._output_map.predict(logits).numpy()

    def reset(self, ids):
        """Forget the steps of ``ids``: their next step starts them anew.

        Parameters
        ----------
        ids : sequence of hashable
            Live sequences.

        Returns
        -------
        self : SequenceStream
            The stream, without those sequences.
        """
        for i in self._check_ids(ids, new=False):
            self._free.append(self._rows.pop(i))
        if self._capacity() > 2 * len(self._rows) + 64:
            self._compact()
        return self

    def drop(self, ids):
        """Deprecated: use ``reset``, the same operation.

        Parameters
        ----------
        ids : sequence of hashable
            Live sequences.

        Returns
        -------
        self : SequenceStream
            The stream, without those sequences.
        """
        warn_user(
            "SequenceStream.drop is deprecated and will be removed in 0.5: it "
            "is reset under another name. Call reset(ids).",
            FutureWarning,
        )
        return self.reset(ids)

    # -- internals ---------------------------------------------------------------

    def _row_index(self, ids):
        rows = [self._rows[i] for i in ids]
        return torch.tensor(rows, dtype=torch.long, device=self._store[STEPS].device)

    def _gather(self, ids):
        """The states of ``ids`` as a batch (a copy)."""
        index = self._row_index(ids)
        return {
            k: v.index_select(_batch_axis(k), index) for k, v in self._store.items()
        }

    def _scatter(self, ids, batch):
        index = self._row_index(ids)
        for k, v in batch.items():
            self._store[k].index_copy_(_batch_axis(k), index, v)

    def _capacity(self):
        return 0 if self._store is None else len(self._store[STEPS])

    def _assign(self, ids, like):
        """Rows for the new sequences ``ids``: free rows first, then the store
        doubles (a new store is shaped as the per-sequence state ``like``).
        What a row held before is left: ``StreamPlan.restart`` starts it."""
        if self._store is None:
            self._store = {k: _rows_of(v, k, 0) for k, v in like.items()}
        missing = len(ids) - len(self._free)
        if missing > 0:
            capacity = self._capacity()
            more = max(capacity, missing)  # at least doubles
            self._store = {
                k: torch.cat([v, _rows_of(like[k], k, more)], _batch_axis(k))
                for k, v in self._store.items()
            }
            self._free.extend(reversed(range(capacity, capacity + more)))
        for i in ids:
            self._rows[i] = self._free.pop()

    def _add(self, ids, state):
        """New rows, in the per-sequence state ``state``, for ``ids``."""
        self._assign(ids, state)
        self._scatter(
            ids,
            {k: torch.stack([v] * len(ids), _batch_axis(k)) for k, v in state.items()},
        )

    def _compact(self):
        """A store of the live sequences' rows only."""
        ids = list(self._rows)
        self._free = []
        if not ids:
            self._store = None
            self._rows = {}
            return
        self._store = self._gather(ids)
        self._rows = {i: n for n, i in enumerate(ids)}

    def _state(self, key):
        """The state of one live sequence: part -> tensor."""
        return {
            k: v.select(_batch_axis(k), self._rows[key]) for k, v in self._store.items()
        }

    def _fresh_state(self, device):
        """The state of a sequence that has received no step."""
        like = torch.zeros(0, 1, self.estimator.n_channels_in_, device=device)
        return _joined([StreamPlan(m, m.embed(like)).fresh() for m in self._networks])

    def _check_ids(self, ids, new):
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
            raise TypeError(f"ids must be a list of ids, got {ids!r}.")
        ids = list(ids)
        if len(set(ids)) != len(ids):
            raise ValueError("ids lists a sequence twice; give each id once.")
        if not new:
            unknown = [i for i in ids if i not in self._rows]
            if unknown:
                raise KeyError(f"No live sequence has the ids {unknown}.")
        return ids

    def _raw(self, ids):
        """The head's raw outputs for the sequences ``ids`` as they stand."""
        if not self.estimator.module_.one_per_sequence:
            raise AttributeError(
                "The per-step estimators predict each new step: read the "
                "predictions update returns."
            )
        ids = list(self._rows) if ids is None else self._check_ids(ids, new=False)
        if not ids:
            raise ValueError("No live sequences to predict.")
        batch = self._gather(ids)
        with flush_denormals(), torch.no_grad():
            outputs = [
                stream_head(network, state)
                for network, state in zip(self._networks, _split(batch), strict=True)
            ]
            return self._combined(outputs).cpu()

    def _outputs(self, raw):
        est = self.estimator
        if isinstance(est, BaseRNNClassifier):
            return est._to_labels(raw)
        return est._to_targets(raw)

    def _advance(self, ids, x, lengths):
        """Run the new steps ``x`` ``(B, T, d)`` of ``ids`` through the network,
        updating their states: the head's raw outputs for the sequences as
        they now stand (per-step estimators: a list, each id's new steps').

        With a front-end of stride ``s`` the recurrence reads one frame per
        block of ``s`` steps: the frame of the newest block comes from the
        front-end run on a window of the last steps that covers its receptive
        field (kept in ``tail``), and a block not yet complete is read as
        ``predict`` reads it, zero-padded, without committing its step.
        """
        inputs = [network.embed(x) for network in self._networks]
        plans = [
            StreamPlan(network, steps)
            for network, steps in zip(self._networks, inputs, strict=True)
        ]
        starting = [i for i in ids if i not in self._rows]
        if starting:
            new = torch.tensor([i not in self._rows for i in ids], device=x.device)
            self._assign(starting, _joined([plan.fresh() for plan in plans]))
        states = _split(self._gather(ids))
        if starting:  # their rows may hold a reset sequence's state
            states = [
                plan.restart(state, new)
                for plan, state in zip(plans, states, strict=True)
            ]
        outputs = []  # per network: its head's outputs
        for network, plan, x, state in zip(
            self._networks, plans, inputs, states, strict=True
        ):
            steps = []
            for t in range(x.shape[1]):
                active = t < lengths
                plan.step(state, x[:, t], active)
                if not network.one_per_sequence:
                    steps.append(stream_head(network, state))
            # what predict(ids) would read back, or each new step's output
            outputs.append(
                stream_head(network, state)
                if network.one_per_sequence
                else torch.stack(steps, 1)
            )
        self._scatter(ids, _joined(states))
        out = self._combined(outputs).cpu()
        if self.estimator.module_.one_per_sequence:
            return out
        return [o[:n] for o, n in zip(out, lengths.tolist())]

    def _combined(self, outputs):
        """The networks' outputs as the model's (an ensemble's combination)."""
        if len(outputs) == 1:
            return outputs[0]
        return self.estimator.module_.combine(torch.stack(outputs))


def stream_head(module, state):
    """The network's output for a batch of states: the head on what it reads
    now, plus the highway's linear map of the last input steps (``tail``)."""
    out = module.head(state["current"])
    if module.highway is not None:
        k = module.highway.kernel_size[0]
        recent = state["tail"][:, -k:].transpose(1, 2)
        out = out + module.highway(recent).squeeze(2)
    return out


# The state of a sequence is one dict of tensors: each part of each network's
# state (an ensemble has one state per member), the first network's parts
# under their own names, the next ones' as "<member>.<part>".
STEPS = "steps"


def _joined(states):
    """One state dict from the states of each network."""
    return {
        (part if i == 0 else f"{i}.{part}"): value
        for i, state in enumerate(states)
        for part, value in state.items()
    }


def _split(state):
    """The state dict of each network (views of ``state``'s tensors)."""
    states = {}
    for key, value in state.items():
        member, _, part = key.rpartition(".")
        states.setdefault(int(member or 0), {})[part] = value
    return [states[i] for i in sorted(states)]


# Where the sequences of a batch sit in each part of the state (else axis 0):
# the layouts of StepLayers.step and pool_add.
_BATCH_AXIS = {"hidden": 2, "pool": 1}


def _batch_axis(key):
    return _BATCH_AXIS.get(key.rpartition(".")[2], 0)


def _rows_of(state, key, n):
    """``n`` rows of zeros for the part ``key`` whose state of one sequence
    is ``state``."""
    axis = _batch_axis(key)
    return state.new_zeros((*state.shape[:axis], n, *state.shape[axis:]))


class StreamPlan:
    """How one step of input moves the state of a batch of live sequences.

    The state (one row per sequence): ``hidden`` ``(L, 2, H)`` and ``pool``
    ``(3, H)`` after the last complete frame, ``frames`` (their number),
    ``steps`` (input steps received), ``tail`` (the last input steps the
    front-ends read), ``beside`` (the running sum of the parallel branch's
    outputs) and ``current`` (what the head reads now).
    """

    def __init__(self, module, x):
        self.module = module
        self.layers = StepLayers(module.encoder)
        self.front_end, self.branch = module.front_end, module.branch
        self.stride = self.front_end.stride if self.front_end is not None else 1
        self.keep = max(
            _window(self.front_end) if self.front_end is not None else 0,
            _window(self.branch) if self.branch is not None else 0,
            module.highway.kernel_size[0] if module.highway is not None else 0,
            1,
        )
        self.width = x.shape[2]
        self.like = x

    def fresh(self):
        x, size = self.like, self.layers.size
        beside = self.branch.layers[-1].out_channels if self.branch is not None else 0
        return {
            "hidden": x.new_zeros(self.layers.layers, 2, size),
            "pool": pool_start(self.module.pooling, size, x),
            "frames": torch.zeros((), dtype=torch.long, device=x.device),
            "steps": torch.zeros((), dtype=torch.long, device=x.device),
            "tail": x.new_zeros(self.keep, self.width),
            "beside": x.new_zeros(beside),
            "current": x.new_zeros(size + beside),
        }

    def restart(self, state, new):
        """The batch ``state`` with the rows ``new`` in the fresh state:
        what starts a sequence, for the stream (new ids, on rows that may
        hold a reset sequence's state) and ``to_onnx``'s graph (``count``
        0). A part missing from ``state`` is fresh in every row."""
        out = {}
        for key, fresh in self.fresh().items():
            axis = _batch_axis(key)
            fresh = fresh.unsqueeze(axis)
            if key not in state:
                size = [-1] * fresh.dim()
                size[axis] = new.shape[0]
                out[key] = fresh.expand(size)
                continue
            rows = [1] * fresh.dim()
            rows[axis] = -1
            out[key] = torch.where(new.view(rows), fresh, state[key])
        return out

    def step(self, state, x_t, active):
        """Move the batch ``state`` by the input step ``x_t`` ``(B, d)`` of
        its ``active`` rows (in place: the dict's parts are replaced)."""
        module = self.module
        keep = active.view(-1, 1, 1)
        shifted = torch.cat([state["tail"][:, 1:], x_t.unsqueeze(1)], 1)
        state["tail"] = torch.where(keep, shifted, state["tail"])
        steps = state["steps"] + active.long()
        state["steps"] = steps
        frame = x_t
        if self.front_end is not None:
            frame = _last_frame(self.front_end, state["tail"], steps, self.stride)
        complete = active & (steps % self.stride == 0)
        top, hidden = self.layers.step(frame, state["hidden"], active)
        state["hidden"] = torch.where(
            complete.view(1, 1, -1, 1), hidden, state["hidden"]
        )
        parts = [top]
        if module.one_per_sequence:  # the newest frame counts, complete or not
            pool = pool_add(module, state["pool"], top, active)
            frames = state["frames"] + active.long()
            parts = [pool_value(module.pooling, pool, frames)]
            state["pool"] = torch.where(complete.view(1, -1, 1), pool, state["pool"])
            state["frames"] = state["frames"] + complete.long()
        if self.branch is not None:
            out = _last_frame(self.branch, state["tail"], steps, 1)
            if not module.one_per_sequence:
                parts.append(out)
            else:
                total = state["beside"] + torch.where(active.view(-1, 1), out, 0.0)
                state["beside"] = total
                parts.append(total / steps.clamp(min=1).unsqueeze(1).to(total.dtype))
        current = torch.cat(parts, 1)
        state["current"] = torch.where(active.view(-1, 1), current, state["current"])


def _window(front_end):
    """Input steps a front-end's newest frame can depend on, rounded up to
    whole blocks, plus one block: how much of the past a stream keeps."""
    s, b = front_end.stride, front_end.block
    if not front_end.layers:
        return s
    # The convolutions' outputs the frame takes the maximum of reach back
    # pool - 1 blocks of b steps before the newest one's receptive field.
    earlier = (front_end.pool - 1) * b
    if front_end.block_means_first:  # every convolution reads block means
        reach = (1 + sum(k - 1 for k in front_end.kernel_sizes)) * b
    else:
        frames = 1 + sum(k - 1 for k in front_end.kernel_sizes[1:])
        reach = (frames - 1) * b + front_end.kernel_sizes[0]
    return -(-(reach + earlier) // s) * s + s


def _last_frame(front_end, tail, steps, stride):
    """The front-end's output frame for the newest (possibly partial) block of
    each row: run on the window of ``tail`` that starts at a block boundary
    (or at the sequence's start) and covers the frame's receptive field."""
    keep = tail.shape[1]
    partial = (steps - 1) % stride + 1  # steps in the newest block
    blocks = (keep - stride) // stride  # whole blocks before it, at most
    start = torch.clamp(steps - partial - blocks * stride, min=0)
    width = steps - start  # the window's length
    offset = torch.arange(keep, device=tail.device)
    index = (keep - width).unsqueeze(1) + offset
    window = tail.gather(1, index.clamp(max=keep - 1).unsqueeze(2).expand_as(tail))
    window = torch.where((offset < width.unsqueeze(1)).unsqueeze(2), window, 0.0)
    out, frames = front_end(window, width.clamp(min=1))
    return last_steps(out, frames)


# The running pooling state of each sequence: three rows of the hidden size.
# 'last': the last output; 'mean': the sum; 'max': the maximum; 'attention':
# the weighted sum of outputs, the largest score so far, the sum of weights.


def pool_start(pooling, size, like):
    state = like.new_zeros(3, size)
    if pooling == "max":
        state[0] = -torch.inf
    elif pooling == "attention":
        state[1] = -torch.inf
    return state


def pool_add(module, pool, out, active):
    """The states ``pool`` ``(3, B, H)`` after the outputs ``out`` ``(B, H)``
    of the ``active`` rows."""
    first, second, third = pool
    if module.pooling in ("last", None):
        first = out
    elif module.pooling == "mean":
        first = first + out
    elif module.pooling == "max":
        first = torch.maximum(first, out)
    else:  # attention: a softmax accumulated against a running maximum
        score = module.attention(out)
        top = torch.maximum(second, score)
        old, now = torch.exp(second - top), torch.exp(score - top)
        first, second, third = first * old + now * out, top, third * old + now
    new = torch.stack([first, second.expand_as(first), third.expand_as(first)])
    return torch.where(active.view(1, -1, 1), new, pool)


def pool_value(pooling, pool, count):
    first, _, third = pool
    if pooling == "mean":
        return first / count.unsqueeze(1).to(first.dtype)
    if pooling == "attention":
        return first / third
    return first


class StepLayers:
    """One step of a unidirectional stack of recurrent layers, masked, written
    with plain tensor operations (so that ONNX exports it as well)."""

    def __init__(self, encoder):
        if isinstance(encoder, LoopRecurrence):
            self.cell, activation = encoder.cell, encoder.activation
            self.size = encoder.hidden_size
            self.weights = [encoder._weights(k) for k in range(encoder.num_layers)]
        else:  # a torch LSTM/GRU/RNN module: the same weights, the same cell
            rnn = encoder.rnn
            self.size = rnn.hidden_size
            self.cell = {"LSTM": "lstm", "GRU": "gru"}.get(rnn.mode, "rnn")
            activation = "relu" if rnn.mode == "RNN_RELU" else "tanh"
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            self.weights = [
                tuple(getattr(rnn, f"{n}_l{k}") for n in names)
                for k in range(rnn.num_layers)
            ]
        self.act = ACTIVATIONS[activation]
        self.layers = len(self.weights)

    def step(self, x_t, hidden, active):
        """``(top layer's output (B, H), new hidden)`` from the states
        ``hidden`` ``(layers, 2, B, H)`` (h and c); inactive rows keep theirs."""
        new = []
        for layer, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.weights):
            h, c = hidden[layer, 0], hidden[layer, 1]
            h, c = cell_step(
                self.cell,
                F.linear(x_t, w_ih, b_ih),
                F.linear(h, w_hh, b_hh),
                h,
                c,
                self.act,
            )
            new.append(torch.stack([h, c]))
            x_t = h
        hidden = torch.where(active.view(1, 1, -1, 1), torch.stack(new), hidden)
        return hidden[-1, 0], hidden
