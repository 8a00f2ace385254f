"""Argument checks for every public function: one owner, PyTorch's exceptions.

A public function validates all its arguments with these helpers *before* it
allocates memory or reserves a random word, so a rejected call leaves every
generator exactly as it was (DESIGN §7). Each helper raises the exception type
PyTorch raises for the same mistake, with a message that names the function,
the argument and the value:

==================== ======================================================
helper               checks (exception)
==================== ======================================================
:func:`integer`      a Python/NumPy int, not bool (``TypeError``)
:func:`real`         a real number; a one-element tensor is read
                     (``TypeError``)
:func:`sizes`        sizes as varargs or one sequence, each an int ``>= 0``
                     (``TypeError`` / ``RuntimeError``)
:func:`storage`      at most 64 dimensions and ``numel * itemsize < 2**63``
                     (``RuntimeError``: beyond what NumPy and PyTorch can
                     address), and at most ``limit`` bytes
                     (:class:`AllocationError`)
:func:`std`          ``std >= 0`` (so NaN is rejected) (``RuntimeError``)
:func:`scalar_to`    a constant fits the dtype without overflow: c10's
                     checked ``Scalar::to<T>`` (``RuntimeError``)
:func:`float_bound`  a distribution bound is finite and inside the dtype's
                     range (``RuntimeError``)
:func:`random_range` ``random_``/``randint`` bounds (PyTorch's
                     ``check_from_to_in_range``; warns past the mantissa)
:func:`writable`     an in-place target: no two elements share memory
                     (expanded tensors) and the autograd leaf rule
                     (``RuntimeError``)
:func:`out`          an ``out=`` tensor: type, dtype, overlap and autograd
:func:`seed`         a 64-bit seed (``RuntimeError`` / ``ValueError``)
==================== ======================================================

>>> from tensorlite import _validation as check
>>> check.scalar_to(300, "uint8")
Traceback (most recent call last):
    ...
RuntimeError: value cannot be converted to type uint8_t without overflow
>>> check.std(float("nan"))
Traceback (most recent call last):
    ...
RuntimeError: normal expects std >= 0.0, but found std nan
"""

from __future__ import annotations

import builtins
import math
import numbers
import warnings

import ml_dtypes
import numpy as np

__all__ = ["AllocationError", "integer", "real", "sizes", "storage", "allocating", "std", "scalar_to",
           "float_bound", "kernel_dtype", "SCALAR_NAMES", "random_range", "writable", "no_overlap", "out", "seed"]

MAX_DIMS = 64  # NumPy's limit (PyTorch has none); more is a RuntimeError naming it
_INDEX_MAX = 2**63 - 1  # sizes and byte counts are int64 in PyTorch and intp in NumPy


class AllocationError(RuntimeError, MemoryError):
    """Not enough memory for a tensor: PyTorch's ``RuntimeError`` that is also a
    ``MemoryError``, so code written for either catches it."""


# ---- numbers -------------------------------------------------------------------------------
def _item(value):
    """A one-element tensor's Python value; anything else unchanged."""
    if hasattr(value, "item") and hasattr(value, "numel") and not isinstance(value, np.generic):
        if value.numel() == 1:
            return value.item()
    return value


def integer(value, name, fn):
    """``value`` as a Python int; bools and non-integers are a ``TypeError``.

    >>> integer(3, "n", "randperm")
    3
    """
    if isinstance(value, (builtins.bool, np.bool_)) or \
            not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


def real(value, name, fn):
    """A real Python/NumPy number (or a one-element tensor's value; bools count, as in
    PyTorch's argument parser). Returns it unchanged (ints stay ints)."""
    value = _item(value)
    if not isinstance(value, (numbers.Real, np.number, np.bool_)) or isinstance(value, complex):
        raise TypeError(f"{fn}(): argument '{name}' must be a real number, got {value!r}")
    return value


def std(value, fn="normal"):
    """PyTorch's std rule: ``std >= 0``, written so that NaN fails too."""
    if not value >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {value}")
    return value


# ---- sizes and memory ----------------------------------------------------------------------
def sizes(args, fn):
    """Sizes given as varargs or one sequence, each a non-negative int (a one-element
    integer tensor counts), as a tuple of Python ints."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:  # the common case, fast (a loop: all() over a generator was 3x slower)
        if type(s) is not builtins.int or s < 0:
            break
    else:
        return args
    out = []
    for s in args:
        dtype = getattr(s, "dtype", None)
        if hasattr(s, "numel") and not getattr(dtype, "is_floating_point", True):
            s = _item(s)
        if isinstance(s, (builtins.bool, np.bool_)) or not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"{fn}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__} ({s!r})")
        if s < 0:
            raise RuntimeError(f"{fn}(): Trying to create tensor with negative dimension "
                               f"{s}: {list(args)}")
        out.append(int(s))
    return tuple(out)


def storage(shape, np_dtype, fn, limit=None):
    """Check that a tensor of ``shape`` and ``np_dtype`` can exist; returns its byte count.

    * more than 64 dimensions is a ``RuntimeError`` naming NumPy's limit;
    * ``numel * itemsize`` past ``2**63 - 1`` is PyTorch's "Storage size calculation
      overflowed" ``RuntimeError``; NumPy also needs the product of the *non-zero* sizes
      to fit, so a zero-element tensor with a huge other extent is refused the same way;
    * more than ``limit`` bytes is an :class:`AllocationError` with the byte count.

    >>> storage((2, 3), np.float32, "zeros")
    24
    """
    if len(shape) > MAX_DIMS:
        raise RuntimeError(f"{fn}(): tensors of more than {MAX_DIMS} dimensions are not "
                           f"supported (NumPy's limit), got {len(shape)}")
    itemsize = np.dtype(np_dtype).itemsize
    extent = itemsize
    for s in shape:
        extent *= s or 1
    if extent > _INDEX_MAX:
        raise RuntimeError(f"{fn}(): Storage size calculation overflowed with sizes="
                           f"{list(shape)} ({extent} bytes)")
    nbytes = math.prod(shape) * itemsize
    if limit is not None and nbytes > limit:
        raise AllocationError(f"{fn}(): DefaultCPUAllocator: can't allocate memory: you "
                              f"tried to allocate {nbytes} bytes "
                              f"({nbytes / 2**30:.1f} GiB) for shape {list(shape)}")
    return nbytes


class allocating:  # noqa: N801 - used like a function: ``with allocating(fn, n):``
    """Turn the allocator's ``MemoryError`` into PyTorch's error, with the byte count.

    A class rather than ``@contextlib.contextmanager``: every tensor allocation enters
    it, and the generator-based form cost ~2 µs per call (profiled on ``zeros(3, 4)``).
    """

    __slots__ = ("fn", "nbytes")

    def __init__(self, fn, nbytes):
        self.fn, self.nbytes = fn, nbytes

    def __enter__(self):
        return None

    def __exit__(self, kind, exc, tb):
        if kind is not None and issubclass(kind, MemoryError):
            raise AllocationError(f"{self.fn}(): DefaultCPUAllocator: can't allocate memory: "
                                  f"you tried to allocate {self.nbytes} bytes") from None
        return False


# ---- values that must fit a dtype ----------------------------------------------------------
_C_NAMES = {"bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
            "int32": "int", "int64": "int64_t", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
# the names PyTorch's random bounds checks print (C++ type names)
_RANDOM_NAMES = dict(_C_NAMES, uint8="unsigned char", int8="signed char", int16="short",
                     int64="long")


def _finite_max(dt):
    return float(ml_dtypes.finfo(dt).max)


_SMALL_INTS = {"b": bool, "i": int, "u": int, "f": float, "V": float, "c": complex}


def scalar_to(x, np_dtype, fn=None):
    """``x`` converted as c10's checked ``Scalar::to<T>`` (what ``full``, ``fill_`` and
    ``constant_`` do): a Python int for integer dtypes (floats truncated toward zero),
    else a float rounded to the dtype (half types through float32). Out-of-range and
    NaN values are PyTorch's ``RuntimeError``; infinities are fine for floats; uint8
    takes ints down to -255 (c10 lets negative ints wrap); bool takes anything.

    >>> scalar_to(-1, "uint8"), scalar_to(2.7, "int8")
    (255, 2)
    """
    dt = np.dtype(np_dtype)
    if type(x) is int and (x == 0 or x == 1):  # zeros/ones: exact in every dtype (~4 µs saved)
        return _SMALL_INTS[dt.kind](x)
    x = _item(x)
    if dt.kind == "b":
        return bool(x)
    error = RuntimeError((f"{fn}(): " if fn else "") + f"value cannot be converted to type "
                         f"{_C_NAMES[_name(dt)]} without overflow")
    if isinstance(x, (complex, np.complexfloating)):
        if dt.kind != "c" and x.imag != 0:
            raise error
        if dt.kind != "c":
            x = x.real
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if not isinstance(x, (numbers.Integral, np.integer)):
            if not info.min <= float(x) <= info.max:  # exact int/float comparison; NaN fails
                raise error
            return int(x)
        if dt.kind == "u" and -info.max <= x < 0:
            return int(x) % (info.max + 1)
        if not info.min <= x <= info.max:
            raise error
        return int(x)
    real_dt = np.dtype(np.float32 if dt == np.complex64 else
                       np.float64 if dt == np.complex128 else dt)
    if dt.kind == "c":
        x = complex(x)
        for part in (x.real, x.imag):
            if math.isfinite(part) and abs(part) > _finite_max(real_dt):
                raise error
        return x
    try:
        x = float(x)
    except OverflowError:  # an int beyond float64
        raise error from None
    if math.isfinite(x) and abs(x) > _finite_max(dt):
        raise error
    return float(np.array(x, np.float32 if dt.itemsize == 2 else dt).astype(dt))


def data_fits(values, np_dtype, fn):
    """Python data (already a NumPy array of ints or floats) bound for ``np_dtype``:
    PyTorch checks each number as :func:`scalar_to` does, except that floats may
    overflow a float dtype to infinity. NaN and out-of-range values into an integer
    dtype are its ``RuntimeError``.

    >>> data_fits(np.array([1.0, np.nan]), "int64", "tensor")
    Traceback (most recent call last):
        ...
    RuntimeError: tensor(): value cannot be converted to type int64 without overflow
    """
    dt = np.dtype(np_dtype)
    if dt.kind not in "iu" or values.size == 0 or values.dtype.kind not in "iuf":
        return
    info = np.iinfo(dt)
    low = -int(info.max) if dt.kind == "u" and values.dtype.kind != "f" else int(info.min)
    with np.errstate(invalid="ignore"):
        lo, hi = values.min(), values.max()  # NaN propagates, and fails below
    if not (low <= lo.item() and hi.item() <= info.max):  # Python compares int/float exactly
        raise RuntimeError(f"{fn}(): value cannot be converted to type {dt.name} without "
                           f"overflow")


def _name(dt):
    return "bfloat16" if dt == np.dtype(ml_dtypes.bfloat16) else dt.name


def float_bound(value, name, np_dtype):
    """A ``uniform_`` bound: finite and inside the float dtype's range (PyTorch's
    ``check_uniform_bounds``: "from is out of bounds for c10::Half")."""
    dt = np.dtype(np_dtype)
    if not -_finite_max(dt) <= value <= _finite_max(dt):  # also NaN and infinities
        raise RuntimeError(f"{name} is out of bounds for {_C_NAMES[_name(dt)]}")
    return value


def random_range(low, high, dtype, fn):
    """PyTorch's checks on ``random_(from, to)`` / ``randint(low, high)`` for ``dtype``
    (a tensorlite dtype); returns ``(low, high)`` as ints, ``high`` exclusive.

    Both bounds must be integers (floats with integral values are accepted, as in
    PyTorch), ``low < high``, and ``low`` and ``high - 1`` representable in the dtype;
    for floating dtypes a bound past ``2**mantissa`` only warns (not every integer
    there is representable, so values are not exactly uniform).
    """
    for name, v in (("low", low), ("high", high)):
        v = _item(v)
        whole = isinstance(v, (numbers.Integral, np.integer)) or (
            isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer())
        if isinstance(v, (builtins.bool, np.bool_)) or not whole:
            raise TypeError(f"{fn}(): argument '{name}' must be int, got {v!r}")
    low, high = int(_item(low)), int(_item(high))
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    if dtype.is_complex:
        raise RuntimeError("check_random_bounds handles only integral, floating-point and "
                           "boolean types")
    cname = _RANDOM_NAMES[dtype.name]
    if dtype.is_floating_point:
        lo, hi = -_finite_max(dtype._np), _finite_max(dtype._np)
    elif dtype.name == "bool":
        lo, hi = 0, 1
    else:
        info = np.iinfo(dtype._np)
        lo, hi = int(info.min), int(info.max)
    for name, v in (("from", low), ("to - 1", high - 1)):
        if not lo <= v <= hi:
            raise RuntimeError(f"{name} is out of bounds for {cname}")
    if dtype.is_floating_point:
        digits = int(ml_dtypes.finfo(dtype._np).nmant) + 1
        for name, v in (("from", low), ("to - 1", high - 1)):
            if not -(2**digits) <= v <= 2**digits:
                warnings.warn(f"{fn}(): {name} is out of bounds [-(2^{digits}), 2^{digits}]. "
                              f"Due to precision limitations {cname} can support discrete "
                              f"uniform distribution only within this range. This warning "
                              f"will become an error in version 1.7 release, please fix the "
                              f"code", UserWarning, stacklevel=3)
    return low, high


# ---- dtypes -------------------------------------------------------------------------------
SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                "int32": "Int", "int64": "Long", "float16": "Half", "bfloat16": "BFloat16",
                "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
                "complex128": "ComplexDouble"}


def kernel_dtype(dtype, kernel, *, complex_ok=False):
    """A floating (or, with ``complex_ok``, complex) dtype for ``kernel``; anything else is
    PyTorch's ``NotImplementedError`` (``"normal_kernel_cpu" not implemented for 'Long'``)."""
    if not (dtype.is_floating_point or complex_ok and dtype.is_complex):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{SCALAR_NAMES[dtype.name]}'")
    return dtype


# ---- tensors written to -----------------------------------------------------------------
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers "
            "to a single memory location. Please clone() the tensor before performing the "
            "operation.")


def no_overlap(tensor):
    """PyTorch's internal-overlap rule: an expanded tensor (a stride 0 over more than
    one element) cannot be written element by element."""
    data = tensor._data
    if not tensor._backend.has_data or data.size == 0:  # meta arrays: all stride 0
        return
    if any(st == 0 and n > 1 for st, n in zip(data.strides, data.shape)):
        raise RuntimeError(_OVERLAP)


def writable(tensor, fn):
    """Every check an in-place write makes before touching ``tensor``: the overlap rule
    and the autograd leaf rule (``a leaf Variable that requires grad ...``)."""
    from ._ops import inplace  # the leaf rule's owner (imports Tensor)

    no_overlap(tensor)
    inplace.check_writable(tensor)
    return tensor


def out(tensor, dtype, fn, *, exact=True):
    """An ``out=`` argument: a Tensor, writable, not requiring grad while grad mode is on,
    and of ``dtype`` when ``exact`` (PyTorch: "dtype Double does not match dtype of out
    parameter (Float)"). Returns ``tensor``; ``None`` passes."""
    if tensor is None:
        return None
    from ._tensor import Tensor
    from .autograd import grad_mode

    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): argument 'out' must be Tensor, not {type(tensor).__name__}")
    if tensor.requires_grad and grad_mode._mode.enabled:
        raise RuntimeError(f"{fn}(): functions with out=... arguments don't support automatic "
                           f"differentiation, but one of the arguments requires grad.")
    if exact and dtype is not None and tensor.dtype is not dtype:
        raise RuntimeError(f"dtype {SCALAR_NAMES[dtype.name]} does not match dtype of out "
                           f"parameter ({SCALAR_NAMES[tensor.dtype.name]})")
    no_overlap(tensor)
    return tensor


# ---- seeds ----------------------------------------------------------------------------------
def seed(value, fn="manual_seed"):
    """A 64-bit seed as an unsigned int: negative seeds map to ``seed + 2**64`` (PyTorch)."""
    value = _item(value)
    if isinstance(value, (builtins.bool, np.bool_)) or \
            not isinstance(value, (numbers.Integral, np.integer)):
        raise RuntimeError(f"{fn} expected a long, but got {type(value).__name__}")
    value = int(value)
    if not -(2**63) <= value < 2**64:
        raise ValueError(f"{fn}(): seed must be within the range [-0x8000_0000_0000_0000, "
                         f"0xffff_ffff_ffff_ffff], got {value}")
    return value % 2**64
