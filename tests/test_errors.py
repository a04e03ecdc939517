"""Bad input of every kind gets a clear error; odd but valid input just works."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import TINY, ragged
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

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


def test_bad_sample_weight():
    X, y_reg, _ = ragged()
    with pytest.raises(ValueError, match="non-zero"):
        RNNRegressor(**TINY).fit(X, y_reg, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match="sums to zero"):
        RNNClassifier(class_weight={0: 0.0, 1: 0.0}, **TINY).fit(X, y_reg > 0)
    with pytest.raises(ValueError, match="Negative values"):
        RNNRegressor(**TINY).fit(X, y_reg, sample_weight=-np.ones(len(X)))


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
    ("average_decay", 1.0),
    ("average_decay", -0.1),
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
        (SequenceScaler(), "clip_value", 0.0),
    ],
    ids=lambda v: str(v),
)
def test_bad_parameters_of_classifier_and_transformers(est, name, value):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        _fit(est.set_params(**{name: value}), GOOD)


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
