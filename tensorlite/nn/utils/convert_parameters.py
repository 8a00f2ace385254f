"""Flatten parameters into one vector and back (``torch.nn.utils.parameters_to_vector``).

>>> import tensorlite as tl
>>> lin = tl.nn.Linear(2, 1)
>>> v = tl.nn.utils.parameters_to_vector(lin.parameters())
>>> v.shape
tensorlite.Size([3])
>>> tl.nn.utils.vector_to_parameters(tl.zeros(3), lin.parameters())
>>> lin.bias
Parameter containing:
tensor([0.], requires_grad=True)
"""

from __future__ import annotations

from ..._ops.shape import cat
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _same_device(param, device):
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and joined, in order, into one 1-D tensor
    (differentiable: a copy that keeps the graph)."""
    device = None
    views = []
    for param in parameters:
        device = _same_device(param, device)
        views.append(param.reshape(-1))
    return cat(views)


def vector_to_parameters(vec, parameters):
    """Set each parameter's data to its slice of the 1-D ``vec`` (a view, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    start = 0
    for param in parameters:
        device = _same_device(param, device)
        n = param.numel()
        param.data = vec[start:start + n].view_as(param).data
        start += n
