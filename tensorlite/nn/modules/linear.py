"""``Identity`` and ``Linear``."""

from __future__ import annotations

import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """A placeholder that returns its input; it accepts and ignores any arguments.

    >>> import tensorlite as tl
    >>> tl.nn.Identity(54, unused="argument")
    Identity()
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return input


def default_init(weight, bias, generator=None):
    """PyTorch's ``reset_parameters`` for Linear and Conv layers.

    ``kaiming_uniform_`` with ``a = sqrt(5)`` gives ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``
    (gain ``sqrt(2 / (1 + 5))`` times ``sqrt(3 / fan_in)``); the bias gets the same
    bound. PyTorch keeps this for backward compatibility; so do we, so models start
    where PyTorch's do.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound, generator=generator)


class Linear(Module):
    r"""Apply an affine transformation :math:`y = x W^\top + b`.

    ``weight`` has shape ``(out_features, in_features)`` and ``bias``
    ``(out_features,)``. Both are initialized as in PyTorch:
    ``kaiming_uniform_(weight, a=sqrt(5))``, i.e.
    :math:`\mathcal{U}(-1/\sqrt{\text{in\_features}}, 1/\sqrt{\text{in\_features}})`,
    and the bias from the same uniform distribution.

    Args:
        in_features: size of each input sample
        out_features: size of each output sample
        bias: if ``False``, the layer has no additive bias (default ``True``)
        device, dtype: where and how to allocate the parameters
        generator: the generator the initialization draws from (weight, then bias);
            default: the device's default generator

    Example:
        >>> import tensorlite as tl
        >>> layer = tl.nn.Linear(128, 64)
        >>> layer
        Linear(in_features=128, out_features=64, bias=True)
        >>> layer.weight.shape, layer(tl.ones(2, 128)).shape
        (tensorlite.Size([64, 128]), tensorlite.Size([2, 64]))
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None,
                 generator=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in_features), device=device,
                                                dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        default_init(self.weight, self.bias, generator)

    def forward(self, input):  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
