"""LagsToSequences: the layouts it reads, and the tables it refuses."""

import numpy as np
import pandas as pd
import pytest

from sklearn_rnn import LagsToSequences

# Two rows of the series 10, 11, 12 (lags 3, 2, 1) and a covariate 20, 21, 22.
ROWS = np.array([[10.0, 11.0, 12.0, 20.0, 21.0, 22.0], [11, 12, 13, 21, 22, 23]])


def test_variable_blocks_oldest_first_become_channels():
    lags = LagsToSequences(lag_order="oldest_first", n_lags=3, n_variables=2)
    out = lags.fit_transform(ROWS)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], [[10, 20], [11, 21], [12, 22]])
    assert list(lags.channel_names_) == ["lagged0", "lagged1"]


def test_step_grouping_reads_the_variables_of_each_step_together():
    step_major = ROWS[:, [0, 3, 1, 4, 2, 5]]  # darts' multivariate target
    lags = LagsToSequences(
        lag_order="oldest_first", n_lags=3, n_variables=2, grouping="step"
    )
    np.testing.assert_array_equal(
        lags.fit_transform(step_major),
        LagsToSequences(
            lag_order="oldest_first", n_lags=3, n_variables=2
        ).fit_transform(ROWS),
    )


def test_newest_first_is_reversed_and_the_remainder_broadcast_or_dropped():
    table = np.c_[ROWS[:, 2::-1], [5.0, 6.0]]  # lag_1, lag_2, lag_3, exog
    out = LagsToSequences(lag_order="newest_first", n_lags=3).fit_transform(table)
    np.testing.assert_array_equal(out[1], [[11, 6], [12, 6], [13, 6]])
    dropped = LagsToSequences(lag_order="newest_first", n_lags=3, remainder="drop")
    assert dropped.fit_transform(table).shape == (2, 3, 1)


def test_auto_reads_skforecast_sktime_and_darts_names():
    sk = pd.DataFrame(ROWS[:, [2, 1, 0, 3]], columns=["lag_1", "lag_2", "lag_3", "x"])
    fitted = LagsToSequences().fit(sk)
    assert fitted.lag_order_ == "newest_first" and fitted.n_lags_ == 3
    np.testing.assert_array_equal(fitted.transform(sk)[0, :, 0], [10, 11, 12])
    names = ["y_target_lag-3", "y_target_lag-2", "y_target_lag-1"]
    names += ["c_pastcov_lag-3", "c_pastcov_lag-2", "c_pastcov_lag-1"]
    fitted = LagsToSequences().fit(pd.DataFrame(ROWS, columns=names))
    assert fitted.lag_order_ == "oldest_first"
    assert list(fitted.channel_names_) == ["y_target", "c_pastcov"]


def test_a_stated_order_the_names_contradict_is_refused():
    sk = pd.DataFrame(ROWS[:, 2::-1], columns=["y_lag_1", "y_lag_2", "y_lag_3"])
    with pytest.raises(ValueError, match="contradicts the column names.*'auto'"):
        LagsToSequences(lag_order="oldest_first").fit(sk)
    with pytest.raises(ValueError, match="n_lags=4.*contradicts.*Got 4 instead"):
        LagsToSequences(n_lags=4).fit(sk)


def test_auto_without_names_says_which_order_each_library_uses():
    with pytest.raises(ValueError, match="and X has none.*'newest_first' for skf"):
        LagsToSequences().fit(ROWS)


def test_too_few_columns_and_unequal_lags_are_refused():
    with pytest.raises(ValueError, match="needs n_lags \\* n_variables = 8"):
        LagsToSequences(lag_order="oldest_first", n_lags=4, n_variables=2).fit(ROWS)
    names = ["y_lag_1", "y_lag_2", "y_lag_3", "x_lag_1", "x_lag_2", "z"]
    with pytest.raises(ValueError, match="'x' has \\[-2, -1\\]"):
        LagsToSequences().fit(pd.DataFrame(ROWS, columns=names))


def test_a_refused_refit_leaves_the_last_fit_whole():
    lags = LagsToSequences(lag_order="oldest_first", n_lags=3).fit(ROWS)
    names = ["y_lag_1", "y_lag_2", "y_lag_3", "x_lag_1", "x_lag_2", "z"]
    with pytest.raises(ValueError, match="needs the lags of the series"):
        lags.fit(pd.DataFrame(ROWS, columns=names))
    assert not hasattr(lags, "feature_names_in_")
    assert lags.transform(ROWS).shape == (2, 3, 4)


def test_lags_with_gaps_are_refused_where_names_show_them():
    """skforecast's lags=[1, 3] names lag_1 and lag_3: read as two neighbouring
    steps they would misstate time, so the names refuse them (found by the
    review: they became consecutive steps without a word)."""
    table = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["lag_1", "lag_3", "x"])
    with pytest.raises(
        ValueError, match="consecutive time steps.*offsets \\[-3, -1\\]"
    ):
        LagsToSequences().fit(table)
