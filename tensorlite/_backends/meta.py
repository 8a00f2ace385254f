"""The ``meta`` backend: tensors with a shape and a dtype and no data.

A meta array is a NumPy array whose strides are all zero over a single element,
so shape operations (views, indexing, transposes) cost nothing and keep working
through NumPy. Results of computing operations are turned back into such
arrays: only their shape and dtype survive. Writes are ignored; reading values
is an error, as in PyTorch.
"""

from __future__ import annotations

import contextlib

import numpy as np


def make(shape, np_dtype):
    return np.broadcast_to(np.zeros((), np_dtype), tuple(shape))


def _strip(result):
    if isinstance(result, np.ndarray):
        return make(result.shape, result.dtype)
    if isinstance(result, np.generic):
        return make((), result.dtype)
    if isinstance(result, tuple):
        return tuple(_strip(r) for r in result)
    return result


class _MetaNamespace:
    """NumPy's namespace with every array result reduced to shape and dtype."""

    def __getattr__(self, name):
        fn = getattr(np, name)
        if not callable(fn):
            return fn

        def shape_only(*args, **kwargs):
            return _strip(fn(*args, **kwargs))

        return shape_only


class MetaBackend:
    name = "meta"
    has_data = False  # whether values exist (meta: shapes only)
    xp = _MetaNamespace()

    def is_available(self):
        return True

    def device_count(self):
        return 1

    def check(self, device):
        return device

    def context(self, device):
        return contextlib.nullcontext()

    def synchronize(self, device):
        pass

    def empty(self, shape, np_dtype, device, fn="empty"):
        return make(shape, np_dtype)

    def full(self, shape, value, np_dtype, device, fn="full"):
        return make(shape, np_dtype)

    def asarray(self, data, np_dtype, device, copy):
        return make(np.shape(data), np_dtype)

    def astype(self, array, np_dtype, copy=False):
        return make(array.shape, np_dtype)

    def assign(self, array, key, value):
        pass  # no data to write

    def to_numpy(self, array):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def random(self, kind, shape, np_dtype, seed, offset, device=None, out=None, **params):
        return make(shape, np_dtype)


backend = MetaBackend()
