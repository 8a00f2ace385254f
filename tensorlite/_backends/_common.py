"""Helpers shared by the array backends (NumPy and CuPy have the same API)."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
import dataclasses
import math
from typing import Any

import ml_dtypes
import numpy as np

THREADS = os.cpu_count() or 1
"""Threads the CPU backend works on (random fills, large reductions), the caller's
included: PyTorch's CPU build uses every core too."""

_pool = None
_pool_lock = threading.Lock()


def thread_pool():
    """The CPU backend's one pool of ``THREADS - 1`` helper threads (the calling thread
    always works too), created on first use. Its callers never wait on a job the pool has
    not started -- they cancel it and run it themselves -- so work submitted from inside
    a job cannot deadlock."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max(THREADS - 1, 1), thread_name_prefix="tensorlite-cpu")
        return _pool


def _reset_pool():
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):  # a forked child inherits the pool but not its threads
    os.register_at_fork(after_in_child=_reset_pool)

_HALF = (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16))
_NO_CONTEXT = contextlib.nullcontext()  # reusable: nothing to select on a single device


class quiet_float_errors:
    """``np.errstate(all="ignore")`` for one operation: inf and nan results come out
    silently, as in PyTorch.

    ``np.errstate`` costs about 4 µs to enter (it rebuilds NumPy's error-state object
    every time), as much as a small elementwise op itself; this sets NumPy's
    context variable to one prebuilt "ignore" state, about 0.2 µs. Falls back to
    ``np.errstate`` where NumPy's internals differ.
    """

    __slots__ = ("_token", "_fallback")

    def __enter__(self):
        if _IGNORE is None:
            self._fallback = np.errstate(all="ignore")
            self._fallback.__enter__()
        else:
            self._token = _ERRSTATE_VAR.set(_IGNORE)

    def __exit__(self, *exc):
        if _IGNORE is None:
            self._fallback.__exit__(*exc)
        else:
            _ERRSTATE_VAR.reset(self._token)


try:  # NumPy >= 2: the error state is a context variable holding a prebuilt object
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE_VAR
    from numpy._core._ufunc_config import _make_extobj

    _IGNORE = _make_extobj(all="ignore")
except (ImportError, AttributeError, TypeError):
    _ERRSTATE_VAR = _IGNORE = None


def astype(array, np_dtype, copy=False):
    """Cast like PyTorch: float64 data bound for a half type goes through float32.

    NumPy rounds float64 -> float16 directly, which differs from PyTorch on
    ~50 values per million (double rounding is what PyTorch does).
    """
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _HALF and array.dtype == np.float64:
        array = array.astype(np.float32)
        copy = False
    return array.astype(np_dtype, copy=copy)


def host_array(data, np_dtype):
    """Python data or a NumPy array as a NumPy array of ``np_dtype`` (a copy)."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _HALF:
        arr = np.array(data, dtype=np.float32 if not _is_float64(data) else np.float64)
        return astype(arr, np_dtype)
    # parse, then cast: integers wrap modulo 2**bits as in PyTorch (uint8 * -1 is 255),
    # where NumPy 2 refuses out-of-range Python ints
    return np.array(data).astype(np_dtype, copy=False)


def _is_float64(data):
    return isinstance(data, (np.ndarray, np.generic)) and data.dtype == np.float64


class SingleDevice:
    """What the cpu and meta backends share: one device, always there, nothing to
    select or wait for."""

    def is_available(self):
        return True

    def device_count(self):
        return 1

    def check(self, device):
        return device

    def context(self, device):
        return _NO_CONTEXT

    def synchronize(self, device):
        pass


@dataclasses.dataclass(frozen=True)
class Weights:
    """``multinomial``'s weights, checked before any word is drawn (DESIGN §7).

    ``problem`` is ``None``, ``"values"`` (a weight is negative, infinite or nan) or
    ``"sum"`` (a row of zeros: its sum is not positive); ``index`` is what the
    backend precomputed for sampling while it read the weights (the CPU's block
    sums), or ``None``.
    """

    probs: Any
    problem: str | None = None
    index: Any = None

    @property
    def shape(self):
        return self.probs.shape


def weight_problem(xp, lowest, row_max):
    """:class:`Weights`' ``problem`` from the smallest weight and each row's largest.

    Weights are all finite and non-negative exactly when the smallest is ``>= 0``
    and every row maximum is finite (``min`` and ``max`` propagate nan); a row of
    such weights then has a positive sum exactly when its maximum is positive.
    """
    if not (lowest >= 0 and bool(xp.isfinite(row_max).all())):
        return "values"
    if not bool((row_max > 0).all()):
        return "sum"
    return None


def check_weights(xp, probs2d):
    """:class:`Weights` for ``probs2d`` from two reductions (value checks synchronize
    on CUDA)."""
    if probs2d.size == 0:
        return Weights(probs2d)
    with np.errstate(invalid="ignore"):
        return Weights(probs2d, weight_problem(xp, float(probs2d.min()), probs2d.max(axis=1)))


def block_runs(shape, box):
    """The block ``box`` of a C-ordered array of ``shape`` as runs of consecutive
    flat elements: returns ``(starts, length)``, the runs' first flat indices
    (int64, ascending) and their common length.

    ``box`` holds one ``(start, stop)`` per dimension. Trailing dimensions the
    block covers whole join its run, so a block of whole rows is one run and a
    column block of an ``(R, W)`` array is ``R`` runs ``W`` apart. Dask blocks and
    CUDA strided launches use this to compute only their own elements.

    Example:
        >>> block_runs((4, 6), ((1, 3), (2, 5)))
        (array([ 8, 14]), 3)
        >>> block_runs((4, 6), ((1, 3), (0, 6)))
        (array([6]), 12)
    """
    shape = tuple(int(s) for s in shape)
    sizes = [int(b) - int(a) for a, b in box]
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    d = len(shape) - 1
    while d > 0 and sizes[d] == shape[d]:  # whole trailing dimensions extend the run
        d -= 1
    if d < 0:  # a 0-d array: one element
        return np.zeros(1, np.int64), 1
    length = sizes[d] * strides[d]
    starts = np.array([int(box[d][0]) * strides[d]], np.int64)
    for i in range(d - 1, -1, -1):  # outer dimensions enumerate the runs, in C order
        outer = np.arange(int(box[i][0]), int(box[i][1]), dtype=np.int64) * strides[i]
        starts = (outer[:, None] + starts[None, :]).reshape(-1)
    return starts, length
