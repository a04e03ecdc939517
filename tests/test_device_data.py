"""The data path for accelerators, simulated on a CPU-only machine.

No GPU is available where these tests run: the device is torch's 'meta'
device (tensors with shapes and no data), and the device's free memory is
given explicitly. What is checked: the whole data set moves once when it fits
in half the free memory, after which batches are cut on the device without
further copies; otherwise each batch is copied on its own.
"""

import numpy as np
import torch

from sklearn_rnn._training._data import SequenceData, batch_order

META = torch.device("meta")


def _data(flat=False):
    rng = np.random.RandomState(0)
    lengths = rng.randint(2, 9, size=40)
    if flat:
        values = rng.normal(size=(lengths.sum() + 1, 3)).astype(np.float32)
        values[-1] = 0
        offsets = np.cumsum(lengths) - lengths
    else:
        values = rng.normal(size=(40, 8, 3)).astype(np.float32)
        offsets = None
    y = rng.normal(size=(40, 1)).astype(np.float32)
    weight = rng.uniform(size=40).astype(np.float32)
    return SequenceData(values, lengths, y, weight, offsets)


def test_the_whole_data_set_moves_once_when_it_fits():
    for flat in (False, True):
        data = _data(flat)
        size = sum(
            t.numel() * t.element_size()
            for t in (data.values, data.lengths, data.y, data.sample_weight)
        )
        moved = data.on_device(META, free_memory=2 * size + 10**6)
        assert moved.values.device == META and moved.y.device == META
        assert data.values.device.type == "cpu"  # the original is untouched
        assert not moved.pin_batches
        for index in batch_order(data.lengths_np, 16):
            X, (target, weight) = moved.batch(index, META)
            longest = int(data.lengths_np[index].max())
            assert X["x"].device == META and X["x"].shape == (len(index), longest, 3)
            assert target.shape == (len(index), 1) and weight.shape == (len(index),)


def test_data_too_large_for_the_device_is_copied_batch_by_batch():
    data = _data()
    moved = data.on_device(META, free_memory=1000)
    assert moved.pin_batches and moved.values.device.type == "cpu"
    index = np.arange(5, 21)
    X, (target, _) = moved.batch(index, META)
    assert X["x"].device == META and target.device == META
    cpu_X, _ = moved.batch(index, torch.device("cpu"))
    np.testing.assert_array_equal(cpu_X["x"], data.values[5:21, : cpu_X["x"].shape[1]])


def test_cpu_data_stays_as_it_is():
    data = _data()
    assert data.on_device(torch.device("cpu")) is data
