"""
Variable-length sequences with missing values
=============================================

Real sequences come in different lengths and with holes. Here a pipeline fills
the holes inside each sequence (never the padding), adds a missing-value
indicator per feature, scales robustly, pads to one array and classifies with a
GRU, scored by 5-fold cross-validation. Every statistic is learned on the
training folds only.
"""

# %%
# Ragged sequences (10 to 40 steps, 3 features) whose class is the order in
# which three events happen; 20% of the values are missing.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequenceImputer, SequencePadder, SequenceScaler
from sklearn_rnn.datasets import make_sequence_classification

X, y = make_sequence_classification(
    n_samples=300,
    min_length=10,
    max_length=40,
    missing_rate=0.2,
    offset=5.0,
    random_state=0,
)
print(f"{len(X)} sequences of {min(map(len, X))} to {max(map(len, X))} steps")
print(f"missing values: {np.mean(np.isnan(np.concatenate(X))):.0%}")

# %%
# The pipeline: linear interpolation inside each sequence plus an indicator of
# what was missing, robust scaling with clipping, NaN padding, a GRU.
model = make_pipeline(
    SequenceImputer(strategy="linear", add_indicator=True),
    SequenceScaler(method="robust", clip_value=5.0),
    SequencePadder(),
    RNNClassifier(
        cell="gru",
        hidden_size=16,
        learning_rate_init=0.01,
        max_iter=30,
        n_iter_no_change=None,  # 30 epochs on purpose: no warning about it
        random_state=0,
    ),
)
scores = cross_val_score(model, X, y, cv=5)
print(f"accuracy: {scores.mean():.3f} ± {scores.std():.3f}")

# %%
# The same model without imputation: holes filled with zeros.
zeros = make_pipeline(
    SequenceImputer(strategy="constant", fill_value=0.0),
    *(clone(step) for _, step in model.steps[1:]),
)
zero_scores = cross_val_score(zeros, X, y, cv=5)
print(f"zero-filled accuracy: {zero_scores.mean():.3f} ± {zero_scores.std():.3f}")

# %%
# One sequence before and after imputation, and the scores per fold.
filled = SequenceImputer(strategy="linear").fit_transform(X[:1])[0]
fig, (ax_seq, ax_cv) = plt.subplots(1, 2, figsize=(10, 4))
for j in range(3):
    ax_seq.plot(filled[:, j], color=f"C{j}", alpha=0.4)
    ax_seq.plot(X[0][:, j], "o", color=f"C{j}", ms=3, label=f"feature {j}")
ax_seq.set(title="Observed values (dots) and imputed sequence", xlabel="step")
ax_seq.legend()
ax_cv.bar(np.arange(5) - 0.2, scores, width=0.4, label="imputed + indicator")
ax_cv.bar(np.arange(5) + 0.2, zero_scores, width=0.4, label="zero-filled")
ax_cv.set(title="Cross-validated accuracy", xlabel="fold", ylim=(0, 1))
ax_cv.legend()
fig.tight_layout()
fig.savefig("variable_length_missing.png", dpi=80)
