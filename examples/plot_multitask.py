"""
Multi-task outputs: several targets from one network
====================================================

One recurrent encoder can feed several outputs. ``RNNRegressor`` takes a 2D
``y`` (one column per target) and ``RNNClassifier`` a binary indicator matrix
(one column per label, each with its own sigmoid).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import f1_score, r2_score
from sklearn.model_selection import train_test_split

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.datasets import make_sequence_regression

# %%
# Multi-output regression: three recency-weighted sums, one per feature.
X, Y = make_sequence_regression(n_samples=400, n_targets=3, random_state=0)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
reg = RNNRegressor(
    cell="gru", hidden_size=32, learning_rate_init=0.01, max_iter=30, random_state=0
).fit(X_train, Y_train)
Y_pred = reg.predict(X_test)
print("R² per target:", np.round(r2_score(Y_test, Y_pred, multioutput="raw_values"), 3))

# %%
# Multilabel classification: is each target positive? Labels can co-occur.
labels = (Y > 0).astype(int)
L_train, L_test = train_test_split(labels, random_state=0)  # the same split as X
clf = RNNClassifier(
    cell="gru", hidden_size=32, learning_rate_init=0.01, max_iter=30, random_state=0
).fit(X_train, L_train)
print("F1 per label:", np.round(f1_score(L_test, clf.predict(X_test), average=None), 3))
print("subset accuracy:", round(clf.score(X_test, L_test), 3))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
for j, ax in enumerate(axes):
    ax.scatter(Y_test[:, j], Y_pred[:, j], s=6)
    ax.set(title=f"target {j}", xlabel="true", ylabel="predicted")
fig.tight_layout()
fig.savefig("multitask.png", dpi=80)
