"""tensorlite: PyTorch's tensor creation, random sampling and initialization API on
NumPy (``"cpu"``) and CuPy (``"cuda"``), with one promise beyond its peers: the
same seed gives the same tensor on every device.

>>> import tensorlite as tl
>>> x = tl.tensor([1.0, 2.0, 3.0])
>>> x.shape, x.dtype
(tensorlite.Size([3]), tensorlite.float32)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                                 set_grad_enabled)
from ._creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_dlpack,
                        from_numpy, full, full_like, linspace, logspace, ones, ones_like,
                        tensor, zeros, zeros_like)
from ._device import device, get_default_device, set_default_device
from ._dtype import (bfloat16, bool, cdouble, cfloat, chalf, complex32, complex64, complex128,
                     double, dtype, float, float16, float32, float64, get_default_dtype, half,
                     int, int8, int16, int32, int64, long, promote_types, set_default_dtype,
                     short, uint8)
from ._tensor import Size, Tensor
from . import _ops  # noqa: E402 - installs the operators and methods on Tensor
from ._ops.elementwise import maximum, minimum, where
from ._ops.linalg import matmul
from ._ops.shape import cat, concat, concatenate, stack
from ._functions import FUNCTIONS as _FUNCTIONS, is_tensor, numel, result_type, unique
globals().update(_FUNCTIONS)  # tl.exp, tl.sum, tl.sort, ...: the function forms of methods
from ._ops.indexing import isin  # noqa: E402
from ._ops.shaping import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,  # noqa: E402
                           broadcast_tensors, column_stack, dstack, hstack, view_as_complex,
                           view_as_real, vstack)
from ._ops.ordering import bucketize, searchsorted  # noqa: E402
from ._ops.products import einsum, tensordot  # noqa: E402
from ._ops.complexes import FUNCTIONS as _COMPLEX_FUNCTIONS  # noqa: E402
globals().update(_COMPLEX_FUNCTIONS)  # tl.polar, tl.complex, tl.real, tl.angle, ...
from ._ops.statistics import std_mean, var_mean  # noqa: E402
from ._typeinfo import (can_cast, finfo, iinfo, is_complex, is_floating_point,  # noqa: E402
                        is_nonzero)
from ._typeinfo import LEGACY as _LEGACY  # noqa: E402
globals().update(_LEGACY)  # tl.FloatTensor, tl.LongTensor, ...
from ._factories import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                         layout, memory_format, meshgrid, preserve_format, sparse_coo,
                         sparse_csr, strided, tril_indices, triu_indices)
from ._scripting import (compile, get_float32_matmul_precision,  # noqa: E402
                         set_float32_matmul_precision, sparse_coo_tensor, sparse_csr_tensor,
                         spmm)
from . import _factories, _scripting, _typeinfo, linalg  # noqa: E402
for _module in (_factories, _scripting, _typeinfo, linalg):
    _module.install(Tensor)


def chain_matmul(*matrices):
    """``tl.linalg.multi_dot(matrices)`` (PyTorch's deprecated spelling)."""
    return linalg.multi_dot(matrices)

from . import autograd  # noqa: E402
from . import cuda  # noqa: E402
from . import xpu  # noqa: E402
from . import accelerator  # noqa: E402
from . import random  # noqa: E402
from .random import (Generator, default_generator, get_rng_state, initial_seed,  # noqa: E402
                     manual_seed, seed, set_rng_state)
from .random.sampling import (bernoulli, multinomial, normal, rand, rand_like,  # noqa: E402
                              randint, randint_like, randn, randn_like, randperm)
from ._determinism import (are_deterministic_algorithms_enabled,  # noqa: E402
                           use_deterministic_algorithms)
from . import backends  # noqa: E402
from . import testing  # noqa: E402
from . import nn  # noqa: E402
# PyTorch's creation functions also take memory_format=/layout=/pin_memory= (zeros, ones,
# empty, rand and randn take them, and size=, in their own signatures: see _factories.size_arg)
zeros_like, ones_like, empty_like, full_like, rand_like, randn_like, randint_like, full = (
    _factories.accepts_memory_format(f) for f in (zeros_like, ones_like, empty_like, full_like,
                                                  rand_like, randn_like, randint_like, full))
from . import utils  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import optim  # noqa: E402
from . import distributions  # noqa: E402
from . import amp  # noqa: E402
from .amp import autocast  # noqa: E402


def is_autocast_enabled(device_type=None):
    """Whether an enabled ``autocast`` region is active (never: see :mod:`tensorlite.amp`)."""
    return False


def __getattr__(name):
    # tensorlite.dask imports Dask only when one of its functions is called; the
    # submodule itself is loaded on first use, so `import tensorlite` stays light.
    if name == "dask":
        import importlib

        return importlib.import_module(".dask", __name__)
    raise AttributeError(f"module 'tensorlite' has no attribute {name!r}")
