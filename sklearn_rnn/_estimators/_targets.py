"""Where an estimator's targets sit: one per sequence, or one per real step.

Each estimator class holds one of these strategies as ``_targets``; the base
estimator and the regression and classification logic go through it for
everything that depends on the layout of the targets (aligning them with
``X``, their rows in the loss, their weights, the shape of the predictions,
the score), so that no other module knows whether targets are per step.
"""

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from .._input._formats import align_targets
from .._input._validation import (
    _MANY_FEATURES,
    is_sequence_list,
    step_offsets,
)
from .._warnings import warn_user

__all__ = ["SEQUENCE", "STEP"]


class SequenceTargets:
    """One target row per sequence: the network pools the steps of each."""

    one_per_sequence = True
    """Whether the network gives one output per sequence (pools its steps)."""
    stratify = True
    """Whether a validation split may be stratified by the encoded target."""

    def align(self, X, y):
        """``y`` with a row per sequence of ``X``, in ``X``'s order."""
        return align_targets(X, y)

    def check_shapes(self, X, y, seqs, estimator):
        """Say what a user coming from tabular data or Keras most likely meant:
        one long series given as a single sequence with a target per step, or
        as one-step "sequences" (an MLP on one step, not a recurrent model)."""
        name = type(estimator).__name__
        lengths = seqs.lengths
        n_targets = len(y) if hasattr(y, "__len__") else None
        if len(lengths) == 1 and lengths[0] > 1 and n_targets == lengths[0]:
            raise ValueError(
                f"X holds one sequence of {lengths[0]} timesteps and y {n_targets} "
                f"targets. {name} predicts one target per sequence: to forecast a "
                "series from its past, cut it into windows with "
                "sklearn_rnn.datasets.make_windows(series, window=...); for a "
                f"target at every step, use {name.replace('RNN', 'RNNTimestep')}."
            )
        if len(lengths) > 1 and lengths.max() == 1 and np.ndim(X) in (2, 3):
            if np.ndim(X) == 3 and np.shape(X)[2] >= _MANY_FEATURES:
                return  # the channels-first warning of check_sequences said it
            warn_user(
                f"Every sequence of X has a single timestep (X has shape "
                f"{np.shape(X)}): the network sees no history and is an MLP on "
                "one step. To learn from the past of a series, cut it into windows "
                "with sklearn_rnn.datasets.make_windows(series, window=...), "
                "giving X of shape (n_windows, window, n_features).",
                UserWarning,
            )

    def rows(self, y, seqs, estimator):
        """The targets as rows of the loss, in the order of the outputs."""
        return y

    def row_weights(self, weight, seqs):
        """The per-sequence ``weight`` as one weight per row of ``rows``."""
        return weight

    def row_offsets(self, lengths):
        """Where each sequence's rows start in ``rows``; None: one row each."""
        return None

    def output(self, flat, seqs, X):
        """Predictions, one per row of the outputs, in the form ``X`` asks."""
        return flat

    def score(self, estimator, X, y, sample_weight, metric, to_output):
        """``metric`` of the predictions of ``X`` against ``y``."""
        out, _ = estimator._forward(X)
        return metric(self.align(X, y), to_output(out), sample_weight=sample_weight)


class StepTargets(SequenceTargets):
    """One target row per real step, the sequences one after the other: the
    network reads the recurrence at every step, and each step weighs as its
    sequence."""

    one_per_sequence = False
    stratify = False  # the split is by sequence, the labels are per step

    def align(self, X, y):
        return y  # rows returns the targets of the real steps in X's order

    def check_shapes(self, X, y, seqs, estimator):
        pass  # rows says what does not fit, step by step

    def rows(self, y, seqs, estimator):
        """The targets of the real steps, one sequence after the other.

        ``y`` is a list with one array ``(length_i[, n_outputs])`` per sequence
        (for a padded array ``X``, an array as wide as ``X``'s time axis is read
        at the sequence's steps), or an array ``(n_samples, n_timesteps[,
        n_outputs])`` aligned with ``X``, whose values past each sequence are
        ignored.
        """
        name = type(estimator).__name__
        lengths = seqs.lengths
        if is_sequence_list(y):
            return _rows_of_list(y, seqs, name)
        y = np.asarray(y)
        if y.ndim < 2:
            raise ValueError(
                f"{name} needs one target per timestep: y as a list of (length,) "
                "or (length, n_outputs) arrays, one per sequence, or an array "
                f"(n_samples, n_timesteps[, n_outputs]). Got an array of shape "
                f"{y.shape} instead; for one target per sequence use "
                f"{name.replace('Timestep', '')}."
            )
        if len(y) != len(lengths):
            raise ValueError(
                f"y has {len(y)} sequences of targets, but X has {len(lengths)}."
            )
        ends = lengths if seqs.starts is None else seqs.starts + lengths
        short = np.flatnonzero(ends > y.shape[1])
        if len(short):
            i = int(short[0])
            raise ValueError(
                f"Sequence {i} of X has {lengths[i]} timesteps but y has only "
                f"{y.shape[1]} per sequence: {name} needs one target per timestep."
            )
        return y[seqs.input_positions()]

    def row_weights(self, weight, seqs):
        return np.repeat(weight, seqs.lengths)

    def row_offsets(self, lengths):
        return step_offsets(lengths)

    def output(self, flat, seqs, X):
        return seqs.like_input(flat, is_sequence_list(X))

    def score(self, estimator, X, y, sample_weight, metric, to_output):
        out, seqs = estimator._forward(X)
        y_true = self.rows(y, seqs, estimator)
        weight = None
        if sample_weight is not None:
            weight = _check_sample_weight(sample_weight, seqs.lengths, dtype=np.float64)
            weight = self.row_weights(weight, seqs)
        return metric(y_true, to_output(out), sample_weight=weight)


def _rows_of_list(y, seqs, name):
    lengths = seqs.lengths
    if len(y) != len(lengths):
        raise ValueError(
            f"y holds targets for {len(y)} sequences, but X has "
            f"{len(lengths)}: give one array of per-step targets per sequence."
        )
    width = seqs.values.shape[1] if seqs.offsets is None else None
    starts = np.zeros_like(lengths) if seqs.starts is None else seqs.starts
    parts = []
    for i, (target, length) in enumerate(zip(y, lengths)):
        target = np.asarray(target)
        if target.ndim == 0 or target.ndim > 2:
            raise ValueError(
                f"The targets of sequence {i} must be 1D (length,) or 2D "
                f"(length, n_outputs); got shape {target.shape}."
            )
        if len(target) == width and width != length:
            target = target[starts[i] : starts[i] + length]
        elif len(target) != length:
            raise ValueError(
                f"Sequence {i} of X has {length} timesteps but its targets "
                f"in y have {len(target)}: {name} needs one target per "
                "timestep."
            )
        parts.append(target)
    try:
        return np.concatenate(parts)
    except ValueError:
        raise ValueError(
            "The per-step targets of all sequences must have the same number "
            "of outputs."
        ) from None


SEQUENCE = SequenceTargets()
STEP = StepTargets()
