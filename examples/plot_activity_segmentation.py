"""
One label per timestep: segmenting activities
=============================================

A sensor records a person who rests, walks and runs, switching activity at
random moments. The task is sequence labelling: say at every step which
activity is going on. ``RNNTimestepClassifier`` takes one label per step
(``y`` as a list of per-sequence label arrays, here strings) and predicts one
per step, for sequences of any length. A unidirectional network is causal --
each label uses the signal up to that step only, as a live system must -- and
``bidirectional=True`` lets it read the whole recording, which labels the
switches better when the recording is complete.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNTimestepClassifier

rng = np.random.RandomState(0)
ACTIVITIES = {"rest": (0.1, 0.0), "walk": (1.0, 0.15), "run": (2.5, 0.35)}


def recording(n_steps):
    """Accelerometer-like magnitude and its label at every step."""
    labels = []
    while len(labels) < n_steps:
        labels += [rng.choice(list(ACTIVITIES))] * rng.randint(15, 60)
    labels = np.array(labels[:n_steps])
    amplitude = np.array([ACTIVITIES[a][0] for a in labels])
    frequency = np.array([ACTIVITIES[a][1] for a in labels])
    phase = np.cumsum(2 * np.pi * frequency)
    signal = amplitude * np.sin(phase) + 0.3 * rng.normal(size=n_steps)
    return np.column_stack([signal, np.abs(signal)]), labels


data = [recording(rng.randint(100, 300)) for _ in range(200)]
X = [x for x, _ in data]
y = [labels for _, labels in data]
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
scores = {}
models = {}
for name, bidirectional in [("causal", False), ("bidirectional", True)]:
    clf = RNNTimestepClassifier(
        hidden_size=32, bidirectional=bidirectional, max_iter=30, random_state=0
    ).fit(X_train, y_train)
    scores[name] = clf.score(X_test, y_test)  # accuracy over all real steps
    models[name] = clf
    print(f"{name}: per-step accuracy {scores[name]:.3f}")

# %%
# One test recording: the signal, the true activities and the predicted ones.
x, labels = X_test[0], y_test[0]
predicted = models["causal"].predict([x])[0]
codes = {a: i for i, a in enumerate(ACTIVITIES)}
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
top.plot(x[:, 0], lw=0.8)
top.set(ylabel="signal")
bottom.plot([codes[a] for a in labels], label="true", lw=2)
bottom.plot([codes[a] for a in predicted], label="predicted (causal)", ls="--")
bottom.set(yticks=range(3), yticklabels=list(ACTIVITIES), xlabel="timestep")
bottom.legend(loc="upper right")
fig.tight_layout()
fig.savefig("activity_segmentation.png", dpi=80)
