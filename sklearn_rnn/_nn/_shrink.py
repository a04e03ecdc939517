"""Shrinking a network's outputs toward a constant, and blending them with a
linear map of the last input steps, inside its last layers."""

import torch

__all__ = ["shrink_outputs"]


def shrink_outputs(module, weight, center, linear=None):
    """Make ``module`` output ``center + weight * (output - center)``, plus,
    with ``linear``, ``share * (coef . window + intercept - center)``.

    ``weight`` and ``center`` hold one value per output column. ``linear`` is
    ``(coef, intercept, share)``: the weights ``(n_outputs, channels, k)`` of
    a linear model of the last ``k`` input steps (laid out as a highway's,
    see :func:`last_window`), its intercepts and its share of each output.
    The map is folded into the layers that make the output (the head and the
    highway's linear path, of every member of an ensemble; ``linear`` gives a
    network without a highway one), so that prediction, streams, explanations
    and exports all read the shrunk network without knowing of it. Only for
    outputs that are predictions as they are (an identity link).
    """
    members = getattr(module, "members", None)
    weight = torch.as_tensor(weight, dtype=torch.float32)
    center = torch.as_tensor(center, dtype=torch.float32)
    if linear is not None:  # the same for every member
        coef, intercept, share = (
            torch.as_tensor(a, dtype=torch.float32) for a in linear
        )
        path = share[:, None, None] * coef
    with torch.no_grad():
        for member in [module] if members is None else list(members):
            head = member.head
            w, c = weight.to(head.weight.device), center.to(head.weight.device)
            head.weight.mul_(w[:, None])
            head.bias.mul_(w).add_((1 - w) * c)
            if member.highway is not None:
                member.highway.weight.mul_(w[:, None, None])
            if linear is not None:
                device = head.weight.device
                member.add_highway(path.to(device))
                head.bias.add_(share.to(device) * (intercept.to(device) - c))
