r"""Functional forms of the layers, losses and activations, as
``torch.nn.functional``.

Every function computes on its inputs' device through the backend's array namespace
(NumPy or CuPy; on ``meta`` only shapes are computed), checks PyTorch's device rule,
and computes half types in float32, rounding once. Each one is differentiable:
composites through the operations they call, the fused ones (convolutions, pooling,
the softmax family, the normalizations, cross-entropy) with their derivative written
beside their forward. The functions live by family in ``tensorlite.nn._functional``:
``conv``, ``pooling``, ``activation``, ``normalization``, ``loss``, ``attention``,
``vision``, ``linear``, ``sparse``, ``dropout``, ``distance`` and ``composite`` (the
rarer layers and losses built from the others).

>>> import tensorlite as tl
>>> import tensorlite.nn.functional as F
>>> F.relu(tl.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

from __future__ import annotations

from ._functional import (activation, attention, composite, conv, distance,
                          dropout as _dropout_family, linear as _linear_family, loss,
                          normalization, pooling, sparse, vision)
from ._functional.activation import *  # noqa: F401,F403
from ._functional.composite import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.distance import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403

__all__ = [name for family in (activation, attention, composite, conv, distance, _dropout_family,
                               _linear_family, loss, normalization, pooling, sparse, vision)
           for name in family.__all__]
