r"""Helpers shared by the distributions (PyTorch's ``torch.distributions.utils``).

* :func:`broadcast_all` turns parameters (tensors and Python numbers) into
  tensors of one broadcast shape; numbers take the first tensor's dtype and
  device, or the default dtype when there is no tensor.
* :func:`probs_to_logits` / :func:`logits_to_probs`: for a binary variable the
  logit is the log-odds :math:`\log p - \log(1-p)`; for a categorical one the
  logits are log-probabilities up to a constant, and ``probs`` is their softmax.
  Probabilities are first clamped to :math:`[\epsilon, 1-\epsilon]`
  (:func:`clamp_probs`), so logits stay finite.
* :class:`lazy_property` computes a derived parameter (``probs`` from ``logits``
  or back) on first use and caches it on the instance.

>>> import tensorlite as tl
>>> from tensorlite.distributions.utils import broadcast_all
>>> loc, scale = broadcast_all(tl.zeros(3), 2.0)
>>> scale
tensor([2., 2., 2.])
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .. import _dtype
from .._creation import tensor
from .._tensor import Size, Tensor
from .._typeinfo import finfo
from ..autograd.grad_mode import enable_grad
from ..nn import functional as F

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits",
           "lazy_property", "euler_constant"]

euler_constant = 0.57721566490153286060  # the Euler–Mascheroni constant γ


def is_number(value):
    return isinstance(value, (numbers.Number, np.number)) and not isinstance(value, Tensor)


def broadcast_all(*values):
    """``values`` (tensors or numbers) as tensors expanded to their common shape."""
    if not all(isinstance(v, Tensor) or is_number(v) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    if first is None:
        options = {"dtype": _dtype.get_default_dtype()}
    else:
        options = {"dtype": first.dtype, "device": first.device}
    tensors = [v if isinstance(v, Tensor) else tensor(v, **options) for v in values]
    shape = Size(np.broadcast_shapes(*(tuple(t.shape) for t in tensors)))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def clamp_probs(probs):
    """``probs`` clamped to ``[eps, 1 - eps]`` (``eps`` of its dtype)."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Log-odds (``is_binary``) or log-probabilities of clamped ``probs``."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


def logits_to_probs(logits, is_binary=False):
    """``sigmoid(logits)`` (``is_binary``) or ``softmax(logits, -1)``."""
    if is_binary:
        return logits.sigmoid()
    return F.softmax(logits, -1)


def sum_rightmost(value, dim):
    """``value`` summed over its ``dim`` rightmost dimensions."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


class lazy_property:  # PyTorch's name
    """A property computed on first access, then stored on the instance (so the next
    access is a plain attribute). Computed with gradients enabled, as PyTorch does, so a
    cached ``probs`` stays connected to ``logits`` even if first read under no_grad."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
