"""Sequences as they arrive: long tables, MultiIndex frames, channels-first data."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, ragged

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    SequenceScaler,
    channels_last,
    from_long_format,
)


def _long_table(X, shuffle=True):
    rows = [
        {"id": f"s{i:02d}", "time": t, "a": step[0], "b": step[1]}
        for i, x in enumerate(X)
        for t, step in enumerate(x)
    ]
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=0) if shuffle else df


def test_from_long_format_sorts_times_and_returns_the_ids():
    X, _, _ = ragged(n=8)
    seqs, ids = from_long_format(_long_table(X), column_id="id", column_sort="time")
    assert list(ids) == [f"s{i:02d}" for i in range(8)]
    for got, expected in zip(seqs, X):
        np.testing.assert_array_equal(got, expected)
    only_b, _ = from_long_format(_long_table(X), "id", "time", columns=["b"])
    np.testing.assert_array_equal(only_b[3][:, 0], X[3][:, 1])


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda df: pd.concat([df, df.iloc[:1]]), "more than one row at time"),
        (lambda df: df.rename(columns={"time": "t"}), "'time' is not a column"),
    ],
)
def test_from_long_format_errors(change, match):
    X, _, _ = ragged(n=4)
    with pytest.raises(ValueError, match=match):
        from_long_format(change(_long_table(X)), "id", "time")
    with pytest.raises(ValueError, match=r"columns \['c'\] are not"):
        from_long_format(_long_table(X), "id", "time", columns=["c"])


def test_estimators_and_transformers_read_a_multiindex_frame():
    X, y_reg, y_clf = ragged()
    frame = _long_table(X).set_index(["id", "time"])
    reg = RNNRegressor(**TINY).fit(frame, y_reg)
    np.testing.assert_array_equal(reg.predict(frame), reg.predict(X))
    clf = RNNClassifier(**TINY).fit(frame, y_clf)
    assert clf.predict(frame).shape == (len(X),)
    scaled = SequenceScaler().fit_transform(frame)
    np.testing.assert_allclose(scaled, SequenceScaler().fit_transform(X))
    with pytest.raises(ValueError, match="more than one row"):
        reg.predict(pd.concat([frame, frame.iloc[:1]]))


def test_channels_first_arrays_and_lists_and_the_warning():
    rng = np.random.RandomState(0)
    aeon_style = rng.normal(size=(20, 1, 30))  # univariate, channels first
    single_steps = rng.normal(size=(20, 1, 3))  # few features: not channels first
    with pytest.warns(UserWarning) as caught:  # ...but one step (issue 23)
        RNNClassifier(**TINY).fit(single_steps, (single_steps[:, 0, 0] > 0).astype(int))
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    assert len(messages) == 1 and "single timestep" in messages[0]
    y = (aeon_style[:, 0, -1] > aeon_style[:, 0, 0]).astype(int)
    with pytest.warns(UserWarning, match="channels_last") as caught:
        RNNClassifier(**TINY).fit(aeon_style, y)
    assert caught[0].filename == __file__
    assert channels_last(aeon_style).shape == (20, 30, 1)
    clf = RNNClassifier(**TINY).fit(channels_last(aeon_style), y)
    assert clf.n_channels_in_ == 1
    ragged_first = [rng.normal(size=(2, n)) for n in (5, 9, 7)]
    assert [x.shape for x in channels_last(ragged_first)] == [(5, 2), (9, 2), (7, 2)]
    with pytest.raises(ValueError, match="3D array"):
        channels_last(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Sequence 1 has 1 dimensions"):
        channels_last([np.zeros((2, 3)), np.zeros(3)])


def test_a_long_frame_records_and_checks_its_feature_names():
    X, y, _ = ragged()
    frame = _long_table(X).set_index(["id", "time"])
    reg = RNNRegressor(**TINY).fit(frame, y)
    np.testing.assert_array_equal(reg.feature_names_in_, ["a", "b"])
    with pytest.raises(ValueError, match="same order as they were in fit"):
        reg.predict(frame[["b", "a"]])
    with pytest.raises(ValueError, match="should match those that were passed"):
        reg.predict(frame.rename(columns={"b": "c"}))
    np.testing.assert_array_equal(reg.predict(frame), reg.predict(X))


def test_the_sort_column_can_be_a_feature_and_datetimes_become_seconds():
    df = pd.DataFrame(
        {
            "id": [1, 1, 2],
            "time": pd.to_datetime(
                ["2026-01-01 01:00", "2026-01-01 00:00", "2026-01-02 00:00"], utc=True
            ),
            "value": [2.0, 1.0, 3.0],
        }
    )
    X, ids = from_long_format(df, "id", "time", columns=["time", "value"])
    start = pd.Timestamp("2026-01-01", tz="UTC").timestamp()
    np.testing.assert_array_equal(X[0], [[start, 1.0], [start + 3600, 2.0]])
    naive = df.assign(time=df["time"].dt.tz_localize(None))
    again, _ = from_long_format(naive, "id", "time", columns=["time", "value"])
    np.testing.assert_array_equal(again[0], X[0])


def test_levels_named_with_integers_are_read_by_position():
    """pandas reads an integer level as a name first: levels named (1, 0)
    once swapped the ids and the times."""
    rng = np.random.RandomState(0)
    index = pd.MultiIndex.from_product([["a", "b", "c"], range(5)])
    frame = pd.DataFrame({"v": rng.normal(size=15)}, index=index)
    y = pd.Series([0.0, 1.0, 2.0], index=["c", "a", "b"])  # aligned by id
    plain = RNNRegressor(hidden_size=2, max_iter=1, random_state=0).fit(frame, y)
    for names in ([1, 0], [0, 1]):
        renamed = frame.rename_axis(names)
        model = RNNRegressor(hidden_size=2, max_iter=1, random_state=0)
        model.fit(renamed, y)
        assert model.predict(renamed).shape == (3,)
        np.testing.assert_array_equal(model.predict(renamed), plain.predict(frame))
