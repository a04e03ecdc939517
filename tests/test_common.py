"""scikit-learn's estimator checks on every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import (
    RNNClassifier,
    RNNRegressor,
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
