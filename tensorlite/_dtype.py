"""Dtypes: the objects, the default dtype, inference from Python data, promotion.

This module owns every dtype decision. The rules follow PyTorch:

* Python data: bools -> ``bool``, ints -> ``int64``, floats -> the default
  dtype (``float32``), complex -> the matching complex dtype; mixed data takes
  the widest kind.
* Binary operations: tensors with dimensions outrank 0-dim tensors, which
  outrank Python scalars; a lower-priority operand only changes the result when
  it is of a higher *category* (bool < integer < floating < complex).
  ``int32 tensor + 2.5`` is ``float32`` (the default dtype), ``float16 +
  bfloat16`` is ``float32``, ``uint8 + int8`` is ``int16``.

>>> import tensorlite as tl
>>> tl.promote_types(tl.float16, tl.bfloat16)
tensorlite.float32
"""

from __future__ import annotations

import numbers

import ml_dtypes
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types"]


class dtype:
    """A tensor element type, printed as ``tensorlite.<name>``.

    >>> import tensorlite as tl
    >>> tl.float32, tl.float32.itemsize, tl.float32.is_floating_point
    (tensorlite.float32, 4, True)
    """

    __slots__ = ("name", "itemsize", "is_floating_point", "is_complex", "is_signed", "_np", "_rank")

    def __init__(self, name, np_dtype, rank):
        np_dtype = np.dtype(np_dtype)
        self.name = name
        self.itemsize = np_dtype.itemsize
        self.is_complex = np_dtype.kind == "c"
        self.is_floating_point = name in ("float16", "bfloat16", "float32", "float64")
        self.is_signed = name not in ("bool", "uint8")
        self._np = np_dtype
        self._rank = rank  # order inside its category, used by promotion

    def __repr__(self):
        return f"tensorlite.{self.name}"

    def __reduce__(self):  # pickle as the module-level singleton
        return (_lookup, (self.name,))

    def to_complex(self):
        return {"float16": complex32, "float32": complex64, "float64": complex128}.get(
            self.name, self)

    def to_real(self):
        return {"complex32": float16, "complex64": float32, "complex128": float64}.get(
            self.name, self)


def _lookup(name):
    return _BY_NAME[name]


bool = dtype("bool", np.bool_, 0)  # noqa: A001 - PyTorch's public name
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 2)
int32 = dtype("int32", np.int32, 3)
int64 = dtype("int64", np.int64, 4)
float16 = dtype("float16", np.float16, 1)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 1)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 3)
complex64 = dtype("complex64", np.complex64, 2)
complex128 = dtype("complex128", np.complex128, 3)
complex32 = dtype("complex32", np.complex64, 1)
"""PyTorch's complex32 (ComplexHalf, two float16 parts): the dtype exists for promotion
and type queries, but tensorlite has no complex32 tensors (NumPy has no such type, and
PyTorch's CPU build supports few operations on it); creating one raises
``NotImplementedError`` naming the function (:func:`to_dtype`)."""
complex32.itemsize = 4

long, int, short, half, float, double, cfloat, cdouble, chalf = (  # noqa: A001
    int64, int32, int16, float16, float32, float64, complex64, complex128, complex32)

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(long=int64, int=int32, short=int16, half=float16, float=float32,
                double=float64, cfloat=complex64, cdouble=complex128, complex32=complex32,
                chalf=complex32)
_BY_NP = {d._np: d for d in ALL}

_default = float32


def get_default_dtype():
    """The dtype of floating-point tensors made from Python floats (``float32``)."""
    return _default


def set_default_dtype(d):
    """Set the default floating-point dtype; PyTorch allows only float32 and float64
    (and the half types here, which PyTorch also accepts)."""
    global _default
    d = to_dtype(d, "set_default_dtype", query=True)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype(): only floating-point types are supported "
                        f"as the default type, got {d}")
    _default = d


def to_dtype(value, fn="tensorlite", *, query=False):
    """Normalize a dtype argument (tensorlite dtype, NumPy dtype or name). ``complex32``
    raises ``NotImplementedError`` naming ``fn`` unless ``query`` (type queries such as
    ``finfo`` and ``can_cast`` accept it)."""
    if isinstance(value, dtype):
        if value is complex32 and not query:
            raise NotImplementedError(f"{fn}(): {_NO_COMPLEX32}")
        return value
    if isinstance(value, str):
        name = value.removeprefix("tensorlite.").removeprefix("torch.")
        if name in _BY_NAME:
            return to_dtype(_BY_NAME[name], fn, query=query)
        raise TypeError(f"{fn}(): unknown dtype {value!r}")
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise TypeError(f"{fn}(): dtype must be a tensorlite.dtype, got {value!r}") from None


_NO_COMPLEX32 = ("complex32 (ComplexHalf) tensors are not supported by tensorlite; use "
                 "complex64")


def from_numpy_dtype(np_dtype, fn="tensorlite"):
    np_dtype = np.dtype(np_dtype)
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"{fn}(): can't convert NumPy dtype {np_dtype} to a tensorlite dtype; "
                        f"supported: {', '.join(d.name for d in ALL)}") from None


def _category(d):
    if d is bool:
        return 0
    if d.is_complex:
        return 3
    return 2 if d.is_floating_point else 1


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to, as PyTorch's table gives it."""
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi.is_complex and lo.is_floating_point:  # float64 + complex64 is complex128
            return promote_types(lo, hi.to_real()).to_complex()
        return hi
    if ca == 1:  # integers: a signed type big enough for both
        if {a, b} == {uint8, int8}:
            return int16
        return a if a._rank > b._rank else b
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


def scalar_dtype(value):
    """The dtype a Python scalar gets when it becomes a tensor."""
    if isinstance(value, (np.generic, np.ndarray)):
        return from_numpy_dtype(value.dtype)
    if isinstance(value, (builtins_bool, np.bool_)):
        return bool
    if isinstance(value, numbers.Integral):
        return int64
    if isinstance(value, numbers.Real):
        return _default
    if isinstance(value, numbers.Complex):
        return _default.to_complex()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


builtins_bool = type(True)


def _combine(higher, lower):
    # PyTorch's combine_categories: a lower-priority operand wins only when it is
    # of a higher category than the higher-priority one.
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        return lower if not higher.is_floating_point else promote_types(higher, lower)
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype of ``op(*operands)`` for tensors and Python scalars."""
    dims = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dims, _combine(zero, wrapped))


def infer_dtype(data, fn="tensor"):
    """The dtype ``tensor(data)`` gets: the widest kind found in nested data."""
    if hasattr(data, "dtype") and isinstance(data.dtype, dtype):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return from_numpy_dtype(data.dtype, fn)
    if hasattr(data, "__cuda_array_interface__") or hasattr(data, "__dlpack__"):
        return from_numpy_dtype(data.dtype, fn)
    found = None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, (str, bytes)):  # PyTorch reads a string as another dimension
            raise ValueError(f"{fn}(): too many dimensions '{type(item).__name__}' in {data!r:.60}")
        if item is None:
            raise TypeError(f"{fn}(): new(): invalid data type '{type(item).__name__}'")
        d = infer_dtype(item, fn) if hasattr(item, "dtype") else None
        if d is None:
            try:
                d = scalar_dtype(item)
            except TypeError:
                raise TypeError(f"{fn}(): Could not infer dtype of {type(item).__name__}") from None
        found = d if found is None else _widest(found, d)
    return found if found is not None else _default


def for_python_data(np_kind):
    """The dtype of Python data that NumPy parsed into an array of ``np_kind``
    (bool -> bool, int -> int64, float -> the default, complex -> its complex)."""
    if np_kind == "b":
        return bool
    if np_kind in "iu":
        return int64
    if np_kind == "f":
        return _default
    return _default.to_complex()


def _widest(a, b):
    if _category(a) == _category(b):
        return promote_types(a, b)
    return a if _category(a) > _category(b) else b
