"""Exact inverse-CDF search over quantized weights (``multinomial`` with replacement).

DESIGN §4.3 turns each row of weights into integers ``q_c`` and draws sample ``j`` as
the first category ``c`` whose prefix sum ``S_c = q_0 + … + q_c`` exceeds a target
``t < S_last``. A full uint64 prefix sum costs NumPy ~3 ns per weight, several times
all the rest, so the CPU never forms one:

1. :func:`index` quantizes a few rows at a time (the scratch stays in cache) and
   keeps only ``ends``, the prefix sums at the end of every 16-weight block: 16 times
   fewer values, summed by an einsum (which, unlike ``reduceat``, releases the GIL).
2. :func:`first_above` descends a 16-ary tree over ``ends`` (its levels are strided
   views of ``ends``, free to build) to the block holding the target, then quantizes
   that block's 16 weights again and finishes inside it.

A call with at most :data:`SMALL` weights (64 rows x 1000, say) takes another path
(:func:`small_index`, :func:`first_above_small`): its weights fit in L2, so the full
prefix sums cost about what the block sums do, and the search reads them directly;
the blocked path's dozens of small NumPy calls were most of such a call's time.

Everything is exact integer arithmetic, so the answer is the one DESIGN defines —
the CUDA kernel's binary search over :func:`prefix_sums` finds the same category.
Where its C library builds, the CPU samples with :mod:`._multinomial_native` instead
(the same answers, checked against this code when the library loads); this module is
then the fallback and the definition it is checked against.
"""

import math

import numpy as np

__all__ = ["shifts", "quantize", "prefix_sums", "index", "first_above", "small_index",
           "first_above_small", "search", "SMALL", "Workspace"]

FAN = 16
"""Weights per block, and children per node of the search tree."""

_NEVER = np.iinfo(np.uint64).max  # padding that no target reaches
_BYTES_ONE = np.uint64(0x0101010101010101)
_SCRATCH = 2**17  # weights quantized at a time: 1 MiB of int64, inside L2


def shifts(xp, row_max, categories):
    """The power of two ``Q - e`` that scales each row: ``e`` is the binary exponent
    of the row maximum (``frexp``) and ``Q = 63 - ceil(log2 C)``, so ``q_c < 2**Q``
    and a row's sum stays below ``2**63``. ``row_max`` has shape ``(R, 1)``."""
    _, e = xp.frexp(row_max)
    return (63 - (categories - 1).bit_length() - e).astype(xp.int32)


def _power_of_two(xp, shift, dtype):
    """``2**shift`` in the weights' dtype, or ``None`` if that overflows for some row,
    where :func:`_scaled` needs ``ldexp``: a row maximum below about ``2**(Q - 128)``
    in float32 (1e-23 with 1000 categories) or ``2**(Q - 1024)`` in float64. One such
    row sends the whole call down the slower path."""
    # 2**k is finite exactly up to the dtype's largest exponent: test that with one
    # reduction rather than ldexp under np.errstate, which costs ~5 µs to enter.
    if shift.size and int(shift.max()) >= np.finfo(dtype).maxexp:
        return None
    return xp.ldexp(xp.ones(shift.shape, dtype=dtype), shift)


def _scaled(xp, values, shift, scale, out):
    """``floor(values * 2**shift)`` into the int64 array ``out``, returned as uint64.

    Weights are non-negative, so the conversion's truncation is the floor, and
    ``q < 2**Q <= 2**63`` fits int64, whose conversion is faster than uint64's.
    Multiplying by ``scale = 2**shift`` is exact; ``ldexp`` is the slower way when
    ``scale`` is ``None``.
    """
    if scale is not None:
        xp.multiply(values, scale, out=out, casting="unsafe")
    else:
        out[...] = xp.ldexp(values, shift)
    return out.view(xp.uint64)


def quantize(xp, probs2d):
    """The weights ``q_c = floor(p_c * 2**(Q - e))`` of DESIGN §4.3, as uint64.

    Scaling by a power of two is exact, so float32 and float64 weights give the
    same integers. Rows must have a positive, finite maximum.

    Example:
        >>> quantize(np, np.array([[1.0, 0.5, 2.0**-62]])).tolist()  # Q = 61, e = 1
        [[1152921504606846976, 576460752303423488, 0]]
    """
    shift = shifts(xp, probs2d.max(axis=-1, keepdims=True), probs2d.shape[-1])
    scale = _power_of_two(xp, shift, probs2d.dtype)
    return _scaled(xp, probs2d, shift, scale, xp.empty(probs2d.shape, dtype=xp.int64))


def prefix_sums(xp, probs2d):
    """Exact uint64 prefix sums ``S_c`` of each row's quantized weights.

    Example:
        >>> prefix_sums(np, np.array([[1.0, 1.0, 2.0]]))[0].tolist()
        [576460752303423488, 1152921504606846976, 2305843009213693952]
    """
    q = quantize(xp, probs2d)
    xp.cumsum(q, axis=-1, dtype=xp.uint64, out=q)
    return q


def index(xp, probs2d, row_max=None, out=None, workspace=None):
    """What :func:`first_above` needs of ``probs2d`` (``(R, C)``): ``(shift, ends)``.

    ``shift`` (``(R, 1)``, int32) is each row's :func:`shifts`; ``ends`` (``(R, B)``,
    ``B = ceil(C / 16)``, uint64) holds the prefix sum at the end of each 16-weight
    block, so ``ends[:, -1:]`` are the row totals ``S_last``. ``row_max`` saves a
    pass when the caller has it; ``out`` is an optional ``(shift, ends)`` to fill;
    scratch comes from ``workspace`` (a :class:`Workspace`) when given.
    """
    rows, categories = probs2d.shape
    blocks = -(-categories // FAN)
    if row_max is None:
        row_max = probs2d.max(axis=1, keepdims=True)
    if out is None:
        out = (xp.empty((rows, 1), dtype=xp.int32), xp.empty((rows, blocks), dtype=xp.uint64))
    shift, ends = out
    shift[...] = shifts(xp, row_max, categories)
    scale = _power_of_two(xp, shift, probs2d.dtype)
    ends = ends.view(xp.int64)  # block sums are below the row total < 2**63, like q
    # Quantize pieces of at most _SCRATCH weights, whole blocks wide: a few rows at a
    # time, or a piece of one wide row.
    width = blocks * FAN
    piece = min(width, max(FAN, _SCRATCH - _SCRATCH % FAN))
    step = max(1, _SCRATCH // piece)
    ws = Workspace(xp) if workspace is None else workspace
    scratch = ws.array("quantized", (min(step, rows), piece), xp.int64)
    for r in range(0, rows, step):
        part = slice(r, r + step)
        part_scale = None if scale is None else scale[part]
        for c in range(0, width, piece):
            real = min(piece, categories - c)  # weights in this piece; the rest pad the block
            q = scratch[:min(step, rows - r), :min(piece, width - c)]
            q[:, real:] = 0
            _scaled(xp, probs2d[part, c:c + real], shift[part], part_scale, q[:, :real])
            xp.einsum("rbi->rb", q.reshape(len(q), -1, FAN),
                      out=ends[part, c // FAN:(c + q.shape[1]) // FAN])
    ends = ends.view(xp.uint64)
    xp.cumsum(ends, axis=1, out=ends)
    return shift, ends


def first_above(xp, probs2d, shift, ends, target, out=None, workspace=None):
    """For each row ``r`` and sample ``j``: the first ``c`` with ``S_c > target[r, j]``.

    ``(shift, ends)`` come from :func:`index`; targets must be below the row totals.
    The block is found by descending a 16-ary tree whose level ``k`` holds the
    prefix sums at the end of every run of ``16**k`` blocks (``ends[:, 16**k - 1 ::
    16**k]``): a sample's next node is the number of its current node's 16 children
    that end at or below the target. Inside the block, the prefix sums of its 16
    weights (quantized again) finish the search. Scratch arrays come from
    ``workspace`` (a :class:`Workspace`) when given.

    Example:
        >>> p = np.array([[1.0, 0.0, 3.0]])
        >>> shift, ends = index(np, p)
        >>> total = int(ends[0, -1])
        >>> t = np.array([[0, total // 4 - 1, total // 4, total - 1]], np.uint64)
        >>> first_above(np, p, shift, ends, t)
        array([[0, 0, 2, 2]])
    """
    ws = Workspace(xp) if workspace is None else workspace
    rows, samples = target.shape
    n, (categories, blocks) = rows * samples, (probs2d.shape[1], ends.shape[1])
    t = ws.array("t", (n,), xp.uint64)
    t[...] = target.reshape(-1)
    mask = ws.array("mask", (FAN, rows, samples), xp.bool_)
    node = ws.array("node", (n,), xp.int64)
    row = ws.array("row", (n,), xp.int64)
    row.reshape(rows, samples)[...] = xp.arange(rows)[:, None]
    at = ws.array("at", (n,), xp.int64)
    small = n * blocks <= _DIRECT
    if small:
        # Few samples against few blocks: count each sample's row's blocks that end at
        # or below it in one comparison -- a handful of NumPy calls instead of the
        # tree's dozens (profiled on 64 rows x 1000 weights, 5 samples each).
        node.reshape(rows, samples)[...] = (ends[:, None, :] <= target[:, :, None]).sum(axis=2)
    else:
        _descend(xp, ends, target, t, mask, node, row, at, ws)
    xp.multiply(row, blocks, out=at)
    at += node  # the block, as a flat index into ends
    before = ws.array("before", (n,), xp.uint64)
    xp.take(ends.reshape(-1), at - 1, out=before, mode="wrap")  # the sum before the block
    before[node == 0] = 0
    t -= before
    weights = ws.array("weights", (n, FAN), probs2d.dtype)
    if categories % FAN == 0:
        xp.take(probs2d.reshape(-1, FAN), at, axis=0, out=weights, mode="clip")
    else:  # rows don't start on a block: gather each weight, then blank past a row's end
        lanes = ws.array("lanes", (n, FAN), xp.int64)
        xp.add((row * categories + node * FAN)[:, None], xp.arange(FAN), out=lanes)
        xp.take(xp.ascontiguousarray(probs2d).reshape(-1), lanes, out=weights, mode="clip")
        weights[node == blocks - 1, categories % FAN:] = 0
    q = ws.array("q", (FAN, n), xp.int64)
    scale = _power_of_two(xp, shift, probs2d.dtype)
    if scale is not None:  # scale in place (exact), then convert while transposing
        weights.reshape(rows, samples * FAN)[...] *= scale
        q[...] = weights.T
    else:
        q[...] = xp.ldexp(weights.T, xp.repeat(shift.reshape(-1), samples))
    q = q.view(xp.uint64)
    if small:
        xp.cumsum(q, axis=0, out=q)  # prefix sums inside the block, in one call
    else:
        for i in range(1, FAN):  # a contiguous row at a time: faster on many samples
            q[i] += q[i - 1]
    mask = mask.reshape(FAN, n)
    xp.less_equal(q, t, out=mask)
    node *= FAN
    node += _count_rows(xp, mask)
    if out is None:
        return node.reshape(rows, samples)
    out[...] = node.reshape(rows, samples)
    return out


_DIRECT = 2**16  # samples x blocks up to which first_above compares against every block


def _descend(xp, ends, target, t, mask, node, row, at, ws):
    """:func:`first_above`'s tree descent: each sample's block into ``node``."""
    rows, samples = target.shape
    n = rows * samples
    levels = _levels(xp, ends)
    # The top level is one group per row, shared by the row's samples: compare by
    # broadcasting, no gather. Comparison masks are laid out (16, n) so that each of
    # the 16 rows is contiguous and the sum over them is a fast reduction.
    top = xp.ascontiguousarray(levels[-1].T)  # (16, rows)
    xp.less_equal(top[:, :, None], target[None], out=mask)
    node[...] = _count_rows(xp, mask.reshape(FAN, n))
    children = ws.array("children", (n, FAN), xp.uint64)
    for level in reversed(levels[:-1]):
        xp.multiply(row, level.shape[1] // FAN, out=at)
        at += node
        # mode="clip" (the indices are in range by construction): with out= and the
        # default mode="raise", NumPy buffers the output and gathers ~3x slower.
        xp.take(level.reshape(-1, FAN), at, axis=0, out=children, mode="clip")
        node *= FAN
        node += _count_at_most(xp, children, t, ws)


SMALL = 2**16
"""Weights up to which :func:`small_index` replaces :func:`index` (one thread, 512 KiB of
sums at most)."""


def small_index(xp, probs2d, row_max):
    """:func:`index` for a few weights, plus their full prefix sums: ``(shift, ends,
    sums)``, ``sums`` of shape ``(R, 16 * B)`` (uint64, each row padded with its total).

    Speed (profiled on 64 rows x 1000 weights, 5 samples each, where PyTorch takes
    ~100-160 µs): the blocked index plus :func:`first_above`'s re-quantization of the
    chosen blocks cost ~25 NumPy calls, ~1 µs each, and its block sums an einsum. One
    full ``cumsum`` over weights that fit in L2 costs about the einsum, and the samples'
    16-weight blocks are then read straight from it (:func:`first_above_small`).

    Example:
        >>> p = np.array([[1.0, 0.0, 3.0]])
        >>> shift, ends, sums = small_index(np, p, p.max(axis=1, keepdims=True))
        >>> (ends[:, -1] == sums[:, -1]).all() and (sums[0, 2:] == ends[0, 0]).all()
        np.True_
    """
    rows, categories = probs2d.shape
    width = -(-categories // FAN) * FAN
    shift = shifts(xp, row_max, categories)
    sums = xp.empty((rows, width), dtype=xp.int64)  # q < 2**Q and sums < 2**63: int64 is exact
    sums[:, categories:] = 0
    _scaled(xp, probs2d, shift, _power_of_two(xp, shift, probs2d.dtype), sums[:, :categories])
    xp.cumsum(sums, axis=1, out=sums)
    sums = sums.view(xp.uint64)
    return shift, xp.ascontiguousarray(sums[:, FAN - 1::FAN]), sums


def first_above_small(xp, sums, ends, target):
    """:func:`first_above` from :func:`small_index`'s full prefix sums: for each row
    ``r`` and sample ``j`` the first ``c`` with ``sums[r, c] > target[r, j]``.

    Sums are non-decreasing along a row, so ``sums <= target`` is a run of True then
    False, and ``argmin`` (a fast byte scan) finds the first False: once among the
    block ends (``rows x samples x blocks`` comparisons: keep that product small),
    then among the 16 sums of the block found. Targets must be below the row totals.

    Example:
        >>> p = np.array([[1.0, 0.0, 3.0]])
        >>> _, ends, sums = small_index(np, p, p.max(axis=1, keepdims=True))
        >>> total = int(ends[0, -1])
        >>> t = np.array([[0, total // 4 - 1, total // 4, total - 1]], np.uint64)
        >>> first_above_small(np, sums, ends, t)
        array([[0, 0, 2, 2]])
    """
    rows, width = sums.shape
    block = xp.argmin(ends[:, None, :] <= target[:, :, None], axis=2)
    flat = block + (xp.arange(rows) * (width // FAN))[:, None]  # its index in the 16-sum rows
    found = sums.reshape(-1, FAN).take(flat.reshape(-1), axis=0, mode="clip")
    inside = xp.argmin(found <= target.reshape(-1, 1), axis=1)
    block *= FAN
    block += inside.reshape(block.shape)
    return block


def search(xp, probs2d, index, target, out=None, workspace=None):
    """:func:`first_above` or :func:`first_above_small`, by what ``index`` holds
    (:func:`index`'s pair or :func:`small_index`'s triple) and the comparisons the
    small search would make; the answers are the same."""
    shift, ends = index[:2]
    if len(index) == 3 and target.size * ends.shape[1] <= _DIRECT:
        found = first_above_small(xp, index[2], ends, target)
        if out is None:
            return found
        out[...] = found
        return out
    return first_above(xp, probs2d, shift, ends, target, out=out, workspace=workspace)


class Workspace:
    """Named scratch arrays, kept for the next call that asks for the same name.

    NumPy allocates a fresh buffer for every temporary, and glibc hands freed
    multi-MiB blocks back to the OS, so each call pays page faults for its scratch —
    more than :func:`first_above`'s arithmetic. A workspace per thread (the CPU
    backend keeps one) reuses the memory; it holds the largest size asked for.
    """

    def __init__(self, xp=np):
        self._xp = xp
        self._buffers = {}
        # The views handed out, by (name, shape, dtype): a call with the sizes of the
        # previous one gets them back without re-slicing (a small multinomial asks for
        # ten arrays; building each view cost ~3 µs, profiled).
        self._views = {}

    def array(self, name, shape, dtype):
        """An uninitialized array of ``shape`` and ``dtype`` in buffer ``name``."""
        key = (name, shape, dtype)
        view = self._views.get(key)
        if view is not None:
            return view
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < nbytes:
            buffer = self._buffers[name] = self._xp.empty(nbytes, dtype=np.uint8)
            self._views = {k: v for k, v in self._views.items() if k[0] != name}
        if len(self._views) >= 256:  # calls of ever new sizes: keep the cache bounded
            self._views.clear()
        view = self._views[key] = buffer[:nbytes].view(dtype).reshape(shape)
        return view


def _levels(xp, ends):
    """The tree levels over ``ends``, bottom first, each padded to whole groups of 16
    with a value no target reaches; the last has one group per row."""
    levels = []
    level = ends
    while True:
        pad = -level.shape[1] % FAN
        if pad:
            level = xp.concatenate([level, xp.full((level.shape[0], pad), _NEVER, level.dtype)],
                                   axis=1)
        levels.append(level)
        if level.shape[1] == FAN:
            return levels
        level = level[:, FAN - 1::FAN]  # a group's last end is its parent's end


def _count_rows(xp, mask):
    """The number of ``True`` in each column of a ``(16, n)`` bool mask: the rows'
    bytes summed as uint8 (at most 16), a vectorized add per row — ~10x faster
    than ``count_nonzero(axis=0)``."""
    return mask.view(xp.uint8).sum(axis=0, dtype=xp.uint8)


def _count_at_most(xp, values, t, ws):
    """How many of each row's 16 ``values`` are ``<= t`` (int64). A row's 16
    comparison bytes are read as two uint64; multiplying by 0x0101…01 sums each
    one's bytes into its top byte."""
    mask = ws.array("mask", values.shape, xp.bool_)
    xp.less_equal(values, t[:, None], out=mask)
    halves = ws.array("halves", (len(values), 2), xp.uint64)
    xp.multiply(mask.view(xp.uint64), _BYTES_ONE, out=halves)
    halves >>= np.uint64(56)
    counts = halves.view(xp.int64)
    return counts[:, 0] + counts[:, 1]
