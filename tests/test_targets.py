"""Where targets sit: the SEQUENCE and STEP strategies of the estimators."""

import numpy as np
import pytest
from conftest import TINY, ragged
from sklearn.base import is_classifier, is_regressor

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
)
from sklearn_rnn._estimators._targets import SEQUENCE, STEP
from sklearn_rnn._input._validation import check_sequences


def test_per_step_estimators_are_not_sequence_estimators():
    """A per-step model returns a row per step: it is no RNNRegressor or
    RNNClassifier (it was a subclass of both), only a regressor or a classifier,
    and the sequence classes are no per-step estimators either."""
    assert not isinstance(RNNTimestepRegressor(), RNNRegressor)
    assert not isinstance(RNNTimestepClassifier(), RNNClassifier)
    assert is_regressor(RNNTimestepRegressor())
    assert is_classifier(RNNTimestepClassifier())
    assert not isinstance(RNNRegressor(), RNNTimestepRegressor)
    assert not hasattr(RNNTimestepRegressor(), "pooling")
    assert RNNRegressor._targets is SEQUENCE and RNNTimestepRegressor._targets is STEP


def _seqs(X):
    return check_sequences(RNNRegressor(), X, reset=True, dtype=np.float32)


def test_the_sequence_layout_has_a_row_per_sequence():
    X = [np.ones((n, 2)) for n in (3, 1, 4)]
    seqs, y, weight = _seqs(X), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.5, 2.0])
    assert SEQUENCE.one_per_sequence and SEQUENCE.stratify
    np.testing.assert_array_equal(SEQUENCE.rows(y, seqs, RNNRegressor()), y)
    np.testing.assert_array_equal(SEQUENCE.row_weights(weight, seqs), weight)
    assert SEQUENCE.row_offsets(seqs.lengths) is None
    assert SEQUENCE.output(y, seqs, X) is y


def test_the_step_layout_has_a_row_per_real_step_in_the_input_form():
    X = [np.arange(n * 2.0).reshape(n, 2) for n in (3, 1, 4)]
    seqs = _seqs(X)
    y = [np.arange(n) + 10.0 * i for i, n in enumerate((3, 1, 4))]
    assert not STEP.one_per_sequence and not STEP.stratify
    rows = STEP.rows(y, seqs, RNNTimestepRegressor())
    np.testing.assert_array_equal(rows, np.concatenate(y))
    weights = STEP.row_weights(np.array([1.0, 0.5, 2.0]), seqs)
    np.testing.assert_array_equal(weights, [1, 1, 1, 0.5, 2, 2, 2, 2])
    np.testing.assert_array_equal(STEP.row_offsets(seqs.lengths), [0, 3, 4])
    back = STEP.output(rows, seqs, X)  # a list in, a list out
    assert [b.tolist() for b in back] == [t.tolist() for t in y]
    padded = np.full((3, 5, 2), np.nan)
    for row, x in zip(padded, X):
        row[: len(x)] = x
    aligned = STEP.output(rows, _seqs(padded), padded)  # an array: NaN padding
    assert aligned.shape == (3, 5) and np.isnan(aligned[1, 1:]).all()


def test_the_step_layout_scores_every_real_step_weighted_as_its_sequence():
    X, _, _ = ragged(n=12)
    y = [np.cumsum(x[:, 0]) for x in X]
    est = RNNTimestepRegressor(**TINY).fit(X, y)
    weight = np.linspace(0.5, 2.0, len(X))
    flat, per_step = np.concatenate(est.predict(X)), np.concatenate(y)
    steps = np.repeat(weight, [len(x) for x in X])
    expected = 1 - np.average((per_step - flat) ** 2, weights=steps) / np.average(
        (per_step - np.average(per_step, weights=steps)) ** 2, weights=steps
    )
    assert est.score(X, y, sample_weight=weight) == pytest.approx(expected)
