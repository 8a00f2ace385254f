"""Creation helpers beyond :mod:`._creation`: ``Tensor.new_*``, ``tril_indices``,
``triu_indices``, ``meshgrid``, the ``size=`` keyword, memory formats, and the
script-level settings PyTorch programs set (``compile``, matmul precision) or
call and tensorlite does not support (sparse layouts).

>>> import tensorlite as tl
>>> tl.zeros(size=(2, 3)).shape
tensorlite.Size([2, 3])
>>> tl.tril_indices(3, 3)
tensor([[0, 1, 1, 2, 2, 2],
        [0, 0, 1, 0, 1, 2]])
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from . import _backends, _device, _dtype
from ._tensor import Tensor, _wrap


# ---- the size= keyword -------------------------------------------------------------------
def size_arg(args, size, fn):
    """The sizes of ``fn(*args, size=size)``: PyTorch's creation functions take either.
    ``zeros``, ``ones``, ``empty``, ``rand`` and ``randn`` call this themselves rather
    than through a decorator: a wrapper's extra call and keyword repacking were a third
    of ``zeros(3, 4)``'s time (profiled)."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{fn}() got multiple values for argument 'size'")
    return (tuple(size) if isinstance(size, (tuple, list)) else (size,),)


def size_keyword(fn):
    """Let ``fn(*size, ...)`` also be called as ``fn(size=(2, 3), ...)`` (PyTorch accepts
    both)."""
    @functools.wraps(fn)
    def wrapper(*args, size=None, **kwargs):
        return fn(*size_arg(args, size, fn.__name__), **kwargs)

    return wrapper


# ---- memory formats (accepted; tensorlite tensors are always C-contiguous) -------------
class _Tag:
    """A named constant printing as ``tensorlite.<name>``."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"tensorlite.{self.name}"


class memory_format(_Tag):  # noqa: N801 - PyTorch's name
    """A memory-format tag. tensorlite lays every tensor out C-contiguously, so the
    ``memory_format=`` arguments are accepted and do not change the layout."""


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


_RANK = {"channels_last": 4, "channels_last_3d": 5}


def check_memory_format(fmt, ndim, fn):
    """``memory_format=`` must be ``None`` or a :class:`memory_format`, and the channels-last
    ones need a rank-4 (rank-5 for ``_3d``) tensor, as in PyTorch. The layout itself stays
    C-contiguous (see :class:`memory_format`)."""
    if fmt is None:
        return
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{fn}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(fmt).__name__}")
    rank = _RANK.get(fmt.name)
    if rank is not None and ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt.name} format")


class layout(_Tag):  # noqa: N801
    """A layout tag; tensorlite has only ``strided`` (dense) tensors."""


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")


def check_layout(layout, fn):
    """``layout=`` must be ``None`` or :data:`strided` (the only layout tensorlite has)."""
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"{fn}(): layout {layout} is not supported: "
                                  f"tensorlite has only dense (strided) tensors")


def accepts_memory_format(fn):
    """Accept ``memory_format=`` (and ``layout=tl.strided``, ``pin_memory=``) and ignore
    them: see :class:`memory_format`."""
    @functools.wraps(fn)
    def wrapper(*args, memory_format=None, layout=None, pin_memory=False, **kwargs):
        check_layout(layout, fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


# ---- Tensor.new_* ---------------------------------------------------------------------------
def _new_args(self, dtype, device):
    return (self.dtype if dtype is None else dtype,
            self.device if device is None else device)


def _new(name, fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False, **kw):
        from . import _creation

        if "size" in kw:
            size = (kw.pop("size"),)
        if kw:
            raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kw)}")
        d, dev = _new_args(self, dtype, device)
        return getattr(_creation, fill)(*size, dtype=d, device=dev,
                                        requires_grad=requires_grad)

    method.__name__ = name
    method.__doc__ = (f"``{fill}`` with this tensor's dtype and device (each may be "
                      f"overridden).")
    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    from ._creation import full

    d, dev = _new_args(self, dtype, device)
    return full(size, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A copy of ``data`` with this tensor's dtype and device (each may be overridden)."""
    from ._creation import tensor

    d, dev = _new_args(self, dtype, device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.detach()
    return tensor(data, dtype=d, device=dev, requires_grad=requires_grad)


# ---- index grids ----------------------------------------------------------------------------
def _triangle_indices(row, col, offset, dtype, device, lower, fn):
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{name} must be non-negative, got{v}")
    d = _dtype.to_dtype(dtype, fn)
    if d not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"\"{fn}\" not implemented for '{d.name}'")
    r, c = np.tril_indices(row, offset, col) if lower else np.triu_indices(row, offset, col)
    dev = _device.to_device(device, fn) if device is not None else _device.get_default_device()
    backend = _backends.get(dev)
    return _wrap(backend.asarray(np.stack([r, c]).astype(d._np), d._np, dev, False), dev, d)


def tril_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None,
                 pin_memory=False):
    """The ``(2, N)`` row and column indices of the lower triangle of a ``row x col``
    matrix (diagonal ``offset`` and below), row by row."""
    return _triangle_indices(row, col, offset, dtype, device, True, "tril_indices")


def triu_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None,
                 pin_memory=False):
    """The ``(2, N)`` indices of the upper triangle (diagonal ``offset`` and above)."""
    return _triangle_indices(row, col, offset, dtype, device, False, "triu_indices")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: ``indexing="ij"`` (PyTorch's default; matrix
    indexing) or ``"xy"`` (Cartesian: the first two dims swapped). The grids are
    expanded views, so gradients flow back to the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass "
                      "the indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = [t.shape[0] for t in flat]
    grids = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[i] = shape[i]
        grids.append(t.reshape(view).expand(shape))
    if swap:  # the grids of (y, x, ...) in matrix indexing, handed back as (x, y, ...)
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def install(cls):
    for name, fill in (("new_zeros", "zeros"), ("new_ones", "ones"), ("new_empty", "empty")):
        setattr(cls, name, _new(name, fill))
    cls.new_full = new_full
    cls.new_tensor = new_tensor
