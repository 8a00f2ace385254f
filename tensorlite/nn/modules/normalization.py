"""``LayerNorm``."""

from __future__ import annotations

import numbers

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm"]


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
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_creation.empty(self.normalized_shape, device=device,
                                                    dtype=dtype))
            if bias:
                self.bias = Parameter(_creation.empty(self.normalized_shape, device=device,
                                                      dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator=None):  # draws nothing; accepted like the others
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))
