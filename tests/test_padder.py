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


def test_a_longer_test_sequence_keeps_every_step():
    """maxlen=None learnt the longest training length and cut the last steps
    off longer test sequences ('post' truncation): where the label is set by
    the last step, a classifier after it fell from 0.965 to 0.56."""
    padder = SequencePadder().fit([np.arange(3.0), np.arange(5.0)])
    long = np.arange(8.0)
    out = padder.transform([long, np.arange(2.0)])
    assert out.shape == (2, 8, 1)
    np.testing.assert_array_equal(out[0, :, 0], long)
    assert np.isnan(out[1, 2:, 0]).all()
    assert padder.transform([np.arange(4.0)]).shape == (1, 5, 1)  # maxlen_ at least
    pre = SequencePadder(padding="pre").fit([np.arange(5.0)])
    np.testing.assert_array_equal(
        pre.transform([long, np.arange(2.0)])[1, -2:, 0], [0, 1]
    )
    # An explicit maxlen still truncates, as Keras' pad_sequences does.
    assert SequencePadder(maxlen=5).fit([long]).transform([long]).shape == (1, 5, 1)
