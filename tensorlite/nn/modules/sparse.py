"""``Embedding``: a lookup table of vectors indexed by integer ids."""

from __future__ import annotations

from ...autograd import grad_mode as _autograd
from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding"]


class Embedding(Module):
    r"""A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by id.

    ``weight`` has shape ``(num_embeddings, embedding_dim)`` and is initialized
    from :math:`\mathcal{N}(0, 1)`, with the ``padding_idx`` row (if any) set to
    zeros, as in PyTorch.

    Args:
        num_embeddings: size of the dictionary
        embedding_dim: size of each vector
        padding_idx: a row kept at zero (negative values count from the end)
        max_norm: if given, looked-up rows with a larger ``norm_type``-norm are
            renormalized in place to this norm
        norm_type: the p of the p-norm for ``max_norm`` (default 2)
        scale_grad_by_freq, sparse: accepted for compatibility (gradient options)
        _weight: an initial weight tensor of the right shape (no initialization)
        _freeze: if true, the weight does not require grad
        device, dtype: where and how to allocate the weight
        generator: the generator ``N(0, 1)`` draws from (default: the device's)

    Example:
        >>> import tensorlite as tl
        >>> emb = tl.nn.Embedding(num_embeddings=50_000, embedding_dim=768)
        >>> emb
        Embedding(50000, 768)
        >>> emb(tl.tensor([[1, 2, 3]])).shape
        tensorlite.Size([1, 3, 768])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None, generator=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise ValueError("Padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise ValueError("Padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(_creation.empty((num_embeddings, embedding_dim),
                                                    device=device, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters(generator=generator)
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise ValueError("Shape of weight does not match num_embeddings and "
                                 "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self, generator=None):
        init.normal_(self.weight, generator=generator)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with _autograd.no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input):  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = "{num_embeddings}, {embedding_dim}"
        if self.padding_idx is not None:
            s += ", padding_idx={padding_idx}"
        if self.max_norm is not None:
            s += ", max_norm={max_norm}"
        if self.norm_type != 2:
            s += ", norm_type={norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq={scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s.format(**self.__dict__)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An ``Embedding`` whose weight is ``embeddings`` (2-D), frozen by default."""
        if embeddings.dim() != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
