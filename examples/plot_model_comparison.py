"""
LSTM, GRU and Elman RNN against flattened tabular models
========================================================

Where does recurrence pay off? On sequences of different lengths whose class
is the *order* of events, a tabular model must see a padded, flattened
sequence in which the same event lands in a different column every time. The
recurrent models read the sequence step by step.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_rnn import RNNClassifier, SequencePadder
from sklearn_rnn.datasets import make_sequence_classification

X, y = make_sequence_classification(n_samples=300, n_classes=3, random_state=0)


def flatten(padded):
    """Zero-fill the padding and put all steps side by side: one row per sequence."""
    return np.nan_to_num(padded).reshape(len(padded), -1)


flat = [SequencePadder(), FunctionTransformer(flatten)]
models = {
    "LSTM": RNNClassifier(
        cell="lstm",
        hidden_size=16,
        learning_rate_init=0.01,
        max_iter=25,
        n_iter_no_change=None,  # 25 epochs on purpose: no warning about it
        random_state=0,
    ),
    "GRU": RNNClassifier(
        cell="gru",
        hidden_size=16,
        learning_rate_init=0.01,
        max_iter=25,
        n_iter_no_change=None,
        random_state=0,
    ),
    "Elman RNN": RNNClassifier(
        cell="rnn",
        hidden_size=16,
        learning_rate_init=0.01,
        max_iter=25,
        n_iter_no_change=None,
        random_state=0,
    ),
    "flattened MLP": make_pipeline(
        *flat, StandardScaler(), MLPClassifier(max_iter=500, random_state=0)
    ),
    "flattened gradient boosting": make_pipeline(
        *flat, HistGradientBoostingClassifier(random_state=0)
    ),
}
scores = {name: cross_val_score(model, X, y, cv=3) for name, model in models.items()}
for name, s in scores.items():
    print(f"{name:28s} accuracy {s.mean():.3f} ± {s.std():.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
names = list(scores)
ax.barh(
    names,
    [scores[n].mean() for n in names],
    xerr=[scores[n].std() for n in names],
    color=["C0"] * 3 + ["C7"] * 2,
)
ax.axvline(1 / 3, color="k", ls=":", label="chance")
ax.set(xlabel="cross-validated accuracy", xlim=(0, 1))
ax.invert_yaxis()
for i, n in enumerate(names):  # the score at the end of each bar
    ax.text(0.02, i, f"{scores[n].mean():.2f}", va="center", color="w")
# Above the axes, where no bar can be hidden by it.
ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
fig.tight_layout()
fig.savefig("model_comparison.png", dpi=100)
