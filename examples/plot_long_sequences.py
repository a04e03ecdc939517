"""
Long sequences: pooling over time and a convolution front-end
=============================================================

A recurrent network read only at its last step must carry what it saw at the
start of a long sequence all the way to the end; it trains slowly and often
learns nothing. Two levers of ``RNNClassifier`` fix that, and both are
parameters a grid search can choose:

- ``pooling='max'`` (the default) reads the outputs at every real step;
- ``conv_filters`` and ``downsample`` put causal 1D convolutions before the
  recurrence, which then reads ``ceil(length / downsample)`` steps
  (``downsample='auto'``, the default, aims at about 64).

Padding never changes a prediction with either of them.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_sequence_classification

X, y = make_sequence_classification(
    n_samples=240, n_classes=3, min_length=200, max_length=300, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

models = {
    "last step,\nno front-end": RNNClassifier(
        pooling="last", conv_filters=0, max_iter=30, random_state=0
    ),
    "max pooling,\nno front-end": RNNClassifier(
        conv_filters=0, max_iter=30, random_state=0
    ),
    "defaults: max pooling,\nconvolutions": RNNClassifier(max_iter=30, random_state=0),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start
    accuracy[name] = model.score(X_test, y_test)
    print(
        f"{name.replace(chr(10), ' ')}: accuracy {accuracy[name]:.3f}, "
        f"fit {seconds[name]:.1f} s"
    )

# %%
# Held-out accuracy and fit time of the three models.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.bar(list(accuracy), list(accuracy.values()), color="tab:blue")
left.set(ylim=(0, 1), ylabel="held-out accuracy", title="What it learns")
right.bar(list(seconds), list(seconds.values()), color="tab:orange")
right.set(ylabel="fit time (s)", title="What it costs")
for ax in (left, right):
    ax.tick_params(axis="x", labelsize=8)
fig.tight_layout()
fig.savefig("long_sequences.png", dpi=80)
