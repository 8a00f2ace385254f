"""Activation modules: ``ReLU``, ``LeakyReLU``, ``Tanh``, ``Sigmoid``, ``GELU``."""

from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU"]


class ReLU(Module):
    r""":math:`\text{ReLU}(x) = \max(0, x)`, elementwise.

    >>> import tensorlite as tl
    >>> tl.nn.ReLU()(tl.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    r""":math:`x` for :math:`x > 0`, else :math:`\text{negative\_slope} \times x`.

    >>> import tensorlite as tl
    >>> tl.nn.LeakyReLU(0.1)(tl.tensor([-1.0, 2.0]))
    tensor([-0.1000,  2.0000])
    """

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class Tanh(Module):
    r""":math:`\tanh(x)`, elementwise."""

    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class Sigmoid(Module):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise."""

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class GELU(Module):
    r"""Gaussian Error Linear Unit (Hendrycks & Gimpel, 2016):
    :math:`x\,\Phi(x)`, or its tanh approximation with ``approximate='tanh'``.

    >>> import tensorlite as tl
    >>> tl.nn.GELU()
    GELU(approximate='none')
    """

    def __init__(self, approximate="none"):
        super().__init__()
        F.activation.check_approximate(approximate)
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"
