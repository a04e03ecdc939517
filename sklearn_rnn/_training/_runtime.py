"""The runtime of fit and predict: the device, torch's seeds, denormal floats."""

from contextlib import contextmanager

import torch
from sklearn.utils._param_validation import InvalidParameterError

__all__ = ["flush_denormals", "resolve_device", "seeded_torch"]


def resolve_device(device, name):
    """``device`` as a :class:`torch.device`, with an error naming the fix."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError):
        raise InvalidParameterError(
            f"The 'device' parameter of {name} must be 'cpu', 'cuda', 'cuda:N', "
            f"'auto' or a torch.device. Got {device!r} instead."
        ) from None
    backend = getattr(torch, resolved.type, None) if resolved.type != "cpu" else None
    if not getattr(backend, "is_available", lambda: True)():
        raise ValueError(
            f"device={device!r} was requested but {resolved.type} is not available "
            "on this machine. Use device='cpu', or device='auto' to take a GPU when "
            "there is one."
        )
    return resolved


@contextmanager
def seeded_torch(seed, device):
    """Seed torch's generators for module init and dropout, then restore them.

    Dropout kernels draw from torch's global generator, so it is seeded here,
    inside a fork that gives the user's global random state back afterwards.
    """
    cuda = device.type == "cuda"
    devices = [device.index or 0] if cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.manual_seed(seed)
        yield


@contextmanager
def flush_denormals():
    """Compute with denormal floats read and written as zero on this thread,
    then put the thread's setting back.

    Gradients that fade through many steps reach denormal floats (below
    1.2e-38 in float32), which x86 computes many times slower: one training
    step of a GRU over 200 steps read at its last step took 137 ms, and 46 ms
    with denormals flushed (``benchmarks/README.md``). torch has no getter for
    the flag, so its state is read from the arithmetic itself. The flag
    belongs to the calling thread; extra intra-op threads keep theirs.
    """
    already = _flushing()
    if not already:
        torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if not already:
            torch.set_flush_denormal(False)


def _flushing():
    # 1e-39 is denormal in float32: it survives the product unless flushed.
    return torch.tensor([1e-39]).mul(1.0).item() == 0.0
