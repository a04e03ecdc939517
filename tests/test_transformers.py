"""What the sequence transformers share (SequenceTransformer)."""

import numpy as np
import pytest
from conftest import ragged
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import (
    SequenceImputer,
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
