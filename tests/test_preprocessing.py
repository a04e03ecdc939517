"""SequencePadder, SequenceImputer and SequenceScaler through their public API."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceImputer,
    SequencePadder,
    SequenceScaler,
)
from sklearn_rnn.datasets import make_sequence_classification

nan = np.nan
TRANSFORMERS = [SequencePadder(), SequenceImputer(), SequenceScaler()]


def ragged(seed=0, n=12, n_features=2):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=(k, n_features)) for k in rng.randint(2, 9, size=n)]


# -- SequencePadder ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, [[1, 2, 3], [4, nan, nan]]),
        ({"padding": "pre"}, [[1, 2, 3], [nan, nan, 4]]),
        ({"maxlen": 2}, [[1, 2], [4, nan]]),
        ({"maxlen": 2, "truncating": "pre"}, [[2, 3], [4, nan]]),
        (
            {"maxlen": 4, "padding": "pre", "fill_value": 0.0},
            [[0, 1, 2, 3], [0, 0, 0, 4]],
        ),
    ],
)
def test_padder_pads_and_truncates_like_keras(params, expected):
    X = [np.array([1.0, 2.0, 3.0]), np.array([4.0])]
    out = SequencePadder(**params).fit_transform(X)
    assert out.ndim == 3
    np.testing.assert_array_equal(out[:, :, 0], expected)


def test_padder_learns_maxlen_and_keeps_it():
    padder = SequencePadder().fit(ragged())
    assert padder.maxlen_ == max(len(x) for x in ragged())
    assert padder.transform(ragged(seed=1)).shape[1] == padder.maxlen_


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_padded_output_gets_the_unpadded_prediction(Est, bidirectional, padding):
    X = ragged(n=20)
    y = np.array([x[-1, 0] > x[0, 0] for x in X]).astype(int)
    est = Est(hidden_size=4, max_iter=2, bidirectional=bidirectional, random_state=0)
    est.fit(X, y)
    method = est.predict if Est is RNNRegressor else est.predict_proba
    padded = SequencePadder(maxlen=30, padding=padding).fit_transform(X)
    np.testing.assert_allclose(method(padded), method(X), rtol=0, atol=1e-12)


# -- SequenceImputer --------------------------------------------------------------

GAPPY = [
    np.array([[nan, 1.0], [2.0, nan], [nan, 3.0], [4.0, nan], [nan, 5.0]]),
    np.array([[nan, 10.0], [nan, 20.0]]),
]


@pytest.mark.parametrize(
    "strategy, first, second",
    [
        ("ffill", [[2, 1], [2, 1], [2, 3], [4, 3], [4, 5]], [[3, 10], [3, 20]]),
        ("bfill", [[2, 1], [2, 3], [4, 3], [4, 5], [4, 5]], [[3, 10], [3, 20]]),
        ("linear", [[2, 1], [2, 2], [3, 3], [4, 4], [4, 5]], [[3, 10], [3, 20]]),
        ("mean", [[3, 1], [2, 7.8], [3, 3], [4, 7.8], [3, 5]], [[3, 10], [3, 20]]),
        ("median", [[3, 1], [2, 5], [3, 3], [4, 5], [3, 5]], [[3, 10], [3, 20]]),
        (
            "constant",
            [[-1, 1], [2, -1], [-1, 3], [4, -1], [-1, 5]],
            [[-1, 10], [-1, 20]],
        ),
    ],
)
def test_imputer_strategies_and_edge_gaps(strategy, first, second):
    imputer = SequenceImputer(strategy=strategy, fill_value=-1.0).fit(GAPPY)
    out = imputer.transform(GAPPY)
    np.testing.assert_allclose(out[0], first)
    np.testing.assert_allclose(out[1, :2], second)
    # Padding stays padding.
    assert np.isnan(out[1, 2:]).all()


def test_imputer_statistics_ignore_padding_and_unseen_features_get_zero():
    X = np.full((2, 6, 2), nan)
    X[0, :3] = [[1.0, nan], [2.0, nan], [3.0, nan]]
    X[1, :2] = [[5.0, nan], [7.0, nan]]
    imputer = SequenceImputer(strategy="mean").fit(X)
    np.testing.assert_allclose(imputer.statistics_, [18.0 / 5, 0.0])
    out = imputer.transform(X)
    np.testing.assert_array_equal(out[0, :3, 1], 0.0)
    assert np.isnan(out[0, 3:]).all() and np.isnan(out[1, 2:]).all()


def test_imputer_indicator_marks_missing_values():
    out = SequenceImputer(add_indicator=True).fit_transform(GAPPY)
    assert out.shape == (2, 5, 4)
    np.testing.assert_array_equal(out[0, :, 2], [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(out[0, :, 3], [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(out[1, :2, 2:], [[1, 0], [1, 0]])
    assert np.isnan(out[1, 2:]).all()


def test_imputed_sequences_are_accepted_by_the_estimators():
    X, y = make_sequence_classification(40, missing_rate=0.3, random_state=0)
    with pytest.raises(ValueError, match="SequenceImputer"):
        RNNClassifier(max_iter=1).fit(X, y)
    model = make_pipeline(SequenceImputer(strategy="linear"), RNNClassifier(max_iter=1))
    assert model.fit(X, y).predict(X).shape == (40,)


# -- SequenceScaler ---------------------------------------------------------------


@pytest.mark.parametrize(
    "method, center, scale",
    [
        ("standard", np.mean, np.std),
        (
            "robust",
            np.median,
            lambda v, axis: np.subtract(*np.percentile(v, [75, 25], axis)),
        ),
        ("minmax", np.min, np.ptp),
    ],
)
def test_scaler_statistics_over_real_steps(method, center, scale):
    X = ragged()
    steps = np.concatenate(X)
    scaler = SequenceScaler(method=method).fit(
        SequencePadder(maxlen=20).fit_transform(X)
    )
    np.testing.assert_allclose(scaler.center_, center(steps, axis=0))
    np.testing.assert_allclose(scaler.scale_, scale(steps, axis=0))
    out = scaler.transform(X)
    np.testing.assert_allclose(
        out[0, : len(X[0])], (X[0] - scaler.center_) / scaler.scale_
    )
    np.testing.assert_allclose(scaler.inverse_transform(out)[0, : len(X[0])], X[0])


def test_scaler_clip_and_missing_values():
    X = [np.array([[0.0], [1.0], [nan], [2.0], [500.0]])]
    scaler = SequenceScaler(method="robust", clip=2.0).fit(X)
    out = scaler.transform(X)[0, :, 0]
    assert np.isnan(out[2]) and out[4] == 2.0 and np.nanmax(np.abs(out)) <= 2.0


def test_scaler_constant_feature_is_left_unscaled():
    X = np.ones((3, 4, 1))
    scaler = SequenceScaler().fit(X)
    np.testing.assert_array_equal(scaler.scale_, [1.0])
    np.testing.assert_array_equal(scaler.transform(X), np.zeros((3, 4, 1)))


# -- All three ----------------------------------------------------------------------


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_and_input_untouched(transformer, dtype):
    X = SequencePadder().fit_transform(ragged()).astype(dtype)
    X[0, 1, 0] = nan
    before = X.copy()
    out = transformer.fit_transform(X)
    assert out.dtype == dtype
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_different_feature_count_is_an_error(transformer):
    transformer.fit(ragged(n_features=2))
    with pytest.raises(ValueError, match="X has 3 features per timestep"):
        transformer.transform(ragged(n_features=3))


def test_univariate_2d_in_2d_out():
    X = np.arange(12.0).reshape(3, 4)
    X[0, 3] = nan
    out = SequenceScaler().fit_transform(X)
    assert out.shape == (3, 4) and np.isnan(out[0, 3])
    assert SequencePadder().fit_transform(X).shape == (3, 4, 1)


# -- End to end ---------------------------------------------------------------------


def _pipeline(**rnn):
    return make_pipeline(
        SequenceImputer(add_indicator=True),
        SequenceScaler(method="robust", clip=5.0),
        SequencePadder(),
        RNNClassifier(**{"hidden_size": 4, "max_iter": 2, "random_state": 0, **rnn}),
    )


def test_pipeline_in_parallel_grid_search_and_cross_val_score():
    X, y = make_sequence_classification(48, missing_rate=0.2, random_state=0)
    search = GridSearchCV(
        _pipeline(),
        {
            "rnnclassifier__hidden_size": [2, 4],
            "rnnclassifier__activation": ["tanh", "relu"],
        },
        cv=2,
        n_jobs=2,
        error_score="raise",
    ).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 4
    scores = cross_val_score(_pipeline(), X, y, cv=3, error_score="raise")
    assert np.isfinite(scores).all()


def test_statistics_are_learned_on_the_training_folds_only():
    X, y = make_sequence_classification(30, random_state=0)
    X = [x + (100.0 if i >= 15 else 0.0) for i, x in enumerate(X)]
    cv = KFold(2)
    result = cross_validate(_pipeline(), X, y, cv=cv, return_estimator=True)
    centers = []
    for model, (train, _) in zip(result["estimator"], cv.split(X)):
        fold_steps = np.concatenate([X[i] for i in train])
        scaler = model.named_steps["sequencescaler"]
        # The first three channels are the data, the last three the indicator.
        np.testing.assert_allclose(scaler.center_[:3], np.median(fold_steps, axis=0))
        centers.append(scaler.center_[:3].mean())
    assert abs(centers[0] - centers[1]) > 90


def _score(steps, X, y):
    split = int(0.75 * len(y))
    model = make_pipeline(
        *steps,
        RNNClassifier(
            cell="gru",
            hidden_size=16,
            max_iter=30,
            learning_rate_init=0.01,
            random_state=0,
        ),
    )
    return model.fit(X[:split], y[:split]).score(X[split:], y[split:])


def test_imputing_with_indicator_beats_filling_with_zeros():
    X, y = make_sequence_classification(
        300, missing_rate=0.2, offset=5.0, random_state=0
    )
    imputed = _score([SequenceImputer(add_indicator=True), SequenceScaler()], X, y)
    zeros = _score([SequenceImputer(strategy="constant"), SequenceScaler()], X, y)
    assert imputed > zeros + 0.08, (imputed, zeros)


def test_robust_scaling_with_clipping_beats_standard_scaling_on_outliers():
    X, y = make_sequence_classification(300, outlier_rate=0.05, random_state=0)
    robust = _score([SequenceScaler(method="robust", clip=5.0)], X, y)
    standard = _score([SequenceScaler()], X, y)
    assert robust > standard + 0.08, (robust, standard)
