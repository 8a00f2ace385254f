"""Padding modules: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``,
``ReflectionPad1d/2d/3d``, ``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d``, each a
fixed ``F.pad`` (no parameters). An int ``padding`` pads every side of the last ``d``
dims; a tuple is ``(left, right, top, bottom, front, back)`` cut to ``2 d``, as PyTorch.

>>> import tensorlite as tl
>>> tl.nn.ReflectionPad1d(2)(tl.tensor([[[1.0, 2.0, 3.0]]]))
tensor([[[3., 2., 1., 2., 3., 2., 1.]]])
>>> tl.nn.ConstantPad2d((1, 0, 0, 1), 9.0)
ConstantPad2d(padding=(1, 0, 0, 1), value=9.0)
"""

from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = [f"{kind}Pad{d}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                         "Circular") for d in (1, 2, 3)]


class _PadNd(Module):
    """``F.pad(input, padding, mode)``; subclasses set ``_mode`` and ``_d``."""

    _mode = "constant"
    _d = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = (tuple(padding) if isinstance(padding, (tuple, list))
                        else (padding,) * (2 * self._d))

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""

    _d = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _d = 3


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""

    _d = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""

    _d = 3


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its edges (the edge not repeated)."""

    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims at their edges."""

    _mode, _d = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims at their edges."""

    _mode, _d = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim."""

    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims."""

    _mode, _d = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims."""

    _mode, _d = "replicate", 3


class CircularPad1d(_PadNd):
    """Wrap the last dim around."""

    _mode = "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around."""

    _mode, _d = "circular", 2


class CircularPad3d(_PadNd):
    """Wrap the last three dims around."""

    _mode, _d = "circular", 3
