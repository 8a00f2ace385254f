"""``assert_close``: PyTorch's ``torch.testing.assert_close`` for tensorlite.

The comparison runs on the host in float64 (complex128 for complex data), which
holds every float16, bfloat16, float32 and float64 value exactly, so the verdict
does not depend on which device produced the values. Integers and bools are
compared exactly (no float round trip) unless tolerances are given.

>>> import tensorlite as tl
>>> tl.testing.assert_close(tl.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-6])
>>> tl.testing.assert_close(tl.tensor([1.0, 2.0]), tl.tensor([1.0, 2.5]))
Traceback (most recent call last):
    ...
AssertionError: Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 1 / 2 (50.0%)
Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
Greatest relative difference: 0.2 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

import numbers

import ml_dtypes
import numpy as np

from .. import _device, _dtype
from .._tensor import Size, Tensor

__all__ = ["assert_close", "default_tolerances"]

# (rtol, atol) per dtype: PyTorch's table (torch/testing/_comparison.py). The
# float rows are a few ulps of relative error plus an absolute floor for values
# near zero; integers and bools must match exactly.
_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
_BFLOAT16 = np.dtype(ml_dtypes.bfloat16)


def default_tolerances(dtype):
    """PyTorch's default ``(rtol, atol)`` for ``dtype``; ``(0.0, 0.0)`` for ints and bool.

    >>> import tensorlite as tl
    >>> tl.testing.default_tolerances(tl.float16)
    (0.001, 1e-05)
    """
    if isinstance(dtype, _dtype.dtype):
        name = dtype.name
    else:
        np_dtype = np.dtype(dtype)
        name = "bfloat16" if np_dtype == _BFLOAT16 else np_dtype.name
    return _TOLERANCES.get(name, (0.0, 0.0))


class _Input:
    """One side of the comparison: a host array (``None`` on meta) plus metadata."""

    __slots__ = ("values", "shape", "np_dtype", "device", "is_python", "is_scalar")

    def __init__(self, values, shape, np_dtype, device, is_python=False, is_scalar=False):
        self.values, self.shape, self.np_dtype = values, shape, np_dtype
        self.device, self.is_python, self.is_scalar = device, is_python, is_scalar


def _classify(x, name):
    """Tensors and NumPy data keep their dtype and device (NumPy is ``cpu``);
    Python numbers and nested lists are returned as ``None`` (decided later)."""
    if isinstance(x, Tensor):
        values = x._host() if x._backend.has_data else None  # device -> host copy
        return _Input(values, tuple(x.shape), x.dtype._np, x.device)
    if isinstance(x, (np.ndarray, np.generic)):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biufc" and arr.dtype != _BFLOAT16:
            raise TypeError(f"assert_close(): {name} has unsupported NumPy dtype {arr.dtype}")
        return _Input(arr, arr.shape, arr.dtype, _device.CPU)
    if isinstance(x, (numbers.Number, list, tuple)) and not isinstance(x, (str, bytes)):
        return None
    raise TypeError(f"assert_close(): no comparison is defined for inputs of type "
                    f"{type(x).__name__} ({name}); pass Tensors, NumPy arrays, numbers or "
                    f"(nested) lists of numbers")


def _category(np_dtype):
    return {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}[np_dtype.kind]


def _python_input(data, other, name):
    """Python data adopts the other side's device, and its dtype when that is at
    least as wide a kind (ints compared with a float tensor are floats); otherwise
    it keeps its own (bool, int64, float64, complex128) and the dtype check reports it."""
    values = _from_python(data, name)
    is_scalar = isinstance(data, numbers.Number)
    if other is None:
        return _Input(values, values.shape, values.dtype, _device.CPU, True, is_scalar)
    np_dtype = values.dtype
    if _category(other.np_dtype) >= _category(np_dtype):
        cast = _cast(values, other.np_dtype)
        exact = other.np_dtype.kind in "fcV" or np.array_equal(
            cast.astype(values.dtype), values)  # an int that does not fit keeps int64
        if exact:
            values, np_dtype = cast, other.np_dtype
    return _Input(values, values.shape, np_dtype, other.device, True, is_scalar)


def _from_python(data, name):
    try:
        values = np.array(data)
    except ValueError as exc:  # ragged nesting
        raise ValueError(f"assert_close(): {name} is not a rectangular nested sequence "
                         f"({exc})") from None
    if values.dtype.kind not in "biufc":
        raise TypeError(f"assert_close(): {name} must hold numbers, got {values.dtype} data")
    return values


def _cast(values, np_dtype):
    # Python floats headed for a half type round through float32, as tl.tensor does.
    if np_dtype.itemsize == 2 and np_dtype.kind in "fV" and values.dtype == np.float64:
        values = values.astype(np.float32)
    return values.astype(np_dtype)


def _dtype_name(np_dtype):
    try:
        return repr(_dtype.from_numpy_dtype(np_dtype))
    except TypeError:
        return f"numpy.{np_dtype.name}"


def _promote(a, b):
    if a == b:
        return a
    try:
        return _dtype.promote_types(_dtype.from_numpy_dtype(a), _dtype.from_numpy_dtype(b))._np
    except TypeError:  # a NumPy-only dtype such as uint32
        return np.promote_types(a, b)


def _fail(generated, msg):
    if msg is None:
        raise AssertionError(generated)
    raise AssertionError(msg(generated) if callable(msg) else msg)


def _attribute_mismatch(attr, a, e, msg):
    _fail(f"The values for attribute '{attr}' do not match: {a} != {e}.", msg)


def assert_close(actual, expected, *, rtol=None, atol=None, equal_nan=False,
                 check_dtype=True, check_device=True, msg=None):
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Values are close when ``|actual - expected| <= atol + rtol * |expected|``
    elementwise, or equal (so equal infinities are close); NaNs are close to each
    other only with ``equal_nan=True``. Shapes must match exactly (no broadcasting),
    and so must dtypes and devices unless ``check_dtype`` / ``check_device`` is
    ``False``. Meta tensors compare their metadata only.

    Default tolerances (PyTorch's) by dtype; with two different dtypes the larger
    of each is used:

    =============  ==========  ==========
    dtype          ``rtol``    ``atol``
    =============  ==========  ==========
    float16        1e-3        1e-5
    bfloat16       1.6e-2      1e-5
    float32        1.3e-6      1e-5
    float64        1e-7        1e-7
    ints, bool     0           0 (exact)
    =============  ==========  ==========

    Args:
        actual, expected: Tensors, NumPy arrays, Python numbers or (nested) lists.
            NumPy data is on ``cpu``. Python data takes the other input's device,
            and its dtype when that is at least as wide a kind (so
            ``assert_close(float16_tensor, [0.1])`` compares in float16).
        rtol, atol: relative and absolute tolerance; give both or neither.
        equal_nan: treat NaN as equal to NaN.
        check_dtype: require equal dtypes. If ``False``, both are promoted to a
            common dtype first.
        check_device: require equal devices. If ``False``, a CUDA result may be
            compared with a CPU one (both are copied to host memory).
        msg: a string replacing the generated message, or a callable that
            receives the generated message and returns the one to raise.

    Raises:
        AssertionError: the inputs differ; the message says where and by how much::

            Tensor-likes are not close!

            Mismatched elements: 3 / 10 (30.0%)
            Greatest absolute difference: 0.5 at index (1, 2) (up to 1e-05 allowed)
            Greatest relative difference: 0.25 at index (1, 2) (up to 1.3e-06 allowed)

        ValueError: only one of ``rtol`` and ``atol`` was given.
        TypeError: an input is not a tensor-like.

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(0)
    >>> x = tl.randn(4, 4)
    >>> tl.testing.assert_close(x @ tl.eye(4), x)
    >>> tl.testing.assert_close(tl.tensor([1, 2]), tl.tensor([1.0, 2.0]), check_dtype=False)
    """
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but "
                         f"got no {missing}.")
    a, e = _classify(actual, "actual"), _classify(expected, "expected")
    if a is None:
        a = _python_input(actual, e, "actual")
    if e is None:
        e = _python_input(expected, a, "expected")

    if a.shape != e.shape:
        _attribute_mismatch("shape", Size(a.shape), Size(e.shape), msg)
    if check_device and a.device != e.device:
        _attribute_mismatch("device", a.device, e.device, msg)
    if check_dtype and a.np_dtype != e.np_dtype:
        _attribute_mismatch("dtype", _dtype_name(a.np_dtype), _dtype_name(e.np_dtype), msg)

    if rtol is None:
        (ra, aa), (re, ae) = default_tolerances(a.np_dtype), default_tolerances(e.np_dtype)
        rtol, atol = max(ra, re), max(aa, ae)
    rtol, atol = float(rtol), float(atol)

    if a.values is None or e.values is None:
        return  # meta: shape, dtype and device are all there is
    common = _promote(a.np_dtype, e.np_dtype)
    av, ev = _cast(a.values, common), _cast(e.values, common)
    if av.size == 0:
        return
    exact = common.kind in "biu"
    if exact:
        close, abs_diff, magnitude = _compare_integers(av, ev, rtol, atol)
    else:
        close, abs_diff, magnitude = _compare_floats(av, ev, rtol, atol, equal_nan)
    if close.all():
        return
    if av.ndim == 0:  # PyTorch's wording for 0-d inputs and Python numbers
        generated = _scalar_message(av, ev, abs_diff, magnitude, rtol, atol, exact)
    else:
        generated = _tensor_message(close, abs_diff, magnitude, rtol, atol, exact)
    _fail(generated, msg)


def _compare_floats(a, e, rtol, atol, equal_nan):
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    a, e = a.astype(wide), e.astype(wide)  # exact for every float type we have
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(a - e)
        magnitude = np.abs(e)
        close = (a == e) | (np.isfinite(a) & np.isfinite(e) & (abs_diff <= atol + rtol * magnitude))
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
    return close, abs_diff, magnitude


def _compare_integers(a, e, rtol, atol):
    # |a - e| exactly, as uint64: the wrapped difference of the two's-complement bit
    # patterns is the true distance whenever it is taken larger-minus-smaller.
    if a.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    wide = np.uint64 if a.dtype.kind == "u" else np.int64
    a64, e64 = a.astype(wide), e.astype(wide)
    with np.errstate(over="ignore"):
        au, eu = a64.view(np.uint64), e64.view(np.uint64)
        abs_diff = np.where(a64 >= e64, au - eu, eu - au)
    magnitude = np.abs(e64.astype(np.float64))
    if rtol == 0 and atol == 0:
        close = a == e
    else:
        close = abs_diff.astype(np.float64) <= atol + rtol * magnitude
    return close, abs_diff, magnitude


def _number(value, exact):
    return int(value) if exact else (complex(value) if np.iscomplexobj(value) else float(value))


def _rel(abs_diff, magnitude):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(abs_diff, np.float64) / magnitude


def _tolerance(text, tol):
    return f"{text} (up to {tol} allowed)" if tol > 0 else text


def _scalar_message(a, e, abs_diff, magnitude, rtol, atol, exact):
    kind = "close" if rtol or atol else "equal"
    got, want = a.reshape(-1)[0], e.reshape(-1)[0]
    d = abs_diff.reshape(-1)[0]
    r = float("inf") if magnitude.reshape(-1)[0] == 0 else float(_rel(d, magnitude.reshape(-1)[0]))
    show = (lambda v: bool(v)) if a.dtype == np.bool_ else (lambda v: _number(v, exact))
    return (f"Scalars are not {kind}!\n\n"
            f"Expected {show(want)} but got {show(got)}.\n"
            f"{_tolerance(f'Absolute difference: {_number(d, exact)}', atol)}\n"
            f"{_tolerance(f'Relative difference: {r}', rtol)}")


def _tensor_message(close, abs_diff, magnitude, rtol, atol, exact):
    kind = "close" if rtol or atol else "equal"
    total = close.size
    mismatched = total - int(np.count_nonzero(close))
    shape = close.shape
    # Only mismatched elements compete for "greatest"; np.argmax returns the first
    # NaN if there is one, as torch.max does.
    masked_abs = np.where(close, 0, abs_diff)
    masked_rel = np.where(close, 0.0, _rel(abs_diff, magnitude))
    i_abs = np.unravel_index(int(np.argmax(masked_abs)), shape)
    i_rel = np.unravel_index(int(np.argmax(masked_rel)), shape)
    worst_abs = _number(masked_abs[i_abs], exact)
    worst_rel = float(masked_rel[i_rel])
    index_abs = tuple(int(i) for i in i_abs)
    index_rel = tuple(int(i) for i in i_rel)
    return (f"Tensor-likes are not {kind}!\n\n"
            f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})\n"
            f"{_tolerance(f'Greatest absolute difference: {worst_abs} at index {index_abs}', atol)}\n"
            f"{_tolerance(f'Greatest relative difference: {worst_rel} at index {index_rel}', rtol)}")
