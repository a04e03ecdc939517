"""Shrinking a network's outputs toward a constant, inside its last layers."""

import torch

__all__ = ["shrink_outputs"]


def shrink_outputs(module, weight, center):
    """Make ``module`` output ``center + weight * (output - center)``.

    ``weight`` and ``center`` hold one value per output column. The map is
    folded into the layers that make the output (the head and the highway's
    linear path, of every member of an ensemble), so that prediction, streams,
    explanations and exports all read the shrunk network without knowing of
    it. Only for outputs that are predictions as they are (an identity link).
    """
    members = getattr(module, "members", None)
    weight = torch.as_tensor(weight, dtype=torch.float32)
    center = torch.as_tensor(center, dtype=torch.float32)
    with torch.no_grad():
        for member in [module] if members is None else list(members):
            head = member.head
            w, c = weight.to(head.weight.device), center.to(head.weight.device)
            head.weight.mul_(w[:, None])
            head.bias.mul_(w).add_((1 - w) * c)
            if member.highway is not None:
                member.highway.weight.mul_(w[:, None, None])
