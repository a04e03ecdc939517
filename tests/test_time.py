"""TimeFeatures: gaps, elapsed time and calendar positions from timestamps."""

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import TINY
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNRegressor,
    SequencePadder,
    SequenceScaler,
    TimeFeatures,
)


def _irregular(n=12, seed=0):
    """Sequences whose column 0 is an increasing timestamp (seconds)."""
    rng = np.random.RandomState(seed)
    X = []
    for _ in range(n):
        length = rng.randint(3, 9)
        t = 1.7e9 + np.cumsum(rng.exponential(3600.0, length))
        X.append(np.column_stack([t, rng.normal(size=length)]))
    return X


def test_spans_and_calendar_are_computed_per_sequence():
    X = _irregular()
    out = TimeFeatures(calendar=("hour", "dayofweek")).fit_transform(X)
    assert out.shape == (12, max(len(x) for x in X), 1 + 2 + 4)
    for row, x in zip(out, X):
        t = x[:, 0]
        real = row[: len(x)]
        np.testing.assert_array_equal(real[:, 0], x[:, 1])
        np.testing.assert_allclose(real[:, 1], np.diff(t, prepend=t[0]))
        np.testing.assert_allclose(real[:, 2], t - t[0])
        stamps = pd.to_datetime(t, unit="s")
        seconds = stamps.second + stamps.microsecond / 1e6 + stamps.nanosecond / 1e9
        hour = (stamps.hour + stamps.minute / 60 + seconds / 3600) / 24
        np.testing.assert_allclose(real[:, 3], np.sin(2 * np.pi * hour), atol=1e-9)
        np.testing.assert_allclose(real[:, 4], np.cos(2 * np.pi * hour), atol=1e-9)
        day = (stamps.day_of_week + hour) / 7  # Monday first, as pandas
        np.testing.assert_allclose(real[:, 5], np.sin(2 * np.pi * day), atol=1e-9)
        assert np.isnan(row[len(x) :]).all()


def test_padding_never_changes_the_features_and_names_come_out():
    X = _irregular()
    tf = TimeFeatures(calendar=("dayofyear",), drop_time=False).fit(X)
    alone = [tf.transform([x])[0] for x in X]
    for padding in ("pre", "post"):
        out = tf.transform(SequencePadder(maxlen=10, padding=padding).fit_transform(X))
        for row, ref, x in zip(out, alone, X):
            real = row[10 - len(x) :] if padding == "pre" else row[: len(x)]
            np.testing.assert_allclose(real, ref, rtol=0, atol=0)
    assert list(tf.get_feature_names_out()) == [
        "x0",
        "x1",
        "delta",
        "elapsed",
        "dayofyear_sin",
        "dayofyear_cos",
    ]


def test_a_time_column_by_name_in_a_long_frame():
    index = pd.MultiIndex.from_tuples(
        [(i, k) for i in range(3) for k in range(4)], names=["id", "step"]
    )
    frame = pd.DataFrame(
        {"value": np.arange(12.0), "t": np.tile([0.0, 2.0, 3.0, 7.0], 3)}, index=index
    )
    tf = TimeFeatures(time_column="t").fit(frame)
    out = tf.transform(frame)
    np.testing.assert_array_equal(out[0, :, 1], [0.0, 2.0, 1.0, 4.0])
    assert list(tf.get_feature_names_out()) == ["value", "delta", "elapsed"]


def test_clear_errors_for_bad_timestamps_and_choices():
    X = _irregular()
    X[2] = X[2].copy()
    X[2][1, 0] = X[2][0, 0]
    with pytest.raises(ValueError, match="Timestamps must increase.*sequence 2"):
        TimeFeatures().fit(X)
    X[2][1, 0] = np.nan
    X[2][1, 1] = 0.0
    with pytest.raises(ValueError, match="Sequence 2 has no timestamp at step 1"):
        TimeFeatures().fit(X)
    with pytest.raises(ValueError, match="calendar holds \\['minute'\\]"):
        TimeFeatures(calendar=("minute",)).fit(_irregular())
    with pytest.raises(ValueError, match="time_column holds index 5"):
        TimeFeatures(time_column=5).fit(_irregular())


def test_a_scikit_learn_transformer_in_every_other_way():
    # (scikit-learn's generic checks feed random, unordered timestamps, which
    # TimeFeatures refuses by design; these are the conventions they test.)
    X = _irregular()
    before = [x.copy() for x in X]
    tf = TimeFeatures(calendar=("hour",))
    assert tf.fit(X) is tf and tf.n_channels_in_ == 2
    for x, b in zip(X, before):
        np.testing.assert_array_equal(x, b)
    out = tf.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(tf)).transform(X), out)
    assert clone(tf).get_params() == tf.get_params()
    # (float32 holds epoch seconds to 128 s: the origin moved first.)
    f32 = tf.transform([(x - [1.7e9, 0.0]).astype(np.float32) for x in X])
    assert f32.dtype == np.float32
    y = np.array([x[-1, 1] for x in X])
    pipe = make_pipeline(TimeFeatures(), SequenceScaler(), RNNRegressor(**TINY))
    assert pipe.fit(X, y).predict(X).shape == (12,)


def test_time_since_each_feature_was_last_observed():
    nan = np.nan
    x = np.array([[0.0, nan, 1.0], [2.0, 5.0, nan], [3.0, nan, nan], [7.0, 6.0, 2.0]])
    tf = TimeFeatures(spans=(), since_observed=True).fit([x])
    out = tf.transform([x])[0]
    np.testing.assert_array_equal(out[:, 2], [0.0, 0.0, 1.0, 0.0])  # since x1
    np.testing.assert_array_equal(out[:, 3], [0.0, 2.0, 3.0, 0.0])  # since x2
    assert list(tf.get_feature_names_out()) == ["x1", "x2", "since_x1", "since_x2"]


def test_float32_timestamps_beyond_2_to_the_24_are_refused():
    """Near 1.7e9 s float32 values are 128 s apart: a step every 300 s came
    out as deltas of 256 and 384 (review 11), with no warning."""
    times = 1.7e9 + 300.0 * np.arange(6)
    x = np.column_stack([times, np.ones(6)])
    assert np.all(TimeFeatures().fit_transform([x])[0][1:, 1] == 300.0)
    with pytest.raises(ValueError, match=r"float32.*2\*\*24.*float64.*origin"):
        TimeFeatures().fit(x[None].astype(np.float32))
    fitted = TimeFeatures().fit([x])
    with pytest.raises(ValueError, match=r"float32.*2\*\*24"):
        fitted.transform([x.astype(np.float32), x[:3].astype(np.float32)])
    shifted = x - [times[0], 0.0]  # the origin moved: exact in float32
    out = TimeFeatures().fit_transform(shifted[None].astype(np.float32))[0]
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[1:, 1], 300.0)
