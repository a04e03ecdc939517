"""The data contract: every input form, read the same way, through the estimators."""

import numpy as np
import pandas as pd
import pytest
from conftest import ESTIMATORS, TINY, nan_padded, outputs, ragged, targets

nan = np.nan


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("conv", [{}, dict(conv_filters=(3, 2), conv_norm="batch")])
def test_list_and_padded_array_train_the_same_model(Est, conv):
    X, y_reg, y_clf = ragged()
    y = targets(Est, y_reg, y_clf)
    from_list = Est(**TINY, **conv).fit(X, y)
    from_array = Est(**TINY, **conv).fit(nan_padded(X, 15), y)
    from_objects = Est(**TINY, **conv).fit(np.array(X, dtype=object), y)
    expected = outputs(from_list, X)
    np.testing.assert_array_equal(outputs(from_array, X), expected)
    np.testing.assert_array_equal(outputs(from_objects, X), expected)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_univariate_2d_equals_3d_with_one_feature(Est):
    rng = np.random.RandomState(1)
    X2 = rng.normal(size=(25, 7))
    y = targets(Est, X2[:, -1] - X2[:, 0], (X2[:, -1] > X2[:, 0]).astype(int))
    est2 = Est(**TINY).fit(X2, y)
    est3 = Est(**TINY).fit(X2[:, :, None], y)
    np.testing.assert_array_equal(outputs(est2, X2), outputs(est3, X2[:, :, None]))
    assert est2.n_features_in_ == 7 and est2.n_channels_in_ == 1
    assert est3.n_features_in_ == 1 and est3.n_channels_in_ == 1
    # A model fitted on 3D input reads 2D input of any length as univariate.
    assert outputs(est3, X2[:, :4]).shape[0] == 25
    # A model fitted on 2D input follows scikit-learn's fixed-width rule.
    with pytest.raises(ValueError, match="X has 4 features, but .* expecting 7"):
        est2.predict(X2[:, :4])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_list_of_1d_arrays_and_pandas(Est):
    X, y_reg, y_clf = ragged(n_features=1)
    y = targets(Est, y_reg, y_clf)
    est = Est(**TINY).fit([x[:, 0] for x in X], pd.Series(y))
    np.testing.assert_array_equal(outputs(est, [x[:, 0] for x in X]), outputs(est, X))
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(20, 5)))
    frame.columns = [f"t{i}" for i in range(5)]
    est = Est(**TINY).fit(frame, y[:20])
    np.testing.assert_array_equal(est.feature_names_in_, frame.columns)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_input_is_never_mutated(Est):
    X, y_reg, y_clf = ragged()
    padded = nan_padded(X, 15)
    before = padded.copy()
    Est(**TINY).fit(padded, targets(Est, y_reg, y_clf)).predict(padded)
    np.testing.assert_array_equal(padded, before)
