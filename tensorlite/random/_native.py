"""Philox stream words from a small C library compiled on first use (``_native.c``).

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

__all__ = ["library", "reset", "fill", "fill_runs", "fill_runs_unit_float32", "END"]

END = 2**64
"""Words ``j < END`` are served (the C code takes 64-bit word indices)."""

_U64, _PTR = ctypes.c_uint64, ctypes.c_void_p


def _setup(lib):
    """Declare the signatures; check the words against the pure NumPy definition."""
    from .philox import reference_words

    lib.philox_words.argtypes = [_U64, _U64, _U64, _U64, _PTR]
    lib.philox_runs.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    lib.philox_runs_unit_float32.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    for f in (lib.philox_words, lib.philox_runs, lib.philox_runs_unit_float32):
        f.restype = None
    # Both kernels' paths, a block counter past 2**32.
    seed, start, count = 2**64 - 3, 2**34 - 37, 203
    got = fill(lib, seed, start, count, np.empty(count, np.uint32))
    return np.array_equal(got, reference_words(seed, start, count))


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


def fill_runs_unit_float32(lib, seed, starts, out):
    """As :func:`fill_runs`, as the float32 uniforms ``(W >> 8) * 2**-24`` (DESIGN §4.3)
    into ``out`` (C-contiguous ``float32``)."""
    lib.philox_runs_unit_float32(seed, starts.ctypes.data, starts.shape[0], out.shape[1],
                                 out.ctypes.data)
    return out
