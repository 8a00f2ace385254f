"""CPU random fills: stream words to values in bounded chunks on a thread pool.

:func:`fill` splits the flat output into chunks of ``chunk`` elements. Each
chunk draws exactly the words its elements own (DESIGN §4.3) with
:func:`tensorlite.random.philox.words` and turns them into values with the
matching :mod:`tensorlite.random.distributions` function, writing straight
into its slice of the output. Because every element depends only on its own
words, the result is the same for any chunk size and any thread schedule.

Scratch memory is a few chunk-sized arrays per worker thread, whatever the
output size. randomgen and NumPy's ufuncs release the GIL, so chunks run in
parallel on ``os.cpu_count()`` threads.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..random import distributions as dist
from ..random import philox

__all__ = ["fill", "CHUNK"]

CHUNK = 2**18
"""Default elements per chunk: big enough to amortize per-chunk overhead,
small enough (a few MiB of scratch) to stay in cache-friendly territory."""

_pool = None
_pool_lock = threading.Lock()


def _reset_pool():
    global _pool
    _pool = None


# A forked child inherits the pool object but not its threads.
if hasattr(os, "register_at_fork"):  # POSIX only
    os.register_at_fork(after_in_child=_reset_pool)


def _run(job, starts):
    """Call ``job(start)`` for every start, in parallel when there are several."""
    global _pool
    starts = list(starts)
    if len(starts) <= 1:
        for start in starts:
            job(start)
        return
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="tensorlite-random")
    for _ in _pool.map(job, starts):  # re-raises a job's exception here
        pass


def fill(kind, shape, dtype, seed, offset, *, out=None, chunk=CHUNK, **params):
    """Fill a NumPy array with the values of stream ``(seed, offset)``.

    Element ``i`` of the flat, C-ordered result is exactly what
    :mod:`tensorlite.random.distributions` defines for it, whatever ``chunk``.
    The call uses ``distributions.words_needed(kind, n, dtype, **params)``
    words from ``offset``; advancing the generator is the caller's job.

    ============== ============================================== ===========
    ``kind``       ``params``                                     chunked by
    ============== ============================================== ===========
    uniform        ``low=0.0, high=1.0``                          elements
    normal         ``mean=0.0, std=1.0``                          pairs
    exponential    ``lambd=1.0``                                  elements
    randint        ``low, high`` (``high`` exclusive)             elements
    bernoulli      ``p``: scalar or array broadcastable to shape  elements
    randperm       —  (``shape == (n,)``)                         whole
    multinomial    ``probs`` (1-D or 2-D), ``num_samples``,       rows (with
                   ``replacement``; ``shape`` = probs.shape[:-1]  replacement
                   + ``(num_samples,)``                           also samples)
    ============== ============================================== ===========

    Args:
        kind: one of the kinds above.
        shape: output shape.
        dtype: NumPy output dtype.
        seed, offset: the generator state (unsigned 64-bit integers).
        out: optional array of ``shape`` and ``dtype`` to fill; need not be
            contiguous (then the values are generated aside and copied).
        chunk: elements per chunk (tests force small ones).

    Returns:
        ``out``, or a new array.

    Example:
        >>> fill("randint", (2, 3), np.int64, seed=0, offset=0, low=0, high=10)
        array([[3, 8, 7],
               [6, 9, 3]])
    """
    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype)
    if out is None:
        out = np.empty(shape, dtype)
    target = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    flat = target.reshape(-1)
    if flat.size:
        seed, offset, chunk = int(seed), int(offset), max(int(chunk), 2)
        if kind == "randperm":
            flat[...] = dist.randperm(np, philox.words(seed, offset, 2 * flat.size), flat.size)
        elif kind == "multinomial":
            _multinomial(flat, seed, offset, chunk, **params)
        else:
            _elementwise(kind, flat, shape, seed, offset, chunk, params)
    if target is not out:
        out[...] = target
    return out


def _elementwise(kind, flat, shape, seed, offset, chunk, params):
    """Kinds where element ``a`` starts at word ``words_needed(kind, a, …)``."""
    dtype = flat.dtype
    if kind == "uniform":
        low, high = params.get("low", 0.0), params.get("high", 1.0)

        def transform(w, o, a, b):
            dist.uniform(np, w, dtype, low, high, out=o)

    elif kind == "normal":
        mean, std = params.get("mean", 0.0), params.get("std", 1.0)
        chunk += chunk % 2  # Box–Muller pairs must not straddle chunks

        def transform(w, o, a, b):
            dist.normal(np, w, b - a, dtype, mean, std, out=o)

    elif kind == "exponential":
        lambd = params.get("lambd", 1.0)

        def transform(w, o, a, b):
            dist.exponential(np, w, dtype, lambd, out=o)

    elif kind == "randint":
        low, high = params["low"], params["high"]

        def transform(w, o, a, b):
            dist.randint(np, w, b - a, low, high, dtype, out=o)

    elif kind == "bernoulli":
        p_slice = _flat_slices(params["p"], shape)

        def transform(w, o, a, b):
            dist.bernoulli(np, w, p_slice(a, b), out=o)

    else:
        raise ValueError(f"random fill: unknown kind {kind!r}")

    n = flat.size

    def job(a):
        b = min(a + chunk, n)
        # words_needed(kind, a) is also the index of element a's first word
        # (a is even for normal, whose words come in pairs of elements).
        first = offset + dist.words_needed(kind, a, dtype, **params)
        w = philox.words(seed, first, dist.words_needed(kind, b - a, dtype, **params))
        transform(w, flat[a:b], a, b)

    _run(job, range(0, n, chunk))


def _flat_slices(p, shape):
    """A function giving elements ``[a, b)`` of ``p`` broadcast to ``shape``, flat."""
    p = np.asarray(p)
    if p.size == 1:
        scalar = p.reshape(())
        return lambda a, b: scalar
    if p.shape == shape:
        p_flat = np.ascontiguousarray(p).reshape(-1)
        return lambda a, b: p_flat[a:b]
    # A true broadcast: index the broadcast view, chunk by chunk, so the full
    # broadcast array is never materialized.
    p_b = np.broadcast_to(p, shape)
    return lambda a, b: p_b[np.unravel_index(np.arange(a, b), shape)]


def _multinomial(flat, seed, offset, chunk, probs, num_samples, replacement):
    probs = np.asarray(probs)
    probs2d = probs.reshape(-1, probs.shape[-1])
    rows, categories = probs2d.shape
    out2d = flat.reshape(rows, num_samples)
    if replacement:
        # Sample j of row r uses words 2(r*n + j), +1, so a block of rows, or a
        # piece of one long row, can be generated alone.
        if num_samples >= chunk:
            tasks = [(r, r + 1, j, min(j + chunk, num_samples))
                     for r in range(rows) for j in range(0, num_samples, chunk)]
        else:
            # A row costs its quantization (C) plus its samples; tasks of ~4 chunks of
            # work amortize the per-row searches, yet leave two tasks per thread.
            per_row = max(num_samples, categories)
            step = max(1, min(4 * chunk // per_row, -(-rows // (2 * (os.cpu_count() or 1)))))
            tasks = [(r, min(r + step, rows), 0, num_samples) for r in range(0, rows, step)]
    else:
        # Each row needs all its C keys at once: chunk by whole rows.
        step = max(1, chunk // categories)
        tasks = [(r, min(r + step, rows), 0, num_samples) for r in range(0, rows, step)]
    def job(task):
        r0, r1, j0, j1 = task
        if replacement:
            first, count = 2 * (r0 * num_samples + j0), 2 * (r1 - r0) * (j1 - j0)
        else:
            first, count = 2 * r0 * categories, 2 * (r1 - r0) * categories
        w = philox.words(seed, offset + first, count)
        dist.multinomial(np, w, probs2d[r0:r1], j1 - j0, replacement, out=out2d[r0:r1, j0:j1])

    _run(job, tasks)
