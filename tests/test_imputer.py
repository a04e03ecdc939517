"""SequenceImputer."""

import numpy as np
import pytest

from sklearn_rnn import (
    SequenceImputer,
)

nan = np.nan


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
