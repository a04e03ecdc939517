"""sklearn_rnn.datasets through its public API."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn.datasets import (
    make_sequence_classification,
    make_sequence_regression,
    make_windows,
)

GENERATORS = [make_sequence_classification, make_sequence_regression]


@pytest.mark.parametrize("make", GENERATORS)
def test_ragged_lists_in_the_requested_shape(make):
    X, y = make(n_samples=50, n_features=4, min_length=5, max_length=9, random_state=0)
    assert len(X) == len(y) == 50
    assert {x.shape[1] for x in X} == {4}
    assert {len(x) for x in X} <= set(range(5, 10)) and len({len(x) for x in X}) > 1
    X2, y2 = make(
        n_samples=50, n_features=4, min_length=5, max_length=9, random_state=0
    )
    for a, b in zip(X, X2):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(y, y2)


@pytest.mark.parametrize("make", GENERATORS)
def test_missing_values_outliers_and_padded_form(make):
    X, _ = make(n_samples=200, missing_rate=0.2, outlier_rate=0.05, random_state=0)
    steps = np.concatenate(X)
    assert 0.17 < np.isnan(steps).mean() < 0.23
    assert np.nanmax(np.abs(steps)) >= 20
    # The first and last step of each sequence keep a value: lengths stay true.
    assert all(not np.isnan(x[[0, -1]]).all(axis=1).any() for x in X)
    padded, _ = make(n_samples=200, missing_rate=0.2, padded=True, random_state=0)
    assert padded.ndim == 3 and padded.shape[0] == 200


def test_classes_differ_only_in_the_order_of_events():
    X, y = make_sequence_classification(
        n_samples=300, n_features=1, n_classes=3, noise=0.0, random_state=0
    )
    assert set(y) == {0, 1, 2}
    for x in X:  # the same three events in every sequence
        np.testing.assert_array_equal(np.sort(x[x != 0]), [-4.0, 4.0, 6.0])
    orders = {tuple(np.sign(x[x != 0])) + (label,) for x, label in zip(X, y)}
    assert len({o[:-1] for o in orders}) == len(orders)  # order decides the class


def test_regression_targets_weight_recent_steps():
    X, y = make_sequence_regression(
        n_samples=5, n_features=2, n_targets=2, noise=0.0, random_state=0
    )
    x = X[0]
    decay = 0.7 ** np.arange(len(x))[::-1]
    np.testing.assert_allclose(y[0], [decay @ x[:, 0], decay @ x[:, 1]])
    assert make_sequence_regression(n_samples=5, random_state=0)[1].shape == (5,)


def test_make_windows_horizons_steps_and_targets():
    series = np.column_stack([np.arange(10.0), 100 + np.arange(10.0)])
    X, y = make_windows(series, window=3)
    assert X.shape == (7, 3, 2) and y.shape == (7, 2)
    np.testing.assert_array_equal(y[0], [3.0, 103.0])
    X, y = make_windows(series, window=3, horizon=2, step=3, target=1)
    np.testing.assert_array_equal(X[:, 0, 0], [0, 3])
    np.testing.assert_array_equal(y, [[103, 104], [106, 107]])
    X, y = make_windows(series, window=4, horizon=2, target=[0, 1])
    np.testing.assert_array_equal(y[0], [4, 104, 5, 105])


def test_make_windows_over_several_series():
    X, y = make_windows([np.arange(5.0), np.arange(100.0, 104.0)], window=2)
    assert X.shape == (5, 2, 1)
    np.testing.assert_array_equal(y, [2, 3, 4, 102, 103])


def test_bad_arguments():
    with pytest.raises(ValueError, match="too short for window=5"):
        make_windows(np.arange(4.0), window=5)
    with pytest.raises(ValueError, match="must be 1D"):
        make_windows(np.ones((4, 2, 2)), window=2)
    with pytest.raises(InvalidParameterError, match="'window' parameter"):
        make_windows(np.arange(4.0), window=0)
    with pytest.raises(ValueError, match="min_length must not exceed max_length"):
        make_sequence_regression(min_length=10, max_length=5)
    with pytest.raises(InvalidParameterError, match="'n_classes' parameter"):
        make_sequence_classification(n_classes=1)
