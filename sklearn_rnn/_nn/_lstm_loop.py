"""An LSTM layer with any activation, stepped through time with a hand-written
backward pass.

PyTorch's fused LSTM only has tanh. The tutorial's ``LSTM(50, activation=
'relu')`` therefore steps through time; recorded by autograd, op by op, that
was 2.5-3x slower than the fused kernel. Here the forward steps run without
recording anything and the backward pass through time is written out (the
derivatives of the LSTM equations, checked against autograd in the tests), in
one of two implementations:

- ``_lstm_kernel.cpp``, a small C++ operator library compiled on first use and
  kept in a private cache folder (about 10-15 s, once per machine, torch
  version and CPU; :mod:`~sklearn_rnn._nn._kernel_build`): each
  step is one matrix product and one vectorized pass over the gates. On the
  CPU this trains within 1.15x of PyTorch's fused tanh kernel and predicts
  faster (``benchmarks/README.md``).
- The same loops in TorchScript: for other devices (CUDA) and dtypes, and
  where the kernel cannot be built (with one warning that says why),
  1.9-2.5x slower than the fused tanh kernel.

Gates are laid out as in :class:`torch.nn.LSTM` (input, forget, cell, output).
The activation replaces tanh on the candidate and on the cell output, as in
Keras; the gates stay sigmoid.
"""

import warnings
from functools import cache

import torch

from .._warnings import warn_user
from ._kernel_build import load_kernel

__all__ = ["KINDS", "lstm_layer", "prepare_kernel"]

KINDS = {"relu": 0, "sigmoid": 1, "tanh": 2, "identity": 3}


def _act(z: torch.Tensor, kind: int) -> torch.Tensor:
    if kind == 0:
        return torch.relu(z)
    if kind == 1:
        return torch.sigmoid(z)
    if kind == 2:
        return torch.tanh(z)
    return z


def _act_grad(z: torch.Tensor, a: torch.Tensor, kind: int) -> torch.Tensor:
    """The activation's derivative at ``z``, given ``a = act(z)``."""
    if kind == 0:
        return (z > 0).to(z.dtype)
    if kind == 1:
        return a * (1 - a)
    if kind == 2:
        return 1 - a * a
    return torch.ones_like(z)


def _forward(xw: torch.Tensor, w_hh: torch.Tensor, kind: int):
    """Steps of one layer: pre-activations ``Z``, cell states ``C`` and hidden
    states ``Hs`` (``C[0]``, ``Hs[0]`` are the zero initial states).

    ``xw`` is time-major ``(T, B, 4H)``: the input projections, both biases
    included.
    """
    T, B, G = xw.shape
    H = G // 4
    w = w_hh.t()
    Z = torch.empty_like(xw)
    C = xw.new_zeros(T + 1, B, H)
    Hs = xw.new_zeros(T + 1, B, H)
    for t in range(T):
        z = torch.addmm(xw[t], Hs[t], w, out=Z[t])
        s = torch.sigmoid(z)
        c = torch.mul(s[:, H : 2 * H], C[t], out=C[t + 1])
        c.addcmul_(s[:, :H], _act(z[:, 2 * H : 3 * H], kind))
        torch.mul(s[:, 3 * H :], _act(c, kind), out=Hs[t + 1])
    return Z, C, Hs


def _backward(
    d_out: torch.Tensor,
    w_hh: torch.Tensor,
    Z: torch.Tensor,
    C: torch.Tensor,
    Hs: torch.Tensor,
    kind: int,
):
    """Gradients of the input projections and of ``w_hh`` from those of the
    hidden states ``d_out`` ``(T, B, H)``, through time."""
    T, B, G = Z.shape
    H = G // 4
    S = torch.sigmoid(Z)
    i, f, o = S[:, :, :H], S[:, :, H : 2 * H], S[:, :, 3 * H :]
    g_pre = Z[:, :, 2 * H : 3 * H]
    g = _act(g_pre, kind)
    a_c = _act(C[1:], kind)
    # dL/dc_t gets dL/dh_t times this.
    h_to_c = o * _act_grad(C[1:], a_c, kind)
    # dL/dz of each gate is dL/dc_t (input, forget, cell) or dL/dh_t (output)
    # times these: everything that does not depend on later steps, at once.
    Q = torch.stack(
        [
            g * i * (1 - i),
            C[:-1] * f * (1 - f),
            i * _act_grad(g_pre, g, kind),
            a_c * o * (1 - o),
        ],
        2,
    )
    dZ = torch.empty_like(Z)
    dh_next = Z.new_zeros(B, H)
    dc_next = Z.new_zeros(B, H)
    for k in range(T):
        t = T - 1 - k
        dh = d_out[t] + dh_next
        dc = torch.addcmul(dc_next, dh, h_to_c[t])
        both = torch.stack([dc, dc, dc, dh], 1)
        torch.mul(Q[t], both, out=dZ[t].view(B, 4, H))
        dh_next = torch.mm(dZ[t], w_hh)
        dc_next = dc * f[t]
    d_w_hh = torch.mm(dZ.reshape(T * B, G).t(), Hs[:-1].reshape(T * B, H))
    return dZ, d_w_hh


@cache
def _compiled():
    """The two loops, compiled with TorchScript on first use (about 0.1 s);
    as plain Python where TorchScript is missing or fails."""
    try:
        with warnings.catch_warnings():
            # TorchScript is deprecated, not gone; nothing here is the user's.
            warnings.simplefilter("ignore")
            script = torch.jit.script
            return script(_forward), script(_backward)
    except Exception:  # noqa: BLE001 - any failure: the same code, uncompiled
        return _forward, _backward


_announce = None  # what prepare_kernel tells the user while it compiles


def prepare_kernel(verbose):
    """Load (or compile, saying so when ``verbose``) the kernel before
    training, so that its build is announced and kept out of the first
    epoch's duration."""
    global _announce
    _announce = print if verbose else None
    try:
        _kernel()
    finally:
        _announce = None


@cache
def _kernel():
    """``torch.ops.sklearn_rnn`` once the compiled kernel is loaded (built
    first where the cache has none, see :mod:`~sklearn_rnn._nn._kernel_build`);
    ``None``, with one warning that says why, where it cannot be."""
    try:
        return load_kernel(_announce)
    except Exception as exc:  # noqa: BLE001 - any failure: the TorchScript loops
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
        advice = getattr(exc, "advice", "")
        warn_user(
            "sklearn-rnn cannot use its C++ kernel for LSTMs with a non-tanh "
            f"activation: {reason}. They run 2-3x slower, stepped by "
            f"{'TorchScript' if _compiled()[0] is not _forward else 'Python'}. "
            f"{advice}".strip(),
            RuntimeWarning,
        )
        return None


def _uses_kernel(xw):
    return xw.device.type == "cpu" and xw.dtype in (torch.float32, torch.float64)


class _LSTMLayer(torch.autograd.Function):
    @staticmethod
    def forward(ctx, xw, w_hh, kind):
        kernel = _kernel() if _uses_kernel(xw) else None
        if kernel is None:
            forward, _ = _compiled()
            # TorchScript saves pre-activations, the kernel gate values.
            Z, C, Hs = forward(xw, w_hh, kind)
        else:
            Z, C, Hs = kernel.lstm_forward(xw, w_hh, kind)
        ctx.kind, ctx.kernel = kind, kernel
        ctx.save_for_backward(w_hh, Z, C, Hs)
        return Hs[1:]

    @staticmethod
    def backward(ctx, d_out):
        w_hh, Z, C, Hs = ctx.saved_tensors
        if ctx.kernel is None:
            _, backward = _compiled()
            dZ, d_w_hh = backward(d_out.contiguous(), w_hh, Z, C, Hs, ctx.kind)
        else:
            dZ, d_w_hh = ctx.kernel.lstm_backward(d_out, w_hh, Z, C, Hs, ctx.kind)
        return dZ, d_w_hh, None


def lstm_layer(x, w_ih, bias, w_hh, activation):
    """Hidden states ``(B, T, H)`` of one layer from its batch-first input
    ``x`` ``(B, T, I)``; ``bias`` is the sum of both biases."""
    kind = KINDS[activation]
    needs_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (x, w_ih, bias, w_hh)
    )
    x = x.transpose(0, 1)  # time-major
    if not needs_grad and _uses_kernel(x):
        kernel = _kernel()
        if kernel is not None:
            # Prediction: projections a few steps at a time, no saved states.
            return kernel.lstm_infer(x, w_ih, bias, w_hh, kind).transpose(0, 1)
    # A contiguous (T, B, 4H) projection without a copy of x.
    xw = torch.nn.functional.linear(x, w_ih, bias)
    return _LSTMLayer.apply(xw, w_hh, kind).transpose(0, 1)
