"""
Which steps and features mattered
=================================

On data whose answer is known, three ways of asking a fitted recurrent
classifier what it relies on: ``sequence_permutation_importance`` by feature
and by window of steps (how much the score drops when they are shuffled
across sequences), and ``integrated_gradients`` (each step's and feature's
share of each prediction). Here the class is set by a pulse in the second
feature between steps 10 and 14; the other features and steps are noise.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import (
    RNNClassifier,
    integrated_gradients,
    sequence_permutation_importance,
)

rng = np.random.RandomState(0)
n, steps, features = 400, 30, 3
X = rng.normal(0, 1, size=(n, steps, features))
y = rng.randint(2, size=n)
X[:, 10:15, 1] += np.where(y, 1.0, -1.0)[:, None]  # the pulse sets the class
X_train, y_train, X_test, y_test = X[:300], y[:300], X[300:], y[300:]

clf = RNNClassifier(hidden_size=16, max_iter=40, n_iter_no_change=None, random_state=0)
clf.fit(X_train, y_train)
print(f"held-out accuracy {clf.score(X_test, y_test):.3f}")

by_feature = sequence_permutation_importance(
    clf, X_test, y_test, n_repeats=5, random_state=0
)
by_step = sequence_permutation_importance(
    clf, X_test, y_test, by="step", window=5, n_repeats=5, random_state=0
)
for j, value in enumerate(by_feature.importances_mean):
    print(f"feature {j}: accuracy drop {value:.3f}")
for (a, b), value in zip(by_step.windows, by_step.importances_mean):
    print(f"steps {a}-{b - 1}: accuracy drop {value:.3f}")
attributions = integrated_gradients(clf, X_test)  # (100, 30, 3)

# %%
fig, (ax_map, ax_steps) = plt.subplots(
    1, 2, figsize=(11, 3.5), gridspec_kw={"width_ratios": [3, 2]}
)
strength = np.abs(attributions).mean(axis=0).T  # features x steps
image = ax_map.imshow(strength, aspect="auto", cmap="magma")
ax_map.set(
    xlabel="step",
    ylabel="feature",
    yticks=range(features),
    title="mean |integrated gradient|",
)
fig.colorbar(image, ax=ax_map)
labels = [f"{a}-{b - 1}" for a, b in by_step.windows]
ax_steps.bar(labels, by_step.importances_mean, yerr=by_step.importances_std, color="C0")
ax_steps.set(xlabel="steps", ylabel="accuracy drop", title="permuting a window")
fig.tight_layout()
fig.savefig("explanations.png", dpi=100)
