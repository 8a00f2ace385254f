r"""Tensor operations the distributions need that tensorlite does not have yet.

Each is the smallest version that serves ``tl.distributions``: elementwise
functions are :class:`~tensorlite._ops.elementwise.Unary` entries (forward on
the backend's arrays plus a derivative rule), the rest are compositions of
differentiable tensor operations or a forward with its own rule. They belong in
the op families (``_ops/elementwise.py``, ``_ops/reductions.py``,
``_ops/linalg.py``; the array-level ``lgamma``/``digamma`` in ``_math.py``) and
will move there; nothing here is public API.

Special functions, for real ``x`` (the ones NumPy lacks):

* ``lgamma(x) = log |Γ(x)|``: the recurrence :math:`\log Γ(x) = \log Γ(x + n) -
  \log \prod_{k<n} (x + k)` lifts ``x`` to at least 10, where Stirling's series
  to the :math:`x^{-13}` term is accurate to an ulp; negative ``x`` use the
  reflection :math:`Γ(x)Γ(1-x) = π / \sin(π x)`.
* ``digamma(x) = d/dx log Γ(x)``: the same recurrence (subtracting
  :math:`\sum 1/(x+k)`) and the asymptotic series of :math:`ψ`, with
  :math:`ψ(1-x) - ψ(x) = π \cot(π x)` for negative ``x``.

>>> import tensorlite as tl
>>> from tensorlite.distributions import _ops
>>> _ops.lgamma(tl.tensor([0.5, 4.0], dtype=tl.float64))
tensor([0.5724, 1.7918], dtype=tensorlite.float64)
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtype, _math
from .._creation import arange, eye
from .._ops.elementwise import Unary, where
from .._tensor import _wrap
from ..autograd.graph import needs_grad, record

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SHIFT = 10.0  # lift arguments to at least this before the asymptotic series

# Stirling: log Γ(y) ≈ (y - 1/2) log y - y + log(2π)/2 + Σ B_2k / (2k (2k-1) y^(2k-1))
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
# ψ(y) ≈ log y - 1/(2y) - Σ B_2k / (2k y^(2k))
_PSI = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _series(xp, coefficients, step):
    """``Σ_k c_k step**k`` by Horner's rule."""
    total = xp.zeros_like(step)
    for c in reversed(coefficients):
        total = total * step + c
    return total


def _lift(xp, x, accumulate):
    """Shift ``x > 0`` up to ``y >= _SHIFT`` one step at a time; ``accumulate(acc, y)``
    collects what each step removes. Always ten vectorized steps: no value is read
    back (no synchronization on cuda, and meta arrays have no values)."""
    y, acc = x, None
    for _ in range(int(_SHIFT)):
        small = y < _SHIFT
        acc = accumulate(acc, y, small)
        y = xp.where(small, y + 1, y)
    return y, acc


def _centred(xp, x):
    """``x - round(x)``, exact: |sin(πx)| and tan(πx) are periodic, and reducing first
    keeps their relative accuracy next to the poles at the integers."""
    return x - xp.round(x)


def lgamma_array(xp, x):
    """``log |Γ(x)|`` of a float array (see the module docstring)."""
    negative = x < 0.5
    # reflection for x < 1/2: log Γ(x) = log(π / |sin πx|) - log Γ(1 - x)
    z = xp.where(negative, 1 - x, x)
    z = xp.where(xp.isfinite(z), z, 1)  # inf/nan are patched in at the end

    def product(acc, y, small):
        factor = xp.where(small, y, 1)
        return factor if acc is None else acc * factor

    y, prod = _lift(xp, z, product)
    inv = 1 / y
    value = (y - 0.5) * xp.log(y) - y + _HALF_LOG_2PI + inv * _series(xp, _STIRLING, inv * inv)
    if prod is not None:
        value = value - xp.log(prod)
    with np.errstate(divide="ignore", invalid="ignore"):
        reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * _centred(xp, x)))) \
            - value
    pole = negative & (x == xp.floor(x))  # 0, -1, -2, ...: Γ has poles there
    value = xp.where(negative, xp.where(pole, math.inf, reflected), value)
    value = xp.where(xp.isinf(x), math.inf, value)  # Γ grows without bound both ways
    return xp.where(xp.isnan(x), x, value).astype(x.dtype)


def digamma_array(xp, x):
    """``ψ(x)`` of a float array (see the module docstring)."""
    negative = x < 0.5
    z = xp.where(negative, 1 - x, x)
    z = xp.where(xp.isfinite(z), z, 1)

    def harmonic(acc, y, small):
        term = xp.where(small, 1 / y, 0)
        return term if acc is None else acc + term

    y, total = _lift(xp, z, harmonic)
    inv = 1 / y
    inv2 = inv * inv
    value = xp.log(y) - 0.5 * inv - inv2 * _series(xp, _PSI, inv2)
    if total is not None:
        value = value - total
    with np.errstate(divide="ignore", invalid="ignore"):
        reflected = value - math.pi / xp.tan(math.pi * _centred(xp, x))
    # poles at 0, -1, -2, ...: PyTorch gives -inf at 0 and nan at the negative integers
    reflected = xp.where(x == xp.floor(x), xp.where(x == 0, -math.inf, math.nan), reflected)
    value = xp.where(negative, reflected, value)
    value = xp.where(x == math.inf, math.inf, value)
    return xp.where(xp.isnan(x) | (x == -math.inf), math.nan, value).astype(x.dtype)


def _zero(xp, g, x, z):
    return g * 0


log1p = Unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, g, x, z: g / (1 + x), uses="x")
expm1 = Unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, g, x, z: g * (z + 1), uses="z")
tan = Unary("tan", lambda xp, x: xp.tan(x), lambda xp, g, x, z: g * (1 + z * z), uses="z")
atan = Unary("atan", lambda xp, x: xp.arctan(x), lambda xp, g, x, z: g / (1 + x * x),
             uses="x")
sign = Unary("sign", lambda xp, x: xp.sign(x), _zero, float_only=False)
erfinv = Unary("erfinv", _math.erfinv,
               lambda xp, g, x, z: g * (0.5 * math.sqrt(math.pi)) * xp.exp(z * z), uses="z")
digamma = Unary("digamma", digamma_array)  # its derivative (trigamma) is not needed yet
lgamma = Unary("lgamma", lgamma_array, lambda xp, g, x, z: g * digamma_array(xp, x), uses="x")
# softplus(x) = log(1 + e^x), written so that neither branch overflows
softplus = Unary("softplus",
                 lambda xp, x: xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x))),
                 lambda xp, g, x, z: g / (1 + xp.exp(-x)), uses="x")


# ---- reductions (compositions, so they are differentiable through their parts) ----------
def logsumexp(x, dim, keepdim=False):
    """``log Σ exp(x)`` over ``dim``, shifted by the (detached) maximum so nothing
    overflows; a slice of ``-inf`` gives ``-inf``."""
    peak = x.amax(dim, keepdim=True).detach()
    peak = where(peak.isfinite(), peak, 0.0)
    out = (x - peak).exp().sum(dim, keepdim=True).log() + peak
    return out if keepdim else out.squeeze(dim)


def log_softmax(x, dim=-1):
    return x - logsumexp(x, dim, keepdim=True)


def softmax(x, dim=-1):
    return log_softmax(x, dim).exp()


def bce_with_logits(logits, target):
    """``-[t log σ(x) + (1-t) log(1-σ(x))] = softplus(x) - t x`` elementwise."""
    return softplus(logits) - logits * target


def select_last(x, index):
    """``x[..., index]`` per position: ``index`` (integer, shape ``S``) picks one entry of
    ``x``'s last dimension, broadcasting ``S`` against ``x.shape[:-1]``. Written as a mask
    and a sum so its gradient is that of ``where`` (it costs a pass over the last
    dimension, as PyTorch's ``gather`` does for one index)."""
    mask = index.unsqueeze(-1) == arange(x.shape[-1], device=x.device)
    return where(mask, x, 0.0).sum(-1)


def one_hot(index, num_classes, dtype):
    """``index`` (integers) as one-hot vectors of ``num_classes`` in ``dtype``."""
    return (index.unsqueeze(-1) == arange(num_classes, device=index.device)).to(dtype)


# ---- matrices ------------------------------------------------------------------------------
def diagonal(x):
    """The diagonal of the last two dimensions (a view-like gather, differentiable)."""
    idx = arange(x.shape[-1], device=x.device)
    return x[..., idx, idx]


def tril_mask(n, device):
    """``n x n`` bool tensor, true on and below the diagonal."""
    idx = arange(n, device=device)
    return idx.unsqueeze(-1) >= idx


def flip_matrix(x):
    """``x`` with its last two dimensions reversed (``torch.flip(x, (-2, -1))``)."""
    rev = arange(x.shape[-1] - 1, -1, -1, device=x.device)
    return x[..., rev, :][..., rev]


def _matrix_result(a, shape, compute):
    """The forward of a matrix function: ``compute(xp, array)``, or only the shape on
    meta (its NumPy fallback would factor the zero matrix)."""
    backend = a._backend
    if not backend.has_data:
        return _wrap(backend.empty(shape, a.dtype._np, a.device), a.device, a.dtype)
    with backend.context(a.device):
        data = compute(backend.xp, a._data)
    return _wrap(data, a.device, a.dtype)


def cholesky(a):
    r"""Lower Cholesky factor :math:`L` of symmetric positive-definite ``a`` (batched).

    Backward (Murray, 2016): with :math:`\Phi` the lower triangle with the diagonal
    halved, :math:`\bar A = \mathrm{sym}(L^{-\top} \Phi(L^\top \bar L) L^{-1})`.
    """
    out = _matrix_result(a, a.shape, lambda xp, x: xp.linalg.cholesky(x))
    if needs_grad(a):
        xp, low = a._backend.xp, out._data

        def backward(grads):
            g = xp.tril(grads[0])
            phi = xp.tril(xp.swapaxes(low, -1, -2) @ g)
            phi = phi - 0.5 * xp.eye(phi.shape[-1], dtype=phi.dtype) * phi
            inv = xp.linalg.inv(low)
            ga = xp.swapaxes(inv, -1, -2) @ phi @ inv
            return (0.5 * (ga + xp.swapaxes(ga, -1, -2)),)

        record("LinalgCholeskyExBackward0", (a,), out, backward, saved=(out,))
    return out


def solve_lower(a, b):
    r"""``X`` with ``a @ X = b`` for lower-triangular ``a`` (batched, broadcasting).

    Backward: :math:`\bar B = A^{-\top} \bar X`, :math:`\bar A = -\mathrm{tril}(\bar B X^\top)`.
    """
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + tuple(b.shape[-2:])
    if a.dtype is not b.dtype:
        raise RuntimeError(f"solve_triangular: expected a and b to have the same dtype, "
                           f"got {a.dtype} and {b.dtype}")
    backend = a._backend
    if backend.has_data:
        xp = backend.xp
        with backend.context(a.device):
            data = xp.linalg.solve(xp.broadcast_to(a._data, shape[:-2] + a.shape[-2:]),
                                   xp.broadcast_to(b._data, shape))
        out = _wrap(data, a.device, a.dtype)
    else:
        out = _wrap(backend.empty(shape, a.dtype._np, a.device), a.device, a.dtype)
    if needs_grad(a, b):
        xp, sa, sx = backend.xp, a._data, out._data

        def backward(grads):
            gb = xp.linalg.solve(xp.broadcast_to(xp.swapaxes(sa, -1, -2),
                                                 shape[:-2] + sa.shape[-2:]), grads[0])
            return -xp.tril(gb @ xp.swapaxes(sx, -1, -2)), gb

        record("LinalgSolveTriangularBackward0", (a, b), out, backward, saved=(a, out))
    return out


def cholesky_inverse(low):
    """``(L Lᵀ)⁻¹`` from the lower factor ``L``."""
    inv = solve_lower(low, eye(low.shape[-1], dtype=low.dtype, device=low.device)
                      .expand(low.shape))
    return inv.mT @ inv


def finfo(dtype):
    """NumPy's ``finfo`` of a tensorlite float dtype (ml_dtypes' for bfloat16)."""
    if dtype is _dtype.bfloat16:
        import ml_dtypes

        return ml_dtypes.finfo(dtype._np)
    return np.finfo(dtype._np)


__all__ = ["lgamma", "digamma", "log1p", "expm1", "tan", "atan", "sign", "erfinv", "softplus",
           "logsumexp", "log_softmax", "softmax", "bce_with_logits", "select_last", "one_hot",
           "diagonal", "tril_mask", "flip_matrix", "cholesky", "solve_lower",
           "cholesky_inverse", "finfo"]
