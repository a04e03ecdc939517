"""RNNRegressor and RNNClassifier through their public API."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor

TINY = dict(hidden_size=6, max_iter=3, random_state=0)
ESTIMATORS = [RNNRegressor, RNNClassifier]


def ragged(n=30, n_features=2, low=2, high=12, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(k, n_features)) for k in rng.randint(low, high, size=n)]
    # The label depends on the order of the steps, not only their values.
    y_reg = np.array([x[-1, 0] - x[0, 0] for x in X])
    return X, y_reg, (y_reg > 0).astype(int)


def targets(Est, y_reg, y_clf):
    return y_reg if Est is RNNRegressor else y_clf


def outputs(est, X):
    return est.predict(X) if isinstance(est, RNNRegressor) else est.predict_proba(X)


def nan_padded(X, length):
    out = np.full((len(X), length, X[0].shape[1]), np.nan)
    for row, x in zip(out, X):
        row[: len(x)] = x
    return out


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_padding_never_changes_a_prediction(Est, cell, bidirectional, activation):
    X, y_reg, y_clf = ragged()
    est = Est(
        cell=cell,
        bidirectional=bidirectional,
        activation=activation,
        num_layers=2,
        **TINY,
    ).fit(X, targets(Est, y_reg, y_clf))
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-6)]:
        seqs = [x.astype(dtype) for x in X[:5]]
        alone = np.concatenate([outputs(est, [x]) for x in seqs])
        for length in (12, 1000):
            padded = nan_padded(seqs, length).astype(dtype)
            np.testing.assert_allclose(outputs(est, padded), alone, rtol=0, atol=tol)
        np.testing.assert_allclose(outputs(est, seqs), alone, rtol=0, atol=tol)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_list_and_padded_array_train_the_same_model(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    from_list = Est(**TINY).fit(X, y)
    from_array = Est(**TINY).fit(nan_padded(X, 15), y)
    from_objects = Est(**TINY).fit(np.array(X, dtype=object), y)
    expected = outputs(from_list, X)
    np.testing.assert_array_equal(outputs(from_array, X), expected)
    np.testing.assert_array_equal(outputs(from_objects, X), expected)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_univariate_2d_equals_3d_with_one_feature(Est):
    rng = np.random.RandomState(1)
    X2 = rng.normal(size=(25, 7))
    y = targets(Est, X2[:, -1] - X2[:, 0], (X2[:, -1] > X2[:, 0]).astype(int))
    est2 = Est(**TINY).fit(X2, y)
    est3 = Est(**TINY).fit(X2[:, :, None], y)
    np.testing.assert_array_equal(outputs(est2, X2), outputs(est3, X2[:, :, None]))
    assert est2.n_features_in_ == 7 and est2.n_channels_in_ == 1
    assert est3.n_features_in_ == 1 and est3.n_channels_in_ == 1
    # A model fitted on 3D input reads 2D input of any length as univariate.
    assert outputs(est3, X2[:, :4]).shape[0] == 25
    # A model fitted on 2D input follows scikit-learn's fixed-width rule.
    with pytest.raises(ValueError, match="X has 4 features, but .* expecting 7"):
        est2.predict(X2[:, :4])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_list_of_1d_arrays_and_pandas(Est):
    X, y_reg, y_clf = ragged(n_features=1)
    y = targets(Est, y_reg, y_clf)
    est = Est(**TINY).fit([x[:, 0] for x in X], pd.Series(y))
    np.testing.assert_array_equal(outputs(est, [x[:, 0] for x in X]), outputs(est, X))
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(20, 5)))
    frame.columns = [f"t{i}" for i in range(5)]
    est = Est(**TINY).fit(frame, y[:20])
    np.testing.assert_array_equal(est.feature_names_in_, frame.columns)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_channel_count_and_nan_errors(Est):
    X, y_reg, y_clf = ragged()
    est = Est(**TINY).fit(X, targets(Est, y_reg, y_clf))
    with pytest.raises(ValueError, match="X has 3 features per timestep, but"):
        est.predict([np.zeros((4, 3))])
    holey = X[0].copy()
    holey[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN inside sequence 0 .*SequenceImputer"):
        est.predict([holey])
    with pytest.raises(ValueError, match="same number of features"):
        est.predict([np.zeros((4, 2)), np.zeros((3, 3))])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_input_is_never_mutated(Est):
    X, y_reg, y_clf = ragged()
    padded = nan_padded(X, 15)
    before = padded.copy()
    Est(**TINY).fit(padded, targets(Est, y_reg, y_clf)).predict(padded)
    np.testing.assert_array_equal(padded, before)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_random_state_reproducible_and_global_rng_untouched(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    params = dict(TINY, dropout=0.3, num_layers=2)
    state = torch.get_rng_state()
    first = outputs(Est(**params).fit(X, y), X)
    assert torch.equal(state, torch.get_rng_state())
    torch.manual_seed(123)  # the user's own seeding changes nothing of ours
    np.testing.assert_array_equal(outputs(Est(**params).fit(X, y), X), first)
    other = outputs(Est(**dict(params, random_state=1)).fit(X, y), X)
    assert not np.allclose(other, first)


def test_same_predictions_in_another_process():
    code = (
        "import numpy as np, torch; torch.set_num_threads(1)\n"
        "from sklearn_rnn import RNNRegressor\n"
        "X = np.random.RandomState(0).normal(size=(20, 5, 2))\n"
        "r = RNNRegressor(hidden_size=4, max_iter=2, random_state=0)\n"
        "print(repr(r.fit(X, X[:, -1, 0]).predict(X).tolist()))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and runs[0].startswith("[")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_clone_pickle_joblib_round_trips(Est, tmp_path):
    X, y_reg, y_clf = ragged()
    est = Est(**TINY).fit(X, targets(Est, y_reg, y_clf))
    expected = outputs(est, X)
    assert clone(est).get_params() == est.get_params()
    np.testing.assert_array_equal(outputs(pickle.loads(pickle.dumps(est)), X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        outputs(joblib.load(tmp_path / "model.joblib"), X), expected
    )


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_cross_val_score_and_parallel_grid_search_on_ragged_lists(Est):
    X, y_reg, y_clf = ragged(n=40)
    y = targets(Est, y_reg, y_clf)
    scores = cross_val_score(Est(**TINY), X, y, cv=KFold(3), error_score="raise")
    assert np.isfinite(scores).all()
    search = GridSearchCV(
        Est(max_iter=2, random_state=0),
        {"hidden_size": [2, 4], "activation": ["tanh", "relu"]},
        cv=2,
        n_jobs=2,
        error_score="raise",
    ).fit(X, y)
    assert search.best_params_["hidden_size"] in (2, 4)
    assert len(search.cv_results_["mean_test_score"]) == 4


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


def test_regressor_multi_output():
    X, y_reg, _ = ragged()
    Y = np.column_stack([y_reg, -y_reg, 2 * y_reg])
    reg = RNNRegressor(**TINY).fit(X, Y)
    assert reg.predict(X).shape == (30, 3)
    assert reg.predict(X).dtype == np.float64
    assert RNNRegressor(**TINY).fit(X, Y[:, :1]).predict(X).shape == (30, 1)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_runs_one_epoch_at_a_time(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    est = Est(**TINY)
    kwargs = {"classes": [0, 1]} if Est is RNNClassifier else {}
    for i in range(3):
        est.partial_fit(X, y, **kwargs)
        assert est.n_iter_ == i + 1 and len(est.loss_curve_) == i + 1
    if Est is RNNClassifier:
        with pytest.raises(ValueError, match="classes must be passed"):
            Est(**TINY).partial_fit(X, y)
        with pytest.raises(ValueError, match="not in classes_"):
            est.partial_fit(X, y + 5)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_continues_training(Est):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    est = Est(warm_start=True, **TINY).fit(X, y)
    weights = [p.detach().clone() for p in est.module_.parameters()]
    est.fit(X, y)
    assert est.n_iter_ == 6 and len(est.loss_curve_) == 6
    moved = [not torch.equal(a, b) for a, b in zip(weights, est.module_.parameters())]
    assert any(moved)
    cold = Est(**TINY).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_keeps_best_validation_weights(Est):
    X, y_reg, y_clf = ragged(n=80)
    y = targets(Est, y_reg, y_clf)
    est = Est(
        hidden_size=6,
        max_iter=40,
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=0.25,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.n_iter_ < 40
    assert est.history_[-1, "valid_score"] == est.validation_scores_[-1]


def test_convergence_warning_when_max_iter_reached():
    X, y_reg, _ = ragged()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        RNNRegressor(**TINY, tol=0.0).fit(X, y_reg)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y_reg, _ = ragged()
    RNNRegressor(verbose=1, early_stopping=True, **TINY).fit(X, y_reg)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_score" in out and "dur" in out
    rows = [line for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 3


class _EpochCounter(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


class _GradNorm(Callback):
    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.norm() for _, p in named_parameters if p.grad is not None]
        self.largest_ = max(
            getattr(self, "largest_", 0.0), float(torch.stack(grads).norm())
        )


def test_skorch_callbacks_and_gradient_clipping():
    X, y_reg, _ = ragged()
    counter, norm = _EpochCounter(), _GradNorm()
    reg = RNNRegressor(
        callbacks=[("counter", counter), ("norm", norm)],
        clip_grad_norm=0.01,
        learning_rate_init=0.1,
        **TINY,
    ).fit(X, 100 * y_reg)
    assert not hasattr(counter, "epochs_")  # the user's objects are not touched
    trained = dict(reg.net_.callbacks_)
    assert trained["counter"].epochs_ == 3
    assert trained["norm"].largest_ <= 0.01 + 1e-6


def test_training_that_diverges_raises_a_clear_error():
    X, y_reg, _ = ragged()
    reg = RNNRegressor(
        cell="rnn", activation="identity", learning_rate_init=1e5, **TINY
    )
    with pytest.raises(ValueError, match="Training diverged.*learning_rate_init"):
        reg.fit([x * 1e3 for x in X], y_reg * 1e6)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_size": 0}, "hidden_size"),
        ({"dropout": 1.5}, "dropout"),
        ({"cell": "transformer"}, "cell"),
        ({"activation": "softmax"}, "activation"),
        ({"batch_size": 0}, "batch_size"),
        ({"device": "gpu"}, "device"),
    ],
)
def test_invalid_parameters(params, match):
    X, y_reg, _ = ragged()
    with pytest.raises(InvalidParameterError, match=match):
        RNNRegressor(**params).fit(X, y_reg)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_unavailable_is_a_clear_error():
    X, y_reg, _ = ragged()
    with pytest.raises(ValueError, match="cuda is not available"):
        RNNRegressor(device="cuda", **TINY).fit(X, y_reg)


def test_auto_device_and_fitted_attributes():
    X, y_reg, _ = ragged()
    reg = RNNRegressor(device="auto", **TINY).fit(X, y_reg)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(reg.module_.parameters()).device.type == expected
    assert reg.history_[:, "train_loss"] == reg.loss_curve_
    assert not hasattr(reg, "validation_scores_")


def test_bad_sample_weight():
    X, y_reg, _ = ragged()
    with pytest.raises(ValueError, match="non-zero"):
        RNNRegressor(**TINY).fit(X, y_reg, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="sums to zero"):
        RNNClassifier(class_weight={0: 0.0, 1: 0.0}, **TINY).fit(X, y_reg > 0)
    with pytest.raises(ValueError, match="Negative values"):
        RNNRegressor(**TINY).fit(X, y_reg, sample_weight=-np.ones(len(X)))
