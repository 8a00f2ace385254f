r"""The CTC loss's forward-backward computation as one ``CtcLossBackward0`` node.

For a batch of ``log_probs`` ``(T, N, C)`` and label sequences interleaved with blanks
(:math:`l'`, length :math:`S' = 2S + 1`), the alpha recursion

.. math::
    \alpha_t(s) = lp_{t, l'_s} + \log\big(e^{\alpha_{t-1}(s)} + e^{\alpha_{t-1}(s-1)}
                  + [\text{skip}_s]\, e^{\alpha_{t-1}(s-2)}\big)

(``skip`` where :math:`l'_s` is a label different from :math:`l'_{s-2}`) gives
:math:`\text{nll} = -\log(e^{\alpha_{L-1}(S'-1)} + e^{\alpha_{L-1}(S'-2)})` for an input
of length ``L``, and the mirrored beta recursion the posteriors. Both run over time only:
each step updates every sample and every position at once (the sequences are padded to the
longest, padding unreachable), so the Python loop has ``T`` iterations, not ``N T S'``.

The gradient is PyTorch's convention,
:math:`\partial_{lp_{t,c}} = e^{lp_{t,c}} - \sum_{s: l'_s = c}
e^{\alpha_t(s) + \beta_t(s) - lp_{t,l'_s} + \text{nll}}` for ``t < L`` and 0 after: the
gradient w.r.t. the logits of ``lp = log_softmax(logits)``, which passes unchanged through
that ``log_softmax`` because the posteriors sum to 1 at each step. An impossible alignment
has loss ``inf`` and gradient NaN, or gradient 0 with ``zero_infinity`` (the caller
then replaces the loss by 0, as PyTorch's ``where``).

>>> import tensorlite as tl
>>> lp = tl.full((2, 1, 2), 0.5).log()      # two steps, classes {blank, 1}, p = 1/2 each
>>> float((-ctc_nll(lp, [[1]], [2], 0, False)[0]).exp())   # paths 1-, -1, 11: 3/4
0.75
"""

from __future__ import annotations

import numpy as np

from ..._tensor import _compute_dtype, _wrap
from ...autograd.graph import needs_grad, record

__all__ = ["ctc_nll"]


def _extended(seqs, blank):
    """The blank-interleaved sequences ``(N, S')`` padded with blanks, where a jump over a
    blank is allowed, and each sequence's length ``2 S + 1``."""
    width = 2 * max((len(q) for q in seqs), default=0) + 1
    ext = np.full((len(seqs), width), blank, dtype=np.int64)
    skip = np.zeros((len(seqs), width), dtype=bool)
    for b, q in enumerate(seqs):
        q = np.asarray(q, dtype=np.int64)
        ext[b, 1:2 * len(q):2] = q
        skip[b, 3:2 * len(q):2] = q[1:] != q[:-1]  # equal neighbours need the blank between
    return ext, skip, 2 * np.array([len(q) for q in seqs], dtype=np.int64) + 1


def _shift(xp, a, by):
    """``a`` moved ``by`` positions along its last axis (positive: right), ``-inf`` in."""
    pad = xp.full(a.shape[:-1] + (abs(by),), -np.inf, a.dtype)
    return xp.concatenate([pad, a[..., :-by]] if by > 0 else [a[..., -by:], pad], -1)


def ctc_nll(lp, seqs, in_len, blank, zero_infinity):
    """Per-sample CTC losses ``(N,)`` of ``lp`` ``(T, N, C)`` for the label sequences
    ``seqs`` (``None`` on meta: shapes only) and input lengths ``in_len``."""
    steps, batch, classes = lp.shape
    backend = lp._backend
    xp = backend.xp
    compute = _compute_dtype(lp.dtype)._np
    if seqs is None:
        out = _wrap(backend.empty((batch,), lp._data.dtype, lp.device), lp.device, lp.dtype)
        if needs_grad(lp):
            record("CtcLossBackward0", (lp,), out, lambda grads: (
                backend.empty(lp._data.shape, compute, lp.device),))
        return out
    ext, skip, n_ext = _extended(seqs, blank)
    in_len = np.asarray(in_len, dtype=np.int64)
    width, rows = ext.shape[1], np.arange(batch)
    with backend.context(lp.device), np.errstate(invalid="ignore", divide="ignore"):
        x = lp._data.astype(compute, copy=False)
        valid = xp.asarray(np.arange(width) < n_ext[:, None])
        emit = xp.where(valid, x[:, xp.asarray(rows[:, None]), xp.asarray(ext)], -np.inf)
        skip_d = xp.asarray(skip)
        alpha = xp.empty((steps, batch, width), compute)
        prev = xp.where(xp.asarray(np.arange(width) < 2), 0.0, -np.inf).astype(compute)
        for t in range(steps):
            prev = emit[t] + (prev if t == 0 else xp.logaddexp(
                xp.logaddexp(prev, _shift(xp, prev, 1)),
                xp.where(skip_d, _shift(xp, prev, 2), -np.inf)))
            alpha[t] = prev
        last = xp.asarray(np.maximum(in_len - 1, 0))
        end = alpha[last, xp.asarray(rows), xp.asarray(n_ext - 1)]
        before = alpha[last, xp.asarray(rows), xp.asarray(np.maximum(n_ext - 2, 0))]
        logp = xp.where(xp.asarray(n_ext > 1), xp.logaddexp(end, before), end)
        # no steps: only the empty labelling has an alignment
        logp = xp.where(xp.asarray(in_len == 0), xp.asarray(np.where(n_ext == 1, 0.0,
                                                                     -np.inf)), logp)
        nll = -logp
        impossible = xp.isinf(nll)
    # inf stays: the caller zeroes it for zero_infinity (where this node's rule gives 0)
    out = _wrap(nll.astype(lp._data.dtype), lp.device, lp.dtype)
    if needs_grad(lp):
        ends = xp.asarray((np.arange(width) == n_ext[:, None] - 1)
                          | (np.arange(width) == n_ext[:, None] - 2))
        onehot = xp.asarray(np.arange(classes) == ext[..., None]).astype(compute)

        def rule(grads):
            with np.errstate(invalid="ignore", over="ignore"):
                mass = _posterior_mass(xp, alpha, emit, skip_d, ends, valid, in_len, nll)
                posterior = xp.einsum("tns,nsc->tnc", mass, onehot)
                active = xp.asarray(np.arange(steps)[:, None] < in_len[None, :])[..., None]
                grad = xp.where(active, xp.exp(x) - posterior, 0.0)
                bad = impossible[None, :, None] & (True if zero_infinity else active)
                grad = xp.where(bad, 0.0 if zero_infinity else np.nan, grad)
                return (grad * grads[0][None, :, None],)

        record("CtcLossBackward0", (lp,), out, rule, saved=(lp,))
    return out


def _posterior_mass(xp, alpha, emit, skip, ends, valid, in_len, nll):
    """``exp(alpha + beta - emit + nll)`` at every step and position: the probability of
    passing through position ``s`` at step ``t`` given the labels (the beta recursion runs
    here, from each sample's last step backwards)."""
    steps, batch, width = alpha.shape
    lengths = xp.asarray(in_len)[:, None]
    skip_next = _shift(xp, skip.astype(alpha.dtype), -2) > 0  # a jump from s to s + 2
    mass = xp.zeros_like(alpha)
    beta = xp.full((batch, width), -np.inf, alpha.dtype)
    for t in range(steps - 1, -1, -1):
        stepped = emit[t] + xp.logaddexp(xp.logaddexp(beta, _shift(xp, beta, -1)),
                                         xp.where(skip_next, _shift(xp, beta, -2), -np.inf))
        beta = xp.where(lengths - 1 == t, xp.where(ends, emit[t], -np.inf),
                        xp.where(lengths - 1 > t, stepped, -np.inf))
        mass[t] = xp.where(valid, xp.exp(alpha[t] + beta - emit[t] + nll[:, None]), 0.0)
    return xp.where(xp.isnan(mass), 0.0, mass)
