"""
Categorical and high-dimensional sequences
==========================================

An RNN reads numbers. A categorical value at each step (an event type, a
product, a word) is best given as an integer code and declared with
``categorical_features``: the network learns an embedding of each category
(a short dense vector, see ``embedding_dim``) inside the pipeline, and a code
it never saw in training is read as "unknown" instead of raising. One-hot
columns are the alternative; with a thousand categories they make every step
a thousand numbers wide (see ``benchmarks/README.md`` for the time and memory
that costs). Many numeric features per step are read as they are: the input
layer of the recurrence is one dense projection of all features of a step.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequencePadder

rng = np.random.RandomState(0)
EVENTS = ["browse", "search", "cart", "pay", "leave"]

# %%
# Sessions of 5 to 25 steps. Each step holds the event type (a code 0-4) and
# the time since the previous step. A session is a purchase (1) when 'pay'
# comes after 'cart' -- the same events in the other order are not.
sessions, y = [], []
for _ in range(400):
    n = rng.randint(5, 26)
    events = rng.choice([0, 1, 4], size=n)
    first, second = np.sort(rng.choice(n, size=2, replace=False))
    bought = rng.uniform() < 0.5
    events[first], events[second] = (2, 3) if bought else (3, 2)
    minutes = rng.exponential(1.0, size=n)
    sessions.append(np.column_stack([events, minutes]))
    y.append(int(bought))
y = np.array(y)
X_train, X_test, y_train, y_test = train_test_split(sessions, y, random_state=0)
params = dict(hidden_size=16, learning_rate_init=0.01, max_iter=20, random_state=0)

# %%
# Codes in, embeddings learned inside the pipeline: column 0 is categorical,
# column 1 numeric. An event type never seen in training would be read as
# "unknown" at prediction time.
pipe = make_pipeline(
    SequencePadder(maxlen=25),
    RNNClassifier(categorical_features=[0], **params),
)
scores = {
    "codes + categorical_features": pipe.fit(X_train, y_train).score(X_test, y_test)
}
clf = pipe[-1]
print("categories learned:", clf.categories_[0])
print("embedding width:", clf.module_.embedding.embeddings[0].embedding_dim)

# %%
# The same codes read as plain numbers: the network sees 'pay' (3) as three
# times 'search' (1), which means nothing.
plain = RNNClassifier(**params).fit(X_train, y_train)
scores["codes as numbers"] = plain.score(X_test, y_test)


# %%
# One-hot columns for the event type, made outside the pipeline: 5 columns
# here, but one per category -- a thousand products would make every step a
# thousand numbers wide.
def one_hot(x):
    return np.column_stack([np.eye(len(EVENTS))[x[:, 0].astype(int)], x[:, 1]])


onehot = RNNClassifier(**params).fit([one_hot(x) for x in X_train], y_train)
scores["one-hot event type"] = onehot.score([one_hot(x) for x in X_test], y_test)

# %%
# High-dimensional steps: the sessions as 200 noisy numeric features per step
# (a dense code of each event, as a pretrained embedding or a sensor array
# would give), read as they are.
codes = rng.normal(size=(len(EVENTS), 200))
wide = [
    codes[x[:, 0].astype(int)] + 0.5 * rng.normal(size=(len(x), 200)) for x in sessions
]
W_train, W_test = train_test_split(wide, random_state=0)
scores["dense, 200 features"] = (
    RNNClassifier(**params).fit(W_train, y_train).score(W_test, y_test)
)
for name, score in scores.items():
    print(f"{name}: accuracy {score:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(scores), list(scores.values()))
ax.set(xlim=(0, 1), xlabel="held-out accuracy")
fig.tight_layout()
fig.savefig("categorical_features.png", dpi=80)
