r"""Convolutions: ``Conv1d``, ``Conv2d``, ``Conv3d``, ``ConvTranspose1d``,
``ConvTranspose2d``, ``ConvTranspose3d``.

Initialization (PyTorch's ``reset_parameters``), drawing from ``generator=`` or the
default generator in this order: ``weight`` by ``kaiming_uniform_(a=sqrt(5))``, i.e.
:math:`\mathcal{U}(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`, then ``bias``
from the same bound. ``fan_in`` is ``weight.size(1) * prod(kernel_size)``: ``in_channels
/ groups * prod(kernel)`` for a convolution, ``out_channels / groups * prod(kernel)`` for
a transposed one (whose weight is ``(in_channels, out_channels / groups, *kernel)``).

>>> import tensorlite as tl
>>> tl.nn.Conv1d(16, 33, 3, stride=2)
Conv1d(16, 33, kernel_size=(3,), stride=(2,))
"""

from __future__ import annotations

from .. import functional as F
from .._functional._utils import is_int, ntuple
from .linear import default_init, weight_and_bias
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]


class _ConvNd(Module):
    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None, generator=None):
        super().__init__()
        d, name = self._dims, type(self).__name__
        if not is_int(groups) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        kernel_size = ntuple(kernel_size, d, "kernel_size", name)
        stride = ntuple(stride, d, "stride", name)
        dilation = ntuple(dilation, d, "dilation", name)
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = ntuple(padding, d, "padding", name)
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got "
                             f"padding_mode='{padding_mode}'")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = ntuple(output_padding, d, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):  # F.pad's (last dim first) pairs for padding='same'
            pairs = [(0, 0)] * d if padding == "valid" else [
                (t // 2, t - t // 2) for t in (dl * (k - 1) for dl, k in zip(dilation,
                                                                              kernel_size))]
        else:
            pairs = [(p, p) for p in padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pairs) for v in pair]
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + kernel_size
        weight_and_bias(self, shape, out_channels, bias, device, dtype)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        """``kaiming_uniform_(weight, a=sqrt(5))``, then the bias from
        ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` (the same scheme as ``Linear``)."""
        default_init(self.weight, self.bias, generator)

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


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None, generator=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype, generator)

    def forward(self, input):  # noqa: A002
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                      self.groups)
        return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                  self.groups)


class Conv1d(_Conv):
    r"""1-D convolution over ``(N, C_in, L)`` or ``(C_in, L)``; see the module docstring
    for the initialization and :func:`tensorlite.nn.functional.conv1d` for the math.

    Args:
        in_channels, out_channels: channel counts (each divisible by ``groups``)
        kernel_size, stride, padding, dilation: ints or 1-tuples; ``padding`` may be
            ``"valid"`` or ``"same"``
        groups: blocked connections; bias: add a learnable bias
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``
        device, dtype: where and how to allocate; generator: the init's generator
    """

    _dims, _fn = 1, staticmethod(F.conv1d)


class Conv2d(_Conv):
    r"""2-D convolution over ``(N, C_in, H, W)`` or ``(C_in, H, W)``.

    .. math::
        \text{out}(N_i, C_{\text{out}_j}) = \text{bias}(C_{\text{out}_j}) +
        \sum_{k=0}^{C_{\text{in}}/\text{groups} - 1} \text{weight}(C_{\text{out}_j}, k)
        \star \text{input}(N_i, k + g_j C_{\text{in}}/\text{groups})

    Arguments as :class:`Conv1d`, with pairs.

    Example:
        >>> import tensorlite as tl
        >>> conv = tl.nn.Conv2d(3, 64, kernel_size=3, padding=1)
        >>> conv
        Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
        >>> conv(tl.zeros(1, 3, 8, 8)).shape
        tensorlite.Size([1, 64, 8, 8])
    """

    _dims, _fn = 2, staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over ``(N, C_in, D, H, W)``; arguments as :class:`Conv1d`."""

    _dims, _fn = 3, staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None, generator=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype, generator)

    def _output_padding(self, input, output_size):  # noqa: A002
        """The ``output_padding`` that yields ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        d = self._dims
        output_size = list(output_size)[-d:]
        extra = []
        for i in range(d):
            size = ((input.shape[input.ndim - d + i] - 1) * self.stride[i]
                    - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not size <= output_size[i] < size + self.stride[i]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {size} to {size + self.stride[i] - 1} (for an "
                                 f"input of {list(input.shape[input.ndim - d:])})")
            extra.append(output_size[i] - size)
        return tuple(extra)

    def forward(self, input, output_size=None):  # noqa: A002
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding,
                              self._output_padding(input, output_size), self.groups,
                              self.dilation)


class ConvTranspose1d(_ConvTranspose):
    r"""1-D transposed convolution; weight ``(in_channels, out_channels / groups, k)``.
    See :func:`tensorlite.nn.functional.conv_transpose1d`."""

    _dims, _fn = 1, staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    r"""2-D transposed convolution.

    >>> import tensorlite as tl
    >>> up = tl.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
    >>> up(tl.zeros(1, 8, 5, 5)).shape
    tensorlite.Size([1, 4, 10, 10])
    """

    _dims, _fn = 2, staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution."""

    _dims, _fn = 3, staticmethod(F.conv_transpose3d)
