"""categorical_features and embedding_dim: per-step category codes, embedded."""

import numpy as np
import pytest
from conftest import (
    ESTIMATORS,
    INVARIANCE_ATOL,
    TINY,
    median_over_seeds,
    nan_padded,
    outputs,
    targets,
)
from sklearn.base import clone

from sklearn_rnn import RNNClassifier, RNNTimestepClassifier, load, save


def token_data(n=40, vocabulary=30, seed=0):
    """Sequences of (numeric value, token code); the target depends on whether
    token 7 occurs, which a model can only learn from the code's identity."""
    rng = np.random.RandomState(seed)
    X = []
    for length in rng.randint(3, 12, size=n):
        tokens = rng.choice(np.arange(0, 3 * vocabulary, 3), size=length)
        X.append(np.column_stack([rng.normal(size=length), tokens]))
    has = np.array([(x[:, 1] == 21).any() for x in X])
    y_reg = has + 0.1 * np.array([x[0, 0] for x in X])
    return X, y_reg, has.astype(int)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_categories_are_learned_and_indices_or_mask_agree(Est):
    X, y_reg, y_clf = token_data()
    y = targets(Est, y_reg, y_clf)
    by_index = Est(categorical_features=[1], **TINY).fit(X, y)
    by_mask = Est(categorical_features=[False, True], **TINY).fit(X, y)
    np.testing.assert_array_equal(by_index.is_categorical_, [False, True])
    codes = np.unique(np.concatenate([x[:, 1] for x in X]))
    np.testing.assert_array_equal(by_index.categories_[0], codes)
    assert by_index.categories_[0].dtype == np.int64
    np.testing.assert_array_equal(outputs(by_index, X), outputs(by_mask, X))
    embedding = by_index.module_.embedding.embeddings[0]
    # 'auto': min(8, round(1.6 * n ** 0.56)) for n categories, a row for unknown.
    width = min(8, round(1.6 * len(codes) ** 0.56))
    assert embedding.weight.shape == (len(codes) + 1, width)
    plain = Est(**TINY).fit(X, y)
    assert plain.is_categorical_ is None and not hasattr(plain, "categories_")


def test_unseen_codes_map_to_one_unknown_vector():
    X, y_reg, _ = token_data()
    reg = ESTIMATORS[0](categorical_features=[1], embedding_dim=4, **TINY).fit(X, y_reg)
    x = X[0].copy()
    a, b = x.copy(), x.copy()
    a[2, 1], b[2, 1] = 1, 10**6  # neither was seen in training
    pred = reg.predict([x, a, b])
    assert pred[1] == pred[2] and pred[0] != pred[1]
    np.testing.assert_array_equal(
        reg.module_.embedding.embeddings[0].weight[0].detach(), 0.0
    )


@pytest.mark.parametrize("bad, what", [(-3.0, "-3.0"), (2.5, "2.5")])
@pytest.mark.parametrize("where", ["fit", "predict"])
def test_negative_or_fractional_codes_name_the_feature_and_sequence(bad, what, where):
    X, y_reg, _ = token_data()
    X = [x.copy() for x in X]
    est = ESTIMATORS[0](categorical_features=[1], **TINY)
    if where == "predict":
        est.fit(X, y_reg)
    X[5][1, 1] = bad
    match = f"Categorical feature 1 holds {what} in sequence 5"
    with pytest.raises(ValueError, match=match):
        est.fit(X, y_reg) if where == "fit" else est.predict(X)
    # The same in a padded array.
    padded = nan_padded(X, 15)
    with pytest.raises(ValueError, match=match):
        est.fit(padded, y_reg) if where == "fit" else est.predict(padded)


@pytest.mark.parametrize(
    "value, match",
    [
        ([2], "holds index 2, but X has 2 features"),
        ([1, 1], "lists a feature twice"),
        ([True], "boolean mask of length 1"),
        ([[1]], "1D array-like"),
        ([0.5], "integer feature indices"),
    ],
)
def test_bad_categorical_features_are_clear_errors(value, match):
    X, y_reg, _ = token_data()
    with pytest.raises(ValueError, match=match):
        ESTIMATORS[0](categorical_features=value, **TINY).fit(X, y_reg)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_padding_and_dtype_never_change_a_prediction(Est):
    X, y_reg, y_clf = token_data()
    est = Est(categorical_features=[1], bidirectional=True, **TINY)
    est.fit(X, targets(Est, y_reg, y_clf))
    before = [x.copy() for x in X]
    alone = np.concatenate([outputs(est, [x]) for x in X[:6]])
    for dtype, tol in [(np.float64, INVARIANCE_ATOL), (np.float32, INVARIANCE_ATOL)]:
        seqs = [x.astype(dtype) for x in X[:6]]
        np.testing.assert_allclose(outputs(est, seqs), alone, atol=tol)
        for pre in (False, True):
            padded = nan_padded(seqs, 20, pre)
            np.testing.assert_allclose(outputs(est, padded), alone, atol=tol)
    for x, b in zip(X, before):  # the user's arrays are untouched
        np.testing.assert_array_equal(x, b)


@pytest.mark.slow
def test_embeddings_learn_what_the_codes_mean():
    def scores(seed):
        X, _, y = token_data(n=300, vocabulary=50, seed=seed)
        X_test, _, y_test = token_data(n=200, vocabulary=50, seed=10 + seed)
        # The GRU reads the tokens themselves (no front-end): what is tested is
        # the embedding, which the front-end's batch statistics made seed-bound.
        params = dict(hidden_size=16, max_iter=40, random_state=seed, conv_filters=0)
        embedded = RNNClassifier(categorical_features=[1], **params).fit(X, y)
        as_numbers = RNNClassifier(**params).fit(X, y)
        return embedded.score(X_test, y_test), as_numbers.score(X_test, y_test)

    embedded, as_numbers = median_over_seeds(scores)
    assert embedded > 0.9
    # Read as one number, the code of the token is far harder to use.
    assert embedded > as_numbers


def test_sequences_of_codes_only():
    X, _, y = token_data()
    tokens = [x[:, 1:] for x in X]
    clf = RNNClassifier(categorical_features=[0], **TINY).fit(tokens, y)
    assert (
        clf.module_.embedding.output_size
        == clf.module_.embedding.embeddings[0].embedding_dim
    )
    assert clf.predict_proba(tokens).shape == (len(X), 2)


def test_per_step_estimators_embed_too():
    X, _, _ = token_data()
    y = [np.where(x[:, 1] == 21, "token", "other") for x in X]
    clf = RNNTimestepClassifier(categorical_features=[1], **TINY).fit(X, y)
    assert [p.shape for p in clf.predict(X[:2])] == [(len(x),) for x in X[:2]]


def test_warm_start_keeps_the_categories(tmp_path):
    X, y_reg, _ = token_data()
    est = ESTIMATORS[0](categorical_features=[1], warm_start=True, **TINY)
    est.fit(X, y_reg)
    categories = est.categories_[0].copy()
    shifted = [x + np.array([0.0, 300.0]) for x in X]  # all new codes
    est.fit(shifted, y_reg)
    np.testing.assert_array_equal(est.categories_[0], categories)
    est.set_params(categorical_features=None)
    with pytest.raises(ValueError, match="categorical_features"):
        est.fit(X, y_reg)
    est.set_params(categorical_features=[1])
    save(est, tmp_path / "model.zip")
    loaded = load(tmp_path / "model.zip")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.categories_[0], categories)
    np.testing.assert_array_equal(clone(est).get_params()["categorical_features"], [1])


def test_token_ids_from_zero_and_unseen_ids():
    # Codes 0..n-1 take a shortcut past the search; unseen ones are unknown.
    rng = np.random.RandomState(0)
    X = [rng.randint(5, size=(k, 1)).astype(float) for k in rng.randint(3, 9, 30)]
    y = np.array([float((x == 3).sum()) for x in X])
    reg = ESTIMATORS[0](categorical_features=[0], **TINY).fit(X, y)
    np.testing.assert_array_equal(reg.categories_[0], np.arange(5))
    x = X[0].copy()
    a, b = x.copy(), x.copy()
    a[1], b[1] = 5, 77
    pred = reg.predict([x, a, b])
    assert pred[1] == pred[2] and pred[0] != pred[1]
