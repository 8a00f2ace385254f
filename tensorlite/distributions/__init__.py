r"""Probability distributions with PyTorch's ``torch.distributions`` API.

Each distribution has ``batch_shape``/``event_shape``, ``sample(sample_shape)``
and (for continuous ones) a differentiable ``rsample``, ``log_prob``,
``entropy``, ``mean``, ``mode``, ``variance``, ``stddev``, ``cdf``/``icdf``
where PyTorch has them, ``expand``, and PyTorch's argument validation
(``validate_args``, ``Distribution.set_default_validate_args``).
:func:`kl_divergence` gives closed forms for pairs, extensible with
:func:`register_kl`.

Samples come from tensorlite's random stream (``tl.rand``, ``tl.randn``,
``tl.bernoulli``, ``tl.multinomial``) through inverse CDFs: each call consumes
a number of words fixed by its shape, and the same seed gives the same samples
on every device. They are not PyTorch's samples (PyTorch's stream differs);
their distributions are, and the tests check them statistically.

A policy-gradient step, for example::

    dist = Categorical(logits=policy(state))
    action = dist.sample()
    loss = -(dist.log_prob(action) * advantage).sum() - 0.01 * dist.entropy().sum()

>>> import tensorlite as tl
>>> from tensorlite.distributions import Normal
>>> _ = tl.manual_seed(0)
>>> Normal(tl.zeros(2), tl.ones(2)).rsample((3,)).shape
tensorlite.Size([3, 2])
"""

from __future__ import annotations

from . import constraints
from .continuous import Cauchy, Exponential, Gumbel, Laplace, LogNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical, Geometric, Multinomial, OneHotCategorical
from .distribution import Distribution
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal

__all__ = ["Bernoulli", "Categorical", "Cauchy", "Distribution", "Exponential", "Geometric",
           "Gumbel", "Independent", "Laplace", "LogNormal", "MultivariateNormal",
           "Multinomial", "Normal", "OneHotCategorical", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
