"""SequenceScaler."""

import numpy as np
import pytest
from conftest import ragged
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    SequencePadder,
    SequenceScaler,
)

nan = np.nan


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
    X = ragged(n=12, high=9)[0]
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
    scaler = SequenceScaler(method="robust", clip_value=2.0).fit(X)
    out = scaler.transform(X)[0, :, 0]
    assert np.isnan(out[2]) and out[4] == 2.0 and np.nanmax(np.abs(out)) <= 2.0


def test_scaler_constant_feature_is_left_unscaled():
    X = np.ones((3, 4, 1))
    scaler = SequenceScaler().fit(X)
    np.testing.assert_array_equal(scaler.scale_, [1.0])
    np.testing.assert_array_equal(scaler.transform(X), np.zeros((3, 4, 1)))


@pytest.mark.parametrize("method", ["standard", "robust", "minmax"])
def test_near_constant_feature_follows_scikit_learns_rule(method):
    """A constant 0.1 has a float64 variance of ~1e-34, not 0: still constant."""
    X = np.full((20, 6, 2), 0.1)
    X[:, :, 1] = np.random.RandomState(0).normal(size=(20, 6))
    scaler = SequenceScaler(method=method).fit(X)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(X)[:, :, 0], 0.0, atol=1e-12)
    reference = StandardScaler().fit(X[:, :, 0].reshape(-1, 1))
    assert reference.scale_[0] == 1.0


def test_scale_is_a_divisor_for_every_method():
    X = np.random.RandomState(0).uniform(2, 7, size=(10, 5, 1))
    for method in ["standard", "robust", "minmax"]:
        scaler = SequenceScaler(method=method).fit(X)
        expected = (X - scaler.center_) / scaler.scale_
        np.testing.assert_allclose(scaler.transform(X), expected)
    minmax = SequenceScaler(method="minmax").fit(X).transform(X)
    assert minmax.min() == 0.0 and minmax.max() == pytest.approx(1.0)
