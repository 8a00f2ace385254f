r"""Reductions (``sum``, ``mean``, ``var``, ``std``, ``prod``, ``max``/``min`` and
their ``amax``/``arg`` forms, ``all``, ``any``), each with its derivative.

A reduction's gradient is the output gradient broadcast back over the reduced
dimensions (:func:`_unreduce`), times the reduction's local derivative:
``1`` for ``sum``, ``1/n`` for ``mean``, ``2 (x - mean) / (n - correction)``
for ``var``, the product of the other elements for ``prod``, and for
``max``/``min`` the selected positions (ties share the gradient evenly when
no ``dim`` is given, as PyTorch's ``evenly_distribute_backward``).

>>> import tensorlite as tl
>>> x = tl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> x.mean(dim=0).sum().backward()
>>> x.grad
tensor([[0.5000, 0.5000],
        [0.5000, 0.5000]])
"""

from __future__ import annotations

import builtins
import collections
import functools

import numpy as np

from .. import _backends, _device, _dtype
from .._backends import _cpu_reduce, cpu as _cpu
from .._tensor import scalar_type_name, Tensor, _compute_dtype, _dim, _wrap
from ..autograd import grad_mode as _grad_mode
from ..autograd.graph import record
from . import elementwise


def _return_type(name):
    """PyTorch's ``return_types.max``/``min``: a (values, indices) named tuple."""
    class ReturnType(collections.namedtuple(name, ["values", "indices"])):
        __slots__ = ()

        def __repr__(self):
            return (f"tensorlite.return_types.{name}(\nvalues={self.values!r},"
                    f"\nindices={self.indices!r})")

    ReturnType.__name__ = ReturnType.__qualname__ = name
    return ReturnType


_CPU = _backends.get(_device.CPU)

RETURN_TYPES = {"max": _return_type("max"), "min": _return_type("min")}


def _axes(tensor, dim, name):
    if dim is None:
        return None
    if type(dim) is int:  # the common case, without the general checks (~1 µs, profiled)
        ndim = tensor._data.ndim
        if ndim and -ndim <= dim < ndim:
            return (dim % ndim,)
    elif dim == () or dim == []:  # an empty dim list reduces all
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = tuple(_dim(d, tensor.ndim, name) for d in dims)
    return None if tensor.ndim == 0 else axes


def _unreduce(xp, g, shape, axis, keepdim):
    """``g`` with the reduced axes restored (size 1), ready to broadcast to ``shape``."""
    if axis is not None and not keepdim:
        g = xp.expand_dims(g, tuple(sorted(axis)))
    elif axis is None and g.ndim != len(shape):
        g = g.reshape((1,) * len(shape))
    return g


def reduce(tensor, fn, dim, keepdim, out_dtype=None, name="reduce", node=None, backward=None,
           uses_values=True, cast_input=True):
    """Apply ``fn(xp, x, axis, keepdims)``. ``backward(xp, g, x, z, axis, shape)`` gets
    ``g`` and the output ``z`` with the reduced axes restored (size 1), and the input
    ``x`` (``None`` unless ``uses_values``: then the graph keeps only its shape). The input
    is cast to the output's compute dtype first unless ``cast_input`` is false (index
    results: ``argmax`` of floats must not see them truncated to integers)."""
    axis = _axes(tensor, dim, name)
    out_dtype = out_dtype or tensor._dtype
    compute = _compute_dtype(out_dtype if cast_input else tensor._dtype)
    backend = _backends.get(tensor._device)
    x = tensor._data
    if backend is _CPU and x.dtype == compute._np:
        # the common case: no cast and no device context to enter (profiled: a third of
        # a small reduction's time went to the general path's lookups and calls)
        data = fn(np, x, axis, keepdim)
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if data.dtype != out_dtype._np:
            data = backend.astype(data, out_dtype._np)
    else:
        with backend.context(tensor._device):
            if x.dtype != compute._np and cast_input:
                x = backend.astype(x, compute._np)
            data = backend.xp.asarray(fn(backend.xp, x, axis, keepdim))
            if data.dtype != out_dtype._np:
                data = backend.astype(data, out_dtype._np)
    out = _wrap(data, tensor._device, out_dtype)
    if backward is not None and tensor.requires_grad and _grad_mode._mode.enabled and \
            (out_dtype.is_floating_point or out_dtype.is_complex):
        xp, shape = backend.xp, x.shape
        kept_x = x if uses_values else None
        kept_z = data if uses_values else None

        def rule(grads):
            g = _unreduce(xp, grads[0], shape, axis, keepdim)
            z = None if kept_z is None else _unreduce(xp, kept_z, shape, axis, keepdim)
            return (backward(xp, g, kept_x, z, axis, shape),)

        record(node, (tensor,), out, rule, saved=(tensor,) if uses_values else ())
    return out


def _pairwise_bounds(n, parts):
    """``parts`` (a power of two) ``(start, stop)`` pieces of ``range(n)``, cut where
    NumPy's pairwise summation cuts: at ``n // 2`` rounded down to a multiple of 8,
    recursively. Summing each piece and adding the partial sums pairwise then gives
    NumPy's one-call float sum bit for bit.

    >>> _pairwise_bounds(100, 2)
    [(0, 48), (48, 100)]
    """
    if parts == 1:
        return [(0, n)]
    half = n // 2 - n // 2 % 8
    return _pairwise_bounds(half, parts // 2) + [
        (half + a, half + b) for a, b in _pairwise_bounds(n - half, parts // 2)]


def _pairwise(values, combine):
    """``values`` joined neighbour by neighbour: ``(a + b) + (c + d)``."""
    while len(values) > 1:
        values = [combine(*values[i:i + 2]) if i + 1 < len(values) else values[i]
                  for i in range(0, len(values), 2)]
    return values[0]


def threaded(x, axis, keepdims, part, combine=None):
    """``part(x, axis, keepdims)`` computed in pieces on several threads
    (:func:`tensorlite._backends.cpu.parallel`), or ``None`` when ``x`` is not a
    C-contiguous NumPy array of at least ``PARALLEL_MIN`` elements (then the caller
    reduces in one call: small inputs never pay for a thread handoff).

    A reduction that keeps a dimension is split along the outermost kept one; each
    piece is reduced whole, so the result is exactly the one-call result. A full
    reduction is cut at NumPy's pairwise-summation points (:func:`_pairwise_bounds`) and
    the partial results are joined pairwise with ``combine``: exact for ``max``/``min``
    (NaN propagates), NumPy's own float32/float64 ``sum`` bit for bit (PyTorch's cascade
    sum agrees to rounding). Without ``combine`` a full reduction is not split.

    >>> import numpy as np
    >>> x = np.arange(3 * 2**20, dtype=np.float64)
    >>> bool(threaded(x, None, False, lambda p, a, k: p.sum(a, keepdims=k), np.add) == x.sum())
    True
    """
    if type(x) is not np.ndarray or x.size < _cpu.PARALLEL_MIN or _cpu.THREADS == 1 \
            or not x.flags.c_contiguous:
        return None
    if axis is None or len(axis) == x.ndim:
        if combine is None:
            return None
        # a power of two of pieces, each at least half the threshold
        parts = 1 << (builtins.min(_cpu.THREADS, x.size // (_cpu.PARALLEL_MIN // 2))
                      .bit_length() - 1)
        flat = x.reshape(-1)
        pieces = [flat[a:b] for a, b in _pairwise_bounds(x.size, parts)]
        total = _pairwise(_cpu.parallel([functools.partial(part, p, None, False)
                                         for p in pieces]), combine)
        return np.asarray(total).reshape((1,) * x.ndim if keepdims else ())
    d = next((d for d in range(x.ndim) if d not in axis and x.shape[d] > 1), None)
    parts = builtins.min(_cpu.THREADS, x.shape[d]) if d is not None else 1
    # a dim inside the reduced ones: each piece reads runs of x.strides[d] * (size / parts)
    # bytes; below a page both threads would pull in the same cache lines
    if d is None or d > builtins.min(axis) and x.strides[d] * (x.shape[d] // parts) < 4096:
        return None
    pieces = np.array_split(x, parts, axis=d)
    out = np.concatenate(_cpu.parallel([functools.partial(part, p, axis, True)
                                        for p in pieces]), axis=d)
    return out if keepdims else out.reshape(
        [n for i, n in enumerate(x.shape) if i not in axis])


def _count(shape, axis):
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axis], dtype=np.int64))


def _np_sum(x, a, k):
    return x.sum(a, None, None, k)  # the method skips numpy.sum's Python wrapper (~1.5 µs)


def _sum_forward(xp, x, a, k):
    """The sum over axes ``a`` of a backend array: a large float32/float64 one in C
    (:mod:`tensorlite._backends._cpu_reduce`: all axes or the last ones), else on
    several threads when large (complex full sums in one call: NumPy's pairwise cut
    points differ for them)."""
    if type(x) is np.ndarray:
        if x.size >= _cpu_reduce.NATIVE_MIN:
            out = _cpu_reduce.sum(x, a, k)
            if out is None and x.size >= _cpu.PARALLEL_MIN:
                out = threaded(x, a, k, _np_sum, None if x.dtype.kind == "c" else np.add)
            if out is not None:
                return out
        return x.sum(a, None, None, k)
    return xp.sum(x, axis=a, keepdims=k)


def _mean_forward(xp, x, a, k):
    """The mean over axes ``a``: in C when it can (the double sum over the count,
    rounded once), else a full mean is the (threaded) sum divided by the count as
    ``numpy.mean`` divides (in float64 for float32, rounded once)."""
    if type(x) is np.ndarray and x.size >= _cpu_reduce.NATIVE_MIN:
        out = _cpu_reduce.mean(x, a, k)
        if out is not None:
            return out
    if type(x) is np.ndarray and x.size >= _cpu.PARALLEL_MIN and x.dtype.kind == "f":
        if a is None or len(a) == x.ndim:
            return np.asarray(_sum_forward(xp, x, a, k) / np.intp(x.size), x.dtype)
        out = threaded(x, a, k, lambda piece, a, k: piece.mean(a, keepdims=k))
        if out is not None:
            return out
    return xp.mean(x, axis=a, keepdims=k)


def _extreme_forward(which):
    """``xp.max``/``xp.min`` over axes ``a`` (``which``): over all of a large
    float32/float64 array in C, else on several threads when large."""
    ufunc = np.maximum if which == "max" else np.minimum
    pick = which == "max"

    def part(x, a, k):
        return ufunc.reduce(x, axis=a, keepdims=k)

    def forward(xp, x, a, k):
        if type(x) is np.ndarray and x.size >= _cpu_reduce.NATIVE_MIN and (
                a is None or len(a) == x.ndim):
            both = _cpu_reduce.minmax(x)
            if both is not None:
                return both[pick].reshape((1,) * x.ndim if k else ())
        if type(x) is np.ndarray and x.size >= _cpu.PARALLEL_MIN:
            out = threaded(x, a, k, part, ufunc)
            if out is not None:
                return out
        return getattr(xp, which)(x, axis=a, keepdims=k)

    return forward


_MAX, _MIN = _extreme_forward("max"), _extreme_forward("min")
FORWARDS = {"max": _MAX, "min": _MIN}


def _sum_backward(xp, g, x, z, a, shape):
    return xp.broadcast_to(g, shape)


def sum(self, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - PyTorch's name
    acc = _dtype.to_dtype(dtype) if dtype is not None else (
        self._dtype if self._dtype.is_floating_point or self._dtype.is_complex else _dtype.int64)
    return reduce(self, _sum_forward, dim, keepdim, acc, "sum",
                  "SumBackward0" if dim is None else "SumBackward1", _sum_backward,
                  uses_values=False)


def _needs_float(self, name):
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be "
                           f"either a floating point or complex dtype. Got: "
                           f"{scalar_type_name(self._dtype)}")


def mean(self, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        self = self.to(dtype)
    _needs_float(self, "mean")
    return reduce(self, _mean_forward, dim, keepdim, name="mean",
                  node="MeanBackward0" if dim is None else "MeanBackward1",
                  backward=lambda xp, g, x, z, a, shape: xp.broadcast_to(
                      g / builtins.max(_count(shape, a), 1), shape), uses_values=False)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_rule(ddof, take_root):
    def backward(xp, g, x, z, a, shape):
        centred = x - xp.mean(x, axis=a, keepdims=True)
        scale = g / builtins.max(_count(x.shape, a) - ddof, 0)
        if take_root:  # d std = d var / (2 std)
            return scale * centred / z
        return 2 * scale * centred

    return backward


def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (``correction=1``)."""
    _needs_float(self, "var")
    ddof = _correction(unbiased, correction)
    return reduce(self, lambda xp, x, a, k: xp.var(x, axis=a, keepdims=k, ddof=ddof),
                  dim, keepdim, name="var", node="VarBackward0",
                  backward=_var_rule(ddof, False))


def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation with Bessel's correction by default (``correction=1``)."""
    _needs_float(self, "std")
    ddof = _correction(unbiased, correction)
    return reduce(self, lambda xp, x, a, k: xp.std(x, axis=a, keepdims=k, ddof=ddof),
                  dim, keepdim, name="std", node="StdBackward0", backward=_var_rule(ddof, True))


def _prod_backward(xp, g, x, z, axis, shape):
    # the product of the other elements, exactly (no division, so zeros are fine):
    # exclusive prefix and suffix products along the reduced axes, flattened last
    axes = tuple(range(x.ndim)) if axis is None else tuple(sorted(axis))
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    moved = xp.transpose(x, kept + axes)
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = xp.ones(flat.shape[:-1] + (1,), flat.dtype)
    before = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = xp.flip(xp.cumprod(xp.flip(xp.concatenate([flat[..., 1:], ones], axis=-1), -1),
                               axis=-1), -1)
    others = (before * after).reshape(moved.shape)
    others = xp.transpose(others, tuple(np.argsort(kept + axes)))
    return g * (xp.conj(others) if xp.iscomplexobj(others) else others)  # PyTorch's convention


def prod(self, dim=None, keepdim=False, *, dtype=None):
    acc = _dtype.to_dtype(dtype) if dtype is not None else (
        self._dtype if self._dtype.is_floating_point or self._dtype.is_complex else _dtype.int64)
    return reduce(self, lambda xp, x, a, k: xp.prod(x, axis=a, keepdims=k), dim, keepdim,
                  acc, "prod", "ProdBackward0" if dim is None else "ProdBackward1",
                  _prod_backward)


def _even_ties(xp, g, x, z, axis, shape):
    # the gradient is shared evenly among the positions that attain the extreme
    hit = x == z
    return g * hit / xp.sum(hit, axis=axis, keepdims=True)


def _extreme(self, which, dim, keepdim):
    if self.numel() == 0 and dim is None:
        raise RuntimeError(f"{which}(): Expected reduction dim to be specified for "
                           f"input.numel() == 0. Specify the reduction dim with the "
                           f"'dim' argument.")
    node = which.title() + "Backward1"
    if dim is None:
        return reduce(self, FORWARDS[which], None, False, self._dtype, which, node,
                      _even_ties)
    d = _dim(dim, self.ndim, which)
    indices = _arg(self, "arg" + which, d, keepdim)
    backend = self._backend
    idx = indices._data if keepdim or self.ndim == 0 else \
        backend.xp.expand_dims(indices._data, d)

    def select(xp, g, x, z, a, shape):  # the gradient goes to the returned index only
        if not len(shape):
            return g
        positions = xp.arange(shape[d]).reshape((-1,) + (1,) * (len(shape) - d - 1))
        return xp.where(positions == idx, g, xp.zeros((), g.dtype))

    values = reduce(self, FORWARDS[which], d, keepdim, self._dtype, which,
                    node.replace("1", "0"), select,
                    uses_values=False)
    return RETURN_TYPES[which](values, indices)


def max(self, dim=None, keepdim=False):  # noqa: A001
    if isinstance(dim, Tensor):
        return elementwise.maximum(self, dim)
    return _extreme(self, "max", dim, keepdim)


def min(self, dim=None, keepdim=False):  # noqa: A001
    if isinstance(dim, Tensor):
        return elementwise.minimum(self, dim)
    return _extreme(self, "min", dim, keepdim)


def _check_reduction_dim(self, dim, name):
    if self.numel() == 0 and (dim is None or dim == () or dim == []):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                           f"argument.")


def amax(self, dim=None, keepdim=False):
    _check_reduction_dim(self, dim, "amax")
    return reduce(self, _MAX, dim, keepdim, self._dtype, "amax", "AmaxBackward0", _even_ties)


def amin(self, dim=None, keepdim=False):
    _check_reduction_dim(self, dim, "amin")
    return reduce(self, _MIN, dim, keepdim, self._dtype, "amin", "AminBackward0", _even_ties)


def _arg(self, which, dim, keepdim):
    if dim is None:
        return reduce(self, lambda xp, x, a, k: getattr(xp, which)(x.reshape(-1)), None,
                      False, _dtype.int64, which, cast_input=False)
    d = _dim(dim, self.ndim, which)
    return reduce(self, lambda xp, x, a, k: getattr(xp, which)(x, axis=d, keepdims=k)
                  if x.ndim else xp.zeros((), np.int64), d, keepdim, _dtype.int64, which,
                  cast_input=False)


def argmax(self, dim=None, keepdim=False):
    return _arg(self, "argmax", dim, keepdim)


def argmin(self, dim=None, keepdim=False):
    return _arg(self, "argmin", dim, keepdim)


def all(self, dim=None, keepdim=False):  # noqa: A001
    return reduce(self, lambda xp, x, a, k: xp.all(x, axis=a, keepdims=k), dim, keepdim,
                  _dtype.bool, "all")


def any(self, dim=None, keepdim=False):  # noqa: A001
    return reduce(self, lambda xp, x, a, k: xp.any(x, axis=a, keepdims=k), dim, keepdim,
                  _dtype.bool, "any")


METHODS = {"sum": sum, "mean": mean, "var": var, "std": std, "prod": prod, "max": max,
           "min": min, "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin,
           "all": all, "any": any}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
