"""Data-parallel training over ``torch.distributed`` (a ``torchrun`` launch).

Every process holds the same data and builds the same global batch order
from the same random stream (rank 0's, broadcast when the fit starts); each
takes a contiguous share of every global batch (the length grouping is kept),
and the gradients of the shares are summed with one all-reduce per batch.
Each process scales its loss by its share of the batch's rows, so the sum is
the gradient of the global batch's mean loss: the gradient a one-process fit
computes on that batch, up to float32 rounding. The summed gradient is
bitwise the same on every process, so the optimizer steps, the weights, the
loss curve and the early-stopping decisions are too.

An explicit all-reduce rather than ``DistributedDataParallel``: DDP averages
gradients (a per-shard mean of means is not the global batch's mean when
shards differ in size or weight), requires every process to run the same
forward calls and unused-parameter bookkeeping, and leaves a wrapper around
``module_`` that a saved model must not keep. Its overlap of communication
with the backward pass matters little for these small recurrent networks,
whose gradients are one buffer of a few hundred kilobytes.
"""

import os
import threading

import numpy as np
import torch
from torch import distributed as dist

__all__ = ["World", "current_world", "local_device", "shard_batches"]


class World:
    """The processes of a distributed fit: ``rank`` and ``size``;
    ``device``, where the collectives' tensors go (a GPU for nccl)."""

    def __init__(self, rank, size, device=None):
        self.rank = rank
        self.size = size
        self.device = torch.device("cpu") if device is None else device

    def broadcast_object(self, obj):
        """Rank 0's ``obj`` on every process."""
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def check_same(self, values, what):
        """Raise unless every process passed the same ``values`` (ints)."""
        mine = torch.tensor(values, dtype=torch.int64, device=self.device)
        everyone = [torch.empty_like(mine) for _ in range(self.size)]
        dist.all_gather(everyone, mine)
        if any(not torch.equal(mine, other) for other in everyone):
            got = [other.tolist() for other in everyone]
            raise ValueError(
                f"A distributed fit needs the same {what} on every process: each "
                "process reads its share of the same batches. Load the same "
                f"data in every process. Got {got} (one per rank) instead."
            )

    def reduce_gradients(self, module, loss):
        """Sum the gradients of ``module`` and ``loss`` over the processes,
        and average its floating buffers (batch normalisation's running
        statistics, which each process updates from its own shard), in one
        all-reduce; returns the summed (global batch) loss."""
        params = [p for p in module.parameters() if p.requires_grad]
        buffers = [b for b in module.buffers() if b.is_floating_point()]
        parts = [
            torch.zeros_like(p).view(-1) if p.grad is None else p.grad.view(-1)
            for p in params
        ]
        parts += [b.view(-1) / self.size for b in buffers]
        flat = torch.cat(parts + [loss.detach().reshape(1)])
        dist.all_reduce(flat)
        start = 0
        for p in params:
            p.grad = flat[start : start + p.numel()].view_as(p).clone()
            start += p.numel()
        with torch.no_grad():
            for b in buffers:
                b.copy_(flat[start : start + b.numel()].view_as(b))
                start += b.numel()
        return flat[-1]


def current_world(device):
    """The :class:`World` of this fit, or None outside a distributed launch.

    A ``torchrun`` launch (``WORLD_SIZE`` > 1 in the environment) whose
    process group is not initialised yet gets one, ``nccl`` for a CUDA
    ``device`` and ``gloo`` otherwise; it stays for the process's later fits.
    """
    if not dist.is_available():
        return None
    if not dist.is_initialized():
        if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            return None
        _check_launching_process()
        backend = "nccl" if device.type == "cuda" else "gloo"
        if backend == "nccl":  # nccl's collectives run on the current GPU
            torch.cuda.set_device(local_device(device))
        dist.init_process_group(backend)
    if dist.get_world_size() <= 1:
        return None
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError(
            "A distributed fit runs in each process's main thread: fits in "
            "several threads of a distributed job (e.g. a search with n_jobs and "
            "the threading backend) would mix their collective calls. Search "
            "with n_jobs=None inside a torchrun job, or outside it."
        )
    collectives = None
    if dist.get_backend() == "nccl":
        collectives = torch.device("cuda", torch.cuda.current_device())
    return World(dist.get_rank(), dist.get_world_size(), collectives)


# The process that imported this package under a torchrun launch: a worker
# process it starts (a search's n_jobs) inherits torchrun's variables, and
# this one, but is none of the ranks; joining the group under a rank's name
# would pair it with the wrong processes or hang.
_PID_VARIABLE = "SKLEARN_RNN_DISTRIBUTED_PID"
if int(os.environ.get("WORLD_SIZE", "1")) > 1:
    os.environ.setdefault(_PID_VARIABLE, str(os.getpid()))


def _check_launching_process():
    launched = os.environ.get(_PID_VARIABLE, str(os.getpid()))
    if launched != str(os.getpid()):
        raise RuntimeError(
            "fit was called in a worker process of a distributed (torchrun) job, "
            "e.g. by a search with n_jobs: only the launched processes take part "
            "in a distributed fit. Search with n_jobs=None inside a torchrun job, "
            f"or outside it. Got process {os.getpid()} instead of {launched}."
        )


def local_device(device):
    """A bare ``cuda`` device is this process's GPU (``LOCAL_RANK``)."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


def shard_batches(order, lengths, per_step, world):
    """This process's share of each global batch of ``order``, with the
    fraction of the batch's loss rows it holds and the batch's size.

    ``per_step``: the loss has a row per real step (its share is one of the
    steps), not one per sequence.
    """
    shards = []
    for batch in order:
        mine = np.array_split(batch, world.size)[world.rank]
        if per_step:
            share = lengths[mine].sum() / lengths[batch].sum()
        else:
            share = len(mine) / len(batch)
        shards.append((mine, float(share), len(batch)))
    return shards
