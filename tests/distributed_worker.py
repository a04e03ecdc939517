"""One process of the distributed fits of tests/test_distributed.py.

Started by ``torchrun --nproc-per-node 2`` with an output folder: fits on the
process group that ``fit`` itself initialises from torchrun's variables, each
rank with its own ``random_state`` (rank 0's must win), and writes every
rank's weights and curves there; then fits again with rank 1 failing in the
second epoch, which must end the whole job (one launch: starting Python,
torch and the package twice per process takes most of the test's time).
"""

import sys


def data(n=48, seed=0):
    """The same ragged regression data and equal-length classes on every rank."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 9, size=n)
    X = [rng.normal(size=(k, 2)).astype(np.float32) for k in lengths]
    y = np.array([x[:, 0].sum() for x in X])
    X3 = rng.normal(size=(n, 5, 2)).astype(np.float32)
    labels = np.where(X3[:, :, 0].mean(axis=1) > 0, "up", "down")
    return X, y, X3, labels


def regressor(random_state):
    from sklearn_rnn import RNNRegressor

    return RNNRegressor(
        hidden_size=8,
        max_iter=4,
        batch_size=16,
        early_stopping=False,
        n_iter_no_change=None,
        alpha=1e-3,
        n_threads=1,
        random_state=random_state,
    )


def timestep(random_state):
    from sklearn_rnn import RNNTimestepRegressor

    # Per-step losses: a shard's share of a batch is one of its steps.
    return RNNTimestepRegressor(
        hidden_size=4,
        max_iter=3,
        batch_size=12,
        early_stopping=False,
        n_iter_no_change=None,
        n_threads=1,
        random_state=random_state,
    )


def step_targets(X):
    import numpy as np

    return [np.cumsum(x[:, 0]) for x in X]


def classifier(random_state):
    from sklearn_rnn import RNNClassifier

    # tol so large that no epoch counts as progress: the stop comes after
    # n_iter_no_change + 1 epochs, decided on the validation scores.
    return RNNClassifier(
        hidden_size=4,
        max_iter=20,
        batch_size=8,
        early_stopping=True,
        n_iter_no_change=2,
        tol=10.0,
        n_threads=1,
        random_state=random_state,
    )


def weights(est):
    return {k: v.detach().numpy() for k, v in est.module_.state_dict().items()}


def fit(out):
    import numpy as np
    import torch.distributed as dist

    import sklearn_rnn

    X, y, X3, labels = data()
    rank = int(__import__("os").environ["RANK"])
    reg = regressor(random_state=rank).fit(X, y)
    clf = classifier(random_state=10 + rank).fit(X3, labels)
    steps = timestep(random_state=20 + rank).fit(X, step_targets(X))
    assert dist.is_initialized()  # by fit, from torchrun's variables
    np.savez(
        f"{out}/rank{rank}.npz",
        loss_curve=reg.loss_curve_,
        n_iter=reg.n_iter_,
        clf_n_iter=clf.n_iter_,
        clf_scores=clf.validation_scores_,
        predict=reg.predict(X),
        **{f"reg.{k}": v for k, v in weights(reg).items()},
        **{f"clf.{k}": v for k, v in weights(clf).items()},
        **{f"steps.{k}": v for k, v in weights(steps).items()},
    )
    if rank == 0:
        sklearn_rnn.save(reg, f"{out}/model.zip")
    refused = []
    for call in (
        lambda: reg.partial_fit(X, y),
        lambda: regressor(0).set_params(n_estimators=2).fit(X, y),
        lambda: regressor(0).set_params(batch_size=1).fit(X[:3], y[:3]),
        lambda: in_a_thread(lambda: regressor(0).fit(X, y)),
    ):
        try:
            call()
        except (RuntimeError, ValueError) as exc:
            refused.append(str(exc))
    open(f"{out}/refused{rank}.txt", "w").write("\n".join(refused))


def in_a_thread(call):
    """``call()`` in another thread (as joblib's threading backend runs it),
    its exception raised here."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def fail(out):
    import os

    import torch.distributed as dist
    from skorch.callbacks import Callback

    class FailOnRank1(Callback):
        def on_epoch_end(self, net, **kwargs):
            if dist.get_rank() == 1 and len(net.history) == 2:
                raise RuntimeError("planted failure on rank 1")

    X, y, _, _ = data()
    est = regressor(random_state=0).set_params(max_iter=50, callbacks=[FailOnRank1()])
    est.fit(X, y)
    open(os.path.join(out, f"finished{dist.get_rank()}"), "w").close()


if __name__ == "__main__":
    fit(sys.argv[1])
    fail(sys.argv[1])
