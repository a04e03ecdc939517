"""StepTransformer: any scikit-learn transformer, step by step."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, ragged
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from sklearn_rnn import RNNClassifier, SequencePadder, StepTransformer


def test_each_real_step_is_transformed_as_a_row():
    X, _, _ = ragged(n=20, n_features=3)
    step = StepTransformer(PCA(n_components=2)).fit(X)
    stacked = np.concatenate(X)
    reference = PCA(n_components=2).fit(stacked)
    out = step.transform(X)
    assert out.shape == (20, max(len(x) for x in X), 2)
    for row, x in zip(out, X):
        np.testing.assert_allclose(row[: len(x)], reference.transform(x), atol=1e-12)
        assert np.isnan(row[len(x) :]).all()
    # Padding never changes an output: pre- and post-padded arrays, a list.
    for pre in (False, True):
        padded = SequencePadder(maxlen=15, padding="pre" if pre else "post")
        again = step.transform(padded.fit_transform(X))
        for row, x in zip(again, X):
            real = row[15 - len(x) :] if pre else row[: len(x)]
            np.testing.assert_allclose(real, reference.transform(x), atol=1e-12)


def test_features_limits_the_columns_and_passes_the_others_through():
    rng = np.random.RandomState(0)
    X = [
        np.column_stack([rng.normal(size=n), rng.randint(3, size=n)]) for n in (4, 6, 5)
    ]
    step = StepTransformer(OneHotEncoder(sparse_output=True), features=[1]).fit(X)
    out = step.transform(X)
    assert out.shape == (3, 6, 4)  # three one-hot columns, then the numbers
    for row, x in zip(out, X):
        np.testing.assert_array_equal(row[: len(x), 3], x[:, 0])
        np.testing.assert_array_equal(row[: len(x), :3].argmax(1), x[:, 1])
    names = step.get_feature_names_out()
    assert list(names) == ["x1_0.0", "x1_1.0", "x1_2.0", "x0"]


def test_features_by_column_name_in_a_long_frame():
    index = pd.MultiIndex.from_tuples(
        [(i, t) for i in range(4) for t in range(3)], names=["id", "time"]
    )
    frame = pd.DataFrame(
        {"level": np.arange(12.0), "colour": np.tile([0, 1, 2], 4)}, index=index
    )
    step = StepTransformer(OneHotEncoder(sparse_output=False), features=["colour"])
    out = step.fit_transform(frame)
    assert out.shape == (4, 3, 4)
    # (codes reach the transformer as floats, as every value of the contract)
    assert list(step.get_feature_names_out()) == [
        "colour_0.0",
        "colour_1.0",
        "colour_2.0",
        "level",
    ]
    with pytest.raises(ValueError, match="features names \\['shade'\\]"):
        StepTransformer(OneHotEncoder(), features=["shade"]).fit(frame)


def test_a_transformer_that_changes_the_number_of_rows_is_refused():
    X, _, _ = ragged(n=6)
    drop_one = FunctionTransformer(lambda a: a[1:])
    with pytest.raises(ValueError, match="one output row per timestep"):
        StepTransformer(drop_one).fit_transform(X)


def test_the_number_of_components_is_searched_in_a_pipeline():
    X, _, y = ragged(n=40, n_features=3)
    pipe = make_pipeline(StepTransformer(PCA()), RNNClassifier(**TINY))
    search = GridSearchCV(pipe, {"steptransformer__transformer__n_components": [1, 2]})
    search.fit(X, y)
    assert search.best_params_["steptransformer__transformer__n_components"] in (1, 2)
    assert search.predict(X).shape == (40,)


def test_an_all_nan_output_at_either_end_is_refused_inside_kept():
    """A step the transformer makes all-NaN at the end of a sequence would read
    as padding: the sequence (and its per-step targets) silently one step
    shorter. Inside a sequence it is a missing step, for the imputer."""
    log = StepTransformer(FunctionTransformer(np.log))
    X = [np.array([1.0, 2.0, 3.0, -1.0]), np.array([2.0, 3.0, 4.0])]
    with np.errstate(invalid="ignore"):
        with pytest.raises(
            ValueError,
            match=r"every feature for the last real step \(step 3\) of sequence 0",
        ):
            log.fit_transform(X)
        with pytest.raises(
            ValueError, match=r"first real step \(step 0\) of sequence 1"
        ):
            log.fit_transform([X[1], np.array([-2.0, 1.0])])
        inside = log.fit_transform([np.array([1.0, -1.0, 2.0])])
    np.testing.assert_array_equal(np.isnan(inside[0]), [False, True, False])
