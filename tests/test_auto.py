"""Every 'auto' of the sequence estimators decides from statistics that a few
gross values or extreme series cannot flip, records its choice in a fitted
attribute and says it at ``verbose`` (``SequenceScaler(per_sequence='auto')``
has its test in test_scaler.py)."""

import warnings

import numpy as np
import pytest

from sklearn_rnn import RNNClassifier, RNNRegressor

# What each 'auto' records: conv_filters and downsample (from the median
# length), batch_size and early_stopping (from the number of sequences).
CHOICES = ("conv_filters_", "downsample_", "batch_size_", "early_stopping_")


def _data(n, seed=0):
    """``n`` sequences of 50 to 95 steps (median about 72: the convolutions
    on, blocks of 2 steps) and a target that reads their first channel."""
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(k, 2)) for k in rng.randint(50, 96, size=n)]
    y = np.array([x[:, 0].mean() for x in X])
    return X, y


def _dirty(X, seed=1):
    """1% of the values replaced by ±1e4, and 2% of the sequences replaced
    by extreme ones: half 3 steps long, half 3,000."""
    rng = np.random.RandomState(seed)
    out = []
    for x in X:
        x = x.copy()
        gross = rng.uniform(size=x.shape) < 0.01
        x[gross] = rng.choice([-1e4, 1e4], size=gross.sum())
        out.append(x)
    extreme = rng.choice(len(X), size=max(2, len(X) // 50), replace=False)
    for i, j in enumerate(extreme):
        out[j] = rng.normal(size=(3 if i % 2 else 3000, 2))
    return out


@pytest.mark.parametrize("Est", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("n", [150, 1000])
def test_gross_values_and_extreme_series_do_not_change_what_auto_chooses(
    Est, n, capsys
):
    X, y = _data(n)
    if Est is RNNClassifier:
        y = (y > 0).astype(int)
    chosen, said = [], []
    for data in (X, _dirty(X)):
        est = Est(hidden_size=3, max_iter=1, random_state=0, verbose=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(data, y)
        chosen.append({name: getattr(est, name) for name in CHOICES})
        said.append(capsys.readouterr().out.splitlines()[0])
    assert chosen[0] == chosen[1]
    assert said[0] == said[1]
    held_out = n >= 1000 or Est is RNNRegressor  # the regressor's small-data rule
    assert chosen[0] == {
        "conv_filters_": (64, 64),
        "downsample_": 2,
        "batch_size_": 16 if n < 1000 else 32,
        "early_stopping_": "held_out" if held_out else "off",
    }
    side = "below" if n < 1000 else "from"
    auto_filters = "conv_filters_=(64, 64), " if est.conv_filters == "auto" else ""
    assert said[0].startswith(
        f"On {n} training sequences ({side} 1,000) 'auto' chose: {auto_filters}"
        f"downsample_=2, batch_size_={chosen[0]['batch_size_']}, "
        f"early_stopping_={chosen[0]['early_stopping_']!r}"
    )
