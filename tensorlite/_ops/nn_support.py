"""Tensor-level helpers the nn layers need that no op family provides yet (to be
reconciled with the tensor-ops work): :func:`unbind`, and the ``Tensor.softmax`` /
``Tensor.log_softmax`` methods (``output.log_softmax(1)`` in scripts), which are the
functional forms in :mod:`tensorlite.nn.functional`.

>>> import tensorlite as tl
>>> from tensorlite._ops.nn_support import unbind
>>> [t.tolist() for t in unbind(tl.tensor([[1.0, 2.0], [3.0, 4.0]]))]
[[1.0, 2.0], [3.0, 4.0]]
"""

from __future__ import annotations

from .._tensor import _dim, _wrap
from ..autograd.graph import needs_grad, record


def unbind(tensor, dim=0):
    """The slices of ``tensor`` along ``dim``, as one node (``UnbindBackward0``) whose
    derivative stacks the slices' gradients — unlike one index op per slice, whose
    derivatives would each allocate a zero array of the whole tensor's size."""
    dim = _dim(dim, tensor.ndim, "unbind")
    backend = tensor._backend
    data = tensor._data
    outs = [_wrap(data[(slice(None),) * dim + (i,)], tensor._device, tensor._dtype)
            for i in range(tensor.shape[dim])]
    if needs_grad(tensor):
        xp = backend.xp

        def backward(grads):
            return (xp.stack(grads, axis=dim),)  # absent grads arrive as zeros

        record("UnbindBackward0", (tensor,), outs, backward)
    return tuple(outs)


def softmax(self, dim, dtype=None):
    """``x.softmax(dim)``: :func:`tensorlite.nn.functional.softmax` as a method
    (``dim`` is required, as in PyTorch)."""
    from ..nn import functional

    return functional.softmax(self, dim, dtype=dtype)


def log_softmax(self, dim, dtype=None):
    """``x.log_softmax(dim)``: :func:`tensorlite.nn.functional.log_softmax` as a method."""
    from ..nn import functional

    return functional.log_softmax(self, dim, dtype=dtype)


METHODS = {"softmax": softmax, "log_softmax": log_softmax}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
