"""What the sequence transformers share (SequenceTransformer)."""

import numpy as np
import pytest
from conftest import ragged
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    StepTransformer,
)

nan = np.nan


TRANSFORMERS = [
    SequencePadder(),
    SequenceImputer(),
    SequenceScaler(),
    StepTransformer(StandardScaler()),
    SequenceOutlierFilter(),
]


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_and_input_untouched(transformer, dtype):
    X = SequencePadder().fit_transform(ragged(n=12, high=9)[0]).astype(dtype)
    X[0, 1, 0] = nan
    before = X.copy()
    out = transformer.fit_transform(X)
    assert out.dtype == dtype
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_different_feature_count_is_an_error(transformer):
    transformer.fit(ragged(n=12, high=9, n_features=2)[0])
    with pytest.raises(ValueError, match="X has 3 features per timestep"):
        transformer.transform(ragged(n=12, high=9, n_features=3)[0])


def test_univariate_2d_in_2d_out():
    X = np.arange(12.0).reshape(3, 4)
    X[0, 3] = nan
    out = SequenceScaler().fit_transform(X)
    assert out.shape == (3, 4) and np.isnan(out[0, 3])
    assert SequencePadder().fit_transform(X).shape == (3, 4, 1)


def test_features_limits_scaler_and_imputer_to_some_columns():
    rng = np.random.RandomState(0)
    X = [np.column_stack([rng.normal(5, 2, n), rng.randint(4, size=n)]) for n in (5, 7)]
    X[0][2, 0] = nan
    scaled = SequenceScaler(clip_value=1.0, features=[0]).fit(X)
    assert scaled.center_[1] == 0.0 and scaled.scale_[1] == 1.0
    out = scaled.transform(X)
    for row, x in zip(out, X):  # the codes pass unscaled and unclipped
        np.testing.assert_array_equal(row[: len(x), 1], x[:, 1])
    assert np.nanmax(np.abs(out[:, :, 0])) <= 1.0
    X[1][3, 1] = nan
    filled = SequenceImputer(features=[0], add_indicator=True).fit_transform(X)
    assert filled.shape == (2, 7, 3)  # one indicator: the feature read
    assert filled[0, 2, 0] == X[0][1, 0] and filled[0, 2, 2] == 1.0
    assert np.isnan(filled[1, 3, 1])  # a feature not read stays as it was
