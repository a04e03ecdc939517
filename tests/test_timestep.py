"""RNNTimestepRegressor and RNNTimestepClassifier: one prediction per real step."""

import numpy as np
import pytest
from conftest import INVARIANCE_ATOL, TINY, median_over_seeds, nan_padded, ragged
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    SequenceImputer,
    SequencePadder,
    SequenceScaler,
    load,
    save,
)

TIMESTEP = [RNNTimestepRegressor, RNNTimestepClassifier]


def per_step_data(n=30, seed=0):
    """Ragged sequences, the running sum of their first feature (a target per
    step that needs memory), and whether that sum is positive (labels)."""
    X, _, _ = ragged(n=n, seed=seed)
    y_reg = [x[:, 0].cumsum() for x in X]
    y_clf = [np.where(t > 0, "up", "down") for t in y_reg]
    return X, y_reg, y_clf


def per_step_targets_for(Est, y_reg, y_clf):
    return y_reg if Est is RNNTimestepRegressor else y_clf


def per_step_outputs(est, X):
    if isinstance(est, RNNTimestepRegressor):
        return est.predict(X)
    return est.predict_proba(X)


def flat(outputs):
    return np.concatenate([np.asarray(o, dtype=float) for o in outputs])


@pytest.mark.parametrize("Est", TIMESTEP)
def test_a_list_in_gives_a_list_out_and_an_array_an_aligned_array(Est):
    X, y_reg, y_clf = per_step_data()
    est = Est(**TINY).fit(X, per_step_targets_for(Est, y_reg, y_clf))
    out = est.predict(X)
    assert isinstance(out, list) and [len(o) for o in out] == [len(x) for x in X]
    padded = nan_padded(X, 15)
    out_array = est.predict(padded)
    assert out_array.shape == (len(X), 15)
    for row, seq_out, x in zip(out_array, out, X):
        if Est is RNNTimestepRegressor:
            np.testing.assert_allclose(row[: len(x)], seq_out, atol=1e-10)
        else:
            assert list(row[: len(x)]) == list(seq_out)
        assert all(v != v for v in row[len(x) :])  # NaN past each length
    proba = per_step_outputs(est, X[:3])
    if Est is RNNTimestepClassifier:
        assert [p.shape for p in proba] == [(len(x), 2) for x in X[:3]]
        np.testing.assert_allclose(flat(proba).sum(axis=1), 1.0)
        log_proba = est.predict_log_proba(padded)
        assert log_proba.shape == (len(X), 15, 2)
        np.testing.assert_allclose(
            np.exp(log_proba[0, : len(X[0])]), proba[0], rtol=1e-10
        )
        assert set(np.concatenate(out)) <= {"up", "down"}


def test_labels_of_a_full_array_keep_the_dtype_of_the_classes():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 6, 1))
    y = (X[:, :, 0] > 0).astype(int) + 3
    clf = RNNTimestepClassifier(**TINY).fit(X, y)
    pred = clf.predict(X)
    assert pred.shape == (20, 6) and pred.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(clf.classes_, [3, 4])
    padded = X.copy()
    padded[0, 4:] = np.nan  # padding: NaN labels, so the array becomes float
    out = clf.predict(padded)
    assert out.dtype == np.float64 and np.isnan(out[0, 4:]).all()


@pytest.mark.parametrize("Est", TIMESTEP)
def test_targets_as_aligned_array_with_anything_past_the_lengths(Est):
    X, y_reg, y_clf = per_step_data()
    y = per_step_targets_for(Est, y_reg, y_clf)
    width = max(len(x) for x in X)
    fill = np.nan if Est is RNNTimestepRegressor else None
    dtype = float if Est is RNNTimestepRegressor else object
    y_array = np.full((len(X), width), fill, dtype=dtype)
    for row, target in zip(y_array, y):
        row[: len(target)] = target
    from_list = Est(**TINY).fit(X, y)
    from_array = Est(**TINY).fit(X, y_array)
    np.testing.assert_allclose(
        flat(per_step_outputs(from_list, X)), flat(per_step_outputs(from_array, X))
    )
    # The loss counts real steps only: targets past the lengths change nothing.
    if Est is RNNTimestepRegressor:
        y_array[np.isnan(y_array)] = 1e6
    else:
        y_array[np.equal(y_array, None)] = "never seen"
    other = Est(**TINY).fit(nan_padded(X, width), y_array)
    np.testing.assert_allclose(
        flat(per_step_outputs(from_list, X)),
        flat(per_step_outputs(other, X)),
        atol=1e-6,
    )


def test_pre_padded_arrays_align_targets_and_predictions_with_their_steps():
    X, y_reg, _ = per_step_data()
    width = max(len(x) for x in X)
    pre = nan_padded(X, width, pre=True)
    y_pre = np.full((len(X), width), np.nan)
    for row, target in zip(y_pre, y_reg):
        row[width - len(target) :] = target
    reg = RNNTimestepRegressor(**TINY).fit(X, y_reg)
    reg_pre = RNNTimestepRegressor(**TINY).fit(pre, y_pre)
    np.testing.assert_allclose(reg.predict(pre), reg_pre.predict(pre), atol=1e-6)
    out = reg.predict(pre)
    for row, seq_out, x in zip(out, reg.predict(X), X):
        assert np.isnan(row[: width - len(x)]).all()
        np.testing.assert_allclose(row[width - len(x) :], seq_out, atol=1e-6)


@pytest.mark.parametrize("Est", TIMESTEP)
def test_length_mismatch_names_the_sequence(Est):
    X, y_reg, y_clf = per_step_data()
    y = list(per_step_targets_for(Est, y_reg, y_clf))
    y[4] = y[4][:-1]
    with pytest.raises(ValueError, match="Sequence 4 of X has .* timesteps but"):
        Est(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="holds targets for 29 sequences"):
        Est(**TINY).fit(X, y[:-1])
    with pytest.raises(ValueError, match="one target per timestep"):
        Est(**TINY).fit(X, np.zeros(len(X)))
    short = np.zeros((len(X), 2))
    with pytest.raises(ValueError, match="y has only 2 per sequence"):
        Est(**TINY).fit(X, short)


@pytest.mark.parametrize("Est", TIMESTEP)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("conv_layout", ["serial", "parallel"])
def test_unidirectional_models_are_causal(Est, cell, activation, conv_layout):
    X, y_reg, y_clf = per_step_data()
    est = Est(
        cell=cell,
        activation=activation,
        conv_filters=(4,),
        conv_layout=conv_layout,
        **TINY,
    )
    est.fit(X, per_step_targets_for(Est, y_reg, y_clf))
    x = np.random.RandomState(1).normal(size=(12, 2))
    changed = x.copy()
    changed[7:] += 5.0  # change the future only
    before, after = per_step_outputs(est, [x, changed])
    np.testing.assert_allclose(before[:7], after[:7], atol=INVARIANCE_ATOL, rtol=0)
    assert not np.allclose(before[7:], after[7:])


@pytest.mark.parametrize("Est", TIMESTEP)
def test_bidirectional_models_read_the_whole_sequence(Est):
    X, y_reg, y_clf = per_step_data()
    est = Est(bidirectional=True, **TINY).fit(
        X, per_step_targets_for(Est, y_reg, y_clf)
    )
    x = np.random.RandomState(1).normal(size=(12, 2))
    changed = x.copy()
    changed[7:] += 5.0
    before, after = per_step_outputs(est, [x, changed])
    assert not np.allclose(before[:7], after[:7])


@pytest.mark.parametrize("Est", TIMESTEP)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize(
    "cell, activation, conv",
    [
        ("lstm", "tanh", {}),
        ("gru", "relu", {}),
        ("gru", "tanh", dict(conv_filters=(3, 2), conv_layout="parallel")),
    ],
)
def test_padding_never_changes_a_prediction(Est, bidirectional, cell, activation, conv):
    X, y_reg, y_clf = per_step_data()
    est = Est(
        cell=cell,
        activation=activation,
        bidirectional=bidirectional,
        num_layers=2,
        **conv,
        **TINY,
    ).fit(X, per_step_targets_for(Est, y_reg, y_clf))
    for dtype, tol in [(np.float64, INVARIANCE_ATOL), (np.float32, INVARIANCE_ATOL)]:
        seqs = [x.astype(dtype) for x in X[:5]]
        alone = flat([per_step_outputs(est, [x])[0] for x in seqs])
        np.testing.assert_allclose(flat(per_step_outputs(est, seqs)), alone, atol=tol)
        for length, pre in [(12, False), (40, True)]:
            out = per_step_outputs(est, nan_padded(seqs, length, pre).astype(dtype))
            real = [
                o[length - len(x) :] if pre else o[: len(x)] for o, x in zip(out, seqs)
            ]
            np.testing.assert_allclose(flat(real), alone, atol=tol, rtol=0)


@pytest.mark.parametrize("Est", TIMESTEP)
def test_reproducible(Est):
    X, y_reg, y_clf = per_step_data(n=60)
    y = per_step_targets_for(Est, y_reg, y_clf)
    params = dict(hidden_size=16, max_iter=5, random_state=0)
    a, b = Est(**params).fit(X, y), Est(**params).fit(X, y)
    np.testing.assert_array_equal(
        flat(per_step_outputs(a, X)), flat(per_step_outputs(b, X))
    )


@pytest.mark.slow
@pytest.mark.parametrize("Est", TIMESTEP)
def test_learns_a_running_sum(Est):
    def score(seed):
        X, y_reg, y_clf = per_step_data(n=60, seed=seed)
        X_test, y_reg_test, y_clf_test = per_step_data(n=60, seed=10 + seed)
        est = Est(hidden_size=16, max_iter=60, random_state=seed)
        est.fit(X, per_step_targets_for(Est, y_reg, y_clf))
        return est.score(X_test, per_step_targets_for(Est, y_reg_test, y_clf_test))

    # A running sum needs memory of every earlier step: well above chance.
    assert median_over_seeds(score) > (0.8 if Est is RNNTimestepRegressor else 0.85)


@pytest.mark.parametrize("Est", TIMESTEP)
def test_score_is_over_all_real_steps_with_sequence_weights(Est):
    X, y_reg, y_clf = per_step_data()
    y = per_step_targets_for(Est, y_reg, y_clf)
    est = Est(**TINY).fit(X, y)
    weight = np.random.RandomState(0).uniform(size=len(X))
    step_weight = np.repeat(weight, [len(x) for x in X])
    pred = np.concatenate(est.predict(X))
    metric = r2_score if Est is RNNTimestepRegressor else accuracy_score
    expected = metric(np.concatenate(y), pred, sample_weight=step_weight)
    assert est.score(X, y, sample_weight=weight) == pytest.approx(expected)
    assert est.score(X, y) == pytest.approx(metric(np.concatenate(y), pred))
    with pytest.raises(ValueError, match="sample_weight"):
        Est(**TINY).fit(X, y, sample_weight=np.ones(3))


def test_sample_weight_is_per_sequence():
    X, y_reg, _ = per_step_data()
    # Weight 0 on a sequence: its targets cannot matter.
    weight = np.ones(len(X))
    weight[3] = 0.0
    changed = list(y_reg)
    changed[3] = changed[3] + 1e4
    a = RNNTimestepRegressor(**TINY)  # at the defaults: normalize_y=True
    b = clone(a)
    a.fit(X, y_reg, sample_weight=weight)
    b.fit(X, changed, sample_weight=weight)
    np.testing.assert_allclose(flat(a.predict(X)), flat(b.predict(X)), atol=1e-6)


@pytest.mark.parametrize("layout", ["serial", "parallel"])
def test_a_zero_weight_sequence_changes_no_normalisation_statistic(layout):
    """Its steps carry weight 0 into the batch normalisation too: however
    large its values, the other sequences' predictions stay the same."""
    X, y_reg, _ = per_step_data()
    weight = np.ones(len(X))
    weight[3] = 0.0
    changed = list(X)
    changed[3] = X[3] * 1e3 + 50.0
    params = dict(conv_filters=(3,), conv_norm="batch", conv_layout=layout, **TINY)
    a = RNNTimestepRegressor(**params).fit(X, y_reg, sample_weight=weight)
    b = RNNTimestepRegressor(**params).fit(changed, y_reg, sample_weight=weight)
    kept = X[:3] + X[4:]
    np.testing.assert_allclose(flat(a.predict(kept)), flat(b.predict(kept)), atol=1e-5)


def _pre_padded_steps(n=40, width=8, seed=0):
    """Pre-padded X (NaN) and per-step labels aligned with it, 0 on padding."""
    rng = np.random.RandomState(seed)
    X = np.full((n, width, 1), np.nan)
    Y = np.zeros((n, width), dtype=int)
    for i, length in enumerate(rng.randint(2, width + 1, size=n)):
        x = rng.normal(size=length)
        X[i, width - length :, 0] = x
        Y[i, width - length :] = np.where(x > 0, 2, 1)
    return X, Y


@pytest.mark.parametrize(
    "transformer",
    [SequenceScaler(), SequenceScaler(method="robust"), SequenceImputer()],
)
def test_per_step_targets_stay_aligned_through_a_pipeline(transformer):
    X, Y = _pre_padded_steps()
    alone = RNNTimestepClassifier(**TINY).fit(X, Y)
    pipe = make_pipeline(clone(transformer), RNNTimestepClassifier(**TINY)).fit(X, Y)
    # The padding label 0 is never read as a class: the targets stayed aligned.
    np.testing.assert_array_equal(pipe[-1].classes_, [1, 2])
    np.testing.assert_array_equal(alone.classes_, [1, 2])
    # The transformer keeps X's alignment, and the predictions come back in it.
    assert np.array_equal(np.isnan(pipe[0].transform(X)), np.isnan(X))
    pred = pipe.predict(X)
    assert pred.shape == Y.shape
    np.testing.assert_array_equal(np.isnan(pred.astype(float)), np.isnan(X[:, :, 0]))


def test_multioutput_per_step_and_losses():
    X, y_reg, _ = per_step_data()
    y2 = [np.column_stack([t, np.abs(t)]) for t in y_reg]
    reg = RNNTimestepRegressor(**TINY).fit(X, y2)
    assert reg.n_outputs_ == 2
    assert [p.shape for p in reg.predict(X[:2])] == [(len(x), 2) for x in X[:2]]
    assert reg.predict(nan_padded(X[:2], 12)).shape == (2, 12, 2)
    poisson = RNNTimestepRegressor(loss="poisson", **TINY)
    poisson.fit(X, [np.abs(t) for t in y_reg])
    assert (flat(poisson.predict(X)) > 0).all()
    with pytest.raises(ValueError, match="negative"):
        RNNTimestepRegressor(loss="poisson", **TINY).fit(X, y_reg)


def test_classifier_options_apply_per_step():
    X, _, y_clf = per_step_data()
    clf = RNNTimestepClassifier(
        class_weight="balanced", **dict(TINY, early_stopping=True)
    )
    clf.fit(X, y_clf)
    assert len(clf.validation_scores_) == clf.n_iter_
    part = RNNTimestepClassifier(**TINY)
    for _ in range(2):
        part.partial_fit(X, y_clf, classes=["down", "up"])
    assert part.n_iter_ == 2
    multilabel = [np.column_stack([t == "up", t == "down"]).astype(int) for t in y_clf]
    ml = RNNTimestepClassifier(**TINY).fit(X, multilabel)
    assert ml.predict(X[:1])[0].shape == (len(X[0]), 2)


@pytest.mark.parametrize("Est", TIMESTEP)
def test_pipeline_grid_search_and_cross_validation(Est):
    X, y_reg, y_clf = per_step_data(n=24)
    y = per_step_targets_for(Est, y_reg, y_clf)
    pipe = make_pipeline(SequencePadder(), SequenceScaler(), Est(**TINY))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (24, max(len(x) for x in X))
    scores = cross_val_score(pipe, X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.isfinite(scores).all()
    search = GridSearchCV(
        pipe, {f"{Est.__name__.lower()}__hidden_size": [3, 5]}, cv=2, n_jobs=2
    ).fit(X, y)
    assert search.best_params_


@pytest.mark.parametrize("Est", TIMESTEP)
def test_save_load_and_pickle_give_the_same_predictions(Est, tmp_path):
    import pickle

    X, y_reg, y_clf = per_step_data()
    est = Est(**TINY).fit(X, per_step_targets_for(Est, y_reg, y_clf))
    save(est, tmp_path / "model.zip")
    loaded = load(tmp_path / "model.zip")
    again = pickle.loads(pickle.dumps(est))
    for other in (loaded, again):
        np.testing.assert_array_equal(
            flat(per_step_outputs(est, X)), flat(per_step_outputs(other, X))
        )


@pytest.mark.parametrize("Est", TIMESTEP)
def test_no_pooling_or_downsample_parameters(Est):
    params = Est().get_params()
    assert "pooling" not in params and "downsample" not in params
    X, y_reg, y_clf = per_step_data()
    est = Est(conv_filters=(3,), **TINY).fit(X, per_step_targets_for(Est, y_reg, y_clf))
    assert est.downsample_ == 1  # one output per input step


@pytest.mark.parametrize("alpha", [0.0, 50.0])
def test_alpha_is_a_penalty_per_sequence_as_for_the_sequence_estimators(alpha):
    X, y_reg, _ = per_step_data(n=12)
    params = dict(alpha=alpha, batch_size=12, max_iter=1, learning_rate_init=1e-12)
    step = RNNTimestepRegressor(**params, hidden_size=4, random_state=0).fit(X, y_reg)
    free = RNNTimestepRegressor(**dict(params, alpha=0.0), hidden_size=4)
    free.set_params(random_state=0).fit(X, y_reg)
    weights = [p.detach() for p in step.module_.parameters() if p.ndim > 1]
    # One batch of 12 sequences: alpha / (2 * 12) ||W||^2, however many steps.
    expected = alpha / (2 * len(X)) * sum(float((w**2).sum()) for w in weights)
    penalty = step.loss_curve_[0] - free.loss_curve_[0]
    assert penalty == pytest.approx(expected, rel=1e-4, abs=1e-9)
