"""sequence_permutation_importance: the features and moments that matter."""

import numpy as np
import pytest
from conftest import TINY, ragged

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepRegressor,
    sequence_permutation_importance,
)


def test_the_feature_that_sets_the_target_is_found():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 10, 3))
    y = X[:, :, 2].mean(axis=1)
    reg = RNNRegressor(
        hidden_size=16, max_iter=60, n_iter_no_change=None, random_state=0
    )
    reg.fit(X, y)
    result = sequence_permutation_importance(reg, X, y, n_repeats=3, random_state=0)
    assert result.importances.shape == (3, 3)
    assert result.importances_mean.argmax() == 2
    assert result.importances_mean[2] > 10 * np.abs(result.importances_mean[:2]).max()
    assert set(result) == {"importances_mean", "importances_std", "importances"}


def test_the_window_of_the_events_is_found():
    rng = np.random.RandomState(1)
    n, T = 240, 30
    X = rng.normal(0, 0.3, size=(n, T, 1))
    y = rng.randint(2, size=n)
    X[:, 5:10, 0] += np.where(y, 1.5, -1.5)[:, None]  # the class: steps 5-9
    clf = RNNClassifier(
        hidden_size=16, max_iter=40, n_iter_no_change=None, random_state=0
    )
    clf.fit(X, y)
    result = sequence_permutation_importance(
        clf, X, y, by="step", window=5, n_repeats=3, random_state=0
    )
    assert result.windows[1] == (5, 10) and len(result.windows) == 6
    assert result.importances_mean.argmax() == 1
    others = np.delete(result.importances_mean, 1)
    assert result.importances_mean[1] > 0.3 and np.abs(others).max() < 0.1


def test_ragged_lists_and_per_step_estimators_keep_their_lengths():
    X, y_reg, _ = ragged(n=20)
    y = [x[:, 0].cumsum() for x in X]
    est = RNNTimestepRegressor(**TINY).fit(X, y)
    result = sequence_permutation_importance(est, X, y, n_repeats=2, random_state=0)
    assert result.importances.shape == (2, 2)
    again = sequence_permutation_importance(est, X, y, n_repeats=2, random_state=0)
    np.testing.assert_array_equal(result.importances, again.importances)
    with pytest.raises(ValueError, match="'by' parameter"):
        sequence_permutation_importance(est, X, y, by="time")
