r"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``.

:func:`clip_grad_norm_` computes the :math:`p`-norm of all gradients together,
:math:`\lVert g\rVert_p = \lVert(\lVert g_1\rVert_p, \dots, \lVert g_n\rVert_p)\rVert_p`
(:math:`\max_i |g_i|` for ``inf``), and scales every gradient in place by
:math:`\min(1, \text{max\_norm} / (\lVert g\rVert_p + 10^{-6}))`.

>>> import tensorlite as tl
>>> w = tl.nn.Parameter(tl.zeros(2))
>>> w.grad = tl.tensor([3.0, 4.0])
>>> tl.nn.utils.clip_grad_norm_([w], max_norm=1.0)
tensor(5.)
>>> w.grad
tensor([0.6000, 0.8000])
"""

from __future__ import annotations

import math
import types
import warnings

from ..._creation import tensor
from ..._ops.shape import stack
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _vector_norm(x, p):
    """``torch.linalg.vector_norm(x, p)`` of a tensor's elements, for any real ``p``."""
    if p == math.inf:
        return x.abs().amax()
    if p == -math.inf:
        return x.abs().amin()
    if p == 0:
        return (x != 0).sum().to(x.dtype)
    if p == 1:
        return x.abs().sum()
    if p == 2:
        return (x * x).sum().sqrt()
    return (x.abs() ** p).sum() ** (1.0 / p)


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of ``parameters`` in place so their total ``norm_type``-norm
    is at most ``max_norm``; returns the total norm before clipping (a 0-dim tensor).

    ``error_if_nonfinite=True`` raises ``RuntimeError`` (changing nothing) when the norm
    is ``nan`` or ``inf``. ``foreach`` is accepted; the result is the same either way.
    """
    with no_grad():
        if isinstance(parameters, types.GeneratorType):
            parameters = list(parameters)
            if not parameters:
                warnings.warn("`parameters` is an empty generator, no gradient clipping will "
                              "occur.", stacklevel=2)
        grads = _grads(parameters)
        norm_type = float(norm_type)
        if not grads:
            return tensor(0.0)
        device = grads[0].device
        norms = [_vector_norm(g, norm_type).to(device) for g in grads]
        total = _vector_norm(stack(norms), norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                               "`parameters` is non-finite, so it cannot be clipped. To disable "
                               "this error and scale the gradients by the non-finite norm "
                               "anyway, set `error_if_nonfinite=False`")
        coef = (float(max_norm) / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))
        return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
