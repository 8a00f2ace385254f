r"""Elementwise special functions NumPy lacks: ``erf``, ``erfinv``, ``lgamma``,
``digamma`` and ``trigamma``.

Both take the array namespace ``xp`` (``numpy`` or ``cupy``) first and use only
``xp`` functions, so one definition serves every device. They compute in the
precision of their input (float32 or float64); callers hand half types over as
float32, as PyTorch's CPU kernels do.

``erf`` is W. J. Cody's rational Chebyshev approximation (Math. Comp. 23,
1969, the ``CALERF`` routine of SPECFUN), accurate to a few ulp in float64 over
the whole real line. ``erfinv`` starts from M. Giles' single-precision
approximation ("Approximating the erfinv function", GPU Computing Gems, 2010;
about 4e-7 relative error) and, for float64, polishes it with Newton steps on
``erf(x) - y`` until it is accurate to a few ulp.

For real ``x``: ``lgamma(x) = log |Γ(x)|`` lifts ``x`` to at least 10 with the
recurrence :math:`\log Γ(x) = \log Γ(x + n) - \log \prod_{k<n} (x + k)`, where
Stirling's series to the :math:`x^{-13}` term is accurate to an ulp; negative ``x``
use the reflection :math:`Γ(x)Γ(1-x) = π / \sin(π x)`. ``digamma(x) = ψ(x)`` uses the
same recurrence (subtracting :math:`\sum 1/(x+k)`), the asymptotic series of
:math:`ψ`, and :math:`ψ(1-x) - ψ(x) = π \cot(π x)` for negative ``x``.

>>> import numpy as np
>>> from tensorlite._math import erf, erfinv
>>> float(erf(np, np.float64(0.5)))
0.5204998778130465
>>> float(erfinv(np, erf(np, np.float64(0.5))))
0.5
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["erf", "erfinv", "lgamma", "digamma", "trigamma"]

_SQRT_PI_INV = 5.6418958354775628695e-1  # 1 / sqrt(pi)
_TWO_OVER_SQRT_PI = 1.1283791670955126  # d/dx erf(x) = 2/sqrt(pi) exp(-x^2)

# Cody's coefficients: A/B give erf on |x| <= 0.46875, C/D give
# erfc(x) exp(x^2) on (0.46875, 4], P/Q give x erfc(x) exp(x^2) beyond 4.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)

# Beyond this |x|, erfc(x) underflows in float64 and erf(x) is exactly +-1.
_ERFC_ZERO = 27.0


def _scaled_exp(xp, y, r):
    """``exp(-y*y) * r`` without the cancellation of forming ``y*y`` directly.

    Cody splits ``y = s + d`` with ``s`` a multiple of 1/16 (exact ``s*s``), so
    ``exp(-y*y) = exp(-s*s) * exp(-(y - s)(y + s))`` keeps full precision.
    """
    s = xp.trunc(y * 16) / 16
    return xp.exp(-s * s) * xp.exp(-(y - s) * (y + s)) * r


def _erf_parts(xp, x):
    """``(erf(x) for |x| <= 0.46875, erfc(|x|) for |x| > 0.46875)``, elementwise.

    Each of Cody's three intervals is evaluated on inputs clipped into that
    interval (so no branch divides by zero or overflows); callers select per
    element. Returning ``erfc`` itself, not ``1 - erf``, keeps the tail exact
    for :func:`erfinv`'s Newton steps.
    """
    y = xp.abs(x)
    # |x| <= 0.46875: erf(x) = x P(x^2) / Q(x^2)
    y1 = xp.minimum(y, 0.46875)
    t = y1 * y1
    num, den = _A[4] * t, t
    for a, b in zip(_A[:3], _B[:3]):
        num, den = (num + a) * t, (den + b) * t
    small = x * (num + _A[3]) / (den + _B[3])
    # 0.46875 < |x| <= 4: erfc(|x|) = exp(-x^2) P(|x|) / Q(|x|)
    y2 = xp.clip(y, 0.46875, 4.0)
    num, den = _C[8] * y2, y2
    for c, d in zip(_C[:7], _D[:7]):
        num, den = (num + c) * y2, (den + d) * y2
    mid = _scaled_exp(xp, y2, (num + _C[7]) / (den + _D[7]))
    # |x| > 4: erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - P(1/x^2) / (x^2 Q(1/x^2)))
    y3 = xp.clip(y, 4.0, _ERFC_ZERO)
    t = 1 / (y3 * y3)
    num, den = _P[5] * t, t
    for p, q in zip(_P[:4], _Q[:4]):
        num, den = (num + p) * t, (den + q) * t
    tail = _scaled_exp(xp, y3, (_SQRT_PI_INV - t * (num + _P[4]) / (den + _Q[4])) / y3)
    return small, xp.where(y <= 4.0, mid, tail)


def erf(xp, x):
    """The error function, elementwise: :math:`\\frac{2}{\\sqrt\\pi}\\int_0^x e^{-t^2}dt`.

    ``erf(+-inf) = +-1``; NaN stays NaN.
    """
    small, erfc = _erf_parts(xp, x)
    large = xp.copysign(1 - erfc, x)
    return xp.where(xp.abs(x) <= 0.46875, small, large).astype(x.dtype, copy=False)


def _erfinv_giles(xp, y):
    """Giles' single-precision erfinv: two polynomials in ``w = -ln(1 - y^2)``."""
    w = -xp.log((1 - y) * (1 + y))
    central = w < 5
    wc = xp.where(central, w, 5.0) - 2.5
    p = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
        p = c + p * wc
    wt = xp.sqrt(xp.where(central, 5.0, w)) - 3
    q = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
              -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
        q = c + q * wt
    return xp.where(central, p, q) * y


_CHUNK = 1 << 16


def erfinv(xp, y):
    """The inverse error function, elementwise, for ``y`` in ``[-1, 1]``.

    Large inputs are done in slices of ``_CHUNK`` elements: the ~30 temporaries of
    the polynomials then come from the allocator's cache instead of fresh pages
    (first-touch page faults made whole-array passes ~5x slower).

    ``erfinv(+-1) = +-inf``; outside ``[-1, 1]`` (and for NaN) the result is NaN,
    as in PyTorch. float32 uses Giles' approximation as is (a couple of ulp).
    float64 polishes it with four Newton steps: on ``erf(x) - y`` where
    ``|y| <= 0.5``, and on ``ln erfc(|x|) - ln(1 - |y|)`` beyond, because in
    the tail ``erf`` is so flat that plain Newton crawls, while ``ln erfc`` is
    nearly a parabola (and ``1 - |y|`` is exact there, by Sterbenz' lemma).
    Each step roughly squares the relative error; Giles is weakest at the
    float64 extreme (1 - |y| = 2**-53), where three steps leave 4e-10 and four
    reach the ulp.
    """
    if y.size > _CHUNK:
        flat = y.reshape(-1)
        out = xp.empty_like(flat)
        for a in range(0, flat.size, _CHUNK):
            out[a:a + _CHUNK] = _erfinv(xp, flat[a:a + _CHUNK])
        return out.reshape(y.shape)
    return _erfinv(xp, y)


def _erfinv(xp, y):
    dtype = y.dtype
    inside = xp.abs(y) < 1
    # Evaluate on a safe copy: the endpoints and invalid values are patched below.
    ys = xp.where(inside, y, 0).astype(dtype, copy=False)
    x = _erfinv_giles(xp, ys).astype(dtype, copy=False)
    if dtype.itemsize >= 8:
        central = xp.abs(ys) <= 0.5
        log_z = xp.log(1 - xp.abs(ys))
        for _ in range(4):
            a = xp.abs(x)
            small, erfc = _erf_parts(xp, x)
            erf_x = xp.where(a <= 0.46875, small, xp.copysign(1 - erfc, x))
            slope = _scaled_exp(xp, a, _TWO_OVER_SQRT_PI)  # erf'(x) = 2/sqrt(pi) exp(-x^2)
            step_central = (erf_x - ys) / slope
            # Newton on a = |x|: a -= h / h' with h = ln erfc(a) - ln(1 - |y|)
            # and h' = -slope / erfc(a); x moves by the same amount, signed like y.
            step_tail = xp.sign(ys) * (xp.log(erfc) - log_z) * erfc / slope
            x = x - xp.where(central, step_central, -step_tail)
    edge = xp.copysign(xp.asarray(math.inf, dtype=dtype), y)
    x = xp.where(inside, x, xp.where(xp.abs(y) == 1, edge, math.nan))
    return x.astype(dtype, copy=False)


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


def lgamma(xp, x):
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


def digamma(xp, x):
    """``ψ(x) = d/dx log Γ(x)`` of a float array (see the module docstring)."""
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


# ψ'(y) ≈ 1/y + 1/(2y²) + Σ B_2k / y^(2k+1)
_PSI1 = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def trigamma(xp, x):
    r"""``ψ'(x)``, the derivative of :func:`digamma`: the same recurrence (adding
    :math:`\sum 1/(x+k)^2`) and asymptotic series, with
    :math:`ψ'(1-x) + ψ'(x) = π^2 / \sin^2(π x)` for negative ``x``; ``inf`` at the poles."""
    negative = x < 0.5
    z = xp.where(negative, 1 - x, x)
    z = xp.where(xp.isfinite(z), z, 1)

    def squares(acc, y, small):
        term = xp.where(small, 1 / (y * y), 0)
        return term if acc is None else acc + term

    y, total = _lift(xp, z, squares)
    inv = 1 / y
    inv2 = inv * inv
    value = inv + 0.5 * inv2 + inv * inv2 * _series(xp, _PSI1, inv2)
    if total is not None:
        value = value + total
    with np.errstate(divide="ignore", invalid="ignore"):
        reflected = (math.pi / xp.sin(math.pi * _centred(xp, x))) ** 2 - value
    reflected = xp.where(x == xp.floor(x), math.inf, reflected)
    value = xp.where(negative, reflected, value)
    value = xp.where(x == math.inf, 0, value)
    return xp.where(xp.isnan(x) | (x == -math.inf), math.nan, value).astype(x.dtype)
