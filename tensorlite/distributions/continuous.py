r"""Univariate continuous distributions: density, and sample from :math:`u \sim U(0,1)`
(``tl.rand``) or :math:`z \sim \mathcal N(0,1)` (``tl.randn``).

* ``Normal``: :math:`\frac{1}{\sigma\sqrt{2\pi}} e^{-(x-\mu)^2/2\sigma^2}`;
  :math:`x = \mu + \sigma z`.
* ``LogNormal``: the ``Normal`` density of :math:`\log x`, divided by :math:`x`;
  :math:`x = e^{\mu + \sigma z}`.
* ``Uniform``: :math:`1/(b-a)` on :math:`[a, b)`; :math:`x = a + (b-a) u`.
* ``Exponential``: :math:`\lambda e^{-\lambda x}`, :math:`x \ge 0`;
  :math:`x = -\log(1-u)/\lambda`.
* ``Laplace``: :math:`\frac{1}{2b} e^{-|x-\mu|/b}`;
  :math:`x = \mu - b\,\mathrm{sgn}(u-\tfrac12)\log(1-2|u-\tfrac12|)`.
* ``Cauchy``: :math:`\frac{1}{\pi\gamma(1 + ((x-x_0)/\gamma)^2)}`;
  :math:`x = x_0 + \gamma\tan(\pi(u-\tfrac12))`.
* ``Gumbel``: :math:`\frac1\beta e^{-(z + e^{-z})}` with :math:`z = (x-\mu)/\beta`;
  :math:`x = \mu - \beta\log(-\log u)`.

Every sample is its inverse CDF applied to ``tl.rand`` (or ``loc + scale *
tl.randn`` for the normal family), written with tensor operations on the
parameters, so ``rsample`` is differentiable in them. The ``u`` of the
log-based transforms excludes 0 (see ``Distribution._uniform``), so samples are
finite.

>>> import tensorlite as tl
>>> from tensorlite.distributions import Exponential
>>> d = Exponential(tl.tensor([1.0, 2.0]))
>>> d.mean
tensor([1.0000, 0.5000])
"""

from __future__ import annotations

import math

from .._creation import full, zeros_like
from .._tensor import Size
from ..random.sampling import rand, randn
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, euler_constant, is_number

__all__ = ["Normal", "LogNormal", "Uniform", "Exponential", "Laplace", "Cauchy", "Gumbel"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class _LocScale(Distribution):
    """What the location-scale families share: ``loc`` (real) and ``scale`` (positive)
    broadcast to the batch shape, ``expand``, and ``rsample = loc + scale * ε`` with
    ``ε`` from the family's standard form (:meth:`_standard`)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = Size() if is_number(loc) and is_number(scale) else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(_LocScale, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return self._expanded(new, batch_shape)

    def rsample(self, sample_shape=Size(), *, generator=None):
        eps = self._standard(self._extended_shape(sample_shape), generator)
        return self.loc + self.scale * eps

    def _standard(self, shape, generator):
        """A sample of the family with ``loc = 0``, ``scale = 1`` (no gradient)."""
        raise NotImplementedError

    def _z(self, value):
        return (value - self.loc) / self.scale

    def _checked(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return value


class Normal(_LocScale):
    r"""The normal (Gaussian) distribution :math:`\mathcal N(\mu, \sigma^2)`.

    Args:
        loc (float or Tensor): mean :math:`\mu`.
        scale (float or Tensor): standard deviation :math:`\sigma > 0`.

    Example:
        >>> import tensorlite as tl
        >>> d = Normal(0.0, 1.0)
        >>> float(d.log_prob(tl.tensor(0.0)))  # -log(2π)/2
        -0.9189385175704956
    """

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.pow(2)

    def _standard(self, shape, generator):
        return randn(shape, generator=generator, dtype=self.loc.dtype, device=self.loc.device)

    def log_prob(self, value):
        value = self._checked(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() \
            - _LOG_SQRT_2PI

    def cdf(self, value):
        value = self._checked(value)
        return 0.5 * (1 + (self._z(value) * math.sqrt(0.5)).erf())

    def icdf(self, value):
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self):
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()


class LogNormal(Distribution):
    r"""The distribution of :math:`e^X` for :math:`X \sim \mathcal N(\mu, \sigma^2)`.

    ``base_dist`` is that normal distribution; ``loc`` and ``scale`` are its
    parameters. :math:`\log p(y) = \log p_X(\log y) - \log y`.

    Example:
        >>> import tensorlite as tl
        >>> float(LogNormal(0.0, 1.0).log_prob(tl.tensor(1.0)))
        -0.9189385175704956
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LogNormal, _instance)
        batch_shape = Size(batch_shape)
        new.base_dist = self.base_dist.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def loc(self):
        return self.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.scale

    @property
    def mean(self):
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self):
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self):
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape=Size(), *, generator=None):
        return self.base_dist.rsample(sample_shape, generator=generator).exp()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        log_value = value.log()
        return self.base_dist.log_prob(log_value) - log_value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.base_dist.cdf(value.log())

    def icdf(self, value):
        return self.base_dist.icdf(value).exp()

    def entropy(self):
        return self.base_dist.entropy() + self.loc


class Uniform(Distribution):
    r"""The continuous uniform distribution on ``[low, high)``.

    Example:
        >>> import tensorlite as tl
        >>> Uniform(0.0, 4.0).entropy()
        tensor(1.3863)
    """

    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        batch_shape = Size() if is_number(low) and is_number(high) else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def arg_constraints(self):
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.interval(self.low, self.high)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = Size(batch_shape)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return math.nan * self.high

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=Size(), *, generator=None):
        u = rand(self._extended_shape(sample_shape), generator=generator,
                 dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()


class Exponential(Distribution):
    r"""The exponential distribution with ``rate`` :math:`\lambda`: density
    :math:`\lambda e^{-\lambda x}` on :math:`x \ge 0`.

    Example:
        >>> import tensorlite as tl
        >>> Exponential(tl.tensor([2.0])).variance
        tensor([0.2500])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if is_number(rate) else self.rate.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self):
        return 1 / self.rate

    @property
    def mode(self):
        return zeros_like(self.rate)

    @property
    def stddev(self):
        return 1 / self.rate

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=Size(), *, generator=None):
        return self.icdf(self._uniform(self._extended_shape(sample_shape), self.rate,
                                       generator))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()


class Laplace(_LocScale):
    r"""The Laplace (double exponential) distribution: density
    :math:`\frac{1}{2b} e^{-|x-\mu|/b}`.

    Example:
        >>> Laplace(0.0, 1.0).variance
        tensor(2.)
    """

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return 2 ** 0.5 * self.scale

    def _standard(self, shape, generator):
        return _laplace_icdf(self._uniform(shape, self.loc, generator) - 0.5)

    def log_prob(self, value):
        value = self._checked(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        value = self._checked(value)
        d = value - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value):
        return self.loc + self.scale * _laplace_icdf(value - 0.5)

    def entropy(self):
        return 1 + (2 * self.scale).log()


def _laplace_icdf(centred):
    """The standard Laplace quantile of ``u = centred + 1/2``."""
    return -centred.sign() * (-2 * centred.abs()).log1p()


class Cauchy(_LocScale):
    r"""The Cauchy (Lorentz) distribution: density
    :math:`\frac{1}{\pi\gamma(1 + ((x - x_0)/\gamma)^2)}`; no mean, infinite variance.

    Example:
        >>> import tensorlite as tl
        >>> float(Cauchy(0.0, 1.0).cdf(tl.tensor(1.0)))
        0.75
    """

    @property
    def mean(self):
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype,
                    device=self.loc.device)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype,
                    device=self.loc.device)

    def _standard(self, shape, generator):
        return (math.pi * (self._uniform(shape, self.loc, generator) - 0.5)).tan()

    def log_prob(self, value):
        value = self._checked(value)
        return -math.log(math.pi) - self.scale.log() - (self._z(value) ** 2).log1p()

    def cdf(self, value):
        value = self._checked(value)
        return self._z(value).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


class Gumbel(_LocScale):
    r"""The Gumbel (type-I extreme value) distribution: with :math:`z = (x-\mu)/\beta`,
    density :math:`\frac1\beta e^{-(z + e^{-z})}` and CDF :math:`e^{-e^{-z}}`.

    Example:
        >>> Gumbel(0.0, 1.0).mean
        tensor(0.5772)
    """

    @property
    def mean(self):
        return self.loc + self.scale * euler_constant

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev.pow(2)

    def _standard(self, shape, generator):
        return -(-self._uniform(shape, self.loc, generator).log()).log()

    def log_prob(self, value):
        value = self._checked(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    def cdf(self, value):
        value = self._checked(value)
        return (-(-self._z(value)).exp()).exp()

    def icdf(self, value):
        return self.loc - self.scale * (-value.log()).log()

    def entropy(self):
        return self.scale.log() + (1 + euler_constant)
