r"""Distances: ``cosine_similarity`` and ``pairwise_distance`` (composites).

>>> import tensorlite as tl
>>> tl.nn.functional.cosine_similarity(tl.tensor([[1.0, 0.0]]), tl.tensor([[1.0, 1.0]]))
tensor([0.7071])
"""

from __future__ import annotations

from .normalization import _norm
from ._utils import check_tensor

__all__ = ["cosine_similarity", "pairwise_distance"]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    r""":math:`\frac{x_1 \cdot x_2}{\max(\lVert x_1 \rVert, \epsilon)\,\max(\lVert x_2
    \rVert, \epsilon)}` along ``dim`` (inputs broadcast)."""
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    n1 = _norm(x1, 2, dim, keepdim=True).clamp(min=eps)
    n2 = _norm(x2, 2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    r""":math:`\lVert x_1 - x_2 + \epsilon \rVert_p` over the last dim."""
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    return _norm(x1 - x2 + eps, p, -1, keepdim=keepdim)
