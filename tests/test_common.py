"""scikit-learn's estimator checks on every public estimator."""

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import (
    LagsToSequences,
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    SequenceImputer,
    SequenceOutlierFilter,
    SequencePadder,
    SequenceScaler,
    StepTransformer,
    TimeFeatures,
)

# The estimators at every default: check_estimator(RNNRegressor()) passes, and
# so does the classifier (about 4 minutes on one thread together).
ESTIMATORS = [
    RNNRegressor(),
    RNNClassifier(),
    SequencePadder(),
    SequencePadder(maxlen=3, padding="pre", truncating="pre"),
    SequenceImputer(),
    SequenceImputer(strategy="linear", add_indicator=True),
    SequenceScaler(),
    SequenceScaler(method="robust", clip_value=3.0),
    SequenceScaler(per_sequence=True),
    StepTransformer(StandardScaler()),
    SequenceOutlierFilter(),
    SequenceOutlierFilter(method="iqr", action="clip"),
    TimeFeatures(),
    LagsToSequences(lag_order="oldest_first"),
    LagsToSequences(lag_order="newest_first", n_lags=1, grouping="step"),
]

# Reasons scikit-learn itself accepts for its own estimators.
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch stochastic training: weighting a sample by 2 and repeating it "
        "twice give different batches (as for MLPRegressor and SGD estimators)"
    ),
}


# TimeFeatures reads column 0 as timestamps and refuses sequences whose
# timestamps do not increase, which is what random check data are.
UNORDERED = (
    "the check's random data are not increasing timestamps, which TimeFeatures "
    "refuses with a ValueError that says so (tests/test_time.py tests the "
    "conventions on ordered data)"
)
TIME_CHECKS = [
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]


def _expected_failed_checks(estimator):
    if isinstance(estimator, TimeFeatures):
        return {**EXPECTED_FAILED, **dict.fromkeys(TIME_CHECKS, UNORDERED)}
    return EXPECTED_FAILED


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    if _memmap_repeat(estimator, check):
        estimator = clone(estimator).set_params(**ADAPTED)
    check(estimator)


def _memmap_repeat(estimator, check):
    """Whether ``check`` repeats a check on read-only memory-mapped input.

    scikit-learn runs its training and pickling checks twice more on the same
    data, memory-mapped read-only (and once as float32). What the repeats test
    is the input's handling, which does not depend on the network's size; the
    plain run of each check trains the defaults. The sequence estimators run
    the repeats with the adapters' faster settings (``ADAPTED``, below): the
    four repeats of the training checks took 3.5 to 4 minutes of test time at
    the defaults, under 1 minute at these (measured on 2 cores).
    """
    return isinstance(estimator, RNNRegressor | RNNClassifier) and bool(
        getattr(check, "keywords", {}).get("readonly_memmap")
    )


# The per-step estimators take one target per timestep, and scikit-learn's
# checks give one per sequence. These adapters (tests only) broadcast each
# sequence's target to all of its steps and read the prediction at its last
# step, so that every check runs through the per-step estimators' own
# validation, training, prediction, pickling and parameter handling. Every
# check passes but the one scikit-learn also fails for minibatch training.


def _per_step_y(X, y):
    shape = getattr(X, "shape", None) or np.asarray(X).shape  # sparse has one
    if y is None or len(shape) < 2:  # the estimator reports what is wrong
        return y
    return np.repeat(np.asarray(y)[:, None], shape[1], axis=1)


def _last_step(out):
    return np.asarray(out)[:, -1]


class LastStepRegressor(RNNTimestepRegressor):
    """RNNTimestepRegressor as a sequence regressor, for the checks."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, _per_step_y(X, y), sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        return super().partial_fit(X, _per_step_y(X, y), sample_weight)

    def predict(self, X):
        return _last_step(super().predict(X))

    def score(self, X, y, sample_weight=None):
        return super().score(X, _per_step_y(X, y), sample_weight)


class LastStepClassifier(RNNTimestepClassifier):
    """RNNTimestepClassifier as a sequence classifier, for the checks."""

    def fit(self, X, y, sample_weight=None):
        return super().fit(X, _per_step_y(X, y), sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        y = _per_step_y(X, y)
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)

    def predict(self, X):
        return _last_step(super().predict(X))

    def predict_proba(self, X):
        return _last_step(super().predict_proba(X))

    def predict_log_proba(self, X):
        return _last_step(super().predict_log_proba(X))

    def score(self, X, y, sample_weight=None):
        return super().score(X, _per_step_y(X, y), sample_weight)


# Faster to train than the defaults (at which the sequence estimators are
# checked): the checks' toy data are learned all the same. Batches of 32 take
# half the steps of 'auto''s 16 on the checks' 200 sequences; with 16 and this
# patience the per-step regressor stopped after 59 epochs at R² 0.495 on
# check_regressors_train's data (the check asks for 0.5; at the defaults it
# reaches 0.60 with either batch size).
# On the training loss: these repeats test the input path, and 'auto''s
# held-out stop with this patience (the defaults' is 30) stopped the regressor
# at training R² 0.4 on those 200 sequences.
ADAPTED = dict(
    hidden_size=16,
    learning_rate_init=0.01,
    max_iter=100,
    n_iter_no_change=10,
    batch_size=32,
    early_stopping=False,
)


@parametrize_with_checks(
    [LastStepRegressor(**ADAPTED), LastStepClassifier(**ADAPTED)],
    expected_failed_checks=_expected_failed_checks,
)
def test_per_step_estimators_pass_the_checks_through_an_adapter(estimator, check):
    check(estimator)
