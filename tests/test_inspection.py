"""sequence_permutation_importance: the features and moments that matter."""

import numpy as np
import pytest
from conftest import INVARIANCE_ATOL, TINY, nan_padded, ragged

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


def _recording_scorer():
    """A scorer that records each score it gives (the first: the baseline)."""
    seen = []

    def scorer(estimator, X, y):
        seen.append(estimator.score(X, y))
        forms.append([np.shape(x) for x in X] if isinstance(X, list) else X.shape)
        return seen[-1]

    forms = []
    return scorer, seen, forms


def test_ragged_lists_and_per_step_estimators_keep_their_lengths():
    X, y_reg, _ = ragged(n=20)
    y = [x[:, 0].cumsum() for x in X]
    est = RNNTimestepRegressor(**TINY).fit(X, y)
    scorer, seen, forms = _recording_scorer()
    result = sequence_permutation_importance(
        est, X, y, scoring=scorer, n_repeats=2, random_state=0
    )
    assert result.importances.shape == (2, 2)
    assert seen[0] == pytest.approx(est.score(X, y), abs=1e-12)
    assert all(f == [x.shape for x in X] for f in forms)  # lists of X's lengths
    again = sequence_permutation_importance(est, X, y, n_repeats=2, random_state=0)
    np.testing.assert_array_equal(result.importances, again.importances)
    with pytest.raises(ValueError, match="'by' parameter"):
        sequence_permutation_importance(est, X, y, by="time")


def _long_frame(X, columns=("a", "b")):
    """The sequences of ``X`` as an ``(id, time)`` frame, ids ``s00``, ``s01``..."""
    import pandas as pd

    index = pd.MultiIndex.from_tuples(
        [(f"s{i:02d}", t) for i, x in enumerate(X) for t in range(len(x))],
        names=["id", "time"],
    )
    return pd.DataFrame(np.concatenate(X), index=index, columns=list(columns))


def _importance_input(form):
    """``(estimator, X, y)`` fitted on ``X`` in the input form ``form``."""
    import pandas as pd

    X, y, _ = ragged(n=30, high=9)
    rng = np.random.RandomState(0)
    if form == "3d":
        X, y = rng.normal(size=(30, 6, 2)), rng.normal(size=30)
    elif form == "2d":
        X, y = rng.normal(size=(30, 6)), rng.normal(size=30)
    elif form == "frame":  # an id-indexed y, in another order than X's ids
        X = _long_frame(X)
        y = pd.Series(y, index=[f"s{i:02d}" for i in range(30)])
        est = RNNRegressor(**TINY).fit(X, y)
        return est, X, y.sample(frac=1.0, random_state=0)
    if form == "prepadded":  # per-step targets aligned with pre-padded X
        X = nan_padded(X, 10, pre=True)
        y = np.where(np.isnan(X[:, :, 0]), 0.0, np.nan_to_num(X[:, :, 0]).cumsum(1))
        return RNNTimestepRegressor(**TINY).fit(X, y), X, y
    return RNNRegressor(**TINY).fit(X, y), X, y


@pytest.mark.parametrize("form", ["3d", "2d", "ragged", "frame", "prepadded"])
def test_the_baseline_is_the_estimators_own_score(form):
    """The unpermuted score is ``estimator.score(X, y)`` whatever the form of
    ``X``: an id-indexed ``y`` stays aligned with a long frame's sequences,
    and per-step targets with pre-padded steps."""
    est, X, y = _importance_input(form)
    scorer, seen, _ = _recording_scorer()
    result = sequence_permutation_importance(
        est, X, y, scoring=scorer, n_repeats=2, random_state=0
    )
    assert seen[0] == pytest.approx(est.score(X, y), abs=1e-12)
    plain = sequence_permutation_importance(est, X, y, n_repeats=2, random_state=0)
    np.testing.assert_allclose(plain.importances, result.importances, atol=1e-12)
    # Every permutation keeps the form: each one scores as far from the
    # baseline as the importances say.
    np.testing.assert_allclose(
        seen[0] - np.array(seen[1:]), result.importances.ravel(), atol=1e-12
    )


def test_reordered_frame_columns_are_refused_as_score_refuses_them():
    est, X, y = _importance_input("frame")
    swapped = X[["b", "a"]]
    with pytest.raises(ValueError, match="feature names"):
        est.score(swapped, y)
    with pytest.raises(ValueError, match="feature names"):
        sequence_permutation_importance(est, swapped, y, n_repeats=1)


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


@pytest.mark.parametrize(
    "loss, quantile, target",
    [
        ("squared_error", None, None),
        ("poisson", None, None),
        ("quantile", [0.1, 0.5, 0.9], 0),
        ("quantile", [0.1, 0.5, 0.9], 1),  # the median
        ("quantile", [0.1, 0.5, 0.9], 2),
    ],
)
def test_integrated_gradients_add_up_to_the_change_of_the_prediction(
    loss, quantile, target
):
    """Attributions are in the units of the prediction (``normalize_y`` on,
    a Poisson rate, the chosen quantile's value): they add up to
    ``predict(X) - predict(zeros)`` in those units, ``target`` indexing
    predict's last axis."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 2))
    y = 100 + 50 * X[:, 2, 0]
    if loss == "poisson":
        y = np.exp(X[:, 2, 0])
    params = dict(TINY, max_iter=10)
    reg = RNNRegressor(loss=loss, quantile=quantile, **params).fit(X, y)
    attributions = integrated_gradients(reg, X[:6], target=target, n_steps=256)
    change = reg.predict(X[:6]) - reg.predict(np.zeros((6, 5, 2)))
    if target is not None:
        change = change[:, target]
    assert np.abs(change).max() > 0.05
    # Up to the path's midpoint rule (max pooling has kinks): 1% of the
    # largest change, where the raw output's units were off by 45% to 8x.
    sums = attributions.sum(axis=(1, 2))
    np.testing.assert_allclose(sums, change, rtol=0, atol=1e-2 * np.abs(change).max())


def test_explanations_come_out_the_same_in_blocks_of_rows(monkeypatch):
    """integrated_gradients and attention_weights run the rows in blocks, as
    predict does, and a block boundary changes nothing."""
    from sklearn_rnn._estimators import _base

    X, y, labels = ragged(n=20)
    reg = RNNRegressor(pooling="attention", **TINY).fit(X, y)
    clf = RNNClassifier(n_estimators=2, **TINY).fit(X, labels)
    whole = [
        integrated_gradients(reg, X, n_steps=4),
        integrated_gradients(clf, X, n_steps=4),
        reg.attention_weights(X),
    ]
    monkeypatch.setattr(_base, "EXPLAIN_BLOCK_ROWS", 3)
    blocks = [
        integrated_gradients(reg, X, n_steps=4),
        integrated_gradients(clf, X, n_steps=4),
        reg.attention_weights(X),
    ]
    for a, b in zip(whole, blocks):
        for one, other in zip(a, b):
            np.testing.assert_allclose(other, one, rtol=1e-6, atol=1e-7)


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
