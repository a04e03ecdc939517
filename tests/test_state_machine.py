"""A walk through the estimator's states: fit, partial_fit, set_params (with
warm_start), predict, save/load, clone and failing calls in any order.

After every step: a failed call changed nothing; a fitted estimator predicts
finite values of the right shape; ``load(save(est))`` predicts identically;
``clone`` is unfitted. Hypothesis draws the order (a bounded number of
examples, run in CI with the rest of the suite).
"""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklearn_rnn import RNNRegressor, load, save

RNG = np.random.RandomState(0)
X = RNG.normal(size=(16, 5, 2)).astype(np.float32)
Y = X[:, -1, 0] - X[:, 0, 1]
PROBE = X[:4]


def _fitted_state(est):
    """What a failed call must leave exactly as it was."""
    if not hasattr(est, "_net"):
        return None
    weights = {k: v.clone() for k, v in est.module_.state_dict().items()}
    return (est.n_iter_, list(est.loss_curve_), len(est.history_), weights)


def _same_state(a, b):
    if a is None or b is None:
        return a is b
    return a[:3] == b[:3] and all((a[3][k] == b[3][k]).all() for k in a[3])


class EstimatorStates(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.est = RNNRegressor(hidden_size=3, max_iter=2, random_state=0)

    @property
    def fitted(self):
        return hasattr(self.est, "_net")

    @rule(rows=st.integers(4, 16), scale=st.sampled_from([1.0, 10.0]))
    def fit(self, rows, scale):
        self._fit_or_refused(lambda: self.est.fit(X[:rows], Y[:rows] * scale))

    @rule(rows=st.integers(2, 16))
    def partial_fit(self, rows):
        self._fit_or_refused(lambda: self.est.partial_fit(X[:rows], Y[:rows]))

    @rule(
        warm_start=st.booleans(),
        hidden_size=st.sampled_from([3, 4]),
        max_iter=st.integers(1, 2),
        early_stopping=st.booleans(),
    )
    def set_params(self, warm_start, hidden_size, max_iter, early_stopping):
        self.est.set_params(
            warm_start=warm_start,
            hidden_size=hidden_size,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=0.25,
            learning_rate_init=3e-3,
        )

    @rule(where=st.sampled_from(["middle", "width", "y"]))
    def fit_bad_input(self, where):
        bad_X, bad_y = X.copy(), Y
        if where == "middle":
            bad_X[2, 2, :] = np.nan  # a gap inside a sequence
        elif where == "width":
            bad_X = X[:, 0, 0]  # 1D: no sequences
        else:
            bad_y = Y[:3]
        before = _fitted_state(self.est)
        with pytest.raises(ValueError):
            self.est.fit(bad_X, bad_y)
        assert _same_state(_fitted_state(self.est), before)

    @rule()
    def fit_diverging(self):
        self.est.set_params(learning_rate_init=1e12)
        try:
            self._fit_or_refused(lambda: self.est.fit(X * 1e4, Y * 1e20))
        finally:
            self.est.set_params(learning_rate_init=3e-3)

    def _fit_or_refused(self, call):
        before = _fitted_state(self.est)
        try:
            call()
        except ValueError:  # refused (architecture, divergence): nothing changed
            assert _same_state(_fitted_state(self.est), before)

    @precondition(lambda self: self.fitted)
    @rule()
    def save_and_load(self):
        buffer = io.BytesIO()
        save(self.est, buffer)
        loaded = load(io.BytesIO(buffer.getvalue()))
        np.testing.assert_array_equal(loaded.predict(PROBE), self.est.predict(PROBE))

    @rule()
    def clone_is_unfitted(self):
        copy = clone(self.est)
        assert not hasattr(copy, "_net")
        with pytest.raises(NotFittedError):
            copy.predict(PROBE)

    @invariant()
    def predictions_are_finite_and_shaped(self):
        if self.fitted:
            pred = self.est.predict(PROBE)
            assert pred.shape == (len(PROBE),) and np.isfinite(pred).all()
        else:
            with pytest.raises(NotFittedError):
                self.est.predict(PROBE)


EstimatorStates.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,  # the same walks on every run and machine
    suppress_health_check=[HealthCheck.too_slow],
)
test_estimator_states = EstimatorStates.TestCase
