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
import threading

import numpy as np

from .._native import Library

__all__ = ["library", "reset", "fill", "fill_runs", "fill_runs_unit_float32", "NormalRuns",
           "normal_runs_f32", "normal_from_words_f32", "normal_pairs", "END"]

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
    lib.normal_inputs_words_f32.argtypes = [_PTR, _U64, _PTR, _PTR]
    lib.normal_values_f32.argtypes = [_PTR, _U64, _U64, _PTR, _PTR, _PTR, _INT, _F32, _F32,
                                      _PTR]
    for f in (lib.philox_words, lib.philox_runs, lib.philox_runs_unit_float32,
              lib.normal_inputs_words_f32, lib.normal_values_f32):
        f.restype = None
    lib.normal_inputs_f32.restype = _U64  # the pairs written
    # Both kernels' paths, a block counter past 2**32.
    seed, start, count = 2**64 - 3, 2**34 - 37, 203
    got = fill(lib, seed, start, count, np.empty(count, np.uint32))
    return np.array_equal(got, reference_words(seed, start, count)) and _normal_ok(lib)


def _normal_ok(lib):
    """The float32 Box-Muller helpers against NumPy's transform of the same words (runs
    of odd and even starts and lengths, both loops of normal_values_f32, mean and std;
    words given, reaching both ends of u1 and theta, an odd count)."""
    from .distributions import _normal_numpy
    from .philox import reference_words

    def numpy_normal(words, n, mean, std):
        return _normal_numpy(np, words.copy(), n, np.float32, mean, std,
                             np.empty(n, np.float32))

    seed, offset, length = 2**64 - 3, 2**34 - 36, 37
    starts = np.array([0, 41, 100, 203], np.uint64)
    whole = numpy_normal(reference_words(seed, offset, 242), 242, 0.5, 3.0)
    got = np.empty((starts.shape[0], length), np.float32)
    normal_runs_f32(lib, seed, offset, starts, got, 0.5, 3.0)
    want = whole[starts.astype(np.int64)[:, None] + np.arange(length)]
    if got.tobytes() != want.tobytes():
        return False
    w = np.random.default_rng(17).integers(0, 2**32, 4100, dtype=np.uint32)
    w[:4] = [0, 0, 2**32 - 1, 2**32 - 1]
    for n, mean, std in ((4099, 0.0, 1.0), (4098, -1.5, 0.3)):
        got = normal_from_words_f32(lib, w, n, mean, std, np.empty(n, np.float32))
        if got.tobytes() != numpy_normal(w[:n + n % 2], n, mean, std).tobytes():
            return False
    return True


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


class NormalRuns:
    """float32 normal values (DESIGN §4.3) of runs of elements of stream ``(seed,
    offset)``, written into rows of float32 memory: ``normal_inputs_f32`` (``u1`` and
    ``theta`` of each run's pairs, straight from the words), NumPy's ``log``, ``cos``
    and ``sin`` on them, then ``normal_values_f32`` (``r = sqrt(-2 ln u1)``, each
    element's cosine or sine times ``r``, then ``* std + mean`` unless ``(mean, std) ==
    (0, 1)``): ``distributions.normal``'s values, bit for bit.

    One object serves many groups of runs with one scratch of ``cap`` pairs; calls take
    addresses, computed once by the caller (``ndarray.ctypes`` costs ~1.5 us a call,
    eight a group: ~5% of a 65536-element group). Every word must lie below ``END``.
    """

    def __init__(self, lib, seed, offset, mean, std, cap):
        self.lib, self.seed, self.offset = lib, seed, offset
        self.affine = int((mean, std) != (0.0, 1.0))
        self.mean, self.std = float(np.float32(mean)), float(np.float32(std))
        self.scratch = np.empty((3, cap), np.float32)  # u1 (then ln u1), theta (then sin), cos
        self.addresses = [self.scratch.ctypes.data + 4 * cap * i for i in range(3)]

    def __call__(self, starts, runs, length, out):
        """``runs`` runs of ``length`` elements, their first flat indices the ``uint64``
        at address ``starts``, into ``runs`` rows of ``length`` float32 at address
        ``out``; at most ``cap`` pairs in all (:func:`normal_pairs`)."""
        u1_at, theta_at, cos_at = self.addresses
        pairs = self.lib.normal_inputs_f32(self.seed, self.offset, starts, runs, length, u1_at,
                                           theta_at)
        u1, theta, cos = self.scratch[:, :pairs]
        np.log(u1, out=u1)
        np.cos(theta, out=cos)
        np.sin(theta, out=theta)
        self.lib.normal_values_f32(starts, runs, length, u1_at, cos_at, theta_at, self.affine,
                                   self.mean, self.std, out)


def normal_runs_f32(lib, seed, offset, starts, out, mean=0.0, std=1.0):
    """:class:`NormalRuns` on arrays: the runs of elements at ``starts`` (C-contiguous
    ``uint64``) into the rows of ``out`` (C-contiguous ``float32``, ``(len(starts),
    length)``)."""
    length = out.shape[1]
    fill = NormalRuns(lib, seed, offset, mean, std, normal_pairs(starts, length))
    fill(starts.ctypes.data, starts.shape[0], length, out.ctypes.data)
    return out


def normal_from_words_f32(lib, words, n, mean, std, out):
    """``distributions.normal(np, words, n, float32, mean, std, out)`` through ``lib``
    (``words``: C-contiguous ``uint32``, at least ``2 * ceil(n / 2)``, left as they are;
    ``out``: C-contiguous float32, ``n`` elements): ``normal_inputs_words_f32``, NumPy's
    ``log``, ``cos`` and ``sin``, ``normal_values_f32`` as one run starting at element 0.

    The scratch is this thread's, kept between calls: fresh 128 KiB arrays cost ~50-80 us
    each in page faults (measured on the small path's runs of 2**15 words, next to the
    transform's ~100-200 us a run)."""
    pairs = (n + 1) // 2
    scratch = getattr(_local, "normal", None)
    if scratch is None or scratch.shape[1] < pairs:
        scratch = np.empty((3, pairs), np.float32)
        if pairs <= _KEPT_PAIRS:  # a large call's scratch is not kept: memory stays small
            _local.normal = scratch
    u1, theta, cos = scratch[:, :pairs]
    # addresses taken once (each .ctypes costs ~1 us), the rows' by offset
    at, row = scratch.ctypes.data, 4 * scratch.shape[1]
    lib.normal_inputs_words_f32(words.ctypes.data, pairs, at, at + row)
    np.log(u1, out=u1)
    np.cos(theta, out=cos)
    np.sin(theta, out=theta)
    affine = int((mean, std) != (0.0, 1.0))
    lib.normal_values_f32(_ZERO_START.ctypes.data, 1, n, at, at + 2 * row, at + row, affine,
                          float(np.float32(mean)), float(np.float32(std)), out.ctypes.data)
    return out


_ZERO_START = np.zeros(1, np.uint64)  # normal_from_words_f32's one run, at element 0
_KEPT_PAIRS = 2**16  # the largest scratch a thread keeps (768 KiB; a small-path run: 2**14)
_local = threading.local()


def normal_pairs(starts, length):
    """How many Box-Muller pairs the runs of ``length`` elements at ``starts`` touch
    (a run of odd start or end touches its partial pairs whole)."""
    starts = np.asarray(starts).astype(np.int64)
    return int(((starts + (length + 1)) // 2 - starts // 2).sum())


def fill_runs_unit_float32(lib, seed, starts, out):
    """As :func:`fill_runs`, as the float32 uniforms ``(W >> 8) * 2**-24`` (DESIGN §4.3)
    into ``out`` (C-contiguous ``float32``)."""
    lib.philox_runs_unit_float32(seed, starts.ctypes.data, starts.shape[0], out.shape[1],
                                 out.ctypes.data)
    return out
