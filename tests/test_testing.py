"""tl.testing.assert_close: tolerances per dtype, messages, flags, input kinds."""

import re

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.testing  # noqa: F401 - makes tl.testing available
from tensorlite.testing import assert_close

FLOAT_TOLERANCES = [  # PyTorch's defaults: (dtype, rtol, atol)
    (tl.float16, 1e-3, 1e-5),
    (tl.bfloat16, 1.6e-2, 1e-5),
    (tl.float32, 1.3e-6, 1e-5),
    (tl.float64, 1e-7, 1e-7),
]


def _message(actual, expected, **kwargs):
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, **kwargs)
    return str(info.value)


# ---- negative control: the helper can fail, and fails for the right reason ---------------
def test_negative_control_identical_passes_and_perturbed_fails(device, seed):
    x = tl.randn(100, device=device)
    assert_close(x, x.clone())
    y = x.clone()
    y[7] = y[7] + 1.0
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 100 \(1\.0%\)"):
        assert_close(y, x)


# ---- tolerances ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,rtol,atol", FLOAT_TOLERANCES, ids=lambda v: getattr(v, "name", ""))
def test_default_float_tolerances_are_pytorchs(dtype, rtol, atol):
    assert tl.testing.default_tolerances(dtype) == (rtol, atol)
    # At 0 only atol counts: just inside passes, clearly outside fails (in the dtype).
    zero = tl.zeros(1, dtype=dtype)
    assert_close(tl.full((1,), atol * 0.5, dtype=dtype), zero)
    _message(tl.full((1,), atol * 3, dtype=dtype), zero)
    # At 1e4 the relative term dominates (atol is negligible next to rtol * 1e4);
    # float64 holds the perturbed values exactly.
    big = tl.full((1,), 1e4, dtype=tl.float64)
    assert_close(big * (1 + rtol * 0.5), big, rtol=rtol, atol=atol)
    _message(big * (1 + rtol * 3), big, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype,rtol,atol", FLOAT_TOLERANCES, ids=lambda v: getattr(v, "name", ""))
def test_defaults_follow_the_inputs_dtype(dtype, rtol, atol, device):
    base = 1000.0
    expected = tl.full((3,), base, dtype=dtype, device=device)
    # a value off by 3 ulps-worth of rtol, in the dtype itself, must fail...
    far = tl.full((3,), base * (1 + 4 * rtol), dtype=dtype, device=device)
    assert (far != expected).all()  # 4 * rtol * 1000 is at least one ulp in every dtype
    msg = _message(far, expected)
    assert f"(up to {atol} allowed)" in msg and f"(up to {rtol} allowed)" in msg
    # ...and the identical value passes
    assert_close(expected.clone(), expected)


def test_integers_and_bools_are_exact(device):
    a = tl.tensor([1, 2, 3], device=device)
    assert_close(a, tl.tensor([1, 2, 3], device=device))
    msg = _message(a, tl.tensor([1, 2, 4], device=device))
    assert msg == ("Tensor-likes are not equal!\n\nMismatched elements: 1 / 3 (33.3%)\n"
                   "Greatest absolute difference: 1 at index (2,)\n"
                   "Greatest relative difference: 0.25 at index (2,)")
    assert "allowed" not in msg
    m = tl.tensor([True, False], device=device)
    assert_close(m, tl.tensor([True, False], device=device))
    assert "1 / 2 (50.0%)" in _message(m, tl.tensor([True, True], device=device))


def test_integer_differences_are_exact_at_the_extremes():
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    msg = _message(tl.tensor([lo, 0]), tl.tensor([hi, 0]))
    assert f"Greatest absolute difference: {2**64 - 1} at index (0,)" in msg
    # int64 values that float64 cannot tell apart are still different
    _message(tl.tensor([2**62 + 1]), tl.tensor([2**62]))


def test_explicit_tolerances_and_both_or_neither():
    a, b = tl.tensor([1.0, 2.0]), tl.tensor([1.0, 2.1])
    assert_close(a, b, rtol=0.0, atol=0.11)
    assert_close(a, b, rtol=0.05, atol=0.0)
    assert _message(a, b, rtol=0.0, atol=0.0).startswith("Tensor-likes are not equal!")
    assert_close(tl.tensor([5]), tl.tensor([6]), rtol=0.0, atol=1)  # ints accept tolerances
    with pytest.raises(ValueError, match="got no atol"):
        assert_close(a, b, rtol=0.1)
    with pytest.raises(ValueError, match="got no rtol"):
        assert_close(a, b, atol=0.1)


# ---- messages -----------------------------------------------------------------------------
def test_message_matches_pytorchs_layout():
    expected = tl.zeros(2, 5)
    actual = expected.clone()
    actual[1, 2] = 0.5
    actual[0, 0] = 0.25
    actual[1, 4] = 1e-6  # within atol: not a mismatch
    expected[0, 1] = 2.0
    actual[0, 1] = 2.1  # the greatest relative difference among the nonzero expected ones
    msg = _message(actual, expected)
    assert msg.startswith("Tensor-likes are not close!\n\nMismatched elements: 3 / 10 (30.0%)\n")
    assert "Greatest absolute difference: 0.5 at index (1, 2) (up to 1e-05 allowed)" in msg
    # relative difference against 0 is inf, and the first inf wins, as in torch.max
    assert "Greatest relative difference: inf at index (0, 0) (up to 1.3e-06 allowed)" in msg


def test_message_matches_torch_exactly_when_torch_is_here():
    torch = pytest.importorskip("torch")
    pairs = [([1.0, 2.0, 4.0], [1.0, 2.5, 4.0]), ([[0.0, 1.0], [3.0, 7.0]], [[0.0, 1.0], [2.0, 7.5]])]
    for a, e in pairs:
        with pytest.raises(AssertionError) as ours:
            assert_close(tl.tensor(a, dtype=tl.float64), tl.tensor(e, dtype=tl.float64))
        with pytest.raises(AssertionError) as theirs:
            torch.testing.assert_close(torch.tensor(a, dtype=torch.float64),
                                       torch.tensor(e, dtype=torch.float64))
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(AssertionError) as ours:
        assert_close(1.0, 1.5)
    with pytest.raises(AssertionError) as theirs:
        torch.testing.assert_close(1.0, 1.5)
    assert str(ours.value) == str(theirs.value)


def test_scalar_message():
    msg = _message(1.0, 1.5)
    assert msg == ("Scalars are not close!\n\nExpected 1.5 but got 1.0.\n"
                   "Absolute difference: 0.5 (up to 1e-07 allowed)\n"
                   "Relative difference: 0.3333333333333333 (up to 1e-07 allowed)")
    assert _message(tl.tensor(3), tl.tensor(4)).startswith("Scalars are not equal!\n\n"
                                                          "Expected 4 but got 3.")


def test_custom_message_string_or_callable():
    a, b = tl.tensor([1.0]), tl.tensor([2.0])
    assert _message(a, b, msg="weights differ") == "weights differ"
    text = _message(a, b, msg=lambda generated: f"layer 3: {generated}")
    assert text.startswith("layer 3: Tensor-likes are not close!")
    assert _message(a, tl.tensor([1.0, 2.0]), msg="shapes!") == "shapes!"


# ---- shape, dtype and device checks -------------------------------------------------------
def test_shape_must_match_without_broadcasting():
    assert _message(tl.zeros(2), tl.zeros(3)) == (
        "The values for attribute 'shape' do not match: tensorlite.Size([2]) != "
        "tensorlite.Size([3]).")
    _message(tl.zeros(1, 3), tl.zeros(3))


def test_check_dtype_flag():
    a, b = tl.tensor([1.0, 2.0]), tl.tensor([1.0, 2.0], dtype=tl.float64)
    assert _message(a, b) == ("The values for attribute 'dtype' do not match: "
                              "tensorlite.float32 != tensorlite.float64.")
    assert_close(a, b, check_dtype=False)
    assert_close(tl.tensor([1, 2]), tl.tensor([1.0, 2.0]), check_dtype=False)
    # the larger default tolerance of the two dtypes applies (float32's here)
    assert_close(tl.tensor([1.0]), tl.tensor([1.000005], dtype=tl.float64), check_dtype=False)
    # after promotion, values still have to be close
    assert "not close" in _message(tl.tensor([1, 2]), tl.tensor([1.0, 2.5]), check_dtype=False)


def test_check_device_flag_with_meta():
    cpu, meta = tl.ones(3), tl.ones(3, device="meta")
    assert _message(meta, cpu) == "The values for attribute 'device' do not match: meta != cpu."
    # meta has no values: with the device check off only metadata is compared
    assert_close(meta, cpu, check_device=False)
    assert_close(tl.zeros(3, device="meta"), meta)
    _message(tl.zeros(4, device="meta"), meta)  # shapes still count


@pytest.mark.cuda
def test_check_device_flag_cuda_against_cpu(seed):
    x = tl.rand(1000, device="cuda")
    tl.manual_seed(0)
    y = tl.rand(1000, device="cpu")
    assert "attribute 'device'" in _message(x, y)
    assert_close(x, y, check_device=False)
    assert_close(x, y.cuda())


# ---- NaN and infinities -------------------------------------------------------------------
def test_nan_needs_equal_nan(device):
    a = tl.tensor([1.0, float("nan")], device=device)
    msg = _message(a, a.clone())
    assert "Mismatched elements: 1 / 2 (50.0%)" in msg
    assert "Greatest absolute difference: nan at index (1,)" in msg
    assert_close(a, a.clone(), equal_nan=True)
    # NaN against a number is never close
    _message(a, tl.tensor([1.0, 2.0], device=device), equal_nan=True)


def test_infinities_close_only_to_themselves():
    inf = float("inf")
    assert_close(tl.tensor([inf, -inf]), tl.tensor([inf, -inf]))
    assert "1 / 2" in _message(tl.tensor([1.0, inf]), tl.tensor([1.0, -inf]))
    _message(tl.tensor([1e38]), tl.tensor([inf]))


# ---- kinds of input -----------------------------------------------------------------------
def test_numbers_lists_and_numpy_arrays():
    x = tl.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert_close(x, [[1.0, 2.0], [3.0, 4.0]])
    assert_close(x, np.array([[1, 2], [3, 4]], dtype=np.float32))
    assert "attribute 'dtype'" in _message(x, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert_close(x, np.array([[1.0, 2.0], [3.0, 4.0]]), check_dtype=False)
    assert_close([1, 2, 3], [1, 2, 3])
    assert_close(np.arange(4, dtype=np.uint32), np.arange(4, dtype=np.uint32))
    assert_close(tl.tensor(2.5), 2.5)
    # Python data adopts the tensor's dtype: 0.1 is compared as float16(0.1)
    assert_close(tl.tensor([0.1], dtype=tl.float16), [0.1], rtol=0, atol=0)
    # ...unless that would change its values: 1.5 is not an int
    assert "attribute 'dtype'" in _message(tl.tensor([1]), [1.5])
    assert "attribute 'shape'" in _message(x, [1.0, 2.0])


def test_bad_inputs_raise_type_errors():
    with pytest.raises(TypeError, match="no comparison is defined"):
        assert_close("abc", "abc")
    with pytest.raises(TypeError, match="must hold numbers"):
        assert_close(["a"], ["a"])


def test_empty_and_zero_dim():
    assert_close(tl.zeros(0, 3), tl.ones(0, 3))
    assert_close(tl.tensor(1.0), tl.tensor(1.0))


def test_half_precision_comparison_is_exact_in_float64():
    # bfloat16 values differing by one ulp at 256 (ulp = 2) are within rtol 1.6e-2
    a = tl.tensor([256.0], dtype=tl.bfloat16)
    b = tl.tensor([258.0], dtype=tl.bfloat16)
    assert_close(a, b)
    msg = _message(a, b, rtol=0.0, atol=1.0)
    assert re.search(r"Greatest absolute difference: 2\.0 at index \(0,\) \(up to 1\.0 allowed\)",
                     msg)
