r"""Losses: ``cross_entropy`` and ``nll_loss`` (one fused routine), ``mse_loss``,
``l1_loss``, ``smooth_l1_loss``, ``huber_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits`` and ``kl_div``; ``reduction`` is ``"mean"``,
``"sum"`` or ``"none"``.

Classification losses are written through one coefficient matrix :math:`A` (rows:
samples, columns: classes): per sample :math:`\ell_i = -\sum_c A_{ic} \log p_{ic}`,
where :math:`A` holds ``weight[target]`` at the target (times :math:`1 - \varepsilon`)
plus :math:`\varepsilon\, w_c / C` everywhere (label smoothing), or the weighted target
probabilities; ignored samples have zero rows. The fused derivative of cross-entropy
with respect to the logits is then :math:`g_i\,(\mathrm{softmax}(x_i) \sum_c A_{ic} -
A_i)`. The mean divides by :math:`\sum_i w_{t_i}` over the non-ignored samples for
class indices (PyTorch's convention) and by the number of samples for probabilities.

>>> import tensorlite as tl
>>> F = tl.nn.functional
>>> round(F.cross_entropy(tl.zeros(2, 4), tl.tensor([0, 3])).item(), 4)  # log 4
1.3863
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ... import _dtype
from ..._creation import ones_like
from ..._ops import elementwise
from ..._tensor import Tensor
from ._utils import check_tensor, fused

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "soft_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "cosine_embedding_loss", "poisson_nll_loss", "gaussian_nll_loss",
           "triplet_margin_loss", "multilabel_soft_margin_loss"]


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` pair, mapped to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='{}' instead.".format(
                      "none" if reduce is False else ("sum" if size_average is False
                                                      else "mean")))
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(reduction, extra=()):
    if reduction not in ("mean", "sum", "none") + tuple(extra):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


# ---- classification ------------------------------------------------------------------------
def _classification(fn, node, input, target, weight, ignore_index, reduction,  # noqa: A002
                    smoothing, from_logits):
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    _check_reduction(reduction)
    if input.ndim == 0:
        raise IndexError("Dimension specified as 1 but tensor has no dimensions" if from_logits
                         else "input tensor should be 1D or 2D")
    if not 0.0 <= smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {smoothing}")
    c = input.shape[0] if input.ndim == 1 else input.shape[1]
    batch = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    probabilities = target.dtype.is_floating_point
    if probabilities:
        if not from_logits:
            raise RuntimeError(f"expected scalar type Long but found {target.dtype.name}")
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected floating point type target to have the same shape "
                               f"as input {list(input.shape)}, but got {list(target.shape)}")
        if target.dtype is not input.dtype:
            raise RuntimeError(f"expected scalar type {input.dtype.name} but found "
                               f"{target.dtype.name}")
    else:
        if target.dtype not in (_dtype.int64, _dtype.int32, _dtype.uint8, _dtype.int16,
                                _dtype.int8):
            raise RuntimeError(f"expected scalar type Long but found {target.dtype.name}")
        if tuple(target.shape) != batch:
            if input.ndim >= 2 and (target.ndim == 0 or target.shape[0] != input.shape[0]):
                raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match "
                                 f"target batch_size "
                                 f"({target.shape[0] if target.ndim else 0}).")
            raise RuntimeError(f"{fn}(): expected target of size {list(batch)}, got "
                               f"{list(target.shape)}")
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    backend = input._backend
    if not probabilities and backend.has_data and target.numel():
        t = target._data
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bool(bad.any()):  # a value check (synchronizes on cuda)
            raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    m = int(np.prod(batch)) if batch else 1

    def unflatten(a2):
        """``(m, c)`` rows back to ``input``'s layout (classes on dim 1)."""
        return a2.reshape(c) if input.ndim == 1 else a2.reshape(batch + (c,)).transpose(
            (0, input.ndim - 1) + tuple(range(1, input.ndim - 1)))

    def forward(xp, x, w, p):
        x2 = x[None] if input.ndim == 1 else xp.moveaxis(x, 1, -1).reshape(m, c)
        wrow = xp.ones(c, x.dtype) if w is None else w
        if probabilities:
            q = p[None] if input.ndim == 1 else xp.moveaxis(p, 1, -1).reshape(m, c)
            coef = (q * (1 - smoothing) + smoothing / c) * wrow
            denom, valid = m, None
        else:
            t = target._data.reshape(m).astype(np.int64)
            valid = t != ignore_index
            safe = xp.where(valid, t, 0)
            wt = wrow[safe] * valid
            coef = xp.zeros((m, c), x.dtype)
            backend.assign(coef, (xp.arange(m), safe), wt * (1 - smoothing))
            if smoothing:
                coef = coef + (smoothing / c) * wrow[None, :] * valid[:, None]
            denom = wt.sum()
        if from_logits:
            shifted = x2 - x2.max(axis=1, keepdims=True)
            total = xp.exp(shifted).sum(axis=1, keepdims=True)
            logp = shifted - xp.log(total)
        else:
            logp = x2
        per = -(coef * logp).sum(axis=1)
        scale = 1 / denom if reduction == "mean" else 1
        out = per.reshape(batch) if reduction == "none" else per.sum() * scale

        def rule(xp, g):
            gper = (g.reshape(m) if reduction == "none" else xp.broadcast_to(g * scale, (m,)))
            if valid is not None:  # ignored rows get exactly 0, even where the mean is 0/0
                gper = xp.where(valid, gper, 0)
            if from_logits:
                gx2 = gper[:, None] * (xp.exp(logp) * coef.sum(axis=1, keepdims=True) - coef)
            else:
                gx2 = -gper[:, None] * coef
            gx = unflatten(gx2)
            # probability targets: d per_i / d q_ic = -(1 - eps) w_c log p_ic
            gq = unflatten(-gper[:, None] * (1 - smoothing) * wrow * logp) if probabilities \
                else None
            return gx, None, gq

        return xp.asarray(out), rule

    return fused(fn, node, (input, weight, target if probabilities else None), forward)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    r"""Cross-entropy between the logits ``input`` (``(C,)``, ``(N, C)`` or ``(N, C, d1,
    ...)``) and ``target``: class indices (``(N, d1, ...)``, with ``ignore_index``) or
    class probabilities (``input``'s shape). Log-softmax, smoothing and the weighted
    negative log-likelihood are fused (see the module docstring).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _classification("cross_entropy", "CrossEntropyLossBackward0", input, target, weight,
                           ignore_index, reduction, float(label_smoothing), True)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    r"""Negative log-likelihood of log-probabilities ``input``: :math:`\ell_i = -w_{t_i}
    x_{i, t_i}`; the mean divides by :math:`\sum_i w_{t_i}` over non-ignored samples."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _classification("nll_loss", "NllLossBackward0", input, target, weight, ignore_index,
                           reduction, 0.0, False)


# ---- regression ------------------------------------------------------------------------------
def _pair_check(fn, input, target):  # noqa: A002
    check_tensor(input, "input", fn)
    check_tensor(target, "target", fn)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _check_weight(input, weight):  # noqa: A002
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")


def _reduce_weighted(loss, weight, reduction, by_weight):
    """``loss * weight`` reduced; the weighted mean divides by ``sum(weight)`` where
    ``by_weight`` (``mse_loss``, ``l1_loss``), else by the element count (``huber_loss``),
    as PyTorch does."""
    if weight is None:
        return _reduce(loss, reduction)
    loss = loss * weight
    if reduction == "mean" and by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
             weight=None):
    r""":math:`w (x - y)^2`, reduced (the weighted mean divides by :math:`\sum w`)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _pair_check("mse_loss", input, target)
    _check_weight(input, weight)
    diff = input - target
    return _reduce_weighted(diff * diff, weight, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
            weight=None):
    r""":math:`w |x - y|`, reduced (the weighted mean divides by :math:`\sum w`)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _pair_check("l1_loss", input, target)
    _check_weight(input, weight)
    return _reduce_weighted((input - target).abs(), weight, reduction, True)


def _huber(diff, delta, scale):
    """:math:`0.5 d^2 / \\text{scale}` inside ``|d| < delta``, else linear beyond."""
    absd = diff.abs()
    if delta == 0:
        return absd
    return elementwise.where(absd < delta, diff * diff * (0.5 / scale),
                             (absd - 0.5 * delta) * (delta / scale))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
                   beta=1.0):
    r""":math:`0.5 d^2 / \beta` for :math:`|d| < \beta`, else :math:`|d| - 0.5\beta`."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _pair_check("smooth_l1_loss", input, target)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return _reduce(_huber(input - target, beta, beta if beta else 1.0), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    r""":math:`0.5 d^2` for :math:`|d| < \delta`, else :math:`\delta(|d| - 0.5\delta)`."""
    _check_reduction(reduction)
    _pair_check("huber_loss", input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_weight(input, weight)
    return _reduce_weighted(_huber(input - target, delta, 1.0), weight, reduction, False)


# ---- binary ----------------------------------------------------------------------------------
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    r""":math:`-w\,(y \log x + (1 - y) \log(1 - x))` with each log clamped at -100, as
    PyTorch; ``input`` holds probabilities in [0, 1]."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    check_tensor(input, "input", "binary_cross_entropy")
    check_tensor(target, "target", "binary_cross_entropy")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    if input._backend.has_data and input.numel():
        x = input._data
        if bool(((x < 0) | (x > 1)).any()):  # a value check (synchronizes on cuda)
            raise RuntimeError("all elements of input should be between 0 and 1")
    loss = -(target * input.log().clamp(min=-100) + (1 - target) * (1 - input).log().clamp(
        min=-100))
    return _reduce(loss * weight if weight is not None else loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    r""":math:`-w\,(p\,y \log\sigma(x) + (1 - y)\log(1 - \sigma(x)))`, computed stably as
    :math:`(1 - y)\,x + (1 + (p - 1) y)\,\mathrm{softplus}(-x)`; ``pos_weight`` :math:`p`
    weighs the positives (broadcast over the last dim: one per class)."""
    from .activation import softplus

    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    check_tensor(input, "input", "binary_cross_entropy_with_logits")
    check_tensor(target, "target", "binary_cross_entropy_with_logits")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    neg_part = softplus(-input)
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * neg_part
    else:
        loss = (1 - target) * input + neg_part
    return _reduce(loss * weight if weight is not None else loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    r"""Pointwise :math:`y (\log y - x)` (``input`` holds log-probabilities; ``0`` where
    :math:`y = 0`), or :math:`e^{y}(y - x)` with ``log_target``. ``"batchmean"`` divides
    the sum by the batch size (the KL divergence's definition)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, ("batchmean",))
    check_tensor(input, "input", "kl_div")
    check_tensor(target, "target", "kl_div")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = elementwise.where(target > 0, target * target.log(), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


# ---- margin, ranking and likelihood losses (composites: autograd gives their derivatives) --
def _prepare(fn, size_average, reduce, reduction, **tensors):
    """The reduction (legacy pair mapped, then checked); every named tensor checked."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    for name, t in tensors.items():
        check_tensor(t, name, fn)
    return reduction


def soft_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                     reduction="mean"):
    r""":math:`\log(1 + e^{-y x})` for targets :math:`y \in \{-1, 1\}`, reduced."""
    from .activation import softplus

    reduction = _prepare("soft_margin_loss", size_average, reduce, reduction, input=input,
                         target=target)
    return _reduce(softplus(-target * input), reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    r""":math:`\max(0, -y (x_1 - x_2) + \text{margin})`: ``y = 1`` asks
    :math:`x_1 > x_2`, ``y = -1`` the reverse."""
    reduction = _prepare("margin_ranking_loss", size_average, reduce, reduction,
                         input1=input1, input2=input2, target=target)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {input1.shape}, input2: "
                           f"{input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    r""":math:`x` where ``y = 1``, :math:`\max(0, \text{margin} - x)` where ``y = -1``
    (both terms where ``y`` is neither, as PyTorch)."""
    reduction = _prepare("hinge_embedding_loss", size_average, reduce, reduction, input=input,
                         target=target)
    loss = (elementwise.where(target != 1, (margin - input).clamp(min=0), 0.0)
            + elementwise.where(target != -1, input, 0.0))
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    r""":math:`1 - \cos(x_1, x_2)` where ``y = 1``, :math:`\max(0, \cos(x_1, x_2) -
    \text{margin})` where ``y = -1``; the cosine over the feature dim with
    :math:`10^{-12}` added to each squared norm (PyTorch's)."""
    reduction = _prepare("cosine_embedding_loss", size_average, reduce, reduction,
                         input1=input1, input2=input2, target=target)
    if input1.ndim not in (1, 2) or tuple(input1.shape) != tuple(input2.shape) or \
            target.ndim != input1.ndim - 1:
        raise RuntimeError(f"cosine_embedding_loss(): expected inputs of the same shape, 1D "
                           f"or 2D, and a target with one dim fewer, got {list(input1.shape)}, "
                           f"{list(input2.shape)} and {list(target.shape)}")
    dim = target.ndim
    norms = ((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)
    cos = (input1 * input2).sum(dim) / norms.sqrt()
    loss = (elementwise.where(target == 1, 1 - cos, 0.0)
            + elementwise.where(target == -1, (cos - margin).clamp(min=0), 0.0))
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,  # noqa: A002
                     eps=1e-8, reduce=None, reduction="mean"):
    r"""Poisson negative log-likelihood: :math:`e^{x} - y x` (``log_input``) or :math:`x - y
    \log(x + \text{eps})`; ``full`` adds Stirling's :math:`y \log y - y + \frac12 \log(2\pi
    y)` where :math:`y > 1`."""
    reduction = _prepare("poisson_nll_loss", size_average, reduce, reduction, input=input,
                         target=target)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + elementwise.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    r"""Gaussian negative log-likelihood :math:`\frac12 (\log v + (x - y)^2 / v)` with the
    variance :math:`v` clamped at ``eps`` (the clamp passes gradients straight through, as
    PyTorch's in-place clamp under ``no_grad``); ``full`` adds :math:`\frac12 \log 2\pi`.
    ``var`` is a float, ``input``'s shape, that shape without its last dim, or broadcastable
    to it in exactly one dim of size 1."""
    check_tensor(input, "input", "gaussian_nll_loss")
    check_tensor(target, "target", "gaussian_nll_loss")
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = ones_like(input) * var
    elif var._backend.has_data and var.numel() and bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(
                v for n, v in zip(input.shape, var.shape) if n != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    r""":math:`\max(d(a, p) - d(a, n) + \text{margin}, 0)` with ``F.pairwise_distance``
    :math:`d`; ``swap`` uses :math:`\min(d(a, n), d(p, n))` (Balntas et al., 2016)."""
    from .distance import pairwise_distance

    reduction = _prepare("triplet_margin_loss", size_average, reduce, reduction,
                         anchor=anchor, positive=positive, negative=negative)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {anchor.ndim}D, "
                           f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = elementwise.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction="mean"):
    r"""Per sample, the mean over the ``C`` classes of :math:`-w_c (y_c \log\sigma(x_c) +
    (1 - y_c) \log\sigma(-x_c))`, then reduced over samples."""
    from .activation import logsigmoid

    reduction = _prepare("multilabel_soft_margin_loss", size_average, reduce, reduction,
                         input=input, target=target)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    dim = input.ndim - 1
    return _reduce(loss.sum(dim) / input.shape[dim], reduction)
