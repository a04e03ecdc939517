"""
Choosing the hidden size and the activation by cross-validation
================================================================

How many hidden units, and which activation (tanh, ReLU, sigmoid)? The
tutorial's answer is validation; scikit-learn's is ``GridSearchCV``, which
runs unchanged on an RNN, in parallel (``n_jobs=2``) and on ragged sequences.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_sequence_classification

X, y = make_sequence_classification(n_samples=240, n_classes=3, random_state=0)

search = GridSearchCV(
    # 15 epochs each, on purpose (n_iter_no_change=None: no warning about it).
    RNNClassifier(
        cell="gru",
        learning_rate_init=0.01,
        max_iter=15,
        n_iter_no_change=None,
        random_state=0,
    ),
    param_grid={"hidden_size": [4, 8, 16], "activation": ["tanh", "relu", "sigmoid"]},
    cv=3,
    n_jobs=2,
)
search.fit(X, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
# The cross-validated accuracy of every combination.
sizes = search.param_grid["hidden_size"]
activations = search.param_grid["activation"]
scores = np.array(search.cv_results_["mean_test_score"]).reshape(
    len(activations), len(sizes)
)
fig, ax = plt.subplots(figsize=(5, 4))
image = ax.imshow(scores, cmap="viridis", vmin=0, vmax=1)
ax.set(
    xticks=range(len(sizes)),
    xticklabels=sizes,
    xlabel="hidden_size",
    yticks=range(len(activations)),
    yticklabels=activations,
    ylabel="activation",
    title="Cross-validated accuracy",
)
for (i, j), value in np.ndenumerate(scores):
    # Dark text on the light (high) end of viridis, light text on the dark end.
    color = "k" if value > 0.6 else "w"
    ax.text(j, i, f"{value:.2f}", ha="center", va="center", color=color, size=12)
fig.colorbar(image)
fig.tight_layout()
fig.savefig("grid_search.png", dpi=100)
