"""Tests written to kill surviving mutants of ``tensorlite._validation`` (issue 18).

The argument checks' exceptions and messages, compared with PyTorch where it raises
the same, and the boundaries of the range checks (reports/mutation.md).
"""

from __future__ import annotations

import re
import warnings

import pytest

import tensorlite as tl

try:
    import torch
except ImportError:  # the PyTorch comparisons skip
    torch = None

CASES = [  # (call on tl or torch, exception, message)
    (lambda m: m.empty(3, dtype=m.float16).uniform_(0, 1e6), RuntimeError,
     "to is out of bounds for c10::Half"),
    (lambda m: m.rand(3, out=m.empty(3, dtype=m.float64), dtype=m.float32), RuntimeError,
     "dtype Float does not match dtype of out parameter (Double)"),
    (lambda m: m.randint(0, 5, (3,), dtype=m.complex64), RuntimeError,
     "check_random_bounds handles only integral, floating-point and boolean types"),
    (lambda m: m.empty(3, dtype=m.float16).random_(0, 70000), RuntimeError,
     "to - 1 is out of bounds for c10::Half"),
    (lambda m: m.empty(3, dtype=m.int8).random_(-200, 5), RuntimeError,
     "from is out of bounds for signed char"),
    (lambda m: m.empty(3, dtype=m.int8).random_(0, 129), RuntimeError,
     "to - 1 is out of bounds for signed char"),
]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_errors_match_torch(index):
    call, kind, message = CASES[index]
    with pytest.raises(kind, match=f"^{re.escape(message)}$"):
        call(tl)
    if torch is not None:
        with pytest.raises(kind, match=f"^{re.escape(message)}$"):
            call(torch)


def test_range_edges_are_accepted():
    x = tl.empty(300, dtype=tl.int8).random_(-128, 128, generator=tl.Generator().manual_seed(0))
    assert -128 <= x.min().item() and x.max().item() <= 127
    assert tl.randint(0, 5.0, (3,)).shape == (3,)  # a float with an integral value is accepted


def test_messages_name_the_function_and_argument():
    with pytest.raises(TypeError, match=r"^randint\(\): argument 'low' must be int, got 1.5$"):
        tl.randint(1.5, 5, (3,))
    with pytest.raises(RuntimeError, match=r"^randperm\(\): value cannot be converted to type "
                                           r"uint8_t without overflow$"):
        tl.randperm(300, dtype=tl.uint8)


def test_constants_convert_as_c10_does():
    for m in (tl, torch) if torch is not None else (tl,):
        assert m.full((2,), 2.7, dtype=m.int8).tolist() == [2, 2]  # truncated toward zero
        assert m.full((1,), -5, dtype=m.int8).tolist() == [-5]
        assert m.full((1,), -1, dtype=m.uint8).tolist() == [255]  # negative ints wrap
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t"):
        tl.full((1,), 300.5, dtype=tl.int8)


def test_float_random_warns_only_past_the_exact_integers():
    """float16 holds every integer in [-2**11, 2**11]: bounds there are silent, one
    past is PyTorch's warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tl.empty(4, dtype=tl.float16).random_(-(2**11), 2**11 + 1)
    with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^11\), 2\^11\]"):
        tl.empty(4, dtype=tl.float16).random_(0, 2**11 + 2)
    with pytest.warns(UserWarning, match=r"from is out of bounds \[-\(2\^11\), 2\^11\]"):
        tl.empty(4, dtype=tl.float16).random_(-(2**11) - 1, 0)


def test_size_and_value_edges_are_accepted():
    import numpy as np

    assert tuple(tl.zeros(np.int64(0), 3).shape) == (0, 3)  # zero is a size
    assert tl.full((1,), 127, dtype=tl.int8).tolist() == [127]  # the dtype's max fits
    assert tl.zeros((1,) * 64).ndim == 64  # NumPy's limit is allowed
    with pytest.raises(RuntimeError, match="more than 64 dimensions"):
        tl.zeros((1,) * 65)
    assert tl.tensor([], dtype=tl.int8).numel() == 0  # no values to range-check
