"""``LayerNorm``, ``GroupNorm`` and ``RMSNorm`` (weights ones, biases zeros: no random draw)."""

from __future__ import annotations

import numbers

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm"]


def affine_parameters(module, shape, affine, bias, device=None, dtype=None):
    """Register a norm layer's ``weight`` and ``bias`` of ``shape`` (``None`` when not
    ``affine``; ``bias`` also ``None`` when ``bias`` is false; ``bias=None``: the layer
    has no bias at all, as ``RMSNorm``), in PyTorch's order. Every norm module (layer,
    group, RMS, batch, instance) sets its parameters here and resets them with
    :func:`reset_affine`."""
    def make():
        return Parameter(_creation.empty(shape, device=device, dtype=dtype)) if affine else None

    module.register_parameter("weight", make())
    if bias is not None:
        module.register_parameter("bias", make() if bias else None)


def reset_affine(module):
    """``weight`` to ones and ``bias`` to zeros, where present (no random draw)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


def _shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    r"""Layer normalization over the trailing ``normalized_shape`` dimensions
    (Ba, Kiros & Hinton, 2016):

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \cdot \gamma + \beta

    ``weight`` (:math:`\gamma`) starts at ones and ``bias`` (:math:`\beta`) at
    zeros, both of shape ``normalized_shape``.

    Args:
        normalized_shape: int or shape of the trailing dimensions to normalize
        eps: added to the variance for numerical stability (default 1e-5)
        elementwise_affine: whether to learn ``weight`` and ``bias`` (default ``True``)
        bias: whether to learn ``bias`` too (default ``True``)
        device, dtype: where and how to allocate the parameters

    Example:
        >>> import tensorlite as tl
        >>> norm = tl.nn.LayerNorm(768)
        >>> norm.weight.shape, norm.bias.shape
        (tensorlite.Size([768]), tensorlite.Size([768]))
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, self.normalized_shape, elementwise_affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        reset_affine(self)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class GroupNorm(Module):
    r"""Group normalization (Wu & He, 2018): the channels of ``(N, C, *)`` split into
    ``num_groups`` groups, each group of each sample normalized, then a per-channel affine
    map (``weight`` ones, ``bias`` zeros).

    >>> import tensorlite as tl
    >>> tl.nn.GroupNorm(3, 6)
    GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        affine_parameters(self, (num_channels,), affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        reset_affine(self)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return "{num_groups}, {num_channels}, eps={eps}, affine={affine}, bias={use_bias}".format(
            **self.__dict__, use_bias=self.bias is not None)


class RMSNorm(Module):
    r"""Root-mean-square normalization (Zhang & Sennrich, 2019) over the trailing
    ``normalized_shape`` dims: :math:`y = x / \sqrt{\mathrm{mean}(x^2) + \epsilon}
    \cdot \gamma`, ``weight`` :math:`\gamma` starting at ones; ``eps=None`` uses the
    dtype's machine epsilon.

    >>> import tensorlite as tl
    >>> tl.nn.RMSNorm(8)
    RMSNorm((8,), eps=None, elementwise_affine=True)
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        affine_parameters(self, self.normalized_shape, elementwise_affine, None, device, dtype)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        reset_affine(self)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}"
                .format(**self.__dict__))
