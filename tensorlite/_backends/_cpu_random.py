"""CPU random fills: stream words to values in bounded chunks on a thread pool.

:func:`fill` splits the flat output into chunks of ``chunk`` elements. Each
chunk draws exactly the words its elements own (DESIGN §4.3) with
:func:`tensorlite.random.philox.words` and turns them into values with the
matching :mod:`tensorlite.random.distributions` function, writing straight
into its slice of the output. Because every element depends only on its own
words, the result is the same for any chunk size and any thread schedule.

An output of at most ``chunk`` elements (the small path) is drawn in one go on the
calling thread: no chunk planning, no thread dispatch, its words from the thread's
kept Philox stream (:func:`tensorlite.random.philox.words`). Its values are the
bulk path's, bit for bit: both run the same transforms on the same words.

:func:`small` is the direct path of the public functions' common small calls (a few
thousand words at most): it reserves the words itself and serves them from the run
this thread drew ahead (:func:`tensorlite.random.philox.buffered`), float32 uniforms
and standard normals from values made for the whole run at once -- again the same
transforms on the same words.

``multinomial`` runs its rows through a small C library where one builds
(:mod:`tensorlite.random._multinomial_native`: the same values as the NumPy code of
:func:`tensorlite.random.distributions.multinomial`, which is the fallback), and a
small call with replacement takes a direct path (:func:`small_multinomial`).

Scratch memory is a few chunk-sized arrays per worker thread, whatever the
output size; ``multinomial`` with replacement keeps its scratch, at most ~10 MiB
per thread at the default chunk, for the next call (see
``tensorlite.random._quantized.Workspace``). randomgen and
NumPy's ufuncs release the GIL, so chunks run in parallel on ``os.cpu_count()``
threads, the calling one included.
"""

import queue
import threading

import numpy as np

from ..random import _multinomial_native, _native, _quantized, philox
from ..random import distributions as dist
from . import _common

__all__ = ["fill", "fill_block", "CHUNK", "small", "small_multinomial", "SMALL_WORDS"]

CHUNK = 2**18
"""Default elements per chunk: big enough to amortize per-chunk overhead,
small enough (a few MiB of scratch) to stay in cache-friendly territory."""

BLOCK_CHUNK = 2**16
""":func:`fill_block`'s elements per chunk. A block runs on one thread, whose words,
values and transform scratch (~14 bytes an element) then stay in its core's
cache: measured faster per element than ``CHUNK`` for ``randn`` blocks."""

_THREADS = _common.THREADS
_local = threading.local()


def _workspace():
    """This thread's scratch arrays (a few MiB, kept between calls)."""
    if not hasattr(_local, "workspace"):
        _local.workspace = _quantized.Workspace()
    return _local.workspace


def _run(job, items):
    """Call ``job(item)`` for every item, on the pool's threads and this one.

    The calling thread works too instead of waiting: it is already awake, while a
    pool thread that has slept a few milliseconds takes a while to get going. Items
    are taken from a shared queue, so a slow one never leaves a thread idle. Inside
    :func:`fill_block` everything runs on the calling thread (:class:`_serial`).
    """
    items = list(items)
    if len(items) <= 1 or getattr(_local, "serial", False):
        for item in items:
            job(item)
        return
    pending = queue.SimpleQueue()
    for item in items:
        pending.put(item)

    def work():
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            job(item)

    helpers = [_common.thread_pool().submit(work) for _ in range(min(_THREADS, len(items)) - 1)]
    try:
        work()
    except BaseException:  # e.g. KeyboardInterrupt: leave the helpers nothing more to do
        while True:
            try:
                pending.get_nowait()
            except queue.Empty:
                break
        raise
    finally:
        # Helpers still queued behind another call's work have nothing left to do here;
        # wait for the ones that started before re-raising anyone's exception.
        started = [helper for helper in helpers if not helper.cancel()]
        for helper in started:
            helper.exception()
    for helper in started:
        helper.result()


class _serial:
    """Run this thread's fills on this thread alone while in the ``with`` block: a block
    of a Dask array is one task among many that Dask already spreads over its own
    threads, and a pool shared by those threads only adds hand-offs and contention."""

    def __enter__(self):
        self.was = getattr(_local, "serial", False)
        _local.serial = True

    def __exit__(self, *exc):
        _local.serial = self.was


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
    multinomial    ``probs`` (1-D or 2-D, or the ``Weights`` of   rows (with
                   :func:`multinomial_weights`), ``num_samples``, replacement
                   ``replacement``; ``shape`` = probs.shape[:-1]  also samples)
                   + ``(num_samples,)``
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
    if out is None:
        out = np.empty(tuple(map(int, shape)), dtype)
    target = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    flat = target.ravel()  # a view: target is contiguous
    n = flat.size
    if n and n <= chunk and kind in _KINDS:
        # The small path (profiled on rand(3, 4): planning chunks and the job closures
        # cost more than drawing a few words): one draw on this thread, then values.
        p = params.get("p")
        if p is not None:
            p = _flat_slices(p, out.shape)(0, n)
        w = philox.words(seed, offset, dist.words_needed(kind, n, flat.dtype, **params))
        _transform(kind, w, flat, params, p)
    elif n:
        shape = tuple(map(int, shape))
        seed, offset, chunk = int(seed), int(offset), max(int(chunk), 2)
        if kind == "randperm":
            _randperm(flat, seed, offset, chunk, params.get("scratch"))
        elif kind == "multinomial":
            _multinomial(flat, seed, offset, chunk, **params)
        else:
            _elementwise(kind, flat, shape, seed, offset, chunk, params)
    if target is not out:
        out[...] = target
    return out


SMALL_WORDS = philox.SMALL_WORDS
"""The most words a call through :func:`small` may take."""
_F64 = np.dtype(np.float64)
_VALUES_PER_RUN = 4  # kinds of values kept per run of words (bounds its memory)


def small(kind, generator, n, dtype, low=0, high=1, p=None):
    """Reserve the words of ``n`` values of ``kind`` from ``generator`` and return the
    values (a new 1-D array of ``dtype``), as :func:`fill` makes them from those words.

    The public functions' direct path: everything is checked before (this reserves
    the words at once). ``kind`` is ``"uniform"`` (on ``[0, 1)``), ``"normal"``
    (standard), ``"randint"`` (on ``[low, high)``) or ``"bernoulli"`` (``p``: ``n``
    probabilities); at most ``SMALL_WORDS`` words.

    Speed (profiled on rand(3, 4), randn(32, 64) and randint(0, 10, (32,)): the
    transforms' NumPy calls cost more than PyTorch's whole call): the words come
    from the run this thread drew ahead (:func:`tensorlite.random.philox.buffered`),
    and the values of a uniform, normal or randint call are a slice of that kind's
    values made once for the whole run, as one call of ``len(run) / w`` values
    (``w`` words a value: 2 for float64 and wide randint ranges, else 1). Value
    ``j`` of such a call is made from words ``w*j ...`` of the run -- normal pairs
    included, as offsets and runs start at multiples of 4 -- so a call at word ``i``
    of the run is values ``i / w ... i / w + n - 1``. bernoulli's values depend on
    ``p``: its words are transformed each call. A run keeps at most
    ``_VALUES_PER_RUN`` kinds of values: with the words, 384 KiB per run for float32
    rand and randn, 1.1 MiB at most (int64 and float64 values), and a thread keeps
    ``philox._BUFFERS_PER_THREAD`` runs (one per seed it draws small calls from).

    Example:
        >>> import tensorlite as tl
        >>> g = tl.Generator().manual_seed(0)
        >>> small("uniform", g, 2, np.dtype(np.float32))
        array([0.39904642, 0.88052016], dtype=float32)
        >>> g.offset
        4
    """
    if p is not None:  # bernoulli: its words, transformed
        out = np.empty(n, dtype)  # allocated before the words are reserved
        buf, i = generator._buffered(n)
        _transform(kind, buf.words[i:i + n].copy(), out, None, p)
        return out
    if kind == "randint":
        per = 1 if dist.one_word_randint(high - low) else 2
        key, count = (dtype, low, high), per * n
    else:
        per = 2 if dtype is _F64 else 1
        key, count = (kind, dtype), per * (n + (n & 1) if kind == "normal" else n)
    buf, i = generator._buffered(count)  # i is a multiple of 4, as the generator's offset
    values = buf.values.get(key)
    if values is None:
        values = _run_values(buf, key, kind, per, dtype, low, high)
    i //= per
    return values[i:i + n].copy()


def _run_values(buf, key, kind, per, dtype, low, high):
    """:func:`small`'s values of ``kind`` made from the whole run ``buf``, kept in it.

    Memory is reused: the values go into the previous run's array of that kind
    (``buf.spare``) and the words are transformed in this thread's scratch copy (normal
    values use it as scratch instead) -- fresh 128 KiB arrays cost ~50-80 us each in
    page faults (measured on randn(32, 64)), next to the transform's ~100-200 us a
    run."""
    if len(buf.values) >= _VALUES_PER_RUN:
        buf.values.clear()
    run = buf.words.shape[0]  # a multiple of 4: whole pairs of any kind
    values = buf.spare.pop(key, None)
    if values is None or values.shape[0] != run // per:
        values = np.empty(run // per, dtype)
    scratch = getattr(_local, "scratch", None)
    if scratch is None or scratch.shape[0] < run:
        scratch = _local.scratch = np.empty(max(run, philox.BUFFER_WORDS), np.uint32)
    if kind == "normal":  # reads the run's words where they are: 128 KiB less traffic
        dist.normal(np, buf.words, run // per, dtype, out=values, scratch=scratch[:run])
    else:
        words = scratch[:run]
        words[...] = buf.words  # the transforms consume their words
        _transform(kind, words, values, {"low": low, "high": high}, None)
    buf.values[key] = values
    return values


def small_multinomial(weights, num_samples, replacement, generator):
    """The ``(rows, num_samples)`` int64 samples of a small ``multinomial`` call with
    replacement -- its words reserved from ``generator`` here -- or ``None`` (nothing
    reserved) when the call is not one for this path: without replacement, without
    the native library, or past ``SMALL_WORDS`` words or ``CHUNK`` weights.

    ``weights``: the checked :class:`~._common.Weights`. The values are :func:`fill`'s,
    bit for bit: the same words (from this thread's run, as :func:`small` takes them)
    through the same native code. Speed (profiled on 64 rows x 1000 weights, 5
    samples): the general path's layers (``_draw``, :func:`fill`, task planning, a
    Philox call) cost about half of what remained of the call once the work was in C.
    """
    lib = _multinomial_native.library()
    probs2d = weights.probs
    count = 2 * probs2d.shape[0] * num_samples
    if not replacement or lib is None or count > SMALL_WORDS or probs2d.size > CHUNK:
        return None
    buf, i = generator._buffered(count)
    return _multinomial_native.with_replacement(
        lib, probs2d, num_samples, None, words_address=_multinomial_native.address(buf.words)
        + 4 * i)


def _randperm(flat, seed, offset, chunk, scratch):
    """``randperm`` with its words drawn, chunk by chunk, straight into an int64 output
    (``2n`` words are its ``8n`` bytes) and sorted there: beyond the output only the
    ``4n`` bytes of ``scratch`` and chunk-sized temporaries."""
    n = flat.size
    direct = flat.dtype == np.int64 and flat.flags.c_contiguous
    keys = flat if direct else np.empty(n, np.int64)
    words = keys.view(np.uint32)
    chunk = min(chunk, 2**15)  # randomgen's copy of each chunk's words is scratch too

    def job(a):
        b = min(a + chunk, n)
        philox.words(seed, offset + 2 * a, 2 * (b - a), out=words[2 * a:2 * b])

    _run(job, range(0, n, chunk))
    dist.randperm(np, words, n, out=flat, scratch=scratch, chunk=chunk, sort=_sort)


def _sort(values):
    """Sort a 1-D NumPy array in place: its halves on two threads (NumPy's sort
    releases the GIL), then NumPy's stable sort, a timsort, which merges the two sorted
    runs in one pass. Measured on 1M random int64 (2 cores): 14-15.5 ms against
    17.4-18 for one ``values.sort()``. Small arrays or one core: one sort."""
    half = values.shape[0] // 2
    if half < 2**17 or _common.THREADS < 2 or getattr(_local, "serial", False):
        values.sort()
        return
    _run(lambda part: part.sort(), [values[:half], values[half:]])
    values.sort(kind="stable")


def _elementwise(kind, flat, shape, seed, offset, chunk, params):
    """Kinds where element ``a`` starts at word ``words_needed(kind, a, …)``."""
    if kind not in _KINDS:
        raise ValueError(f"random fill: unknown kind {kind!r}")
    dtype, n = flat.dtype, flat.size
    p = params.get("p")
    if kind == "normal":
        chunk += chunk % 2  # Box–Muller pairs must not straddle chunks
    p_slice = None if p is None else _flat_slices(p, shape)
    lib = _native_normal(dtype, offset, n) if kind == "normal" else None
    if lib is not None:  # float32 normals: the native path of fill_block's blocks too
        def native_job(a):
            run = flat[a:a + chunk].reshape(1, -1)  # pieces of BLOCK_CHUNK inside
            _normal_float32_runs(lib, seed, offset, np.array([a]), run, params, BLOCK_CHUNK)

        _run(native_job, range(0, n, chunk))
        return

    def job(a):
        b = min(a + chunk, n)
        # words_needed(kind, a) is also the index of element a's first word
        # (a is even for normal, whose words come in pairs of elements).
        first = offset + dist.words_needed(kind, a, dtype, **params)
        w = philox.words(seed, first, dist.words_needed(kind, b - a, dtype, **params))
        _transform(kind, w, flat[a:b], params, None if p_slice is None else p_slice(a, b))

    _run(job, range(0, n, chunk))


_KINDS = ("uniform", "normal", "exponential", "randint", "bernoulli")


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


def multinomial_weights(probs, replacement, chunk=CHUNK):
    """Check ``multinomial``'s weights (``(R, C)``) and, with replacement and no native
    library (:mod:`tensorlite.random._multinomial_native`, which quantizes each row as
    it samples it), index them (``_quantized.index``), in one threaded pass: each chunk
    of rows is checked and quantized while it is in cache. Returns a
    :class:`~._common.Weights` whose ``index`` is ``(shift, ends)`` (``None`` without
    replacement, with the native library or on a problem).
    """
    probs2d = np.ascontiguousarray(probs)  # whole 16-weight blocks are gathered by rows
    if probs2d.dtype not in (np.float32, np.float64):
        probs2d = probs2d.astype(np.float32)  # half types widen exactly
    rows, categories = probs2d.shape
    if rows == 0:
        return _common.Weights(probs2d)
    lib = _multinomial_native.library()
    indexed = replacement and lib is None
    if lib is not None and probs2d.size <= chunk:
        return _common.Weights(probs2d, _multinomial_native.check(lib, probs2d))
    if indexed and probs2d.size <= _quantized.SMALL:
        # The small path (64 rows x 1000 weights: a thread and the chunk bookkeeping
        # cost more than the work): two reductions and the full prefix sums, here.
        row_max = probs2d.max(axis=1, keepdims=True)  # nan propagates quietly
        problem = _common.weight_problem(np, probs2d.min(), row_max)
        index = None if problem else _quantized.small_index(np, probs2d, row_max)
        return _common.Weights(probs2d, problem, index)
    # One task per thread (and at least chunk weights): index()'s row blocks bound the
    # scratch whatever the task size, and every task costs small, GIL-bound NumPy calls.
    step = max(1, chunk // categories, -(-rows // _THREADS))
    starts = range(0, rows, step)
    problems = [None] * len(starts)
    if lib is None:
        lowest = np.empty(len(starts), dtype=probs2d.dtype)
        row_max = np.empty((rows, 1), dtype=probs2d.dtype)
    if indexed:
        shift = np.empty((rows, 1), dtype=np.int32)
        ends = np.empty((rows, -(-categories // _quantized.FAN)), dtype=np.uint64)

    def job(r):
        chunk_rows = probs2d[r:r + step]
        if lib is not None:
            problems[r // step] = _multinomial_native.check(lib, chunk_rows)
            return
        chunk_max = row_max[r:r + step]
        with np.errstate(invalid="ignore"):
            lowest[r // step] = chunk_rows.min()
            np.max(chunk_rows, axis=1, keepdims=True, out=chunk_max)
        if indexed and _common.weight_problem(np, lowest[r // step], chunk_max) is None:
            _quantized.index(np, chunk_rows, chunk_max, out=(shift[r:r + step], ends[r:r + step]),
                             workspace=_workspace())

    _run(job, starts)
    if lib is not None:  # a bad value anywhere comes first, as in weight_problem
        problem = "values" if "values" in problems else "sum" if "sum" in problems else None
    else:
        problem = _common.weight_problem(np, lowest.min(), row_max)
    index = (shift, ends) if indexed and problem is None else None
    return _common.Weights(probs2d, problem, index)


def _multinomial(flat, seed, offset, chunk, probs, num_samples, replacement):
    weights = probs
    if not isinstance(weights, _common.Weights):
        probs = np.asarray(probs)
        weights = multinomial_weights(probs.reshape(-1, probs.shape[-1]), replacement, chunk)
    if weights.problem is not None:
        raise ValueError(f"multinomial fill: invalid weights ({weights.problem}); the public "
                         "API checks them before drawing")
    probs2d = weights.probs
    rows, categories = probs2d.shape
    out2d = flat.reshape(rows, num_samples)
    # The native library (the same values as the NumPy code, see _multinomial_native):
    # with replacement, rows quantized and searched in C (profiled on 64 rows x 1000
    # weights, 5 samples: NumPy's quantization and uint64 prefix sums alone cost about
    # PyTorch's whole call); without, the C code leaves a few candidates per row whose
    # keys NumPy computes, instead of a log per weight and a partition.
    lib = _multinomial_native.library()
    native = lib is not None and (
        replacement and weights.index is None
        or not replacement and _multinomial_native.useful_without(categories, num_samples))
    # Rows were indexed already: a task costs about its samples, ~100 ns each, and
    # needs 400-600 bytes of scratch per sample that its thread keeps. A task is a
    # thread's share of the rows, but at most chunk / 16 samples (6-10 MiB) and at
    # least half that (a smaller share is not worth waking a second thread for).
    # Sample j of row r uses words 2(r*n + j), +1: a block of rows, or a piece of
    # one long row, can be drawn alone.
    per_task = max(2, chunk // 16)
    if replacement and (native and rows * categories <= chunk or weights.index is not None
                        and len(weights.index) == 3) and rows * num_samples <= per_task // 2:
        # few weights and samples: one task, drawn here without planning
        w = philox.words(seed, offset, 2 * rows * num_samples)
        if native:
            _multinomial_native.with_replacement(lib, probs2d, num_samples, w, out2d)
        else:
            dist.multinomial(np, w, probs2d, num_samples, True, out=out2d, index=weights.index)
        return
    if replacement:
        if num_samples >= per_task:
            tasks = [(r, r + 1, j, min(j + per_task, num_samples))
                     for r in range(rows) for j in range(0, num_samples, per_task)]
        else:
            share = max(-(-rows // _THREADS), per_task // 2 // num_samples)
            step = max(1, min(per_task // num_samples, share))
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
        if native:
            sample = _multinomial_native.with_replacement if replacement else \
                _multinomial_native.without_replacement
            sample(lib, probs2d[r0:r1], j1 - j0, w, out=out2d[r0:r1, j0:j1])
            return
        index = tuple(a[r0:r1] for a in weights.index) if replacement else None
        dist.multinomial(np, w, probs2d[r0:r1], j1 - j0, replacement,
                         out=out2d[r0:r1, j0:j1], index=index, workspace=_workspace())

    _run(job, tasks)


def fill_block(kind, shape, box, dtype, seed, offset, *, chunk=BLOCK_CHUNK, **params):
    """The block ``box`` (one ``(start, stop)`` per dimension) of the array that
    ``fill(kind, shape, dtype, seed, offset, **params)`` would return, computed
    from its own elements' words only (DESIGN §11).

    The block is a set of runs of consecutive flat elements
    (:func:`._common.block_runs`): a block of whole rows is one run, filled like
    :func:`fill` from the word of its first element; narrower runs are drawn in
    groups of about ``chunk`` elements by one
    :class:`~tensorlite.random.philox.RunReader` and each group transformed in one
    call (normal runs widened to whole pairs). float32 ``rand`` (uniform on
    ``[0, 1)``) skips the words: NumPy's float32 uniforms of the same words are its
    values. float32 ``randn``/``normal`` runs, where the native library is available,
    take its Box-Muller helpers around NumPy's log, cos and sin (:func:`_normal_float32_runs`:
    the same values, no word array, no per-row Python; eager fills use them too).
    Everything runs on the calling thread: Dask runs blocks in parallel.
    ``bernoulli``'s ``p`` is a scalar or an array of the block's shape;
    ``multinomial`` blocks hold whole rows of the output (``shape`` is
    ``(rows, num_samples)`` and ``probs`` the block's rows of weights).

    Example:
        >>> whole = fill("uniform", (3, 4), np.float32, seed=1, offset=8)
        >>> part = fill_block("uniform", (3, 4), ((1, 3), (1, 3)), np.float32, 1, 8)
        >>> bool((part == whole[1:3, 1:3]).all())
        True
    """
    with _serial():  # on the calling thread: the caller (Dask) runs blocks in parallel
        return _fill_block(kind, shape, box, dtype, seed, offset, chunk, params)


def _fill_block(kind, shape, box, dtype, seed, offset, chunk, params):
    dtype = np.dtype(dtype)
    block_shape = tuple(int(b) - int(a) for a, b in box)
    out = np.empty(block_shape, dtype)
    if out.size == 0:
        return out
    seed, offset = int(seed), int(offset)
    if kind == "multinomial":
        per_row = params["num_samples"] if params["replacement"] else params["probs"].shape[-1]
        first = 2 * int(box[0][0]) * per_row  # the block's first row's first word (§4.3)
        return fill(kind, block_shape, dtype, seed, offset + first, out=out, chunk=chunk, **params)
    starts, length = _common.block_runs(shape, box)
    runs = out.reshape(len(starts), length)
    p = params.pop("p", None)
    p_runs = None if p is None or np.ndim(p) == 0 else np.asarray(p).reshape(runs.shape)
    word_params = {k: params[k] for k in ("low", "high") if kind == "randint"}

    def first_word(a):  # of element a (even for normal: its pair's first word)
        return offset + dist.words_needed(kind, a, dtype, **word_params)

    if kind == "uniform" and dtype == np.float32 and \
            (params.get("low", 0.0), params.get("high", 1.0)) == (0, 1):
        # rand: NumPy's float32 uniforms are the values of §4.3 (randomgen's words
        # through Generator.random), written straight into the block, no word array
        philox.RunReader(seed, offset).read_unit_float32(first_word(starts), runs)
        return out
    lib = _native_normal(dtype, offset, int(starts[-1]) + length) if kind == "normal" else None
    if lib is not None:
        _normal_float32_runs(lib, seed, offset, starts, runs, params, chunk)
        return out
    if len(starts) == 1 or length >= chunk:
        for r, a in enumerate(starts.tolist()):  # whole runs, each as fill() does it
            p_r = p if p_runs is None else p_runs[r]
            extra = {} if p is None else {"p": p_r}
            target = runs[r]
            if kind == "normal" and a % 2:  # its pair starts one element earlier
                target[:1] = fill(kind, (2,), dtype, seed, first_word(a - 1), **params)[1:]
                target, a = target[1:], a + 1  # the rest starts a pair: fill it in place
            fill(kind, target.shape, dtype, seed, first_word(a), out=target, chunk=chunk,
                 **params, **extra)
        return out
    # Narrow runs (the rows of a column block): groups of rows of about ``chunk``
    # elements, their words read in turn by one reader that jumps between the rows.
    reader = philox.RunReader(seed, offset)
    step = max(1, chunk // length)
    for r0 in range(0, len(starts), step):
        r1 = min(r0 + step, len(starts))
        a = starts[r0:r1]
        if kind == "normal":
            _normal_runs(reader, first_word, a, runs[r0:r1], params)
            continue
        w = reader.read(first_word(a), dist.words_needed(kind, length, dtype, **word_params))
        p_rows = None if p is None else (p if p_runs is None else p_runs[r0:r1].reshape(-1))
        _transform(kind, w.reshape(-1), runs[r0:r1].reshape(-1), params, p_rows)
    return out


def _native_normal(dtype, offset, end):
    """The native library where it serves normal values of elements below ``end``:
    float32 (other dtypes: the NumPy path), every word below its ``END`` (element
    ``e``'s pair uses words up to ``offset + e + 1``)."""
    if dtype != np.float32 or offset + end + 1 > _native.END:
        return None
    return _native.library()


def _normal_float32_runs(lib, seed, offset, starts, runs, params, chunk):
    """float32 normal values of the runs of flat elements at ``starts`` into the rows
    of ``runs`` (C-contiguous), through the native library: groups of about ``chunk``
    elements -- rows of a column block, or pieces of a long run -- each one native call
    making the Box-Muller inputs straight from the words, NumPy's log, cos and sin, and
    one native call writing each element's value into the block (the values of
    ``distributions.normal``, bit for bit: :func:`.._native.normal_runs_f32`).

    Why (profiled on ``randn`` (2000, 100_000) float32, blocks of 10M elements): the
    NumPy path spends about as long on its arithmetic around log/cos/sin (~15 passes
    over the words: shifts, casts, strided copies, products, the interleave) as on
    log/cos/sin themselves, and a column block adds ~100 us of Python a group of rows
    (run starts, parity, checks) on top: column blocks took ~1.3x the CPU of row
    blocks. Here a group costs five calls, any parity, no word array. Measured (CPU ms
    per 10M-element block, best of 5, three alternating runs, shared 2-core machine):
    row blocks 67-70 before, 47-56 after; column blocks of 5000 (even starts) 79-82
    before, 44-70 after; of 5000 at odd starts 80-96 before, 45-63 after. What is left
    is mostly NumPy's log, cos and sin (~60%) and the words (~25%)."""
    mean, std = params.get("mean", 0.0), params.get("std", 1.0)
    count, length = runs.shape
    out_at = runs.ctypes.data
    if length > chunk:  # long runs (blocks of whole rows): pieces of chunk elements
        per_run = -(-length // chunk)
        pieces = (starts.astype(np.uint64)[:, None]
                  + np.arange(0, length, chunk, dtype=np.uint64)).reshape(-1)
        fill, at = _native.NormalRuns(lib, seed, offset, mean, std, (chunk + 3) // 2), \
            pieces.ctypes.data
        for i in range(pieces.shape[0]):
            r, k = divmod(i, per_run)
            k *= chunk
            fill(at + 8 * i, 1, min(chunk, length - k), out_at + 4 * (r * length + k))
        return
    step = max(1, min(chunk // length, count))  # rows of a column block
    fill = _native.NormalRuns(lib, seed, offset, mean, std, step * ((length + 3) // 2))
    starts = starts.astype(np.uint64)
    at = starts.ctypes.data
    for r0 in range(0, count, step):
        fill(at + 8 * r0, min(step, count - r0), length, out_at + 4 * r0 * length)


def _normal_runs(reader, first_word, a, target, params):
    """Normal values of the runs starting at flat elements ``a`` into the rows of
    ``target`` (C-contiguous), words from ``reader``.

    Each run is widened to whole Box–Muller pairs: one element before it when it
    starts odd (``lead``), one after when it then ends odd, and all to the widest
    (a run of an odd-width array's column block starts odd every other row), so the
    words of every row come in one read and one transform. Runs that already are
    whole pairs are transformed straight into ``target``; others through one array
    of the widened runs, whose extra values are dropped.
    """
    length, dtype = target.shape[1], target.dtype
    lead = a % 2
    wide = int((lead + length + (a + length) % 2).max())  # even: whole pairs
    w = reader.read(first_word(a - lead), dist.words_needed("normal", wide, dtype))
    mean, std = params.get("mean", 0.0), params.get("std", 1.0)
    if wide == length:
        dist.normal(np, w.reshape(-1), target.size, dtype, mean, std, out=target.reshape(-1))
        return
    values = dist.normal(np, w.reshape(-1), len(a) * wide, dtype, mean, std).reshape(len(a),
                                                                                     wide)
    if bool((lead == lead[0]).all()):
        target[...] = values[:, int(lead[0]):int(lead[0]) + length]
    else:
        for first in (0, 1):
            rows = lead == first
            target[rows] = values[rows, first:first + length]


def _transform(kind, w, o, params, p):
    """Words to values for the element-wise kinds (``fill``'s recipes), into ``o``
    (1-D); ``p``: bernoulli's probabilities for these elements."""
    dtype = o.dtype
    if kind == "uniform":
        dist.uniform(np, w, dtype, params.get("low", 0.0), params.get("high", 1.0), out=o)
    elif kind == "normal":
        dist.normal(np, w, o.size, dtype, params.get("mean", 0.0), params.get("std", 1.0), out=o)
    elif kind == "exponential":
        dist.exponential(np, w, dtype, params.get("lambd", 1.0), out=o)
    elif kind == "randint":
        dist.randint(np, w, o.size, params["low"], params["high"], dtype, out=o)
    elif kind == "bernoulli":
        dist.bernoulli(np, w, p, out=o)
    else:
        raise ValueError(f"random fill: unknown kind {kind!r}")
