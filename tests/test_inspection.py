"""sequence_permutation_importance: the features and moments that matter."""

import numpy as np
import pytest
from conftest import INVARIANCE_ATOL, TINY, ragged

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepRegressor,
    SequencePadder,
    integrated_gradients,
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


def test_integrated_gradients_add_up_and_find_the_step_that_matters():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 8, 2))
    y = 2.0 * X[:, 3, 0]  # one step of one feature sets the target
    reg = RNNRegressor(
        hidden_size=16,
        max_iter=80,
        n_iter_no_change=None,
        normalize_y=False,
        random_state=0,
    ).fit(X, y)
    attributions = integrated_gradients(reg, X[:20], n_steps=64)
    assert attributions.shape == (20, 8, 2)
    # Completeness: the attributions add up to the output's change from zero.
    change = reg.predict(X[:20]) - reg.predict(np.zeros((20, 8, 2)))
    np.testing.assert_allclose(attributions.sum(axis=(1, 2)), change, atol=0.05)
    strength = np.abs(attributions).mean(axis=0)
    assert np.unravel_index(strength.argmax(), strength.shape) == (3, 0)
    # A ragged list comes back as a list of (length, n_features) arrays.
    X_list = [x[: 4 + i % 4] for i, x in enumerate(X[:6])]
    shapes = [a.shape for a in integrated_gradients(reg, X_list)]
    assert shapes == [(len(x), 2) for x in X_list]


def test_integrated_gradients_of_a_classifier_and_what_is_refused():
    X, _, y = ragged(n=30)
    clf = RNNClassifier(**TINY).fit(X, y)
    attributions = integrated_gradients(clf, X, target=1)
    assert len(attributions) == 30 and attributions[0].shape == X[0].shape
    with pytest.raises(TypeError, match="explains RNNRegressor and RNNClassifier"):
        integrated_gradients(
            RNNTimestepRegressor(**TINY).fit(X, [x[:, 0] for x in X]), X
        )


@pytest.mark.parametrize("downsample", [1, 3])
def test_attention_weights_cover_the_steps_the_recurrence_reads(downsample):
    X, _, y = ragged(n=30, high=20)
    clf = RNNClassifier(pooling="attention", downsample=downsample, **TINY).fit(X, y)
    weights = clf.attention_weights(X)
    for w, x in zip(weights, X):
        assert w.shape == (-(-len(x) // downsample),)
        assert np.all(w >= 0) and abs(w.sum() - 1) < 1e-5
    padded = SequencePadder(maxlen=25, padding="pre").fit_transform(X)
    for w, again in zip(weights, clf.attention_weights(padded)):
        np.testing.assert_allclose(again, w, atol=INVARIANCE_ATOL, rtol=0)
    assert not hasattr(RNNClassifier(pooling="max"), "attention_weights")
