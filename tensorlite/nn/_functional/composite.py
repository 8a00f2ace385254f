r"""Layers and losses built from other differentiable operations, as PyTorch's
``torch.nn.functional`` has them: ``local_response_norm``, ``lp_pool1d/2d``,
``max_unpool1d/2d``, ``alpha_dropout``, ``feature_alpha_dropout``, ``rrelu``,
``embedding_bag``, ``multi_margin_loss``, ``multilabel_margin_loss`` and
``ctc_loss``.

Each is a composition of tensor operations that already carry their
derivatives, so their gradients follow by the chain rule (no rule is written
here).  The formulas, with :math:`C` the class count:

.. math::
    \text{LRN}: \; b_c = a_c \Big/ \Big(k + \frac{\alpha}{n}
        \sum_{c'=c-\lfloor n/2\rfloor}^{c+\lfloor (n-1)/2\rfloor} a_{c'}^2\Big)^{\beta}
    \qquad
    \text{LPPool}: \; \Big(\sum_{\text{window}} x^p\Big)^{1/p}

.. math::
    \text{multi\_margin}: \; \frac{1}{C}\sum_{i \ne y} w_y
        \max(0, \text{margin} - x_y + x_i)^p
    \qquad
    \text{multilabel\_margin}: \; \frac{1}{C}\sum_{j \in y}\sum_{i \notin y}
        \max(0, 1 - x_j + x_i)

``ctc_loss`` is :math:`-\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_t p_t(\pi_t)`,
computed by the forward (alpha) recursion in log space.

>>> import tensorlite as tl
>>> import tensorlite.nn.functional as F
>>> round(F.multi_margin_loss(tl.tensor([[0.1, 0.2, 0.4, 0.8]]), tl.tensor([3])).item(), 4)
0.325
"""

from __future__ import annotations

import math

import numpy as np

from ... import _creation
from ..._ops.shape import cat
from ..._tensor import Tensor
from . import loss as _loss
from .dropout import check_p
from ...autograd.graph import named
from ._utils import check_tensor, inplace_result, ntuple
from .ctc import ctc_nll

__all__ = ["local_response_norm", "lp_pool1d", "lp_pool2d", "max_unpool1d", "max_unpool2d",
           "alpha_dropout", "feature_alpha_dropout", "rrelu", "rrelu_", "embedding_bag",
           "multi_margin_loss", "multilabel_margin_loss", "ctc_loss"]


# ------------------------------------------------------------------ normalization
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    r"""Normalize each channel by its neighbours' squares (AlexNet's LRN), over dim 1.

    ``input`` is ``(N, C, *)`` with at least 3 dims; the window of ``size``
    channels is zero-padded at both ends (``size // 2`` before,
    ``(size - 1) // 2`` after) and averaged (divided by ``size``).

    >>> import tensorlite as tl
    >>> tl.nn.functional.local_response_norm(tl.ones(1, 3, 1), 2, k=1.0).shape
    tensorlite.Size([1, 3, 1])
    """
    check_tensor(input, "input", "local_response_norm")
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    from .pooling import avg_pool2d

    channels = input.shape[1]
    sq = (input * input).reshape(input.shape[0], 1, channels, -1)
    before, after = size // 2, (size - 1) // 2
    lead = sq.new_zeros(sq.shape[0], 1, before, sq.shape[3])
    tail = sq.new_zeros(sq.shape[0], 1, after, sq.shape[3])
    padded = cat([lead, sq, tail], 2)
    mean = avg_pool2d(padded, (size, 1), stride=1).reshape(input.shape)
    return input / (mean * alpha + k).pow(beta)


# ------------------------------------------------------------------------ pooling
def _lp_pool(d, input, norm_type, kernel_size, stride, ceil_mode):  # noqa: A002
    from . import pooling

    fn = f"lp_pool{d}d"
    check_tensor(input, "input", fn)
    kernel = ntuple(kernel_size, d, "kernel_size", fn)
    pool = pooling.avg_pool1d if d == 1 else pooling.avg_pool2d
    k = kernel[0] if d == 1 else kernel
    out = (pool(input.pow(norm_type), k, stride, 0, ceil_mode) if stride is not None
           else pool(input.pow(norm_type), k, padding=0, ceil_mode=ceil_mode))
    # sign(out) * relu(|out|): PyTorch's form (zero gradient where the window sums to 0)
    out = out.sign() * out.abs().relu()
    return (out * math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    r"""Power-average pooling over ``(N, C, L)``: :math:`(\sum_{window} x^p)^{1/p}`.

    ``p = inf`` is max pooling, ``p = 1`` sum pooling.
    """
    return _lp_pool(1, input, float(norm_type), kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    r"""Power-average pooling over ``(N, C, H, W)``: :math:`(\sum_{window} x^p)^{1/p}`."""
    return _lp_pool(2, input, float(norm_type), kernel_size, stride, ceil_mode)


def _max_unpool(d, input, indices, kernel_size, stride, padding, output_size):  # noqa: A002
    fn = f"max_unpool{d}d"
    check_tensor(input, "input", fn)
    check_tensor(indices, "indices", fn)
    kernel = ntuple(kernel_size, d, "kernel_size", fn)
    stride = kernel if stride is None else ntuple(stride, d, "stride", fn)
    padding = ntuple(padding, d, "padding", fn)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{fn}: Expected {d + 1}D or {d + 2}D input, got "
                           f"{list(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if indices.dtype.is_floating_point or indices.dtype.is_complex:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    spatial = tuple(input.shape[-d:])
    default = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(spatial, stride, padding,
                                                                   kernel))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)
        if len(out) == d + 2 or (len(out) == d + 1 and input.ndim == d + 1):
            out = out[-d:]
        if len(out) != d:
            raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for o, n, s in zip(out, default, stride):
            if not n - s < o < n + s:
                raise ValueError(f'invalid output_size "{list(out)}" (dim {d} must be between '
                                 f'{[v - s for v, s in zip(default, stride)]} and '
                                 f'{[v + s for v, s in zip(default, stride)]})')
    lead = tuple(input.shape[:-d])
    area = math.prod(out)
    flat_idx = indices.reshape(*lead, -1)
    if flat_idx.numel() and input.device.type != "meta":
        bad = flat_idx.detach().cpu().numpy()
        bad = bad[(bad < 0) | (bad >= area)]
        if bad.size:
            raise RuntimeError(f"Found an invalid max index: {int(bad[0])} (output volumes are "
                               f"of size {'x'.join(map(str, out))})")
    result = input.new_zeros(*lead, area).scatter(-1, flat_idx, input.reshape(*lead, -1))
    return result.reshape(*lead, *out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """Partial inverse of ``max_pool1d``: ``input`` placed at ``indices`` (from
    ``return_indices=True``), zeros elsewhere; length
    ``(L - 1) * stride - 2 * padding + kernel_size`` unless ``output_size``."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """Partial inverse of ``max_pool2d`` (see :func:`max_unpool1d`), per spatial dim.

    >>> import tensorlite as tl
    >>> F = tl.nn.functional
    >>> y, i = F.max_pool2d(tl.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2)[0, 0, 1].tolist()
    [0.0, 5.0, 0.0, 7.0]
    """
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


# ------------------------------------------------------------------------ dropout
_SELU_ALPHA_PRIME = 1.7580993408473766  # -scale * alpha of SELU: the value dropped units take


def _alpha_dropout(fn, input, p, training, inplace, mask_shape):  # noqa: A002
    check_tensor(input, "input", fn)
    p = check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        result = input * 0
    else:
        from ...random.sampling import bernoulli

        keep = bernoulli(_creation.empty(mask_shape, device=input.device, dtype=input.dtype),
                         1.0 - p)
        # keep the SELU fixed point: mean 0 and variance 1 after the affine correction
        a = 1.0 / math.sqrt((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
        shift = (keep - 1) * (_SELU_ALPHA_PRIME * a) + _SELU_ALPHA_PRIME * a * p
        result = input * (keep * a) + shift
    return inplace_result(input, result) if inplace else result


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    r"""Dropout for SELU networks (Klambauer et al., 2017).

    Dropped units take SELU's negative saturation :math:`-\lambda\alpha`, then
    :math:`a x + b` restores mean and variance:
    :math:`a = ((\alpha'^2 p + 1)(1 - p))^{-1/2}`.  Note ``training`` defaults
    to ``False`` here, as in PyTorch.
    """
    return _alpha_dropout("alpha_dropout", input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """:func:`alpha_dropout` of whole channels of ``(N, C, *)``."""
    check_tensor(input, "input", "feature_alpha_dropout")
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha_dropout("feature_alpha_dropout", input, p, training, inplace, shape)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):  # noqa: A002
    r"""Randomized leaky ReLU (Xu et al., 2015).

    Training: :math:`x` where :math:`x > 0`, else :math:`a x` with
    :math:`a \sim \mathcal{U}(\text{lower}, \text{upper})` drawn per element;
    otherwise the fixed slope :math:`(\text{lower} + \text{upper}) / 2`.

    >>> import tensorlite as tl
    >>> tl.nn.functional.rrelu(tl.tensor([-1.0, 2.0], dtype=tl.float64), 0.1, 0.3).tolist()
    [-0.2, 2.0]
    """
    check_tensor(input, "input", "rrelu")
    lower, upper = float(lower), float(upper)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        from ..._ops import elementwise
        from .activation import _activation

        return _activation(elementwise.leaky_relu, input, (lower + upper) / 2,
                           inplace=inplace, fn="rrelu", node="RreluWithNoiseBackward0",
                           inplace_node="RreluWithNoiseBackward1")
    slopes = _creation.empty(tuple(input.shape), device=input.device,
                             dtype=input.dtype).uniform_(lower, upper)
    noise = (input > 0).to(input.dtype)
    noise = noise + (1 - noise) * slopes  # 1 where x > 0, the drawn slope elsewhere
    result = input * noise.detach()
    return inplace_result(input, result) if inplace else result


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):  # noqa: A002
    """In-place :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


# ---------------------------------------------------------------------- embedding
def _as_index_list(x):
    return x.detach().cpu().numpy().astype(np.int64).reshape(-1)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,  # noqa: A002
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    r"""Sums, means or maxima of bags of embeddings, without the intermediate
    ``(bags, length, dim)`` tensor in the user's code.

    ``input`` is ``(B, N)`` (B bags of N indices) or 1-D with ``offsets``
    giving each bag's start; entries equal to ``padding_idx`` are left out
    (of the mean's count too); an empty bag gives zeros.  ``per_sample_weights``
    (``mode="sum"`` only) scales each row before the sum.

    >>> import tensorlite as tl
    >>> w = tl.arange(6.0).reshape(3, 2)
    >>> tl.nn.functional.embedding_bag(tl.tensor([0, 2, 1]), w, tl.tensor([0, 2])).tolist()
    [[2.0, 3.0], [2.0, 3.0]]
    """
    from .sparse import embedding

    check_tensor(input, "input", "embedding_bag")
    check_tensor(weight, "weight", "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)})"
                         f" is not None, then it must have the same shape as the input "
                         f"({tuple(input.shape)})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.ndim}")
    if input.dtype.is_floating_point or input.dtype.is_complex:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated "
                             f"is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets)}")
        starts = np.arange(input.shape[0]) * input.shape[1]
        nbags, flat = input.shape[0], input.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = _as_index_list(offsets) if offsets.device.type != "meta" else None
        nbags, flat = offsets.shape[0] - (1 if include_last_offset else 0), input
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx = padding_idx % n
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    if rows.device.type == "meta" or starts is None:  # no indices to read: shapes only
        return named(rows.new_zeros(nbags, weight.shape[1]) + rows.sum(0) * 0,
                     "EmbeddingBagBackward0")
    idx = _as_index_list(flat)
    # each position's bag (-1: after the last bag), bags being consecutive runs
    ends = np.append(starts[1:], len(idx))[:nbags]
    bag = np.full(len(idx), -1, dtype=np.int64)
    if nbags:
        bag[starts[0]:ends[-1]] = np.repeat(np.arange(nbags), ends - starts[:nbags])
    keep = (bag >= 0) & (idx != (-1 if padding_idx is None else padding_idx))
    positions = np.flatnonzero(keep)
    out = rows.new_zeros(nbags, weight.shape[1])
    if positions.size == 0:
        return out
    take = _creation.tensor(positions, device=rows.device)
    kept, owner = rows.index_select(0, take), bag[positions]
    counts = np.bincount(owner, minlength=nbags)
    if mode == "max":
        out = _bag_max(kept, owner, counts, out)
    else:
        out = out.index_add(0, _creation.tensor(owner, device=rows.device), kept)
        if mode == "mean":
            out = out / _creation.tensor(np.maximum(counts, 1), device=rows.device,
                                         dtype=out.dtype).reshape(-1, 1)
    return named(out, "EmbeddingBagBackward0")


def _bag_max(kept, owner, counts, zeros):
    """Each bag's elementwise maximum of its rows (``owner`` nondecreasing), the gradient
    going to the first row attaining it (PyTorch's); empty bags give zeros. The rows are
    laid out as a ``(bags, longest bag, dim)`` block padded with ``-inf``, so one ``max``
    over the middle axis does every bag at once."""
    nbags, longest = len(counts), int(counts.max())
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(owner)) - first[owner]  # position of each row in its bag
    layout = np.full((nbags, longest), len(owner), dtype=np.int64)  # len(owner): padding
    layout[owner, rank] = np.arange(len(owner))
    pad = _creation.full((1, kept.shape[1]), float("-inf"), device=kept.device,
                         dtype=kept.dtype)
    block = cat([kept, pad], 0)[_creation.tensor(layout, device=kept.device)]
    filled = _creation.tensor(counts > 0, device=kept.device).reshape(-1, 1)
    return block.max(1).values.where(filled, zeros)


# ------------------------------------------------------------------------- losses
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None,  # noqa: A002
                      size_average=None, reduce=None, reduction="mean"):
    r"""Multi-class hinge loss: per sample
    :math:`\frac{1}{C}\sum_{i \ne y} w_y \max(0, \text{margin} - x_y + x_i)^p`,
    ``p`` 1 or 2; ``input`` ``(N, C)`` or ``(C,)``, ``target`` class indices.
    """
    check_tensor(input, "input", "multi_margin_loss")
    reduction = _loss.legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    if input.ndim > 2 or (input.ndim == 2 and input.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    y = target.reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise RuntimeError(f"inconsistent target size, expected {x.shape[0]} but got "
                           f"{list(target.shape)}")
    classes = x.shape[1]
    labels = _as_index_list(y) if y.device.type != "meta" else np.zeros(0, np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError("target out of range")
    idx = y.reshape(-1, 1)
    z = (margin - x.gather(1, idx) + x).relu()  # the z > 0 terms only
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, y).reshape(-1, 1)
    others = _creation.ones(tuple(x.shape), device=x.device, dtype=x.dtype).scatter(1, idx, 0.0)
    per_sample = (z * others).sum(1) / classes
    if input.ndim <= 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                           reduction="mean"):
    r"""Multi-label hinge loss: per sample
    :math:`\frac{1}{C}\sum_{j \in y}\sum_{i \notin y}\max(0, 1 - x_j + x_i)`,
    where ``target`` lists the sample's classes and ends at the first ``-1``.
    """
    check_tensor(input, "input", "multilabel_margin_loss")
    reduction = _loss.legacy_reduction(size_average, reduce, reduction)
    if input.ndim > 2 or (input.ndim == 2 and input.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    n, classes = x.shape
    labels = _as_index_list(target).reshape(n, classes) if target.device.type != "meta" \
        else np.full((n, classes), -1)
    counts = np.zeros((n, classes))
    for row, lab in zip(counts, labels):
        for c in lab:
            if c < 0:
                break
            if c >= classes:
                raise RuntimeError("argument #2 'target' is out of range")
            row[c] += 1  # each listed class counts once per listing, as PyTorch's loop
    as_t = _creation.tensor(counts, device=x.device, dtype=x.dtype)
    not_target = _creation.tensor((counts == 0).astype(float), device=x.device, dtype=x.dtype)
    pairs = (1 - x.unsqueeze(2) + x.unsqueeze(1)).relu()  # [n, j, i]: 1 - x_j + x_i
    per_sample = (pairs * as_t.unsqueeze(2) * not_target.unsqueeze(1)).sum((1, 2)) / classes
    if input.ndim <= 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def _reduce(values, reduction):
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean":
        return values.mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")



def _ctc_lengths(lengths):
    """Lengths given as a tensor or a sequence, as an int64 array (zeros for a meta tensor,
    whose values are unknown: shapes only)."""
    if isinstance(lengths, Tensor):
        if lengths.device.type == "meta":
            return np.zeros(lengths.numel(), np.int64)
        return _as_index_list(lengths)
    return _as_index_list(_creation.tensor(list(np.atleast_1d(lengths))))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0,
             reduction="mean", zero_infinity=False):
    r"""Connectionist Temporal Classification loss (Graves et al., 2006).

    ``log_probs`` is ``(T, N, C)`` (or ``(T, C)``) log-softmax output;
    ``targets`` ``(N, S)`` padded or the 1-D concatenation of all targets;
    lengths as tuples or tensors.  Per sample,
    :math:`-\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_t p_t(\pi_t)`, summed
    over the blank-interleaved label sequence with the alpha recursion in log
    space.  ``reduction="mean"`` divides each loss by its target length, then
    averages; an impossible alignment gives ``inf`` (0 with ``zero_infinity``).
    """
    check_tensor(log_probs, "log_probs", "ctc_loss")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss: log_probs must be 2-D or 3-D, got {list(log_probs.shape)}")
    steps, batch, classes = lp.shape
    in_len, tg_len = _ctc_lengths(input_lengths), _ctc_lengths(target_lengths)
    if len(in_len) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tg_len) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    seqs = None  # on meta: no lengths or labels to read, shapes only
    if lp.device.type != "meta":
        if (in_len > steps).any():
            raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got "
                               f"value {in_len[in_len > steps][0]} (while checking arguments "
                               f"for ctc_loss_cpu)")
        labels = _as_index_list(targets)
        if targets.ndim == 1 and not unbatched:
            ends = np.cumsum(tg_len)
            seqs = [labels[e - n:e] for e, n in zip(ends, tg_len)]
        else:
            width = targets.shape[-1]
            seqs = [labels.reshape(-1, width)[b, :tg_len[b]] for b in range(batch)]
    nll = ctc_nll(lp, seqs, in_len, blank, zero_infinity)
    if zero_infinity:
        nll = nll.where(~nll.detach().isinf(), 0.0)
    if unbatched:
        nll = nll.reshape(())
    if reduction == "mean":
        lengths = _creation.tensor(np.maximum(tg_len, 1), device=nll.device, dtype=nll.dtype)
        return (nll / lengths.reshape(nll.shape)).mean()
    return _reduce(nll, reduction)
