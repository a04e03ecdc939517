"""scikit-learn's estimator checks on every public estimator."""

import warnings

import pytest
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
    RNNTimestepClassifier,
    RNNTimestepRegressor,
    SequenceImputer,
    SequencePadder,
    SequenceScaler,
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
]

# Reasons scikit-learn itself accepts for its own estimators.
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch stochastic training: weighting a sample by 2 and repeating it "
        "twice give different batches (as for MLPRegressor and SGD estimators)"
    ),
}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# The per-step estimators need one target per timestep. Most of scikit-learn's
# checks fit on a y of shape (n_samples,), one target per sequence, which they
# refuse by design with the error below; the others must pass.
PER_STEP_Y = (
    "needs one target per timestep",
    "per sequence: RNNTimestep",  # y (n_samples, n_outputs): too few steps
    "its targets in y have",  # a multilabel y (n_samples, n_labels)
)
# Checks of the output shape of predict/predict_proba, which is per step.
PER_STEP_OUTPUT = {
    "check_classifiers_multilabel_output_format_predict",
    "check_classifiers_multilabel_output_format_predict_proba",
}


@pytest.mark.parametrize("Est", [RNNTimestepRegressor, RNNTimestepClassifier])
def test_per_step_estimators_pass_the_checks_that_apply(Est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(Est(hidden_size=4, max_iter=2), on_fail=None)
    passed = set()
    for result in results:
        name, status = result["check_name"], result["status"]
        if status == "passed":
            passed.add(name)
        elif status == "failed":
            # Checks that fit on a 1D y fail on that first, whatever they test.
            cause = result["exception"]
            while cause.__cause__ is not None or cause.__context__ is not None:
                cause = cause.__cause__ or cause.__context__
            message = str(result["exception"]) + str(cause)
            assert name in PER_STEP_OUTPUT or any(m in message for m in PER_STEP_Y), (
                f"{name}: {message}"
            )
    # The checks that apply (parameters, cloning, input validation) pass.
    assert {
        "check_no_attributes_set_in_init",
        "check_parameters_default_constructible",
        "check_get_params_invariance",
        "check_set_params",
        "check_estimator_cloneable",
        "check_estimators_unfitted",
        "check_estimators_empty_data_messages",
        "check_complex_data",
        "check_estimator_sparse_array",
        "check_fit1d",
        "check_requires_y_none",
        "check_supervised_y_no_nan",
    } <= passed
