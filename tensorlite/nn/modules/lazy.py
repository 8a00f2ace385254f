"""Lazy layers: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d`` learn their input size from
the first batch they see.

Until then their parameters are ``UninitializedParameter`` s and their running
statistics ``UninitializedBuffer`` s (``has_uninitialized_params()`` is true, any use
of them raises, ``.double()``/``.to(device)`` change only what they will become). The
first ``forward`` materializes them with the inferred shape, initializes them as the
eager layer's ``reset_parameters`` does (drawing the same words from the same
generator, so the values equal the eager layer's built at that point of the stream),
and turns the module into that layer (``LazyLinear`` becomes ``Linear``), as PyTorch's
``cls_to_become``. The parameter objects stay the same, so an optimizer may hold them
before the first call (PyTorch warns against that; here it works). Loading a
``state_dict`` of initialized tensors materializes them with the loaded shapes.

>>> import tensorlite as tl
>>> layer = tl.nn.LazyLinear(4)
>>> layer, layer.weight
(LazyLinear(in_features=0, out_features=4, bias=True), <UninitializedParameter>)
>>> _ = layer(tl.ones(2, 3))
>>> layer, layer.weight.shape
(Linear(in_features=3, out_features=4, bias=True), tensorlite.Size([4, 3]))
"""

from __future__ import annotations

import itertools

from ... import _creation, _dtype
from ... import autograd as _autograd
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                        InstanceNorm3d)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Infer the shapes from the first input, initialize, become ``cls_to_become``.

    A subclass defines ``initialize_parameters(input)`` (materialize every
    placeholder, then ``reset_parameters()``) and ``_in_size()`` (the inferred size,
    0 until known; ``reset_parameters`` draws nothing before it is known).
    """

    cls_to_become = None

    def has_uninitialized_params(self):
        """Whether a parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))

    def reset_parameters(self, generator=None):
        if not self.has_uninitialized_params() and self._in_size() != 0:
            super().reset_parameters(generator=generator)

    def _materialize_and_reset(self, shapes):
        """Materialize each named placeholder with its shape, then initialize."""
        with _autograd.no_grad():
            for name, shape in shapes.items():
                tensor = getattr(self, name)
                if tensor is not None:
                    tensor.materialize(shape)
            self.reset_parameters(generator=self.__dict__.pop("_lazy_generator", None))

    def forward(self, *args, **kwargs):
        if self.has_uninitialized_params():
            self.initialize_parameters(*args, **kwargs)
            if self.has_uninitialized_params():
                raise RuntimeError(f"module {type(self).__name__} has not been fully "
                                   f"initialized")
        self.__dict__.pop("_lazy_generator", None)  # loaded from a state_dict: unused
        self.__class__ = self.cls_to_become
        return self.forward(*args, **kwargs)


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is ``input.shape[-1]`` of the first call."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None, generator=None):
        super().__init__(0, 0, False)  # nothing is drawn for an empty layer
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._lazy_generator = generator

    def _in_size(self):
        return self.in_features

    def initialize_parameters(self, input):  # noqa: A002
        self.in_features = input.shape[-1]
        self._materialize_and_reset({"weight": (self.out_features, self.in_features),
                                     "bias": (self.out_features,)})


class _LazyConv(LazyModuleMixin):
    def _in_size(self):
        return self.in_channels

    def initialize_parameters(self, input, *args, **kwargs):  # noqa: A002
        d = len(self.kernel_size)
        if input.ndim not in (d + 1, d + 2):
            raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: "
                               f"{list(input.shape)}")
        self.in_channels = input.shape[1] if input.ndim == d + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        pair = ((self.in_channels, self.out_channels // self.groups) if self.transposed else
                (self.out_channels, self.in_channels // self.groups))
        self._materialize_and_reset({"weight": pair + tuple(self.kernel_size),
                                     "bias": (self.out_channels,)})

    def _placeholders(self, out_channels, bias, device, dtype, generator):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._lazy_generator = generator


class _LazyConvNd(_LazyConv):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, generator=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode)
        self._placeholders(out_channels, bias, device, dtype, generator)


class _LazyConvTransposeNd(_LazyConv):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None,
                 dtype=None, generator=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode)
        self._placeholders(out_channels, bias, device, dtype, generator)


class LazyConv1d(_LazyConvNd, Conv1d):
    """``Conv1d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """``Conv2d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """``Conv3d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` comes from the first input."""

    cls_to_become = ConvTranspose3d


class _LazyNorm(LazyModuleMixin):
    """Batch/instance norm whose ``num_features`` is ``input.shape[1]`` of the first call
    (PyTorch's rule, also for unbatched instance-norm input)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = _creation.tensor(0, dtype=_dtype.int64, device=device)

    def _in_size(self):
        return self.num_features

    def initialize_parameters(self, input):  # noqa: A002
        self.num_features = input.shape[1]
        self._materialize_and_reset({name: (self.num_features,) for name in (
            "weight", "bias", "running_mean", "running_var")})


class LazyBatchNorm1d(_LazyNorm, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNorm, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNorm, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` comes from the first input."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNorm, InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` comes from the first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNorm, InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` comes from the first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNorm, InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` comes from the first input."""

    cls_to_become = InstanceNorm3d
