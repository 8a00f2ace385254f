r"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``
(the computation behind ``nn.MultiheadAttention``), both around :func:`attend`, one
graph node for scores, mask, softmax, dropout and the weighted sum.

.. math:: \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{E}}
          + M\right) V

>>> import tensorlite as tl
>>> q = tl.ones(2, 3, 4)
>>> tl.nn.functional.scaled_dot_product_attention(q, q, q).shape
tensorlite.Size([2, 3, 4])
"""

from __future__ import annotations

import math

import numpy as np

from ... import _backends, _dtype
from ..._creation import empty, tensor, zeros
from ..._ops import elementwise
from ..._ops.shape import cat
from ..._tensor import _compute_dtype, common_device
from ...autograd.graph import needs_grad, record
from ._utils import arrays, check_tensor, finish, serial_blas
from .linear import linear
from .vision import pad

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def attend(query, key, value, mask, scale, dropout_p=0.0, generator=None, weights=False):
    r"""``(D V, P)`` with :math:`P = \mathrm{softmax}(s\,Q K^\top + M)` over the last
    dim and :math:`D = P \odot \mathrm{keep} / (1 - p)` (dropout), as one node.

    ``query (..., L, E)``, ``key (..., S, E)``, ``value (..., S, Ev)``; ``mask`` is
    additive (``None``, or broadcasting to ``(..., L, S)``). Returns the output and,
    with ``weights``, ``P`` (a second output of the node), else ``None``.

    Derivative, with :math:`G = \partial O`: :math:`\partial V = D^\top G`,
    :math:`\partial P = (G V^\top) \odot \mathrm{keep} / (1 - p) + \partial P_{out}`,
    :math:`\partial S = P \odot (\partial P - \sum_j \partial P \odot P)`,
    :math:`\partial Q = s\,\partial S\, K`, :math:`\partial K = \partial S^\top (s Q)`,
    :math:`\partial M = \partial S`.

    Speed: the composite (matmul, scale, add, softmax, dropout, matmul: six nodes)
    kept each intermediate of the (N * heads, L, S) scores alive for its own rule and
    ran a separate pass per step; here the softmax runs in place on the scores, and
    the backward reuses ``P`` and the keep-mask only.
    """
    keep = None
    if dropout_p > 0.0:
        from ...random.sampling import bernoulli  # the stream dropout() draws from

        source = key.shape[-2]
        shape = np.broadcast_shapes(tuple(query.shape[:-1]) + (source,),
                                    tuple(key.shape[:-2]) + (1, source),
                                    () if mask is None else tuple(mask.shape))  # the scores'
        probe = empty(shape, device=query.device, dtype=query.dtype)
        keep = bernoulli(probe, 1.0 - dropout_p, generator=generator)
    inputs = (query, key, value, mask)
    device = common_device([t for t in inputs if t is not None], "attention")
    dtype = query.dtype
    compute = _compute_dtype(dtype)
    backend = _backends.get(device)
    # -inf rows give nan, as PyTorch; batched small products run serial (serial_blas)
    with backend.context(device), np.errstate(all="ignore"), serial_blas(device):
        xp = backend.xp
        q, k, v, m = arrays(device, compute, *inputs)
        keep_scaled = None if keep is None else \
            arrays(device, compute, keep)[0] * (1.0 / (1.0 - dropout_p))
        qs = q * scale
        p = xp.matmul(qs, xp.swapaxes(k, -1, -2))
        if m is not None:
            p = p + m  # not in place: the mask may broadcast the scores up
        p -= xp.max(p, axis=-1, keepdims=True)  # softmax in place (log-sum-exp shift)
        xp.exp(p, out=p)
        p /= xp.sum(p, axis=-1, keepdims=True)
        dropped = p if keep_scaled is None else p * keep_scaled
        out = xp.matmul(dropped, v)
    result = finish(out, device, dtype)
    probs = finish(p, device, dtype) if weights else None
    if needs_grad(*inputs):
        def backward(grads):
            g, gp = grads[0], (grads[1] if len(grads) > 1 else None)
            with backend.context(device), np.errstate(all="ignore"), serial_blas(device):
                g = backend.astype(g, compute._np)
                gv = xp.matmul(xp.swapaxes(dropped, -1, -2), g) if value.requires_grad \
                    else None
                gd = xp.matmul(g, xp.swapaxes(v, -1, -2))
                if keep_scaled is not None:
                    gd *= keep_scaled
                if gp is not None:
                    gd += gp
                gd -= xp.sum(gd * p, axis=-1, keepdims=True)
                gd *= p  # now the scores' gradient
                gq = xp.matmul(gd, k) * scale if query.requires_grad else None
                gk = xp.matmul(xp.swapaxes(gd, -1, -2), qs) if key.requires_grad else None
            return gq, gk, gv, gd

        record("ScaledDotProductAttentionBackward0", inputs,
               (result, probs) if weights else result, backward)
    return result, probs


def _additive_mask(mask, dtype, fn):
    """A boolean mask (True = take part) or a float mask (added) as a float mask."""
    if mask is None:
        return None
    if mask.dtype is _dtype.bool:
        return elementwise.where(mask, 0.0, -math.inf).to(dtype)
    if not mask.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected attn_mask dtype to be bool or float or to match "
                           f"query dtype, but got attn_mask.dtype: {mask.dtype}")
    return mask


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 generator=None):
    r"""Attention over the last two dims of ``query (..., L, E)``, ``key (..., S, E)``,
    ``value (..., S, Ev)``.

    ``attn_mask`` (broadcast to ``(..., L, S)``): boolean (True = may attend) or float
    (added to the scores). ``is_causal`` masks the upper triangle (and excludes
    ``attn_mask``). ``scale`` defaults to :math:`1/\sqrt{E}`. ``dropout_p`` drops
    attention weights (from ``generator`` or the default one). ``enable_gqa`` repeats
    the key/value heads (dim -3) to match the query's.
    """
    fn = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, name, fn)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"{fn}: query, key and value must be at least 2-D, got "
                           f"{query.ndim}, {key.ndim} and {value.ndim}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{fn}: expected query (..., L, E), key (..., S, E) and value "
                           f"(..., S, Ev), got {list(query.shape)}, {list(key.shape)} and "
                           f"{list(value.shape)}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, groups)
        value = _repeat_heads(value, groups)
    length, source = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal:
        causal = np.tril(np.ones((length, source), dtype=bool))
        attn_mask = _wrap_host(causal, query.device)
    mask = _additive_mask(attn_mask, query.dtype, fn)
    scores_shape = np.broadcast_shapes(tuple(query.shape[:-1]),
                                       tuple(key.shape[:-2]) + (1,)) + (source,)
    if mask is not None:
        try:
            np.broadcast_shapes(tuple(mask.shape), scores_shape)
        except ValueError:
            raise RuntimeError(f"{fn}: attn_mask of shape {list(mask.shape)} does not "
                               f"broadcast to the attention scores' shape "
                               f"{list(scores_shape)}") from None
    if dropout_p < 0.0 or dropout_p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    return attend(query, key, value, mask, scale, dropout_p, generator)[0]


def _repeat_heads(x, groups):
    shape = tuple(x.shape)
    x = x.unsqueeze(-3).expand(shape[:-3] + (shape[-3], groups) + shape[-2:])
    return x.reshape(shape[:-3] + (shape[-3] * groups,) + shape[-2:])


def _wrap_host(array, device):
    return tensor(array, device=device)


def _check_mask(fn, name, mask, expected):
    if mask is None:
        return
    if mask.dtype is not _dtype.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if tuple(mask.shape) not in expected:
        raise RuntimeError(f"The shape of the {name} is {tuple(mask.shape)}, but should be "
                           f"{expected[0]}.")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    r"""Multi-head attention on sequence-first inputs ``query (L, N, E)``, ``key (S, N,
    E_k)``, ``value (S, N, E_v)`` (or unbatched ``(L, E)``...): project, split into
    ``num_heads`` heads of size ``E / num_heads``, attend, concatenate, project.

    Returns ``(output (L, N, E), weights)``; ``weights`` is ``(N, L, S)`` averaged over
    heads (``(N, heads, L, S)`` without ``average_attn_weights``) or ``None`` without
    ``need_weights``.
    """
    fn = "multi_head_attention_forward"
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor")
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                             f"{tuple(value.shape)}")
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (bsz, src_len):
        raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                             f"{key_padding_mask.shape}")
    _check_mask(fn, "key_padding_mask", key_padding_mask, [(bsz, src_len)])
    if attn_mask is not None and attn_mask.ndim == 2:
        _check_mask(fn, "2D attn_mask", attn_mask, [(tgt_len, src_len)])
        attn_mask = attn_mask.unsqueeze(0)
    elif attn_mask is not None:
        _check_mask(fn, "3D attn_mask", attn_mask, [(bsz * num_heads, tgt_len, src_len)])
    if is_causal and attn_mask is None:
        causal = np.triu(np.full((tgt_len, src_len), -np.inf), 1)
        attn_mask = _wrap_host(causal.astype(query.dtype._np), query.device).unsqueeze(0)

    # ---- projections
    if not use_separate_proj_weight:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None,) * 3
    q = linear(query, w_q, b_q)
    k = linear(key, w_k, b_k) if static_k is None else None
    v = linear(value, w_v, b_v) if static_v is None else None
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)])
        v = cat([v, bias_v.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    # ---- heads: (N * heads, len, head_dim), contiguous: NumPy's batched matmul is several
    # times slower on the strided layout the transpose leaves
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1).contiguous()
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1).contiguous()
         if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1).contiguous()
         if static_v is None else static_v)
    if add_zero_attn:
        k = cat([k, zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], 1)
        v = cat([v, zeros((bsz * num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    # ---- masks merged into one additive (N * heads or 1, L, S) mask
    # here a boolean True means "masked out" (the opposite of scaled_dot_product_attention)
    mask = attn_mask if attn_mask is None or attn_mask.dtype is not _dtype.bool else \
        elementwise.where(attn_mask, -math.inf, 0.0).to(q.dtype)
    if key_padding_mask is not None:
        kpm = key_padding_mask
        kpm = elementwise.where(kpm, -math.inf, 0.0).to(q.dtype) if kpm.dtype is _dtype.bool \
            else kpm
        kpm = kpm.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len).reshape(
            bsz * num_heads, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    if not training:
        dropout_p = 0.0

    out, weights = attend(q, k, v, mask, 1.0 / math.sqrt(head_dim), dropout_p,
                          weights=need_weights)  # (N * heads, L, head_dim)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    if unbatched:
        weights = weights.squeeze(0)
    return out, weights


