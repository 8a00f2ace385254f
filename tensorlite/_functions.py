"""Function forms of Tensor methods (``tl.exp(x)`` is ``x.exp()``), and small helpers."""

from __future__ import annotations

from . import _dtype
from ._tensor import Tensor


def _method(name):
    def fn(input, *args, **kwargs):  # noqa: A002 - PyTorch's argument name
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``tl.{name}(input, ...)`` is ``input.{name}(...)``."
    return fn


(abs, all, any, argmax, argmin, clamp, cos, exp, flatten, log, max, mean, min, neg, permute,
 relu, reshape, sigmoid, sin, sqrt, squeeze, std, sum, tanh, transpose, unsqueeze, var) = (
    _method(n) for n in ("abs all any argmax argmin clamp cos exp flatten log max mean min neg "
                         "permute relu reshape sigmoid sin sqrt squeeze std sum tanh transpose "
                         "unsqueeze var").split())


def numel(input):  # noqa: A002
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def result_type(tensor1, tensor2):
    """The dtype of an operation on the two operands (PyTorch's promotion)."""
    return _dtype.result_type(tensor1, tensor2)
