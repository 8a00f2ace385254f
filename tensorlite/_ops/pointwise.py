r"""More elementwise functions: the math library PyTorch has beyond the arithmetic core.

Entries use the :class:`~tensorlite._ops.elementwise.Unary` / ``Binary``
tables of :mod:`.elementwise` (forward on arrays, derivative beside it), so
promotion, half-precision compute, devices and gradients work exactly as for
``exp`` or ``mul``. The derivatives are the textbook ones, e.g.
:math:`\frac{d}{dx}\operatorname{atanh} x = 1/(1-x^2)`,
:math:`\frac{d}{dx}\operatorname{erfinv} y = \frac{\sqrt\pi}{2} e^{z^2}`,
:math:`\partial_x \operatorname{atan2}(x, y) = y/(x^2+y^2)`; piecewise
constant functions (``sign``, ``trunc``, ``frac``'s integer part) have a zero
derivative, as in PyTorch.

>>> import tensorlite as tl
>>> x = tl.tensor([0.5], requires_grad=True)
>>> tl.atanh(x).backward()
>>> x.grad
tensor([1.3333])
"""

from __future__ import annotations

import math
import numbers
import numpy as np

from .. import _dtype, _math
from .._tensor import Tensor
from . import elementwise, inplace
from .elementwise import Binary, Unary, float_result

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _zero(xp, g, x, z, *params):
    return g * 0


def _erfc(xp, x):
    small, erfc_abs = _math._erf_parts(xp, x)  # erfc itself: exact in the tail
    big = xp.where(x > 0, erfc_abs, 2 - erfc_abs)
    return xp.where(xp.abs(x) <= 0.46875, 1 - small, big).astype(x.dtype, copy=False)


def _logit(xp, x, eps=None):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    return xp.log(x / (1 - x))


def _logit_backward(xp, g, x, z, eps=None):
    grad = g / (x * (1 - x))
    if eps is not None:  # zero outside [eps, 1 - eps], as PyTorch
        grad = xp.where((x < eps) | (x > 1 - eps), 0, grad)
    return grad


def _nan_to_num(xp, x, nan, posinf, neginf):
    if x.dtype.kind not in "fc":
        return x
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _round(xp, x, decimals=0):
    if x.dtype.kind in "iub" and decimals >= 0:
        return x
    return xp.round(x, decimals)


UNARY = {
    "erfc": Unary("erfc", _erfc,
                  lambda xp, g, x, z: -g * (_TWO_OVER_SQRT_PI * xp.exp(-x * x)), uses="x"),
    "erfinv": Unary("erfinv", _math.erfinv,
                    lambda xp, g, x, z: g * (_SQRT_PI_OVER_2 * xp.exp(z * z)), uses="z"),
    "lgamma": Unary("lgamma", _math.lgamma, lambda xp, g, x, z: g * _math.digamma(xp, x),
                    uses="x"),
    "digamma": Unary("digamma", _math.digamma,
                     lambda xp, g, x, z: g * _math.trigamma(xp, x), uses="x"),
    "sign": Unary("sign", lambda xp, x: xp.sign(x), _zero, float_only=False),
    "sgn": Unary("sgn", lambda xp, x: xp.sign(x), _zero, float_only=False),
    "trunc": Unary("trunc", lambda xp, x: xp.trunc(x) if x.dtype.kind == "f" else x, _zero,
                   float_only=False),
    "frac": Unary("frac", lambda xp, x: x - xp.trunc(x), lambda xp, g, x, z: g),
    "tan": Unary("tan", lambda xp, x: xp.tan(x), lambda xp, g, x, z: g * (1 + z * z), uses="z"),
    "asin": Unary("asin", lambda xp, x: xp.arcsin(x),
                  lambda xp, g, x, z: g / xp.sqrt(1 - x * x), uses="x"),
    "acos": Unary("acos", lambda xp, x: xp.arccos(x),
                  lambda xp, g, x, z: -g / xp.sqrt(1 - x * x), uses="x"),
    "atan": Unary("atan", lambda xp, x: xp.arctan(x),
                  lambda xp, g, x, z: g / (1 + x * x), uses="x"),
    "sinh": Unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, g, x, z: g * xp.cosh(x),
                  uses="x"),
    "cosh": Unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, g, x, z: g * xp.sinh(x),
                  uses="x"),
    "asinh": Unary("asinh", lambda xp, x: xp.arcsinh(x),
                   lambda xp, g, x, z: g / xp.sqrt(x * x + 1), uses="x"),
    "acosh": Unary("acosh", lambda xp, x: xp.arccosh(x),
                   lambda xp, g, x, z: g / xp.sqrt(x * x - 1), uses="x"),
    "atanh": Unary("atanh", lambda xp, x: xp.arctanh(x),
                   lambda xp, g, x, z: g / (1 - x * x), uses="x"),
    "rsqrt": Unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
                   lambda xp, g, x, z: -0.5 * g * z * z * z, uses="z"),
    "square": Unary("square", lambda xp, x: x * x, lambda xp, g, x, z: 2 * g * x, uses="x",
                    float_only=False, node="PowBackward0"),
    "reciprocal": Unary("reciprocal", lambda xp, x: 1 / x, lambda xp, g, x, z: -g * z * z,
                        uses="z"),
    "log2": Unary("log2", lambda xp, x: xp.log2(x), lambda xp, g, x, z: g / (x * _LN2),
                  uses="x"),
    "log10": Unary("log10", lambda xp, x: xp.log10(x), lambda xp, g, x, z: g / (x * _LN10),
                   uses="x"),
    "exp2": Unary("exp2", lambda xp, x: xp.exp2(x), lambda xp, g, x, z: g * z * _LN2,
                  uses="z"),
    "expm1": Unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, g, x, z: g * (z + 1),
                   uses="z"),
    "log1p": Unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, g, x, z: g / (1 + x),
                   uses="x"),
    "deg2rad": Unary("deg2rad", lambda xp, x: xp.deg2rad(x),
                     lambda xp, g, x, z: g * (math.pi / 180)),
    "rad2deg": Unary("rad2deg", lambda xp, x: xp.rad2deg(x),
                     lambda xp, g, x, z: g * (180 / math.pi)),
    "sinc": Unary("sinc", lambda xp, x: xp.sinc(x),
                  lambda xp, g, x, z: g * xp.where(
                      x == 0, 0, (xp.cos(math.pi * x) - z) / xp.where(x == 0, 1, x)),
                  uses="xz"),
    "isinf": Unary("isinf", lambda xp, x: xp.isinf(x), float_only=False,
                   out_dtype=_dtype.bool),
    "isposinf": Unary("isposinf", lambda xp, x: xp.isposinf(x) if x.dtype.kind in "fc"
                      else xp.zeros(x.shape, bool), float_only=False, out_dtype=_dtype.bool),
    "isneginf": Unary("isneginf", lambda xp, x: xp.isneginf(x) if x.dtype.kind in "fc"
                      else xp.zeros(x.shape, bool), float_only=False, out_dtype=_dtype.bool),
    "signbit": Unary("signbit", lambda xp, x: xp.signbit(x), float_only=False,
                     out_dtype=_dtype.bool),
}
_logit_op = Unary("logit", _logit, _logit_backward, uses="x")
_nan_to_num_op = Unary("nan_to_num", _nan_to_num,
                       lambda xp, g, x, z, *a: g * xp.isfinite(x), uses="x", float_only=False)
_round_op = Unary("round", _round, _zero, float_only=False)

BINARY = {
    "atan2": Binary("atan2", lambda xp, x, y: xp.arctan2(x, y),
                    lambda xp, g, x, y, z: (g * y / (x * x + y * y), -g * x / (x * x + y * y)),
                    uses="xy", out_dtype=float_result),
    "hypot": Binary("hypot", lambda xp, x, y: xp.hypot(x, y),
                    lambda xp, g, x, y, z: (g * x / z, g * y / z), uses="xyz"),
    "logaddexp": Binary("logaddexp", lambda xp, x, y: xp.logaddexp(x, y),
                        lambda xp, g, x, y, z: (g * xp.exp(x - z), g * xp.exp(y - z)),
                        uses="xyz"),
    "logaddexp2": Binary("logaddexp2", lambda xp, x, y: xp.logaddexp2(x, y),
                         lambda xp, g, x, y, z: (g * xp.exp2(x - z), g * xp.exp2(y - z)),
                         uses="xyz"),
    "fmod": Binary("fmod", lambda xp, x, y: xp.fmod(x, y),
                   lambda xp, g, x, y, z: (g, -g * xp.trunc(x / y)), uses="xy",
                   node=("FmodBackward1", "FmodBackward0", "FmodBackward1")),
    "copysign": Binary("copysign", lambda xp, x, y: xp.copysign(x, y),
                       lambda xp, g, x, y, z: (xp.where(x == 0, 0, g * z / xp.where(x == 0, 1, x)),
                                               g * 0),
                       uses="xz", out_dtype=float_result,
                       node=("CopysignBackward0", "CopysignBackward1", "CopysignBackward0")),
    "fmax": Binary("fmax", lambda xp, x, y: xp.fmax(x, y),
                   lambda xp, g, x, y, z: (g * ((x >= y) | xp.isnan(y)),
                                           g * ~((x >= y) | xp.isnan(y))), uses="xy"),
    "fmin": Binary("fmin", lambda xp, x, y: xp.fmin(x, y),
                   lambda xp, g, x, y, z: (g * ((x <= y) | xp.isnan(y)),
                                           g * ~((x <= y) | xp.isnan(y))), uses="xy"),
    "xlogy": Binary("xlogy", lambda xp, x, y: xp.where(x == 0, 0, x * xp.log(y)),
                    lambda xp, g, x, y, z: (xp.where(x == 0, 0, g * xp.log(y)), g * x / y),
                    uses="xy", out_dtype=float_result,
                    node=("XlogyBackward0", "XlogyBackward2", "XlogyBackward1")),
    "float_power": Binary("float_power", lambda xp, x, y: xp.power(x, y),
                          lambda xp, g, x, y, z: elementwise._pow_backward(xp, g, x, y, z),
                          uses="xyz", out_dtype=lambda d: _dtype.float64,
                          node=elementwise.pow_.node),  # PyTorch computes it as pow
}
LOGICAL = {name: Binary(name, (lambda f: lambda xp, x, y: getattr(xp, f)(x, y))(name),
                        out_dtype=lambda d: _dtype.bool)
           for name in ("logical_and", "logical_or", "logical_xor")}


def _float_power(self, exponent):
    # PyTorch computes float_power in double precision whatever the inputs
    a = self.double() if isinstance(self, Tensor) else float(self)
    b = exponent.double() if isinstance(exponent, Tensor) else exponent
    return BINARY["float_power"](a, b)


def logit(self, eps=None):
    """:math:`\\log(p / (1 - p))`, with ``p`` clamped to ``[eps, 1 - eps]`` when given."""
    return _logit_op(self, eps)


def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf, -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and
    the dtype's largest and lowest finite values)."""
    return _nan_to_num_op(self, nan, posinf, neginf)


def round(self, *, decimals=0):  # noqa: A001 - PyTorch's name
    """Round half to even, to ``decimals`` places (``x.round(decimals=2)``)."""
    return _round_op(self, decimals)


def div(self, other, *, rounding_mode=None):
    """True division, or ``rounding_mode="trunc"`` / ``"floor"`` (PyTorch's ``div``)."""
    if rounding_mode is None:
        return elementwise.div(self, other)
    if rounding_mode == "floor":
        return elementwise.floor_divide(self, other)
    if rounding_mode == "trunc":
        q = elementwise.div(self, other).trunc()
        dtype = _dtype.result_type(self, other)
        return q if dtype.is_floating_point else q.to(dtype)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                       f"but found '{rounding_mode}'")


def clamp_min(self, min):  # noqa: A002
    if isinstance(min, numbers.Number) and self._dtype.is_floating_point:
        return elementwise.clamp_min_scalar(self, min)
    return self.clamp(min=min)


def clamp_max(self, max):  # noqa: A002
    if isinstance(max, numbers.Number) and self._dtype.is_floating_point:
        return elementwise.clamp_max_scalar(self, max)
    return self.clamp(max=max)


def positive(self):
    if self.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


def ldexp(self, other):
    """``self * 2 ** other``."""
    return self * (2.0 ** other if not isinstance(other, Tensor) else UNARY["exp2"](other))


# other names PyTorch gives the same operations, and small operations of their own
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "fix": "trunc"}
EXTRA = {
    "absolute": elementwise.abs_,
    "greater": elementwise.COMPARISONS["gt"], "greater_equal": elementwise.COMPARISONS["ge"],
    "less": elementwise.COMPARISONS["lt"], "less_equal": elementwise.COMPARISONS["le"],
    "not_equal": elementwise.COMPARISONS["ne"],
    "bitwise_and": elementwise._bitwise("bitwise_and"),
    "bitwise_or": elementwise._bitwise("bitwise_or"),
    "bitwise_xor": elementwise._bitwise("bitwise_xor"),
    "nextafter": Binary("nextafter", lambda xp, x, y: xp.nextafter(x, y)),
    "heaviside": Binary("heaviside", lambda xp, x, y: xp.heaviside(x, y)),
    "isreal": Unary("isreal", lambda xp, x: xp.isreal(x), float_only=False,
                    out_dtype=_dtype.bool),
    "ldexp": ldexp,
    "where": lambda self, condition, other: elementwise.where(condition, self, other),
}

METHODS = {**UNARY, **BINARY, **LOGICAL, **EXTRA, "logit": logit, "nan_to_num": nan_to_num,
           "round": round, "div": div, "divide": div,
           "clamp_min": clamp_min, "clamp_max": clamp_max,
           "positive": positive, "float_power": _float_power}
METHODS.update({alias: METHODS[name] for alias, name in ALIASES.items()})
# (addcmul, addcdiv, lerp and dot live in optim_support, with PyTorch's rounding order)
# the in-place `_` forms, where PyTorch has them
INPLACE = [n for n in METHODS if n not in (
    "isinf", "isposinf", "isneginf", "signbit", "isreal", "positive", "where", "fmax", "fmin",
    "logaddexp", "logaddexp2")]
# in-place forms whose derivative reads the old values (kept aside before the write)
_READS_SELF = (logit, nan_to_num, clamp_min, clamp_max)


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, elementwise._as_method(fn, name))
    for name in INPLACE:
        fn = METHODS[name]
        reads_self = "x" in getattr(fn, "uses", "") or fn in _READS_SELF
        setattr(cls, name + "_", inplace.method(fn, name + "_", reads_self))
