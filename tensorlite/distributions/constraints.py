r"""Constraints: the sets a parameter or a sample must lie in.

A constraint's :meth:`~Constraint.check` returns a bool tensor, true where the
value is valid; for constraints on vectors (``event_dim = 1``, e.g.
:data:`simplex`) one entry per vector, for matrices (``event_dim = 2``) one per
matrix. Distributions declare ``arg_constraints`` (parameter name → constraint)
and ``support``; validation (``validate_args``) checks them and raises
``ValueError`` naming the offending value. The objects and their reprs are
PyTorch's (``GreaterThan(lower_bound=0.0)``, ``Simplex()``, ...).

==========================  =================================================
``real``                    :math:`x = x` (not NaN)
``positive``, ``nonnegative``  :math:`x > 0`, :math:`x \ge 0`
``greater_than(a)``, ``less_than(b)``  :math:`x > a`, :math:`x < b`
``interval(a, b)``          :math:`a \le x \le b` (``unit_interval``: [0, 1])
``boolean``                 :math:`x \in \{0, 1\}`
``integer_interval(a, b)``  integer :math:`a \le x \le b`
``nonnegative_integer``     integer :math:`x \ge 0`
``real_vector``             every entry real (``independent(real, 1)``)
``simplex``                 :math:`x_i \ge 0`, :math:`|\sum_i x_i - 1| < 10^{-6}`
``one_hot``                 0/1 entries summing to one
``multinomial(n)``          :math:`x_i \ge 0`, :math:`\sum_i x_i \le n`
``lower_cholesky``          lower triangular, positive diagonal
``positive_definite``       symmetric (to 1e-6), with a Cholesky factor
==========================  =================================================

>>> import tensorlite as tl
>>> from tensorlite.distributions import constraints
>>> constraints.positive.check(tl.tensor([1.0, 0.0]))
tensor([ True, False])
"""

from __future__ import annotations

from .. import _dtype
from .._creation import full, ones
from .._tensor import Tensor, _wrap

__all__ = ["Constraint", "boolean", "dependent", "dependent_property", "greater_than",
           "greater_than_eq", "half_open_interval", "independent", "integer_interval",
           "interval", "is_dependent", "less_than", "lower_cholesky", "lower_triangular",
           "multinomial", "nonnegative", "nonnegative_integer", "one_hot",
           "positive", "positive_definite", "positive_integer", "real", "real_vector",
           "simplex", "square", "symmetric", "unit_interval"]


class Constraint:
    """A region of valid values. ``is_discrete``: whether the set is discrete;
    ``event_dim``: how many rightmost dimensions form one event."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        """A bool tensor: ``True`` where ``value`` satisfies the constraint."""
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__[1:] + "()"


class _Dependent(Constraint):
    """A placeholder for a constraint that depends on other parameters (it cannot be
    checked on its own)."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(is_discrete=self._is_discrete if is_discrete is NotImplemented
                          else is_discrete,
                          event_dim=self._event_dim if event_dim is NotImplemented
                          else event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


class _DependentProperty(property, _Dependent):
    """A property that computes a constraint from the instance (``Uniform.support``
    is ``interval(low, high)``); on the class it reads as a dependent constraint."""

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


def is_dependent(constraint):
    return isinstance(constraint, _Dependent)


def _values(value):
    """Whether ``value`` has values to check (meta tensors are shapes only)."""
    return not isinstance(value, Tensor) or value._backend.has_data


class _IndependentConstraint(Constraint):
    """``base_constraint`` over events of ``reinterpreted_batch_ndims`` more dimensions:
    valid where every element of the event is."""

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"base_constraint must be a Constraint, got "
                            f"{type(base_constraint).__name__}")
        if not isinstance(reinterpreted_batch_ndims, int) or reinterpreted_batch_ndims < 0:
            raise ValueError(f"reinterpreted_batch_ndims must be a non-negative int, got "
                             f"{reinterpreted_batch_ndims!r}")
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        if result.ndim < self.reinterpreted_batch_ndims:
            expected = self.base_constraint.event_dim + self.reinterpreted_batch_ndims
            raise ValueError(f"Expected value.dim() >= {expected} but got {value.ndim}")
        return result.reshape(tuple(result.shape[:result.ndim - self.reinterpreted_batch_ndims])
                              + (-1,)).all(-1)

    def __repr__(self):
        return f"{type(self).__name__[1:]}({self.base_constraint!r}, " \
               f"{self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Bounded(Constraint):
    """Shared repr of the one- and two-sided bounds: ``Name(lower_bound=.., ...)``."""

    _fields = ()

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)}" for f in self._fields)
        return f"{type(self).__name__[1:]}({args})"


class _IntegerInterval(_Bounded):
    is_discrete = True
    _fields = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value % 1 == 0) & (self.lower_bound <= value) & (value <= self.upper_bound)


class _IntegerGreaterThan(_Bounded):
    is_discrete = True
    _fields = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)


class _Real(Constraint):
    def check(self, value):
        return value == value  # false only for NaN


class _GreaterThan(_Bounded):
    _fields = ("lower_bound",)

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return value > self.lower_bound


class _GreaterThanEq(_GreaterThan):
    def check(self, value):
        return value >= self.lower_bound


class _LessThan(_Bounded):
    _fields = ("upper_bound",)

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound


class _Interval(_Bounded):
    _fields = ("lower_bound", "upper_bound")

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value >= self.lower_bound) & (value <= self.upper_bound)


class _HalfOpenInterval(_Interval):
    def check(self, value):
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _Multinomial(Constraint):
    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, x):
        return (x >= 0).all(-1) & (x.sum(-1) <= self.upper_bound)


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        n = value.shape[-1]
        outside = ~ones(n, n, dtype=_dtype.bool, device=value.device).tril()
        return ~((value != 0) & outside).reshape(tuple(value.shape[:-2]) + (-1,)).any(-1)


class _LowerCholesky(_LowerTriangular):
    def check(self, value):
        return super().check(value) & (value.diagonal(dim1=-2, dim2=-1) > 0).all(-1)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        return full(tuple(value.shape[:-2]), value.shape[-2] == value.shape[-1],
                    dtype=_dtype.bool, device=value.device)


class _Symmetric(_Square):
    def check(self, value):
        square = super().check(value)
        if not _all_true(square):
            return square
        close = (value - value.mT).abs() <= 1e-6 + 1e-5 * value.mT.abs()  # isclose, atol 1e-6
        return close.all(-1).all(-1)


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        symmetric = super().check(value)
        if not _all_true(symmetric) or not _values(value):
            return symmetric
        backend = value._backend
        xp = backend.xp
        with backend.context(value.device):
            # the smallest eigenvalue decides; Cholesky would fail for the whole batch
            ok = xp.linalg.eigvalsh(value._data).min(axis=-1) > 0
        return _wrap(xp.asarray(ok), value.device, _dtype.bool)


def _all_true(check):
    """Whether a check passed everywhere (true on meta, where nothing can be read)."""
    return not _values(check) or bool(check.all())


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
multinomial = _Multinomial
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
square = _Square()
symmetric = _Symmetric()
positive_definite = _PositiveDefinite()

