"""``Parameter``: a tensor that a ``Module`` registers as learnable.

A ``Parameter`` is a ``Tensor`` (``isinstance(p, tl.Tensor)`` holds) that
shares the array of the tensor it wraps and requires grad by default.
Assigning one as a module attribute registers it in ``parameters()``.

>>> import tensorlite as tl
>>> tl.nn.Parameter(tl.zeros(2))
Parameter containing:
tensor([0., 0.], requires_grad=True)

``UninitializedParameter`` and ``UninitializedBuffer`` hold the place of a lazy
module's state whose shape is not known yet (``is_lazy`` tells them apart);
``materialize(shape)`` turns one into an ordinary ``Parameter`` / ``Tensor``.

>>> w = tl.nn.UninitializedParameter()
>>> w, tl.nn.parameter.is_lazy(w)
(<UninitializedParameter>, True)
>>> w.materialize((2, 3))
>>> type(w).__name__, w.shape
('Parameter', tensorlite.Size([2, 3]))
"""

from __future__ import annotations

import os
import sys

from .._tensor import Tensor

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


class Parameter(Tensor):
    """A learnable tensor of a module.

    Args:
        data: the tensor whose array the parameter shares (no copy). Default:
            an empty 1-D tensor.
        requires_grad: whether the parameter requires gradient (default
            ``True``); only floating-point and complex data may.

    Example:
        >>> import tensorlite as tl
        >>> x = tl.ones(3)
        >>> p = tl.nn.Parameter(x)
        >>> _ = x.fill_(2.0)  # shared memory: the parameter sees the change
        >>> p.tolist(), p.requires_grad
        ([2.0, 2.0, 2.0], True)
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .._creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a tensorlite.Tensor, got "
                            f"{type(data).__name__}")
        requires_grad = bool(requires_grad)
        if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        param = Tensor.__new__(cls)
        param._data = data._data
        param._device = data._device
        param._dtype = data._dtype
        param.requires_grad = requires_grad
        return param

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return type(self), (self.detach(), self.requires_grad)


_USE_ERROR = ("Attempted to use an uninitialized parameter in {name}. This error happens when "
              "you are using a `LazyModule` or explicitly manipulating "
              "`torch.nn.parameter.{cls}` objects. When using LazyModules Call `forward` with "
              "a dummy batch to initialize the parameters before calling torch functions")


class UninitializedTensorMixin:
    """A tensor without a shape yet: only its device, dtype and grad flag exist.

    Every operation that would read its (absent) array raises PyTorch's
    ``ValueError``; ``.shape`` raises PyTorch's ``RuntimeError``. What works, as in
    PyTorch: ``dtype``, ``device``, ``requires_grad``, ``size()`` (``[0]``),
    ``is_floating_point()``, ``is_complex()``, the conversions
    ``to``/``float``/``double``/``cpu``/... (a conversion that changes the dtype or
    device gives a new uninitialized tensor of the same class, so ``module.double()``
    keeps a lazy module lazy), and ``materialize``.
    """

    cls_to_become = None

    # The array slot: reading it is "using" the tensor; writing it (Parameter's
    # constructor, materialize) stores the array the materialized tensor will have.
    @property
    def _data(self):
        raise ValueError(_USE_ERROR.format(name=_caller_name(), cls=type(self).__name__))

    @_data.setter
    def _data(self, value):
        self.__dict__["_data"] = value

    @property
    def data(self):
        return self._stand_in()

    @data.setter
    def data(self, other):
        Tensor.data.fset(self, other)

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the parameters "
            "before accessing their attributes.")

    ndim = 1  # PyTorch's placeholder is a 1-D empty tensor

    def _stand_in(self):
        """The empty 1-D tensor PyTorch keeps as the placeholder's data."""
        from .._creation import empty

        return empty(0, device=self._device, dtype=self._dtype)

    def size(self, dim=None):
        return self._stand_in().size(dim)

    def to(self, *args, **kwargs):
        target = self._stand_in().to(*args, **kwargs)
        if target._device == self._device and target._dtype is self._dtype:
            return self
        if isinstance(self, Parameter) and not (target._dtype.is_floating_point
                                                or target._dtype.is_complex):
            return target  # an integer placeholder cannot require grad: a plain tensor
        return self._like(target._device, target._dtype)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def materialize(self, shape, device=None, dtype=None):
        """Give this placeholder an (uninitialized) array of ``shape`` on ``device``
        with ``dtype`` (default: its own) and turn it into ``cls_to_become``, in place:
        references to it (an optimizer's, a user's) stay valid."""
        from .._creation import empty

        Tensor.data.fset(self, empty(shape, device=self._device if device is None else device,
                                     dtype=self._dtype if dtype is None else dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return type(self), (self.requires_grad,)

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = self._like(self._device, self._dtype)
        return memo[id(self)]


def _caller_name():
    """The public tensorlite function that read the placeholder: the outermost frame
    inside the package (for the message; PyTorch names the function it dispatched)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, name = sys._getframe(2), "an operation"
    while frame is not None and frame.f_code.co_filename.startswith(package):
        name, frame = frame.f_code.co_name, frame.f_back
    return f"<function {name}>" if name != "an operation" else name


def is_lazy(param):
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` whose shape is not known yet (a lazy module's weight before its
    first forward); ``materialize(shape)`` makes it an ordinary ``Parameter``.

    Example:
        >>> import tensorlite as tl
        >>> p = tl.nn.UninitializedParameter(dtype=tl.float64)
        >>> p.dtype, p.requires_grad
        (tensorlite.float64, True)
    """

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .._creation import empty

        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def _like(self, device, dtype):
        return type(self)(self.requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy norm layer's running statistics);
    ``materialize(shape)`` makes it an ordinary ``Tensor``."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        from .._creation import empty

        data = empty(0, device=device, dtype=dtype)
        buf = Tensor.__new__(cls)
        buf._data, buf._device, buf._dtype = data._data, data._device, data._dtype
        if requires_grad:
            buf.requires_grad_(True)
        buf.persistent = persistent
        return buf

    def _like(self, device, dtype):
        return type(self)(self.requires_grad, device, dtype, self.persistent)
