"""A Keras user's first hour: each habit gets our name for it, each silent
mistake a message that says what was meant (issue 23)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, ragged
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepRegressor,
    SequenceScaler,
    UnscaledInputWarning,
    from_long_format,
)


@pytest.mark.parametrize(
    "keras, ours",
    [
        ("epochs", "max_iter"),
        ("units", "hidden_size"),
        ("validation_split", "early_stopping=True with validation_fraction"),
        ("return_sequences", "RNNTimestepRegressor"),
        ("kernel_initializer", "weight_init='keras'"),
        ("use_ema", "average_decay"),
    ],
)
@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier, RNNTimestepRegressor])
def test_keras_keywords_name_our_parameter(Est, keras, ours):
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{keras}'"):
        Est(**{keras: 1})
    with pytest.raises(TypeError, match=f"is {ours}"):
        Est(**{keras: 1})
    est = Est(max_iter=3)  # our own names still construct, clone and pickle
    assert clone(est).get_params() == est.get_params()


def test_one_step_sequences_warn_and_point_at_windows():
    series = np.sin(np.arange(200) / 5)
    X, y = series[:-1].reshape(-1, 1), series[1:]
    with pytest.warns(UserWarning, match="single timestep.*make_windows") as caught:
        RNNRegressor(**TINY).fit(X, y)
    assert caught[0].filename == __file__
    with pytest.warns(UserWarning, match="single timestep"):
        RNNRegressor(**TINY).fit(X[:, :, None], y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        RNNRegressor(**TINY).fit(*ragged()[:2])  # real sequences: no warning


def test_one_long_series_with_a_target_per_step_says_what_to_do():
    series = np.sin(np.arange(200) / 5)
    with pytest.raises(ValueError, match="make_windows.*RNNTimestepRegressor"):
        RNNRegressor(**TINY).fit(series.reshape(1, -1, 1), series)


def test_one_hot_labels_warn_that_they_are_read_as_multilabel():
    X, _, y = ragged()
    one_hot = np.eye(2)[y]  # keras.utils.to_categorical(y)
    with pytest.warns(UserWarning, match="one-hot.*argmax") as caught:
        clf = RNNClassifier(**TINY).fit(X, one_hot)
    assert caught[0].filename == __file__
    assert clf.predict(X).shape == (len(X), 2)  # multilabel, as it said
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        multilabel = np.column_stack([y, y, 1 - y])  # two labels on some rows
        RNNClassifier(**TINY).fit(X, multilabel)


def _frame(n=12, seed=0):
    rng = np.random.RandomState(seed)
    rows = [
        (f"s{i:02d}", t, rng.normal(), rng.randint(3), "mf"[i % 2])
        for i in range(n)
        for t in range(rng.randint(3, 8))
    ]
    return pd.DataFrame(rows, columns=["id", "time", "value", "shop", "sex"])


def test_from_long_format_leaves_out_text_columns_with_a_warning():
    with pytest.warns(UserWarning, match="non-numeric columns \\['sex'\\]"):
        X, ids = from_long_format(_frame(), "id", "time")
    assert X[0].shape[1] == 2 and X[0].dtype.kind == "f"


def test_strings_in_x_point_at_the_ordinal_encoder():
    X = np.array([[[1.0, "m"], [2.0, "f"]], [[1.0, "f"], [3.0, "m"]]], dtype=object)
    with pytest.raises(ValueError, match="non-numeric.*'m'.*OrdinalEncoder"):
        RNNClassifier(**TINY).fit(X, [0, 1])


def test_categorical_features_by_column_name_of_a_frame():
    frame = _frame(30).drop(columns="sex").set_index(["id", "time"])
    y = np.arange(30) % 2
    by_name = RNNClassifier(categorical_features=["shop"], **TINY).fit(frame, y)
    by_index = RNNClassifier(categorical_features=[1], **TINY).fit(frame, y)
    assert by_name._categorical_ == by_index._categorical_ == (1,)
    np.testing.assert_array_equal(
        by_name.predict_proba(frame), by_index.predict_proba(frame)
    )
    with pytest.raises(ValueError, match="not columns of X"):
        RNNClassifier(categorical_features=["sex"], **TINY).fit(frame, y)
    with pytest.raises(ValueError, match="X has no column names"):
        RNNClassifier(categorical_features=["shop"], **TINY).fit(*ragged()[::2])


def test_a_target_series_indexed_by_id_is_aligned_with_the_frame():
    frame = _frame(30).drop(columns="sex").set_index(["id", "time"])
    ids = np.unique(frame.index.get_level_values(0))
    rng = np.random.RandomState(0)
    signal = frame.groupby(level=0)["value"].last()  # learnable, by id
    y = (signal > 0).astype(int)
    shuffled = y.sample(frac=1.0, random_state=0)  # the ids in another order
    a = RNNClassifier(**TINY).fit(frame, y.loc[ids].to_numpy())
    b = RNNClassifier(**TINY).fit(frame, shuffled)
    np.testing.assert_array_equal(a.predict_proba(frame), b.predict_proba(frame))
    assert b.score(frame, shuffled) == a.score(frame, y.loc[ids].to_numpy())
    wrong = pd.Series(rng.randint(2, size=30), index=[f"x{i}" for i in range(30)])
    with pytest.raises(ValueError, match="not the ids of X's sequences"):
        RNNClassifier(**TINY).fit(frame, wrong)


def test_one_sequence_given_as_1d_says_how_to_pass_it():
    X, y, _ = ragged()
    reg = RNNRegressor(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="Reshape your data.*\\[x\\].*one step each"):
        reg.predict(X[0][:, 0])


def test_one_row_as_wide_as_a_step_is_one_step_and_more_rows_are_refused():
    # MAPIE (and other scikit-learn tools) probe a fitted model with
    # np.zeros((1, n_features_in_)); a model fitted on 3D input of 2 features
    # read that as a univariate sequence of 2 steps and refused it.
    X, y, _ = ragged()
    reg = RNNRegressor(**TINY).fit(X, y)
    row = np.array([[0.3, -1.2]])
    np.testing.assert_array_equal(reg.predict(row), reg.predict(row[None]))
    with pytest.raises(ValueError, match=r"\[X\] or X\[None\].*X\[:, None, :\]"):
        reg.predict(X[0])


def _levels(low, high, n=60, steps=8, seed=0):
    """Random walks around levels drawn in [low, high); the target is the
    next value."""
    rng = np.random.RandomState(seed)
    start = rng.uniform(low, high, size=(n, 1))
    walk = start + np.cumsum(rng.normal(0, 0.02 * low, size=(n, steps + 1)), axis=1)
    return walk[:, :steps], walk[:, steps]


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
def test_large_unscaled_inputs_warn_and_name_the_scaler(Est):
    """Levels of 3000-9000 made the network a constant predictor (spread 0)
    with no word; normalize_y scales only y."""
    X, y = _levels(3000, 9000)
    if Est is RNNClassifier:
        y = (y > np.median(y)).astype(int)
    Warning_ = UnscaledInputWarning
    with pytest.warns(Warning_, match=r"make_pipeline\(SequenceScaler\(\)") as caught:
        Est(**TINY).fit(X, y)
    assert issubclass(Warning_, UserWarning)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", Warning_)
        make_pipeline(SequenceScaler(), Est(**TINY)).fit(X, y)
        Est(**TINY).fit(X / 1000.0, y)  # levels of 3-9: fine


@pytest.mark.parametrize(
    "method, keras, ours",
    [
        ("fit", "epochs", "max_iter=... in the constructor"),
        ("fit", "batch_size", "batch_size=... in the constructor"),
        ("fit", "validation_split", "early_stopping=True and validation_fraction"),
        ("fit", "validation_data", "early_stopping=True and validation_fraction"),
        ("fit", "verbose", "verbose=... in the constructor"),
        ("partial_fit", "epochs", "max_iter=... in the constructor"),
        ("predict", "verbose", "predict prints nothing"),
        ("predict", "batch_size", "batches the sequences itself"),
    ],
)
@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier, RNNTimestepRegressor])
def test_keras_call_keywords_name_our_way(Est, method, keras, ours):
    X, y_reg, y_clf = ragged(n=12)
    y = y_clf if Est is RNNClassifier else y_reg
    if Est is RNNTimestepRegressor:
        y = [x[:, 0] for x in X]
    est = Est(**TINY)
    if method == "predict":
        est.fit(X, y)
    args = (X,) if method == "predict" else (X, y)
    with pytest.raises(TypeError, match=f"{method}\\(\\) got an unexpected keyword "):
        getattr(est, method)(*args, **{keras: 1})
    with pytest.raises(TypeError, match=re.escape(ours)):
        getattr(est, method)(*args, **{keras: 1})


def test_the_signatures_stay_explicit():
    import inspect

    for Est in (RNNRegressor, RNNClassifier, RNNTimestepRegressor):
        assert list(inspect.signature(Est.fit).parameters) == [
            "self",
            "X",
            "y",
            "sample_weight",
        ]
        assert list(inspect.signature(Est.predict).parameters) == ["self", "X"]
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        RNNRegressor(**TINY).fit(*ragged()[:2], bogus=1)


@pytest.mark.parametrize(
    "keras, ours", [("mse", "squared_error"), ("mae", "absolute_error")]
)
def test_keras_loss_names_get_ours(keras, ours):
    X, y, _ = ragged(n=12)
    with pytest.raises(ValueError, match=f"Keras' '{keras}' is loss='{ours}' here"):
        RNNRegressor(loss=keras, **TINY).fit(X, y)
    with pytest.raises(TypeError, match="Keras' loss is .*log loss"):
        RNNClassifier(loss="binary_crossentropy")


def test_verbose_says_the_loss_is_in_standardised_units(capsys):
    X, y, _ = ragged(n=12)
    RNNRegressor(verbose=1, **TINY).fit(X, y * 1000.0)
    out = capsys.readouterr().out
    assert "standardised" in out and out.index("standardised") < out.index("epoch")
    RNNRegressor(verbose=1, normalize_y=False, **TINY).fit(X, y)
    assert "standardised" not in capsys.readouterr().out


def test_a_numeric_learning_rate_names_learning_rate_init():
    """Keras' learning_rate is our learning_rate_init; ours is the schedule,
    as MLPRegressor's (found by the review: the message named only the
    schedules)."""
    X = np.zeros((4, 3, 1), dtype=np.float32)
    with pytest.raises(ValueError, match="set learning_rate_init=0.01"):
        RNNRegressor(learning_rate=0.01).fit(X, np.zeros(4))
