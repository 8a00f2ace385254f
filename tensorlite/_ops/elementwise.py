r"""Elementwise operations, each defined once with its derivative.

A :class:`Unary` or :class:`Binary` entry holds the forward (a function of the
backend's array namespace ``xp`` and arrays) and the backward rule (a function
of the output gradient ``g``, the inputs ``x``, ``y`` and the output ``z``),
and names which of ``x``, ``y``, ``z`` the rule reads, so the graph keeps only
those. Rules may return gradients of the broadcast shape and in the compute
dtype: the engine sums and casts them back (``tensorlite.autograd.graph``).

Half types compute in float32 and round once, as PyTorch's CPU kernels do;
integer inputs to float functions give the default float dtype.

>>> import tensorlite as tl
>>> x = tl.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([2., 4.])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _backends, _dtype, _math
from .._backends._common import _ERRSTATE_VAR, _IGNORE
from .._backends._common import quiet_float_errors as _quiet
from .._tensor import (scalar_type_name, Tensor, _as_array, _compute_dtype, _operand, _wrap,
                       common_device)
from ..autograd import grad_mode as _grad_mode
from ..autograd.graph import named, needs_grad, record
from . import inplace

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT_HALF = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def check_broadcast(a, b):
    """PyTorch's error for shapes that do not broadcast (NumPy's is a ValueError)."""
    sa, sb = getattr(a, "shape", ()), getattr(b, "shape", ())
    for i in range(1, min(len(sa), len(sb)) + 1):
        if sa[-i] != sb[-i] and 1 not in (sa[-i], sb[-i]):
            raise RuntimeError(f"The size of tensor a ({sa[-i]}) must match the size of tensor "
                               f"b ({sb[-i]}) at non-singleton dimension {max(len(sa), len(sb)) - i}")


def float_result(d):
    return d if d.is_floating_point or d.is_complex else _dtype.get_default_dtype()


def _bool_result(d):
    return _dtype.bool


def _differentiable(d):
    return d.is_floating_point or d.is_complex


# ---- binary ------------------------------------------------------------------------------
class Binary:
    """An elementwise operation of two operands (tensors or Python scalars)."""

    def __init__(self, name, forward, backward=None, uses="", out_dtype=None, node=None):
        self.name = name
        self.forward = forward
        self.backward = backward
        self.uses = uses
        self.out_dtype = out_dtype  # fn(promoted dtype) -> result dtype; None: promoted
        # PyTorch names the node after the overload: one name, or three for
        # (tensor, tensor), (tensor, scalar) and (scalar, tensor) (``PowBackward1/0/2``)
        node = node or name.title().replace("_", "") + "Backward0"
        self.node = (node,) * 3 if isinstance(node, str) else tuple(node)
        self._call = _binary_call(self)  # also installed as the Tensor method

    def __call__(self, a, b):
        return self._call(a, b)

    def _general(self, a, b):
        if not isinstance(a, Tensor) or not isinstance(b, Tensor):
            if not isinstance(a, _OPERANDS) or not isinstance(b, _OPERANDS):
                if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                    a, b = (_tensor_like(v, a, b) for v in (a, b))
                else:
                    return NotImplemented
        device, dtype = _device_and_dtype(a, b, self.name)
        result_dtype = self.out_dtype(dtype) if self.out_dtype else dtype
        compute = _compute_dtype(result_dtype if self.out_dtype is float_result else dtype)
        backend = _backends.get(device)
        with backend.context(device), _quiet():  # inf/nan as in PyTorch
            x, y = _operand(a, device, compute._np), _operand(b, device, compute._np)
            data = _as_array(backend.xp, self.forward(backend.xp, x, y))
            if data.dtype != result_dtype._np:
                data = backend.astype(data, result_dtype._np)
        out = _wrap(data, device, result_dtype)
        if self.backward is not None and _differentiable(result_dtype) and needs_grad(a, b):
            self._record(backend.xp, a, b, x, y, out)
        return out

    def _record(self, xp, a, b, x, y, out):
        uses, rule = self.uses, self.backward
        sx = x if "x" in uses else None
        sy = y if "y" in uses else None
        sz = out._data if "z" in uses else None
        saved = [t for t, letter in ((a, "x"), (b, "y"), (out, "z"))
                 if letter in uses and isinstance(t, Tensor)]
        need_x, need_y = getattr(a, "requires_grad", False), getattr(b, "requires_grad", False)

        def backward(grads):
            with _quiet():  # inf/nan as in PyTorch, in either rule
                gx, gy = rule(xp, grads[0], sx, sy, sz)
            return gx if need_x else None, gy if need_y else None

        if out._dtype.is_complex:
            backward = conjugated(xp, backward)
        node = self.node[0 if isinstance(a, Tensor) and isinstance(b, Tensor) else
                         1 if isinstance(a, Tensor) else 2]
        record(node, (a, b), out, backward, saved)


def _binary_call(op):
    """``op(a, b)`` as a plain function (so it binds as a Tensor method, no wrapper).

    Its fast path takes two CPU tensors of one native float dtype, or one and a Python
    number. Profiled on 32x64 float32 ``x + y``: the general rules (device equality
    through ``device.__eq__``, ``result_type``, ``_operand``, backend lookups, two
    context managers, three call layers) cost ~6x NumPy's own add; this path reads the
    op's fields from closure cells and sets NumPy's error state directly (a ``with``
    statement's calls were ~0.5 µs of a ~3 µs op)."""
    forward, out_dtype, general = op.forward, op.out_dtype, op._general
    recorded = op.backward is not None

    def call(a, b):
        if isinstance(a, Tensor):
            dtype = a._dtype
            if dtype not in _NATIVE or a._device.type != "cpu":
                return general(a, b)
            if isinstance(b, Tensor):
                if b._dtype is not dtype or a._device is not b._device:
                    return general(a, b)
                x, y = a._data, b._data
                if x.shape != y.shape:
                    check_broadcast(x, y)
            elif type(b) is float or type(b) is int:
                x, y = a._data, b  # made a NumPy scalar below, quietly (it may overflow)
            else:
                return general(a, b)
            device = a._device
        elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) and \
                b._dtype in _NATIVE and b._device.type == "cpu":
            dtype, device = b._dtype, b._device
            x, y = a, b._data
        else:
            return general(a, b)
        if _IGNORE is not None:
            token = _ERRSTATE_VAR.set(_IGNORE)
            try:
                x, y = _arrays(x, y, dtype)
                data = forward(np, x, y)
            finally:
                _ERRSTATE_VAR.reset(token)
        else:
            with _quiet():
                x, y = _arrays(x, y, dtype)
                data = forward(np, x, y)
        result_dtype = out_dtype(dtype) if out_dtype is not None else dtype
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if data.dtype != result_dtype._np:
            data = data.astype(result_dtype._np)
        out = _wrap(data, device, result_dtype)
        if recorded and _grad_mode._mode.enabled and result_dtype.is_floating_point and \
                (getattr(a, "requires_grad", False) or getattr(b, "requires_grad", False)):
            op._record(np, a, b, x, y, out)
        return out

    return call


def _arrays(x, y, dtype):
    """An array and a Python number as NumPy operands of ``dtype`` (a scalar of the
    dtype: as ``_operand`` makes, and faster in NumPy's ufuncs than a Python number)."""
    if type(x) is float or type(x) is int:
        return dtype._np.type(x), y
    if type(y) is float or type(y) is int:
        return x, dtype._np.type(y)
    return x, y


_OPERANDS = (Tensor, numbers.Number, np.generic)
# dtypes that compute as themselves (no half-type widening) on the fast paths
_NATIVE = (_dtype.float32, _dtype.float64)


def _device_and_dtype(a, b, name):
    """The device (PyTorch's mismatch rule) and promoted dtype of two operands; the
    common cases — two tensors alike, or a float tensor and a Python number — skip
    the general rules (this is most of the cost of a small operation)."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._dtype is b._dtype and (a._device is b._device or a._device == b._device):
                if a._data.shape != b._data.shape:
                    check_broadcast(a, b)
                return a._device, a._dtype
        elif a._dtype.is_floating_point and type(b) in (float, int):
            return a._device, a._dtype
    elif b._dtype.is_floating_point and type(a) in (float, int):
        return b._device, b._dtype
    device = common_device((a, b), name)
    check_broadcast(a, b)
    return device, _dtype.result_type(a, b)


def _tensor_like(value, a, b):
    if isinstance(value, np.ndarray):
        from .._creation import tensor

        device = next(t.device for t in (a, b) if isinstance(t, Tensor))
        return tensor(value, device=device)
    return value


def _pow_forward(xp, x, y):
    if np.dtype(getattr(x, "dtype", np.float64)).kind in "iu":
        if bool(xp.any(xp.asarray(y) < 0)):  # synchronizes on cuda: a value check
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return xp.power(x, y)


def _pow_backward(xp, g, x, y, z):
    # d/dx x**y = y x**(y-1) (0 where y == 0); d/dy = z ln x (0 where x == 0 and y >= 0)
    gx = xp.where(y == 0, 0, g * y * xp.power(x, y - 1))
    gy = xp.where((x == 0) & (y >= 0), 0, g * z * xp.log(xp.where(x == 0, 1, x)))
    return gx, gy


def _extreme_backward(xp, g, x, y, z, select):
    # PyTorch's convention: a tie sends half the gradient to each operand
    half = g * 0.5
    gx = xp.where(x == y, half, xp.where(select(x, y), g, 0))
    gy = xp.where(x == y, half, xp.where(select(x, y), 0, g))
    return gx, gy


add = Binary("add", lambda xp, x, y: xp.add(x, y), lambda xp, g, x, y, z: (g, g))
sub = Binary("sub", lambda xp, x, y: xp.subtract(x, y), lambda xp, g, x, y, z: (g, -g),
             node=("SubBackward0", "SubBackward0", "RsubBackward1"))  # 1 - x: rsub
mul = Binary("mul", lambda xp, x, y: xp.multiply(x, y),
             lambda xp, g, x, y, z: (g * y, g * x), uses="xy")
div = Binary("div", lambda xp, x, y: xp.true_divide(x, y),
             lambda xp, g, x, y, z: (g / y, -g * z / y), uses="yz", out_dtype=float_result)
pow_ = Binary("pow", _pow_forward, _pow_backward, uses="xyz",
              node=("PowBackward1", "PowBackward0", "PowBackward2"))
floor_divide = Binary("floor_divide", lambda xp, x, y: xp.floor_divide(x, y),
                      lambda xp, g, x, y, z: (g * 0, g * 0))
remainder = Binary("remainder", lambda xp, x, y: xp.remainder(x, y),
                   lambda xp, g, x, y, z: (g, -g * xp.floor_divide(x, y)), uses="xy",
                   node=("RemainderBackward1", "RemainderBackward0", "RemainderBackward1"))
maximum = Binary("maximum", lambda xp, x, y: xp.maximum(x, y),
                 lambda xp, g, x, y, z: _extreme_backward(xp, g, x, y, z, lambda a, b: a > b),
                 uses="xy")
minimum = Binary("minimum", lambda xp, x, y: xp.minimum(x, y),
                 lambda xp, g, x, y, z: _extreme_backward(xp, g, x, y, z, lambda a, b: a < b),
                 uses="xy")
COMPARISONS = {name: Binary(name, (lambda f: lambda xp, x, y: getattr(xp, f)(x, y))(ufunc),
                            out_dtype=_bool_result)
               for name, ufunc in (("eq", "equal"), ("ne", "not_equal"), ("lt", "less"),
                                   ("le", "less_equal"), ("gt", "greater"),
                                   ("ge", "greater_equal"))}
BITWISE = {name: Binary(name, (lambda f: lambda xp, x, y: getattr(xp, f)(x, y))(name))
           for name in ("bitwise_and", "bitwise_or", "bitwise_xor")}


def _bitwise(name, reverse=False):
    op = BITWISE[name]

    def method(self, other):
        if self._dtype.is_floating_point or isinstance(other, float) or (
                isinstance(other, Tensor) and other._dtype.is_floating_point):
            floating = self._dtype if self._dtype.is_floating_point else (
                other._dtype if isinstance(other, Tensor) else _dtype.float32)
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for "
                                      f"'{scalar_type_name(floating)}' ({name} needs integer "
                                      f"or bool tensors)")
        return op(other, self) if reverse else op(self, other)

    return method


# ---- unary -------------------------------------------------------------------------------
def _unary_call(op):
    """``op(tensor, *params)`` as a plain function (it binds as a Tensor method, no
    wrapper). Its fast path takes a CPU tensor of a native float dtype: no casts, no
    backend or context lookups, the error state set directly (profiled on 32x64
    ``relu``: the general path's overhead was twice NumPy's own time)."""
    forward, out_dtype, general = op.forward, op.out_dtype, op._general
    quiet, recorded, cpu = op.quiet, op.backward is not None, op.cpu
    if cpu is not None:
        return _cpu_call(op, cpu, general, recorded)

    def call(tensor, *params):
        dtype = tensor._dtype
        if dtype not in _NATIVE or tensor._device.type != "cpu":
            return general(tensor, dtype, params)
        x = tensor._data
        if not quiet:
            data = forward(np, x, *params)
        elif _IGNORE is not None:
            token = _ERRSTATE_VAR.set(_IGNORE)
            try:
                data = forward(np, x, *params)
            finally:
                _ERRSTATE_VAR.reset(token)
        else:
            with _quiet():
                data = forward(np, x, *params)
        result_dtype = out_dtype or dtype
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        if data.dtype is not result_dtype._np and data.dtype != result_dtype._np:
            data = data.astype(result_dtype._np)
        out = _wrap(data, tensor._device, result_dtype)
        if recorded and tensor.requires_grad and _grad_mode._mode.enabled and \
                result_dtype.is_floating_point:
            op._record(tensor, out, x, data, params)
        return out

    return call


def _cpu_call(op, cpu, general, recorded):
    """:func:`_unary_call` for an op with a ``cpu`` forward (same dtype out, never warns):
    the fast path is that function, the wrap and the autograd test, nothing else
    (profiled on 32x64 ``relu``: the general fast path's branches, casts and checks were
    ~0.3 us of a ~2.3 us call whose NumPy part is ~0.9)."""

    def call(tensor, *params):
        dtype = tensor._dtype
        if dtype not in _NATIVE or tensor._device.type != "cpu":
            return general(tensor, dtype, params)
        x = tensor._data
        data = cpu(x, *params) if params else cpu(x)
        if type(data) is not np.ndarray:  # NumPy gives 0-d results as scalars
            data = np.asarray(data)
        out = _wrap(data, tensor._device, dtype)
        if recorded and tensor.requires_grad and _grad_mode._mode.enabled:
            op._record(tensor, out, x, data, params)
        return out

    return call


def conjugated(xp, backward):
    """``backward`` -- an engine rule of one output written as the chain rule
    ``g * f'(z)`` -- in PyTorch's convention for a complex result: ``g * conj(f'(z))``
    (the conjugate Wirtinger derivative, which makes ``x.grad`` the direction of steepest
    ascent of a real loss), computed as ``conj(backward(conj(g)))``.

    Every operation that uses it is holomorphic or multilinear (elementwise functions
    with a complex result, products), or, like ``conj``, has a rule already in that form,
    which this leaves unchanged; functions with a real result of a complex input
    (``abs``, ``angle``) write their rules directly.

    >>> import tensorlite as tl
    >>> z = tl.tensor([1 + 2j], requires_grad=True)
    >>> (z * z).real.sum().backward()   # d Re(z**2) = 2 conj(z)
    >>> z.grad.numpy()
    array([2.-4.j], dtype=complex64)
    """
    def rule(grads):
        return tuple(_conj_or_none(xp, g) for g in backward([xp.conj(grads[0])]))
    return rule


def _conj_or_none(xp, grad):
    return None if grad is None else xp.conj(grad)


class Unary:
    """An elementwise function of one tensor. ``float_only`` functions give the default
    float dtype for integer input."""

    def __init__(self, name, forward, backward=None, uses="", float_only=True, node=None,
                 out_dtype=None, quiet=True, real_result=False, cpu=None):
        self.name = name
        # the forward on a NumPy float32/float64 array alone, where one is faster than
        # forward(np, x) (the fast path's; quiet or not, it must not warn)
        self.cpu = cpu
        self.real_result = real_result  # complex input, real result (abs)
        self.forward = forward
        self.backward = backward
        self.uses = uses
        self.float_only = float_only
        self.out_dtype = out_dtype
        self.node = node or name.title().replace("_", "") + "Backward0"
        # False for functions NumPy never warns in (max with 0, sign, rounding, tests):
        # they skip the error-state switch on the fast path
        self.quiet = quiet
        self._call = _unary_call(self)  # also installed as the Tensor method

    def __call__(self, tensor, *params):
        return self._call(tensor, *params)

    def _record(self, tensor, out, x, data, params):
        xp, rule = _backends.get(tensor._device).xp, self.backward
        sx = x if "x" in self.uses else None
        sz = data if "z" in self.uses else None
        saved = [t for t, letter in ((tensor, "x"), (out, "z")) if letter in self.uses]
        def backward(grads):
            return (rule(xp, grads[0], sx, sz, *params),)

        if out._dtype.is_complex:
            backward = conjugated(xp, backward)
        record(self.node, (tensor,), out, backward, saved)

    def _general(self, tensor, dtype, params):
        if self.float_only and not (dtype.is_floating_point or dtype.is_complex):
            dtype = _dtype.get_default_dtype()
        compute = _compute_dtype(dtype)
        backend = tensor._backend
        with backend.context(tensor._device), _quiet():
            x = tensor._data
            if x.dtype != compute._np:
                x = backend.astype(x, compute._np)
            data = _as_array(backend.xp, self.forward(backend.xp, x, *params))
            out_dtype = self.out_dtype or dtype
            if self.real_result:
                out_dtype = out_dtype.to_real()
            if data.dtype != out_dtype._np:
                data = backend.astype(data, out_dtype._np)
        out = _wrap(data, tensor._device, out_dtype)
        if self.backward is not None and tensor.requires_grad and _differentiable(out_dtype) \
                and needs_grad(tensor):
            self._record(tensor, out, x, data, params)
        return out


def _gelu_exact(xp, x):
    return x * (0.5 * (1 + _math.erf(xp, x * x.dtype.type(_SQRT_HALF))))


def _gelu_exact_backward(xp, g, x, z):
    cdf = 0.5 * (1 + _math.erf(xp, x * x.dtype.type(_SQRT_HALF)))
    pdf = xp.exp(-0.5 * x * x) * x.dtype.type(1 / math.sqrt(2 * math.pi))
    return g * (cdf + x * pdf)


def _gelu_tanh(xp, x):
    inner = x.dtype.type(_SQRT_2_OVER_PI) * (x + x.dtype.type(0.044715) * x * x * x)
    return x * (0.5 * (1 + xp.tanh(inner)))


def _gelu_tanh_backward(xp, g, x, z):
    k, c = x.dtype.type(_SQRT_2_OVER_PI), x.dtype.type(0.044715)
    t = xp.tanh(k * (x + c * x * x * x))
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x))


def _sigmoid(xp, x):
    # 1 / (1 + exp(-x)) overflows harmlessly to 0 for very negative x
    return xp.divide(1, 1 + xp.exp(-x), dtype=x.dtype)


def _zero_grad(xp, g, x, z):
    return g * 0


_ZEROS = {}
_ZERO_ARRAYS = {}
_SMALL = 4096  # elements: small NumPy inputs get a cached zero array of their own shape


def _zero(xp, x):
    """A zero for ``xp.maximum(x, zero)``, cached: ``dtype.type(0)`` per call was a third
    of a small ``relu``'s time, and NumPy's scalar-operand path costs ~1 µs more than an
    array of the same shape (measured on 32x64 float32), so small NumPy inputs get a
    cached read-only zero array (at most 64 shapes of at most ``_SMALL`` elements are
    kept). Others get a scalar of the array's dtype (fits CuPy and meta arrays too)."""
    if xp is np and x.size <= _SMALL and x.flags.c_contiguous:  # keeps NumPy's layout choice
        key = (x.shape, x.dtype)
        zero = _ZERO_ARRAYS.get(key)
        if zero is None:
            if len(_ZERO_ARRAYS) >= 64:
                _ZERO_ARRAYS.clear()
            zero = _ZERO_ARRAYS[key] = np.zeros(x.shape, x.dtype)
            zero.flags.writeable = False
        return zero
    zero = _ZEROS.get(x.dtype)
    if zero is None:
        zero = _ZEROS[x.dtype] = x.dtype.type(0)
    return zero


neg = Unary("neg", lambda xp, x: xp.negative(x), lambda xp, g, x, z: -g, float_only=False,
            quiet=False)
abs_ = Unary("abs", lambda xp, x: xp.abs(x), lambda xp, g, x, z: g * xp.sign(x), uses="x",
             float_only=False, quiet=False, real_result=True)  # sign(z) = z / |z| for complex
exp = Unary("exp", lambda xp, x: xp.exp(x), lambda xp, g, x, z: g * z, uses="z")
log = Unary("log", lambda xp, x: xp.log(x), lambda xp, g, x, z: g / x, uses="x")
sqrt = Unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, g, x, z: g / (2 * z), uses="z")
sin = Unary("sin", lambda xp, x: xp.sin(x), lambda xp, g, x, z: g * xp.cos(x), uses="x")
cos = Unary("cos", lambda xp, x: xp.cos(x), lambda xp, g, x, z: -g * xp.sin(x), uses="x")
tanh = Unary("tanh", lambda xp, x: xp.tanh(x), lambda xp, g, x, z: g * (1 - z * z), uses="z")
erf = Unary("erf", _math.erf,
            lambda xp, g, x, z: g * (_TWO_OVER_SQRT_PI * xp.exp(-x * x)), uses="x")
sigmoid = Unary("sigmoid", _sigmoid, lambda xp, g, x, z: g * z * (1 - z), uses="z")
def _relu_cpu(x, _cached=_ZERO_ARRAYS.get, _maximum=np.maximum):
    """``maximum(x, 0)`` on a NumPy array, the zero from :func:`_zero`'s cache looked up
    inline (its names bound as defaults: no global lookups). Profiled on 32x64 ``relu``:
    the call's Python steps were ~1.5x NumPy's own maximum, the zero's two frames and
    lookups ~0.3 us of them."""
    zero = _cached((x.shape, x.dtype))
    if zero is None or not x.flags.c_contiguous:
        zero = _zero(np, x)
    return _maximum(x, zero)


relu = Unary("relu", lambda xp, x: xp.maximum(x, _zero(xp, x)),
             lambda xp, g, x, z: g * (z > 0), uses="z", float_only=False, quiet=False,
             cpu=_relu_cpu)
gelu_exact = Unary("gelu", _gelu_exact, _gelu_exact_backward, uses="x")
gelu_tanh = Unary("gelu", _gelu_tanh, _gelu_tanh_backward, uses="x")
leaky_relu = Unary("leaky_relu", lambda xp, x, s: xp.where(x > 0, x, x * x.dtype.type(s)),
                   lambda xp, g, x, z, s: g * xp.where(x > 0, 1, s).astype(g.dtype), uses="x")
floor = Unary("floor", lambda xp, x: xp.floor(x), _zero_grad, float_only=False, quiet=False)
ceil = Unary("ceil", lambda xp, x: xp.ceil(x), _zero_grad, float_only=False, quiet=False)
round_ = Unary("round", lambda xp, x: xp.round(x), _zero_grad, float_only=False, quiet=False)
invert = Unary("bitwise_not", lambda xp, x: xp.invert(x), float_only=False)
isnan = Unary("isnan", lambda xp, x: xp.isnan(x), float_only=False, out_dtype=_dtype.bool,
              quiet=False)
isfinite = Unary("isfinite", lambda xp, x: xp.isfinite(x), float_only=False,
                 out_dtype=_dtype.bool, quiet=False)
logical_not = Unary("logical_not", lambda xp, x: xp.logical_not(x), float_only=False,
                    out_dtype=_dtype.bool, quiet=False)


def _clamp_forward(xp, x, low, high):
    if low is not None:
        x = xp.maximum(x, x.dtype.type(low))
    if high is not None:
        x = xp.minimum(x, x.dtype.type(high))
    return x


def _clamp_backward(xp, g, x, z, low, high):
    # PyTorch passes the gradient where low <= x <= high (bounds included)
    keep = xp.ones(x.shape, bool)
    if low is not None:
        keep &= x >= low
    if high is not None:
        keep &= x <= high
    return g * keep


# PyTorch's overloads: clamp(Scalar, Scalar) is ClampBackward1, clamp_min/clamp_max(Scalar)
# have their own nodes
_clamp_scalar = Unary("clamp", _clamp_forward, _clamp_backward, uses="x", float_only=False,
                      node="ClampBackward1")
clamp_min_scalar = Unary("clamp_min", lambda xp, x, low: _clamp_forward(xp, x, low, None),
                         lambda xp, g, x, z, low: _clamp_backward(xp, g, x, z, low, None),
                         uses="x")
clamp_max_scalar = Unary("clamp_max", lambda xp, x, high: _clamp_forward(xp, x, None, high),
                         lambda xp, g, x, z, high: _clamp_backward(xp, g, x, z, None, high),
                         uses="x")


def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Limit values to ``[min, max]`` (either may be ``None``; either may be a tensor)."""
    if min is None and max is None:
        raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if None not in (min, max) and not (isinstance(min, Tensor) and isinstance(max, Tensor)):
            raise TypeError(f"clamp(): min and max must both be Tensors or both numbers, got "
                            f"{type(min).__name__} and {type(max).__name__}")
        out = self
        if min is not None:
            out = where(out < min, min, out) if isinstance(min, Tensor) else out.clamp(min)
        if max is not None:
            out = where(out > max, max, out) if isinstance(max, Tensor) else out.clamp(None, max)
        return out
    if self._dtype.is_floating_point or self._dtype.is_complex:
        return _clamp_scalar(self, min, max)
    # integer tensors with float bounds promote, as in PyTorch
    out = self
    if min is not None:
        out = maximum(out, min)
    if max is not None:
        out = minimum(out, max)
    return out


# ---- where ---------------------------------------------------------------------------------
def where(condition, input=None, other=None):  # noqa: A002 - PyTorch's names
    """``input`` where ``condition`` holds, else ``other`` (scalars allowed for both);
    ``where(condition)`` alone is ``condition.nonzero(as_tuple=True)``."""
    if not isinstance(condition, Tensor):
        raise TypeError("where(): argument 'condition' must be a Tensor")
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {scalar_type_name(condition.dtype)}")
    device = common_device((condition, input, other), "where")
    for a, b in ((condition, input), (condition, other), (input, other)):
        check_broadcast(a, b)  # PyTorch's error (NumPy's would be a ValueError)
    dtype = _dtype.result_type(input, other)
    backend = _backends.get(device)
    with backend.context(device):
        cond = _operand(condition, device, np.dtype(np.bool_))
        data = backend.xp.where(cond, _operand(input, device, dtype._np),
                                _operand(other, device, dtype._np))
        data = backend.xp.asarray(data).astype(dtype._np, copy=False)
    out = _wrap(data, device, dtype)
    if _differentiable(dtype) and needs_grad(input, other):
        xp = backend.xp
        record("WhereBackward0", (input, other), out,
               lambda grads: (xp.where(cond, grads[0], 0), xp.where(cond, 0, grads[0])))
    return out


def masked_fill(self, mask, value):
    """``value`` where ``mask`` holds; keeps this tensor's dtype (as PyTorch does)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        if not value.requires_grad:
            value = value.item()
    if isinstance(value, Tensor):
        return named(where(mask, value.to(self._dtype), self), "MaskedFillBackward1")
    return named(where(mask, value, self), "MaskedFillBackward0").to(self._dtype)


# ---- Tensor methods ------------------------------------------------------------------------
def _reflected(op):
    call = op._call
    return lambda self, other: call(other, self)


def _check_not_bool_neg(self):
    if self._dtype is _dtype.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    return neg(self)


def _invert(self):
    if self._dtype.is_floating_point:
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return invert(self)


def _add(self, other, *, alpha=1):
    return add(self, other * alpha if alpha != 1 else other)


def _sub(self, other, *, alpha=1):
    return sub(self, other * alpha if alpha != 1 else other)


def _gelu(self, approximate="none"):
    return (gelu_tanh if approximate == "tanh" else gelu_exact)(self)


METHODS = {
    "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
    "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div,
    "__rtruediv__": _reflected(div), "__floordiv__": floor_divide,
    "__rfloordiv__": _reflected(floor_divide), "__mod__": remainder,
    "__rmod__": _reflected(remainder), "__pow__": pow_, "__rpow__": _reflected(pow_),
    "add": _add, "sub": _sub, "mul": mul, "true_divide": div, "pow": pow_,
    "floor_divide": floor_divide, "remainder": remainder, "maximum": maximum,
    "minimum": minimum, "multiply": mul, "subtract": _sub,
    "__and__": _bitwise("bitwise_and"), "__or__": _bitwise("bitwise_or"),
    "__xor__": _bitwise("bitwise_xor"), "__rand__": _bitwise("bitwise_and", True),
    "__ror__": _bitwise("bitwise_or", True), "__rxor__": _bitwise("bitwise_xor", True),
    "__invert__": _invert, "bitwise_not": _invert,
    "__neg__": _check_not_bool_neg, "neg": _check_not_bool_neg, "negative": _check_not_bool_neg,
    "__pos__": lambda self: self, "__abs__": abs_, "abs": abs_,
    "exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos, "tanh": tanh, "erf": erf,
    "sigmoid": sigmoid, "relu": relu, "floor": floor, "ceil": ceil,
    "isnan": isnan, "isfinite": isfinite, "logical_not": logical_not,
    "clamp": clamp, "clip": clamp, "masked_fill": masked_fill,
    "__eq__": COMPARISONS["eq"], "__ne__": COMPARISONS["ne"], "__lt__": COMPARISONS["lt"],
    "__le__": COMPARISONS["le"], "__gt__": COMPARISONS["gt"], "__ge__": COMPARISONS["ge"],
    **COMPARISONS,
}

# In-place forms: the out-of-place op, then written back (recorded when needed).
INPLACE = {
    "__iadd__": add, "__isub__": sub, "__imul__": mul, "__itruediv__": div,
    "add_": _add, "sub_": _sub, "mul_": mul, "pow_": pow_, "clamp_": clamp,
    "clip_": clamp, "relu_": relu, "neg_": _check_not_bool_neg, "abs_": abs_, "exp_": exp,
    "log_": log, "sqrt_": sqrt, "sin_": sin, "cos_": cos, "tanh_": tanh, "sigmoid_": sigmoid,
    "erf_": erf, "floor_": floor, "ceil_": ceil,
    "masked_fill_": masked_fill, "remainder_": remainder, "floor_divide_": floor_divide,
}


def _reads_self(fn):
    """Whether ``fn``'s derivative reads its first operand's values (an in-place form
    must then keep the old values aside)."""
    return "x" in getattr(fn, "uses", "") or fn is clamp


def _as_method(fn, name):
    """A plain function for ``fn`` (op objects are not descriptors, so would not bind)."""
    if isinstance(fn, (Unary, Binary)):
        return fn._call  # a plain function: binds as a method, no wrapper layer
    return fn


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, _as_method(fn, name))
    for name, fn in INPLACE.items():
        setattr(cls, name, inplace.method(fn, name, _reads_self(fn)))
