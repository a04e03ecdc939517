"""Building and loading the C++ kernel: locks, remembered failures, private
folders, and the attacks each guards against. A fake compiler (a shell script
that logs its runs and writes its output file) keeps these tests fast; the real
build is tested in test_module.py."""

import os
import subprocess
import sys
import tempfile
import textwrap

import pytest
import torch

from sklearn_rnn._nn import _kernel_build
from sklearn_rnn._nn._kernel_build import KernelUnavailable, load_kernel

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX compilers and locks")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A private cache in ``tmp_path``, a logging fake compiler as ``CXX``, and
    ``torch.ops.load_library`` recording what it would load."""
    log = tmp_path / "compiler.log"
    compiler = tmp_path / "fake-cxx"
    compiler.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo "fake ${{FAKE_VERSION:-1}}"; exit; fi
            echo run >> {log}
            sleep "${{FAKE_DELAY:-0}}"
            if [ -n "$FAKE_FAIL" ]; then echo "error: $FAKE_FAIL" >&2; exit 1; fi
            if [ -n "$FAKE_SIGNAL" ]; then kill -"$FAKE_SIGNAL" $$; fi
            while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done
            echo library > "$out"
            """
        )
    )
    compiler.chmod(0o755)
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("CXX", f"/bin/sh {compiler}")  # a command with arguments
    loaded = []
    monkeypatch.setattr(
        torch.ops, "load_library", lambda path: loaded.append(os.path.realpath(path))
    )
    monkeypatch.setattr(_kernel_build, "_private", _kernel_build._private.__wrapped__)

    class Fake:
        folder = cache / "sklearn-rnn"

        @staticmethod
        def runs():
            return len(log.read_text().split()) if log.exists() else 0

    Fake.loaded = loaded
    return Fake


def _library(folder):
    (path,) = folder.glob("lstm_kernel_*.so")
    return path


def test_a_build_is_installed_private_and_loaded_from_the_checked_file(fake):
    load_kernel()
    load_kernel()  # found in the cache: no second build
    assert fake.runs() == 1
    library = _library(fake.folder)
    assert fake.loaded == [str(library)] * 2
    assert oct(fake.folder.stat().st_mode & 0o777) == "0o700"
    assert not library.stat().st_mode & 0o077


def test_concurrent_builders_compile_once(fake, tmp_path):
    # Three processes asking at once, as a grid search's workers on a new
    # machine: one compiles, the others wait on the lock and load its file.
    script = textwrap.dedent(
        """\
        import torch
        torch.ops.load_library = lambda path: None
        from sklearn_rnn._nn._kernel_build import load_kernel
        load_kernel()
        """
    )
    env = dict(os.environ, FAKE_DELAY="1")
    workers = [
        subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(3)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0]
    assert fake.runs() == 1


def test_a_failed_build_is_remembered(fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "out of cheese")
    with pytest.raises(KernelUnavailable, match="out of cheese") as first:
        load_kernel()
    assert "delete" in first.value.advice
    with pytest.raises(KernelUnavailable, match="failed before.*out of cheese"):
        load_kernel()  # e.g. the next worker process: no doomed compile
    assert fake.runs() == 1
    assert fake.loaded == []


def test_a_compiler_that_hangs_times_out(fake, monkeypatch):
    monkeypatch.setenv("FAKE_DELAY", "5")
    monkeypatch.setattr(_kernel_build, "BUILD_TIMEOUT", 0.5)
    with pytest.raises(KernelUnavailable, match="ran over 0.5 s"):
        load_kernel()
    # A loaded machine's timeout is no verdict on the compiler: not remembered.
    assert not list(fake.folder.glob("*.failed"))
    monkeypatch.delenv("FAKE_DELAY")
    load_kernel()
    assert fake.runs() == 2 and len(fake.loaded) == 1


@pytest.mark.parametrize(
    "how, message",
    [
        (("FAKE_SIGNAL", "KILL"), "killed by signal 9"),
        # g++ itself survives when the out-of-memory killer takes cc1plus.
        (("FAKE_FAIL", "Killed signal terminated program cc1plus"), "cc1plus"),
    ],
)
def test_a_compiler_killed_by_a_signal_is_tried_again(fake, monkeypatch, how, message):
    monkeypatch.setenv(*how)
    with pytest.raises(KernelUnavailable, match=message) as caught:
        load_kernel()
    assert "try again" in caught.value.advice
    assert not list(fake.folder.glob("*.failed"))
    monkeypatch.delenv(how[0])  # the next process builds again
    load_kernel()
    assert fake.runs() == 2 and len(fake.loaded) == 1


def test_a_failure_is_forgotten_when_the_compiler_changes_version(fake, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL", "internal compiler error")
    with pytest.raises(KernelUnavailable, match="internal compiler error"):
        load_kernel()
    monkeypatch.delenv("FAKE_FAIL")
    with pytest.raises(KernelUnavailable, match="failed before"):
        load_kernel()  # the same compiler: the failure is remembered
    monkeypatch.setenv("FAKE_VERSION", "2")  # an upgrade: built again
    load_kernel()
    assert fake.runs() == 2 and len(fake.loaded) == 1


def test_an_unwritable_cache_falls_back_to_a_private_folder(
    fake, tmp_path, monkeypatch
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.warns(RuntimeWarning, match="cannot keep its C\\+\\+ kernel") as caught:
        load_kernel()
    assert caught[0].filename == __file__  # points at the caller
    assert "Not a directory" in str(caught[0].message)
    (loaded,) = fake.loaded
    assert loaded.startswith(os.path.realpath(tempfile.gettempdir()))
    assert "sklearn-rnn-" in loaded and not loaded.startswith(str(blocker))


@pytest.mark.parametrize("mode", [0o777, 0o770])
def test_a_cache_folder_others_can_write_is_not_used(fake, mode):
    fake.folder.mkdir(parents=True)
    fake.folder.chmod(mode)
    with pytest.warns(RuntimeWarning, match="writable by group or others"):
        load_kernel()
    assert fake.runs() == 1
    assert not list(fake.folder.glob("*.so"))  # built privately instead
    (loaded,) = fake.loaded
    assert not loaded.startswith(str(fake.folder))


def test_a_planted_library_is_never_loaded(fake):
    # Someone who could write the file (here: anyone) plants the library at
    # the predictable name; it is refused before dlopen reads it.
    load_kernel()
    library = _library(fake.folder)
    library.write_text("planted")
    library.chmod(0o666)
    with pytest.raises(KernelUnavailable, match="writable by group or others"):
        load_kernel()
    assert len(fake.loaded) == 1
    library.unlink()
    (fake.folder / "elsewhere.so").write_text("planted")
    library.symlink_to(fake.folder / "elsewhere.so")  # a link is not followed
    with pytest.raises(KernelUnavailable, match="plain file"):
        load_kernel()
    assert len(fake.loaded) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_library_of_another_user_is_never_loaded(fake):
    load_kernel()
    os.chown(_library(fake.folder), 65534, 65534)  # nobody
    with pytest.raises(KernelUnavailable, match="belongs to another user"):
        load_kernel()
    assert len(fake.loaded) == 1


def test_without_cpu_flags_no_native_code_is_built(fake, monkeypatch):
    monkeypatch.setattr(_kernel_build, "_cpu_signature", lambda: None)
    command = _kernel_build.compile_command(["c++"], "out.so")
    assert "-march=native" not in command
    monkeypatch.setattr(_kernel_build, "_cpu_signature", lambda: "flags : avx2")
    native = _kernel_build.compile_command(["c++"], "out.so")
    if _kernel_build.platform.machine().lower() in ("x86_64", "amd64"):
        assert "-march=native" in native
    # Each kind of CPU (or none known) gets its own file in a shared cache.
    keys = set()
    for signature in (None, "flags : avx2", "flags : avx2 avx512f"):
        monkeypatch.setattr(_kernel_build, "_cpu_signature", lambda s=signature: s)
        keys.add(_kernel_build._key(["c++"]))
    assert len(keys) == 3


def test_linux_builds_with_torchs_openmp(monkeypatch):
    monkeypatch.setattr(_kernel_build, "_platform", lambda: "linux")
    assert "-fopenmp" in _kernel_build.compile_command(["c++"], "out.so")


def test_windows_and_a_macos_stub_get_a_reason_and_no_compile(fake, monkeypatch):
    monkeypatch.setattr(_kernel_build, "_platform", lambda: "win32")
    with pytest.raises(KernelUnavailable, match="MSVC"):
        load_kernel()
    monkeypatch.setattr(_kernel_build, "_platform", lambda: "darwin")
    monkeypatch.setattr(_kernel_build, "_command_line_tools", lambda: False)
    with pytest.raises(KernelUnavailable, match="Command Line Tools") as caught:
        load_kernel()
    assert "xcode-select --install" in caught.value.advice
    assert fake.runs() == 0


def test_a_build_is_announced_with_its_time(fake):
    said = []
    load_kernel(announce=said.append)
    assert said[0].startswith("Compiling sklearn-rnn's C++ kernel")
    assert said[1].startswith("Compiled in ") and said[1].endswith(" s.")
    load_kernel(announce=said.append)  # loaded from the cache: nothing to say
    assert len(said) == 2
