"""Data-parallel fit under torchrun: two CPU processes (gloo, loopback)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from distributed_worker import (
    classifier,
    data,
    regressor,
    step_targets,
    timestep,
    weights,
)

import sklearn_rnn

pytestmark = pytest.mark.distributed

WORKER = Path(__file__).with_name("distributed_worker.py")
ROOT = WORKER.parent.parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(out, timeout=120):
    """Run the worker on 2 processes; the finished process (a hang raises
    ``subprocess.TimeoutExpired``)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    env.pop("SKLEARN_RNN_DISTRIBUTED_PID", None)
    if Path("/sys/class/net/lo").exists():  # gloo on the loopback only
        env["GLOO_SOCKET_IFNAME"] = "lo"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node=2",
        "--master-addr=127.0.0.1",
        f"--master-port={_free_port()}",
        str(WORKER),
        str(out),
    ]
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    return out, torchrun(out)


@pytest.fixture(scope="module")
def ranks(job):
    out, done = job
    files = [out / f"rank{r}.npz" for r in range(2)]
    assert all(f.exists() for f in files), done.stderr[-3000:]
    return out, [dict(np.load(f)) for f in files]


def test_every_process_ends_with_the_same_model(ranks):
    _, (a, b) = ranks
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_matches_one_process_on_the_same_global_batches(ranks):
    _, (rank0, _) = ranks
    X, y, _, _ = data()
    one = regressor(random_state=0).fit(X, y)  # rank 0's random_state wins
    for key, value in weights(one).items():
        np.testing.assert_allclose(rank0[f"reg.{key}"], value, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rank0["loss_curve"], one.loss_curve_, rtol=1e-5)
    assert rank0["n_iter"] == one.n_iter_ == 4
    per_step = timestep(random_state=20).fit(X, step_targets(X))
    for key, value in weights(per_step).items():
        np.testing.assert_allclose(rank0[f"steps.{key}"], value, rtol=1e-4, atol=1e-5)


def test_early_stopping_stops_every_process_at_the_same_epoch(ranks):
    _, (a, b) = ranks
    _, _, X3, labels = data()
    one = classifier(random_state=10).fit(X3, labels)
    assert a["clf_n_iter"] == b["clf_n_iter"] == one.n_iter_ == 3
    np.testing.assert_allclose(a["clf_scores"], one.validation_scores_)


def test_saved_model_predicts_in_a_plain_process(ranks):
    out, (rank0, _) = ranks
    model = sklearn_rnn.load(out / "model.zip")
    assert type(model.module_).__name__ == "RecurrentNet"  # no wrapper left
    X, _, _, _ = data()
    np.testing.assert_allclose(model.predict(X), rank0["predict"], rtol=1e-6)


def test_what_a_distributed_job_cannot_do_is_refused(ranks):
    out, _ = ranks
    for rank in range(2):
        refused = (out / f"refused{rank}.txt").read_text()
        assert "partial_fit cannot run" in refused
        assert "n_estimators > 1 is not supported" in refused
        assert "training batches of at least 2 sequences" in refused
        assert "runs in each process's main thread" in refused


def test_a_worker_process_of_a_distributed_job_refuses_to_fit(monkeypatch):
    # What a search's n_jobs worker inherits from a torchrun process.
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("SKLEARN_RNN_DISTRIBUTED_PID", str(os.getpid() + 1))
    X, y, _, _ = data(n=8)
    with pytest.raises(RuntimeError, match="worker process of a distributed"):
        regressor(0).fit(X, y)


def test_a_failing_process_ends_the_job_with_an_error(job):
    out, done = job  # the last fit of the job fails on rank 1
    assert done.returncode != 0
    assert "planted failure on rank 1" in done.stderr + done.stdout
    assert not list(out.glob("finished*"))
