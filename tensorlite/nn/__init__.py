"""Neural-network building blocks with PyTorch's API: ``Parameter``, ``Module``,
layers, ``init`` and ``functional``.

Layers take ``device=`` and ``dtype=``, initialize as PyTorch's
``reset_parameters`` does, print like PyTorch and compute their forward pass on
their device. Their random initialization draws from tensorlite's stream, so
the same seed gives the same model on every device.

>>> import tensorlite as tl
>>> import tensorlite.nn as nn
>>> _ = tl.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 10))
>>> model
Sequential(
  (0): Linear(in_features=128, out_features=256, bias=True)
  (1): ReLU()
  (2): Linear(in_features=256, out_features=10, bias=True)
)
"""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import parameter
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "parameter", "init", "functional", "utils"] + _modules_all
