"""``multinomial``'s per-row work from a small C library compiled on first use
(``_multinomial.c``); the CPU backend calls it when :func:`library` is not ``None`` and
:func:`tensorlite.random.distributions.multinomial` otherwise -- the same values
(DESIGN §4.3), which the library's self-check confirms before it is used.

With replacement, :func:`with_replacement` is the whole computation: each row is
quantized and summed in one pass into a scratch row that stays in L1, then each sample
is a binary search. Without replacement, :func:`without_replacement` lets the C code
rule out most categories of a row from cheap bounds on their keys and computes the
exact keys of the few left (the candidates) with NumPy's log, as the NumPy path does,
so the result cannot differ from it.

How the library is built, cached and loaded is :mod:`tensorlite._native`'s.

Example:
    >>> from tensorlite.random import philox
    >>> lib = library()  # None without a C compiler
    >>> p = np.array([[0.1, 0.0, 0.9]], np.float32)
    >>> lib is None or with_replacement(lib, p, 4, philox.words(0, 0, 8)).tolist() == [[2, 2, 2, 2]]
    True
"""

import ctypes
import threading

import numpy as np

from .._native import Library

__all__ = ["library", "reset", "check", "with_replacement", "without_replacement",
           "useful_without"]

_I64, _PTR = ctypes.c_int64, ctypes.c_void_p


def _setup(lib):
    """Declare the signatures; check both functions against the NumPy definition."""
    from . import distributions, philox

    lib.mn_with_replacement.argtypes = [_PTR, _I64, _I64, _I64, _I64, _PTR, _PTR, _I64, _PTR,
                                        _PTR]
    lib.mn_candidates.argtypes = [_PTR, _I64, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR, _PTR,
                                  _PTR, _PTR, _PTR, _PTR]
    lib.mn_take.argtypes = [_PTR, _I64, _I64, _I64, _I64, _PTR, _I64, _PTR, _PTR, _PTR, _I64,
                            _PTR, _PTR]
    lib.mn_check.argtypes = [_PTR, _I64, _I64, _I64]
    lib.mn_check.restype = lib.mn_candidates.restype = _I64
    for f in (lib.mn_with_replacement, lib.mn_take):
        f.restype = None
    # zeros, a weight quantized to zero, a subnormal row, float32 and float64
    rng = np.random.default_rng(0)
    probs = rng.random((24, 300))  # enough rows that a wrong bound shows
    probs[0, ::3] = 0
    probs[1, 5] = 2.0**-70
    probs[2] *= 2.0**-1060  # float64: 2**shift is not a double
    probs[3, 4:9] = -0.0
    probs[4, 2:] = 0  # fewer positive weights than samples: every zero is a candidate
    for dtype in (np.float32, np.float64):
        p = probs.astype(dtype)
        if dtype == np.float32:
            p[2] = rng.random(300) * 1e-40
        for n, replacement in ((9, True), (5, False), (40, False), (290, False)):
            w = philox.words(1, 0, 2 * p.size if not replacement else 2 * len(p) * n)
            call = with_replacement if replacement else without_replacement
            with np.errstate(all="ignore"):
                native = call(lib, p, n, w)
                numpy = distributions.multinomial(np, w.copy(), p, n, replacement)
            if not np.array_equal(native, numpy):
                return False
    return _check_agrees(lib)


def _check_agrees(lib):
    """:func:`check` names the problem the NumPy check names, on each kind of bad weight."""
    from .._backends._common import check_weights

    for dtype in (np.float32, np.float64):
        for bad in (0.5, -0.0, -1e-30, -np.inf, np.inf, np.nan, -np.nan, 0.0):
            p = np.full((3, 5), 0.25, dtype)
            p[1, 2] = bad
            if bad == 0.0:
                p[2] = bad  # a row without a positive weight
            if check(lib, p) != check_weights(np, p).problem:
                return False
    return True


LIBRARY = Library("multinomial", "random/_multinomial.c", _setup)
library = LIBRARY.get
reset = LIBRARY.reset


def check(lib, probs2d):
    """The problem of ``probs2d``'s weights (C-contiguous float32 or float64), as
    :func:`tensorlite._backends._common.weight_problem` names it: ``None``,
    ``"values"`` or ``"sum"``."""
    code = lib.mn_check(probs2d.ctypes.data, int(probs2d.dtype == np.float64), *probs2d.shape)
    return _PROBLEMS[code]


_PROBLEMS = (None, "values", "sum")
_local = threading.local()


def _scratch(nbytes):
    """The address of this thread's scratch buffer of at least ``nbytes`` (kept between
    calls: getting a fresh array's address costs a few µs of a small call)."""
    kept = getattr(_local, "scratch", None)
    if kept is None or kept[0].nbytes < nbytes:
        buffer = np.empty(max(nbytes, 2**16), np.uint8)
        kept = _local.scratch = (buffer, buffer.ctypes.data)
    return kept[1]


def _weights(probs2d):
    """``probs2d`` as C-contiguous float32 or float64, and whether float64."""
    if probs2d.dtype not in (np.float32, np.float64):
        probs2d = probs2d.astype(np.float32)  # half types widen exactly
    return np.ascontiguousarray(probs2d), int(probs2d.dtype == np.float64)


def with_replacement(lib, probs2d, num_samples, words, out=None, words_address=None):
    """``distributions.multinomial(np, words, probs2d, num_samples, True)``, into ``out``
    (int64, ``(rows, num_samples)``, rows may be strided) when given.

    ``words``: the ``2 * rows * num_samples`` words of these samples (C-contiguous
    uint32), or ``None`` with ``words_address`` their address (:func:`address`)."""
    probs2d, f64 = _weights(probs2d)
    rows, categories = probs2d.shape
    if out is None:
        out = np.empty((rows, num_samples), np.int64)
    target = out if out.strides[1] == 8 and out.strides[0] % 8 == 0 else \
        np.empty((rows, num_samples), np.int64)
    if words is not None:
        words_address = np.ascontiguousarray(words, np.uint32).ctypes.data
    blocks = -(-categories // 16)
    scratch = _scratch(17 * 8 * blocks)  # the row's q (whole blocks of 16), block ends
    lib.mn_with_replacement(probs2d.ctypes.data, f64, rows, categories, num_samples,
                            words_address, target.ctypes.data, target.strides[0] // 8,
                            scratch, scratch + 16 * 8 * blocks)
    if target is not out:
        out[...] = target
    return out


def address(array):
    """The address of ``array``'s data, remembered for the array this thread asked about
    last (a run of words that serves many small calls: ``.ctypes.data`` costs ~1.5 µs)."""
    kept = getattr(_local, "address", None)
    if kept is None or kept[0] is not array:
        kept = _local.address = (array, array.ctypes.data)
    return kept[1]


def useful_without(categories, num_samples):
    """Whether :func:`without_replacement` saves work: the candidates are a few times
    ``num_samples``, so with nearly all categories taken, NumPy's sort of whole rows
    is as fast."""
    return num_samples * 8 < categories


def without_replacement(lib, probs2d, num_samples, words, out=None):
    """``distributions.multinomial(np, words, probs2d, num_samples, False)``, into
    ``out`` (int64, ``(rows, num_samples)``, rows may be strided) when given
    (``words``: the ``2 * rows * C`` words of these rows).

    :c:func:`mn_candidates` leaves each row's candidates (a superset of its
    ``num_samples`` smallest keys, usually a few more) with their ``u``; NumPy's log
    of those (the log the NumPy path takes, so the keys are its keys, bit for bit);
    :c:func:`mn_take` divides, orders each row's candidates by (key, index) and writes
    the first ``num_samples``. A row with more candidates than kept (ties on ``+inf``:
    fewer positive weights than samples) takes the NumPy path.
    """
    from . import distributions

    probs2d, f64 = _weights(probs2d)
    rows, categories = probs2d.shape
    n = num_samples
    if out is None:
        out = np.empty((rows, n), np.int64)
    target = out if out.strides[1] == 8 and out.strides[0] % 8 == 0 else \
        np.empty((rows, n), np.int64)
    words = np.ascontiguousarray(words, np.uint32)
    cap = min(categories, 2 * n + 16)
    count = np.empty(rows, np.int64)
    index = np.empty(rows * cap, np.int64)
    u = np.empty(rows * cap, np.float64)
    scratch = _scratch(8 * (n + 3 * categories))  # best; pending index, lower bound, u
    pending = scratch + 8 * n
    p, counts, indices, us = probs2d.ctypes.data, count.ctypes.data, index.ctypes.data, \
        u.ctypes.data
    written = lib.mn_candidates(p, f64, rows, categories, n, words.ctypes.data, cap, counts,
                                indices, us, scratch, pending, pending + 8 * categories,
                                pending + 16 * categories)
    logs = u[:written if written >= 0 else -1 - written]
    np.log(logs, out=logs)  # of u in (0, 1]: no warnings
    lib.mn_take(p, f64, rows, categories, n, counts, cap, indices, us, target.ctypes.data,
                target.strides[0] // 8, scratch, scratch + 8 * cap)
    if written < 0:  # the NumPy path for the rows left alone
        w = words.reshape(rows, 2 * categories)
        for r in np.flatnonzero(count > cap).tolist():
            target[r] = distributions.multinomial(np, w[r].copy(), probs2d[r:r + 1], n, False)[0]
    if target is not out:
        out[...] = target
    return out
