import matplotlib
import pytest
import torch

matplotlib.use("Agg")


def pytest_configure(config):
    # Small RNNs run several times faster on one thread on a busy machine.
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    torch.set_num_threads(1)
