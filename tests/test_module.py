"""The torch module: cells against PyTorch's fused kernels, the front-end."""

import copy
import os
import pickle
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sklearn_rnn import RNNRegressor, RNNTimestepRegressor, SequenceStream, load, save
from sklearn_rnn._nn import _lstm_loop
from sklearn_rnn._nn._batch_norm import MaskedBatchNorm
from sklearn_rnn._nn._front_end import FrontEnd
from sklearn_rnn._nn._network import RecurrentNet
from sklearn_rnn._nn._real_steps import reverse_within_length
from sklearn_rnn._nn._recurrence import CELLS, LoopRecurrence


@pytest.mark.parametrize("cell", list(CELLS))
def test_loop_cells_with_tanh_compute_what_pytorch_computes(cell):
    torch.manual_seed(0)
    loop = LoopRecurrence(cell, "tanh", 3, 5, num_layers=2, dropout=0.0)
    fused = CELLS[cell][0](3, 5, num_layers=2, batch_first=True)
    fused.load_state_dict(loop.state_dict())
    x = torch.randn(4, 7, 3)
    torch.testing.assert_close(loop(x), fused(x)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", list(CELLS))
def test_activation_is_honoured_for_every_cell(cell):
    x = torch.randn(4, 6, 3)
    outputs = {}
    for activation in ("tanh", "relu", "sigmoid", "identity"):
        torch.manual_seed(0)
        net = RecurrentNet(
            cell=cell,
            input_size=3,
            hidden_size=5,
            num_layers=1,
            bidirectional=False,
            dropout=0.0,
            activation=activation,
            n_outputs=1,
        )
        outputs[activation] = net(x, torch.full((4,), 6)).detach()
    values = list(outputs.values())
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            assert not torch.allclose(values[i], values[j])


def test_reverse_within_length_keeps_padding_in_place():
    x = torch.arange(10.0).reshape(2, 5, 1)
    lengths = torch.tensor([3, 5])
    out = reverse_within_length(x, lengths)[..., 0]
    np.testing.assert_array_equal(out[0], [2, 1, 0, 3, 4])
    np.testing.assert_array_equal(out[1], [9, 8, 7, 6, 5])
    torch.testing.assert_close(reverse_within_length(out[..., None], lengths), x)


@pytest.mark.parametrize("block_means_first", [True, False])
@pytest.mark.parametrize(
    "kernel_size, stride, pool",
    [(3, 1, 1), (8, 4, 1), (2, 5, 1), (5, 5, 1), (3, 4, 2), (2, 6, 2), (3, 3, 3)],
)
def test_convolution_front_end_is_causal_and_maps_lengths(
    kernel_size, stride, pool, block_means_first
):
    torch.manual_seed(0)
    conv = FrontEnd(
        2, (4, 3), kernel_size, stride, block_means_first=block_means_first, pool=pool
    )
    x = torch.randn(3, 23, 2)
    out, lengths = conv(x, torch.tensor([23, 10, 1]))
    assert out.shape[1] == -(-23 // stride)
    assert lengths.tolist() == [-(-n // stride) for n in (23, 10, 1)]
    for j in range(out.shape[1]):
        changed = x.clone()
        changed[:, j * stride + stride :] += 10.0  # the future of output step j
        again, _ = conv(changed, torch.tensor([23, 10, 1]))
        torch.testing.assert_close(again[:, : j + 1], out[:, : j + 1])
        if j * stride + stride < 23:  # and the future does reach later steps
            assert not torch.allclose(again, out)


def test_masked_batch_norm_reads_real_steps_only_and_keeps_running_estimates():
    """Training standardises each channel by the real steps' mean and
    variance (whatever follows them in the batch), updates the running
    estimates with the unbiased variance, and prediction applies those."""
    torch.manual_seed(0)
    norm = MaskedBatchNorm(2, momentum=0.5)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor([2.0, 0.5]))
        norm.bias.copy_(torch.tensor([1.0, -1.0]))
    lengths = torch.tensor([4, 2])
    x = torch.randn(2, 2, 6)
    real = torch.cat([x[0, :, :4], x[1, :, :2]], 1)  # (channels, 6 real steps)
    mean, var = real.mean(1), real.var(1, unbiased=False)
    out = norm(x, lengths)
    expected = (x - mean[:, None]) / torch.sqrt(var[:, None] + norm.eps)
    expected = expected * norm.weight[:, None] + norm.bias[:, None]
    torch.testing.assert_close(out[0, :, :4], expected[0, :, :4])
    torch.testing.assert_close(out[1, :, :2], expected[1, :, :2])
    # Other padding, other padding values: the same real outputs, bit for bit.
    wider = torch.cat([x, torch.full((2, 2, 5), 1e6)], 2)
    wider[1, :, 2:6] = -3e5
    again = MaskedBatchNorm(2, momentum=0.5)
    again.load_state_dict(
        {
            **norm.state_dict(),
            "running_mean": torch.zeros(2),
            "running_var": torch.ones(2),
        }
    )
    out_wider = again(wider, lengths)
    assert torch.equal(out_wider[0, :, :4], out[0, :, :4])
    assert torch.equal(out_wider[1, :, :2], out[1, :, :2])
    torch.testing.assert_close(again.running_mean, norm.running_mean, rtol=0, atol=0)
    torch.testing.assert_close(norm.running_mean, 0.5 * mean)
    torch.testing.assert_close(norm.running_var, 0.5 + 0.5 * real.var(1))
    norm.eval()
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    torch.testing.assert_close(
        norm(x, lengths),
        (x - norm.running_mean[:, None]) * scale[:, None] + norm.bias[:, None],
    )


def test_masked_batch_norm_learns_nothing_from_a_batch_of_zero_weight():
    norm = MaskedBatchNorm(3)
    x, lengths = torch.randn(2, 3, 5), torch.tensor([5, 3])
    out = norm(x, lengths, torch.zeros(2))
    assert torch.isfinite(out).all()
    assert torch.equal(norm.running_mean, torch.zeros(3))
    assert torch.equal(norm.running_var, torch.ones(3))


@pytest.mark.parametrize("scale", [1e-3, 1 / 64])
def test_batch_norm_estimates_do_not_depend_on_the_scale_of_sample_weight(scale):
    # partial_fit keeps the scale of the weights; the running variance that
    # prediction divides by must not shrink with them (counting the sum of
    # the weights as the number of steps made it 5x too small at 1e-3).
    X = [np.random.RandomState(i).normal(size=(6, 2)) for i in range(64)]
    y = np.array([x[-1, 0] for x in X])
    params = dict(conv_filters=(3,), conv_norm="batch", max_iter=1, alpha=0.0)
    variances = []
    for weight in (1.0, scale):
        reg = RNNRegressor(hidden_size=4, random_state=0, **params)
        for _ in range(5):
            reg.partial_fit(X, y, sample_weight=np.full(len(X), weight))
        (norm,) = [m for m in reg.module_.modules() if isinstance(m, MaskedBatchNorm)]
        variances.append(norm.running_var.numpy())
    np.testing.assert_allclose(variances[1], variances[0], rtol=0.05)


def test_batch_norm_corrects_the_variance_by_the_effective_number_of_steps():
    # The weighted variance of (0, 2, 4) at weights (2, 1, 1) is 2.75; its
    # unbiased value is 2.75 n / (n - 1) with Kish's n = (sum w)^2 / sum w^2
    # = 16 / 6, whatever the scale of the weights (not 2.75 * 3 / 2 from the
    # number of steps, nor 2.75 * 4 / 3 from their sum).
    x, lengths = torch.tensor([[[0.0, 2.0, 4.0, 9.0]]]), torch.tensor([3])
    for scale in (1.0, 1e-4, 1e4):
        norm = MaskedBatchNorm(1, momentum=1.0)
        norm(x, lengths, scale * torch.tensor([[2.0, 1.0, 1.0, 0.0]]))
        n = 16 / 6
        torch.testing.assert_close(norm.running_var, torch.tensor([2.75 * n / (n - 1)]))
        norm(x, lengths, torch.tensor([scale]))  # one weight per sequence
        torch.testing.assert_close(norm.running_var, torch.tensor([8 / 3 * 3 / 2]))


def test_a_batch_of_zero_weight_trains_a_normalised_network():
    """The last batch (4 of 36 sequences, in order) has weight 0 only."""
    X = [np.random.RandomState(i).normal(size=(6, 2)) for i in range(36)]
    y = np.array([x[-1, 0] for x in X])
    weight = np.r_[np.ones(32), np.zeros(4)]
    params = dict(conv_filters=(3,), conv_norm="batch", shuffle=False, max_iter=3)
    reg = RNNRegressor(hidden_size=4, random_state=0, **params)
    reg.fit(X, y, sample_weight=weight)
    assert np.isfinite(reg.predict(X)).all()
    assert np.isfinite(reg.loss_curve_).all()


@pytest.mark.parametrize("pooling", ["max", None])
def test_the_highway_adds_a_causal_linear_map_of_the_last_steps(pooling):
    """The output is the recurrent part plus, at the last real step (per step:
    at each step), the weights times the last k input steps, zeros before the
    start: nothing after a sequence's end or before its start is read."""
    torch.manual_seed(0)
    net = RecurrentNet(
        cell="gru",
        input_size=2,
        hidden_size=3,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        activation="tanh",
        n_outputs=2,
        pooling=pooling,
        highway=3,
    ).eval()
    lengths = torch.tensor([5, 2])
    x = torch.randn(2, 6, 2)
    x[1, 2:] = 0.0
    weight = net.highway.weight  # (n_outputs, features, k): oldest step first
    with torch.no_grad():
        linear = net(x, lengths) - net._recurrent(x, lengths)
        padded = torch.cat([torch.zeros(2, 2, 2), x], 1)
        steps = [(i, t) for i in range(2) for t in range(int(lengths[i]))]
        if pooling is not None:
            steps = [(i, int(lengths[i]) - 1) for i in range(2)]
        expected = torch.stack(
            [torch.einsum("ofk,kf->o", weight, padded[i, t : t + 3]) for i, t in steps]
        )
        np.testing.assert_allclose(linear, expected, atol=1e-6)
        x[1, 2:] = 5.0  # whatever the padding holds
        np.testing.assert_allclose(
            net(x, lengths)[-1], linear[-1] + net._recurrent(x, lengths)[-1], atol=1e-6
        )


def test_the_front_end_convolves_block_means_no_wider_than_its_kernel():
    # Since 0.3, blocks of at most kernel_size steps are averaged and the
    # convolutions read the means: a filter that reads only the newest of its
    # 3 frames gives the block means.
    front = FrontEnd(1, (1,), 3, 3)
    with torch.no_grad():
        front.layers[0].weight.copy_(torch.tensor([[[0.0, 0.0, 1.0]]]))
        front.layers[0].bias.zero_()
    x = torch.arange(1.0, 8.0).reshape(1, 7, 1)
    out, lengths = front(x, torch.tensor([7]))
    torch.testing.assert_close(out[0, :, 0], torch.tensor([2.0, 5.0, 7.0 / 3]))
    assert lengths.tolist() == [3]
    assert front.block_means_first and front.layers[0].stride == (1,)
    # Wider blocks, and every block of a model fitted before 0.3, are read by
    # a first convolution at the stride, which weighs each step of the block.
    for wide in (
        FrontEnd(1, (1,), 2, 3),
        FrontEnd(1, (1,), 3, 3, block_means_first=False),
    ):
        assert not wide.block_means_first
        assert wide.layers[0].stride == (3,) and wide.kernel_sizes == [3]


@pytest.mark.parametrize("kernel_size, block", [(3, 2), (2, 3)])
def test_pooled_front_end_takes_the_maximum_of_its_convolutions_outputs(
    kernel_size, block
):
    # conv_pool: the convolutions read blocks of stride / pool steps (block
    # means, or a strided first convolution for blocks wider than the kernel),
    # and each output step is the maximum of `pool` of their outputs.
    torch.manual_seed(0)
    pooled = FrontEnd(2, (4, 3), kernel_size, 2 * block, norm=True, pool=2)
    fine = FrontEnd(2, (4, 3), kernel_size, block, norm=True)
    fine.load_state_dict(pooled.state_dict())
    pooled.eval(), fine.eval()
    x, lengths = torch.randn(2, 13, 2), torch.tensor([13, 5])
    out, pooled_lengths = pooled(x, lengths)
    # The pooled front-end zero-extends the input to whole groups of blocks.
    each, fine_lengths = fine(F.pad(x, (0, 0, 0, -13 % (2 * block))), lengths)
    assert pooled.block_means_first == (block <= kernel_size) == fine.block_means_first
    assert pooled_lengths.tolist() == [-(-n // (2 * block)) for n in (13, 5)]
    assert fine_lengths.tolist() == [-(-n // block) for n in (13, 5)]
    expected = F.max_pool1d(each.transpose(1, 2), 2).transpose(1, 2)
    torch.testing.assert_close(out, expected)
    # Without convolutions there is nothing to pool: block means of the stride.
    assert FrontEnd(1, (), 3, 4, pool=2).pool == 1


@pytest.mark.parametrize(
    "kernel_size, block_means_first", [(8, True), (2, True), (8, False)]
)
def test_downsampling_without_filters_averages_blocks_of_steps(
    kernel_size, block_means_first
):
    # Whatever the kernel (it has nothing to read) and the file's version.
    front = FrontEnd(1, (), kernel_size, 3, block_means_first=block_means_first)
    x = torch.arange(1.0, 8.0).reshape(1, 7, 1)
    out, lengths = front(x, torch.tensor([7]))
    # Blocks [1, 2, 3], [4, 5, 6] and [7, 0, 0] (zero-extended).
    torch.testing.assert_close(out[0, :, 0], torch.tensor([2.0, 5.0, 7.0 / 3]))
    assert lengths.tolist() == [3]


@pytest.fixture(params=["kernel", "torchscript"])
def lstm_steps(request, monkeypatch):
    """Each implementation of the written-out LSTM steps in turn: the C++
    kernel (skipped where it cannot be built) and the TorchScript loops."""
    if request.param == "kernel":
        if _lstm_loop._kernel() is None:
            pytest.skip("the C++ kernel cannot be built here")
    else:
        monkeypatch.setattr(_lstm_loop, "_kernel", lambda: None)
    return request.param


def _against_autograd(activation, hidden, num_layers, x, loss):
    """The written-out LSTM and autograd's op-by-op steps with the same
    weights: the written one, and (outputs, gradients) of each, the gradients
    with respect to ``x`` (where it requires them) and the parameters."""
    torch.manual_seed(0)
    written = LoopRecurrence("lstm", activation, x.shape[2], hidden, num_layers, 0.0)
    reference = LoopRecurrence("lstm", activation, x.shape[2], hidden, num_layers, 0.0)
    written, reference = written.to(x.dtype), reference.to(x.dtype)
    reference.load_state_dict(written.state_dict())
    reference.use_autograd_steps = True
    results = []
    for module in (written, reference):
        out = module(x)
        wrt = [x] * x.requires_grad + list(module.parameters())
        results.append((out, torch.autograd.grad(loss(out), wrt)))
    return written, results


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "identity", "tanh"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_written_out_backward_matches_autograd(lstm_steps, activation, num_layers):
    torch.manual_seed(1)
    x = torch.randn(4, 7, 3, dtype=torch.double, requires_grad=True)
    weights = torch.randn(4, 7, 5, dtype=torch.double)
    written, results = _against_autograd(
        activation, 5, num_layers, x, lambda out: (out * weights).sum()
    )
    (out, grads), (out_ref, grads_ref) = results
    torch.testing.assert_close(out, out_ref, rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, grads_ref):
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    with torch.inference_mode():
        torch.testing.assert_close(written(x), out_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "identity", "tanh"])
def test_lstm_kernel_in_float32_matches_autograd(lstm_steps, activation):
    # The kernel's float32 exp is a polynomial (about 1 ulp); gradients of a
    # wide layer over many steps stay within float32 rounding of autograd's.
    # 61 steps: prediction projects 12 steps at a time here, the last chunk short.
    torch.manual_seed(1)
    x = 3 * torch.randn(33, 61, 6)
    written, results = _against_autograd(
        activation, 40, 1, x, lambda out: out.square().mean()
    )
    (out, grads), (out_ref, grads_ref) = results
    torch.testing.assert_close(out, out_ref, rtol=1e-5, atol=1e-5)
    for got, expected in zip(grads, grads_ref):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    with torch.inference_mode():
        predicted = written(x)
    # Prediction computes what training's forward pass computes, bit for bit.
    torch.testing.assert_close(predicted, out.detach(), rtol=0, atol=0)


@pytest.mark.skipif(
    shutil.which(os.environ.get("CXX", "c++")) is None, reason="no C++ compiler"
)
def test_lstm_kernel_is_built_where_a_compiler_is_found():
    # CI has one: the speed the benchmarks report is the speed CI tests.
    assert _lstm_loop._kernel() is not None
    # In the session's cache (conftest.py): tests never write to the user's.
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "sklearn-rnn"
    assert list(cache.glob("lstm_kernel_*.so"))
    assert not str(cache).startswith(str(Path.home() / ".cache"))


def test_lstm_kernel_build_failure_warns_once_and_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    build = _lstm_loop._kernel.__wrapped__
    with pytest.warns(RuntimeWarning, match=r"no C\+\+ compiler found.*2-3x slower"):
        assert build() is None
    monkeypatch.setattr(_lstm_loop, "_kernel", cache(build))
    module = LoopRecurrence("lstm", "relu", 3, 5, 1, 0.0)
    x = torch.randn(2, 6, 3, requires_grad=True)
    with pytest.warns(RuntimeWarning) as record:
        module(x).sum().backward()
        module(x).sum().backward()
    assert len(record) == 1
    assert x.grad is not None
    assert not list(tmp_path.rglob("*.so"))


def test_lstm_kernel_compile_errors_are_reported(monkeypatch, tmp_path):
    # A compiler that fails: its message ends the warning; no library is
    # installed, and the failure is remembered for the next process.
    compiler = tmp_path / "cxx"
    compiler.write_text("#!/bin/sh\necho 'error: out of cheese' >&2\nexit 1\n")
    compiler.chmod(0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("CXX", str(compiler))
    with pytest.warns(RuntimeWarning, match="out of cheese"):
        assert _lstm_loop._kernel.__wrapped__() is None
    assert not list((tmp_path / "sklearn-rnn").glob("*.so"))
    (marker,) = (tmp_path / "sklearn-rnn").glob("*.failed")
    assert "out of cheese" in marker.read_text()


def _summed_over_steps(d_gates, inputs):
    """``d_gates^T inputs`` over every step and row of time-major
    ``(T, B, 4H)`` and ``(T, B, n)``: how a weight's gradient is computed."""
    return torch.mm(
        d_gates.reshape(-1, d_gates.shape[-1]).t(),
        inputs.reshape(-1, inputs.shape[-1]),
    )


def _lstm_on_threads(module, x, threads, d_gates):
    """Outputs, predictions and gradients of ``out.square().sum()`` on
    ``threads`` threads, with the gradient of the gates (captured into
    ``d_gates``) and the recurrent weight's gradient recomputed from it."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        out = module(x)
        names, params = zip(*module.named_parameters())
        grads = torch.autograd.grad(out.square().sum(), [x, *params])
        with torch.inference_mode():
            predicted = module(x)
        # Time-major inputs of the products: x, and the hidden state before.
        x_t = x.detach().transpose(0, 1).contiguous()
        h_t = F.pad(out.detach(), (0, 0, 1, -1)).transpose(0, 1).contiguous()
        d_gate = d_gates.pop()
        recomputed = _summed_over_steps(d_gate, h_t)
    finally:
        torch.set_num_threads(before)
    results = dict(zip(("x", *names), grads), out=out.detach(), predicted=predicted)
    return results | dict(d_gates=d_gate, x_t=x_t, h_t=h_t, recomputed=recomputed)


def test_lstm_kernel_gives_the_same_results_on_one_and_two_threads(
    lstm_steps, monkeypatch
):
    # 300 rows of 64 units: each step's gate pass is split over the threads
    # (compiled with OpenMP), in the calling thread's floating-point mode.
    # What the steps compute is bitwise the same on one and two threads: the
    # outputs, predictions and the gradients of the gates (dZ), of x and of
    # the biases. The weights' gradients are not, nor can they be: each is
    # one torch matrix product summing over all T * B = 6000 rows (dZ^T x by
    # autograd, dZ^T h_prev by our backward passes), and MKL's sgemm on an
    # Intel Xeon splits that sum between threads (bitwise only under
    # MKL_CBWR=AUTO,STRICT; CI's AMD EPYC did not split it). On the Xeon
    # 1378 of weight_ih's 2048 entries differed, by up to 4.6e-5. So the
    # recurrent weight's gradient must be exactly torch's product at the same
    # thread count, and the 1-vs-2-thread difference of both within float32
    # rounding of the sum: measured up to 1.6 (w_ih) and 3.4 (w_hh) times
    # eps * sum(|terms|), 3.0 and 5.1 under MKL_ENABLE_INSTRUCTIONS=AVX2;
    # 16 leaves room for other CPUs; one of the 6000 rows lost on two threads
    # gives 6.8e4.
    torch.manual_seed(0)
    module = LoopRecurrence("lstm", "relu", 8, 64, 1, 0.0)
    x = torch.randn(300, 20, 8, requires_grad=True)
    d_gates, apply = [], _lstm_loop._LSTMLayer.apply

    def capturing(xw, w_hh, kind):
        if xw.requires_grad:  # not in prediction
            xw.register_hook(d_gates.append)
        return apply(xw, w_hh, kind)

    monkeypatch.setattr(_lstm_loop._LSTMLayer, "apply", capturing)
    one, two = (_lstm_on_threads(module, x, n, d_gates) for n in (1, 2))
    for key in ("out", "predicted", "d_gates", "x", "bias_ih_l0", "bias_hh_l0"):
        torch.testing.assert_close(one[key], two[key], rtol=0, atol=0, msg=key)
    for run in (one, two):
        torch.testing.assert_close(
            run["weight_hh_l0"], run["recomputed"], rtol=0, atol=0
        )
    eps = torch.finfo(torch.float32).eps
    for name, inputs in [("weight_ih_l0", "x_t"), ("weight_hh_l0", "h_t")]:
        d_gate, inputs = one["d_gates"].double(), one[inputs].double()
        bound = eps * _summed_over_steps(d_gate.abs(), inputs.abs())
        error = (one[name] - two[name]).double().abs()
        ratio = (error / bound).nan_to_num().max()
        assert (error <= 16 * bound).all(), f"{name}: {ratio:.3g} * eps * sum(|terms|)"


def test_lstm_loop_runs_uncompiled_where_torchscript_fails(monkeypatch):
    def broken(fn):
        raise RuntimeError("no TorchScript here")

    _lstm_loop._compiled.cache_clear()
    monkeypatch.setattr(torch.jit, "script", broken)
    monkeypatch.setattr(_lstm_loop, "_kernel", lambda: None)
    try:
        assert _lstm_loop._compiled() == (_lstm_loop._forward, _lstm_loop._backward)
        module = LoopRecurrence("lstm", "relu", 3, 5, 1, 0.0)
        x = torch.randn(2, 6, 3, requires_grad=True)
        module(x).sum().backward()
        assert x.grad is not None
    finally:
        _lstm_loop._compiled.cache_clear()


def _assert_glorot_uniform(value):
    """Glorot-uniform: within sqrt(6 / fan_sum), of variance 2 / fan_sum.

    The bound alone holds for torch's default too (1 / sqrt(hidden)), which
    has a variance 1 / (3 hidden): 0.2 to 0.8 of Glorot's for the test's
    shapes, except a bidirectional LSTM's second layer, where the two are the
    same distribution. The mean of value^2 / (2 / fan_sum) has a standard
    error sqrt(0.8 / n) for n uniform values: 4 of them is the tolerance.
    """
    fan_sum = sum(value.shape)
    assert value.abs().max() <= (6 / fan_sum) ** 0.5 + 1e-6
    ratio = float(value.square().mean() / (2 / fan_sum))
    assert abs(ratio - 1) < 4 * (0.8 / value.numel()) ** 0.5, ratio


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_keras_weight_init(cell, activation, bidirectional):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 5, 3)).astype(np.float32)
    params = dict(cell=cell, activation=activation, bidirectional=bidirectional)
    params.update(hidden_size=32, max_iter=1, learning_rate_init=1e-12, random_state=0)
    params.update(early_stopping=False)  # the held-out stop's shrinkage scales the head
    reg = RNNRegressor(weight_init="keras", num_layers=2, **params).fit(X, X[:, -1, 0])
    state = {k: v.double() for k, v in reg.module_.state_dict().items()}
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    for name, value in state.items():
        if "weight_hh" in name:  # orthonormal columns, as Keras' orthogonal
            torch.testing.assert_close(
                value.T @ value, torch.eye(32).double(), atol=1e-5, rtol=0
            )
        elif "weight_ih" in name or name == "head.weight":
            _assert_glorot_uniform(value)
        elif "bias_ih" in name:
            forget = torch.zeros(gates * 32).double()
            if cell == "lstm":
                forget[32:64] = 1.0  # unit forget bias; gates i, f, g, o
            torch.testing.assert_close(value, forget, atol=1e-9, rtol=0)
        elif "bias_hh" in name or name == "head.bias":
            assert value.abs().max() < 1e-9
    torch_init = RNNRegressor(num_layers=2, **params).fit(X, X[:, -1, 0])
    assert not np.allclose(torch_init.predict(X), reg.predict(X))
    again = RNNRegressor(weight_init="keras", num_layers=2, **params).fit(
        X, X[:, -1, 0]
    )
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))


# The classes a fitted model pickles, all in sklearn_rnn/_nn/_module.py up to 0.3.
_CLASSES_03 = ("CategoricalEmbedding", "Ensemble", "FrontEnd", "LoopRecurrence")
_CLASSES_03 += ("MaskedBatchNorm", "RecurrentNet", "_OutputOnly")


def _old_layout_pickle(est):
    """``est`` pickled as 0.3 pickled it: each network class named by its 0.3
    path (protocol 2 names a class as the text ``module\\nname\\n``)."""
    data = pickle.dumps(est, protocol=2)
    for cls in {type(m) for m in est.module_.modules()}:
        if cls.__name__ in _CLASSES_03:
            new = f"c{cls.__module__}\n{cls.__name__}\n".encode()
            assert new in data, new
            old = f"csklearn_rnn._nn._module\n{cls.__name__}\n".encode()
            data = data.replace(new, old)
    return data


def _every_network_class(activation):
    """A fitted regressor whose module holds every class the network has
    (the stepped recurrence with ``activation='relu'``, else the fused one)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 6, 3)).astype(np.float32)
    X[:, :, 0] = rng.randint(0, 3, size=(24, 6))
    params = dict(conv_filters=(4,), conv_norm="batch", downsample=2, n_estimators=2)
    params.update(categorical_features=[0], activation=activation, hidden_size=4)
    reg = RNNRegressor(max_iter=2, random_state=0, **params).fit(X, X[:, -1, 1])
    kinds = {type(m).__name__ for m in reg.module_.modules()}
    assert {"Ensemble", "FrontEnd", "MaskedBatchNorm"} <= kinds
    recurrence = "LoopRecurrence" if activation == "relu" else "_OutputOnly"
    assert {"CategoricalEmbedding", recurrence} <= kinds
    return reg, X


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_model_pickled_with_the_0_3_module_paths_loads(activation):
    reg, X = _every_network_class(activation)
    data = _old_layout_pickle(reg)
    np.testing.assert_array_equal(pickle.loads(data).predict(X), reg.predict(X))


def _with_0_3_names(est):
    """A copy of ``est`` whose objects hold their attributes under 0.3's names
    (``pools``, ``pool_first``, ``_front_end_pools``), as 0.3's pickles do."""
    old = copy.deepcopy(est)
    renames = {"pools": "one_per_sequence", "pool_first": "block_means_first"}
    for obj in [old, *old.module_.modules()]:
        for name, new in [
            *renames.items(),
            ("_front_end_pools", "_front_end_block_means"),
        ]:
            if new in vars(obj):
                vars(obj)[name] = vars(obj).pop(new)
    assert "_front_end_pools" in vars(old)
    return old


@pytest.mark.parametrize("Est", [RNNRegressor, RNNTimestepRegressor])
def test_a_model_pickled_with_the_0_3_attribute_names_loads(Est, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 8, 2)).astype(np.float32)
    y = X[:, -1, 0] if Est is RNNRegressor else X[:, :, 0]
    params = dict(conv_filters=(3,), n_estimators=2, hidden_size=4)
    if Est is RNNRegressor:  # the per-step estimators keep every step
        params["downsample"] = 2
    reg = Est(max_iter=2, random_state=0, **params).fit(X, y)
    loaded = pickle.loads(pickle.dumps(_with_0_3_names(reg)))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    ids = list(range(len(X)))
    expected = SequenceStream(reg).update(ids, X[:, :5])
    np.testing.assert_array_equal(
        SequenceStream(loaded).update(ids, X[:, :5]), expected
    )
    save(loaded, tmp_path / "m.zip")  # the block means survive save and load
    np.testing.assert_array_equal(load(tmp_path / "m.zip").predict(X), reg.predict(X))
