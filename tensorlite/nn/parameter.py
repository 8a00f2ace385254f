"""``Parameter``: a tensor that a ``Module`` registers as learnable.

A ``Parameter`` is a ``Tensor`` (``isinstance(p, tl.Tensor)`` holds) that
shares the array of the tensor it wraps and requires grad by default.
Assigning one as a module attribute registers it in ``parameters()``.

>>> import tensorlite as tl
>>> tl.nn.Parameter(tl.zeros(2))
Parameter containing:
tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Parameter"]


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
