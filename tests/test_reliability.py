"""Bad input, properties over random input, faults during training, scale-out."""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceImputer,
    SequencePadder,
    SequenceScaler,
)

nan = np.nan
ESTIMATORS = [
    RNNRegressor(hidden_size=3, max_iter=1, random_state=0),
    RNNClassifier(hidden_size=3, max_iter=1, random_state=0),
]
TRANSFORMERS = [SequencePadder(), SequenceImputer(), SequenceScaler()]
ALL = ESTIMATORS + TRANSFORMERS
GOOD = [np.zeros((3, 2)), np.ones((4, 2)), np.full((2, 2), 2.0)]
Y = np.array([0, 1, 0])


def _name(obj):
    return type(obj).__name__


def _fit(est, X, y=Y):
    return est.fit(X, y) if _name(est).startswith("RNN") else est.fit(X)


def _apply(est, X):
    return est.predict(X) if _name(est).startswith("RNN") else est.transform(X)


# -- bad input ----------------------------------------------------------------------

BAD_X = {
    "empty list": ([], ValueError, "0 sample"),
    "empty 2D array": (np.empty((0, 4)), ValueError, "0 sample"),
    "empty 3D array": (np.empty((0, 4, 2)), ValueError, "0 sample"),
    "no timesteps": (np.empty((3, 0, 2)), ValueError, "at least one timestep"),
    "zero-length sequence": (
        [np.zeros((0, 2)), *GOOD[1:]],
        ValueError,
        "Sequence 0 of X has shape",
    ),
    "all-NaN sequence": ([np.full((3, 2), nan), *GOOD[1:]], ValueError, "empty"),
    "inf in array": (np.array([[1.0, np.inf, 0.0]] * 3), ValueError, "infinity"),
    "inf in list": ([np.array([[np.inf, 1.0]]), *GOOD[1:]], ValueError, "infinity"),
    "complex array": (np.ones((3, 4)) + 1j, ValueError, "Complex data"),
    "complex list": ([np.ones((3, 2)) + 1j, *GOOD[1:]], ValueError, "Complex data"),
    "strings array": (np.array([["a", "b"]] * 3), ValueError, "convert string"),
    "strings list": (
        [np.array(["a", "b"]), np.array(["c"]), np.array(["d"])],
        ValueError,
        "non-numeric.*OrdinalEncoder",
    ),
    "objects": (np.array([[{"a": 1}, 2.0]] * 3, dtype=object), TypeError, "dict"),
    "dict": ({"x": GOOD}, TypeError, "Got dict instead"),
    "None": (None, TypeError, "Got NoneType instead"),
    "string": ("sequences", TypeError, "Got str instead"),
    "1D array": (np.arange(3.0), ValueError, "Reshape your data"),
    "4D array": (np.ones((3, 2, 2, 2)), ValueError, "4 dimensions"),
    "3D sequence in list": (
        [np.ones((2, 2, 2)), *GOOD[1:]],
        ValueError,
        "3 dimensions",
    ),
    "sparse matrix": (sp.csr_matrix(np.ones((3, 4))), TypeError, "Sparse data"),
    "mixed feature counts": (
        [np.ones((3, 2)), np.ones((3, 3)), np.ones((2, 2))],
        ValueError,
        "same number of features",
    ),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("est", ALL, ids=_name)
def test_bad_X_in_fit(est, case):
    X, error, match = BAD_X[case]
    with pytest.raises(error, match=match):
        _fit(clone(est), X)


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("est", ALL, ids=_name)
def test_bad_X_in_predict_or_transform(est, case):
    X, error, match = BAD_X[case]
    fitted = _fit(clone(est), GOOD)
    with pytest.raises(error, match=match):
        _apply(fitted, X)


@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_nan_inside_a_sequence_points_to_the_imputer(est):
    X = [np.array([[1.0, nan], [2.0, 3.0]]), *GOOD[1:]]
    with pytest.raises(ValueError, match="NaN inside sequence 0.*SequenceImputer"):
        _fit(clone(est), X)
    with pytest.raises(ValueError, match="NaN inside sequence 0.*SequenceImputer"):
        _fit(clone(est), GOOD).predict(X)


@pytest.mark.parametrize("est", ALL, ids=_name)
def test_other_feature_count_after_fit(est):
    fitted = _fit(clone(est), GOOD)
    with pytest.raises(ValueError, match="X has 3 features per timestep, but"):
        _apply(fitted, [np.ones((2, 3))])
    fitted_2d = _fit(clone(est), np.ones((3, 5)))
    with pytest.raises(ValueError, match="X has 4 features, but .* expecting 5"):
        _apply(fitted_2d, np.ones((3, 4)))


@pytest.mark.parametrize("est", ALL, ids=_name)
def test_use_before_fit(est):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        _apply(clone(est), GOOD)


BAD_Y = {
    "wrong length": ([0, 1], "inconsistent numbers of samples"),
    "NaN": ([0, nan, 1], "y contains NaN"),
    "None": (None, "requires y to be passed"),
    "3D": (np.zeros((3, 1, 1)), "dim 3"),
    "inf": ([0, np.inf, 1], "infinity"),
}


@pytest.mark.parametrize("case", list(BAD_Y))
@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_bad_y(est, case):
    y, match = BAD_Y[case]
    with pytest.raises(ValueError, match=match):
        clone(est).fit(GOOD, y)


def test_classifier_rejects_continuous_and_single_class_y():
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        RNNClassifier().fit(GOOD, [0.1, 0.5, 0.7])
    with pytest.raises(ValueError, match="only one class"):
        RNNClassifier().fit(GOOD, [1, 1, 1])
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        RNNClassifier().fit(GOOD, [[0, 2], [1, 1], [2, 0]])
    with pytest.raises(ValueError, match="numeric"):
        RNNRegressor().fit(GOOD, ["a", "b", "c"])


BAD_PARAMS = [
    ("hidden_size", 0),
    ("hidden_size", 2.5),
    ("num_layers", 0),
    ("bidirectional", "yes"),
    ("dropout", 1.5),
    ("dropout", -0.1),
    ("activation", "gelu"),
    ("cell", "transformer"),
    ("alpha", -1.0),
    ("batch_size", 0),
    ("learning_rate_init", 0.0),
    ("max_iter", 0),
    ("shuffle", "no"),
    ("early_stopping", 1.5),
    ("validation_fraction", 1.0),
    ("n_iter_no_change", 0),
    ("tol", -1.0),
    ("clip_grad_norm", 0.0),
    ("warm_start", None),
    ("random_state", "seed"),
    ("verbose", -1),
    ("device", "gpu"),
    ("device", 3),
    ("callbacks", "print"),
]


@pytest.mark.parametrize("name, value", BAD_PARAMS)
@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_bad_hyperparameters(est, name, value):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        clone(est).set_params(**{name: value}).fit(GOOD, Y)


@pytest.mark.parametrize(
    "est, name, value",
    [
        (RNNClassifier(), "class_weight", "uniform"),
        (SequencePadder(), "maxlen", 0),
        (SequencePadder(), "padding", "middle"),
        (SequencePadder(), "truncating", "both"),
        (SequenceImputer(), "strategy", "zero"),
        (SequenceImputer(), "fill_value", "x"),
        (SequenceImputer(), "add_indicator", "yes"),
        (SequenceScaler(), "method", "maxabs"),
        (SequenceScaler(), "clip", 0.0),
    ],
    ids=lambda v: str(v),
)
def test_bad_parameters_of_classifier_and_transformers(est, name, value):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        _fit(est.set_params(**{name: value}), GOOD)


# -- odd but valid input --------------------------------------------------------------

ODD = {
    "batch larger than data": (dict(batch_size=1000), GOOD, Y),
    "length-1 sequences": ({}, [np.ones((1, 2)), np.zeros((1, 2)), np.ones((1, 2))], Y),
    "two samples": ({}, GOOD[:2], Y[:2]),
    "integer array": ({}, np.arange(24).reshape(3, 4, 2), Y),
    "read-only array": ({}, np.ones((3, 4, 2)), Y),
    "long sequences": ({}, np.random.RandomState(0).normal(size=(3, 3000, 2)), Y),
    "list of 1D arrays": ({}, [np.ones(3), np.zeros(5), np.ones(2)], Y),
    "y as list": ({}, GOOD, list(Y)),
    "y as Series": ({}, GOOD, pd.Series(Y)),
}


@pytest.mark.parametrize("case", list(ODD))
@pytest.mark.parametrize("est", ESTIMATORS, ids=_name)
def test_odd_but_valid_input_just_works(est, case):
    params, X, y = ODD[case]
    if case == "read-only array":
        X = X.copy()
        X.flags.writeable = False
    fitted = clone(est).set_params(**params).fit(X, y)
    assert np.isfinite(fitted.predict(X).astype(float)).all()


# -- properties over random ragged input ---------------------------------------------


@st.composite
def ragged_sequences(draw, n_features):
    n = draw(st.integers(1, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    lengths = draw(st.lists(st.integers(1, 7), min_size=n, max_size=n))
    values = st.floats(-5, 5, allow_nan=False, width=32)
    return [
        np.array(
            draw(
                st.lists(
                    st.lists(values, min_size=n_features, max_size=n_features),
                    min_size=k,
                    max_size=k,
                )
            ),
            dtype=dtype,
        )
        for k in lengths
    ]


def _padded(X, extra, pre=False):
    T = max(len(x) for x in X) + extra
    out = np.full((len(X), T, X[0].shape[1]), nan, dtype=X[0].dtype)
    for row, x in zip(out, X):
        if pre:
            row[T - len(x) :] = x
        else:
            row[: len(x)] = x
    return out


@pytest.fixture(scope="module")
def fitted_models():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 2)) for k in rng.randint(1, 8, size=20)]
    y = (rng.uniform(size=20) > 0.5).astype(int)
    return [
        RNNRegressor(hidden_size=3, max_iter=1, bidirectional=True, random_state=0).fit(
            X, y
        ),
        RNNClassifier(hidden_size=3, max_iter=1, cell="gru", random_state=0).fit(X, y),
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=ragged_sequences(n_features=2), extra=st.integers(0, 5), pre=st.booleans())
def test_property_padding_never_changes_a_prediction(fitted_models, X, extra, pre):
    tol = 1e-5 if X[0].dtype == np.float32 else 1e-10
    padded = _padded(X, extra, pre)
    before = padded.copy()
    for model in fitted_models:
        alone = np.concatenate([model.predict([x]) for x in X])
        assert np.isfinite(alone).all()
        np.testing.assert_allclose(model.predict(X), alone, atol=tol, rtol=0)
        np.testing.assert_allclose(model.predict(padded), alone, atol=tol, rtol=0)
    np.testing.assert_array_equal(padded, before)


@st.composite
def gappy_sequences(draw):
    X = draw(ragged_sequences(n_features=draw(st.integers(1, 3))))
    holes = st.floats(0, 1)
    for x in X:
        rate = draw(holes)
        mask = np.random.RandomState(draw(st.integers(0, 1000))).uniform(size=x.shape)
        x[mask < rate * 0.6] = nan
        x[0, 0] = 0.0 if np.isnan(x[0]).all() else x[0, 0]
        x[-1, 0] = 0.0 if np.isnan(x[-1]).all() else x[-1, 0]
    return X


@settings(max_examples=40, deadline=None)
@given(
    X=gappy_sequences(),
    extra=st.integers(0, 3),
    strategy=st.sampled_from(
        ["ffill", "bfill", "linear", "mean", "median", "constant"]
    ),
    indicator=st.booleans(),
)
def test_property_imputer_fills_every_hole_and_keeps_padding(
    X, extra, strategy, indicator
):
    padded = _padded(X, extra)
    before = padded.copy()
    out = SequenceImputer(strategy=strategy, add_indicator=indicator).fit_transform(
        padded
    )
    real = np.arange(padded.shape[1]) < np.array([len(x) for x in X])[:, None]
    assert not np.isnan(out[real]).any()
    assert np.isnan(out[~real]).all()
    np.testing.assert_array_equal(padded, before)


@settings(max_examples=40, deadline=None)
@given(
    X=gappy_sequences(),
    extra=st.integers(0, 3),
    method=st.sampled_from(["standard", "robust", "minmax"]),
)
def test_property_scaler_round_trip_and_padding(X, extra, method):
    padded = _padded(X, extra)
    before = padded.copy()
    scaler = SequenceScaler(method=method).fit(padded)
    out = scaler.transform(padded)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(padded))
    tol = 1e-4 if padded.dtype == np.float32 else 1e-9
    np.testing.assert_allclose(
        scaler.inverse_transform(out), padded, atol=tol, rtol=tol
    )
    np.testing.assert_array_equal(padded, before)


@settings(max_examples=30, deadline=None)
@given(X=ragged_sequences(n_features=2), maxlen=st.integers(1, 9))
def test_property_padder_output_predicts_like_the_sequences(fitted_models, X, maxlen):
    padder = SequencePadder(maxlen=maxlen, padding="pre", truncating="pre").fit(X)
    cut = [x[-maxlen:] for x in X]
    tol = 1e-5 if X[0].dtype == np.float32 else 1e-10
    for model in fitted_models:
        np.testing.assert_allclose(
            model.predict(padder.transform(X)), model.predict(cut), atol=tol, rtol=0
        )


# -- faults during and after training ------------------------------------------------


class _Interrupt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C does) at a given epoch and batch."""

    def __init__(self, epoch, batch=None):
        self.epoch, self.batch = epoch, batch

    def on_epoch_end(self, net, **kwargs):
        if self.batch is None and len(net.history) == self.epoch:
            raise KeyboardInterrupt

    def on_batch_end(self, net, training=False, **kwargs):
        if self.batch is not None and training and len(net.history) == self.epoch:
            if len(net.history[-1]["batches"]) == self.batch:
                raise KeyboardInterrupt


@pytest.mark.parametrize("batch", [None, 2], ids=["after epoch", "mid-epoch"])
def test_interrupt_leaves_a_usable_model_with_an_honest_n_iter(batch):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 5, 2)), rng.normal(size=64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning for an interrupt
        reg = RNNRegressor(
            hidden_size=4,
            max_iter=10,
            batch_size=16,
            callbacks=[_Interrupt(epoch=3, batch=batch)],
            random_state=0,
        ).fit(X, y)
    assert reg.n_iter_ == (3 if batch is None else 2)
    assert len(reg.loss_curve_) == reg.n_iter_
    assert np.isfinite(reg.predict(X)).all()


def test_divergence_is_never_silent():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 5, 2)) * 1e3, rng.normal(size=64) * 1e6
    reg = RNNRegressor(
        cell="rnn",
        activation="relu",
        learning_rate_init=1e5,
        max_iter=5,
        random_state=0,
    )
    with pytest.raises(
        ValueError, match="diverged.*learning_rate_init.*clip_grad_norm"
    ):
        reg.fit(X, y)


def test_model_saved_on_a_gpu_loads_on_a_cpu_only_machine():
    """Simulated: the pickled net says it lives on 'cuda'."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(20, 5, 2)), rng.normal(size=20)
    reg = RNNRegressor(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    expected = reg.predict(X)
    reg.net_.device = "cuda"
    payload = pickle.dumps(reg)
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    # skorch warns twice: for the weights it maps to the CPU, and for the device.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = pickle.loads(payload)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeviceWarning)]
    assert any("requested device (cuda) is not available" in m for m in messages)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_from_several_threads(dtype):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 3)).astype(dtype) for k in rng.randint(2, 30, size=200)]
    clf = RNNClassifier(hidden_size=8, max_iter=1, random_state=0).fit(
        X, rng.randint(3, size=200)
    )
    serial = clf.predict_proba(X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(clf.predict_proba, [X] * 8))
    for result in results:
        np.testing.assert_array_equal(result, serial)


# -- scale out on a Dask cluster -------------------------------------------------------


@pytest.mark.dask
def test_grid_search_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    import joblib

    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 2)) for k in rng.randint(3, 12, size=40)]
    y = np.array([x[-1, 0] > x[0, 0] for x in X]).astype(int)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Dask starts workers with OMP_NUM_THREADS=1: one torch thread each.
        assert set(client.run(torch.get_num_threads).values()) == {1}
        search = GridSearchCV(
            RNNClassifier(max_iter=2, random_state=0),
            {"hidden_size": [2, 4], "activation": ["tanh", "relu"]},
            cv=2,
            error_score="raise",
        )
        with joblib.parallel_backend("dask"):
            search.fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_estimator_.predict(X).shape == (40,)
