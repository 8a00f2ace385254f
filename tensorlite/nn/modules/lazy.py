"""Lazy layers: ``LazyLinear`` and ``LazyConv1d/2d/3d`` learn their input size
from the first batch they see.

Until then the weight is a zero-element parameter (``in_features=0``); the
first ``forward`` gives it its shape, initializes it as the eager layer's
``reset_parameters`` does, and turns the module into that layer
(``LazyLinear`` becomes ``Linear``), as PyTorch's ``cls_to_become``.  The
parameter objects stay the same, so an optimizer may hold them before the
first call (PyTorch warns against that; here it works).

>>> import tensorlite as tl
>>> layer = tl.nn.LazyLinear(4)
>>> layer
LazyLinear(in_features=0, out_features=4, bias=True)
>>> _ = layer(tl.ones(2, 3))
>>> layer
Linear(in_features=3, out_features=4, bias=True)
"""

from __future__ import annotations

from ... import _creation
from ... import autograd as _autograd
from .conv import Conv1d, Conv2d, Conv3d
from .linear import Linear

__all__ = ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d"]


class _LazyMixin:
    """Shape the zero-element weight from the first input, initialize, become the eager class."""

    cls_to_become = None

    def has_uninitialized_params(self):
        return self.weight.numel() == 0

    def reset_parameters(self, generator=None):
        if not self.has_uninitialized_params():  # nothing to draw before the shape is known
            super().reset_parameters(generator=generator)

    def _weight_shape(self, input):  # noqa: A002
        raise NotImplementedError

    def initialize_parameters(self, input):  # noqa: A002
        if self.has_uninitialized_params():
            with _autograd.no_grad():
                shape = self._weight_shape(input)
                self.weight.data = _creation.empty(shape, device=self.weight.device,
                                                   dtype=self.weight.dtype)
                self.reset_parameters(generator=self.__dict__.pop("_lazy_generator", None))

    def forward(self, input):  # noqa: A002
        self.initialize_parameters(input)
        self.__class__ = self.cls_to_become
        return self.forward(input)


class LazyLinear(_LazyMixin, Linear):
    """``Linear`` whose ``in_features`` is ``input.shape[-1]`` of the first call."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None, generator=None):
        super().__init__(0, out_features, bias, device=device, dtype=dtype)
        self._lazy_generator = generator

    def _weight_shape(self, input):  # noqa: A002
        self.in_features = input.shape[-1]
        return (self.out_features, self.in_features)


class _LazyConv(_LazyMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device=device, dtype=dtype)
        self._lazy_generator = generator

    def _weight_shape(self, input):  # noqa: A002
        d = len(self.kernel_size)
        if input.ndim not in (d + 1, d + 2):
            raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: "
                               f"{list(input.shape)}")
        self.in_channels = input.shape[1] if input.ndim == d + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        return (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)


class LazyConv1d(_LazyConv, Conv1d):
    """``Conv1d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConv, Conv2d):
    """``Conv2d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConv, Conv3d):
    """``Conv3d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv3d
