"""Shape, view, indexing, joining and copying operations, each with its derivative.

Views (``view``, ``reshape`` when it can, ``permute``, ``transpose``,
``expand``, basic indexing, ...) share their base's storage and version
counter, and remember the function that makes them from the base's array, so
an in-place write through a view can rebase the base's history
(``tensorlite._ops.inplace``).

>>> import tensorlite as tl
>>> x = tl.arange(6.).reshape(2, 3).requires_grad_()
>>> x[:, 1:].sum().backward()
>>> x.grad
tensor([[0., 1., 1.],
        [0., 1., 1.]])
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backends, _dtype, _recipe, _validation
from .._backends import _common
from .._factories import check_memory_format
from .._tensor import (Size, Tensor, _dim, _operand, _shape_arg, _transfer, _wrap,
                       common_device)
from ..autograd.graph import named, needs_grad, record
from . import inplace


# ---- views -------------------------------------------------------------------------------
def make_view(tensor, fn, node, backward, is_view=True, key=None):
    """Apply ``fn(xp, array)``; the result shares ``tensor``'s storage when ``is_view``
    (``key``: the basic index that made it, which meta recipes can replay)."""
    backend = tensor._backend
    with backend.context(tensor._device):
        data = fn(backend.xp, tensor._data)
    if is_view and not backend.has_data:
        _recipe.link_view(tensor._data, data, key)
    out = _wrap(data, tensor._device, tensor._dtype)
    if is_view:
        out._vbox = tensor._version_counter()
        if tensor._base is None:
            out._base, out._view_fn = tensor, fn
        else:
            out._base, outer = tensor._base, tensor._view_fn
            out._view_fn = lambda xp, a: fn(xp, outer(xp, a))
    if tensor.requires_grad and needs_grad(tensor):
        xp = backend.xp
        record(node, (tensor,), out, lambda grads: (backward(xp, grads[0]),))
    return out


def _reshaped(tensor, shape, node="ViewBackward0", copy_ok=True):
    in_shape = tensor._data.shape

    def fn(xp, x):
        return x.reshape(shape)

    if copy_ok:
        backend = tensor._backend
        probe = tensor._data.reshape(shape)
        is_view = not backend.has_data or backend.xp.may_share_memory(probe, tensor._data)
        if not is_view:
            return make_view(tensor, lambda xp, x: probe, "UnsafeViewBackward0",
                             lambda xp, g: g.reshape(in_shape), is_view=False)
    return make_view(tensor, fn, node, lambda xp, g: g.reshape(in_shape))


def reshape(self, *shape):
    shape = _shape_arg(shape, self.numel(), "reshape")
    return _reshaped(self, shape)


def view(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        target = shape[0]
        out = make_view(self, lambda xp, x: x.view(target._np), "ViewBackward0",
                        lambda xp, g: g)
        out._dtype = target
        return out
    shape = _shape_arg(shape, self.numel(), "view")
    try:
        self._data.reshape(shape) if not self._backend.has_data else \
            self._backend.xp.reshape(self._data, shape, copy=False)
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and "
                           "stride (at least one dimension spans across two contiguous "
                           "subspaces). Use .reshape(...) instead.") from None
    return _reshaped(self, shape, copy_ok=False)


def flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return self.reshape(1)
    s, e = _dim(start_dim, self.ndim, "flatten"), _dim(end_dim, self.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = self.shape
    return self.reshape(shape[:s] + (Size(shape[s:e + 1]).numel(),) + shape[e + 1:])


def permute(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != self.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input "
                           f"does not match the length of the desired ordering of "
                           f"dimensions i.e. input.dim() = {self.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    axes = tuple(_dim(d, self.ndim, "permute") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    inverse = tuple(np.argsort(axes))
    return make_view(self, lambda xp, x: x.transpose(axes), "PermuteBackward0",
                     lambda xp, g: g.transpose(inverse))


def transpose(self, dim0, dim1, node="TransposeBackward0"):
    if self.ndim == 0:
        return self
    a, b = _dim(dim0, self.ndim, "transpose"), _dim(dim1, self.ndim, "transpose")
    return make_view(self, lambda xp, x: xp.swapaxes(x, a, b), node,
                     lambda xp, g: xp.swapaxes(g, a, b))


def t(self):
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return transpose(self, 0, 1, "TBackward0") if self.ndim == 2 else self


def _T(self):
    return make_view(self, lambda xp, x: x.T, "PermuteBackward0", lambda xp, g: g.T)


def _mT(self):
    return self.transpose(-2, -1)


def unsqueeze(self, dim):
    d = _dim(dim, self.ndim + 1, "unsqueeze")
    in_shape = self._data.shape
    return make_view(self, lambda xp, x: xp.expand_dims(x, d), "UnsqueezeBackward0",
                     lambda xp, g: g.reshape(in_shape))


def squeeze(self, dim=None):
    if dim is None:
        shape = tuple(s for s in self.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {_dim(d, self.ndim, "squeeze") for d in dims} if self.ndim else set()
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
    in_shape = self._data.shape
    node = "SqueezeBackward0" if dim is None else "SqueezeBackward2" if isinstance(
        dim, (tuple, list)) else "SqueezeBackward1"  # PyTorch's overloads
    return make_view(self, lambda xp, x: x.reshape(shape), node,
                     lambda xp, g: g.reshape(in_shape))


def expand(self, *sizes):
    sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(sizes) < self.ndim:
        raise RuntimeError(f"expand(): the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({self.ndim})")
    lead = len(sizes) - self.ndim
    shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                  for i, s in enumerate(sizes))
    for i, s in enumerate(shape[lead:]):
        if self.shape[i] not in (1, s):
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the "
                               f"existing size ({self.shape[i]}) at non-singleton "
                               f"dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(self.shape)}")
    # the engine sums the gradient back over the expanded dimensions
    return make_view(self, lambda xp, x: xp.broadcast_to(x, shape), "ExpandBackward0",
                     lambda xp, g: g)


def expand_as(self, other):
    return self.expand(other.shape)


def view_as(self, other):
    return self.view(other.shape)


def reshape_as(self, other):
    return self.reshape(other.shape)


def narrow(self, dim, start, length):
    d = _dim(dim, self.ndim, "narrow")
    return self[(slice(None),) * d + (slice(start, start + length),)]


def chunk(self, chunks, dim=0):
    d = _dim(dim, self.ndim, "chunk")
    step = -(-self.shape[d] // chunks)
    return tuple(self.narrow(d, i, min(step, self.shape[d] - i))
                 for i in range(0, self.shape[d], step))


# ---- indexing ----------------------------------------------------------------------------
def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, slice) or
               (isinstance(k, (numbers.Integral, np.integer)) and not isinstance(k, bool))
               for k in parts)


def getitem(self, key):
    key = self._index(key)
    backend = self._backend
    shape, np_dtype = self._data.shape, self._data.dtype
    if _is_basic(key):
        parts = key if isinstance(key, tuple) else (key,)
        node = "SelectBackward0" if any(isinstance(k, (numbers.Integral, np.integer))
                                        for k in parts) else "SliceBackward0"

        def backward(xp, g):
            out = xp.zeros(shape, np_dtype)
            backend.assign(out, key, g)
            return out

        return make_view(self, lambda xp, x: x[key], node, backward, key=key)

    def backward(xp, g):  # repeated indices add up
        out = xp.zeros(shape, np_dtype)
        backend.scatter_add(out, key, g)
        return out

    return make_view(self, lambda xp, x: x[key], "IndexBackward0", backward, is_view=False)


def setitem(self, key, value):
    key = self._index(key)
    if isinstance(value, Tensor):
        common_device((self, value), "__setitem__")
        array = _operand(value, self._device, self._dtype._np)
    elif isinstance(value, (bool, int, float, complex)):
        array = _common.host_array(value, self._dtype._np)[()]
    else:  # as PyTorch: sequences and NumPy values go through tensor(...) first
        kind = type(value)
        kind = kind.__name__ if kind.__module__ == "builtins" else \
            f"{kind.__module__.partition('.')[0]}.{kind.__qualname__}"
        raise TypeError(f"can't assign a {kind} to a {self.type()}")
    if not needs_grad(self, value):
        inplace.write(self, key, array)
        return
    inplace.check_writable(self)
    backend = self._backend
    with backend.context(self._device):
        data = self._data.copy()
        backend.assign(data, key, array)
    result = _wrap(data, self._device, self._dtype)

    def backward(grads):
        g = grads[0]
        outside = g.copy()
        backend.assign(outside, key, 0)
        return outside, g[key]

    record("IndexPutBackward0" if not _is_basic(key) else "CopySlices", (self, value), result,
           backward)
    inplace.assign_result(self, result, "__setitem__")


# ---- copies and conversion -----------------------------------------------------------------
def clone(self, *, memory_format=None):
    backend = self._backend
    out = _wrap(backend.astype(self._data, self._data.dtype, copy=True), self._device,
                self._dtype)
    if self.requires_grad and needs_grad(self):
        record("CloneBackward0", (self,), out, lambda grads: (grads[0],))
    return out


def contiguous(self, memory_format=None):
    """This tensor if C-contiguous, else a C-contiguous copy; ``memory_format=`` is checked
    and keeps that layout (see :class:`tensorlite.memory_format`)."""
    check_memory_format(memory_format, self.ndim, "contiguous")
    if self.is_contiguous():
        return self
    backend = self._backend
    with backend.context(self._device):
        data = backend.xp.ascontiguousarray(self._data)
    out = _wrap(data, self._device, self._dtype)
    if self.requires_grad and needs_grad(self):
        record("CloneBackward0", (self,), out, lambda grads: (grads[0],))
    return out


def convert(self, device, dtype):
    """``self`` on ``device`` with ``dtype`` (always a new array): ``Tensor.to``'s work.
    The gradient flows back to the source device and dtype."""
    source = self._device
    if device == source:
        data = self._backend.astype(self._data, dtype._np, copy=True)
    else:
        data = _transfer(self._data, source, device, dtype._np)
    out = _wrap(data, device, dtype)
    if self.requires_grad and needs_grad(self) and (dtype.is_floating_point or dtype.is_complex):
        if device == source:
            backward = lambda grads: (grads[0],)  # noqa: E731 - the engine casts the dtype
        else:
            src_dtype = self._data.dtype
            backward = lambda grads: (_transfer(grads[0], device, source, src_dtype),)  # noqa: E731
        record("ToCopyBackward0", (self,), out, backward)
    return out


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (any device, broadcastable) into this tensor."""
    if not isinstance(src, Tensor):
        from .._creation import tensor as _tensor

        src = _tensor(src, device=self._device)
    try:
        np.broadcast_shapes(tuple(src.shape), tuple(self._data.shape))
    except ValueError:
        raise RuntimeError(f"copy_(): the size of src {tuple(src.shape)} must be "
                           f"broadcastable to {tuple(self.shape)}") from None
    if needs_grad(self, src):
        moved = src if src._device == self._device and src._dtype is self._dtype else \
            convert(src, self._device, self._dtype)
        return inplace.assign_result(self, moved.expand(self.shape), "copy_")
    data = src._data if src._device == self._device else _transfer(
        src._data, src._device, self._device, src._dtype._np)
    return inplace.write(self, Ellipsis, self._backend.astype(data, self._dtype._np), "copy_",
                         source=src)


def fill_(self, value, node="FillBackward2"):  # PyTorch's fill_(Scalar) node
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got "
                               f"tensor with {value.ndim} dimensions.")
        if needs_grad(self, value) and value.requires_grad:
            return inplace.assign_result(self, named(value.to(self._dtype).expand(
                self.shape).clone(), "FillBackward3"), "fill_")
        value = value.item()
    inplace.check_writable(self)
    value = _validation.scalar_to(value, self._dtype._np, "fill_")  # overflow, NaN into ints
    inplace.write(self, Ellipsis, _operand(value, self._device, self._dtype._np), "fill_")
    if self._grad_fn is not None and needs_grad(self):
        record(node, (), self, lambda grads: ())  # old values get no gradient
    return self


def zero_(self):
    return fill_(self, 0, "ZeroBackward0")


# ---- joining -------------------------------------------------------------------------------
def _join(tensors, fn, name, node, backward):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got {type(t).__name__}")
    device = common_device(tensors, name)
    dtype = _dtype.result_type(*[t for t in tensors if t.numel() or t.ndim != 1] or tensors)
    backend = _backends.get(device)
    with backend.context(device):
        arrays = [_operand(t, device, dtype._np) for t in tensors]
        data = fn(backend.xp, arrays)
    out = _wrap(data, device, dtype)
    if (dtype.is_floating_point or dtype.is_complex) and needs_grad(*tensors):
        xp = backend.xp
        record(node, tensors, out, lambda grads: backward(xp, grads[0]))
    return out


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dimension (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    kept = [t for t in tensors if not (isinstance(t, Tensor) and t.ndim == 1 and t.numel() == 0)]
    if not kept:
        return _join(tensors[:1], lambda xp, arrs: arrs[0].copy(), "cat", "CatBackward0",
                     lambda xp, g: (g,))
    d = _dim(dim, kept[0].ndim, "cat")
    for number, t in enumerate(kept):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, got {type(t).__name__}")
        if t.ndim != kept[0].ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{kept[0].ndim} and {t.ndim}")
        for i, (s, s0) in enumerate(zip(t.shape, kept[0].shape)):
            if i != d and s != s0:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {s0} but got size {s} for tensor number "
                                   f"{number} in the list.")
    bounds = np.cumsum([t.shape[d] for t in kept])[:-1].tolist()
    result = _join(kept, lambda xp, arrs: xp.concatenate(arrs, axis=d), "cat", "CatBackward0",
                   lambda xp, g: xp.split(g, bounds, axis=d))
    return result if out is None else out.copy_(result)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join same-shape tensors along a new dimension."""
    tensors = list(tensors)
    if tensors and isinstance(tensors[0], Tensor):
        shape0 = tensors[0].shape
        for i, t in enumerate(tensors):
            if isinstance(t, Tensor) and t.shape != shape0:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                   f"{list(shape0)} at entry 0 and {list(t.shape)} at entry {i}")
        d = _dim(dim, tensors[0].ndim + 1, "stack")
    else:
        d = dim
    count = len(tensors)
    result = _join(tensors, lambda xp, arrs: xp.stack(arrs, axis=d), "stack", "StackBackward0",
                   lambda xp, g: [xp.take(g, i, axis=d) for i in range(count)])
    return result if out is None else out.copy_(result)


METHODS = {
    "reshape": reshape, "view": view, "flatten": flatten, "permute": permute,
    "transpose": lambda self, dim0, dim1: transpose(self, dim0, dim1),
    "swapaxes": lambda self, axis0, axis1: transpose(self, axis0, axis1), "t": t, "T": property(_T),
    "mT": property(_mT), "unsqueeze": unsqueeze, "squeeze": squeeze, "expand": expand,
    "expand_as": expand_as, "view_as": view_as, "reshape_as": reshape_as, "narrow": narrow,
    "chunk": chunk, "__getitem__": getitem, "__setitem__": setitem, "clone": clone,
    "contiguous": contiguous, "copy_": copy_, "fill_": fill_, "zero_": zero_,
}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
