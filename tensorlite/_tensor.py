"""``Tensor``: metadata, repr, conversion, operators and the device rule.

A tensor wraps one backend array (NumPy on ``cpu``, CuPy on ``cuda``, a
shape-only array on ``meta``) together with its ``device`` and ``dtype``. Every
operation goes through the backend's array namespace ``xp``, so this module
never asks which kind of device it is on.

The device rule lives in :func:`common_device`: operands on different devices
raise PyTorch's error, except that Python scalars and 0-dim CPU tensors combine
with anything.

>>> import tensorlite as tl
>>> x = tl.tensor([[1., 2.], [3., 4.]])
>>> (x @ x.T).sum(dim=0)
tensor([16., 36.])
"""

from __future__ import annotations

import builtins
import collections
import numbers

import numpy as np

from . import _autograd, _backends, _device, _dtype, _formatting
from ._backends import _common

__all__ = ["Tensor", "Size", "common_device"]


class Size(tuple):
    """The shape of a tensor: a tuple of ints printing as ``tensorlite.Size([2, 3])``."""

    def __repr__(self):
        return f"tensorlite.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return Size(item) if isinstance(key, slice) else item

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


def _return_type(name):
    """PyTorch's ``return_types.max``/``min``: a (values, indices) named tuple."""
    class ReturnType(collections.namedtuple(name, ["values", "indices"])):
        __slots__ = ()

        def __repr__(self):
            return (f"tensorlite.return_types.{name}(\nvalues={self.values!r},"
                    f"\nindices={self.indices!r})")

    ReturnType.__name__ = ReturnType.__qualname__ = name
    return ReturnType


_RETURN_TYPES = {"max": _return_type("max"), "min": _return_type("min")}


def common_device(operands, fn="operation"):
    """The one device all tensor operands share (PyTorch's mismatch rule).

    Python scalars never count; a 0-dim CPU tensor may join tensors of any device.
    """
    found = None
    cpu_scalar = None
    for x in operands:
        if not isinstance(x, Tensor):
            continue
        dev = x._device
        if dev.type == "cpu" and x._data.ndim == 0:
            cpu_scalar = cpu_scalar or dev
            continue
        if found is None:
            found = dev
        elif dev != found:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {found} and {dev}!")
    return found or cpu_scalar


def _wrap(data, device, dtype=None, requires_grad=False):
    t = Tensor.__new__(Tensor)
    t._data = data
    t._device = device
    t._dtype = dtype if dtype is not None else _dtype.from_numpy_dtype(data.dtype)
    t.requires_grad = requires_grad
    return t


def _operand(x, device, np_dtype):
    """``x`` as something ``xp`` functions accept on ``device`` with ``np_dtype``."""
    if isinstance(x, Tensor):
        data = x._data
        if x._device != device:  # a 0-dim CPU tensor joining another device
            return np_dtype.type(data[()]) if np_dtype.kind != "V" else data[()]
        if data.dtype != np_dtype:
            data = x._backend.astype(data, np_dtype)
        return data
    return _common.host_array(x, np_dtype)[()]


def _as_array(xp, data):
    """NumPy returns scalars from 0-d operations; keep everything an array."""
    return xp.asarray(data) if isinstance(data, np.generic) else data


def _is_scalar(x):
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, Tensor)


def _dim(d, ndim, fn):
    n = max(ndim, 1)
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
        raise TypeError(f"{fn}(): dim must be an int, got {d!r}")
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return int(d) % n if ndim else 0


def _sizes(args, fn):
    """Sizes given as varargs or one sequence, validated (PyTorch's rules)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if all(type(s) is builtins.int and s >= 0 for s in args):  # the common case, fast
        return args
    out = []
    for s in args:
        if isinstance(s, Tensor) and s.numel() == 1 and not s.dtype.is_floating_point:
            s = s.item()
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{fn}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__} ({s!r})")
        if s < 0:
            raise RuntimeError(f"{fn}(): Trying to create tensor with negative dimension "
                               f"{s}: {list(args)}")
        out.append(int(s))
    return tuple(out)


def _compute_dtype(d):
    """Half types compute in float32 (as PyTorch's CPU kernels do) and round once."""
    return _dtype.float32 if d in (_dtype.float16, _dtype.bfloat16) else d


class Tensor:
    """An n-dimensional array on a device, with PyTorch's interface.

    Create tensors with the factory functions (``tl.tensor``, ``tl.zeros``,
    ``tl.randn``, ...), not with this class.
    """

    __array_priority__ = 1000  # NumPy defers to our reflected operators

    # ---- metadata ------------------------------------------------------------
    @property
    def _backend(self):
        return _backends.get(self._device)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self._data.shape[_dim(dim, self.ndim, "size")]

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_meta(self):
        return self._device.type == "meta"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_contiguous(self):
        if not self._backend.has_data:
            return True  # meta tensors are laid out as new tensors would be
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        if self._backend.has_data:
            strides = tuple(s // self._dtype.itemsize for s in self._data.strides)
        else:  # meta: the strides a contiguous tensor of this shape has
            strides, step = [], 1
            for size in reversed(self.shape):
                strides.insert(0, step)
                step *= max(size, 1)
            strides = tuple(strides)
        return strides if dim is None else strides[_dim(dim, self.ndim, "stride")]

    @property
    def data(self):
        """This tensor's storage without the grad flag (``w.data.normal_()`` writes ``w``)."""
        return _wrap(self._data, self._device, self._dtype)

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(other).__name__}")
        self._data, self._device, self._dtype = other._data, other._device, other._dtype

    @property
    def is_leaf(self):
        return True

    @property
    def grad(self):
        return None

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can "
                               "require gradients")
        self.requires_grad = requires_grad
        return self

    def __repr__(self):
        return _formatting.tensor_repr(self)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    __hash__ = object.__hash__

    # ---- conversion ------------------------------------------------------------
    def _host(self):
        return self._backend.to_numpy(self._data)  # device -> host copy on cuda

    def item(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        value = self._host().reshape(())
        return builtins.float(value) if self._dtype.is_floating_point else value.item()

    def tolist(self):
        values = self._host()
        if self._dtype.is_floating_point and values.dtype.itemsize == 2:
            values = values.astype(np.float32)
        return values.tolist()

    def numpy(self, *, force=False):
        """The NumPy array behind a CPU tensor (shared memory); ``force=True`` copies
        from any device."""
        if force:
            return self._host()
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._backend.numpy_view(self._data, self._device)

    def __array__(self, dtype=None, copy=None):
        values = self._backend.numpy_view(self._data, self._device)
        return values if dtype is None else values.astype(dtype, copy=False)

    @property
    def __cuda_array_interface__(self):
        return self._data.__cuda_array_interface__  # AttributeError for host arrays

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __format__(self, spec):
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ---- moving and casting ----------------------------------------------------
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (_dtype.dtype, np.dtype)) or (isinstance(a, type) and issubclass(a, np.generic)):
                dtype = a
            else:
                device = a
        target_dtype = self._dtype if dtype is None else _dtype.to_dtype(dtype, "to")
        target = self._device if device is None else _device.to_device(device, "to")
        target = _backends.get(target).check(target)
        if target == self._device:
            if target_dtype is self._dtype and not copy:
                return self
            data = self._backend.astype(self._data, target_dtype._np, copy=True)
        else:
            data = _transfer(self._data, self._device, target, target_dtype._np)
        return _wrap(data, target, target_dtype, self.requires_grad)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        if device is None:
            return self.to("cuda")
        return self.to(_device.device("cuda", device) if isinstance(device, int) else device)

    def type(self, dtype=None):
        if dtype is None:
            return f"tensorlite.{_TYPE_NAMES.get(self._dtype.name, 'Tensor')}"
        return self.to(dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def bfloat16(self):
        return self.to(_dtype.bfloat16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def short(self):
        return self.to(_dtype.int16)

    def bool(self):
        return self.to(_dtype.bool)

    def byte(self):
        return self.to(_dtype.uint8)

    def detach(self):
        return _wrap(self._data, self._device, self._dtype)

    def clone(self):
        return _wrap(self._backend.astype(self._data, self._dtype._np, copy=True),
                     self._device, self._dtype, self.requires_grad)

    def contiguous(self):
        if self.is_contiguous():
            return self
        with self._backend.context(self._device):
            data = self._backend.xp.ascontiguousarray(self._data)
        return _wrap(data, self._device, self._dtype, self.requires_grad)

    # ---- in-place writes -------------------------------------------------------
    def _write(self, key, value):
        _autograd.check_inplace(self)
        self._backend.assign(self._data, key, value)
        return self

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` (any device, broadcastable) into this tensor."""
        if not isinstance(src, Tensor):
            from ._creation import tensor as _tensor

            src = _tensor(src, device=self._device)
        data = src._data if src._device == self._device else _transfer(
            src._data, src._device, self._device, src._dtype._np)
        try:
            np.broadcast_shapes(data.shape, self._data.shape)
        except ValueError:
            raise RuntimeError(f"copy_(): the size of src {tuple(src.shape)} must be "
                               f"broadcastable to {tuple(self.shape)}") from None
        return self._write(Ellipsis, self._backend.astype(data, self._dtype._np))

    def fill_(self, value):
        if isinstance(value, Tensor):
            if value.ndim:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got "
                                   f"tensor with {value.ndim} dimensions.")
            value = value.item()
        return self._write(Ellipsis, _operand(value, self._device, self._dtype._np))

    def zero_(self):
        return self.fill_(0)

    def __setitem__(self, key, value):
        key = self._index(key)
        if isinstance(value, Tensor):
            common_device((self, value), "__setitem__")
            value = _operand(value, self._device, self._dtype._np)
        elif _is_scalar(value):
            value = _common.host_array(value, self._dtype._np)[()]
        else:
            value = self._backend.asarray(value, self._dtype._np, self._device, False)
        self._write(key, value)

    def __getitem__(self, key):
        with self._backend.context(self._device):
            data = self._data[self._index(key)]
        return _wrap(data, self._device, self._dtype, self.requires_grad)

    def _index(self, key):
        """Replace tensors inside an index by arrays on this tensor's device."""
        def convert(k):
            if isinstance(k, Tensor):
                if k._device != self._device:
                    k = k.to(self._device)
                return k._data
            return k

        if isinstance(key, tuple):
            return tuple(convert(k) for k in key)
        return convert(key)

    # ---- elementwise arithmetic ------------------------------------------------
    def _binary(self, other, fn, reverse=False, out_dtype=None, name="op"):
        a, b = (other, self) if reverse else (self, other)
        if not isinstance(other, (Tensor, numbers.Number, np.generic)):
            if isinstance(other, np.ndarray):
                from ._creation import tensor as _tensor

                other = _tensor(other, device=self._device)
                a, b = (other, self) if reverse else (self, other)
            else:
                return NotImplemented
        device = common_device((a, b), name)
        _check_broadcast(a, b)
        dtype = _dtype.result_type(a, b)
        compute = _compute_dtype(dtype) if out_dtype is None else dtype
        backend = _backends.get(device)
        with backend.context(device), np.errstate(all="ignore"):  # inf/nan as in PyTorch
            x, y = _operand(a, device, compute._np), _operand(b, device, compute._np)
            data = _as_array(backend.xp, fn(backend.xp, x, y))
            result_dtype = out_dtype(dtype) if out_dtype else dtype
            if data.dtype != result_dtype._np:
                data = backend.astype(data, result_dtype._np)
        return _wrap(data, device, result_dtype)

    def _inplace(self, other, fn, name, out_dtype=None):
        result = self._binary(other, fn, name=name, out_dtype=out_dtype)
        if _dtype._category(result.dtype) > _dtype._category(self._dtype):
            raise RuntimeError(f"result type {_TYPE_NAMES[result.dtype.name].removesuffix('Tensor')} "
                               f"can't be cast to the desired output type "
                               f"{_TYPE_NAMES[self._dtype.name].removesuffix('Tensor')}")
        return self._write(Ellipsis, self._backend.astype(result._data, self._dtype._np))

    def __add__(self, other):
        return self._binary(other, lambda xp, x, y: xp.add(x, y), name="add")

    def __radd__(self, other):
        return self._binary(other, lambda xp, x, y: xp.add(x, y), reverse=True, name="add")

    def __sub__(self, other):
        return self._binary(other, lambda xp, x, y: xp.subtract(x, y), name="sub")

    def __rsub__(self, other):
        return self._binary(other, lambda xp, x, y: xp.subtract(x, y), reverse=True, name="sub")

    def __mul__(self, other):
        return self._binary(other, lambda xp, x, y: xp.multiply(x, y), name="mul")

    def __rmul__(self, other):
        return self._binary(other, lambda xp, x, y: xp.multiply(x, y), reverse=True, name="mul")

    def __truediv__(self, other):
        return self._binary(other, _true_divide, out_dtype=_float_result, name="div")

    def __rtruediv__(self, other):
        return self._binary(other, _true_divide, reverse=True, out_dtype=_float_result, name="div")

    def __floordiv__(self, other):
        return self._binary(other, lambda xp, x, y: xp.floor_divide(x, y), name="floor_divide")

    def __rfloordiv__(self, other):
        return self._binary(other, lambda xp, x, y: xp.floor_divide(x, y), reverse=True,
                            name="floor_divide")

    def __mod__(self, other):
        return self._binary(other, lambda xp, x, y: xp.remainder(x, y), name="remainder")

    def __rmod__(self, other):
        return self._binary(other, lambda xp, x, y: xp.remainder(x, y), reverse=True,
                            name="remainder")

    def __pow__(self, other):
        return self._binary(other, _power, name="pow")

    def __rpow__(self, other):
        return self._binary(other, _power, reverse=True, name="pow")

    def __iadd__(self, other):
        return self._inplace(other, lambda xp, x, y: xp.add(x, y), "add_")

    def __isub__(self, other):
        return self._inplace(other, lambda xp, x, y: xp.subtract(x, y), "sub_")

    def __imul__(self, other):
        return self._inplace(other, lambda xp, x, y: xp.multiply(x, y), "mul_")

    def __itruediv__(self, other):
        return self._inplace(other, _true_divide, "div_", out_dtype=_float_result)

    def add(self, other, *, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, *, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

    def add_(self, other, *, alpha=1):
        return self.__iadd__(other * alpha if alpha != 1 else other)

    def sub_(self, other, *, alpha=1):
        return self.__isub__(other * alpha if alpha != 1 else other)

    def mul_(self, other):
        return self.__imul__(other)

    def div_(self, other):
        return self.__itruediv__(other)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._write(Ellipsis, self.clamp(min, max)._data)

    def _compare(self, other, ufunc, name):
        return self._binary(other, lambda xp, x, y: getattr(xp, ufunc)(x, y),
                            out_dtype=lambda d: _dtype.bool, name=name)

    def __eq__(self, other):
        return self._compare(other, "equal", "eq")

    def __ne__(self, other):
        return self._compare(other, "not_equal", "ne")

    def __lt__(self, other):
        return self._compare(other, "less", "lt")

    def __le__(self, other):
        return self._compare(other, "less_equal", "le")

    def __gt__(self, other):
        return self._compare(other, "greater", "gt")

    def __ge__(self, other):
        return self._compare(other, "greater_equal", "ge")

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def _logical(self, other, ufunc, name, reverse=False):
        if self._dtype.is_floating_point:
            raise TypeError(f"{name}: bitwise operations need integer or bool tensors, got "
                            f"{self._dtype}")
        return self._binary(other, lambda xp, x, y: getattr(xp, ufunc)(x, y), reverse=reverse,
                            name=name)

    def __and__(self, other):
        return self._logical(other, "bitwise_and", "bitwise_and")

    def __or__(self, other):
        return self._logical(other, "bitwise_or", "bitwise_or")

    def __xor__(self, other):
        return self._logical(other, "bitwise_xor", "bitwise_xor")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __invert__(self):
        if self._dtype.is_floating_point:
            raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
        return self._unary(lambda xp, x: xp.invert(x), float_only=False)

    # ---- unary -----------------------------------------------------------------
    def _unary(self, fn, float_only=True):
        """Apply ``fn(xp, x)``; float-only functions turn integer input into the default
        float dtype, and half types compute in float32 and round once."""
        dtype = self._dtype
        if float_only and not (dtype.is_floating_point or dtype.is_complex):
            dtype = _dtype.get_default_dtype()
        compute = _compute_dtype(dtype)
        backend = self._backend
        with backend.context(self._device), np.errstate(all="ignore"):  # inf/nan as in PyTorch
            x = self._data if self._data.dtype == compute._np else backend.astype(self._data, compute._np)
            data = _as_array(backend.xp, fn(backend.xp, x))
            if data.dtype != dtype._np:
                data = backend.astype(data, dtype._np)
        return _wrap(data, self._device, dtype)

    def __neg__(self):
        if self._dtype is _dtype.bool:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return self._unary(lambda xp, x: xp.negative(x), float_only=False)

    def __pos__(self):
        return self

    def __abs__(self):
        return self._unary(lambda xp, x: xp.abs(x), float_only=False)

    neg, abs = __neg__, __abs__

    def exp(self):
        return self._unary(lambda xp, x: xp.exp(x))

    def log(self):
        return self._unary(lambda xp, x: xp.log(x))

    def sqrt(self):
        return self._unary(lambda xp, x: xp.sqrt(x))

    def sin(self):
        return self._unary(lambda xp, x: xp.sin(x))

    def cos(self):
        return self._unary(lambda xp, x: xp.cos(x))

    def tanh(self):
        return self._unary(lambda xp, x: xp.tanh(x))

    def erf(self):
        from ._math import erf

        return self._unary(erf)

    def sigmoid(self):
        # 1 / (1 + exp(-x)) overflows harmlessly to 0 for very negative x
        return self._unary(lambda xp, x: xp.divide(1, 1 + xp.exp(-x), dtype=x.dtype))

    def relu(self):
        return self._unary(lambda xp, x: xp.maximum(x, x.dtype.type(0)), float_only=False)

    def floor(self):
        return self._unary(lambda xp, x: xp.floor(x), float_only=False)

    def ceil(self):
        return self._unary(lambda xp, x: xp.ceil(x), float_only=False)

    def round(self):
        return self._unary(lambda xp, x: xp.round(x), float_only=False)

    def isnan(self):
        return self._unary(lambda xp, x: xp.isnan(x), float_only=False).bool()

    def isfinite(self):
        return self._unary(lambda xp, x: xp.isfinite(x), float_only=False).bool()

    def logical_not(self):
        return self._unary(lambda xp, x: xp.logical_not(x), float_only=False).bool()

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        """Limit values to ``[min, max]`` (either may be ``None``)."""
        if min is None and max is None:
            raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
        out = self
        if min is not None:
            out = out._binary(min, lambda xp, x, y: xp.maximum(x, y), name="clamp")
        if max is not None:
            out = out._binary(max, lambda xp, x, y: xp.minimum(x, y), name="clamp")
        return out

    clip = clamp

    # ---- linear algebra --------------------------------------------------------
    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    matmul = __matmul__

    # ---- reductions ------------------------------------------------------------
    def _reduce(self, fn, dim, keepdim, dtype=None, name="reduce"):
        axis = None
        if dim is not None and dim != () and dim != []:  # an empty dim list reduces all
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            axis = tuple(_dim(d, self.ndim, name) for d in dims)
            if self.ndim == 0:
                axis = None
        out_dtype = dtype or self._dtype
        compute = _compute_dtype(out_dtype)
        backend = self._backend
        with backend.context(self._device):
            x = self._data if self._data.dtype == compute._np else backend.astype(self._data, compute._np)
            data = fn(backend.xp, x, axis, keepdim)
            data = backend.xp.asarray(data)
            if data.dtype != out_dtype._np:
                data = backend.astype(data, out_dtype._np)
        return _wrap(data, self._device, out_dtype)

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        acc = _dtype.to_dtype(dtype) if dtype is not None else (
            self._dtype if self._dtype.is_floating_point or self._dtype.is_complex else _dtype.int64)
        return self._reduce(lambda xp, x, a, k: xp.sum(x, axis=a, keepdims=k), dim, keepdim,
                            acc, "sum")

    def prod(self, dim=None, keepdim=False):
        acc = self._dtype if self._dtype.is_floating_point else _dtype.int64
        return self._reduce(lambda xp, x, a, k: xp.prod(x, axis=a, keepdims=k), dim, keepdim,
                            acc, "prod")

    def _needs_float(self, name):
        if not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{_TYPE_NAMES[self._dtype.name].removesuffix('Tensor')}")

    def mean(self, dim=None, keepdim=False):
        self._needs_float("mean")
        return self._reduce(lambda xp, x, a, k: xp.mean(x, axis=a, keepdims=k), dim, keepdim,
                            name="mean")

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Variance with Bessel's correction by default (``correction=1``)."""
        self._needs_float("var")
        ddof = _correction(unbiased, correction)
        return self._reduce(lambda xp, x, a, k: xp.var(x, axis=a, keepdims=k, ddof=ddof),
                            dim, keepdim, name="var")

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Standard deviation with Bessel's correction by default (``correction=1``)."""
        self._needs_float("std")
        ddof = _correction(unbiased, correction)
        return self._reduce(lambda xp, x, a, k: xp.std(x, axis=a, keepdims=k, ddof=ddof),
                            dim, keepdim, name="std")

    def _extreme(self, which, dim, keepdim):
        if self.numel() == 0 and dim is None:
            raise RuntimeError(f"{which}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0. Specify the reduction dim with the "
                               f"'dim' argument.")
        if dim is None:
            return self._reduce(lambda xp, x, a, k: getattr(xp, which)(x), None, False,
                                self._dtype, which)
        values = self._reduce(lambda xp, x, a, k: getattr(xp, which)(x, axis=a, keepdims=k),
                              dim, keepdim, self._dtype, which)
        indices = self._arg("arg" + which, dim, keepdim)
        return _RETURN_TYPES[which](values, indices)

    def max(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        return self._extreme("max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return minimum(self, dim)
        return self._extreme("min", dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return self._reduce(lambda xp, x, a, k: xp.max(x, axis=a, keepdims=k), dim, keepdim,
                            self._dtype, "amax")

    def amin(self, dim=None, keepdim=False):
        return self._reduce(lambda xp, x, a, k: xp.min(x, axis=a, keepdims=k), dim, keepdim,
                            self._dtype, "amin")

    def _arg(self, which, dim, keepdim):
        if dim is None:
            return self._reduce(lambda xp, x, a, k: getattr(xp, which)(x.reshape(-1)), None,
                                False, _dtype.int64, which)
        d = _dim(dim, self.ndim, which)
        return self._reduce(lambda xp, x, a, k: getattr(xp, which)(x, axis=d, keepdims=k)
                            if x.ndim else xp.zeros((), np.int64), d, keepdim,
                            _dtype.int64, which)

    def argmax(self, dim=None, keepdim=False):
        return self._arg("argmax", dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return self._arg("argmin", dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return self._reduce(lambda xp, x, a, k: xp.all(x, axis=a, keepdims=k), dim, keepdim,
                            _dtype.bool, "all")

    def any(self, dim=None, keepdim=False):
        return self._reduce(lambda xp, x, a, k: xp.any(x, axis=a, keepdims=k), dim, keepdim,
                            _dtype.bool, "any")

    # ---- shape -----------------------------------------------------------------
    def _view(self, fn):
        with self._backend.context(self._device):
            data = fn(self._backend.xp, self._data)
        # a view of a tensor that requires grad also does (so in-place writes through
        # it follow the same no_grad rule)
        return _wrap(data, self._device, self._dtype, self.requires_grad)

    def reshape(self, *shape):
        shape = _shape_arg(shape, self.numel(), "reshape")
        return self._view(lambda xp, x: x.reshape(shape))

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (_dtype.dtype,)):
            return self._view(lambda xp, x: x.view(shape[0]._np))
        shape = _shape_arg(shape, self.numel(), "view")

        def no_copy(xp, x):
            try:
                return xp.reshape(x, shape, copy=False)
            except ValueError:
                raise RuntimeError("view size is not compatible with input tensor's size and "
                                   "stride (at least one dimension spans across two contiguous "
                                   "subspaces). Use .reshape(...) instead.") from None

        return self._view(no_copy)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _dim(start_dim, self.ndim, "flatten"), _dim(end_dim, self.ndim, "flatten")
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shape = self.shape
        new = shape[:s] + (Size(shape[s:e + 1]).numel(),) + shape[e + 1:]
        return self.reshape(new)

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        if len(dims) != self.ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input "
                               f"does not match the length of the desired ordering of "
                               f"dimensions i.e. input.dim() = {self.ndim} is not equal to "
                               f"len(dims) = {len(dims)}")
        axes = tuple(_dim(d, self.ndim, "permute") for d in dims)
        if len(set(axes)) != len(axes):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return self._view(lambda xp, x: x.transpose(axes))

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self
        a, b = _dim(dim0, self.ndim, "transpose"), _dim(dim1, self.ndim, "transpose")
        return self._view(lambda xp, x: xp.swapaxes(x, a, b))

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self

    @property
    def T(self):
        return self._view(lambda xp, x: x.T)

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def unsqueeze(self, dim):
        d = _dim(dim, self.ndim + 1, "unsqueeze")
        return self._view(lambda xp, x: xp.expand_dims(x, d))

    def squeeze(self, dim=None):
        if dim is None:
            return self._view(lambda xp, x: x.reshape(tuple(s for s in x.shape if s != 1)))
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = {_dim(d, self.ndim, "squeeze") for d in dims} if self.ndim else set()
        shape = tuple(s for i, s in enumerate(self.shape) if not (i in axes and s == 1))
        return self._view(lambda xp, x: x.reshape(shape))

    def expand(self, *sizes):
        sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        if len(sizes) < self.ndim:
            raise RuntimeError(f"expand(): the number of sizes provided ({len(sizes)}) must be "
                               f"greater or equal to the number of dimensions in the tensor "
                               f"({self.ndim})")
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                      for i, s in enumerate(sizes))
        for i, s in enumerate(shape[lead:]):
            if self.shape[i] not in (1, s):
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the "
                                   f"existing size ({self.shape[i]}) at non-singleton "
                                   f"dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                                   f"Tensor sizes: {list(self.shape)}")
        return self._view(lambda xp, x: xp.broadcast_to(x, shape))

    def expand_as(self, other):
        return self.expand(other.shape)

    def chunk(self, chunks, dim=0):
        d = _dim(dim, self.ndim, "chunk")
        step = -(-self.shape[d] // chunks)
        return tuple(self.narrow(d, i, min(step, self.shape[d] - i))
                     for i in range(0, self.shape[d], step))

    def narrow(self, dim, start, length):
        d = _dim(dim, self.ndim, "narrow")
        key = (slice(None),) * d + (slice(start, start + length),)
        return self[key]

    # keep the method names next to functions with the same meaning
    def masked_fill(self, mask, value):
        """``value`` where ``mask`` holds; keeps this tensor's dtype (as PyTorch does)."""
        if isinstance(value, Tensor):
            value = value.item()
        return where(mask, value, self).to(self._dtype)

    def masked_fill_(self, mask, value):
        return self._write(Ellipsis, self.masked_fill(mask, value)._data)


_TYPE_NAMES = {"bool": "BoolTensor", "uint8": "ByteTensor", "int8": "CharTensor",
               "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor",
               "float16": "HalfTensor", "bfloat16": "BFloat16Tensor",
               "float32": "FloatTensor", "float64": "DoubleTensor"}


def _check_broadcast(a, b):
    """PyTorch's error for shapes that do not broadcast (NumPy's is a ValueError)."""
    sa, sb = getattr(a, "shape", ()), getattr(b, "shape", ())
    for i in range(1, min(len(sa), len(sb)) + 1):
        if sa[-i] != sb[-i] and 1 not in (sa[-i], sb[-i]):
            raise RuntimeError(f"The size of tensor a ({sa[-i]}) must match the size of tensor "
                               f"b ({sb[-i]}) at non-singleton dimension {max(len(sa), len(sb)) - i}")


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _true_divide(xp, x, y):
    return xp.true_divide(x, y)


def _float_result(d):
    return d if d.is_floating_point or d.is_complex else _dtype.get_default_dtype()


def _power(xp, x, y):
    if np.dtype(getattr(x, "dtype", np.float64)).kind in "iu":
        if bool(xp.any(xp.asarray(y) < 0)):  # synchronizes on cuda: a value check
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return xp.power(x, y)


def _shape_arg(shape, numel, fn):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        shape = tuple(shape[0])
    shape = tuple(builtins.int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{fn}(): only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{fn}(): invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _transfer(data, src, dst, np_dtype):
    """Copy an array between devices (through the host unless both are cuda)."""
    src_backend, dst_backend = _backends.get(src), _backends.get(dst)
    if src_backend is dst_backend:  # cuda:i -> cuda:j is a peer copy inside asarray
        return dst_backend.asarray(data, np_dtype, dst, True)
    if not dst_backend.has_data:
        return dst_backend.empty(data.shape, np_dtype, dst)
    host = src_backend.to_numpy(data)  # device -> host copy (synchronizes)
    fresh = host is not data  # a device's host copy is ours to keep: no second copy
    return dst_backend.asarray(host, np_dtype, dst, not fresh)


# ---- functions of several tensors ---------------------------------------------
def _as_tensor_operand(x, device):
    if isinstance(x, Tensor):
        return x
    from ._creation import tensor as _tensor

    return _tensor(x, device=device)


def matmul(a, b):
    """Matrix product with NumPy's broadcasting rules; half types accumulate in float32."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'input' and 'other' must be Tensors")
    device = common_device((a, b), "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TYPE_NAMES[a.dtype.name][:-6].lower()} != "
                           f"{_TYPE_NAMES[b.dtype.name][:-6].lower()}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({Size(a.shape[:-1]).numel() if a.ndim > 1 else 1}x{ka} and "
                           f"{kb}x{b.shape[-1] if b.ndim > 1 else 1})")
    compute = _compute_dtype(a.dtype)
    backend = _backends.get(device)
    with backend.context(device):
        x = backend.astype(a._data, compute._np) if compute is not a.dtype else a._data
        y = backend.astype(b._data, compute._np) if compute is not b.dtype else b._data
        data = _as_array(backend.xp, backend.xp.matmul(x, y))
        if compute is not a.dtype:
            data = backend.astype(data, a.dtype._np)
    return _wrap(data, device, a.dtype)


def maximum(a, b):
    return a._binary(b, lambda xp, x, y: xp.maximum(x, y), name="maximum")


def minimum(a, b):
    return a._binary(b, lambda xp, x, y: xp.minimum(x, y), name="minimum")


def where(condition, input, other):  # noqa: A002 - PyTorch's names
    """``input`` where ``condition`` holds, else ``other`` (scalars allowed for both)."""
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be a Tensor")
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {_TYPE_NAMES[condition.dtype.name][:-6]}")
    device = common_device((condition, input, other), "where")
    dtype = _dtype.result_type(input, other)
    backend = _backends.get(device)
    with backend.context(device):
        data = backend.xp.where(_operand(condition, device, np.dtype(np.bool_)),
                                _operand(input, device, dtype._np),
                                _operand(other, device, dtype._np))
    return _wrap(backend.xp.asarray(data).astype(dtype._np, copy=False), device, dtype)


def _join(tensors, dim, fn, name):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got {type(t).__name__}")
    device = common_device(tensors, name)
    dtype = _dtype.result_type(*[t for t in tensors if t.numel() or t.ndim != 1] or tensors)
    backend = _backends.get(device)
    with backend.context(device):
        arrays = [_operand(t, device, dtype._np) for t in tensors]
        data = fn(backend.xp, arrays)
    return _wrap(data, device, dtype)


def cat(tensors, dim=0):
    """Join tensors along an existing dimension (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = list(tensors)
    kept = [t for t in tensors if not (isinstance(t, Tensor) and t.ndim == 1 and t.numel() == 0)]
    if not kept:
        return _join(tensors[:1], 0, lambda xp, arrs: arrs[0].copy(), "cat")
    d = _dim(dim, kept[0].ndim, "cat")
    for number, t in enumerate(kept):
        if t.ndim != kept[0].ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{kept[0].ndim} and {t.ndim}")
        for i, (s, s0) in enumerate(zip(t.shape, kept[0].shape)):
            if i != d and s != s0:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {s0} but got size {s} for tensor number "
                                   f"{number} in the list.")
    return _join(kept, d, lambda xp, arrs: xp.concatenate(arrs, axis=d), "cat")


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dimension."""
    tensors = list(tensors)
    if tensors and isinstance(tensors[0], Tensor):
        shape0 = tensors[0].shape
        for i, t in enumerate(tensors):
            if isinstance(t, Tensor) and t.shape != shape0:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                   f"{list(shape0)} at entry 0 and {list(t.shape)} at entry {i}")
        d = _dim(dim, tensors[0].ndim + 1, "stack")
    else:
        d = dim
    return _join(tensors, d, lambda xp, arrs: xp.stack(arrs, axis=d), "stack")
