"""Philox stream words from a small C library compiled on first use (``_native.c``),
and the float32 Box-Muller arithmetic around NumPy's log, cos and sin
(:func:`normal_runs_f32`: ``distributions.normal``'s values, bit for bit).

:mod:`tensorlite.random.philox` asks :func:`library` for it before a draw large enough
to gain from it; ``None`` means "use randomgen" (the words are the same: DESIGN §4.1).
How the library is built, cached and loaded, and when it is unavailable, is
:mod:`tensorlite._native`'s: here are its signatures, its self-check against the pure
NumPy definition and the calls.

Example:
    >>> lib = library()  # None without a C compiler
    >>> out = np.empty(3, np.uint32)
    >>> lib is None or fill(lib, 0, 0, 3, out) is out
    True
"""

import ctypes

import numpy as np

from .._native import Library

__all__ = ["library", "reset", "fill", "fill_runs", "fill_runs_unit_float32", "normal_runs_f32",
           "normal_pairs", "normal_inputs_f32", "normal_values_f32", "END"]

END = 2**64
"""Words ``j < END`` are served (the C code takes 64-bit word indices)."""

_U64, _PTR, _INT, _F32 = ctypes.c_uint64, ctypes.c_void_p, ctypes.c_int, ctypes.c_float


def _setup(lib):
    """Declare the signatures; check the words against the pure NumPy definition."""
    from .philox import reference_words

    lib.philox_words.argtypes = [_U64, _U64, _U64, _U64, _PTR]
    lib.philox_runs.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    lib.philox_runs_unit_float32.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    lib.normal_inputs_f32.argtypes = [_U64, _U64, _PTR, _U64, _U64, _PTR, _PTR]
    lib.normal_values_f32.argtypes = [_PTR, _U64, _U64, _PTR, _PTR, _PTR, _INT, _F32, _F32,
                                      _PTR]
    for f in (lib.philox_words, lib.philox_runs, lib.philox_runs_unit_float32,
              lib.normal_values_f32):
        f.restype = None
    lib.normal_inputs_f32.restype = _U64  # the pairs written
    # Both kernels' paths, a block counter past 2**32.
    seed, start, count = 2**64 - 3, 2**34 - 37, 203
    got = fill(lib, seed, start, count, np.empty(count, np.uint32))
    return np.array_equal(got, reference_words(seed, start, count)) and _normal_ok(lib)


def _normal_ok(lib):
    """The float32 Box-Muller helpers against NumPy's transform of the same words (runs
    of odd and even starts and lengths, both loops of normal_values_f32, mean and std)."""
    from .distributions import normal
    from .philox import reference_words

    seed, offset, length = 2**64 - 3, 2**34 - 36, 37
    starts = np.array([0, 41, 100, 203], np.uint64)
    whole = normal(np, reference_words(seed, offset, 242), 242, np.float32, 0.5, 3.0)
    got = np.empty((starts.shape[0], length), np.float32)
    normal_runs_f32(lib, seed, offset, starts, got, 0.5, 3.0)
    want = whole[starts.astype(np.int64)[:, None] + np.arange(length)]
    return got.tobytes() == want.tobytes()


LIBRARY = Library("philox", "random/_native.c", _setup)
library = LIBRARY.get
reset = LIBRARY.reset


def fill(lib, seed, start, count, out):
    """Words ``W(seed, start) … W(seed, start + count - 1)`` into ``out`` (C-contiguous
    ``uint32``, ``count`` elements; ``start + count <= END``)."""
    lib.philox_words(seed, start >> 2, start & 3, count, out.ctypes.data)
    return out


def fill_runs(lib, seed, starts, count, out):
    """Row ``r`` of ``out`` (C-contiguous ``uint32``, ``(len(starts), count)``) = the
    words from ``starts[r]`` (a C-contiguous ``uint64`` array; each ``start + count <=
    END``)."""
    lib.philox_runs(seed, starts.ctypes.data, starts.shape[0], count, out.ctypes.data)
    return out


def normal_runs_f32(lib, seed, offset, starts, out, mean=0.0, std=1.0, scratch=None):
    """float32 normal values (DESIGN §4.3) of the runs of elements at ``starts`` (a
    C-contiguous ``uint64`` array of flat element indices) into the rows of ``out``
    (C-contiguous ``float32``, ``(len(starts), length)``), stream ``(seed, offset)``
    (``offset + 2 * (starts[-1] + length) <= END``): :func:`normal_inputs_f32`,
    NumPy's ``log``, ``cos`` and ``sin``, then :func:`normal_values_f32`.
    ``scratch``: optional ``(3, cap)`` ``float32`` array, ``cap`` at least
    :func:`normal_pairs` (callers reuse one for many calls)."""
    length = out.shape[1]
    if scratch is None:
        scratch = np.empty((3, normal_pairs(starts, length)), np.float32)
    u1, theta, cos = scratch
    pairs = normal_inputs_f32(lib, seed, offset, starts, length, u1, theta)
    u1, theta, cos = u1[:pairs], theta[:pairs], cos[:pairs]
    np.log(u1, out=u1)
    np.cos(theta, out=cos)
    np.sin(theta, out=theta)
    normal_values_f32(lib, starts, u1, cos, theta, mean, std, out)
    return out


def normal_pairs(starts, length):
    """How many Box-Muller pairs the runs of ``length`` elements at ``starts`` touch
    (a run of odd start or end touches its partial pairs whole)."""
    starts = np.asarray(starts).astype(np.int64)
    return int(((starts + (length + 1)) // 2 - starts // 2).sum())


def normal_inputs_f32(lib, seed, offset, starts, length, u1, theta):
    """For the pairs of each run in turn (pair ``p`` of the array: words ``offset + 2p``,
    ``+1``): ``u1 = ((W >> 8) + 1) * 2**-24`` and ``theta = (W' >> 8) * (float32(2 pi) *
    2**-24)``, the float32 values ``distributions.normal`` computes, into C-contiguous
    ``float32`` arrays of at least :func:`normal_pairs` elements. Returns that count."""
    return lib.normal_inputs_f32(seed, offset, starts.ctypes.data, starts.shape[0], length,
                                 u1.ctypes.data, theta.ctypes.data)


def normal_values_f32(lib, starts, log_u1, cos, sin, mean, std, out):
    """Rows of ``out``: ``cos`` (even elements) or ``sin`` (odd) of each element's pair
    times ``sqrt(-2 log_u1)``, then ``* std + mean`` in float32 unless ``(mean, std) ==
    (0, 1)``: ``distributions.normal``'s arithmetic."""
    affine = (mean, std) != (0.0, 1.0)
    lib.normal_values_f32(starts.ctypes.data, starts.shape[0], out.shape[1], log_u1.ctypes.data,
                          cos.ctypes.data, sin.ctypes.data, int(affine), float(np.float32(mean)),
                          float(np.float32(std)), out.ctypes.data)


def fill_runs_unit_float32(lib, seed, starts, out):
    """As :func:`fill_runs`, as the float32 uniforms ``(W >> 8) * 2**-24`` (DESIGN §4.3)
    into ``out`` (C-contiguous ``float32``)."""
    lib.philox_runs_unit_float32(seed, starts.ctypes.data, starts.shape[0], out.shape[1],
                                 out.ctypes.data)
    return out
