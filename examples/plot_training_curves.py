"""
Training curves and early stopping
==================================

``loss_curve_`` holds the training loss of each epoch. With
``early_stopping=True``, a stratified ``validation_fraction`` of the training
data is set aside, ``validation_scores_`` holds its accuracy (R² for a
regressor) after each epoch, and training stops once it has not improved for
``n_iter_no_change`` epochs, keeping the weights of the best epoch. The skorch
``history_`` has everything else (durations, validation loss).
"""

# %%
import matplotlib.pyplot as plt

from sklearn_rnn import RNNClassifier
from sklearn_rnn.datasets import make_sequence_classification

X, y = make_sequence_classification(n_samples=400, n_classes=4, random_state=0)
clf = RNNClassifier(
    cell="lstm",
    hidden_size=24,
    learning_rate_init=0.01,
    max_iter=200,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=8,
    random_state=0,
).fit(X, y)
print(
    f"stopped after {clf.n_iter_} of 200 epochs; "
    f"best validation accuracy {clf.best_validation_score_:.3f}"
)

# %%
best = clf.validation_scores_.index(clf.best_validation_score_) + 1
fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 4))
ax_loss.plot(range(1, clf.n_iter_ + 1), clf.loss_curve_, label="training")
ax_loss.plot(
    range(1, clf.n_iter_ + 1), clf.history_[:, "valid_loss"], label="validation"
)
ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
ax_loss.legend()
ax_score.plot(range(1, clf.n_iter_ + 1), clf.validation_scores_)
ax_score.axvline(best, color="k", ls="--", label=f"kept: epoch {best}")
ax_score.set(xlabel="epoch", ylabel="accuracy", title="Validation accuracy")
ax_score.legend()
fig.tight_layout()
fig.savefig("training_curves.png", dpi=80)
