r"""Reductions beyond the core set: ``logsumexp``, ``aminmax``, ``std_mean``/``var_mean``,
``count_nonzero``, ``nansum``/``nanmean``, and the comparisons ``isclose``, ``allclose``,
``equal``.

``logsumexp`` has its own rule, :math:`\bar x = g\, e^{x - z}` (the softmax), and
is computed as :math:`m + \log\sum e^{x - m}` with :math:`m` the maximum, so it
neither overflows nor underflows; ``nansum``/``nanmean`` send no gradient to
the NaN positions. The others compose differentiable reductions.

>>> import tensorlite as tl
>>> tl.logsumexp(tl.tensor([0., 0.]), 0)
tensor(0.6931)
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from .. import _dtype
from ..autograd import grad_mode as _grad_mode
from ..autograd.graph import needs_grad, record
from .._backends import _cpu_reduce, cpu as _cpu
from .._tensor import Tensor, common_device
from . import reductions
from .ordering import return_type
from .reductions import reduce

_AMINMAX = return_type("aminmax", ("min", "max"))


def logsumexp(self, dim, keepdim=False):
    """:math:`\\log \\sum_i e^{x_i}` over ``dim``; integers give the default float dtype."""
    if not (self._dtype.is_floating_point or self._dtype.is_complex):
        self = self.to(_dtype.get_default_dtype())

    def fn(xp, x, axis, keepdims):
        if x.size == 0:
            return xp.log(xp.sum(xp.exp(x), axis=axis, keepdims=keepdims))
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or inf) slices: no shift
        shifted = x - m
        xp.exp(shifted, out=shifted)  # in place: one temporary the size of x
        out = xp.sum(shifted, axis=axis, keepdims=True)
        with np.errstate(divide="ignore"):
            xp.log(out, out=out)
        out += m
        return out if keepdims else out.reshape(_reduced(x.shape, axis))

    return reduce(self, fn, dim, keepdim, name="logsumexp", node="LogsumexpBackward0",
                  backward=lambda xp, g, x, z, a, shape: g * xp.exp(x - z))


def _reduced(shape, axis):
    axes = range(len(shape)) if axis is None else axis
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def aminmax(self, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (all elements by default). A large CPU tensor is read
    once, instead of once for each: in C (:func:`tensorlite._backends._cpu_reduce.minmax`)
    or, without the library, block by block (:func:`_minmax_blocks`)."""
    if dim is not None and self.ndim and self.shape[dim] == 0:
        raise IndexError(f"aminmax(): Expected reduction dim {dim} to have non-zero size.")
    if self.numel() == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    x = self._data
    with _grad_mode.no_grad():  # one node for both results below, as PyTorch's
        both = None
        if dim is None and type(x) is np.ndarray and x.size >= _cpu_reduce.NATIVE_MIN and \
                x.dtype == self._dtype._np:
            both = _cpu_reduce.minmax(x)  # in C, one pass
            if both is None and x.size >= _cpu.PARALLEL_MIN:
                both = _minmax_blocks(x.reshape(-1))
        if both is not None:
            lo, hi = (reduce(self, lambda xp, x, a, k, v=v: v.reshape(
                (1,) * x.ndim if k else ()), None, keepdim, self._dtype, "aminmax")
                for v in both)
        else:
            lo, hi = self.amin(dim, keepdim), self.amax(dim, keepdim)
    if needs_grad(self) and (self._dtype.is_floating_point or self._dtype.is_complex):
        _record_aminmax(self, lo, hi, dim, keepdim)
    return _AMINMAX(lo, hi)


def _record_aminmax(self, lo, hi, dim, keepdim):
    """Give ``(lo, hi)`` one ``AminmaxBackward0`` node: each result's gradient is shared
    evenly among the positions attaining it (as ``amin``/``amax``), and the two add."""
    axis = reductions._axes(self, dim, "aminmax")
    xp, x, shape = self._backend.xp, self._data, self._data.shape
    outs = (lo._data, hi._data)

    def rule(grads):
        total = None
        for g, z in zip(grads, outs):
            part = reductions._even_ties(
                xp, reductions._unreduce(xp, g, shape, axis, keepdim), x,
                reductions._unreduce(xp, z, shape, axis, keepdim), axis, shape)
            total = part if total is None else total + part
        return (total,)

    record("AminmaxBackward0", (self,), (lo, hi), rule, saved=(self,))


_BLOCK_BYTES = 1 << 18
"""Bytes per block of the blockwise reductions: a block and a scratch buffer of the same
size stay in a 512 KiB L2 cache between the passes over them."""


def _by_blocks(flat, job):
    """``job(blocks, first)`` for consecutive runs of ``flat``'s blocks (block ``first``
    onwards), on several threads when ``flat`` is large; returns the number of blocks."""
    size = _BLOCK_BYTES // flat.itemsize
    count = -(-flat.size // size)
    threads = _cpu.THREADS if flat.size >= _cpu.PARALLEL_MIN else 1
    cuts = [count * i // threads for i in range(threads + 1)]
    blocks = [flat[k * size:(k + 1) * size] for k in range(count)]
    _cpu.parallel([functools.partial(job, blocks[a:b], a) for a, b in itertools.pairwise(cuts)])
    return count


def _minmax_blocks(flat):
    """``(min, max)`` of a 1-D NumPy array in one read from memory: the maximum of each
    block is taken while the block is still in cache from its minimum (NaN propagates,
    as PyTorch). Measured on 10M float32: ``x.min(); x.max()`` reads 40 MB twice."""
    lo = np.empty(-(-flat.size // (_BLOCK_BYTES // flat.itemsize)), flat.dtype)
    hi = np.empty_like(lo)

    def job(blocks, first):
        for k, block in enumerate(blocks, first):
            lo[k], hi[k] = np.minimum.reduce(block), np.maximum.reduce(block)

    _by_blocks(flat, job)
    return np.minimum.reduce(lo), np.maximum.reduce(hi)


def std_mean(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """``(std, mean)`` over ``dim``."""
    if isinstance(dim, bool):  # the old (input, unbiased) form
        unbiased, dim = dim, None
    return (self.std(dim, unbiased, keepdim, correction=None if unbiased is not None
                     else correction), self.mean(dim, keepdim))


def var_mean(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """``(var, mean)`` over ``dim``."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return (self.var(dim, unbiased, keepdim, correction=None if unbiased is not None
                     else correction), self.mean(dim, keepdim))


def count_nonzero(self, dim=None):
    """The number of nonzero elements over ``dim`` (int64)."""
    # counting a bool array is NumPy's fast path (one SIMD pass after the comparison)
    return reduce(self, lambda xp, x, a, k: xp.count_nonzero(x != 0, axis=a) if a is None or
                  len(a) else (x != 0).astype(np.int64), dim, False, _dtype.int64,
                  "count_nonzero", cast_input=False)


def nansum(self, dim=None, keepdim=False, *, dtype=None):
    """The sum over ``dim`` with NaN counted as zero."""
    if not self._dtype.is_floating_point:
        return self.sum(dim, keepdim, dtype=dtype)
    if dtype is not None:
        self = self.to(dtype)
    return reduce(self, _nansum, dim, keepdim,
                  name="nansum", node="NansumBackward0",
                  backward=lambda xp, g, x, z, a, shape: g * ~xp.isnan(x))


def _nansum(xp, x, axis, keepdims):
    """The sum with NaN counted as zero. A full reduction of a large NumPy array is
    done in C (:func:`tensorlite._backends._cpu_reduce.nansum`: NaN zeroed by a
    compare-select inside the sum's vector loop) or, without the library, through
    :func:`_nansum_blocks`; otherwise a plain sum, and NaN-skipping only when the
    result shows a NaN (``xp.nansum`` copies its whole input)."""
    full = axis is None or len(axis) == x.ndim
    if type(x) is np.ndarray and full and x.size >= _cpu_reduce.NATIVE_MIN:
        total = _cpu_reduce.nansum(x, keepdims)
        if total is not None:
            return total
    if type(x) is np.ndarray and x.size * x.itemsize > _BLOCK_BYTES and full:
        total = _nansum_blocks(x.reshape(-1))
        return total.reshape((1,) * x.ndim) if keepdims else total
    total = xp.sum(x, axis=axis, keepdims=keepdims)
    if not bool(xp.isnan(total).any()):  # no NaN anywhere (synchronizes on cuda)
        return total
    return xp.nansum(x, axis=axis, keepdims=keepdims)


def _nansum_blocks(flat):
    """The NumPy path (the C library unavailable, or a dtype it does not take): sum
    ``flat`` block by block (:func:`_by_blocks`, on several threads when large),
    then the block sums pairwise: NaN-free data costs one read and PyTorch's rounding
    to within a float32 cascade sum's. A block whose sum is NaN is summed again while in
    cache with its NaN zeroed, and so is every later block of that thread (NaN tends to
    come in bulk), so data with NaN spread through it is still read from memory once.

    Zeroing NaN without a mask: ``fmax(x, 0)`` is ``x`` or 0 for negative ``x`` and NaN
    (fmax ignores NaN), and ``fmin(x, fmax(x, 0))`` then puts the negatives back: ``x``
    with NaN replaced by 0, ``±inf`` kept (``inf - inf`` stays NaN, as PyTorch). Two
    SIMD passes over a cached block; measured against the alternatives on 10M float32
    with 1% NaN: ``np.nansum``/``np.where`` copy the whole array (page faults cost more
    than the sum), ``copyto(where=)``/``putmask`` branch per element, ``isnan`` +
    ``flatnonzero`` + a scatter of zeros needs a copy of each block (memcpy runs at a
    fraction of SIMD speed here), a bool mask turned into an integer AND mask is as fast
    but needs three passes."""
    parts = np.empty(-(-flat.size // (_BLOCK_BYTES // flat.itemsize)), flat.dtype)

    def job(blocks, first):
        zeros, clean = np.zeros(_BLOCK_BYTES // flat.itemsize, flat.dtype), None
        # per thread (NumPy's error state is): inf - inf is NaN and overflow inf, silently
        with np.errstate(invalid="ignore", over="ignore"):
            for k, block in enumerate(blocks, first):
                total = None if clean is not None else np.add.reduce(block)
                if total is None or np.isnan(total):  # NaN (or inf - inf: stays NaN)
                    if clean is None:
                        clean = np.empty_like(zeros)
                    out = clean[:block.size]
                    np.fmax(block, zeros[:block.size], out=out)
                    np.fmin(block, out, out=out)
                    total = np.add.reduce(out)
                parts[k] = total

    _by_blocks(flat, job)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.add.reduce(parts)


def nanmean(self, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` of the non-NaN elements."""
    if dtype is not None:
        self = self.to(dtype)
    reductions._needs_float(self, "nanmean")
    keep = ~self.isnan()
    return nansum(self, dim, keepdim) / keep.sum(dim, keepdim)


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|self - other| <= atol + rtol * |other|`` elementwise (infinities equal to
    themselves; NaN equal to NaN when ``equal_nan``)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' must be Tensor, not "
                        f"{type(other).__name__}")
    if self.dtype is not other.dtype:
        raise RuntimeError(f"{self.dtype} did not match {other.dtype}".replace(
            "tensorlite.", ""))
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    common_device((self, other), "isclose")
    a, b = self.detach(), other.detach()
    if a.dtype is _dtype.bool or not (a.dtype.is_floating_point or a.dtype.is_complex):
        return a == b if rtol == 0 and atol == 0 else \
            isclose(a.double(), b.double(), rtol, atol, equal_nan)
    close = a == b
    finite = a.isfinite() & b.isfinite()
    close = close | (finite & ((a - b).abs() <= atol + rtol * b.abs()))
    if equal_nan:
        close = close | (a.isnan() & b.isnan())
    return close


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element is ``isclose`` (a Python bool)."""
    return bool(isclose(self, other, rtol, atol, equal_nan).all())


def equal(self, other):
    """Whether both tensors have the same shape and elements (a Python bool)."""
    common_device((self, other), "equal")
    if self.shape != other.shape:
        return False
    return bool((self == other).all())


METHODS = {"logsumexp": logsumexp, "aminmax": aminmax, "count_nonzero": count_nonzero,
           "nansum": nansum, "nanmean": nanmean, "isclose": isclose, "allclose": allclose,
           "equal": equal}
FUNCTIONS = {"std_mean": std_mean, "var_mean": var_mean}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
