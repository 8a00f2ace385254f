"""Type queries and PyTorch's legacy tensor types.

* ``finfo`` / ``iinfo``: the limits of a floating or integer dtype;
* ``can_cast``: PyTorch's rule — a cast may not lower the category
  (bool < integer < floating < complex);
* ``is_floating_point``, ``is_complex``, ``Tensor.type_as``, ``Tensor.type(...)``
  with a dtype, a legacy type or its name;
* ``tl.Tensor(3, 4)``, ``tl.Tensor([[1, 2]])`` and ``tl.FloatTensor`` & co., the
  pre-``tl.tensor`` constructors old scripts still call. ``isinstance(x,
  tl.FloatTensor)`` checks the dtype, as in PyTorch.

>>> import tensorlite as tl
>>> tl.finfo(tl.float16).eps
0.0009765625
>>> tl.LongTensor([1, 2]).dtype
tensorlite.int64
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from . import _dtype
from ._tensor import _TYPE_NAMES, Tensor, scalar_type_name


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating-point dtype (the default dtype when none is given)."""

    def __init__(self, type=None):  # noqa: A002
        d = _dtype.get_default_dtype() if type is None else _dtype.to_dtype(type, "finfo", query=True)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        real = d.to_real()
        info = ml_dtypes.finfo(real._np) if real is _dtype.bfloat16 else np.finfo(real._np)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(info.resolution)
        self.dtype = real.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """The limits of an integer (or bool) dtype."""

    def __init__(self, type):  # noqa: A002
        d = _dtype.to_dtype(type, "iinfo", query=True)
        if d.is_floating_point or d.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(np.uint8 if d is _dtype.bool else d._np)
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)
        if d is _dtype.bool:
            self.bits, self.max = 8, 1
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def can_cast(from_, to):
    """Whether PyTorch allows casting ``from_`` to ``to`` in type promotion: never to a
    lower category (complex -> float, float -> int, int -> bool)."""
    return _dtype._category(_dtype.to_dtype(from_, query=True)) <= \
        _dtype._category(_dtype.to_dtype(to, query=True))


def is_floating_point(input):  # noqa: A002
    return input.dtype.is_floating_point


def is_complex(input):  # noqa: A002
    return input.dtype.is_complex


def is_nonzero(input):  # noqa: A002
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                           if input.numel() else "Boolean value of Tensor with no values is "
                           "ambiguous")
    return bool(input.item())


# ---- legacy types ----------------------------------------------------------------------
class _LegacyType(type):
    """The metaclass of ``tl.FloatTensor`` & co.: ``isinstance`` checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'tensorlite.{cls.__name__}'>"


def _legacy_new(dtype, args, kwargs, fn):
    """``Type(*sizes)`` -> uninitialized; ``Type(data)`` -> a copy; ``Type()`` -> empty."""
    from ._creation import empty, tensor

    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"{fn}(): unexpected keyword arguments {sorted(kwargs)}")
    if not args:
        return empty(0, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0].dtype is not dtype:
            raise TypeError(f"expected {dtype} (got {args[0].dtype})")
        return args[0]
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return empty(*args, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], tuple) and all(
            isinstance(a, int) for a in args[0]) and type(args[0]).__name__ == "Size":
        return empty(args[0], dtype=dtype, device=device)
    if len(args) == 1:
        return tensor(args[0], dtype=dtype, device=device)
    raise TypeError(f"{fn}(): new() received an invalid combination of arguments")


def _make_legacy(name, dtype):
    def __new__(cls, *args, **kwargs):
        return _legacy_new(dtype, args, kwargs, name)

    return _LegacyType(name, (), {"__new__": __new__, "dtype": dtype,
                                  "__doc__": f"``tl.{name}(*sizes)`` or ``tl.{name}(data)``: "
                                             f"a {dtype} tensor (PyTorch's legacy "
                                             f"constructor)."})


LEGACY = {name: _make_legacy(name, _dtype._BY_NAME[dname])
          for dname, name in _TYPE_NAMES.items()}


def _tensor_new(cls, *args, **kwargs):
    """``tl.Tensor(...)``: the legacy constructor with the default dtype."""
    if cls is not Tensor:  # subclasses (Parameter) make their own objects
        return object.__new__(cls)
    return _legacy_new(_dtype.get_default_dtype(), args, dict(kwargs), "Tensor")


def _dtype_from_type_name(name):
    short = name.rsplit(".", 1)[-1]
    for dname, tname in _TYPE_NAMES.items():
        if tname == short:
            return _dtype._BY_NAME[dname]
    raise ValueError(f"invalid type: '{name}'")


def tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """Without an argument, the legacy type name (``'tensorlite.FloatTensor'``); with a
    dtype, a legacy type or its name, this tensor converted to it."""
    if dtype is None:
        return f"tensorlite.{scalar_type_name(self._dtype)}Tensor"
    if isinstance(dtype, str):
        try:
            dtype = _dtype.to_dtype(dtype)
        except TypeError:
            dtype = _dtype_from_type_name(dtype)
    elif isinstance(dtype, _LegacyType):
        dtype = dtype.dtype
    return self.to(dtype)


def type_as(self, other):
    """This tensor converted to ``other``'s dtype."""
    return self.to(other.dtype)


def install(cls):
    cls.type = tensor_type
    cls.type_as = type_as
    cls.is_complex = lambda self: self._dtype.is_complex
    cls.is_nonzero = is_nonzero
    cls.is_signed = lambda self: self._dtype.is_signed
    cls.__new__ = _tensor_new
