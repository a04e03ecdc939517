"""MAPIE as a client: conformal intervals around fitted sequence models."""

import warnings

import numpy as np
import pytest
from conftest import TINY, ragged

from sklearn_rnn import RNNRegressor

regression = pytest.importorskip("mapie.regression")


def _split(X, y):
    n = len(y)
    a, b = n // 2, 3 * n // 4
    return (X[:a], y[:a]), (X[a:b], y[a:b]), (X[b:], y[b:])


@pytest.mark.parametrize("form", ["3d", "ragged"])
def test_split_conformal_regressor_wraps_a_fitted_model(form):
    X, y, _ = ragged(n=80)
    if form == "3d":
        X = np.stack([x[-2:] for x in X])
    (X_fit, y_fit), (X_cal, y_cal), (X_test, _) = _split(X, y)
    reg = RNNRegressor(**TINY).fit(X_fit, y_fit)
    mapie = regression.SplitConformalRegressor(reg, confidence_level=0.8, prefit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "does not appear fitted"
        mapie.conformalize(X_cal, y_cal)
    point, bands = mapie.predict_interval(X_test)
    np.testing.assert_allclose(point, reg.predict(X_test), rtol=1e-6)
    assert bands.shape == (len(X_test), 2, 1)
    assert np.all(bands[:, 0, 0] <= point) and np.all(point <= bands[:, 1, 0])


def test_conformalized_quantile_regressor_takes_three_quantile_models():
    """The conformalized band covers about the asked 80% of new targets: a
    generous 60-98% on 200 test sequences (0.755; targets read in another
    order than the sequences, as an id misalignment would, cover 0.505)."""
    X, y, _ = ragged(n=800)
    (X_fit, y_fit), (X_cal, y_cal), (X_test, y_test) = _split(X, y)
    params = dict(TINY, max_iter=30)  # bands that follow the sequences
    models = [
        RNNRegressor(loss="quantile", quantile=q, **params).fit(X_fit, y_fit)
        for q in (0.1, 0.9, 0.5)  # MAPIE's order: lower, upper, median
    ]
    mapie = regression.ConformalizedQuantileRegressor(
        models, confidence_level=0.8, prefit=True
    )
    mapie.conformalize(X_cal, y_cal)
    point, bands = mapie.predict_interval(X_test)
    np.testing.assert_allclose(point, models[2].predict(X_test), rtol=1e-6)
    lower, upper = bands[:, 0, 0], bands[:, 1, 0]
    coverage = np.mean((lower <= y_test) & (y_test <= upper))
    assert 0.6 <= coverage <= 0.98, coverage
