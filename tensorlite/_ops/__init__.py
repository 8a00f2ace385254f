"""The operations on tensors, grouped by family, each defined once with its derivative.

* :mod:`.elementwise` — arithmetic, comparisons, unary math, ``where``, ``clamp``;
* :mod:`.reductions` — ``sum``, ``mean``, ``var``, ``max``, ...;
* :mod:`.shape` — views, indexing, joining, copies and ``to``;
* :mod:`.linalg` — matrix products;
* :mod:`.inplace` — the rules of in-place writes (version counters, leaves, views);
* :mod:`.optim_support` — ``addcmul``, ``addcdiv``, ``lerp``, ``dot`` (what optimizers use).
* :mod:`.pointwise` — the rest of the elementwise math library (trig, erfc, atan2, ...);
* :mod:`.statistics` — logsumexp, aminmax, var_mean, nansum, isclose, ...;
* :mod:`.ordering` — sort, topk, median, unique, searchsorted;
* :mod:`.scans` — cumsum, cumprod, logcumsumexp, cummax, cummin, diff;
* :mod:`.shaping` — split, movedim, repeat, broadcast, flip, roll, triangles, diagonals;
* :mod:`.indexing` — gather/scatter, index_*, masked_select/scatter, take, isin;
* :mod:`.products` — mm, bmm, einsum, tensordot, kron, cross;
* :mod:`.complexes` — ``polar``, ``complex``, ``real``/``imag``, ``angle``;
* :mod:`.nn_support` — ``unbind``, ``softmax`` / ``log_softmax`` methods.

Importing this package installs the operators and methods on ``Tensor``.
"""

from .._tensor import Tensor
from . import elementwise, inplace, linalg, optim_support, reductions, shape
from . import indexing, nn_support, ordering, pointwise, products, shaping, statistics
from . import complexes, scans

for _family in (elementwise, reductions, shape, linalg, optim_support, pointwise, statistics,
                ordering, scans, shaping, indexing, products, nn_support, complexes):
    _family.install(Tensor)
