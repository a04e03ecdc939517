"""SequenceOutlierFilter: spikes inside sequences found, padding never read."""

import numpy as np
import pytest
from conftest import ragged

from sklearn_rnn import SequenceImputer, SequenceOutlierFilter, SequencePadder


def _spiky(n=40, seed=0):
    """Smooth ragged series with 3% spikes of ±20 to ±50: (X, spike masks)."""
    rng = np.random.RandomState(seed)
    X, spikes = [], []
    for _ in range(n):
        length = rng.randint(30, 80)
        t = np.arange(length)
        x = np.sin(0.2 * t + rng.uniform(0, 6)) + rng.normal(0, 0.1, length)
        hit = rng.uniform(size=length) < 0.03
        x[hit] += rng.choice([-1.0, 1.0], hit.sum()) * rng.uniform(20, 50, hit.sum())
        X.append(x[:, None])
        spikes.append(hit)
    return X, spikes


@pytest.mark.parametrize("method", ["hampel", "iqr"])
def test_spikes_are_found_and_little_else(method):
    X, spikes = _spiky()
    out = SequenceOutlierFilter(method=method).fit(X).transform(X)
    flagged = np.concatenate([np.isnan(row[: len(x), 0]) for row, x in zip(out, X)])
    truth = np.concatenate(spikes)
    assert flagged[truth].mean() >= 0.95  # recall
    assert flagged[~truth].mean() <= 0.01  # false alarms
    # n_outliers_ also counts the outliers clipped at either end of a sequence.
    changed = [
        np.isnan(row[: len(x), 0]) | (row[: len(x), 0] != x[:, 0])
        for row, x in zip(out, X)
    ]
    n_outliers = SequenceOutlierFilter(method=method).fit(X).n_outliers_[0]
    assert n_outliers == np.concatenate(changed).sum() > flagged.sum()


def test_padding_and_the_batch_never_change_the_hampel_filter():
    X, _ = _spiky(n=10)
    flt = SequenceOutlierFilter().fit(X)
    alone = [flt.transform([x])[0][: len(x)] for x in X]
    for padding in ("post", "pre"):
        padded = SequencePadder(maxlen=90, padding=padding).fit_transform(X)
        out = flt.transform(padded)
        for row, x, ref in zip(out, X, alone):
            real = row[90 - len(x) :] if padding == "pre" else row[: len(x)]
            np.testing.assert_array_equal(real, ref)


def test_clip_moves_a_spike_to_its_bound_and_features_pass_through():
    x = np.array([1.0, 1.1, 0.9, 1.0, 25.0, 1.1, 1.0, 0.9, 1.0])
    codes = np.array([0, 3, 1, 2, 9, 1, 0, 2, 1], dtype=float)
    X = [np.column_stack([x, codes])]
    out = SequenceOutlierFilter(action="clip", features=[0]).fit_transform(X)[0]
    assert 1.0 < out[4, 0] < 2.0 and np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 1], codes)  # 9 is no outlier here
    fences = SequenceOutlierFilter(method="iqr", action="clip").fit(X)
    assert fences.upper_[0] < 25.0
    assert fences.transform(X)[0][4, 0] == fences.upper_[0]


def test_then_the_imputer_fills_what_was_deleted():
    X, spikes = _spiky(n=12)
    flt = SequenceOutlierFilter().fit(X)
    filled = SequenceImputer(strategy="linear").fit_transform(flt.transform(X))
    for row, x, hit in zip(filled, X, spikes):
        # Every step is there: a spike at either end is clipped, not deleted
        # (an all-NaN step there would be padding, which no imputer fills).
        assert np.isfinite(row[: len(x)]).all()
        assert np.abs(row[: len(x)][hit, 0]).max(initial=0) < 2.0


def test_user_arrays_are_never_written_to():
    X, _, _ = ragged(n=8)
    before = [x.copy() for x in X]
    SequenceOutlierFilter(action="clip").fit_transform(X)
    for x, b in zip(X, before):
        np.testing.assert_array_equal(x, b)


@pytest.mark.parametrize("method", ["hampel", "iqr"])
def test_a_zero_spread_flags_nothing(method):
    """An event column (4 events in 50 steps) has a median absolute deviation
    and an inter-quartile range of 0: a band of zero width flagged every event
    (the review's probe: 0 of 4 kept)."""
    x = np.zeros(50)
    x[[7, 19, 33, 41]] = 1.0
    flt = SequenceOutlierFilter(method=method).fit([x])
    out = flt.transform([x])[0]
    np.testing.assert_array_equal(out, x)
    assert flt.n_outliers_[0] == 0


@pytest.mark.parametrize("method", ["hampel", "iqr"])
def test_the_first_and_last_steps_are_clipped_never_deleted(method):
    """A deleted value at either end of a univariate sequence is an all-NaN
    step there: padding, which SequenceImputer never fills. The review's probe
    [1,1,1,1,1,1,5] lost its last step; here among noisy sequences, so that the
    band has a positive width and the 5 is an outlier."""
    rng = np.random.RandomState(0)
    noisy = [1.0 + rng.normal(0, 0.1, 20) for _ in range(5)]
    X = noisy + [np.array([5.0, 1, 1, 1, 1, 1, 5])]
    out = SequenceOutlierFilter(method=method).fit(X).transform(X)
    last = out[-1, :7]
    assert np.isfinite(last).all()  # the ends are kept (clipped)
    assert 1.0 < last[0] < 5.0 and 1.0 < last[-1] < 5.0
    spiky = SequenceOutlierFilter(method=method).fit_transform([noisy[0]] + X[-1:])
    filled = SequenceImputer().fit_transform(spiky)
    assert np.isfinite(filled[-1, :7]).all()


def test_few_values_of_a_normal_series_are_flagged():
    """The docstring's rate for a normal series, and for one rounded to
    integers (the review's probe: 45 of 420 values deleted, 3 of 60 windows
    without their last step)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 30))
    rate = np.isnan(SequenceOutlierFilter().fit_transform(X)).mean()
    assert 0.02 < rate < 0.05  # about 4 in 100, as the docstring says
    windows = np.round(rng.normal(size=(60, 7)))
    out = SequenceOutlierFilter().fit_transform(windows)
    assert np.isnan(out).sum() <= 30  # 25 (without the floor: 50)
    assert np.isfinite(out[:, [0, -1]]).all()


@pytest.mark.parametrize("action", ["nan", "clip"])
@pytest.mark.parametrize("method", ["hampel", "iqr"])
def test_missing_values_and_padding_stay_nan(method, action):
    """np.fmax(NaN, bound) is the bound: clipping turned a missing value into
    its lower bound and the padding of an unread feature into -inf."""
    X, _ = _spiky(n=6)
    X = [np.column_stack([x, x]) for x in X]
    X[0] = X[0].copy()
    X[0][3, 0] = np.nan  # a missing value inside a sequence
    flt = SequenceOutlierFilter(method=method, action=action, features=[0])
    out = flt.fit(X).transform(X)
    assert np.isnan(out[0][3, 0])
    for row, x in zip(out, X):
        assert np.isnan(row[len(x) :]).all()  # padding
        np.testing.assert_array_equal(row[: len(x), 1], x[:, 1])  # unread
