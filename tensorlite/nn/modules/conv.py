"""``Conv2d``: 2-D convolution (cross-correlation) computed as im2col + matmul."""

from __future__ import annotations

import numbers

import numpy as np

from ... import _creation
from .. import functional as F
from ..parameter import Parameter
from .linear import default_init
from .module import Module

__all__ = ["Conv2d"]


def _pair(value, name):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(value) != 2 or any(isinstance(v, bool) or not isinstance(v, (numbers.Integral,
                                                                         np.integer))
                              for v in value):
        raise TypeError(f"Conv2d(): {name} must be an int or a pair of ints, got {value!r}")
    return tuple(int(v) for v in value)


class Conv2d(Module):
    r"""Apply a 2-D convolution over an input of shape ``(N, C_in, H, W)`` (or
    unbatched ``(C_in, H, W)``).

    .. math::
        \text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) +
        \sum_{k=0}^{C_{\text{in}}/\text{groups} - 1} \text{weight}(C_{\text{out}_j}, k)
        \star \text{input}(N_i, k + g_j C_{\text{in}}/\text{groups})

    ``weight`` has shape ``(out_channels, in_channels // groups, kH, kW)`` and is
    initialized like ``Linear``'s: ``kaiming_uniform_(a=sqrt(5))``, i.e.
    :math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})` with
    ``fan_in = in_channels // groups * kH * kW``; the bias uses the same bound.

    Args:
        in_channels, out_channels: channel counts (each divisible by ``groups``)
        kernel_size: int or pair
        stride: int or pair (default 1)
        padding: int, pair, ``"valid"`` or ``"same"`` (default 0)
        dilation: int or pair (default 1)
        groups: number of blocked connections from input to output channels
        bias: whether to add a learnable bias (default ``True``)
        padding_mode: only ``"zeros"`` is implemented
        device, dtype: where and how to allocate the parameters
        generator: the generator the initialization draws from (weight, then bias);
            default: the device's default generator

    Example:
        >>> import tensorlite as tl
        >>> conv = tl.nn.Conv2d(3, 64, kernel_size=3, padding=1)
        >>> conv
        Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> conv(tl.zeros(1, 3, 8, 8)).shape
        tensorlite.Size([1, 64, 8, 8])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None,
                 generator=None):
        super().__init__()
        if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, np.integer)) \
                or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size, stride = _pair(kernel_size, "kernel_size"), _pair(stride, "stride")
        dilation = _pair(dilation, "dilation")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _pair(padding, "padding")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv2d(): padding_mode='{padding_mode}' is not "
                                      f"implemented in tensorlite; only 'zeros' is")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = Parameter(_creation.empty(
            (out_channels, in_channels // groups) + kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        default_init(self.weight, self.bias, generator)  # the same scheme as Linear

    def forward(self, input):  # noqa: A002
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)
