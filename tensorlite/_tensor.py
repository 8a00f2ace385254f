"""``Tensor``: metadata, repr, conversion, autograd state and the device rule.

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
import numbers
import warnings
import weakref

import numpy as np

from . import _backends, _device, _dtype, _formatting
from .autograd import grad_mode as _grad_mode, graph as _graph
from ._backends import _common
from ._validation import sizes as _sizes  # noqa: F401 - kept for the modules that import it

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
    """A new tensor around ``data`` (no copy): the one constructor every op uses."""
    t = object.__new__(Tensor)  # Tensor(...) itself is the legacy constructor
    t._data = data
    t._device = device
    t._dtype = dtype if dtype is not None else _dtype.from_numpy_dtype(data.dtype)
    if requires_grad:
        t.requires_grad = True
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
    if type(x) in (float, int) and np_dtype.kind == "f" and np_dtype.itemsize >= 4:
        return np_dtype.type(x)  # the common case, without building an array
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


def _compute_dtype(d):
    """Half types compute in float32 (as PyTorch's CPU kernels do) and round once."""
    return _dtype.float32 if d in (_dtype.float16, _dtype.bfloat16) else d


class Tensor:
    """An n-dimensional array on a device, with PyTorch's interface.

    Create tensors with the factory functions (``tl.tensor``, ``tl.zeros``,
    ``tl.randn``, ...), not with this class.
    """

    __array_priority__ = 1000  # NumPy defers to our reflected operators

    # Autograd state; class-level defaults keep the constructor to four stores.
    requires_grad = False
    _grad = None
    _grad_fn = None       # the Node that produced this tensor (None for leaves)
    _output_nr = 0        # which output of _grad_fn this tensor is
    _vbox = None          # version counter, shared with views: [version]
    _base = None          # for views: the tensor whose storage this one views
    _view_fn = None       # for views: fn(xp, base_array) -> this view's array
    _accumulator = None   # weak reference to this leaf's AccumulateGrad node
    _hooks = None         # gradient hooks of a leaf
    _retains_grad = False

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

    # ---- autograd (the graph and engine live in tensorlite.autograd) -------------
    @property
    def is_leaf(self):
        """Whether no recorded operation produced this tensor (``grad_fn is None``)."""
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def grad(self):
        """The accumulated gradient (``None`` until a backward reaches this leaf)."""
        if self._grad_fn is not None and not self._retains_grad and _grad_mode._mode.enabled:
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being "
                          "accessed. Its .grad attribute won't be populated during "
                          "autograd.backward(). If you indeed want the .grad field to be "
                          "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                          "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def _version(self):
        return 0 if self._vbox is None else self._vbox[0]

    def _version_counter(self):
        """The version box this tensor shares with its views (created on first use)."""
        if self._vbox is None:
            self._vbox = [0]
        return self._vbox

    def requires_grad_(self, requires_grad=True):
        if self._grad_fn is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If "
                               "you want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can "
                               "require gradients")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad):
            tensor = ref()
            if tensor is not None:
                tensor._grad = grad.detach().clone() if tensor._grad is None else \
                    tensor._grad + grad
            return None

        self._grad_fn._add_pre_hook(self._output_nr, keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Run ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self._grad_fn is not None:
            return self._grad_fn._add_pre_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _graph._Handle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """The same data, cut from the graph (it shares the version counter)."""
        out = _wrap(self._data, self._device, self._dtype)
        out._vbox = self._version_counter()
        return out

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self.requires_grad = False
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
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False,
           memory_format=None):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``;
        ``memory_format=`` is checked and keeps the (C-contiguous) layout."""
        if memory_format is not None:
            from ._factories import check_memory_format

            check_memory_format(memory_format, self.ndim, "to")
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
        if target == self._device and target_dtype is self._dtype and not copy:
            return self
        from ._ops.shape import convert

        return convert(self, target, target_dtype)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        if device is None:
            return self.to("cuda")
        return self.to(_device.device("cuda", device) if isinstance(device, int) else device)

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

    # Operators and methods are defined by families in tensorlite._ops (elementwise,
    # reductions, shape and indexing, linear algebra), each op with its derivative,
    # and installed on this class when tensorlite._ops is imported.

_TYPE_NAMES = {"bool": "BoolTensor", "uint8": "ByteTensor", "int8": "CharTensor",
               "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor",
               "float16": "HalfTensor", "bfloat16": "BFloat16Tensor",
               "float32": "FloatTensor", "float64": "DoubleTensor"}
# complex tensors' type() names; not legacy constructors (PyTorch has none for them)
_COMPLEX_TYPE_NAMES = {"complex32": "ComplexHalfTensor", "complex64": "ComplexFloatTensor",
                       "complex128": "ComplexDoubleTensor"}


def scalar_type_name(dtype):
    """PyTorch's scalar type name of ``dtype`` in its messages: ``Float``, ``Long``,
    ``ComplexDouble``, ..."""
    return (_TYPE_NAMES.get(dtype.name) or _COMPLEX_TYPE_NAMES[dtype.name])[:-len("Tensor")]


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
