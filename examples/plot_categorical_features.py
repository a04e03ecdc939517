"""
Categorical and high-dimensional sequences
==========================================

An RNN reads numbers. A categorical value at each step (a product code, a
weekday, a word) becomes numbers with scikit-learn's ``OneHotEncoder`` applied
to the steps. Many features per step are read as they are: the input layer of
the recurrence is one dense projection of all features of a step, so its cost
grows linearly with their number. Features that carry no signal cost data,
though: select or compress them first when training sequences are few.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder

from sklearn_rnn import RNNClassifier

rng = np.random.RandomState(0)
categories = np.array(["browse", "search", "cart", "pay", "leave"])

# %%
# Sessions of 5 to 25 events; a session is a purchase (1) when 'pay' comes
# after 'cart' -- the same events in the other order are not.
sessions, y = [], []
for _ in range(400):
    events = rng.choice(categories[[0, 1, 4]], size=rng.randint(5, 26))
    first, second = np.sort(rng.choice(len(events), size=2, replace=False))
    bought = rng.uniform() < 0.5
    events[first], events[second] = ("cart", "pay") if bought else ("pay", "cart")
    sessions.append(events)
    y.append(int(bought))
y = np.array(y)

# One-hot encode every step; the encoder learns the categories once.
encoder = OneHotEncoder(sparse_output=False).fit(np.concatenate(sessions)[:, None])
X = [encoder.transform(s[:, None]) for s in sessions]
print("features per step:", X[0].shape[1])

# %%
# High-dimensional steps: the same sessions as 200 noisy features per step (a
# dense code for each event, as an embedding or a sensor array would give).
codes = rng.normal(size=(len(categories), 200))
X_wide = [x @ codes + 0.5 * rng.normal(size=(len(x), 200)) for x in X]
scores = {}
for name, data in {"one-hot, 5 features": X, "dense, 200 features": X_wide}.items():
    X_train, X_test, y_train, y_test = train_test_split(data, y, random_state=0)
    clf = RNNClassifier(
        cell="gru", hidden_size=16, learning_rate_init=0.01, max_iter=20, random_state=0
    ).fit(X_train, y_train)
    scores[name] = clf.score(X_test, y_test)
    print(f"{name}: accuracy {scores[name]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(scores), list(scores.values()))
ax.set(xlim=(0, 1), xlabel="held-out accuracy")
fig.tight_layout()
fig.savefig("categorical_features.png", dpi=80)
