r"""Complex tensors and their parts: ``polar``, ``complex``, ``real``, ``imag``,
``angle``, with PyTorch's derivatives.

``polar(abs, angle)`` is :math:`z = r (\cos\theta + i \sin\theta)` and
``complex(real, imag)`` is :math:`z = x + i y`, elementwise with broadcasting; both
take two real tensors of one dtype (float32 gives complex64, float64 complex128).

Gradients follow PyTorch's convention for a real input of a complex output (the
gradient ``g`` arriving at ``z`` is :math:`\partial L/\partial \bar z` up to a factor
2): ``complex`` gives :math:`\Re g` and :math:`\Im g`; ``polar`` gives
:math:`\bar r = \Re(\bar g\,\operatorname{sgn} z)` and
:math:`\bar\theta = \Re(\bar g\, i z)` — PyTorch's ``polar_backward``, so at
:math:`r = 0` the gradient of ``abs`` is 0 and for :math:`r < 0` its sign follows
:math:`\operatorname{sgn} z`, as in PyTorch.

>>> import tensorlite as tl
>>> z = tl.polar(tl.tensor([2.0]), tl.tensor([0.0]))
>>> z.dtype, z.real, z.imag
(tensorlite.complex64, tensor([2.]), tensor([0.]))
>>> tl.view_as_real(tl.complex(tl.tensor([1.0]), tl.tensor([-1.0])))
tensor([[ 1., -1.]])
"""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import scalar_type_name, Tensor, _compute_dtype, _wrap, common_device
from ..autograd.graph import needs_grad, record
from . import elementwise, shaping

_COMPLEX32 = _dtype._NO_COMPLEX32



def _parts(fn, first, second, names):
    """Check two real parts as PyTorch does (same dtype, floating) and return their
    device, backend and complex dtype; raised before anything is computed."""
    for position, (t, name) in enumerate(zip((first, second), names), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be "
                            f"Tensor, not {type(t).__name__}")
    if first.dtype is not second.dtype:
        raise RuntimeError(f"Expected object of scalar type {scalar_type_name(first.dtype)} but "
                           f"got scalar type {scalar_type_name(second.dtype)} for second argument")
    if first.dtype not in (_dtype.float16, _dtype.float32, _dtype.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{scalar_type_name(first.dtype)} and {scalar_type_name(second.dtype)}")
    if first.dtype is _dtype.float16:
        raise NotImplementedError(f"{fn}(): {_COMPLEX32}")
    device = common_device((first, second), fn)
    elementwise.check_broadcast(first, second)
    return device, first._backend, first.dtype.to_complex()


def _assemble(backend, re, im, dtype):
    """A new complex array with real part ``re`` and imaginary part ``im`` (broadcast),
    written part by part: ``re + 1j * im`` would turn ``im = inf`` into a NaN real part."""
    data = backend.xp.empty(np.broadcast_shapes(re.shape, im.shape), dtype._np)
    if backend.has_data:  # meta: shapes only
        data.real, data.imag = re, im
    return data


def polar(abs, angle):  # noqa: A002 - PyTorch's argument name
    """The complex tensor with magnitude ``abs`` and phase ``angle`` (radians):
    ``abs * cos(angle) + 1j * abs * sin(angle)``, broadcast (PyTorch's formula, so
    ``abs = inf`` at ``angle = 0`` has a NaN imaginary part there too)."""
    device, backend, dtype = _parts("polar", abs, angle, ("abs", "angle"))
    with backend.context(device):
        xp, r, theta = backend.xp, abs._data, angle._data
        cos, sin = xp.cos(theta), xp.sin(theta)
        with np.errstate(invalid="ignore"):  # inf * 0 is NaN, silently (as PyTorch)
            out = _wrap(_assemble(backend, r * cos, r * sin, dtype), device, dtype)
    if needs_grad(abs, angle):
        def rule(grads):
            g = grads[0].conj()  # sgn z = sign(r) e^{i angle}, i z = r (-sin + i cos)
            return (g * _assemble(backend, cos, sin, dtype)).real * xp.sign(r), \
                (g * _assemble(backend, -r * sin, r * cos, dtype)).real

        record("PolarBackward0", (abs, angle), out, rule, saved=(abs, angle))
    return out


def complex(real, imag):  # noqa: A001 - PyTorch's name
    """The complex tensor ``real + 1j * imag``, broadcast."""
    device, backend, dtype = _parts("complex", real, imag, ("real", "imag"))
    with backend.context(device):
        out = _wrap(_assemble(backend, real._data, imag._data, dtype), device, dtype)
    if needs_grad(real, imag):
        record("ComplexBackward0", (real, imag), out,
               lambda grads: (grads[0].real, grads[0].imag))
    return out


def real(self):
    """The real part: a view of a complex tensor (``view_as_real(z)[..., 0]``); a real
    tensor itself."""
    return shaping.view_as_real(self).select(-1, 0) if self._dtype.is_complex else self


def imag(self):
    """The imaginary part of a complex tensor, a view (``view_as_real(z)[..., 1]``)."""
    if not self._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return shaping.view_as_real(self).select(-1, 1)


def angle(self):
    """The argument :math:`\\operatorname{atan2}(\\Im z, \\Re z)` of a complex tensor
    (its real dtype); of a real tensor, :math:`\\pi` where negative, else 0 (NaN kept;
    integers give the default float dtype). Gradient: :math:`i g z / |z|^2` (0 at
    :math:`z = 0`) for complex input, 0 for real input, as PyTorch."""
    dtype = self._dtype.to_real() if self._dtype.is_complex else (
        self._dtype if self._dtype.is_floating_point else _dtype.get_default_dtype())
    backend, x = self._backend, self._data
    with backend.context(self._device):
        xp = backend.xp
        if self._dtype.is_complex:
            data = xp.angle(x)
        else:
            x = x.astype(_compute_dtype(dtype)._np, copy=False)
            data = xp.where(x < 0, xp.asarray(np.pi, x.dtype), xp.zeros((), x.dtype))
            data = xp.where(x != x, x, data)  # NaN stays NaN
        data = data.astype(dtype._np, copy=False)
    out = _wrap(data, self._device, dtype)
    if self._dtype.is_complex and needs_grad(self):
        def rule(grads):
            safe = xp.where(x == 0, 1, x)
            return (xp.where(x == 0, 0, grads[0] * 1j * x / (safe * safe.conj()).real),)

        record("AngleBackward0", (self,), out, rule, saved=(self,))
    return out


_conj_physical = elementwise.Unary("conj_physical", lambda xp, x: xp.conj(x),
                                   lambda xp, g, x, z: xp.conj(g), float_only=False)


def conj_physical(self):
    """The complex conjugate, computed (``conj`` is computed too: tensorlite has no lazy
    conjugate or negative bits, so ``is_conj``/``is_neg`` are ``False`` and
    ``resolve_conj``/``resolve_neg`` return the tensor). A real tensor is returned as is."""
    return _conj_physical(self) if self._dtype.is_complex else self


def _same(self):
    return self


def _false(self):
    return False


def _complex_method(name, dtype):
    def method(self, memory_format=None):
        return self.to(dtype)

    method.__name__ = name
    method.__doc__ = f"``self.to({dtype})``."
    return method


def chalf(self, memory_format=None):
    """``self.to(complex32)``: not supported (see :data:`tensorlite.complex32`)."""
    raise NotImplementedError(f"chalf(): {_COMPLEX32}")


FUNCTIONS = {"polar": polar, "complex": complex, "real": real, "imag": imag, "angle": angle,
             "conj_physical": conj_physical, "resolve_conj": _same, "resolve_neg": _same,
             "is_conj": _false, "is_neg": _false}
METHODS = {"angle": angle, "conj_physical": conj_physical, "resolve_conj": _same,
           "resolve_neg": _same, "is_conj": _false, "is_neg": _false, "chalf": chalf,
           "cfloat": _complex_method("cfloat", _dtype.complex64),
           "cdouble": _complex_method("cdouble", _dtype.complex128)}


def install(cls):
    cls.real, cls.imag = property(real), property(imag)
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
