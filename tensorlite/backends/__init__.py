"""Compatibility flags that PyTorch scripts set (``tl.backends.cudnn``).

``tl.backends.cudnn.deterministic`` is an alias of
``tl.use_deterministic_algorithms`` / ``tl.are_deterministic_algorithms_enabled``.
``tl.backends.cudnn.benchmark`` and ``allow_tf32``, and
``tl.backends.cuda.matmul.allow_tf32`` are accepted and stored so ported scripts
run; tensorlite autotunes nothing and computes float32 in float32, so they change
nothing.

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
    allow_tf32 = True  # accepted for compatibility; tensorlite runs no cuDNN convolutions

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


class _MatmulFlags:
    """``tl.backends.cuda.matmul``: ``allow_tf32`` is PyTorch's alias of the float32
    matmul precision (``True`` is ``"high"``, ``False`` is ``"highest"``); tensorlite
    computes float32 products in float32 either way."""

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self):
        from .. import _scripting

        return _scripting.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value):
        from .. import _scripting

        _scripting.set_float32_matmul_precision("high" if value else "highest")


class _CudaFlags(types.ModuleType):
    """``tl.backends.cuda``: ``matmul.allow_tf32`` and friends (accepted settings)."""

    matmul = _MatmulFlags()

    def is_built(self):
        from .. import cuda as _cuda

        return _cuda.is_available()


cuda = _CudaFlags(__name__ + ".cuda", _CudaFlags.__doc__)
sys.modules[cuda.__name__] = cuda


class _MpsFlags(types.ModuleType):
    """``tl.backends.mps``: Apple's Metal backend, which tensorlite does not have."""

    def is_available(self):
        return False

    def is_built(self):
        return False


mps = _MpsFlags(__name__ + ".mps", _MpsFlags.__doc__)
sys.modules[mps.__name__] = mps
