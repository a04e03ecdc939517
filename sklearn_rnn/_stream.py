"""Live sequences: predictions after every new step without re-reading the past.

A unidirectional recurrent network is a state machine: its state after step
``t`` and step ``t + 1`` give its state after ``t + 1``; the pooling over time
('last', 'mean', 'max', 'attention') has a running form too (attention: a
softmax accumulated with a running maximum, as in online softmax). So a new
step costs one step of the network, whatever the length of the prefix.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRNN
from ._categories import encode_categories
from ._classifier import RNNClassifier, to_probabilities
from ._module import ACTIVATIONS, LoopRecurrence, cell_step
from ._threads import torch_threads
from ._utils import flush_denormals
from ._validation import check_sequences

__all__ = ["SequenceStream", "StepLayers", "pool_add", "pool_start", "pool_value"]


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
        A fitted, unidirectional estimator without convolutions or
        downsampling (``conv_filters=0``, ``downsample_ == 1``). A
        bidirectional network reads every sequence backwards from its last
        step, so a new step changes all of its outputs: it is refused.

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
        if module.bidirectional:
            raise ValueError(
                "A bidirectional model cannot be streamed: its backward "
                "direction reads each sequence from its last step, so every new "
                "step changes all earlier outputs. Fit it with "
                "bidirectional=False to predict step by step."
            )
        if module.front_end is not None or module.branch is not None:
            raise ValueError(
                "SequenceStream does not yet stream the convolutions and "
                "downsampling before the recurrence (conv_filters, downsample); "
                "fit the model with conv_filters=0 and downsample=1."
            )
        self.estimator = estimator
        self._states = {}

    @property
    def ids(self):
        return list(self._states)

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
        seqs = check_sequences(est, X, reset=False, dtype=np.float32, pad_value=0.0)
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
                steps = self._advance(ids, x, lengths)
        if est._per_step:
            return [self._outputs(s) for s in steps]
        return self.predict(ids)

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
        return self._outputs(self._pooled(ids))

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
        if not isinstance(self.estimator, RNNClassifier):
            raise AttributeError("predict_proba needs a classifier.")
        logits = self._pooled(ids)
        return to_probabilities(logits, self.estimator._multilabel).numpy()

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
            del self._states[i]
        return self

    drop = reset  # an id without state is simply not live any more

    # -- internals ---------------------------------------------------------------

    def _check_ids(self, ids, new):
        if isinstance(ids, (str, bytes)) or not hasattr(ids, "__len__"):
            raise TypeError(f"ids must be a list of ids, got {ids!r}.")
        ids = list(ids)
        if len(set(ids)) != len(ids):
            raise ValueError("ids lists a sequence twice; give each id once.")
        if not new:
            unknown = [i for i in ids if i not in self._states]
            if unknown:
                raise KeyError(f"No live sequence has the ids {unknown}.")
        return ids

    def _pooled(self, ids):
        """The head's raw outputs for the sequences ``ids`` as they stand."""
        if self.estimator._per_step:
            raise AttributeError(
                "The per-step estimators predict each new step: read the "
                "predictions update returns."
            )
        ids = list(self._states) if ids is None else self._check_ids(ids, new=False)
        if not ids:
            raise ValueError("No live sequences to predict.")
        module = self.estimator.module_
        pool = torch.stack([self._states[i]["pool"] for i in ids], 1)
        count = torch.tensor(
            [self._states[i]["count"] for i in ids], device=pool.device
        )
        with flush_denormals(), torch.no_grad():
            return module.head(pool_value(module.pooling, pool, count)).cpu()

    def _outputs(self, raw):
        est = self.estimator
        if isinstance(est, RNNClassifier):
            return est._to_labels(raw)
        return est._to_targets(raw)

    def _advance(self, ids, x, lengths):
        """Run the new steps ``x`` ``(B, T, d)`` of ``ids`` through the network,
        updating their states; per-step estimators get each id's raw outputs."""
        module = self.estimator.module_
        if module.embedding is not None:
            x = module.embedding(x)
        layers = StepLayers(module.encoder)
        fresh = {
            "hidden": x.new_zeros(layers.layers, 2, layers.size),
            "pool": pool_start(module.pooling, layers.size, x),
            "count": 0,
        }
        states = [self._states.get(i, fresh) for i in ids]
        hidden = torch.stack([s["hidden"] for s in states], 2)
        pool = torch.stack([s["pool"] for s in states], 1)
        outputs = []
        for t in range(x.shape[1]):
            active = t < lengths
            top, hidden = layers.step(x[:, t], hidden, active)
            if module.per_step:
                outputs.append(module.head(top))
            else:
                pool = pool_add(module, pool, top, active)
        for b, i in enumerate(ids):
            self._states[i] = {
                "hidden": hidden[:, :, b].clone(),
                "pool": pool[:, b].clone(),
                "count": states[b]["count"] + int(lengths[b]),
            }
        if not module.per_step:
            return None
        outputs = torch.stack(outputs, 1).cpu()
        return [out[:n] for out, n in zip(outputs, lengths.tolist())]


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
