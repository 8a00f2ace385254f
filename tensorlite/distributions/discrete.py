r"""Discrete distributions, parameterized by ``probs`` or ``logits`` (exactly one).

* ``Bernoulli``: :math:`p^x (1-p)^{1-x}`, :math:`x \in \{0,1\}`; ``tl.bernoulli(p)``.
* ``Geometric``: :math:`(1-p)^k p`, :math:`k = 0, 1, \dots` (failures before the first
  success); :math:`k = \lfloor \log u / \log(1-p) \rfloor` with ``u`` from ``tl.rand``.
* ``Categorical``: :math:`p_k`, :math:`k < K`; ``tl.multinomial(p, n, replacement=True)``.
* ``OneHotCategorical``: :math:`p_k` at the one-hot vector :math:`e_k`; the one-hot
  form of a categorical draw.
* ``Multinomial``: :math:`\frac{n!}{\prod_k x_k!} \prod_k p_k^{x_k}`; the counts of
  ``n`` categorical draws.

``logits`` are log-odds for the binary distributions (``probs = sigmoid(logits)``)
and unnormalized log-probabilities for the categorical ones (``probs =
softmax(logits)``); the other parameter is derived on first use. Binary
``log_prob``/``entropy`` are computed from the logits
(:math:`\mathrm{softplus}(l) - x\,l`), so they stay finite near 0 and 1.

>>> import tensorlite as tl
>>> from tensorlite.distributions import Categorical
>>> Categorical(probs=tl.tensor([0.25, 0.75])).log_prob(tl.tensor(1)).exp()
tensor(0.7500)
"""

from __future__ import annotations

import math

from .. import _dtype
from .._creation import arange, eye, full, zeros_like
from .._ops.shaping import broadcast_tensors
from .._ops.elementwise import where
from .._tensor import Size
from .._typeinfo import finfo
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..random.sampling import bernoulli, multinomial
from . import constraints
from .distribution import Distribution, _sample_shape
from .utils import broadcast_all, is_number, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli", "Geometric", "Categorical", "OneHotCategorical", "Multinomial"]


def _one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _Binary(Distribution):
    """``probs`` in [0, 1] or real ``logits`` (log-odds), one of them given; the other
    a lazy property. Shared by :class:`Bernoulli` and :class:`Geometric`."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        (param,) = broadcast_all(given)
        setattr(self, "probs" if probs is not None else "logits", param)
        super().__init__(Size() if is_number(given) else param.shape,
                         validate_args=validate_args)
        if self._validate_args and probs is not None:
            self._check_probs()

    def _check_probs(self):
        """A further check of given ``probs`` beyond ``arg_constraints`` (none here)."""

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(_Binary, _instance)
        batch_shape = Size(batch_shape)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def _param(self):
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def param_shape(self):
        return self._param.shape

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)


class Bernoulli(_Binary):
    r"""The Bernoulli distribution: 1 with probability ``probs``, else 0.

    Example:
        >>> import tensorlite as tl
        >>> Bernoulli(probs=tl.tensor([0.3])).variance
        tensor([0.2100])
    """

    support = constraints.boolean
    has_enumerate_support = True

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size(), *, generator=None):
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(shape), generator=generator)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Geometric(_Binary):
    r"""The number of failures before the first success in Bernoulli(``probs``)
    trials: :math:`P(k) = (1-p)^k p`, :math:`k = 0, 1, \dots`.

    Example:
        >>> Geometric(probs=0.25).mean
        tensor(3.)
    """

    support = constraints.nonnegative_integer

    def _check_probs(self):
        # p = 0 is in the unit interval but has no geometric distribution
        value = self.probs
        valid = value > 0
        if not constraints._all_true(valid):
            raise ValueError(
                f"Expected parameter probs ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) of distribution {self!r} to be positive but "
                f"found invalid values:\n{value[~valid]}")

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size(), *, generator=None):
        with no_grad():
            u = self._uniform(self._extended_shape(sample_shape), self.probs, generator)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # 0 failures with a sure success has probability 1 (not 0 * log 0 = nan)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        return F.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                  reduction="none") / self.probs


class Categorical(Distribution):
    r"""A draw of one of ``K`` categories ``0 .. K-1`` with probabilities ``probs``
    (normalized along the last dimension) or ``softmax(logits)``. The last dimension
    of the parameter indexes categories; the others are the batch.

    Example:
        >>> import tensorlite as tl
        >>> Categorical(logits=tl.zeros(4)).entropy()  # log 4
        tensor(1.3863)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _one_of(probs, logits)
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        param_shape = batch_shape + Size((self._num_events,))
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(param_shape))
        new._num_events = self._num_events
        return self._expanded(new, batch_shape)

    @property
    def _param(self):
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def param_shape(self):
        return self._param.shape

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype,
                    device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        return self.mean

    def sample(self, sample_shape=Size(), *, generator=None):
        sample_shape = _sample_shape(sample_shape)
        n = sample_shape.numel()
        shape = self._extended_shape(sample_shape)
        if n == 0:  # multinomial needs at least one draw per row
            return full(shape, 0, dtype=_dtype.int64, device=self._param.device)
        with no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            draws = multinomial(rows, n, True, generator=generator)  # (rows, n)
        return draws.t().reshape(shape)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        # the index broadcast against the batch shape, as PyTorch
        value, log_pmf = broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        logits = self.logits.clamp(min=float(finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = arange(self._num_events, dtype=_dtype.int64, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class _OnCategorical(Distribution):
    """What :class:`OneHotCategorical` and :class:`Multinomial` share: a wrapped
    :class:`Categorical` (``_categorical``) over ``K`` categories, whose parameters they
    expose, and ``event_shape = (K,)``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(_OnCategorical, _instance)
        batch_shape = Size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def _param(self):
        return self._categorical._param

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits


class OneHotCategorical(_OnCategorical):
    r"""A :class:`Categorical` draw written as a one-hot vector of length ``K``
    (``event_shape = (K,)``).

    Example:
        >>> import tensorlite as tl
        >>> OneHotCategorical(probs=tl.tensor([0.0, 1.0])).sample()
        tensor([0., 1.])
    """

    support = constraints.one_hot
    has_enumerate_support = True

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        probs = self.probs
        return F.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size(), *, generator=None):
        indices = self._categorical.sample(sample_shape, generator=generator)
        return F.one_hot(indices, self._categorical._num_events).to(self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self._event_shape[0]
        values = eye(n, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + tuple(self._batch_shape) + (n,)) if expand else values


class Multinomial(_OnCategorical):
    r"""Counts of ``total_count`` independent :class:`Categorical` draws
    (``event_shape = (K,)``): :math:`P(x) = \frac{n!}{\prod_k x_k!} \prod_k p_k^{x_k}`.

    Example:
        >>> import tensorlite as tl
        >>> Multinomial(10, probs=tl.tensor([0.2, 0.8])).mean
        tensor([2., 8.])
    """

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int) or isinstance(total_count, bool):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        super().__init__(probs, logits, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, self._get_checked_instance(Multinomial, _instance))
        new.total_count = self.total_count
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size(), *, generator=None):
        sample_shape = _sample_shape(sample_shape)
        draws = self._categorical.sample(Size((self.total_count,)) + sample_shape,
                                         generator=generator)
        counts = F.one_hot(draws, self._categorical._num_events).sum(0)
        return counts.reshape(self._extended_shape(sample_shape)).to(self.probs.dtype)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # a category never drawn contributes p^0 = 1, even when p = 0 (logit -inf)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)
        return (value.sum(-1) + 1).lgamma() - (value + 1).lgamma().sum(-1) \
            + (logits * value).sum(-1)

    def entropy(self):
        r"""With :math:`H_c` the categorical entropy,
        :math:`H = n H_c - \log n! + \sum_k \sum_{j=1}^n \mathrm{Bin}(j; n, p_k) \log j!`."""
        n = self.total_count
        probs = self.probs
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        j = arange(1, n + 1, dtype=probs.dtype, device=probs.device)
        j = j.reshape((-1,) + (1,) * probs.ndim)
        log_j_factorial = (j + 1).lgamma()
        logits = probs_to_logits(probs, is_binary=True)
        log_binomial = (math.lgamma(n + 1) - log_j_factorial - (n - j + 1).lgamma()
                        + j * logits - n * F.softplus(logits))
        term2 = (log_binomial.exp() * log_j_factorial).sum(0).sum(-1)
        return term1 + term2
