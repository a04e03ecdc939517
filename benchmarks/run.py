"""sklearn-rnn against a hand-written PyTorch loop, skorch and Keras, side by side.

Every implementation trains the same architecture (cell, hidden size, a linear
head on the last real step), with Adam at lr=1e-3, the same batch size and
epochs, on the same seeded float32 data. Runs are interleaved (the order
rotates each repeat) and the medians of the repeats after one warm-up are
reported as ratios to the fastest row, so the machine's drift cancels out.

    python benchmarks/run.py                 # every workload, 3 repeats
    python benchmarks/run.py --workloads W3 --repeats 5 --threads 2
    python benchmarks/run.py --workloads W3 --rows "hand-written" "sklearn-rnn"

Keras rows need ``pip install keras`` (the ``benchmark`` extra); without it
they are skipped.
"""

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import skorch  # noqa: E402
import torch  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score  # noqa: E402
from torch import nn  # noqa: E402

import sklearn_rnn  # noqa: E402
from sklearn_rnn import (  # noqa: E402
    RNNClassifier,
    RNNRegressor,
    RNNTimestepRegressor,
)
from sklearn_rnn.datasets import make_sequence_classification  # noqa: E402

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


# -- workloads ----------------------------------------------------------------------


def _fixed(n, steps, features, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, features)).astype(np.float32)
    y = X[:, -3:, 0].sum(1) - X[:, :3, 1].sum(1) + 0.5 * X[:, steps // 2, 2]
    return X, y.astype(np.float32)


def _ragged(n, seed):
    X, y = make_sequence_classification(
        n, n_features=8, n_classes=5, min_length=10, max_length=200, random_state=seed
    )
    return [x.astype(np.float32) for x in X], y


WORKLOADS = {
    "W1": dict(
        title="W1 fixed length: 20,000 x 50 x 8 regression, LSTM(64), batch 64, "
        "2 epochs; predict 20,000",
        task="regression",
        cell="lstm",
        hidden=64,
        batch=64,
        epochs=2,
        fits=1,
        data=lambda seed: _fixed(20000, 50, 8, seed),
    ),
    "W2": dict(
        title="W2 ragged: 10,000 sequences of 10-200 steps x 8, 5 classes, GRU(64), "
        "batch 64, 2 epochs; predict 10,000",
        task="classification",
        cell="gru",
        hidden=64,
        batch=64,
        epochs=2,
        fits=1,
        data=lambda seed: _ragged(10000, seed),
    ),
    "W3": dict(
        title="W3 many small fits: 500 x 30 x 4 regression, LSTM(32), batch 32, "
        "30 epochs, 4 fits",
        task="regression",
        cell="lstm",
        hidden=32,
        batch=32,
        epochs=30,
        fits=4,
        data=lambda seed: _fixed(500, 30, 4, seed),
    ),
}


def _padded(X):
    """Zero-padded tensor and lengths from an array or a list of sequences."""
    if isinstance(X, np.ndarray):
        return torch.from_numpy(X), torch.full((len(X),), X.shape[1])
    lengths = torch.tensor([len(x) for x in X])
    out = torch.zeros(len(X), int(lengths.max()), X[0].shape[1])
    for row, x in zip(out, X):
        row[: len(x)] = torch.from_numpy(x)
    return out, lengths


# -- implementations ----------------------------------------------------------------


class LastStepNet(nn.Module):
    """The architecture every row trains: a recurrence read at the last real step."""

    def __init__(self, cell, input_size, hidden, n_out):
        super().__init__()
        self.rnn = CELLS[cell](input_size, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x, lengths=None):
        out = self.rnn(x)[0]
        if lengths is None:
            return self.head(out[:, -1])
        return self.head(out[torch.arange(len(x)), lengths - 1])


class HandLoop:
    """The practical limit: pre-built tensors, length-grouped batches, no DataLoader."""

    name = "hand-written PyTorch loop"

    def _setup(self, w, X, y, seed, fused=False):
        """Tensors, model, optimizer, loss and generator of one fit."""
        torch.manual_seed(seed)
        x, lengths = _padded(X)
        classify = w["task"] == "classification"
        target = (
            torch.from_numpy(y).long() if classify else torch.from_numpy(y)[:, None]
        )
        n_out = int(y.max()) + 1 if classify else 1
        self.model = LastStepNet(w["cell"], x.shape[2], w["hidden"], n_out)
        optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, fused=fused)
        loss_fn = nn.CrossEntropyLoss() if classify else nn.MSELoss()
        generator = torch.Generator().manual_seed(seed)
        return x, lengths, target, optimizer, loss_fn, generator

    def fit(self, w, X, y, seed):
        x, lengths, target, optimizer, loss_fn, generator = self._setup(w, X, y, seed)
        ragged = lengths.min() != lengths.max()
        grouped = _length_batches(lengths, w["batch"])
        self.model.train()
        for _ in range(w["epochs"]):
            total = 0.0
            if ragged:  # batches of similar length, in a new order each epoch
                order = torch.randperm(len(grouped), generator=generator)
                batches = [grouped[b] for b in order.tolist()]
            else:
                batches = torch.randperm(len(x), generator=generator).split(w["batch"])
            for index in batches:
                longest = int(lengths[index].max())
                optimizer.zero_grad()
                out = self.model(x[index, :longest], lengths[index])
                loss = loss_fn(out, target[index])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(index)
            self.loss = total / len(x)
        return self

    def predict(self, X):
        x, lengths = _padded(X)
        self.model.eval()
        outputs = torch.empty(len(x), self.model.head.out_features)
        with torch.inference_mode():
            for index in _length_batches(lengths, 256):
                longest = int(lengths[index].max())
                outputs[index] = self.model(x[index, :longest], lengths[index])
        if self.model.head.out_features > 1:
            return outputs.argmax(1).numpy()
        return outputs[:, 0].numpy()


class TightHandLoop(HandLoop):
    """The tightest loop we could write: for fixed-length data the shuffled
    data are gathered once per epoch and sliced as views, the epoch loss is
    accumulated as a tensor (no ``.item()`` per batch), Adam is fused."""

    name = "hand-written loop, tight"

    def fit(self, w, X, y, seed):
        x, lengths, target, optimizer, loss_fn, generator = self._setup(
            w, X, y, seed, fused=True
        )
        fixed = bool(lengths.min() == lengths.max())
        grouped = _length_batches(lengths, w["batch"])
        self.model.train()
        for _ in range(w["epochs"]):
            total = torch.zeros(())
            if fixed:
                order = torch.randperm(len(x), generator=generator)
                xs, ts = x[order], target[order]  # one gather per epoch
                batches = [
                    (xs[i : i + w["batch"]], ts[i : i + w["batch"]], None)
                    for i in range(0, len(x), w["batch"])
                ]
            else:
                order = torch.randperm(len(grouped), generator=generator).tolist()
                batches = []
                for b in order:
                    index = grouped[b]
                    longest = int(lengths[index].max())
                    batches.append((x[index, :longest], target[index], lengths[index]))
            for xb, tb, lb in batches:
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(self.model(xb, lb), tb)
                loss.backward()
                optimizer.step()
                total += loss.detach() * len(xb)
            self.loss = float(total) / len(x)
        return self

    def predict(self, X):
        x, lengths = _padded(X)
        self.model.eval()
        n_out = self.model.head.out_features
        with torch.inference_mode():
            if bool(lengths.min() == lengths.max()):
                outputs = torch.cat([self.model(b) for b in x.split(256)])
            else:
                outputs = torch.empty(len(x), n_out)
                for index in _length_batches(lengths, 256):
                    longest = int(lengths[index].max())
                    outputs[index] = self.model(x[index, :longest], lengths[index])
        return outputs.argmax(1).numpy() if n_out > 1 else outputs[:, 0].numpy()


def _length_batches(lengths, size):
    order = torch.argsort(lengths, stable=True)
    return list(torch.split(order, size))


class Ours:
    """sklearn-rnn with its defaults for the given architecture."""

    def __init__(self, activation="tanh", dtype=np.float32, n_threads="auto"):
        self.activation = activation
        self.dtype = dtype
        self.n_threads = n_threads
        self.name = "sklearn-rnn" + (
            "" if activation == "tanh" else f" (activation='{activation}')"
        )
        if dtype != np.float32:
            self.name += f", {np.dtype(dtype).name} input"
        if n_threads != "auto":
            self.name += f", n_threads={n_threads}"
        self._converted = {}

    def _input(self, X):
        """X in ``dtype``, converted once, outside the timings (as a user's
        data would already be)."""
        if self.dtype == np.float32:
            return X
        key = id(X)
        if key not in self._converted:
            self._converted[key] = (
                X.astype(self.dtype)
                if isinstance(X, np.ndarray)
                else [x.astype(self.dtype) for x in X]
            )
        return self._converted[key]

    def prepare(self, X):
        self._input(X)

    def fit(self, w, X, y, seed):
        Est = RNNClassifier if w["task"] == "classification" else RNNRegressor
        self.model = Est(
            cell=w["cell"],
            hidden_size=w["hidden"],
            activation=self.activation,
            batch_size=w["batch"],
            max_iter=w["epochs"],
            alpha=0.0,
            # The architecture and training of the other rows: the last step
            # read by a linear head, Adam at 1e-3, every epoch run.
            pooling="last",
            conv_filters=0,
            learning_rate_init=1e-3,
            n_iter_no_change=w["epochs"],
            early_stopping=False,  # the other rows train on every sequence
            average_decay=0.0,  # ... and keep their last epoch's weights
            n_threads=self.n_threads,
            random_state=seed,
        )
        if Est is RNNRegressor:
            self.model.set_params(normalize_y=False)
        self.model.fit(self._input(X), y)
        self.loss = self.model.loss_curve_[-1]
        return self

    def predict(self, X):
        return self.model.predict(self._input(X))


class SkorchAsDocumented:
    """skorch's NeuralNet* with its DataLoader; ragged data padded to the longest."""

    name = "skorch (as documented)"

    def fit(self, w, X, y, seed):
        from skorch import NeuralNetClassifier, NeuralNetRegressor

        torch.manual_seed(seed)
        classify = w["task"] == "classification"
        x, target = self._inputs(X), y if classify else y[:, None]
        first = x["x"] if isinstance(x, dict) else x
        n_out = int(y.max()) + 1 if classify else 1
        Net = NeuralNetClassifier if classify else NeuralNetRegressor
        self.net = Net(
            LastStepNet,
            module__cell=w["cell"],
            module__input_size=first.shape[2],
            module__hidden=w["hidden"],
            module__n_out=n_out,
            criterion=nn.CrossEntropyLoss if classify else nn.MSELoss,
            optimizer=torch.optim.Adam,
            lr=1e-3,
            max_epochs=w["epochs"],
            batch_size=w["batch"],
            iterator_train__shuffle=True,
            train_split=None,
            verbose=0,
        )
        self.net.fit(x, target)
        self.loss = self.net.history[-1, "train_loss"]
        return self

    @staticmethod
    def _inputs(X):
        if isinstance(X, np.ndarray):
            return X
        x, lengths = _padded(X)
        return {"x": x.numpy(), "lengths": lengths.numpy()}

    def predict(self, X):
        out = self.net.predict(self._inputs(X))
        return out if out.ndim == 1 else out[:, 0]


class KerasTorchBackend:
    """Keras 3 on the torch backend; ragged data padded with a Masking layer."""

    def __init__(self, activation="tanh"):
        self.activation = activation
        self.name = "Keras 3 (torch backend)" + (
            "" if activation == "tanh" else f" (activation='{activation}')"
        )

    def fit(self, w, X, y, seed):
        import keras

        keras.utils.set_random_seed(seed)
        classify = w["task"] == "classification"
        x = self._inputs(X)
        layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[w["cell"]]
        self.model = keras.Sequential(
            [keras.Input(x.shape[1:])]
            + ([] if isinstance(X, np.ndarray) else [keras.layers.Masking(0.0)])
            + [
                layer(w["hidden"], activation=self.activation),
                keras.layers.Dense(int(y.max()) + 1 if classify else 1),
            ]
        )
        loss = (
            keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            if classify
            else "mse"
        )
        self.model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
        history = self.model.fit(
            x, y, epochs=w["epochs"], batch_size=w["batch"], verbose=0
        )
        self.loss = history.history["loss"][-1]
        self.classify = classify
        return self

    @staticmethod
    def _inputs(X):
        return X if isinstance(X, np.ndarray) else _padded(X)[0].numpy()

    def predict(self, X):
        out = self.model.predict(self._inputs(X), batch_size=256, verbose=0)
        return out.argmax(1) if self.classify else out[:, 0]


def implementations(workload):
    if workload in FEATURE_WORKLOADS:
        return FEATURE_WORKLOADS[workload]["implementations"]()
    impls = [HandLoop(), TightHandLoop(), Ours(), SkorchAsDocumented()]
    if workload in ("W1", "W2"):
        impls.append(Ours(dtype=np.float64))
    if workload in ("W1", "W3"):
        impls.append(Ours(activation="relu"))
    try:
        import keras  # noqa: F401

        impls.append(KerasTorchBackend())
        if workload in ("W1", "W3"):
            impls.append(KerasTorchBackend(activation="relu"))
    except ImportError:
        print("keras is not installed: Keras rows skipped", file=sys.stderr)
    return impls


# -- the features of 0.2, each against a hand-written loop with the same ----------
# -- architecture -------------------------------------------------------------------


def _tokens(n, seed, vocabulary=1000, steps=50):
    """Token ids (one categorical feature) and a label: whether at least two
    of 30 marked tokens occur (44% of the sequences)."""
    rng = np.random.RandomState(seed)
    X = rng.randint(vocabulary, size=(n, steps))
    y = ((X < 30).sum(axis=1) >= 2).astype(np.int64)
    return X.astype(np.float32)[:, :, None], y


def _per_step(n, seed, steps=50):
    """A running mean of the first feature at every step: per-step targets."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps, 8)).astype(np.float32)
    y = np.cumsum(X[:, :, 0], axis=1) / np.arange(1, steps + 1)
    return X, y.astype(np.float32)


class FeatureNet(nn.Module):
    """GRU with an optional embedding of feature 0, pooled by 'last' or 'max',
    or read at every step."""

    def __init__(self, input_size, hidden, n_out, pooling, embed=None):
        super().__init__()
        self.embed = None if embed is None else nn.Embedding(embed[0], embed[1])
        size = input_size if embed is None else embed[1]
        self.rnn = nn.GRU(size, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_out)
        self.pooling = pooling

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x[:, :, 0].long())
        out = self.rnn(x)[0]
        if self.pooling == "step":
            return self.head(out)
        return self.head(out.amax(1) if self.pooling == "max" else out[:, -1])


class FeatureHandLoop:
    """The hand-written loop for fixed-length data, with ``FeatureNet``."""

    def __init__(self, pooling="last", embed=None):
        self.pooling, self.embed = pooling, embed
        self.name = f"hand-written loop (pooling={pooling!r})" + (
            ", nn.Embedding" if embed else ""
        )

    def fit(self, w, X, y, seed):
        torch.manual_seed(seed)
        x = torch.from_numpy(X)
        classify = w["task"] == "classification"
        target = torch.from_numpy(y).long() if classify else torch.from_numpy(y)
        if w["task"] == "regression":
            target = target[:, None]
        n_out = int(y.max()) + 1 if classify else 1
        self.model = FeatureNet(
            x.shape[2], w["hidden"], n_out, self.pooling, self.embed
        )
        optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, fused=True)
        loss_fn = nn.CrossEntropyLoss() if classify else nn.MSELoss()
        generator = torch.Generator().manual_seed(seed)
        self.model.train()
        for _ in range(w["epochs"]):
            total = torch.zeros(())
            for index in torch.randperm(len(x), generator=generator).split(w["batch"]):
                optimizer.zero_grad(set_to_none=True)
                out = self.model(x[index])
                if self.pooling == "step":
                    out = out[:, :, 0]
                loss = loss_fn(out, target[index])
                loss.backward()
                optimizer.step()
                total += loss.detach() * len(index)
            self.loss = float(total) / len(x)
        return self

    def predict(self, X):
        self.model.eval()
        with torch.inference_mode():
            out = torch.cat([self.model(b) for b in torch.from_numpy(X).split(256)])
        if self.pooling == "step":
            return out[:, :, 0].numpy()
        return out.argmax(1).numpy() if out.shape[-1] > 1 else out[:, 0].numpy()


class OursWith(Ours):
    """sklearn-rnn with the other rows' training settings and ``params``."""

    def __init__(self, label, Est, **params):
        super().__init__()
        self.name, self.Est, self.params = f"sklearn-rnn, {label}", Est, params

    def fit(self, w, X, y, seed):
        self.model = self.Est(
            cell=w["cell"],
            hidden_size=w["hidden"],
            batch_size=w["batch"],
            max_iter=w["epochs"],
            alpha=0.0,
            learning_rate_init=1e-3,
            n_iter_no_change=w["epochs"],
            early_stopping=False,
            average_decay=0.0,
            random_state=seed,
            **self.params,
        )
        self.model.fit(X, y)
        self.loss = self.model.loss_curve_[-1]
        return self


def _feature_rows_pooling():
    base = dict(conv_filters=0, normalize_y=False)
    return [
        FeatureHandLoop("last"),
        FeatureHandLoop("max"),
        OursWith("pooling='last'", RNNRegressor, pooling="last", **base),
        OursWith("pooling='max'", RNNRegressor, pooling="max", **base),
        OursWith("pooling='mean'", RNNRegressor, pooling="mean", **base),
        OursWith("pooling='attention'", RNNRegressor, pooling="attention", **base),
        OursWith(
            "conv_filters=(64, 64), downsample='auto' (4)",
            RNNRegressor,
            pooling="max",
            conv_filters=(64, 64),
            normalize_y=False,
        ),
        OursWith(
            "downsample=4 (block means)",
            RNNRegressor,
            pooling="max",
            downsample=4,
            **base,
        ),
    ]


def _feature_rows_embedding():
    return [
        FeatureHandLoop("last", embed=(1001, 50)),
        OursWith(
            "categorical_features=[0], embedding_dim=50",
            RNNClassifier,
            pooling="last",
            categorical_features=[0],
            embedding_dim=50,
        ),
    ]


def _feature_rows_timestep():
    return [
        FeatureHandLoop("step"),
        OursWith("RNNTimestepRegressor", RNNTimestepRegressor, normalize_y=False),
    ]


def _feature_rows_ensemble():
    base = dict(pooling="max", conv_filters=0, normalize_y=False)
    return [
        FeatureHandLoop("max"),
        OursWith("n_estimators=1", RNNRegressor, **base),
        OursWith("n_estimators=5", RNNRegressor, n_estimators=5, **base),
    ]


# The training settings W4-W7 share.
_GRU64 = dict(cell="gru", hidden=64, batch=64, epochs=2, fits=1)
FEATURE_WORKLOADS = {
    "W4": dict(
        title="W4 pooling and the long-sequence front-end: 5,000 x 200 x 8 "
        "regression, GRU(64), batch 64, 2 epochs; predict 5,000",
        task="regression",
        **_GRU64,
        data=lambda seed: _fixed(5000, 200, 8, seed),
        implementations=_feature_rows_pooling,
    ),
    "W5": dict(
        title="W5 embeddings: 10,000 sequences of 50 token ids (1,000 categories), "
        "2 classes, GRU(64), batch 64, 2 epochs; predict 10,000",
        task="classification",
        **_GRU64,
        data=lambda seed: _tokens(10000, seed),
        implementations=_feature_rows_embedding,
    ),
    "W6": dict(
        title="W6 one output per step: 10,000 x 50 x 8, a target at every step, "
        "GRU(64), batch 64, 2 epochs; predict 10,000",
        task="per_step",
        **_GRU64,
        data=lambda seed: _per_step(10000, seed),
        implementations=_feature_rows_timestep,
    ),
    "W7": dict(
        title="W7 ensembles: 5,000 x 50 x 8 regression, GRU(64), batch 64, 2 "
        "epochs, one network or five in one fit; predict 5,000",
        task="regression",
        **_GRU64,
        data=lambda seed: _fixed(5000, 50, 8, seed),
        implementations=_feature_rows_ensemble,
    ),
}
WORKLOADS.update(FEATURE_WORKLOADS)


# -- measuring ----------------------------------------------------------------------


class PeakRSS:
    """Sample the resident set size in a thread; report the peak above the start."""

    def __enter__(self):
        self.start = self.peak = self._rss()
        self._running = True
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while self._running:
            self.peak = max(self.peak, self._rss())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    @property
    def extra(self):
        return self.peak - self.start


def run_workload(key, repeats, rows=None):
    w = WORKLOADS[key]
    X, y = w["data"](0)
    X_test, y_test = w["data"](1)
    impls = implementations(key)
    if rows:
        impls = [impl for impl in impls if any(row in impl.name for row in rows)]
    results = {impl.name: {"fit": [], "predict": []} for impl in impls}
    for repeat in range(repeats + 1):
        shift = repeat % len(impls)
        for impl in impls[shift:] + impls[:shift]:
            record = results[impl.name]
            fit_time = 0.0
            for fit in range(w["fits"]):
                start = time.perf_counter()
                impl.fit(w, X, y, seed=fit)
                fit_time += time.perf_counter() - start
            start = time.perf_counter()
            impl.predict(X)
            predict_time = time.perf_counter() - start
            if repeat == 0:
                continue  # warm-up
            record["fit"].append(fit_time)
            record["predict"].append(predict_time)
            record["loss"] = impl.loss
            pred = impl.predict(X_test)
            record["score"] = (
                accuracy_score(y_test, pred)
                if w["task"] == "classification"
                else r2_score(np.ravel(y_test), np.ravel(pred))
            )
            print(
                f"{key} {impl.name}: fit {fit_time:.2f}s predict {predict_time:.2f}s",
                file=sys.stderr,
                flush=True,
            )
    for name, record in results.items():
        record["mem"], record["predict_mem"] = _memory_in_fresh_process(key, name)
    return w, results, len(y)


def _memory_in_fresh_process(key, name):
    """Peak extra RSS of one fit and of one predict, in a process of its own
    (see measure_memory)."""
    out = subprocess.run(
        [sys.executable, __file__, "--memory-of", key, name],
        capture_output=True,
        text=True,
        check=True,
    )
    fit, predict = out.stdout.split()[-2:]
    return float(fit), float(predict)


def measure_memory(key, name):
    """Print the peak RSS above its level before ``fit``, then before
    ``predict`` on the training X, as multiples of X's size.

    A fresh process, with libraries loaded by a small warm-up fit first, so the
    number is the fit's own data and model memory, not reused pages.
    """
    w = WORKLOADS[key]
    X, y = w["data"](0)
    nbytes = X.nbytes if isinstance(X, np.ndarray) else sum(x.nbytes for x in X)
    impl = next(i for i in implementations(key) if i.name == name)
    impl.fit(dict(w, epochs=1), X[:64], y[:64], seed=0)
    impl = next(i for i in implementations(key) if i.name == name)
    if hasattr(impl, "prepare"):  # the user's data in the row's dtype, before
        impl.prepare(X)
    gc.collect()
    with PeakRSS() as rss:
        impl.fit(w, X, y, seed=0)
    gc.collect()
    with PeakRSS() as predict_rss:
        impl.predict(X)
    print(rss.extra / nbytes, predict_rss.extra / nbytes)


def table(w, results, n_predict):
    fit = {k: statistics.median(v["fit"]) for k, v in results.items()}
    pred = {k: statistics.median(v["predict"]) for k, v in results.items()}
    best_fit, best_pred = min(fit.values()), min(pred.values())
    score = "accuracy" if w["task"] == "classification" else "R²"
    lines = [
        f"### {w['title']}",
        "",
        f"| implementation | fit (s) | fit ratio | predict (s) | predict ratio | "
        f"predict (seq/s) | peak extra RSS in fit (x X float32) | "
        f"in predict | final train loss | test {score} |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k, v in results.items():
        lines.append(
            f"| {k} | {fit[k]:.2f} | {fit[k] / best_fit:.2f} | {pred[k]:.2f} | "
            f"{pred[k] / best_pred:.2f} | {n_predict / pred[k]:,.0f} | "
            f"{v['mem']:.2f} | {v['predict_mem']:.2f} | {v['loss']:.4f} | "
            f"{v['score']:.3f} |"
        )
    return "\n".join(lines)


def header(threads, repeats):
    try:
        import keras

        keras_version = keras.__version__
    except ImportError:
        keras_version = "not installed"
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; torch {torch.__version__} with "
        f"{threads or f'its default {torch.get_num_threads()}'} thread(s), "
        f"load average {os.getloadavg()[0]:.2f} at the start; sklearn-rnn "
        f"{sklearn_rnn.__version__}, scikit-learn "
        f"{sklearn.__version__}, skorch {skorch.__version__}, Keras {keras_version}. "
        f"Medians of {repeats} interleaved repeats after one warm-up; ratios are to "
        f"the fastest row of each column."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; 0 leaves torch's default (what a new user has)",
    )
    parser.add_argument(
        "--rows", nargs="+", help="only the rows whose name contains one of these"
    )
    parser.add_argument("--output", help="also write the tables to this file")
    parser.add_argument("--memory-of", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    if args.memory_of:
        return measure_memory(*args.memory_of)
    parts = [header(args.threads, args.repeats)]
    for key in args.workloads:
        parts.append(table(*run_workload(key, args.repeats, args.rows)))
        print(parts[-1], flush=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
