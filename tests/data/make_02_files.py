"""Write the files of tests/data/0.2 with sklearn-rnn 0.2 (not run by the tests).

Usage, from the repository root::

    git archive 39ebc6e | tar -x -C /tmp/sk02   # 0.2, the commit of its tag
    python tests/data/make_02_files.py /tmp/sk02

It saves, with 0.2's own ``save``, a regressor with a convolution that reads
blocks of two steps, the classifier at 0.2's defaults (but 4 hidden units and
5 epochs, to keep the file small) and a ``SequenceScaler`` pipeline, and beside
them ``predictions.npz``: fixed inputs and what 0.2 predicted for them.
"""

import sys
from pathlib import Path

sys.path.insert(0, sys.argv[1])  # 0.2 before any installed sklearn_rnn

import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

import sklearn_rnn  # noqa: E402
from sklearn_rnn import RNNClassifier, RNNRegressor, save  # noqa: E402
from sklearn_rnn.preprocessing import SequenceScaler  # noqa: E402

assert sklearn_rnn.__version__ == "0.2.0.dev0", sklearn_rnn.__file__
folder = Path(__file__).parent / "0.2"
rng = np.random.RandomState(0)
X = rng.normal(size=(24, 16, 2)).astype(np.float32)
y = X[:, -4:, 0].mean(axis=1) + 0.1 * rng.normal(size=24)
labels = np.where(X[:, :, 1].mean(axis=1) > 0, "up", "down")
small = {"hidden_size": 4, "max_iter": 5, "random_state": 0}
models = {
    "regressor_conv": RNNRegressor(conv_filters=(3,), downsample=2, **small),
    "classifier": RNNClassifier(**small),
    "scaler_pipeline": make_pipeline(
        SequenceScaler(method="robust"), RNNRegressor(**small)
    ),
}
predictions = {"X": X}
for name, model in models.items():
    model.fit(X, labels if name == "classifier" else y)
    save(model, folder / f"{name}.zip")
    predictions[name] = model.predict(X)
predictions["classifier_proba"] = models["classifier"].predict_proba(X)
np.savez(folder / "predictions.npz", **predictions)
