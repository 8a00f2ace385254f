"""float32 Box–Muller's arithmetic from a small C library compiled on first use
(``_boxmuller.c``), its transcendental functions from NumPy.

:func:`tensorlite.random.distributions.normal` asks :func:`library` for it on NumPy
float32 output; ``None`` means "the NumPy path" (the values are the same bit for bit:
the C code does only exact operations and the IEEE multiplies and square roots NumPy
does, in NumPy's order, and leaves ``log``, ``cos`` and ``sin`` to NumPy, whose SIMD
versions libm need not match). How the library is built, cached and loaded is
:mod:`tensorlite._native`'s; here are its signatures, its self-check against the NumPy
path and the call.

Example:
    >>> from tensorlite.random.philox import words
    >>> lib = library()  # None without a C compiler
    >>> out = np.zeros(3, np.float32)
    >>> lib is None or normal(lib, words(0, 0, 4), 3, 0.0, 1.0, out) is out
    True
    >>> out if lib is not None else np.array([0.99113774, -0.9246624, -0.6176091], np.float32)
    array([ 0.99113774, -0.9246624 , -0.6176091 ], dtype=float32)
"""

import ctypes
import math

import numpy as np

from .._native import Library

__all__ = ["library", "normal", "reset"]

_F32 = np.dtype(np.float32)
_U64, _PTR, _FLOAT = ctypes.c_uint64, ctypes.c_void_p, ctypes.c_float
# theta = k * (f32(2 pi) * 2**-24): the constant distributions.normal multiplies by
_STEP = float(np.float32(2.0 * math.pi) * np.float32(2.0 ** -24))


def _setup(lib):
    """Declare the signatures; check the values against the NumPy path on words that
    reach both ends of u1 and theta, an odd count, and a mean and std."""
    from .distributions import _normal_numpy

    lib.bm_prepare.argtypes = [_PTR, _U64, _FLOAT, _PTR, _PTR]
    lib.bm_finish.argtypes = [_PTR, _PTR, _PTR, _U64, ctypes.c_int, _FLOAT, _FLOAT, _PTR]
    lib.bm_prepare.restype = lib.bm_finish.restype = None
    w = np.random.default_rng(17).integers(0, 2**32, 4100, dtype=np.uint32)
    w[:4] = [0, 0, 2**32 - 1, 2**32 - 1]
    for n, mean, std in ((4099, 0.0, 1.0), (4098, -1.5, 0.3)):
        want = _normal_numpy(np, w[:n + n % 2].copy(), n, _F32, mean, std, np.empty(n, _F32))
        got = normal(lib, w[:n + n % 2].copy(), n, mean, std, np.empty(n, _F32))
        if not np.array_equal(got.view(np.uint32), want.view(np.uint32)):
            return False
    return True


LIBRARY = Library("boxmuller", "random/_boxmuller.c", _setup)
library = LIBRARY.get
reset = LIBRARY.reset


def normal(lib, words, n, mean, std, out, scratch=None):
    """``distributions.normal(np, words, n, float32, mean, std, out, scratch)`` with
    ``lib``: ``words`` (C-contiguous ``uint32``, at least ``2 * ceil(n / 2)``; used as
    scratch unless ``scratch``, a C-contiguous array as long, is given) into ``out``
    (C-contiguous float32, ``n`` elements)."""
    pairs = (n + 1) // 2
    w = words[:2 * pairs]
    # u1 and theta in out's memory when it has room (no fresh pages: the NumPy path's
    # reason too), cosines and sines in the words' once they are read (or in scratch)
    ut = out if n == 2 * pairs else np.empty(2 * pairs, _F32)
    u1, theta = ut[:pairs], ut[pairs:]
    z = (w if scratch is None else scratch[:2 * pairs]).view(_F32)
    # addresses taken once (each .ctypes costs ~1 us), the halves' by offset
    ut_at, z_at, half = ut.ctypes.data, z.ctypes.data, 4 * pairs
    lib.bm_prepare(w.ctypes.data, pairs, _STEP, ut_at, ut_at + half)
    np.log(u1, out=u1)
    np.cos(theta, out=z[:pairs])
    np.sin(theta, out=z[pairs:])
    affine = (mean, std) != (0.0, 1.0)
    lib.bm_finish(ut_at, z_at, z_at + half, n, affine, float(np.float32(mean)),
                  float(np.float32(std)), out.ctypes.data)
    return out
