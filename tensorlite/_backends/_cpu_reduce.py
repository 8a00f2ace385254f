"""Large float32/float64 CPU reductions in C (``_reduce.c``): ``sum``, ``mean``,
``nansum``, ``amax``/``amin``/``aminmax`` of a whole array and ``sum``/``mean`` over
the last dimensions, one C call per thread's piece (:func:`tensorlite._backends.cpu.parallel`).

Each function returns ``None`` when it does not apply -- the library is unavailable
(no compiler, ``TENSORLITE_NATIVE=0``), the array is not a C-contiguous float32/float64
NumPy array of at least :data:`NATIVE_MIN` elements, or the axes are not the whole array
(or its last dimensions, for sums) -- and the caller computes the same reduction with
NumPy.

Why C: NumPy's float32 pairwise sum is compute-bound (~14 GB/s per core here), not
memory-bound; its ``fmin``/``fmax`` NaN-zeroing for ``nansum`` and separate ``min`` and
``max`` passes cost more still. Measured on 10M float32 (AMD EPYC, 2 cores, one
thread, best of 25 on a shared machine): NumPy ``x.sum()`` 7.8 ms; the C sum 2.4-2.6
ms, nansum 2.9-3.3 ms, min+max in one pass 2.3-3.2 ms, row sums of 1000x10000 2.6 ms
-- PyTorch on one thread 2.2-3.3 ms for the same: both read memory at ~15 GB/s. Two
threads halve that only when both cores are free (the pool's thread must be woken;
PyTorch's OpenMP threads spin).

Accuracy: a sum is NumPy's pairwise summation with every level above the first 16
(float32; 32 for float64) additions per lane done in double, then rounded once to the
input type (``_reduce.c``): its error is at most half an ulp plus 16 unit roundoffs
of the sum of magnitudes, whatever the length (NumPy's bound adds ~log2(n / 128)
float32 levels). Not bit-identical to ``numpy.sum`` nor to PyTorch's cascade sum.
Extremes are exact, NaN wins as in PyTorch.

Example:
    >>> import numpy as np
    >>> x = np.ones(NATIVE_MIN, np.float32)
    >>> r = sum(x, None, False)
    >>> r is None or float(r) == NATIVE_MIN
    True
"""

from __future__ import annotations

import builtins
import ctypes
import functools

import numpy as np

from .._native import Library
from . import cpu as _cpu

__all__ = ["library", "reset", "sum", "mean", "nansum", "minmax", "NATIVE_MIN"]

NATIVE_MIN = 1 << 14
"""Elements from which the C library is used: below it NumPy's call (a few µs) is as
fast as the ctypes call's own overhead."""

CHUNK = 2048
"""``_reduce.c``'s chunk: threads' pieces start at multiples of it, so a sum's
float32 (first-level) additions do not depend on the number of threads."""

MIN_COLS = 128
"""Row sums in C from this row length; shorter rows stay with NumPy (the per-row call
costs more than it saves)."""

_P, _N = ctypes.c_void_p, ctypes.c_int64
_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


def _setup(lib):
    """Declare the signatures; check every function against NumPy on small arrays
    (odd lengths, several chunks, NaN and infinities)."""
    for sfx in _SUFFIX.values():
        for name in ("sum", "nansum"):
            f = getattr(lib, f"{name}_{sfx}")
            f.argtypes, f.restype = [_P, _N], ctypes.c_double
        f = getattr(lib, f"rowsum_{sfx}")
        f.argtypes, f.restype = [_P, _N, _N, _P], None
        f = getattr(lib, f"minmax_{sfx}")
        f.argtypes, f.restype = [_P, _N, _P], None
    rng = np.random.default_rng(0)
    for dtype, sfx in _SUFFIX.items():
        x = rng.standard_normal(3 * CHUNK + 37).astype(dtype)
        exact = float(np.sum(x, dtype=np.float64))
        rows = np.empty(3)
        getattr(lib, f"rowsum_{sfx}")(x.ctypes.data, 3, x.size // 3, rows.ctypes.data)
        lohi = np.empty(2, dtype)
        getattr(lib, f"minmax_{sfx}")(x.ctypes.data, x.size, lohi.ctypes.data)
        y = x.copy()
        y[[5, 700]] = np.nan
        nan_lohi = np.empty(2, dtype)
        getattr(lib, f"minmax_{sfx}")(y.ctypes.data, y.size, nan_lohi.ctypes.data)
        if not (abs(getattr(lib, f"sum_{sfx}")(x.ctypes.data, x.size) - exact) <= 1e-4
                and abs(getattr(lib, f"nansum_{sfx}")(y.ctypes.data, y.size)
                        - float(np.nansum(y, dtype=np.float64))) <= 1e-4
                and np.allclose(rows, x[:rows.size * (x.size // 3)].reshape(3, -1)
                                .sum(1, dtype=np.float64), rtol=0, atol=1e-4)
                and lohi[0] == x.min() and lohi[1] == x.max()
                and np.isnan(nan_lohi).all()):
            return False
    return True


LIBRARY = Library("reduce", "_backends/_reduce.c", _setup)
library = LIBRARY.get
reset = LIBRARY.reset


def _native(x):
    """The library and the function suffix for ``x``, or ``(None, None)``."""
    sfx = _SUFFIX.get(x.dtype) if type(x) is np.ndarray else None
    if sfx is None or x.size < NATIVE_MIN or not x.flags.c_contiguous:
        return None, None
    return library(), sfx


def _pieces(n, rows=None):
    """``(start, stop)`` pieces of ``range(n)``, one per thread from
    ``cpu.PARALLEL_MIN`` elements, cut at multiples of :data:`CHUNK` -- or, given the
    number of ``rows`` of ``n`` elements in all, pieces of ``range(rows)``."""
    parts = builtins.min(_cpu.THREADS, builtins.max(n // (_cpu.PARALLEL_MIN // 2), 1))
    if rows is not None:
        parts = builtins.min(parts, rows)
        cuts = [rows * i // parts for i in range(parts + 1)]
    else:
        cuts = [0] + [(n * i // parts) // CHUNK * CHUNK for i in range(1, parts)] + [n]
    return list(zip(cuts[:-1], cuts[1:]))


def _full(lib, fn, x):
    """``fn`` (a C function of ``(pointer, count)`` returning double) over all of ``x``,
    its pieces added in double."""
    base, size = x.ctypes.data, x.itemsize
    parts = _cpu.parallel([functools.partial(fn, base + a * size, b - a)
                           for a, b in _pieces(x.size)])
    return np.float64(builtins.sum(parts[1:], parts[0]))


def _shaped(value, x, keepdims):
    return np.asarray(value, x.dtype).reshape((1,) * x.ndim if keepdims else ())


def _rows(lib, sfx, x, axis):
    """The double sums of ``x``'s rows when ``axis`` are its last dimensions (as
    ``(kept shape, sums)``), else ``None``."""
    if axis is None or len(axis) == x.ndim or sorted(axis) != list(
            range(x.ndim - len(axis), x.ndim)):
        return None
    kept = x.shape[:x.ndim - len(axis)]
    rows = int(np.prod(kept, dtype=np.int64))
    cols = x.size // rows
    if cols < MIN_COLS:
        return None
    out = np.empty(rows)
    fn, base, step = getattr(lib, f"rowsum_{sfx}"), x.ctypes.data, cols * x.itemsize
    _cpu.parallel([functools.partial(fn, base + a * step, b - a, cols, out[a:].ctypes.data)
                   for a, b in _pieces(x.size, rows)])
    return kept, out


def _sum(x, axis, keepdims, mean):
    lib, sfx = _native(x)
    if lib is None:
        return None
    if axis is None or len(axis) == x.ndim:
        value = _full(lib, getattr(lib, f"sum_{sfx}"), x)
        return _shaped(value / x.size if mean else value, x, keepdims)
    found = _rows(lib, sfx, x, axis)
    if found is None:
        return None
    kept, out = found
    if mean:
        out /= x.size // out.size
    out = out.astype(x.dtype).reshape(kept)
    return out.reshape(kept + (1,) * len(axis)) if keepdims else out


def sum(x, axis, keepdims):  # noqa: A001 - the reduction's name
    """The sum of ``x`` over ``axis`` (``None``: all) in ``x``'s dtype, or ``None``."""
    return _sum(x, axis, keepdims, False)


def mean(x, axis, keepdims):
    """The mean of ``x`` over ``axis``: the double sum divided by the count, rounded
    once to ``x``'s dtype; or ``None``."""
    return _sum(x, axis, keepdims, True)


def nansum(x, keepdims):
    """The sum of all of ``x`` with NaN counted as zero (``inf - inf`` is NaN), or
    ``None``."""
    lib, sfx = _native(x)
    if lib is None:
        return None
    return _shaped(_full(lib, getattr(lib, f"nansum_{sfx}"), x), x, keepdims)


def minmax(x):
    """``(min, max)`` of all of ``x`` as 0-d arrays in one read (NaN if any element is
    NaN), or ``None``."""
    lib, sfx = _native(x)
    if lib is None:
        return None
    fn, base, size = getattr(lib, f"minmax_{sfx}"), x.ctypes.data, x.itemsize
    pieces = _pieces(x.size)
    out = np.empty((len(pieces), 2), x.dtype)
    _cpu.parallel([functools.partial(fn, base + a * size, b - a, out[i].ctypes.data)
                   for i, (a, b) in enumerate(pieces)])
    return np.minimum.reduce(out[:, 0]), np.maximum.reduce(out[:, 1])
