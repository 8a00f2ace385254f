r"""Lookups: ``embedding`` and ``one_hot``.

>>> import tensorlite as tl
>>> tl.nn.functional.one_hot(tl.tensor([0, 2]), 3)
tensor([[1, 0, 0],
        [0, 0, 1]])
"""

from __future__ import annotations

import numpy as np

from ... import _backends, _dtype
from ..._ops import inplace
from ..._tensor import _compute_dtype, _wrap, common_device
from ...autograd import grad_mode as _autograd
from ...autograd.graph import needs_grad, record
from ._utils import check_tensor, is_int

__all__ = ["embedding", "one_hot"]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` by the integer indices in ``input``.

    Returns ``weight[input]`` with shape ``input.shape + (embedding_dim,)``.
    With ``max_norm``, the looked-up rows of ``weight`` whose ``norm_type``-norm
    exceeds it are first rescaled in place to norm ``max_norm`` (PyTorch's
    ``embedding_renorm_``). ``padding_idx`` only matters for gradients.
    """
    fn = "embedding"
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    device = common_device((input, weight), fn)
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.type()} instead "
                           f"(while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    backend = _backends.get(device)
    with backend.context(device):
        xp = backend.xp
        idx = input._data
        if idx.size and input._backend.has_data:
            # A value check: synchronizes on cuda, where out-of-range indices would
            # otherwise wrap around silently.
            if bool(xp.any((idx < 0) | (idx >= num))):
                raise IndexError("index out of range in self")
        if max_norm is not None and idx.size:
            _embedding_renorm_(weight, xp.unique(idx), float(max_norm), float(norm_type))
        data = xp.take(weight._data, idx.reshape(-1), axis=0).reshape(tuple(idx.shape) + (weight.shape[1],))
    result = _wrap(data, device, weight.dtype)
    if needs_grad(weight):
        shape = weight._data.shape
        flat = idx.reshape(-1)

        def backward(grads):  # rows add up over repeated indices; padding_idx gets none
            g = grads[0].reshape(-1, shape[1])
            if padding_idx is not None:
                g = g * (flat != padding_idx % shape[0])[:, None]
            out = xp.zeros(shape, g.dtype)
            backend.scatter_add(out, flat, g)
            return None, out

        record("EmbeddingBackward0", (input, weight), result, backward)
    return result


def _embedding_renorm_(weight, rows, max_norm, norm_type):
    """Rescale ``weight[rows]`` in place to norm at most ``max_norm`` (PyTorch's 1e-7 guard)."""
    backend = weight._backend
    xp = backend.xp
    compute = _compute_dtype(weight.dtype)._np
    sel = backend.astype(weight._data[rows], compute)
    norms = xp.sum(xp.abs(sel) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(compute)
    with _autograd.no_grad():
        inplace.write(weight, rows, backend.astype(sel * scale[:, None], weight.dtype._np))



def one_hot(tensor, num_classes=-1):
    """``int64`` tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index.

    ``num_classes=-1`` takes one more than the largest value (a value read: on cuda it
    synchronizes). Indices must be ``int64`` and in ``[0, num_classes)``.
    """
    check_tensor(tensor, "tensor", "one_hot")
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if not is_int(num_classes) or num_classes < -1:
        raise RuntimeError("num_classes should be positive or -1")
    backend = tensor._backend
    with backend.context(tensor.device):
        xp = backend.xp
        idx = tensor._data
        if backend.has_data and idx.size:
            low, high = int(idx.min()), int(idx.max())
            if low < 0:
                raise RuntimeError("Class values must be non-negative.")
            if num_classes == -1:
                num_classes = high + 1
            elif high >= num_classes:
                raise RuntimeError("Class values must be smaller than num_classes.")
        elif num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        data = (idx[..., None] == xp.arange(num_classes)).astype(np.int64)
    return _wrap(data, tensor.device, _dtype.int64)
