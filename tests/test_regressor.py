"""RNNRegressor: targets and outputs."""

import numpy as np
from conftest import TINY, ragged

from sklearn_rnn import (
    RNNRegressor,
)

nan = np.nan


def test_regressor_multi_output():
    X, y_reg, _ = ragged()
    Y = np.column_stack([y_reg, -y_reg, 2 * y_reg])
    reg = RNNRegressor(**TINY).fit(X, Y)
    assert reg.predict(X).shape == (30, 3)
    assert reg.predict(X).dtype == np.float64
    assert RNNRegressor(**TINY).fit(X, Y[:, :1]).predict(X).shape == (30, 1)
