"""LagsToSequences behind skforecast, sktime and darts: the network reads each
row of the library's lag table as a sequence, oldest step first.

The layout tests give each library the series 0, 1, 2, ... and covariates
offset by 1000 and 2000, so that every value in the network's input tells
which series it comes from and at which time: the recording network below
keeps what its ``fit`` and ``predict`` receive.
"""

import contextlib
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from sklearn_rnn import LagsToSequences, RNNRegressor

# sktime's notice of a future default (remember_data).
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

SEEN = []  # (method, X, y) for every call the recording network gets


class RecordingRNN(RNNRegressor):
    """RNNRegressor that keeps what the forecasting library hands it."""

    def fit(self, X, y, sample_weight=None):
        SEEN.append(("fit", np.asarray(X).copy(), np.asarray(y).ravel().copy()))
        return super().fit(X, y, sample_weight)

    def predict(self, X):
        SEEN.append(("predict", np.asarray(X).copy(), None))
        return super().predict(X)


@pytest.fixture(autouse=True)
def _clear_seen():
    SEEN.clear()


def _recording(lags):
    return make_pipeline(lags, RecordingRNN(hidden_size=8, max_iter=10, random_state=0))


def _counting(n=40, future=0):
    """The series 0, 1, 2... and covariates 1000 + t and 2000 + t."""
    t = np.arange(n + future, dtype=float)
    y = pd.Series(t[:n], name="y")
    X = pd.DataFrame({"x": 1000 + t, "z": 2000 + t})
    return y, X


def _fits():
    assert SEEN, "the network was never fitted"
    return [(X, y) for method, X, y in SEEN if method == "fit"]


def _assert_chronological(X):
    """Channel 0 is the series at consecutive times, oldest first."""
    assert X.ndim == 3, f"the network got a {X.ndim}D table, not sequences"
    np.testing.assert_array_equal(np.diff(X[:, :, 0], axis=1), 1.0)


def _assert_broadcast(X, channel):
    """``channel`` holds one value per row, repeated at every step."""
    np.testing.assert_array_equal(np.diff(X[:, :, channel], axis=1), 0.0)


def _gap_to_target(X, y):
    """Steps from each sequence's last step to its target: one value."""
    gaps = np.unique(y - X[:, -1, 0])
    assert len(gaps) == 1 and gaps[0] >= 1, gaps
    return gaps[0]


# skforecast: lag_1, lag_2, ... (newest first), then exogenous values at the
# target's time, as numpy (skforecast 0.26 names the columns only in its
# public create_train_X_y).


@pytest.mark.parametrize("kind", ["recursive", "direct"])
def test_skforecast_feeds_the_network_oldest_first(kind):
    pytest.importorskip("skforecast")
    from skforecast.direct import ForecasterDirect
    from skforecast.recursive import ForecasterRecursive

    y, X = _counting(future=3)
    model = _recording(LagsToSequences(lag_order="newest_first", n_lags=5))
    if kind == "recursive":
        forecaster = ForecasterRecursive(model, lags=5)
    else:
        forecaster = ForecasterDirect(model, lags=5, steps=3)
    forecaster.fit(y, exog=X[["x"]].iloc[:40])
    forecaster.predict(steps=3, exog=X[["x"]].iloc[40:])
    for Xt, yt in _fits():
        _assert_chronological(Xt)
        _assert_broadcast(Xt, 1)
        gap = _gap_to_target(Xt, yt)
        # The exogenous value is the one at the target's time.
        np.testing.assert_array_equal(Xt[:, 0, 1], 1000 + Xt[:, -1, 0] + gap)
    # skforecast predicts the training rows (its residuals), then forecasts
    # one row at a time from the last window.
    forecasts = [X for method, X, _ in SEEN if method == "predict" and len(X) == 1]
    np.testing.assert_array_equal(forecasts[0][0, :, 0], [35, 36, 37, 38, 39])


def test_skforecast_names_are_read_by_auto():
    pytest.importorskip("skforecast")
    from skforecast.recursive import ForecasterRecursive

    y, X = _counting()
    forecaster = ForecasterRecursive(Ridge(), lags=4)
    X_train, y_train = forecaster.create_train_X_y(y, exog=X[["x"]])
    assert list(X_train.columns) == ["lag_1", "lag_2", "lag_3", "lag_4", "x"]
    lags = LagsToSequences().fit(X_train)
    assert lags.lag_order_ == "newest_first"
    assert list(lags.channel_names_) == ["y", "x"]
    _assert_chronological(lags.transform(X_train))
    stated = LagsToSequences(lag_order="newest_first", n_lags=4)
    np.testing.assert_array_equal(
        stated.fit(X_train.to_numpy()).lag_columns_, lags.lag_columns_
    )


# sktime: pooling='local' (the default) passes numpy, the series' lags oldest
# first, then each exogenous variable's lags as a block, oldest first; pooling=
# 'global' passes a DataFrame, y_lag_1, y_lag_2... then the exogenous values at
# the target's time.

SKTIME_LAGS = {
    "local": LagsToSequences(lag_order="oldest_first", n_lags=5, n_variables=3),
    "global": LagsToSequences(),  # the names say it all
}


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
@pytest.mark.parametrize("pooling", ["local", "global"])
def test_sktime_feeds_the_network_oldest_first(pooling, strategy):
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y, X = _counting(future=3)
    model = _recording(SKTIME_LAGS[pooling])
    forecaster = make_reduction(
        model, window_length=5, strategy=strategy, pooling=pooling
    )
    forecaster.fit(y, X=X.iloc[:40], fh=[1, 2, 3])
    forecaster.predict(fh=[1, 2, 3], X=X.iloc[40:])
    for Xt, yt in _fits():
        _assert_chronological(Xt)
        _gap_to_target(Xt, yt)
        if pooling == "local":  # the covariates at the series' own times
            np.testing.assert_array_equal(Xt[:, :, 1] - Xt[:, :, 0], 1000.0)
            np.testing.assert_array_equal(Xt[:, :, 2] - Xt[:, :, 0], 2000.0)
        else:  # the covariates at the target's time
            _assert_broadcast(Xt, 1)
            np.testing.assert_array_equal(Xt[:, 0, 1], 1001 + Xt[:, -1, 0])
    fitted = forecaster.get_fitted_params()
    assert fitted  # the forecaster is fitted; the layout was checked above


# darts: numpy, the target's lags oldest first (grouped by lag, then
# component), then the past covariates' lags, then the future covariates'.


def _darts_data(n=40, future=3):
    from darts import TimeSeries

    y, X = _counting(n, future)
    series = TimeSeries.from_values(y.to_numpy(), columns=["y"])
    past = TimeSeries.from_values(X[["x"]].to_numpy(), columns=["x"])
    known = TimeSeries.from_values(X[["z"]].to_numpy(), columns=["z"])
    return series, past, known


DARTS_LAGS = dict(lags=5, lags_past_covariates=5, lags_future_covariates=[0])


def test_darts_feeds_the_network_oldest_first():
    pytest.importorskip("darts")
    from darts.models import SKLearnModel

    series, past, known = _darts_data()
    lags = LagsToSequences(lag_order="oldest_first", n_lags=5, n_variables=2)
    forecaster = SKLearnModel(model=_recording(lags), **DARTS_LAGS)
    forecaster.fit(series, past_covariates=past, future_covariates=known)
    forecaster.predict(
        3, past_covariates=past, future_covariates=known, show_warnings=False
    )
    for Xt, yt in _fits():
        _assert_chronological(Xt)
        assert _gap_to_target(Xt, yt) == 1
        # The past covariate at the series' times, the future one (lag 0) at
        # the target's time, repeated.
        np.testing.assert_array_equal(Xt[:, :, 1] - Xt[:, :, 0], 1000.0)
        _assert_broadcast(Xt, 2)
        np.testing.assert_array_equal(Xt[:, 0, 2], 2000 + yt)


def test_darts_names_agree_with_the_stated_layout():
    """darts names its features after fitting (lagged_feature_names): read by
    'auto', they place the columns where the stated layout does."""
    pytest.importorskip("darts")
    from darts.models import SKLearnModel

    series, past, known = _darts_data(future=0)
    forecaster = SKLearnModel(model=Ridge(), **DARTS_LAGS)
    forecaster.fit(series, past_covariates=past, future_covariates=known)
    names = forecaster.lagged_feature_names
    assert names[:2] == ["y_target_lag-5", "y_target_lag-4"]
    table = pd.DataFrame(np.arange(3.0 * len(names)).reshape(3, -1), columns=names)
    by_name = LagsToSequences().fit(table)
    stated = LagsToSequences(lag_order="oldest_first", n_lags=5, n_variables=2)
    stated.fit(table.to_numpy())
    np.testing.assert_array_equal(by_name.lag_columns_, stated.lag_columns_)
    np.testing.assert_array_equal(by_name.remainder_columns_, [10])
    assert list(by_name.channel_names_) == ["y_target", "x_pastcov", "z_futcov_lag0"]


# Accuracy: a seasonal series plus a nonlinear (absolute-value) effect of a
# covariate, which a linear model on the lags cannot express and the network
# can. One seeded split per library: fit on 120 points, forecast 12.


def _seasonal(seed, delay=0, n=132):
    """``2 sin(2 pi t / 12) + 1.5 |x_(t - delay)|`` plus noise."""
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    x = rng.uniform(-2, 2, n)
    effect = 1.5 * np.abs(np.roll(x, delay))
    y = 2 * np.sin(2 * np.pi * t / 12) + effect + 0.1 * rng.normal(size=n)
    return pd.Series(y, name="y"), pd.DataFrame({"x": x})


def _network(lags):
    rnn = RNNRegressor(
        hidden_size=8,
        max_iter=60,
        learning_rate_init=1e-2,
        early_stopping=False,
        pooling="last",  # the covariate's newest value decides
        random_state=0,
    )
    return make_pipeline(lags, rnn)


def _rmse(forecast, y):
    return float(np.sqrt(np.mean((np.asarray(forecast).ravel() - y) ** 2)))


def test_skforecast_forecast_beats_ridge_on_a_nonlinear_covariate():
    pytest.importorskip("skforecast")
    from skforecast.recursive import ForecasterRecursive

    y, X = _seasonal(seed=0)
    lags = LagsToSequences(lag_order="newest_first", n_lags=12)
    errors = {}
    for name, model in [("rnn", _network(lags)), ("ridge", Ridge())]:
        forecaster = ForecasterRecursive(model, lags=12)
        forecaster.fit(y.iloc[:120], exog=X.iloc[:120])
        forecast = forecaster.predict(steps=12, exog=X.iloc[120:])
        errors[name] = _rmse(forecast, y.iloc[120:].to_numpy())
    assert errors["rnn"] < 0.8 * errors["ridge"], errors


def test_sktime_forecast_beats_ridge_on_a_nonlinear_covariate():
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y, X = _seasonal(seed=0, delay=1)  # pooling='local' lags the covariate
    lags = LagsToSequences(lag_order="oldest_first", n_lags=12, n_variables=2)
    errors = {}
    fh = np.arange(1, 13)
    for name, model in [("rnn", _network(lags)), ("ridge", Ridge())]:
        forecaster = make_reduction(model, window_length=12)
        forecaster.fit(y.iloc[:120], X=X.iloc[:120], fh=fh)
        forecast = forecaster.predict(fh=fh, X=X.iloc[120:])
        errors[name] = _rmse(forecast, y.iloc[120:].to_numpy())
    assert errors["rnn"] < 0.8 * errors["ridge"], errors


def test_darts_forecast_beats_ridge_on_a_nonlinear_covariate():
    pytest.importorskip("darts")
    from darts import TimeSeries
    from darts.models import SKLearnModel

    y, X = _seasonal(seed=0)
    series = TimeSeries.from_values(y.to_numpy()[:120], columns=["y"])
    known = TimeSeries.from_values(X.to_numpy(), columns=["x"])
    lags = LagsToSequences(lag_order="oldest_first", n_lags=12)
    errors = {}
    for name, model in [("rnn", _network(lags)), ("ridge", Ridge())]:
        forecaster = SKLearnModel(model=model, lags=12, lags_future_covariates=[0])
        forecaster.fit(series, future_covariates=known)
        forecast = forecaster.predict(12, future_covariates=known)
        errors[name] = _rmse(forecast.values(), y.iloc[120:].to_numpy())
    assert errors["rnn"] < 0.8 * errors["ridge"], errors


def test_skforecast_and_darts_give_the_network_the_same_sequences():
    """skforecast writes the lags newest first, darts oldest first: through
    LagsToSequences the same network forecasts the same values from both."""
    pytest.importorskip("skforecast")
    pytest.importorskip("darts")
    from darts import TimeSeries
    from darts.models import SKLearnModel
    from skforecast.recursive import ForecasterRecursive

    y, X = _seasonal(seed=0, n=60)
    rnn = dict(hidden_size=8, max_iter=10, random_state=0)
    skf = ForecasterRecursive(
        make_pipeline(
            LagsToSequences(lag_order="newest_first", n_lags=6), RNNRegressor(**rnn)
        ),
        lags=6,
    )
    skf.fit(y.iloc[:54], exog=X.iloc[:54])
    darts = SKLearnModel(
        model=make_pipeline(
            LagsToSequences(lag_order="oldest_first", n_lags=6), RNNRegressor(**rnn)
        ),
        lags=6,
        lags_future_covariates=[0],
    )
    known = TimeSeries.from_values(X.to_numpy(), columns=["x"])
    darts.fit(TimeSeries.from_values(y.to_numpy()[:54]), future_covariates=known)
    np.testing.assert_allclose(
        skf.predict(steps=6, exog=X.iloc[54:]).to_numpy(),
        darts.predict(6, future_covariates=known).values().ravel(),
        rtol=1e-5,
    )


@pytest.mark.slow  # about 20 s: three libraries, three fits
def test_the_user_guide_page_runs():
    """docs/user_guide/forecasting_libraries.md: its blocks, in order, print a
    forecast from each library."""
    for library in ("skforecast", "sktime", "darts"):
        pytest.importorskip(library)
    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "user_guide" / "forecasting_libraries.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) == 4
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        exec(compile("\n".join(blocks), "forecasting_libraries.md", "exec"), {})
    ours = [str(x.message) for x in w if x.category.__module__.startswith("sklearn")]
    assert not ours, ours  # a user who copies the page sees none of ours
    lines = printed.getvalue().splitlines()
    assert len(lines) == 3 and all(line.startswith("[") for line in lines), lines
