r"""Cumulative scans along a dim, each with its derivative.

``cumsum``'s derivative is the reversed cumulative sum of the gradient,
``cumprod``'s is :math:`\sum_{j \ge i} g_j \partial z_j/\partial x_i` computed
exactly even with zeros, ``logcumsumexp``'s is :math:`\sum_{j\ge i} g_j e^{x_i -
z_j}` evaluated in log space, and ``cummax``/``cummin`` send the output gradient
back to the selected positions. ``diff`` is made of differentiable slices.

>>> import tensorlite as tl
>>> tl.tensor([1., 2., 3.]).cumsum(0)
tensor([1., 3., 6.])
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import scalar_type_name, Tensor, _dim
from ..autograd.graph import needs_grad, record
from . import inplace
from .ordering import RETURN_TYPES, _array_op, _differentiable, put_along


def _scan_dtype(self, dtype):
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    return self._dtype if self._dtype.is_floating_point or self._dtype.is_complex \
        else _dtype.int64


def _rev_cumsum(xp, g, d):
    return xp.flip(xp.cumsum(xp.flip(g, d), axis=d), d)


def _scan(self, dim, dtype, name, fn, node, rule, saves=True):
    d = _dim(dim, self.ndim, name)
    out_dtype = _scan_dtype(self, dtype)
    src = self if self._dtype is out_dtype else self.to(out_dtype)
    axis = d if self.ndim else None
    out = _array_op(src, lambda xp, x: fn(xp, x, axis).reshape(x.shape), out_dtype)
    if rule is not None and _differentiable(out) and src.requires_grad and needs_grad(src):
        xp, x, z = src._backend.xp, src._data, out._data
        if not self.ndim:
            record(node, (src,), out, lambda grads: (grads[0],))
        else:
            record(node, (src,), out, lambda grads: (rule(xp, grads[0], x, z, d),),
                   saved=(src, out) if saves else ())
    return out


def cumsum(self, dim, *, dtype=None):
    """Running sums along ``dim`` (integers accumulate in int64)."""
    return _scan(self, dim, dtype, "cumsum", lambda xp, x, a: xp.cumsum(x, axis=a),
                 "CumsumBackward0", lambda xp, g, x, z, d: _rev_cumsum(xp, g, d), saves=False)


def _cumprod_backward(xp, g, x, z, d):
    # Exact with zeros: before a slice's first zero, sum_{j>=i} g_j z_j / x_i; at the
    # first zero, the same sum with that zero replaced by one; after it, zero.
    zero = x == 0
    seen = xp.cumsum(zero, axis=d)
    first = zero & (seen == 1)
    before = seen == 0
    safe_x = xp.where(before, x, 1)
    grad = xp.where(before, _rev_cumsum(xp, g * z, d) / safe_x, 0)
    if bool(first.any()):  # synchronizes on cuda
        z1 = xp.cumprod(xp.where(first, 1, x), axis=d)
        grad = xp.where(first, _rev_cumsum(xp, g * z1 * (seen <= 1), d), grad)
    return grad


def cumprod(self, dim, *, dtype=None):
    """Running products along ``dim``."""
    return _scan(self, dim, dtype, "cumprod", lambda xp, x, a: xp.cumprod(x, axis=a),
                 "CumprodBackward0", _cumprod_backward)


def _logcumsumexp_backward(xp, g, x, z, d):
    # sum_{j>=i} g_j exp(x_i - z_j), in log space for positive and negative parts of g
    def part(gp):
        with np.errstate(divide="ignore"):
            logs = xp.log(gp) - z
        rev = xp.flip(xp.logaddexp.accumulate(xp.flip(logs, d), axis=d), d)
        return xp.exp(x + rev)

    return part(xp.maximum(g, 0)) - part(xp.maximum(-g, 0))


def logcumsumexp(self, dim):
    """:math:`\\log \\sum_{j \\le i} e^{x_j}` along ``dim``, without overflow."""
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{scalar_type_name(self._dtype)}'")
    return _scan(self, dim, None, "logcumsumexp",
                 lambda xp, x, a: xp.logaddexp.accumulate(x, axis=a if a is not None else 0)
                 if x.ndim else x.copy(), "LogcumsumexpBackward0", _logcumsumexp_backward)


def _cum_extreme(self, dim, which):
    d = _dim(dim, self.ndim, which)
    ufunc = "maximum" if which == "cummax" else "minimum"

    def values(xp, x):
        return getattr(xp, ufunc).accumulate(x, axis=d) if x.ndim else x.copy()

    vals = _array_op(self, values, self._dtype)

    def indices(xp, x):
        if not x.ndim:
            return xp.zeros((), np.int64)
        shape = [1] * x.ndim
        shape[d] = x.shape[d]
        pos = xp.arange(x.shape[d]).reshape(shape)
        hit = (x == vals._data) | (xp.isnan(x) if x.dtype.kind == "f" else False)
        return xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)

    idx = _array_op(self, indices, _dtype.int64)
    if _differentiable(self) and self.requires_grad and needs_grad(self):
        backend, shape, np_dtype, keep = self._backend, self._data.shape, self._data.dtype, \
            idx._data
        record(which.title() + "Backward0", (self,), vals, lambda grads: (
            put_along(backend, shape, np_dtype, d, keep, grads[0], accumulate=True)
            if len(shape) else grads[0],))
    return RETURN_TYPES[which](vals, idx)


def cummax(self, dim):
    """Running maximum along ``dim`` and the index where it was (last) attained."""
    return _cum_extreme(self, dim, "cummax")


def cummin(self, dim):
    """Running minimum along ``dim`` and the index where it was (last) attained."""
    return _cum_extreme(self, dim, "cummin")


def diff(self, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``!=`` for bool tensors)."""
    if self.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _dim(dim, self.ndim, "diff")
    from .shape import cat

    for name, p in (("prepend", prepend), ("append", append)):
        if p is not None and not isinstance(p, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(p).__name__}")
    x = self
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        parts = [p.expand(*x.shape[:d], p.shape[d] if p.ndim else 1, *x.shape[d + 1:])
                 if p.ndim != x.ndim else p for p in parts]
        x = cat(parts, d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        hi, lo = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = hi != lo if x.dtype is _dtype.bool else hi - lo
    return x


METHODS = {
    "cumsum": cumsum, "cumprod": cumprod, "logcumsumexp": logcumsumexp, "cummax": cummax,
    "cummin": cummin, "diff": diff,
}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
    cls.cumsum_ = inplace.method(cumsum, "cumsum_")
    cls.cumprod_ = inplace.method(cumprod, "cumprod_", reads_self=True)
