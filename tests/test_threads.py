"""n_threads: torch's thread count per fit and prediction, restored afterwards."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import INVARIANCE_ATOL, TINY, ragged
from skorch.callbacks import Callback

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._training import _runtime, _threads


class _RecordThreads(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("threads", torch.get_num_threads())


@pytest.fixture
def two_threads():
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(1)


def test_fit_and_predict_use_n_threads_and_restore_the_callers_setting(two_threads):
    X, y, _ = ragged()
    reg = RNNRegressor(n_threads=1, callbacks=[_RecordThreads()], **TINY).fit(X, y)
    assert reg.history_[:, "threads"] == [1, 1, 1]
    assert torch.get_num_threads() == 2
    reg.predict(X)
    assert torch.get_num_threads() == 2
    # A failing fit restores it too.
    with pytest.raises(ValueError):
        reg.fit(X, y[:3])
    assert torch.get_num_threads() == 2


def test_auto_never_exceeds_the_callers_setting():
    X, y, _ = ragged()
    torch.set_num_threads(1)
    big = RNNRegressor(
        hidden_size=600, batch_size=64, max_iter=1, callbacks=[_RecordThreads()]
    ).fit(X, y)
    assert big.history_[:, "threads"] == [1]


@pytest.mark.parametrize(
    "rows, hidden, busy, cores, caller, expected",
    [
        (32, 32, 0.0, 2, 2, 1),  # little work: one thread
        (64, 128, 0.0, 2, 2, 2),  # enough work, idle machine
        (64, 128, 1.0, 2, 2, 1),  # another process keeps a core busy
        (256, 512, 0.0, 8, 8, 8),
        (256, 512, 3.2, 8, 8, 5),
        (256, 512, 0.0, 8, 3, 3),  # the caller's setting caps it
        (256, 512, 9.0, 8, 8, 1),
    ],
)
def test_auto_threads_follow_the_work_and_the_idle_cores(
    monkeypatch, rows, hidden, busy, cores, caller, expected
):
    monkeypatch.setattr(_threads, "_CORES", list(range(cores)))
    monkeypatch.setattr(_threads._busy, "others", lambda: busy)
    monkeypatch.setattr(_threads, "_caller_threads", lambda: caller)
    assert _threads.auto_threads(rows, 4, hidden, 8) == expected


def _fake_samples(monkeypatch, samples):
    """``_BusyCores._sample`` returns these (wall, busy CPU s, own CPU s)."""
    samples = iter(samples)
    monkeypatch.setattr(
        _threads._BusyCores, "_sample", staticmethod(lambda: next(samples))
    )


def test_busy_cores_are_measured_without_counting_this_process(monkeypatch):
    # Over 1 s the cores were busy 1.5 s, 1.2 s of it this process's own work.
    _fake_samples(monkeypatch, [(0.0, 10.0, 5.0), (1.0, 11.5, 6.2)])
    monkeypatch.setattr(_threads._BusyCores, "_load_average", staticmethod(lambda: 0.0))
    busy = _threads._BusyCores()
    assert busy.others() == 0.0  # no earlier sample: the load average
    assert busy.others() == pytest.approx(0.3)


def test_the_chooser_never_sleeps_on_the_call(monkeypatch):
    def no_sleep(seconds):
        raise AssertionError("slept on the call path")

    monkeypatch.setattr(_threads.time, "sleep", no_sleep)
    _fake_samples(monkeypatch, [(0.0, 10.0, 5.0), (100.0, 50.0, 6.0)])
    monkeypatch.setattr(_threads._BusyCores, "_load_average", staticmethod(lambda: 1.0))
    busy = _threads._BusyCores()
    assert busy.others() == 1.0  # no sample yet: the load average, no waiting
    assert busy.others() == 1.0  # the last sample is over a minute old: the same


def test_one_thread_is_chosen_without_sampling_the_machine(monkeypatch):
    monkeypatch.setattr(_threads._busy, "others", lambda: pytest.fail("sampled"))
    monkeypatch.setattr(_threads, "_caller_threads", lambda: 8)
    assert _threads.auto_threads(1, 4, 64, 8) == 1


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"cpu.max": "150000 100000\n"}, 2),
        ({"cpu.max": "max 100000\n"}, float("inf")),
        ({"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"}, 1),
        ({"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, 0),
        ({}, float("inf")),
    ],
)
def test_a_cgroup_cpu_quota_caps_the_threads(tmp_path, monkeypatch, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    quota = _threads.cpu_quota(tmp_path)
    assert quota == (float("inf") if expected == 0 else expected)
    # A container limited to 1 CPU on a 64-core host gets one thread.
    monkeypatch.setattr(_threads, "_CORES", list(range(64)))
    monkeypatch.setattr(_threads, "_QUOTA", 1)
    monkeypatch.setattr(_threads._busy, "others", lambda: 0.0)
    monkeypatch.setattr(_threads, "_caller_threads", lambda: 64)
    assert _threads.auto_threads(256, 4, 512, 8) == 1


class _AtEpochBegin(Callback):
    """Calls ``hook`` as each epoch begins (a function survives deepcopy)."""

    def __init__(self, hook):
        self.hook = hook

    def on_epoch_begin(self, net, **kwargs):
        self.hook()


@pytest.mark.parametrize("first", ["worker", "main"])
def test_overlapping_calls_in_two_threads_each_restore_their_own_setting(first):
    # Under OpenMP the count is each thread's own, but torch starts a thread's
    # count, at its first use, from the last count set in any thread. A fit in
    # this thread must not hand its temporary count to a worker that starts
    # while it runs: each thread ends with the count it set, whichever of the
    # two overlapping fits ends first.
    X, y, _ = ragged(n=40, high=10)
    torch.set_num_threads(2)
    main_in, worker_in = threading.Event(), threading.Event()
    main_done, worker_done = threading.Event(), threading.Event()

    def main_hook():
        main_in.set()
        assert worker_in.wait(10)
        if first == "worker":
            assert worker_done.wait(10)

    def worker_hook():
        worker_in.set()
        if first == "main":
            assert main_done.wait(10)

    def fit(hook):
        return RNNRegressor(n_threads=1, callbacks=[_AtEpochBegin(hook)], **TINY).fit(
            X, y
        )

    seen = {}

    def worker():
        try:
            torch.set_num_threads(2)
            assert main_in.wait(10)  # the main fit runs at 1 thread: start now
            fit(worker_hook)
            seen["worker"] = torch.get_num_threads()
        finally:
            worker_done.set()

    for _ in range(3):
        for event in (main_in, worker_in, main_done, worker_done):
            event.clear()
        seen.clear()
        thread = threading.Thread(target=worker)
        thread.start()
        fit(main_hook)
        main_done.set()
        thread.join()
        seen["main"] = torch.get_num_threads()
        assert seen == {"worker": 2, "main": 2}


def test_the_thread_count_never_changes_a_prediction(two_threads):
    X, y, _ = ragged(n=300, high=40)
    for pooling in ("last", "attention"):
        reg = RNNRegressor(hidden_size=32, max_iter=1, pooling=pooling, random_state=0)
        one = reg.set_params(n_threads=1).fit(X, y).predict(X)
        two = reg.set_params(n_threads=2).predict(X)
        # Within float32 rounding, the README's promise: MKL's sgemm splits a
        # long sum by its thread count on some CPUs (an Intel Xeon with MKL
        # limited to AVX2: 1 output of 300 moved by 1.0e-8), and the thread
        # count now reaches MKL in the calling thread itself.
        np.testing.assert_allclose(one, two, rtol=0, atol=INVARIANCE_ATOL)


def test_predictions_from_several_threads_restore_the_setting(two_threads):
    # Four threads and this one predict at once, each at 1 thread inside the
    # call; every one of them has its setting of 2 back afterwards.
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 3)) for k in rng.randint(2, 30, size=200)]
    clf = RNNClassifier(hidden_size=8, max_iter=1, n_threads=1, random_state=0)
    clf.fit(X, rng.randint(3, size=200))
    serial = clf.predict_proba(X)

    def predict(_):
        torch.set_num_threads(2)
        proba = clf.predict_proba(X)
        return proba, torch.get_num_threads()

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(predict, i) for i in range(8)]
        for _ in range(8):
            np.testing.assert_array_equal(clf.predict_proba(X), serial)
            assert torch.get_num_threads() == 2
        results = [future.result() for future in futures]
    for proba, threads in results:
        np.testing.assert_array_equal(proba, serial)
        assert threads == 2


def test_attention_over_relu_outputs_with_long_padding_trains():
    # relu outputs grow on the padding steps; their scores overflowed exp()
    # and turned the gradient into NaN (an earlier version diverged here).
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(k, 3)) for k in rng.randint(1, 60, size=600)]
    y = np.array([x[:, 0].sum() for x in X])
    reg = RNNRegressor(
        cell="lstm",
        activation="relu",
        pooling="attention",
        hidden_size=64,
        max_iter=1,
        random_state=0,
    ).fit(X, y)
    assert np.isfinite(reg.loss_curve_).all()


class _RecordFlushing(Callback):
    def on_epoch_end(self, net, **kwargs):
        net.history.record("flushing", _runtime._flushing())


@pytest.mark.parametrize("caller_flushes", [False, True])
def test_denormals_are_flushed_while_fitting_and_the_setting_restored(caller_flushes):
    X, y, _ = ragged()
    torch.set_flush_denormal(caller_flushes)
    try:
        reg = RNNRegressor(callbacks=[_RecordFlushing()], **TINY).fit(X, y)
        assert reg.history_[:, "flushing"] == [True, True, True]
        assert _runtime._flushing() == caller_flushes
        reg.predict(X)
        assert _runtime._flushing() == caller_flushes
    finally:
        torch.set_flush_denormal(False)
