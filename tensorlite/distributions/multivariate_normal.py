r"""The multivariate normal distribution :math:`\mathcal N(\mu, \Sigma)`.

It is parameterized by exactly one of ``covariance_matrix`` :math:`\Sigma`,
``precision_matrix`` :math:`\Sigma^{-1}` or ``scale_tril`` :math:`L` (lower
triangular with a positive diagonal, :math:`\Sigma = L L^\top`); whichever is
given, the computations use :math:`L`:

* sample: :math:`x = \mu + L z` with :math:`z \sim \mathcal N(0, I)` from ``tl.randn``;
* :math:`\log p(x) = -\tfrac12 (n \log 2\pi + \|L^{-1}(x - \mu)\|^2) - \sum_i \log L_{ii}`;
* entropy :math:`\tfrac n2 (1 + \log 2\pi) + \sum_i \log L_{ii}`.

From a precision matrix :math:`P`, :math:`L` is found without inverting
:math:`P`: with :math:`J` the reversal permutation, the Cholesky factor of
:math:`JPJ` gives :math:`P = U U^\top` with :math:`U` upper triangular, and
:math:`L = U^{-\top}` (one triangular solve).

>>> import tensorlite as tl
>>> from tensorlite.distributions import MultivariateNormal
>>> d = MultivariateNormal(tl.zeros(2), covariance_matrix=tl.eye(2))
>>> d.batch_shape, d.event_shape
(tensorlite.Size([]), tensorlite.Size([2]))
"""

from __future__ import annotations

import math

import numpy as np

from .._creation import eye
from .._tensor import Size
from ..linalg import cholesky, solve_triangular
from ..random.sampling import randn
from . import constraints
from .distribution import Distribution
from .utils import lazy_property

__all__ = ["MultivariateNormal"]

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def batch_mahalanobis(low, x):
    r""":math:`\|L^{-1} x\|^2` over the last dimension (``L`` and ``x`` broadcast).

    ``x`` usually has more leading dimensions than ``L`` (a sample shape in front of
    the batch); those become columns of one right-hand side per matrix, so ``L`` is
    never copied per sample.
    """
    n = x.shape[-1]
    inner = np.broadcast_shapes(tuple(low.shape[:-2]),
                                tuple(x.shape[max(x.ndim - low.ndim + 1, 0):-1]))
    outer = tuple(x.shape[:max(x.ndim - 1 - len(inner), 0)])
    k = len(inner)
    columns = x.expand(outer + inner + (n,)).reshape((-1,) + inner + (n,))
    columns = columns.permute(*range(1, k + 2), 0)  # inner + (n, M)
    y = solve_triangular(low.expand(inner + (n, n)), columns, upper=False)
    m = y.pow(2).sum(-2)  # inner + (M,)
    return m.permute(k, *range(k)).reshape(outer + inner)


def precision_to_scale_tril(precision):
    """The lower Cholesky factor of ``precision``'s inverse (see the module docstring)."""
    upper_t = cholesky(precision.flip((-2, -1))).flip((-2, -1)).mT  # U^T, lower
    n = precision.shape[-1]
    identity = eye(n, dtype=precision.dtype, device=precision.device)
    return solve_triangular(upper_t, identity.expand(upper_t.shape), upper=False)


def _cholesky_inverse(low):
    """:math:`(L L^\\top)^{-1} = L^{-\\top} L^{-1}` from the lower factor ``L``."""
    identity = eye(low.shape[-1], dtype=low.dtype, device=low.device)
    inv = solve_triangular(low, identity.expand(low.shape), upper=False)
    return inv.mT @ inv


def log_det_half(low):
    """:math:`\\sum_i \\log L_{ii}` (half the log-determinant of :math:`L L^\\top`)."""
    return low.diagonal(dim1=-2, dim2=-1).log().sum(-1)


class MultivariateNormal(Distribution):
    r"""A normal distribution over vectors (``event_shape = (n,)``), see the module
    docstring. ``loc`` and the matrix broadcast over their batch dimensions.

    Example:
        >>> import tensorlite as tl
        >>> cov = tl.tensor([[2.0, 0.0], [0.0, 0.5]])
        >>> MultivariateNormal(tl.zeros(2), cov).variance
        tensor([2.0000, 0.5000])
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {name: m for name, m in zip(_MATRICES, (covariance_matrix, precision_matrix,
                                                         scale_tril)) if m is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.ndim < 2:
            label = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{label} must be at least two-dimensional, with optional "
                             f"leading batch dimensions")
        batch_shape = Size(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        matrix_shape = batch_shape + self._event_shape + self._event_shape
        new.loc = self.loc.expand(batch_shape + self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in _MATRICES:
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(matrix_shape))
        return self._expanded(new, batch_shape)

    def _matrix_shape(self):
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        low = self._unbroadcasted_scale_tril
        return (low @ low.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        return _cholesky_inverse(self._unbroadcasted_scale_tril).expand(
            self._matrix_shape())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=Size(), *, generator=None):
        z = randn(self._extended_shape(sample_shape), generator=generator,
                  dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ z.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        m = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - log_det_half(
            self._unbroadcasted_scale_tril)

    def entropy(self):
        n = self._event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + log_det_half(
            self._unbroadcasted_scale_tril)
        return h if len(self._batch_shape) == 0 else h.expand(self._batch_shape)
