r"""Activation functions, each an elementwise op with its derivative beside it (the
``Unary`` table of ``tensorlite._ops.elementwise``), and the softmax family with fused
derivatives:

.. math::
    \frac{\partial L}{\partial x} = y \odot (g - \textstyle\sum_j g_j y_j)
    \quad (\text{softmax}), \qquad
    g - e^{y} \textstyle\sum_j g_j \quad (\text{log\_softmax}).

>>> import tensorlite as tl
>>> import tensorlite.nn.functional as F
>>> F.softmax(tl.tensor([0.0, 0.0]), dim=0)
tensor([0.5000, 0.5000])
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype
from ..._ops import elementwise
from ..._ops import inplace as _inplace_ops
from ..._ops.elementwise import Unary
from ...autograd.graph import named, needs_grad
from ._utils import check_tensor, fused, inplace_result, is_int

__all__ = ["relu", "relu_", "leaky_relu", "tanh", "sigmoid", "gelu", "silu", "elu", "selu",
           "celu", "softplus", "mish", "hardswish", "hardsigmoid", "hardtanh", "relu6",
           "logsigmoid", "softsign", "tanhshrink", "prelu", "glu", "softmax", "log_softmax",
           "softmin", "threshold", "hardshrink", "softshrink", "elu_", "selu_", "celu_",
           "leaky_relu_", "hardtanh_", "threshold_"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SIXTH32 = float(np.float32(1 / 6))  # PyTorch's hardsigmoid derivative uses float32 1/6


def _c(x, v):
    """``v`` as a scalar of ``x``'s dtype (keeps float32 arithmetic in float32)."""
    return x.dtype.type(v)


def _softplus_forward(xp, x, beta, threshold):
    bx = x * _c(x, beta)
    # log1p(exp(bx)) computed without overflow: max(bx, 0) + log1p(exp(-|bx|))
    soft = (xp.maximum(bx, _c(x, 0)) + xp.log1p(xp.exp(-xp.abs(bx)))) / _c(x, beta)
    return xp.where(bx > threshold, x, soft)


def _sigmoid(xp, x):
    return elementwise._sigmoid(xp, x)


def _elu_forward(xp, x, alpha, scale, input_scale):
    return xp.where(x > 0, x * _c(x, scale),
                    _c(x, alpha * scale) * xp.expm1(xp.minimum(x, _c(x, 0)) * _c(x, input_scale)))


def _elu_backward(xp, g, x, z, alpha, scale, input_scale):
    neg = _c(x, alpha * scale * input_scale) * xp.exp(xp.minimum(x, _c(x, 0)) * _c(x, input_scale))
    return g * xp.where(x > 0, _c(x, scale), neg)


def _mish_backward(xp, g, x, z):
    sp = _softplus_forward(xp, x, 1.0, 20.0)
    t = xp.tanh(sp)
    return g * (t + x * _sigmoid(xp, x) * (1 - t * t))


def _hardswish_backward(xp, g, x, z):
    return g * xp.where(x < -3, _c(x, 0), xp.where(x <= 3, x / _c(x, 3) + _c(x, 0.5), _c(x, 1)))


_silu = Unary("silu", lambda xp, x: x * _sigmoid(xp, x),
              lambda xp, g, x, z: g * (lambda s: s * (1 + x * (1 - s)))(_sigmoid(xp, x)),
              uses="x")
_elu = Unary("elu", _elu_forward, _elu_backward, uses="x")
_softplus = Unary("softplus", _softplus_forward,
                  lambda xp, g, x, z, beta, threshold: g * xp.where(
                      x * _c(x, beta) > threshold, _c(x, 1), _sigmoid(xp, x * _c(x, beta))),
                  uses="x")
_mish = Unary("mish", lambda xp, x: x * xp.tanh(_softplus_forward(xp, x, 1.0, 20.0)),
              _mish_backward, uses="x")
_hardswish = Unary("hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / _c(x, 6),
                   _hardswish_backward, uses="x")
_hardsigmoid = Unary("hardsigmoid", lambda xp, x: xp.clip(x + 3, 0, 6) / _c(x, 6),
                     lambda xp, g, x, z: g * ((x > -3) & (x < 3)) * _c(x, _SIXTH32),
                     uses="x")
_hardtanh = Unary("hardtanh", lambda xp, x, lo, hi: xp.clip(x, _c(x, lo), _c(x, hi)),
                  lambda xp, g, x, z, lo, hi: g * ((x > lo) & (x < hi)), uses="x")
_softsign = Unary("softsign", lambda xp, x: x / (1 + xp.abs(x)),
                  lambda xp, g, x, z: g / (1 + xp.abs(x)) ** 2, uses="x")
_threshold = Unary("threshold", lambda xp, x, t, v: xp.where(x > t, x, _c(x, v)),
                   lambda xp, g, x, z, t, v: g * (x > t), uses="x")


def _activation(op, input, *params, inplace=False, fn, node=None,  # noqa: A002
                inplace_node=None):
    """``op(input, *params)``, written into ``input`` when ``inplace``; ``node`` and
    ``inplace_node`` are PyTorch's node names where they differ from ``op``'s."""
    check_tensor(input, "input", fn)
    source = input
    if inplace and needs_grad(input):
        # the derivative reads the input, which the write below overwrites: keep a copy
        # (the DCGAN discriminator's ``LeakyReLU(0.2, inplace=True)`` after BatchNorm)
        source = _inplace_ops._snapshot(input)
    result = op(source, *params)
    if inplace:
        return inplace_result(input, result, inplace_node or node)
    return named(result, node) if node else result


# ---- the existing ones --------------------------------------------------------------------
def relu(input, inplace=False):  # noqa: A002
    """:math:`\\max(0, x)` elementwise."""
    check_tensor(input, "input", "relu")
    result = input.relu()
    return inplace_result(input, result) if inplace else result


def relu_(input):  # noqa: A002
    """In-place :func:`relu`."""
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """:math:`x` where :math:`x > 0`, else :math:`\\text{negative\\_slope} \\cdot x`."""
    return _activation(elementwise.leaky_relu, input, float(negative_slope), inplace=inplace,
                       fn="leaky_relu", inplace_node="LeakyReluBackward1")


def tanh(input):  # noqa: A002
    """Hyperbolic tangent elementwise."""
    check_tensor(input, "input", "tanh")
    return input.tanh()


def sigmoid(input):  # noqa: A002
    """:math:`1 / (1 + e^{-x})` elementwise."""
    check_tensor(input, "input", "sigmoid")
    return input.sigmoid()


def check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


def gelu(input, approximate="none"):  # noqa: A002
    r"""Gaussian Error Linear Unit: :math:`x \Phi(x) = \frac{x}{2}(1 + \operatorname{erf}(x/\sqrt2))`,
    or with ``approximate="tanh"``:
    :math:`\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`.
    """
    check_tensor(input, "input", "gelu")
    check_approximate(approximate)
    return (elementwise.gelu_tanh if approximate == "tanh" else elementwise.gelu_exact)(input)


# ---- more pointwise activations ----------------------------------------------------------
def silu(input, inplace=False):  # noqa: A002
    r"""Sigmoid Linear Unit (swish): :math:`x\,\sigma(x)`.

    >>> import tensorlite as tl
    >>> tl.nn.functional.silu(tl.tensor([0.0]))
    tensor([0.])
    """
    return _activation(_silu, input, inplace=inplace, fn="silu")


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    r""":math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)` (Clevert et al., 2015)."""
    return _activation(_elu, input, float(alpha), 1.0, 1.0, inplace=inplace, fn="elu",
                       inplace_node="EluBackward1")


def selu(input, inplace=False):  # noqa: A002
    r""":math:`\lambda\,\mathrm{ELU}_\alpha(x)` with :math:`\alpha \approx 1.6733`,
    :math:`\lambda \approx 1.0507` (Klambauer et al., 2017)."""
    return _activation(_elu, input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace=inplace, fn="selu",
                       inplace_node="EluBackward1")


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    r""":math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _activation(_elu, input, float(alpha), 1.0, 1.0 / alpha, inplace=inplace, fn="celu",
                       node="CeluBackward0", inplace_node="CeluBackward1")


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    r""":math:`\frac{1}{\beta}\log(1 + e^{\beta x})`, and :math:`x` where
    :math:`\beta x > \text{threshold}` (computed without overflow)."""
    return _activation(_softplus, input, float(beta), float(threshold), fn="softplus")


def mish(input, inplace=False):  # noqa: A002
    r""":math:`x \tanh(\mathrm{softplus}(x))` (Misra, 2019)."""
    return _activation(_mish, input, inplace=inplace, fn="mish")


def hardswish(input, inplace=False):  # noqa: A002
    r""":math:`x\,\mathrm{ReLU6}(x + 3) / 6` (Howard et al., 2019)."""
    return _activation(_hardswish, input, inplace=inplace, fn="hardswish")


def hardsigmoid(input, inplace=False):  # noqa: A002
    r""":math:`\mathrm{ReLU6}(x + 3) / 6`."""
    return _activation(_hardsigmoid, input, inplace=inplace, fn="hardsigmoid")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    r""":math:`\min(\max(x, \text{min\_val}), \text{max\_val})`; zero gradient outside
    the open interval."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _activation(_hardtanh, input, float(min_val), float(max_val), inplace=inplace,
                       fn="hardtanh")


def relu6(input, inplace=False):  # noqa: A002
    r""":math:`\min(\max(0, x), 6)`."""
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input):  # noqa: A002
    r""":math:`\log \sigma(x) = -\mathrm{softplus}(-x)`."""
    check_tensor(input, "input", "logsigmoid")
    return -_softplus(-input, 1.0, math.inf)


def softsign(input):  # noqa: A002
    r""":math:`x / (1 + |x|)`."""
    return _activation(_softsign, input, fn="softsign")


def tanhshrink(input):  # noqa: A002
    r""":math:`x - \tanh(x)`."""
    check_tensor(input, "input", "tanhshrink")
    return input - input.tanh()


def hardshrink(input, lambd=0.5):  # noqa: A002
    r""":math:`x` where :math:`|x| > \lambda`, else 0."""
    check_tensor(input, "input", "hardshrink")
    return elementwise.where(input.abs() > lambd, input, 0.0)


def softshrink(input, lambd=0.5):  # noqa: A002
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below
    :math:`-\lambda`, else 0."""
    check_tensor(input, "input", "softshrink")
    if not lambd >= 0:
        raise RuntimeError(f"softshrink(): lambda must be greater or equal to 0, but found "
                           f"{lambd}")
    return elementwise.where(input > lambd, input - lambd,
                             elementwise.where(input < -lambd, input + lambd, 0.0))


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """``input`` where it exceeds ``threshold``, else ``value``."""
    return _activation(_threshold, input, float(threshold), float(value), inplace=inplace,
                       fn="threshold", inplace_node="ThresholdBackward1")


def prelu(input, weight):  # noqa: A002
    r""":math:`\max(0, x) + a \min(0, x)` with a learnable slope ``a`` per channel
    (dimension 1) or one shared slope."""
    check_tensor(input, "input", "prelu")
    check_tensor(weight, "weight", "prelu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {weight.numel()} and channel size = "
                           f"{channels}.")
    slope = weight.reshape((-1,) + (1,) * (input.ndim - 2)) if input.ndim >= 2 and \
        weight.numel() > 1 else weight.reshape(())
    return elementwise.where(input > 0, input, input * slope)


def glu(input, dim=-1):  # noqa: A002
    r"""Gated linear unit: split ``input`` in halves :math:`a, b` along ``dim``,
    return :math:`a \otimes \sigma(b)`."""
    check_tensor(input, "input", "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {size}")
    a = input.narrow(dim, 0, size // 2)
    b = input.narrow(dim, size // 2, size // 2)
    return a * b.sigmoid()


# ---- softmax family ----------------------------------------------------------------------
def _softmax_dim(name, ndim, stacklevel=3):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax(fn, input, dim, dtype, log):  # noqa: A002
    check_tensor(input, "input", fn)
    if dim is None:
        dim = _softmax_dim(fn, input.ndim, 4)
    ndim = max(input.ndim, 1)
    if not is_int(dim) or not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype, fn))
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"{fn}_lastdim_kernel_impl" not implemented for '
                           f"'{input.dtype.name.capitalize()}'")
    axis = dim % ndim if input.ndim else None

    def forward(xp, x):
        shifted = x - xp.max(x, axis=axis, keepdims=True)  # the log-sum-exp shift
        e = xp.exp(shifted)
        total = xp.sum(e, axis=axis, keepdims=True)
        if log:
            y = shifted - xp.log(total)
            return y, lambda xp, g: (g - xp.exp(y) * xp.sum(g, axis=axis, keepdims=True),)
        y = e / total
        return y, lambda xp, g: (y * (g - xp.sum(g * y, axis=axis, keepdims=True)),)

    return fused(fn, "LogSoftmaxBackward0" if log else "SoftmaxBackward0", (input,), forward)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    r""":math:`\mathrm{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}` along ``dim``, computed
    after subtracting the maximum (no overflow). ``dtype`` casts the input first."""
    return _softmax("softmax", input, dim, dtype, log=False)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    r""":math:`x_i - \log \sum_j e^{x_j}` along ``dim`` (log-sum-exp, stable)."""
    return _softmax("log_softmax", input, dim, dtype, log=True)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    r""":math:`\mathrm{softmax}(-x)` along ``dim``."""
    check_tensor(input, "input", "softmin")
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    return softmax(-input, dim, dtype=dtype)


# ---- in-place forms (PyTorch's ``F.<name>_``) ----------------------------------------------
def elu_(input, alpha=1.0):  # noqa: A002
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


def selu_(input):  # noqa: A002
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):  # noqa: A002
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):  # noqa: A002
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):  # noqa: A002
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):  # noqa: A002
    """In-place :func:`threshold`."""
    return _activation(_threshold, input, float(threshold), float(value), inplace=True,
                       fn="threshold_", inplace_node="ThresholdBackward1")
