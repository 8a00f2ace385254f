"""``Identity`` and ``Linear``."""

from __future__ import annotations

import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "Flatten", "Unflatten"]


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


def weight_and_bias(module, shape, out_features, bias, device=None, dtype=None):
    """Register an uninitialized ``weight`` of ``shape`` and ``bias`` of
    ``(out_features,)`` (``None`` when not ``bias``), in PyTorch's order: the one place
    ``Linear``, ``Bilinear`` and the convolutions make their parameters."""
    module.weight = Parameter(_creation.empty(shape, device=device, dtype=dtype))
    module.register_parameter("bias", Parameter(_creation.empty(
        out_features, device=device, dtype=dtype)) if bias else None)


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
        weight_and_bias(self, (out_features, in_features), out_features, bias, device, dtype)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        default_init(self.weight, self.bias, generator)

    def forward(self, input):  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    r"""Apply :math:`y = x_1^\top A x_2 + b`.

    ``weight`` is ``(out_features, in1_features, in2_features)``, ``bias``
    ``(out_features,)``; both start at :math:`\mathcal{U}(-1/\sqrt{\text{in1\_features}},
    1/\sqrt{\text{in1\_features}})`, weight first (PyTorch's ``reset_parameters``).

    >>> import tensorlite as tl
    >>> tl.nn.Bilinear(20, 30, 40)
    Bilinear(in1_features=20, in2_features=30, out_features=40, bias=True)
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None, generator=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        weight_and_bias(self, (out_features, in1_features, in2_features), out_features, bias,
                        device, dtype)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound, generator=generator)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims ``start_dim`` to ``end_dim`` into one.

    >>> import tensorlite as tl
    >>> tl.nn.Flatten()(tl.zeros(2, 3, 4)).shape
    tensorlite.Size([2, 12])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size``.

    >>> import tensorlite as tl
    >>> tl.nn.Unflatten(1, (3, 4))(tl.zeros(2, 12)).shape
    tensorlite.Size([2, 3, 4])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(f"invalid argument type for dim parameter: {type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError("unflattened_size must be tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):  # noqa: A002
        d = self.dim % input.ndim
        return input.reshape(tuple(input.shape[:d]) + tuple(self.unflattened_size)
                             + tuple(input.shape[d + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
