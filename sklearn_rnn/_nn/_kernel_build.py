"""Building and loading the C++ LSTM kernel (``_lstm_kernel.cpp``), safely.

The kernel is compiled on first use with the machine's compiler (``CXX``,
else ``c++``; a command with arguments such as ``ccache g++`` works) into
``$XDG_CACHE_HOME/sklearn-rnn`` (``~/.cache/sklearn-rnn``), one file per
source, compile command, compiler version, torch version and CPU. Code built
or loaded at run time is an attack surface and a cost, so:

- processes that need it at once (a grid search's workers) wait on an
  inter-process lock (``fcntl.flock``, released by the kernel if a process
  dies) and build it once: the first builds, the others find the library;
- a failed build is remembered in a marker beside the library (with the
  compiler's message), so later processes do not retry a doomed compile
  until the compiler changes version; the compiler runs with a timeout, and
  a timeout or a compiler killed by a signal (a busy machine, the
  out-of-memory killer) is not remembered;
- a library is loaded only from a folder owned by this user and not writable
  by group or others, opened without following links and checked (owner,
  permissions) on the open file before ``dlopen`` reads it; where the cache
  folder is unusable or unsafe, the kernel is built into a private temporary
  folder for this process, with a warning that says why;
- ``-march=native`` only where ``/proc/cpuinfo`` gives the CPU's features for
  the cache key (a cache shared by several machines never hands one CPU's
  instructions to another); OpenMP on Linux, as torch;
- Windows (torch is built with MSVC) and a macOS without the Command Line
  Tools (``/usr/bin/c++`` is a stub) get a precise reason, not a compile.

Each refusal raises :class:`KernelUnavailable`, whose reason and advice the
caller turns into one warning.
"""

import atexit
import hashlib
import os
import platform
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path

import torch

from .._warnings import warn_user

__all__ = ["KernelUnavailable", "load_kernel"]

SOURCE = Path(__file__).with_name("_lstm_kernel.cpp")
# Seconds the compiler may take (about 15 s on a 2-core machine).
BUILD_TIMEOUT = 300


class KernelUnavailable(RuntimeError):
    """Why the kernel cannot be used here (``reason``) and what would help
    (``advice``)."""

    def __init__(self, reason, advice):
        super().__init__(reason)
        self.reason, self.advice = reason, advice


def load_kernel(announce=None):
    """``torch.ops.sklearn_rnn``, built first where the cache has none.

    ``announce``, when given, is called with a line when a build starts and
    one when it ends (with its duration). Raises :class:`KernelUnavailable`
    where the kernel cannot be built or loaded.
    """
    compiler = _compiler()
    folder = _cache_folder()
    path = folder / f"lstm_kernel_{_key(compiler)}.so"
    failed = path.with_name(path.name + ".failed")
    with _locked(path.with_name(path.name + ".lock")):
        if not path.exists():
            if failed.exists():
                raise KernelUnavailable(
                    f"its build failed before ({_last_line(failed.read_text())})",
                    f"Fix the compiler, then delete {failed} to build again.",
                )
            if announce:
                announce(
                    "Compiling sklearn-rnn's C++ kernel for LSTMs with a non-tanh "
                    "activation (once per machine and torch version, 10-20 s)..."
                )
            start = time.perf_counter()
            _build(compiler, path, failed)
            if announce:
                announce(f"Compiled in {time.perf_counter() - start:.1f} s.")
    _dlopen(path)
    return torch.ops.sklearn_rnn


def _platform():
    return sys.platform


def _compiler():
    """The compiler's argv, or :class:`KernelUnavailable` saying why not."""
    if _platform() == "win32":
        raise KernelUnavailable(
            "on Windows torch is built with MSVC, and the kernel is built with "
            "GCC or Clang",
            "Nothing to install: the TorchScript loops are the Windows path.",
        )
    argv = shlex.split(os.environ.get("CXX") or "c++")
    if not argv or shutil.which(argv[0]) is None:
        raise KernelUnavailable(
            f"no C++ compiler found ({' '.join(argv) or 'CXX is empty'})",
            "Install g++ or clang++ (or set CXX to one) for the fast path.",
        )
    if _platform() == "darwin" and not _command_line_tools():
        raise KernelUnavailable(
            "the Xcode Command Line Tools are not installed (/usr/bin/c++ is a stub)",
            "Run `xcode-select --install` for the fast path.",
        )
    return argv


def _command_line_tools():
    try:
        done = subprocess.run(
            ["xcode-select", "-p"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _cpu_signature():
    """The CPU's feature flags, which ``-march=native`` code depends on; None
    where ``/proc/cpuinfo`` does not say (then no ``-march=native``)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.strip()
    except OSError:
        pass
    return None


def compile_command(compiler, output):
    """The command line that builds the kernel into ``output``."""
    flags = ["-O3", "-fno-trapping-math", "-std=c++17", "-shared", "-fPIC"]
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    if x86 and _cpu_signature() is not None:
        flags.append("-march=native")
    if _platform().startswith("linux"):
        # torch's own OpenMP runtime (libgomp.so.1, beside libtorch) serves it.
        flags.append("-fopenmp")
    abi = int(torch._C._GLIBCXX_USE_CXX11_ABI)
    flags.append(f"-D_GLIBCXX_USE_CXX11_ABI={abi}")
    root = Path(torch.__file__).parent
    includes = [
        f"-I{root / 'include'}",
        f"-I{root / 'include' / 'torch' / 'csrc' / 'api' / 'include'}",
    ]
    lib = root / "lib"
    links = [f"-L{lib}", f"-Wl,-rpath,{lib}", "-lc10", "-ltorch_cpu", "-ltorch"]
    return [*compiler, *flags, *includes, str(SOURCE), "-o", str(output), *links]


def _key(compiler):
    key = hashlib.sha256()
    key.update(SOURCE.read_bytes())
    key.update(" ".join(compile_command(compiler, "")).encode())
    # An upgraded compiler gets a new file, and another try after a failure.
    key.update(_compiler_version(compiler).encode())
    key.update(f"{torch.__version__} {_cpu_signature() or 'portable'}".encode())
    return key.hexdigest()[:16]


def _compiler_version(compiler):
    """What ``compiler --version`` prints ('' where it cannot say)."""
    try:
        done = subprocess.run(
            [*compiler, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def _cache_folder():
    """The shared cache folder when it is ours and private, else a private
    temporary folder for this process (with a warning that says why)."""
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(home) / "sklearn-rnn"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_private(os.stat(folder), folder)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(f"{folder} is not writable")
        return folder
    except (OSError, KernelUnavailable) as exc:
        return _private_folder(folder, exc)


@cache
def _private():
    private = Path(tempfile.mkdtemp(prefix="sklearn-rnn-"))  # mode 0o700
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    return private


def _private_folder(folder, exc):
    private = _private()
    warn_user(
        f"sklearn-rnn cannot keep its C++ kernel in {folder} "
        f"({getattr(exc, 'reason', None) or exc}); this process builds it in "
        f"{private}, removed at exit. Set XDG_CACHE_HOME to a folder of yours "
        "that only you can write, to build it once.",
        RuntimeWarning,
    )
    return private


def _check_private(info, path):
    """Refuse what another user could have written: not ours, or writable by
    group or others."""
    advice = f"Delete {path} (or point XDG_CACHE_HOME to a private folder)."
    if info.st_uid != os.geteuid():
        raise KernelUnavailable(f"{path} belongs to another user", advice)
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise KernelUnavailable(f"{path} is writable by group or others", advice)


_THREADS = threading.Lock()


class _locked:
    """Threads wait on a lock, processes on ``flock`` of a lock file."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        _THREADS.acquire()
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            import fcntl  # POSIX only; Windows never gets here

            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            _THREADS.release()
            raise

    def __exit__(self, *exc):
        os.close(self.fd)  # releases the flock
        _THREADS.release()


# How the compiler drivers report a compiler process killed under them (the
# out-of-memory killer's usual victim is cc1plus, not g++).
_KILLED = ("signal terminated program", "due to signal", "execute command: Killed")


def _build(compiler, path, failed):
    """Compile into a temporary file beside ``path``, renamed into place when
    complete; a failure of the compiler is written to ``failed`` for later
    processes, not a timeout nor a compiler killed by a signal."""
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        partial = Path(tmp) / path.name
        try:
            done = subprocess.run(
                compile_command(compiler, partial),
                capture_output=True,
                text=True,
                check=False,
                timeout=BUILD_TIMEOUT,
            )
            message = done.stderr.strip()[-2000:] or done.stdout[-2000:]
            code = done.returncode
        except subprocess.TimeoutExpired:
            raise _transient(f"the compiler ran over {BUILD_TIMEOUT} s") from None
        if code < 0:  # a signal: the out-of-memory killer, a shutdown
            raise _transient(f"the compiler was killed by signal {-code}")
        if code and any(sign in message for sign in _KILLED):
            raise _transient(f"the compiler was killed ({_last_line(message)})")
        if code:
            failed.write_text(message or f"the compiler exited with {code}")
            raise KernelUnavailable(
                f"its build failed ({_last_line(message) or code})",
                f"The compiler's message is in {failed}; delete it to try again.",
            )
        os.chmod(partial, 0o700)
        os.replace(partial, path)


def _transient(reason):
    """A failure of this attempt, not of the compiler: a busy or short of
    memory machine. It is not remembered, so that the next process builds."""
    return KernelUnavailable(
        reason,
        "Nothing is remembered of it: the next process will try again.",
    )


def _dlopen(path):
    """Load the library at ``path`` if it is ours and private, checked on
    the open file (no link followed), so it cannot be swapped in between."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:  # a symbolic link among them
        raise KernelUnavailable(
            f"{path} cannot be opened as a plain file ({exc.strerror})",
            f"Delete {path} to build it again.",
        ) from None
    try:
        _check_private(os.fstat(fd), path)
        by_fd = f"/proc/self/fd/{fd}"
        torch.ops.load_library(by_fd if os.path.exists(by_fd) else str(path))
    finally:
        os.close(fd)


def _last_line(text):
    lines = str(text).strip().splitlines()
    return lines[-1] if lines else ""
