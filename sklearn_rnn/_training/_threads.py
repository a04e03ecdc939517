"""How many torch threads a fit or a prediction runs with (``n_threads``).

torch starts with one intra-op thread per core. For the small matrices of a
recurrent step, a second thread only pays off when each step has enough
work, and costs several times more time when another process keeps a core
busy: the threads wait for each other at every step. Measured on 2 cores
(torch 2.13, LSTM, 50 steps; ``benchmarks/README.md``):

- idle machine, 2 threads against 1: a training step of 32 sequences with 32
  units 0.92x as fast, 64 x 64 units 1.20x, 64 x 128 1.61x, 64 x 512 1.75x;
  prediction in batches of 256, 32 units 1.60x, 512 units 1.88x;
- one core kept busy by another process: 2 threads 2-7x *slower* at every
  size.

So ``n_threads='auto'`` takes one thread per half million multiply-adds of a
step (batch rows x gates x hidden x (hidden + inputs)): one below a million,
where a second thread gains nothing; at most the cores that other processes
left idle lately and the CPU quota of the container (cgroup ``cpu.max``);
and at most the calling thread's own torch setting (``torch.set_num_threads``,
``OMP_NUM_THREADS``), which it restores afterwards in that thread. It sets
the count of the calling thread only: ``torch.set_num_threads`` would also
change the count that every other thread takes at its first use of torch, so
that a thread starting while a prediction runs at 1 thread would keep 1. It
never waits on the call: where the last sample of the other processes' load
is older than a minute, it reads the load average instead. Thread counts
never change a prediction (tested).
"""

import ctypes
import math
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import torch

__all__ = ["auto_threads", "torch_threads"]

# Multiply-adds per recurrent step per thread (see the module docstring: on
# an idle machine two threads break even at about 0.6 million and gain 1.2x
# at 1.2 million).
WORK_PER_THREAD = 500_000


def auto_threads(rows, gates, hidden, inputs, layers=1):
    """The thread count for steps of ``rows`` sequences (see the module docstring)."""
    work = rows * gates * hidden * (hidden + inputs) * layers
    wanted = min(max(1, int(work // WORK_PER_THREAD)), _caller_threads())
    if wanted == 1:  # decided without sampling the machine
        return 1
    free = max(1, round(min(len(_CORES), _QUOTA) - _busy.others()))
    return max(1, min(wanted, free))


def _caller_threads():
    """The calling thread's torch setting (under OpenMP, its own)."""
    return torch.get_num_threads()


try:
    _CORES = sorted(os.sched_getaffinity(0))
except AttributeError:  # not Linux
    _CORES = list(range(os.cpu_count() or 1))


def cpu_quota(root="/sys/fs/cgroup"):
    """The CPUs a cgroup quota allows this process (inf without a quota):
    ``cpu.max`` of cgroup v2, else ``cpu.cfs_quota_us / cpu.cfs_period_us``
    of v1, rounded up."""
    root = Path(root)
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return math.inf
    try:
        quota, period = int(quota), int(period)
    except ValueError:  # 'max': no quota
        return math.inf
    return max(1, math.ceil(quota / period)) if quota > 0 and period > 0 else math.inf


_QUOTA = cpu_quota()


class _BusyCores:
    """How many of our cores other processes kept busy, lately.

    From ``/proc/stat``'s counters of the cores this process may run on,
    minus this process's own CPU time, between two calls at least 50 ms
    apart. A call that finds no sample of the last minute never waits for
    one: it answers from the one-minute load average (minus this process) and
    takes the sample the next call measures from. 0 where neither exists.
    """

    def __init__(self):
        self._last = None
        self._estimate = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def _sample():
        busy = 0
        wanted = {f"cpu{core}" for core in _CORES}
        with open("/proc/stat") as f:
            for line in f:
                name, *fields = line.split()
                if name in wanted:
                    values = [int(v) for v in fields[:8]]
                    busy += sum(values) - values[3] - values[4]  # minus idle, iowait
        ticks = os.sysconf("SC_CLK_TCK")
        return time.monotonic(), busy / ticks, time.process_time()

    @staticmethod
    def _load_average():
        try:
            return max(0.0, os.getloadavg()[0] - 1.0)  # minus the caller
        except (OSError, AttributeError):
            return 0.0

    def others(self):
        with self._lock:
            try:
                now = self._sample()
            except (OSError, ValueError, IndexError):
                return 0.0
            if self._last is None or now[0] - self._last[0] > 60:
                self._last = now  # too old to say anything about now
                self._estimate = self._load_average()
            elif now[0] - self._last[0] >= 0.05:
                wall = now[0] - self._last[0]
                others = (now[1] - self._last[1]) - (now[2] - self._last[2])
                self._estimate = max(0.0, others / wall)
                self._last = now
            return self._estimate


_busy = _BusyCores()


def _own_thread_setter():
    """A function that sets the calling thread's OpenMP and MKL counts only.

    ``torch.set_num_threads`` also stores its count as the one each thread
    takes at its first use of torch (``at::init_num_threads``): one fit at 1
    thread would hand 1 to a thread starting meanwhile, which keeps it. The
    runtimes' own per-thread setters leave that count alone. They are looked
    up through torch's CPU library, which resolves them in the OpenMP runtime
    and MKL it was built with; where they are not exported (Windows, other
    builds), torch's setter is used. The function returns one that undoes it.
    """
    paths = sorted((Path(torch.__file__).parent / "lib").glob("libtorch_cpu.*"))
    try:
        lib = ctypes.CDLL(str(paths[0]))
        omp = lib.omp_set_num_threads
    except (IndexError, OSError, AttributeError):
        return _torch_setter
    omp.argtypes, omp.restype = [ctypes.c_int], None
    # MKL's own count for the thread overrides OpenMP's in MKL's routines.
    # The C name: the lower-case one is Fortran's and takes a pointer.
    mkl = getattr(lib, "MKL_Set_Num_Threads_Local", None)
    if mkl is not None:
        mkl.argtypes, mkl.restype = [ctypes.c_int], ctypes.c_int

    def set_own_threads(n):
        before = torch.get_num_threads()
        omp(n)
        mkl_before = mkl(n) if mkl is not None else None

        def undo():
            omp(before)
            if mkl_before is not None:
                mkl(mkl_before)  # 0: MKL's process-wide count, as before

        return undo

    return set_own_threads


def _torch_setter(n):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    return lambda: torch.set_num_threads(before)


# With OpenMP (torch's Linux wheels) the thread count is a setting of each
# calling thread; with torch's native pool it is one for the process.
_PER_THREAD = "OpenMP" in torch.__config__.parallel_info()
_set_own_threads = _own_thread_setter() if _PER_THREAD else _torch_setter
_lock = threading.Lock()
_active = 0  # the native pool only: fits and predictions running now
_saved = None  # the native pool only: the setting restored when the last ends


@contextmanager
def torch_threads(n):
    """Run with ``n`` torch threads (None: as set), then restore the caller's.

    Under OpenMP the count belongs to the calling thread: it is saved and
    restored there, and set there only, so overlapping fits and predictions
    in several threads each get their own setting back, and a thread that
    starts meanwhile gets the setting it would have had. With a process-wide
    pool, the setting found before the first of them started is restored when
    the last ends.
    """
    if _PER_THREAD:
        saved = torch.get_num_threads()  # starts torch's count in this thread
        undo = _set_own_threads(n) if n is not None and saved != n else None
        try:
            yield
        finally:
            if undo is not None:
                undo()
            if torch.get_num_threads() != saved:  # set inside the call
                _set_own_threads(saved)
        return
    global _active, _saved
    with _lock:
        if not _active:
            _saved = torch.get_num_threads()
        _active += 1
        if n is not None and torch.get_num_threads() != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if not _active and torch.get_num_threads() != _saved:
                torch.set_num_threads(_saved)
