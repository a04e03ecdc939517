"""SequencePadder."""

import numpy as np
import pytest
from conftest import ragged

from sklearn_rnn import (
    SequencePadder,
)

nan = np.nan


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
    padder = SequencePadder().fit(ragged(n=12, high=9)[0])
    assert padder.maxlen_ == max(len(x) for x in ragged(n=12, high=9)[0])
    assert padder.transform(ragged(n=12, high=9, seed=1)[0]).shape[1] == padder.maxlen_
