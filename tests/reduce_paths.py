"""The accuracy the C sums of ``tensorlite/_backends/_reduce.c`` promise (their tests
run through the C library and, with it unavailable, NumPy's threaded path: the
``reduce_path`` fixture of conftest.py)."""

import math

import numpy as np


def sum_error_bound(data, axis=None):
    """What the C sums promise (``tensorlite/_backends/_cpu_reduce.py``): at most half
    an ulp of the result (the final rounding) plus ``k`` unit roundoffs of the sum of
    magnitudes (``k`` additions per lane in the input type: 16 for float32, 32 for
    float64; every later addition is in double). Returns ``(exact, bound)``: the exact
    sum is ``math.fsum``'s for a full float64 sum, the float64 sum for float32 data."""
    wide = data.astype(np.float64)
    if data.dtype == np.float64:
        assert axis is None, "float64 sums: whole arrays only"
        exact = np.float64(math.fsum(wide.ravel().tolist()))
    else:
        exact = wide.sum(axis)
    k, u = (16, 2.0**-24) if data.dtype == np.float32 else (32, 2.0**-53)
    ulp = np.spacing(np.abs(exact).astype(data.dtype)).astype(np.float64)
    return exact, 0.5 * ulp + k * u * np.abs(wide).sum(axis)
