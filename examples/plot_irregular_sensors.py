"""
Sensors with irregular timestamps, spikes and gaps
==================================================

The tutorial's remaining questions in one pipeline: a long table of sensor
readings, taken at irregular times, with spikes and missing values, classified
by a recurrent network. ``from_long_format`` makes sequences; ``TimeFeatures``
turns each timestamp into the time since the previous reading (here the class
shows in how often a machine reports) and the hour of day;
``SequenceOutlierFilter`` deletes the spikes and ``SequenceImputer`` fills
them and the gaps; ``SequenceScaler`` scales; ``RNNClassifier`` reads the rest.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import (
    RNNClassifier,
    SequenceImputer,
    SequenceOutlierFilter,
    SequenceScaler,
    TimeFeatures,
    from_long_format,
)

rng = np.random.RandomState(0)
rows = []
for machine in range(160):
    faulty = machine % 2
    n = rng.randint(20, 40)
    # A faulty machine reports more often (its alarm resends): the class shows
    # in the gaps between readings, not in the readings.
    gaps = rng.exponential(250.0 if faulty else 600.0, n)
    time = 1.7e9 + np.cumsum(gaps)
    temperature = 60 + 5 * np.sin(time / 3600.0) + rng.normal(0, 0.5, n)
    temperature[rng.uniform(size=n) < 0.04] += rng.choice([-40, 40])  # spikes
    temperature[rng.uniform(size=n) < 0.1] = np.nan  # readings lost
    rows += [
        {"machine": machine, "time": t, "temperature": v, "faulty": faulty}
        for t, v in zip(time, temperature)
    ]
table = pd.DataFrame(rows)
X, ids = from_long_format(
    table, column_id="machine", column_sort="time", columns=["time", "temperature"]
)
y = table.groupby("machine")["faulty"].first().loc[ids].to_numpy()

# %%
model = RNNClassifier(
    hidden_size=16, max_iter=40, n_iter_no_change=None, random_state=0
)
with_time = make_pipeline(
    TimeFeatures(calendar=("hour",)),  # temperature, delta, elapsed, hour
    SequenceOutlierFilter(features=[0]),
    SequenceImputer(strategy="linear"),
    SequenceScaler(),
    model,
)
without_time = make_pipeline(  # the readings alone, as if taken on a grid
    TimeFeatures(spans=()),
    SequenceOutlierFilter(),
    SequenceImputer(strategy="linear"),
    SequenceScaler(),
    model,
)
scores = {
    "readings only": cross_val_score(without_time, X, y, cv=3),
    "readings + time features": cross_val_score(with_time, X, y, cv=3),
}
for name, s in scores.items():
    print(f"{name:26s} accuracy {s.mean():.3f}")

# %%
cleaned = make_pipeline(SequenceOutlierFilter(), SequenceImputer(strategy="linear"))
one = X[1]
fig, (ax_seq, ax_acc) = plt.subplots(
    1, 2, figsize=(10, 3.5), gridspec_kw={"width_ratios": [2, 1]}
)
hours = (one[:, 0] - one[0, 0]) / 3600
ax_seq.plot(hours, one[:, 1], "o", color="C7", label="readings (spikes, gaps)")
readings = [x[:, 1:] for x in X]
filled = cleaned.fit(readings).transform([one[:, 1:]])[0, : len(one), 0]
ax_seq.plot(hours, filled, "-", color="C0", label="filtered and filled")
ax_seq.set(xlabel="hours since the first reading", ylabel="temperature")
ax_seq.legend(loc="upper left", bbox_to_anchor=(0.0, 1.25), ncol=2, frameon=False)
names = list(scores)
ax_acc.barh(names, [scores[n].mean() for n in names], color=["C7", "C0"])
ax_acc.set(xlabel="cross-validated accuracy", xlim=(0, 1))
fig.tight_layout()
fig.savefig("irregular_sensors.png", dpi=100)
