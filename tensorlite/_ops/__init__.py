"""The operations on tensors, grouped by family, each defined once with its derivative.

* :mod:`.elementwise` — arithmetic, comparisons, unary math, ``where``, ``clamp``;
* :mod:`.reductions` — ``sum``, ``mean``, ``var``, ``max``, ...;
* :mod:`.shape` — views, indexing, joining, copies and ``to``;
* :mod:`.linalg` — matrix products;
* :mod:`.inplace` — the rules of in-place writes (version counters, leaves, views);
* :mod:`.optim_support` — ``addcmul``, ``addcdiv``, ``lerp``, ``dot`` (what optimizers use).

Importing this package installs the operators and methods on ``Tensor``.
"""

from .._tensor import Tensor
from . import elementwise, inplace, linalg, optim_support, reductions, shape

for _family in (elementwise, reductions, shape, linalg, optim_support):
    _family.install(Tensor)
