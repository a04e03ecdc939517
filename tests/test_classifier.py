"""RNNClassifier: labels, probabilities, class weights."""

import numpy as np
import pytest
from conftest import TINY, ragged

from sklearn_rnn import (
    RNNClassifier,
)

nan = np.nan


def test_classifier_labels_binary_multiclass_multilabel():
    X, y_reg, _ = ragged(n=45)
    words = np.array(["low", "mid", "high"])[np.digitize(y_reg, [-0.5, 0.5])]
    clf = RNNClassifier(**TINY).fit(X, words)
    assert set(clf.classes_) == {"high", "low", "mid"}
    assert set(clf.predict(X)) <= set(words)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), atol=1e-12)
    assert 0 <= clf.score(X, words) <= 1

    multilabel = np.column_stack([y_reg > 0, np.abs(y_reg) > 1]).astype(int)
    clf = RNNClassifier(**TINY).fit(X, multilabel)
    assert clf.predict(X).shape == (45, 2)
    assert clf.predict_proba(X).shape == (45, 2)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    with pytest.raises(ValueError, match="fitted on multilabel"):
        clf.partial_fit(X, multilabel[:, 0])
    with pytest.raises(ValueError, match="y has 3 labels"):
        clf.partial_fit(X, np.column_stack([multilabel, multilabel[:, :1]]))


def test_class_weight_shifts_predictions_towards_heavy_class():
    X, _, y = ragged(n=60)
    params = dict(TINY, max_iter=10)
    plain = RNNClassifier(**params).fit(X, y).predict_proba(X)[:, 1].mean()
    heavy = RNNClassifier(class_weight={0: 1.0, 1: 10.0}, **params).fit(X, y)
    assert heavy.predict_proba(X)[:, 1].mean() > plain
    balanced = RNNClassifier(class_weight="balanced", **params).fit(X, y)
    assert balanced.predict(X).shape == (60,)


def test_balanced_class_weight_with_partial_fit_is_a_clear_error():
    X, _, y = ragged()
    clf = RNNClassifier(class_weight="balanced", **TINY)
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    # As SGDClassifier advises: weights computed once, passed as a dict.
    clf.set_params(class_weight={0: 1.0, 1: 2.0, 2: 1.0}).partial_fit(
        X, y, classes=[0, 1, 2]
    )
    assert clf.n_iter_ == 1
