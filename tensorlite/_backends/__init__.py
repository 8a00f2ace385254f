"""The backend seam: one module per device kind behind one small interface.

Every decision that depends on *where* data lives is made here and nowhere else.
A backend is an object with:

``xp``
    the array namespace (``numpy``, ``cupy``, or the shape-only meta namespace);
``check(device) -> device``
    raises ``RuntimeError`` if the device cannot be used, and returns it with a
    concrete index (``cuda`` -> ``cuda:0``);
``context(device)``
    a context manager that makes ``device`` current (CuPy's device context);
``empty / full / asarray / astype / assign / scatter_add``
    allocation, conversion and in-place writes (no-ops on meta); ``scatter_add``
    adds values at indices that may repeat (the gradient of every gather);
``to_numpy(array) -> numpy.ndarray``
    a host copy (meta raises);
``numpy_view(array, device)``
    the array itself where it is a host array (``Tensor.numpy()``), else PyTorch's
    ``TypeError``;
``random(kind, shape, np_dtype, seed, offset, **params)``
    the random fill of ``tensorlite.random``'s stream contract;
``random_block(kind, shape, box, np_dtype, seed, offset, **params)``
    one block (``box``: a ``(start, stop)`` per dimension) of that fill, computed
    from its own elements' words (``tensorlite.dask``'s tasks);
``synchronize(device)``, ``is_available()``, ``device_count()``;
``has_data``
    whether tensors there hold values (``False`` on meta: value checks are skipped).
"""

from __future__ import annotations

from . import cpu, cuda, meta

_BY_TYPE = {"cpu": cpu.backend, "cuda": cuda.backend, "meta": meta.backend}


def get(device):
    """The backend for ``device`` (a ``tensorlite.device``)."""
    return _BY_TYPE[device.type]


def for_array(array):
    """The backend that owns ``array``, or ``None`` for host Python data."""
    if cuda.is_cupy_array(array):
        return cuda.backend
    return None


def array_device(array):
    """The device of a CuPy array (used by ``as_tensor`` to avoid copies)."""
    return cuda.array_device(array)
