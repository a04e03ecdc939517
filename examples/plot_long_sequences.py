"""
Long sequences: pooling over time, downsampling, a convolution front-end
=========================================================================

A recurrent network read only at its last step must carry what it saw at the
start of a long sequence all the way to the end; it trains slowly and often
learns little. Three parameters of ``RNNClassifier`` and ``RNNRegressor``
answer that, and a grid search can choose each of them:

- ``pooling='max'`` (the default) reads the outputs at every real step
  (also ``'mean'`` and ``'attention'``; ``'last'`` is the classic reading);
- ``downsample`` makes the recurrence read one step in ``downsample``: the mean
  of each block of steps, several times faster (``'auto'``, the default, only
  shrinks sequences longer than 256 steps);
- ``conv_filters`` puts causal 1D convolutions before the recurrence, as
  DeepConvLSTM and LSTM-FCN do (``RNNClassifier``'s default, ``(64, 64)``); it
  helps on smooth series (the UCR data of ``benchmarks/accuracy.py``) and
  overfits sparse events such as the ones below, so here ``conv_filters=0``:
  the recurrence reads the steps themselves; with convolutions,
  ``conv_pool=2`` lets them read twice as many steps as the recurrence, which
  takes the maximum of each pair of their outputs (a parameter to search: it
  won on three of the benchmark's long sets and lost on two).

Padding never changes a prediction with any of them.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_sequence_classification

# The class is the order of a few events along 100-160 steps.
X, y = make_sequence_classification(
    n_samples=200, n_classes=3, min_length=100, max_length=160, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

params = dict(conv_filters=0, max_iter=40, random_state=0)
models = {
    "pooling='last'": RNNClassifier(pooling="last", **params),
    "pooling='max'\n(default)": RNNClassifier(**params),
    "pooling='max',\ndownsample=2": RNNClassifier(downsample=2, **params),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds[name] = time.perf_counter() - start
    accuracy[name] = model.score(X_test, y_test)
    label = name.replace("\n", " ")
    print(f"{label}: accuracy {accuracy[name]:.3f}, fit {seconds[name]:.1f} s")

# %%
# Held-out accuracy and fit time.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.bar(list(accuracy), list(accuracy.values()), color="tab:blue")
left.set(ylim=(0, 1), ylabel="held-out accuracy", title="What it learns")
right.bar(list(seconds), list(seconds.values()), color="tab:orange")
right.set(ylabel="fit time (s)", title="What it costs")
for ax in (left, right):
    ax.tick_params(axis="x", labelsize=8)
fig.tight_layout()
fig.savefig("long_sequences.png", dpi=80)
