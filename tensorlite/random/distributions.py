"""Bits to values: one function per distribution (DESIGN §4.3).

Each function turns a block of stream words (``uint32``, from
:mod:`tensorlite.random.philox`) into values. Element ``i`` of the flat,
C-ordered output depends only on its own words, listed in each docstring, so
any slice of an output can be generated alone from the matching words — the
property that makes chunked, threaded and GPU generation give the same tensor.
:func:`words_needed` says how many words a call consumes (the ``K`` of §4.2).

The functions take the array namespace ``xp`` (``numpy`` or ``cupy``) first
and use only ``xp`` functions, so one definition serves both devices.
**They consume ``words``**: its memory is reused as scratch (fresh chunk-sized
temporaries cost page faults, which dominate a fill), so pass a copy to keep
the words. ``words`` must be a contiguous, writable 1-D ``uint32`` array.
``dtype`` arguments are NumPy dtypes; bfloat16 is ``ml_dtypes.bfloat16``.
Parameters are assumed valid: the public API validates them before any word
is drawn (DESIGN §7).

NumPy traps avoided here (DESIGN §4.3): a ``uint32`` array times a Python
int stays ``uint32`` and wraps, so products are formed in ``uint64``;
``int64 + uint64`` becomes ``float64``, so offsets are added modulo ``2**64``
in ``uint64``; NumPy has no 128-bit integers, so :func:`_mulhi64` builds the
high half of a 64x64-bit product from 32-bit halves.
"""

import math
import sys

import ml_dtypes
import numpy as np

from . import _native, _quantized

__all__ = [
    "words_needed",
    "random_range",
    "uniform",
    "normal",
    "exponential",
    "randint",
    "bernoulli",
    "randperm",
    "multinomial",
    "smallest",
]

_F16 = np.dtype(np.float16)
_BF16 = np.dtype(ml_dtypes.bfloat16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_FLOATS = frozenset((_F16, _BF16, _F32, _F64))

# Significand bits (the implicit bit included) of each floating dtype: the
# uniform of a float dtype keeps that many top bits of its word.
MANTISSA_BITS = {_F16: 11, _BF16: 8, _F32: 24, _F64: 53}
# Per-dtype scalars, made once: building a NumPy scalar costs ~0.1 µs a call,
# as much as the rest of a small call's bookkeeping (profiled on rand(3, 4)).
# NumPy scalars serve CuPy too (cupy.uint32 is numpy.uint32).
_TOP_SHIFT = {d: np.uint32(32 - bits) for d, bits in MANTISSA_BITS.items() if d != _F64}
_UNIT_SCALE = {d: (_F64 if d == _F64 else _F32).type(2.0 ** -bits)
               for d, bits in MANTISSA_BITS.items()}
_U64_11 = np.uint64(11)

_TWO_PI = 2.0 * math.pi


# ---------------------------------------------------------------------------
# Word accounting


def one_word_randint(r):
    """Whether ``randint`` over ``r`` values uses one word per element.

    ``(W * r) >> 32`` is exactly uniform when ``r`` is a power of two and
    nearly so (bias ``<= r / 2**32 <= 2**-16``) when ``r <= 2**16``; any other
    range takes two words, whose 64-bit product bias is ``<= r / 2**64``.
    """
    return r <= 2**16 or (r <= 2**32 and r & (r - 1) == 0)


def words_needed(kind, n, dtype, **params):
    """Return how many stream words a call producing ``n`` values consumes.

    ========================= ============================================
    ``kind``                  words
    ========================= ============================================
    ``"uniform"``             ``n`` (float64: ``2n``)
    ``"exponential"``         ``n`` (float64: ``2n``)
    ``"normal"``              ``2*ceil(n/2)`` (float64: ``4*ceil(n/2)``)
    ``"randint"``             ``n`` or ``2n`` by the range (``low=``,
                              ``high=``), see :func:`randint`
    ``"bernoulli"``           ``n``
    ``"randperm"``            ``2n``
    ``"multinomial"``         ``2*rows*n`` with replacement, ``2*rows*C``
                              without (``rows=``, ``categories=``,
                              ``replacement=``; ``n`` = samples per row)
    ========================= ============================================

    The generator then advances its offset by ``4 * ceil(K / 4)``.

    Example:
        >>> words_needed("normal", 5, np.float32)
        6
        >>> words_needed("randint", 3, np.int64, low=0, high=3 * 2**30)
        6
    """
    wide = 2 if _F64 == dtype else 1  # compares any dtype-like, no np.dtype() call
    if kind == "uniform" or kind == "exponential":
        return wide * n
    if kind == "normal":
        return 2 * wide * ((n + 1) // 2)
    if kind == "randint":
        return n if one_word_randint(params["high"] - params["low"]) else 2 * n
    if kind == "bernoulli":
        return n
    if kind == "randperm":
        return 2 * n
    if kind == "multinomial":
        per_row = n if params["replacement"] else params["categories"]
        return 2 * params["rows"] * per_row
    raise ValueError(f"words_needed: unknown kind {kind!r}")


def random_range(dtype):
    """Return PyTorch's default ``random_()`` range for ``dtype`` as ``(low, high)``.

    Half-open, i.e. the values are ``low … high - 1``: ``[0, 2**mantissa]``
    inclusive for floating dtypes (every integer there is exact), ``[0, max]``
    for integer dtypes, ``[0, 1]`` for bool.

    Example:
        >>> random_range(np.float32)
        (0, 16777217)
        >>> random_range(np.int8)
        (0, 128)
    """
    dtype = np.dtype(dtype)
    if dtype in MANTISSA_BITS:
        return 0, 2 ** MANTISSA_BITS[dtype] + 1
    if dtype == np.bool_:
        return 0, 2
    if dtype.kind in "iu":
        return 0, int(np.iinfo(dtype).max) + 1
    raise ValueError(f"random_range: unsupported dtype {dtype}")


# ---------------------------------------------------------------------------
# Integer helpers


def _pairs(xp, words):
    """The 64-bit values ``W_2k << 32 | W_2k+1`` (earlier word high), in place.

    Returns a ``uint64`` view of ``words``' memory. A little-endian uint64
    stores its low half first, so each pair's halves are swapped first (three
    XORs, no temporary).
    """
    if sys.byteorder == "little":
        high, low = words[0::2], words[1::2]
        high ^= low
        low ^= high
        high ^= low
    return words.view(xp.uint64)


def _mulhi64(xp, x, y):
    """High 64 bits of the 128-bit product ``x * y`` of ``uint64`` values.

    Schoolbook multiplication on 32-bit halves (Hacker's Delight 8-2). The
    middle sum ``(lo*lo >> 32) + lo(hi_x*lo_y) + lo_x*hi_y`` is at most
    ``2**64 - 1``, so nothing overflows.
    """
    mask, shift = xp.uint64(0xFFFFFFFF), xp.uint64(32)
    x_lo, x_hi = x & mask, x >> shift
    y_lo, y_hi = y & mask, y >> shift
    cross = x_hi * y_lo
    middle = (x_lo * y_lo) >> shift
    middle += cross & mask
    middle += x_lo * y_hi
    high = x_hi * y_hi
    high += cross >> shift
    high += middle >> shift
    return high


# ---------------------------------------------------------------------------
# Floating-point helpers


def _compute_dtype(dtype):
    """Arithmetic precision for a float output: float64 for float64, else float32."""
    return _F64 if dtype == _F64 else _F32


def _float_dtype(fn, dtype):
    if dtype in _FLOATS:  # already one of the NumPy dtypes: no conversion
        return dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise ValueError(f"{fn}: dtype must be a floating dtype, got {dtype}")
    return dtype


def _output(xp, out, n, dtype):
    return xp.empty(n, dtype=dtype) if out is None else out


def _largest_below(b, dtype):
    """Largest value of ``dtype`` strictly below the (compute-precision) scalar ``b``."""
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    v = np.array(b).astype(dtype)  # round to nearest
    if v.astype(np.float64) < float(b):
        return v[()]
    # Step one unit in the last place towards -inf on the bit pattern:
    # magnitude down for positives, up for negatives, 0 -> -smallest subnormal.
    u = v.view(bits)
    if v > 0:
        u = u - 1
    elif v < 0:
        u = u + 1
    else:
        u = np.array(1 | 1 << (8 * u.itemsize - 1), bits)
    return np.asarray(u, bits).view(dtype)[()]


def _top_bits(xp, words, dtype):
    """The integers ``k`` behind the uniforms of ``dtype``, in ``words``' memory.

    ``W_i >> (32 - bits)`` (``uint32``) for one-word dtypes, where ``bits`` is
    the significand width; for float64 ``(W_2i << 32 | W_2i+1) >> 11``
    (``uint64``).
    """
    if dtype == _F64:
        k = _pairs(xp, words)
        k >>= _U64_11
        return k
    words >>= _TOP_SHIFT[dtype]
    return words


def _unit(xp, k, dtype, plus_one=False, out=None):
    """``u = k * 2**-bits`` in the compute precision: in ``[0, 1)``, or in
    ``(0, 1]`` with ``plus_one`` (``k + 1``, for logarithms).

    ``k + 1 <= 2**bits`` fits the significand, so the conversion is exact and
    the power-of-two scale is exact: ``u`` is exact even in the output dtype.
    Written into ``out`` when its dtype is the compute dtype, else over ``k``
    (same item size) — no new memory either way.
    """
    if plus_one:
        k += k.dtype.type(1)
    ct = _compute_dtype(dtype)
    if out is None or out.dtype != ct:
        out = k.view(ct)  # in place: NumPy buffers the overlapping cast
        return xp.multiply(k, _UNIT_SCALE[dtype], out=out, dtype=ct)
    # Speed (profiled on 2**17 float32 uniforms): a casting copy, then a multiply in
    # place, is ~1.5x faster than one casting multiply; both are exact.
    out[...] = k
    out *= _UNIT_SCALE[dtype]
    return out


def stable_argsort(xp, keys):
    """``argsort(keys, axis=-1, kind="stable")``, usually several times faster.

    NumPy's stable sort of 64-bit keys is a merge sort, ~10x slower than its
    default sort. The two orders differ only where keys tie, so sort fast, look
    for equal neighbours, and re-sort stably only then (random 64-bit keys
    practically never tie; the +inf keys of zero weights do).
    """
    order = xp.argsort(keys, axis=-1)
    ordered = xp.take_along_axis(keys, order, axis=-1)
    if ordered.shape[-1] > 1 and bool((ordered[..., 1:] == ordered[..., :-1]).any()):
        order = xp.argsort(keys, axis=-1, kind="stable")
    return order


def _finish(out, v):
    """Round the compute-precision result ``v`` once into ``out``."""
    if v is not out:
        out[...] = v
    return out


# ---------------------------------------------------------------------------
# Distributions


def uniform(xp, words, dtype, low=0.0, high=1.0, out=None):
    """Uniform values in ``[low, high)`` — ``rand`` and ``uniform_``.

    Element ``i`` uses word ``i`` (float64: words ``2i, 2i+1``)::

        float32   u = (W_i >> 8)  * 2**-24
        float16   u = (W_i >> 21) * 2**-11
        bfloat16  u = (W_i >> 24) * 2**-8
        float64   u = ((W_2i << 32 | W_2i+1) >> 11) * 2**-53
        v = low + (high - low) * u

    ``u`` is exact in the output dtype. ``v`` is computed in float32 (float64
    for float64 output) from ``low``/``high`` rounded to that precision, as a
    multiply then an add (never fused), and rounded once to ``dtype``. A
    value that rounds up to ``high`` is replaced by the largest value of
    ``dtype`` below ``high``, so results lie in ``[low, high)``; when
    ``low == high`` every value is ``low``. For ``(0, 1)`` ``v = u``.

    Args:
        words: ``uint32`` words, ``words_needed("uniform", n, dtype)`` of them.
        dtype: float16, bfloat16, float32 or float64.
        out: optional 1-D array of ``n`` elements of ``dtype``.

    Example:
        >>> from tensorlite.random.philox import words
        >>> uniform(np, words(0, 0, 3), np.float32)
        array([0.39904642, 0.88052016, 0.73571277], dtype=float32)
    """
    dtype = _float_dtype("uniform", dtype)
    n = words.shape[0] // (2 if dtype == _F64 else 1)
    out = _output(xp, out, n, dtype)
    ct = _compute_dtype(dtype)
    u = _unit(xp, _top_bits(xp, words, dtype), dtype, out=out)
    if (low, high) == (0.0, 1.0):
        return _finish(out, u)
    a, b = ct.type(low), ct.type(high)
    d = b - a
    if not (np.isfinite(d) and d >= 0):
        raise ValueError(f"uniform: need low <= high with a finite high - low, "
                         f"got {low}, {high}")
    u *= d
    u += a
    _finish(out, u)
    # Rounding is monotonic, so only the largest u can reach b; test it once
    # instead of scanning the output.
    u_max = np.array(1.0 - 2.0 ** -MANTISSA_BITS[dtype], ct)
    v_max = (u_max * d + a).astype(dtype)
    if d > 0 and v_max >= b:
        xp.minimum(out, _largest_below(b, dtype), out=out)
    return out


def normal(xp, words, n, dtype, mean=0.0, std=1.0, out=None, scratch=None):
    """Normal values by Box–Muller on pairs — ``randn`` and ``normal_``.

    Elements ``2p, 2p+1`` use words ``2p, 2p+1`` (float64: ``4p … 4p+3``)::

        float32   u1 = ((W_2p >> 8) + 1) * 2**-24          in (0, 1]
        (and      u2 =  (W_2p+1 >> 8)    * 2**-24          in [0, 1)
        halves)
        float64   u1 = ((W_4p << 32 | W_4p+1) >> 11) + 1) * 2**-53
                  u2 =  ((W_4p+2 << 32 | W_4p+3) >> 11)   * 2**-53
        r = sqrt(-2 ln u1),  θ = 2π u2
        z_2p = r cos θ,  z_2p+1 = r sin θ,   value = mean + std * z

    Arithmetic is float32 (float64 for float64 output) with ``2π`` rounded to
    that precision; float16/bfloat16 round the float32 result once. For odd
    ``n`` the last sine is dropped. For ``(mean, std) = (0, 1)`` the value is
    ``z`` itself.

    Args:
        words: ``words_needed("normal", n, dtype)`` words.
        n: number of values.
        scratch: optional ``uint32`` array as long as ``words``, used in their place
            (``words`` are then left as they are).

    Example:
        >>> from tensorlite.random.philox import words
        >>> normal(np, words(0, 0, 4), 3, np.float32)
        array([ 0.99113774, -0.9246624 , -0.6176091 ], dtype=float32)
    """
    dtype = _float_dtype("normal", dtype)
    out = _output(xp, out, n, dtype)
    if n == 0:
        return out
    if xp is np and dtype == _F32 and out.flags.c_contiguous and words.flags.c_contiguous:
        # the arithmetic around NumPy's log/cos/sin in C, the same values (issue 17;
        # random/_native.c checks itself against _normal_numpy when it loads)
        lib = _native.library()
        if lib is not None:
            return _native.normal_from_words_f32(lib, words, n, mean, std, out)
    if scratch is not None:
        scratch[...] = words
        words = scratch
    return _normal_numpy(xp, words, n, dtype, mean, std, out)


def _normal_numpy(xp, words, n, dtype, mean, std, out):
    """:func:`normal` in ``xp`` alone (``out`` given, ``n > 0``)."""
    ct = _compute_dtype(dtype)
    pairs = (n + 1) // 2
    # In pair p, k[2p] makes u1 and k[2p+1] makes u2 (float64: k is uint64).
    # Half types use the float32 recipe (24-bit uniforms, DESIGN §4.3): uniforms
    # of 11 or 8 bits would cut the tails at ~3.9 or ~3.3 standard deviations.
    k = _top_bits(xp, words[: words_needed("normal", n, dtype)], ct)
    # Speed (profiled at 2**18 float32 values: ~12 ns a value before, ~4 now; the
    # transcendental functions are ~2.5 of those): every log/sqrt/cos/sin reads and
    # writes contiguous arrays, nothing is cast in place (NumPy then buffers the whole
    # operand), and nothing is scaled through a (pairs, 2) broadcast, whose inner loop
    # of length 2 cost a quarter of the old total. k's two halves are gathered by two
    # strided casting copies into scratch (the output itself when it has the compute
    # dtype and room; fresh arrays cost page faults), cos and sin go to k's memory,
    # are scaled by r there, and two strided copies interleave them into the output
    # (rounding to a half output dtype on the way).
    scratch = out if out.dtype == ct and out.shape[0] == 2 * pairs and out.flags.c_contiguous \
        else xp.empty(2 * pairs, ct)
    r, theta = scratch[:pairs], scratch[pairs:]
    # u1 = (k + 1) * 2**-bits: k and k + 1 <= 2**bits convert exactly, and the scale is
    # a power of two, so adding 1 after the conversion gives the same u1 bit for bit
    r[...] = k[0::2]
    r += ct.type(1)
    r *= _UNIT_SCALE[ct]
    xp.log(r, out=r)
    r *= ct.type(-2.0)
    xp.sqrt(r, out=r)
    # With u2 = k * 2**-bits, (2π * 2**-bits) * k rounds the same real number
    # as 2π * u2 (the power-of-two scale is exact), in one multiply.
    theta[...] = k[1::2]
    theta *= ct.type(_TWO_PI) * ct.type(2.0 ** -MANTISSA_BITS[ct])
    z = k.view(ct)  # k is free now: cosines in its first half, sines after them
    cos = xp.cos(theta, out=z[:pairs])
    sin = xp.sin(theta[: n // 2], out=z[pairs: pairs + n // 2])
    for part in (cos, sin):
        part *= r[: part.shape[0]]
        if (mean, std) != (0.0, 1.0):
            part *= ct.type(std)
            part += ct.type(mean)
    out[0::2] = cos
    out[1::2] = sin
    return out


def exponential(xp, words, dtype, lambd=1.0, out=None):
    """Exponential values with rate ``lambd`` — ``exponential_``.

    Element ``i`` uses word ``i`` (float64: words ``2i, 2i+1``)::

        float32   u = ((W_i >> 8) + 1) * 2**-24                        in (0, 1]
        float64   u = (((W_2i << 32 | W_2i+1) >> 11) + 1) * 2**-53
        value = -ln(u) / lambd

    Computed in float32 (float64 for float64 output); half types round the
    float32 result once. ``u = 1`` gives ``-0.0``.

    Example:
        >>> from tensorlite.random.philox import words
        >>> exponential(np, words(0, 0, 2), np.float32)
        array([0.9186774 , 0.12724239], dtype=float32)
    """
    dtype = _float_dtype("exponential", dtype)
    n = words.shape[0] // (2 if dtype == _F64 else 1)
    out = _output(xp, out, n, dtype)
    ct = _compute_dtype(dtype)
    # Half types use the float32 recipe (24-bit uniforms) and round once.
    v = _unit(xp, _top_bits(xp, words, ct), ct, plus_one=True, out=out)
    xp.log(v, out=v)
    # -ln(u) / λ == ln(u) / -λ bit for bit (negation is exact), one pass fewer.
    v /= -ct.type(lambd)
    return _finish(out, v)


def randint(xp, words, n, low, high, dtype, out=None):
    """Integers uniform on ``[low, high)`` — ``randint`` and ``random_``.

    With ``r = high - low`` (``1 <= r <= 2**64``)::

        r <= 2**16 or r a power of two <= 2**32:   element i uses word i
            value = low + ((W_i * r) >> 32)
        otherwise:                                 element i uses words 2i, 2i+1
            value = low + ((x * r) >> 64),   x = W_2i << 32 | W_2i+1

    One word for every range would be biased: for ``r = 3 * 2**30`` value 0
    would come twice as often as 1 or 2. The two-word bias is at most
    ``r / 2**64``. For a float ``dtype`` the integer is drawn, then cast
    (to bfloat16 through float32, as ml_dtypes casts).

    Example:
        >>> from tensorlite.random.philox import words
        >>> randint(np, words(0, 0, 4), 4, -5, 5, np.int64)
        array([-2,  3,  2,  1])
    """
    dtype = np.dtype(dtype)
    low, high = int(low), int(high)
    r = high - low
    if not 1 <= r <= 2**64:
        raise ValueError(f"randint: need 1 <= high - low <= 2**64, got low={low}, high={high}")
    out = _output(xp, out, n, dtype)
    # A 64-bit integer output holds k's bits directly: work in its memory.
    k_out = out.view(xp.uint64) if dtype.itemsize == 8 and dtype.kind in "iu" else None
    if one_word_randint(r):
        # W < 2**32 and r <= 2**32, so W * r fits in 64 bits.
        k = xp.multiply(words[:n], xp.uint64(r), out=k_out, dtype=xp.uint64)
        k >>= xp.uint64(32)
    elif r == 2**64:
        k = _pairs(xp, words[: 2 * n])  # (x * 2**64) >> 64 == x
    else:
        k = _mulhi64(xp, _pairs(xp, words[: 2 * n]), xp.uint64(r))
    if low != 0:
        k += xp.uint64(low % 2**64)  # wraps modulo 2**64: exact in two's complement
    if k_out is not None:
        if k is not k_out:
            k_out[...] = k
        return out
    value = k.view(xp.int64) if low < 0 else k
    if dtype == _BF16:
        value = value.astype(_F32)
    out[...] = value
    return out


def bernoulli(xp, words, p, out=None):
    """Bernoulli draws: ``1`` with probability ``p`` — ``bernoulli``.

    Element ``i`` uses word ``i``: value ``1`` where
    ``W_i < float64(p_i) * 2**32``, else ``0``. ``p`` is cast to float64
    *before* scaling (a float16 ``p`` times ``2**32`` would overflow).

    Args:
        p: array of probabilities broadcastable to ``words.shape`` (a 0-d
            array for one probability); the result has ``p``'s dtype.
        out: optional output array (its dtype wins).

    Example:
        >>> from tensorlite.random.philox import words
        >>> bernoulli(np, words(0, 0, 4), np.array(0.5, np.float32))
        array([1., 0., 0., 0.], dtype=float32)
    """
    p = xp.asarray(p)
    n = words.shape[0]
    out = _output(xp, out, n, p.dtype)
    if p.ndim == 0:
        # W is an integer, so W < t  <=>  W < ceil(t): compare integers.
        threshold = math.ceil(float(p) * 2.0**32)
        if threshold > 0xFFFFFFFF:
            out[...] = 1
            return out
        threshold = xp.uint32(threshold)
    else:
        threshold = p.astype(xp.float64)
        threshold *= 2.0**32
    xp.less(words, threshold, out=out)  # 0/1 cast to out's dtype
    return out


def randperm(xp, words, n, dtype=np.int64, out=None, scratch=None, chunk=2**16,
             sort=None):
    """A uniformly random permutation of ``0 … n-1`` — ``randperm``.

    Position ``i`` gets the 64-bit key ``W_2i << 32 | W_2i+1``; the result is
    the stable argsort of the keys (equal keys keep index order).

    Done in the words' own memory (``2n`` words are ``n`` uint64 keys): with
    ``b = bit_length(n - 1)``, each key's low ``b`` bits are set aside in
    ``scratch`` (``n`` uint32) and replaced by its index, the packed values are
    sorted in place, and the indices read back. Keys whose high ``64 - b`` bits
    tie (a few thousand for ``n = 2**26``) are then ordered by their low bits
    and index. Scratch beyond the words: ``4n`` bytes plus chunk-sized
    temporaries, so an int64 result written over the words needs no more.
    ``sort(a)``, if given, sorts the packed int64 values ``a`` in place instead of
    ``a.sort()`` (they are distinct, so any sort gives the same order).

    Example:
        >>> from tensorlite.random.philox import words
        >>> randperm(np, words(0, 0, 10), 5)
        array([4, 0, 3, 1, 2])
    """
    keys = _pairs(xp, words[: 2 * n])
    b = max(1, (n - 1).bit_length())
    if n < 2 or b > 32:
        order = stable_argsort(xp, keys)
    else:
        lows = xp.empty(n, xp.uint32) if scratch is None else scratch[:n]
        shift, mask = xp.uint64(b), xp.uint64((1 << b) - 1)
        high_bits = xp.uint64(2**64 - 1 - ((1 << b) - 1))
        for a in range(0, n, chunk):  # chunk-sized temporaries only
            part = keys[a:a + chunk]
            lows[a:a + chunk] = part & mask
            part &= high_bits  # clear the low bits: one pass (not >> then <<)
            # Set the index bits and flip the top bit in one pass: with the top bit
            # flipped, int64 order is the keys' uint64 order, and NumPy sorts int64
            # faster (measured on 1M keys, 2 cores: 22-35 ms against 28-42 ms).
            part ^= xp.arange(_TOP + a, _TOP + a + part.shape[0], dtype=xp.uint64)
        packed = keys.view(xp.int64)
        packed.sort() if sort is None else sort(packed)  # in place
        _order_ties(xp, keys, lows, shift, mask, chunk)
        keys &= mask
        order = keys.view(xp.int64)
    if out is None:
        return order if np.dtype(dtype) == np.int64 else order.astype(dtype)
    if out is not order:
        out[...] = order
    return out


_TOP = 2**63


def _order_ties(xp, packed, lows, shift, mask, chunk):
    """Sort runs of equal high key bits in ``packed`` (high bits | index, sorted) by
    (low key bits, index): the stable order of the full keys."""
    n = packed.shape[0]
    starts = []
    for a in range(0, n - 1, chunk):
        high = packed[a:a + chunk + 1] >> shift
        starts.append(xp.flatnonzero(high[1:] == high[:-1]) + a)  # i ties with i + 1
    tied = xp.concatenate(starts) if starts else xp.empty(0, xp.int64)
    if tied.size == 0:
        return
    # positions in a run: each tied i and its successor; run ids from the gaps
    positions = xp.unique(xp.concatenate([tied, tied + 1]))
    run = xp.cumsum(xp.concatenate([xp.ones(1, xp.int64), xp.diff(positions) != 1]))
    values = packed[positions]
    index = values & mask
    order = xp.lexsort((index, lows[index.astype(xp.int64)], run))
    packed[positions] = values[order]


def multinomial(xp, words, probs2d, num_samples, replacement, out=None, index=None,
                workspace=None):
    """Category indices drawn from each row of weights — ``multinomial``.

    ``probs2d`` has shape ``(rows, C)``: finite, non-negative weights with a
    positive sum per row (not necessarily normalized). Returns int64 of shape
    ``(rows, num_samples)``.

    With replacement, each row is quantized exactly and independently of
    category order: with ``e`` the binary exponent of the row maximum
    (``max = f * 2**e``, ``f`` in ``[0.5, 1)``) and
    ``Q = 63 - ceil(log2 C)``::

        q_c = floor(p_c * 2**(Q - e))       (uint64; the scaling is exact)
        S_c = q_0 + … + q_c                 (<= 2**63, no overflow)

    Sample ``j`` of row ``r`` uses words ``2(r*num_samples + j)`` and ``+1`` as
    ``x = hi << 32 | lo`` and returns the first ``c`` with
    ``S_c > (x * S_last) >> 64``. Weights below ``2**-Q`` of the row maximum
    quantize to zero and are never drawn.

    Without replacement (Efraimidis–Spirakis keys, 2006), category ``c`` of
    row ``r`` uses words ``2(r*C + c)``, ``+1``::

        u = ((x >> 11) + 1) * 2**-53,   key = -ln(u) / p_c   (+inf if p_c = 0)

    and the row's result is the ``num_samples`` smallest keys in ascending
    order, ties by index (zero-weight categories come last, in index order).

    ``index``: with replacement, ``_quantized.index(xp, probs2d)`` (or, for few
    weights, ``_quantized.small_index``) if the caller has computed it already (the
    CPU does, while checking the weights);
    ``workspace``: a ``_quantized.Workspace`` for the search's scratch.

    Example:
        >>> from tensorlite.random.philox import words
        >>> p = np.array([[0.1, 0.0, 0.9]])
        >>> multinomial(np, words(0, 0, 8), p, 4, replacement=True)
        array([[2, 2, 2, 2]])
    """
    # float32 weights stay float32: every step below is exact in either precision
    # (scaling by a power of two, floor, comparison), so the result is the same as
    # in float64 at half the memory traffic.
    if probs2d.dtype not in (xp.float32, xp.float64):
        probs2d = xp.asarray(probs2d, dtype=xp.float32)  # half types widen exactly
    p = probs2d
    rows, categories = p.shape
    if out is None:
        out = xp.empty((rows, num_samples), dtype=xp.int64)
    if rows == 0 or num_samples == 0:
        return out
    if replacement:
        index = _quantized.index(xp, p) if index is None else index
        x = _pairs(xp, words[: 2 * rows * num_samples])
        # Each sample's row total (index[1][:, -1]) repeated beside it: _mulhi64's dozen
        # operations then run on flat arrays, not (rows, 1) broadcast against (rows, n)
        # in short inner loops (profiled on 64 rows x 5 samples: ~17 µs against 20-30).
        target = _mulhi64(xp, x, xp.repeat(index[1][:, -1], num_samples))
        target = target.reshape(rows, num_samples)
        return _quantized.search(xp, p, index, target, out=out, workspace=workspace)
    # u = ((x >> 11) + 1) * 2**-53 with x = hi << 32 | lo is hi * 2**-32 + ((lo >> 11) + 1)
    # * 2**-53, both terms and their sum exact in float64. Speed: from the two words
    # directly, no uint64 pairs and no uint64 -> float64 conversion (no AVX2 instruction
    # does it): u for 64 rows x 4096 in 0.6-0.7 ms against 0.8-1.0 ms (measured; the
    # draw, the log and the partition dominate, ~5, 2 and 2 ms).
    w = words[: 2 * rows * categories].reshape(rows, categories, 2)
    key = xp.multiply(w[..., 0], 2.0**-32, dtype=xp.float64)
    low = w[..., 1] >> xp.uint32(11)
    low += xp.uint32(1)
    key += low * 2.0**-53
    xp.log(key, out=key)
    # ln(u) / -p == -ln(u) / p bit for bit. Where p == 0 the quotient is inf or (u = 1)
    # nan: those keys are set to +inf, after a check that costs a reduction, not a pass
    # of writes (speed: weights are usually all positive).
    with np.errstate(divide="ignore", invalid="ignore"):
        xp.divide(key, -p, out=key)
    if not bool(p.min() > 0):
        key[p == 0] = xp.inf
    out[...] = smallest(xp, key, num_samples)
    return out


def smallest(xp, keys, n):
    """The indices of each row's ``n`` smallest ``keys``, in ascending order of key,
    ties by index: ``stable_argsort(xp, keys)[:, :n]``, but without sorting whole rows.

    ``argpartition`` finds a row's ``n`` smallest in linear time (speed: for 64 of 4096
    keys a row, several times faster than sorting the row); those are then ordered by
    (key, index). The set is the stable sort's unless a key left out equals the
    largest one taken (a tie across the cut: the stable order takes the lower index),
    so rows where more than ``n`` keys are ``<=`` that value are sorted whole.

    Example:
        >>> smallest(np, np.array([[3.0, 1.0, 2.0, 1.0]]), 2)
        array([[1, 3]])
    """
    rows, width = keys.shape
    if n * 8 >= width:  # a partition saves little: sort whole rows
        return stable_argsort(xp, keys)[:, :n]
    taken = xp.argpartition(keys, n - 1, axis=-1)[:, :n]
    taken.sort(axis=-1)  # index order first, so the stable sort below breaks ties by index
    taken_keys = xp.take_along_axis(keys, taken, axis=-1)
    result = xp.take_along_axis(taken, stable_argsort(xp, taken_keys), axis=-1)
    cut = taken_keys.max(axis=-1, keepdims=True)
    tied = (keys <= cut).sum(axis=-1) > n
    if bool(tied.any()):
        result[tied] = stable_argsort(xp, keys[tied])[:, :n]
    return result
