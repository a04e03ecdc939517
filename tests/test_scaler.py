"""SequenceScaler."""

import warnings

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


@pytest.mark.parametrize("method", ["standard", "robust", "minmax"])
def test_per_sequence_scales_each_sequence_by_its_own_real_steps(method):
    """Each sequence, whatever its level, comes out as if it were the whole
    training set of a global scaler; padding (either end) and the other
    sequences change nothing."""
    rng = np.random.RandomState(0)
    X = [
        level * rng.normal(size=(n, 2)) + level
        for level, n in zip([0.01, 1.0, 13.0], [5, 9, 7])
    ]
    X[1][3, 0] = np.nan  # a missing value is ignored, and stays missing
    scaler = SequenceScaler(method=method, per_sequence=True).fit(X[:1])
    np.testing.assert_array_equal(scaler.center_, [0.0, 0.0])
    np.testing.assert_array_equal(scaler.scale_, [1.0, 1.0])
    out = scaler.transform(X)
    for x, scaled in zip(X, out):
        alone = SequenceScaler(method=method).fit([x]).transform([x])[0]
        np.testing.assert_allclose(scaled[: len(x)], alone, rtol=1e-12, atol=1e-12)
    assert np.isnan(out[1][3, 0]) and np.isnan(out[0][5:]).all()
    padded = np.full((3, 12, 2), np.nan)
    for row, x in zip(padded, X):
        row[12 - len(x) :] = x  # leading padding
    pre = scaler.transform(padded)
    for row, scaled, x in zip(pre, out, X):
        np.testing.assert_allclose(row[12 - len(x) :], scaled[: len(x)], atol=1e-12)
    assert not hasattr(scaler, "inverse_transform")
    assert hasattr(SequenceScaler(per_sequence=False).fit(X), "inverse_transform")


def test_auto_scales_per_sequence_the_features_whose_scales_span_orders():
    """'auto': a feature whose sequences' standard deviations span more than
    100x between the 10th and 90th percentiles is scaled per sequence, as
    ``per_sequence=True`` would; the others globally, as ``False`` would."""
    rng = np.random.RandomState(0)
    levels = 10.0 ** rng.uniform(-3, 2, size=40)  # five orders of magnitude
    X = [
        np.column_stack([level * rng.normal(size=n), rng.normal(size=n) + 5])
        for level, n in zip(levels, rng.randint(3, 15, size=40))
    ]
    auto = SequenceScaler().fit(X)
    np.testing.assert_array_equal(auto.per_sequence_, [True, False])
    out = auto.transform(X)
    own = SequenceScaler(per_sequence=True).fit(X).transform(X)
    fixed = SequenceScaler(per_sequence=False).fit(X)
    np.testing.assert_allclose(out[:, :, 0], own[:, :, 0], atol=1e-12)
    np.testing.assert_allclose(out[:, :, 1], fixed.transform(X)[:, :, 1], atol=1e-12)
    assert auto.center_[0] == 0.0 and auto.scale_[0] == 1.0
    np.testing.assert_array_equal(auto.center_[1], fixed.center_[1])
    assert not hasattr(auto, "inverse_transform")
    # the same data within one order of magnitude: one global scale
    calm = [x / [np.std(x[:, 0]), 1.0] for x in X]
    calm_auto = SequenceScaler().fit(calm)
    np.testing.assert_array_equal(calm_auto.per_sequence_, [False, False])
    np.testing.assert_array_equal(
        calm_auto.transform(calm), fixed.fit(calm).transform(calm)
    )
    assert hasattr(calm_auto, "inverse_transform")
    # single steps have no spread of their own: global scaling
    steps = SequenceScaler().fit([x[:1] for x in X])
    np.testing.assert_array_equal(steps.per_sequence_, [False, False])


def test_per_sequence_keeps_features_it_does_not_read_and_clips():
    X = [np.column_stack([np.arange(6.0) * 10, np.arange(6) % 2]) for _ in range(3)]
    scaler = SequenceScaler(per_sequence=True, features=[0], clip_value=1.0)
    out = scaler.fit_transform(X)
    np.testing.assert_array_equal(out[:, :, 1], np.stack([x[:, 1] for x in X]))
    assert out[:, :, 0].max() == 1.0 and out[:, :, 0].min() == -1.0


def test_auto_is_not_fooled_by_outliers_nor_by_the_level_of_windows():
    """'auto' reads quartiles: 1% of values replaced by ±1e4 does not switch it
    on (the standard deviations' rule did, for every feature), nor off where
    the scales do span orders; windows cut from series whose level is far
    from 0 keep their level (the target needs it); and it warns when on."""
    rng = np.random.RandomState(0)
    calm = rng.normal(size=(200, 30, 3))
    levels = 10.0 ** rng.uniform(-3, 2, size=(200, 1, 1))
    spans = np.concatenate([calm, levels * rng.normal(size=(200, 30, 1))], axis=2)
    for X, expected in [(calm, [False] * 3), (spans, [False] * 3 + [True])]:
        dirty = X.copy()
        gross = rng.uniform(size=X.shape) < 0.01
        dirty[gross] = rng.choice([-1e4, 1e4], size=gross.sum())
        for data in (X, dirty):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                chosen = SequenceScaler().fit(data).per_sequence_
            np.testing.assert_array_equal(chosen, expected)
            said = [w for w in caught if "per_sequence='auto'" in str(w.message)]
            assert len(said) == any(expected)
    # Windows of series at levels from 10 to 1e5, each varying by about 2%.
    series = 10.0 ** rng.uniform(1, 5, size=(300, 1, 1))
    windows = series * (1 + 0.02 * rng.normal(size=(300, 12, 1)).cumsum(1))
    assert not SequenceScaler().fit(windows).per_sequence_[0]
