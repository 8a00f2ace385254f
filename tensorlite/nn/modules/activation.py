"""Activation modules. Each wraps its ``nn.functional`` form; ``PReLU`` holds a
learnable slope (initialized to ``init``, 0.25 by default, as PyTorch).

>>> import tensorlite as tl
>>> tl.nn.Softmax(dim=1)
Softmax(dim=1)
"""

from __future__ import annotations

import warnings

from ... import _creation
from .. import functional as F
from .. import init as _init
from ..parameter import Parameter
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "SELU", "CELU",
           "Softplus", "Mish", "Hardswish", "Hardsigmoid", "Hardtanh", "ReLU6", "LogSigmoid",
           "Softsign", "Tanhshrink", "Threshold", "PReLU", "GLU", "Softmax", "LogSoftmax",
           "Softmin", "Softmax2d", "Hardshrink", "Softshrink"]


def _renamed(old, old_value, new, value):
    """PyTorch's deprecated keyword ``old`` (a ``FutureWarning``) overriding ``new``."""
    if old_value is None:
        return value
    warnings.warn(f"keyword argument `{old}` is deprecated and renamed to `{new}`",
                  FutureWarning, stacklevel=3)
    return old_value


def _inplace(flag):
    return "inplace=True" if flag else ""


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace(self.inplace)


class _Plain(Module):
    """An activation without arguments."""

    _fn = None

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input)


class ReLU(_Inplace):
    r""":math:`\text{ReLU}(x) = \max(0, x)`, elementwise.

    >>> import tensorlite as tl
    >>> tl.nn.ReLU()(tl.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    _fn = staticmethod(F.relu)


class SiLU(_Inplace):
    r""":math:`x\,\sigma(x)` (swish)."""

    _fn = staticmethod(F.silu)


class SELU(_Inplace):
    r""":math:`\lambda\,\mathrm{ELU}_\alpha(x)`, the self-normalizing constants."""

    _fn = staticmethod(F.selu)


class Mish(_Inplace):
    r""":math:`x \tanh(\mathrm{softplus}(x))`."""

    _fn = staticmethod(F.mish)


class Hardswish(_Inplace):
    r""":math:`x\,\mathrm{ReLU6}(x + 3) / 6`."""

    _fn = staticmethod(F.hardswish)

    def extra_repr(self):
        return ""


class Hardsigmoid(_Inplace):
    r""":math:`\mathrm{ReLU6}(x + 3) / 6`."""

    _fn = staticmethod(F.hardsigmoid)

    def extra_repr(self):
        return ""


class Tanh(_Plain):
    r""":math:`\tanh(x)`, elementwise."""

    _fn = staticmethod(F.tanh)


class Sigmoid(_Plain):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise."""

    _fn = staticmethod(F.sigmoid)


class LogSigmoid(_Plain):
    r""":math:`\log \sigma(x)`."""

    _fn = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    r""":math:`x / (1 + |x|)`."""

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    r""":math:`x - \tanh(x)`."""

    _fn = staticmethod(F.tanhshrink)


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


class ELU(Module):
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)`."""

    _fn = staticmethod(F.elu)

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""

    _fn = staticmethod(F.celu)


class Softplus(Module):
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})` (linear above ``threshold``)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    r"""Clamp to ``[min_val, max_val]``."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        min_val = _renamed("min_value", min_value, "min_val", min_val)
        max_val = _renamed("max_value", max_value, "max_val", max_val)
        if max_val <= min_val:
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    r""":math:`\min(\max(0, x), 6)`."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace(self.inplace)


class Threshold(Module):
    """``input`` where it exceeds ``threshold``, else ``value``."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class PReLU(Module):
    r""":math:`\max(0, x) + a \min(0, x)` with ``num_parameters`` learnable slopes (1, or
    one per channel), all starting at ``init`` (0.25) — no random draw.

    >>> import tensorlite as tl
    >>> tl.nn.PReLU(3).weight.tolist()
    [0.25, 0.25, 0.25]
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        _init.constant_(self.weight, self.init)

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    r""":math:`a \otimes \sigma(b)` for the two halves of ``input`` along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(Module):
    r""":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``."""

    _fn = staticmethod(F.softmax)

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    r""":math:`\log \mathrm{softmax}(x)` along ``dim``."""

    _fn = staticmethod(F.log_softmax)


class Softmin(Softmax):
    r""":math:`\mathrm{softmax}(-x)` along ``dim``."""

    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """Softmax over the channels of ``(N, C, H, W)`` or ``(C, H, W)`` (dim ``-3``)."""

    def forward(self, input):  # noqa: A002
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             f"instead")
        return F.softmax(input, -3)


class _Shrink(Module):
    _fn = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    r""":math:`x` where :math:`|x| > \lambda`, else 0; see ``F.hardshrink``."""

    _fn = staticmethod(F.hardshrink)


class Softshrink(_Shrink):
    r"""Shrink toward 0 by :math:`\lambda`, zero inside :math:`[-\lambda, \lambda]`; see
    ``F.softshrink``."""

    _fn = staticmethod(F.softshrink)
