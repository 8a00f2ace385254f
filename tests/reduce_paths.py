"""The ``reduce_path`` fixture: large CPU reductions through the C library
(``tensorlite/_backends/_reduce.c``) or, with it unavailable, NumPy's threaded path."""

import math
import os
import shutil

import numpy as np

import pytest

from tensorlite._backends import _cpu_reduce

HAVE_CC = bool(os.environ.get("TENSORLITE_CC") or os.environ.get("CC")
               or shutil.which("cc") or shutil.which("gcc"))


@pytest.fixture(params=["native", "fallback"])
def reduce_path(request, monkeypatch):
    """Reduce through the C library, or with it unavailable (NumPy)."""
    if request.param == "native":
        if not HAVE_CC:
            pytest.skip("no C compiler (cc/gcc) on the PATH")
        assert _cpu_reduce.library() is not None
    else:
        monkeypatch.setattr(_cpu_reduce, "library", lambda: None)
    return request.param


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
