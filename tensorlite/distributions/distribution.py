r"""The :class:`Distribution` base class: shapes, sampling, validation.

A distribution has a ``batch_shape`` (independent, differently parameterized
copies) and an ``event_shape`` (the shape of one draw of a multivariate
variable). ``sample(sample_shape)`` returns ``sample_shape + batch_shape +
event_shape``; ``log_prob(value)`` returns the broadcast of ``value``'s leading
shape with ``batch_shape``.

Sampling draws from tensorlite's stream through its public primitives
(``tl.rand``, ``tl.randn``, ``tl.bernoulli``, ``tl.multinomial``) and turns the
draws into samples by inverse CDFs, so every call consumes a number of stream
words fixed by the sample's shape (never by the values drawn), and the same
seed gives the same samples on every device. ``rsample`` writes the sample as a
differentiable function of the parameters (the reparameterization
:math:`x = F^{-1}(u; \theta)`), so gradients reach the parameters; ``sample``
is the same draw with gradients off. Both take a keyword-only ``generator=``
(an extension over PyTorch, whose samplers use the default generator only).

With ``validate_args`` (on by default, as in PyTorch, unless Python runs with
``-O``; see :meth:`Distribution.set_default_validate_args`) the parameters are
checked against ``arg_constraints`` on construction and values against
``support`` in ``log_prob``/``cdf``; violations raise ``ValueError`` with
PyTorch's messages. Meta tensors have no values, so only shapes are checked.

>>> import tensorlite as tl
>>> from tensorlite.distributions import Normal
>>> d = Normal(tl.zeros(3), 1.0)
>>> d.batch_shape, d.sample((2,)).shape
(tensorlite.Size([3]), tensorlite.Size([2, 3]))
"""

from __future__ import annotations

import warnings

from .._tensor import Size, Tensor, _sizes
from .._typeinfo import finfo
from ..autograd.grad_mode import no_grad
from ..random.sampling import rand
from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _all_true(check):
    return constraints._all_true(check)


class Distribution:
    """Abstract base class of probability distributions.

    Args:
        batch_shape (Size): the shape over which parameters are batched.
        event_shape (Size): the shape of a single sample (without batching).
        validate_args (bool, optional): whether to validate arguments; ``None`` takes
            the class default (:meth:`set_default_validate_args`).
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument validation on or off for distributions created afterwards
        without an explicit ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
                warnings.warn(f"{type(self)} does not define `arg_constraints`. Please set "
                              f"`arg_constraints = {{}}` or initialize the distribution with "
                              f"`validate_args=False` to turn off validation.", stacklevel=2)
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue  # depends on other parameters: cannot be checked alone
                if param not in self.__dict__ and \
                        isinstance(getattr(type(self), param, None), lazy_property):
                    continue  # derived lazily from the given parameter
                value = getattr(self, param)
                if not _all_true(constraint.check(value)):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")

    # ---- shapes ------------------------------------------------------------------------
    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    def _extended_shape(self, sample_shape=Size()):
        """``sample_shape + batch_shape + event_shape``."""
        return Size(_sample_shape(sample_shape) + self._batch_shape + self._event_shape)

    def expand(self, batch_shape, _instance=None):
        """A new distribution with parameters expanded (views) to ``batch_shape``;
        arguments are not validated again."""
        raise NotImplementedError

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            # name the public class the subclass derives from, not a private base
            base = next(c for c in type(self).__mro__[1:]
                        if issubclass(c, cls) and not c.__name__.startswith("_"))
            raise NotImplementedError(
                f"Subclass {type(self).__name__} of {base.__name__} that defines a custom "
                f"__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def _expanded(self, new, batch_shape, event_shape=None):
        """Finish ``new`` (from :meth:`expand`): shapes set, validation flag copied,
        nothing re-checked."""
        Distribution.__init__(new, batch_shape, self._event_shape if event_shape is None
                              else event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    # ---- what subclasses define --------------------------------------------------------
    @property
    def arg_constraints(self):
        """Parameter name -> :class:`~tensorlite.distributions.constraints.Constraint`."""
        raise NotImplementedError

    @property
    def support(self):
        """The :class:`~tensorlite.distributions.constraints.Constraint` samples lie in."""
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        """The standard deviation, ``variance.sqrt()``."""
        return self.variance.sqrt()

    def sample(self, sample_shape=Size(), *, generator=None):
        """A sample of shape ``sample_shape + batch_shape + event_shape``, without
        gradients."""
        with no_grad():
            return self.rsample(sample_shape, generator=generator)

    def rsample(self, sample_shape=Size(), *, generator=None):
        """A reparameterized sample: differentiable in the parameters."""
        raise NotImplementedError

    def sample_n(self, n):
        """``sample((n,))`` (deprecated, as in PyTorch)."""
        warnings.warn("`sample_n(n)` will be deprecated. Use `sample((n,))` instead.",
                      FutureWarning, stacklevel=2)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        """Log of the density (or mass) function at ``value``."""
        raise NotImplementedError

    def cdf(self, value):
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError

    def icdf(self, value):
        """The inverse cumulative distribution function at ``value`` in [0, 1]."""
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """All values of a discrete distribution along dimension 0."""
        raise NotImplementedError

    def entropy(self):
        """The entropy, of shape ``batch_shape``."""
        raise NotImplementedError

    def perplexity(self):
        """``exp(entropy())``."""
        return self.entropy().exp()

    # ---- helpers -----------------------------------------------------------------------
    def _validate_sample(self, value):
        """Check ``value``'s shape against the distribution's and its values against
        ``support`` (PyTorch's errors)."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = value.ndim - len(self._event_shape)
        if value.shape[event_dim_start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{value.shape} vs {self._event_shape}.")
        actual, expected = value.shape, self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{actual} vs {expected}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self)} does not define `support` to enable sample "
                          f"validation. Please initialize the distribution with "
                          f"`validate_args=False` to turn off validation.", stacklevel=2)
            return
        if not _all_true(support.check(value)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support ({support!r}) "
                             f"of the distribution {self!r}, but found invalid values:\n"
                             f"{value}")

    def _uniform(self, shape, like, generator):
        r"""Uniforms on the open interval for inverse CDFs: ``tl.rand`` (``k 2^{-b}``,
        ``b`` the significand width of ``like``'s dtype) with ``0`` moved to the
        smallest step ``2^{-b}``. The values are then symmetric about 1/2, so
        ``log u``, ``log(1 - u)`` and ``tan(π(u - 1/2))`` are all finite."""
        u = rand(shape, generator=generator, dtype=like.dtype, device=like.device)
        return u.clamp(min=float(finfo(like.dtype).eps) / 2)

    def __repr__(self):
        # one-element parameters show their value, others their size (PyTorch's form)
        params = {k: self.__dict__[k] for k in self.arg_constraints if k in self.__dict__}
        args = ", ".join(f"{k}: {v if v.numel() == 1 else v.size()}" for k, v in params.items())
        return f"{type(self).__name__}({args})"


def _sample_shape(sample_shape):
    """``sample_shape`` as a :class:`Size` of non-negative ints (PyTorch's TypeError
    for anything else)."""
    if isinstance(sample_shape, Size):
        return sample_shape
    return Size(_sizes((tuple(sample_shape),), "sample"))
