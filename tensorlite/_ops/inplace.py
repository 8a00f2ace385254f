"""In-place writes: PyTorch's rules for writing into a tensor, in one place.

* Every write bumps the tensor's version counter (shared with its views), so a
  node that saved the tensor notices (``tensorlite.autograd.graph``).
* While grad mode is on, writing into a leaf that requires grad, or into a view
  of one, raises PyTorch's error; inside ``no_grad()`` it is allowed.
* An in-place operation on a tensor that is part of a graph is recorded: the
  out-of-place result is computed (with its node) and becomes the tensor's
  history. Writing through a view rebases the history of the view's base with
  a ``CopySlices`` node, so gradients reach both the old contents of the base
  outside the view and whatever was written into it.

>>> import tensorlite as tl
>>> x = tl.tensor([1.0, 2.0], requires_grad=True)
>>> h = x * 1
>>> h += 1
>>> h.grad_fn.name()
'AddBackward0'
"""

from __future__ import annotations

from .. import _dtype, _recipe, _validation
from .._tensor import scalar_type_name, Tensor, _wrap
from ..autograd import grad_mode
from ..autograd.graph import needs_grad, record


def check_writable(tensor):
    """PyTorch's rule for in-place writes to leaves that require grad (and their views)."""
    if not grad_mode._mode.enabled:
        return
    if tensor.requires_grad and tensor._grad_fn is None and tensor._base is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    base = tensor._base
    if base is not None and base.requires_grad and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def write(tensor, key, value, op="__setitem__", source=None):
    """``tensor[key] = value`` on the backend, after the leaf and overlap rules; bumps the
    version. On ``meta`` the write goes into the tensor's recipe (``op`` names it;
    ``source`` is the tensor ``copy_`` reads)."""
    _validation.no_overlap(tensor)
    check_writable(tensor)
    tensor._backend.assign(tensor._data, key, value)
    bump(tensor)
    if not tensor._backend.has_data:
        _recipe.written(tensor, key, op, value=value, source=source)
    return tensor


def bump(tensor):
    if tensor._vbox is not None:
        tensor._vbox[0] += 1


def _snapshot(tensor):
    """``tensor``'s current values and history in a new array: the operand an in-place
    op reads when its derivative needs the old values (the write would overwrite them)."""
    copy = _wrap(tensor._backend.astype(tensor._data, tensor._data.dtype, copy=True),
                 tensor._device, tensor._dtype)
    copy.requires_grad, copy._grad_fn, copy._output_nr = (
        tensor.requires_grad, tensor._grad_fn, tensor._output_nr)
    return copy


def _check_cast(tensor, result, name):
    if _dtype._category(result._dtype) > _dtype._category(tensor._dtype):
        raise RuntimeError(f"result type {scalar_type_name(result.dtype)}"
                           f" can't be cast to the desired output type "
                           f"{scalar_type_name(tensor._dtype)}")


def assign_result(tensor, result, name="inplace", args=None):
    """Make ``result`` (same shape) the new contents of ``tensor``, recording it (on
    ``meta``: in its recipe; ``args`` are the ``(args, kwargs)`` of the method ``name``)."""
    _check_cast(tensor, result, name)
    check_writable(tensor)
    data = result._data
    if data.dtype != tensor._data.dtype:
        data = tensor._backend.astype(data, tensor._data.dtype)
    if tuple(data.shape) != tuple(tensor._data.shape):
        raise RuntimeError(f"output with shape {list(tensor.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    tensor._backend.assign(tensor._data, Ellipsis, data)
    bump(tensor)
    if not tensor._backend.has_data:
        _recipe.written(tensor, Ellipsis, name, args=args)
    if result.requires_grad and grad_mode._mode.enabled:
        if tensor._base is None:
            tensor.requires_grad = True
            tensor._grad_fn, tensor._output_nr = result._grad_fn, result._output_nr
        else:
            _rebase_view(tensor, result)
    return tensor


def _rebase_view(view, result):
    """``view``'s contents became ``result``: give its base a ``CopySlices`` history
    and the view a history that selects from it."""
    base, select = view._base, view._view_fn
    backend = base._backend
    xp = backend.xp
    shape, np_dtype = base._data.shape, base._data.dtype

    def copy_slices(grads):
        g = grads[0]
        outside = g.copy()
        backend.assign(select(xp, outside), Ellipsis, 0)
        return outside, select(xp, g)

    record("CopySlices", (base, result), base, copy_slices)

    def from_base(grads):
        g_base = xp.zeros(shape, np_dtype)
        backend.assign(select(xp, g_base), Ellipsis, grads[0])
        return (g_base,)

    record("AsStridedBackward0", (base,), view, from_base)


def method(fn, name, reads_self=False):
    """The in-place Tensor method ``name`` from the out-of-place op ``fn``."""
    def inplace_method(self, *args, **kwargs):
        _validation.no_overlap(self)  # an expanded tensor cannot take elementwise results
        source = self
        if needs_grad(self, *args):
            check_writable(self)
            if reads_self and self.requires_grad:
                source = _snapshot(self)
        result = fn(source, *args, **kwargs)
        if result is NotImplemented:
            return NotImplemented
        if not isinstance(result, Tensor):
            raise TypeError(f"{name}: unsupported operand")
        if result.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(result.shape)}")
        return assign_result(self, result, name, (args, kwargs))

    inplace_method.__name__ = inplace_method.__qualname__ = name
    return inplace_method
