"""Compatibility flags that PyTorch scripts set (``tl.backends.cudnn``).

``tl.backends.cudnn.deterministic`` is an alias of
``tl.use_deterministic_algorithms`` / ``tl.are_deterministic_algorithms_enabled``.
``tl.backends.cudnn.benchmark`` is accepted and stored so ported scripts run;
tensorlite autotunes nothing, so it changes nothing.

>>> import tensorlite as tl
>>> tl.backends.cudnn.deterministic = True
>>> tl.are_deterministic_algorithms_enabled()
True
>>> tl.backends.cudnn.deterministic = False
"""

from __future__ import annotations

import sys
import types

from .. import _determinism


class _CudnnFlags(types.ModuleType):
    """``tl.backends.cudnn``: ``deterministic``, ``benchmark``, ``enabled``."""

    enabled = True
    benchmark = False  # accepted for compatibility; tensorlite does no autotuning

    @property
    def deterministic(self):
        return _determinism.are_deterministic_algorithms_enabled()

    @deterministic.setter
    def deterministic(self, value):
        _determinism.use_deterministic_algorithms(bool(value))

    def is_available(self):
        return False  # tensorlite does not use cuDNN


cudnn = _CudnnFlags(__name__ + ".cudnn", _CudnnFlags.__doc__)
sys.modules[cudnn.__name__] = cudnn
