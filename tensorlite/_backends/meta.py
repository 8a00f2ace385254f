"""The ``meta`` backend: tensors with a shape and a dtype and no data.

A meta array is a :class:`MetaArray`: a NumPy array whose strides are all zero
over a single element, so it costs one element of memory whatever its shape.
Shape operations (views, indexing, transposes, broadcasting) work through NumPy
unchanged. Computing operations are intercepted (NumPy's ``__array_ufunc__`` and
``__array_function__`` protocols) and return new meta arrays from shape and dtype
rules alone, so ``x * 2`` or ``x.sum(0)`` on a 10**12-element meta tensor
allocates nothing. Writes are ignored; reading values is an error, as in PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _validation
from . import _common


class MetaArray(np.ndarray):
    """A shape-and-dtype-only array (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if method == "__call__":
            if ufunc.signature is not None:  # matmul, the only gufunc tensorlite uses
                return _matmul(*inputs, **kwargs)
            shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
            return _like(_on_scalars(ufunc, inputs, kwargs), shape)
        if method in ("reduce", "accumulate"):
            x = inputs[0]
            axis = kwargs.pop("axis", 0)
            keepdims = kwargs.pop("keepdims", False)
            sample = getattr(ufunc, method)(np.zeros(1, x.dtype), **kwargs)
            if method == "accumulate":
                return make(x.shape, sample.dtype)
            return make(_reduced_shape(x.shape, axis, keepdims), np.asarray(sample).dtype)
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        rule = _FUNCTION_RULES.get(func)
        if rule is not None:
            return rule(*args, **kwargs)
        # views and other cheap functions: run on plain zero-stride arrays
        plain = _plain(args)
        result = func(*plain, **{k: _plain(v) for k, v in kwargs.items()})
        return _meta(result)


def make(shape, np_dtype):
    """A meta array of ``shape`` and ``np_dtype`` (one element of memory)."""
    return np.broadcast_to(np.zeros((), np_dtype), tuple(shape)).view(MetaArray)


def _plain(x):
    if isinstance(x, MetaArray):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x)
    return x


def _meta(result):
    if isinstance(result, np.ndarray) and not isinstance(result, MetaArray):
        return make(result.shape, result.dtype)
    if isinstance(result, np.generic):
        return make((), result.dtype)
    if isinstance(result, tuple):
        return tuple(_meta(r) for r in result)
    return result


def _like(sample, shape):
    if isinstance(sample, tuple):
        return tuple(make(shape, np.asarray(s).dtype) for s in sample)
    return make(shape, np.asarray(sample).dtype)


def _on_scalars(fn, inputs, kwargs):
    """Apply ``fn`` to 0-d stand-ins of the inputs: the result dtype, for free."""
    stand_ins = [np.zeros((), x.dtype) if isinstance(x, np.ndarray) else x for x in inputs]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*stand_ins, **kwargs)


def _reduced_shape(shape, axis, keepdims):
    ndim = len(shape)
    if axis is None:
        axes = set(range(ndim))
    else:
        axes = {a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))} if ndim else set()
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _matmul(a, b, **kwargs):
    sa, sb = np.shape(a), np.shape(b)
    dtype = np.result_type(a.dtype, b.dtype)
    a2 = sa if len(sa) > 1 else (1,) + sa
    b2 = sb if len(sb) > 1 else sb + (1,)
    shape = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return make(shape, dtype)


def _reduction(name):
    fn = getattr(np, name)

    def rule(x, axis=None, keepdims=False, **kwargs):
        kwargs.pop("out", None)
        sample = _on_scalars(lambda v: fn(np.zeros(2, v.dtype), **kwargs), [x], {})
        return make(_reduced_shape(x.shape, axis, keepdims), np.asarray(sample).dtype)

    return rule


def _where(condition, x, y):
    shape = np.broadcast_shapes(np.shape(condition), np.shape(x), np.shape(y))
    return make(shape, _on_scalars(np.where, (condition, x, y), {}).dtype)


def _concatenate(arrays, axis=0, **kwargs):
    first = arrays[0]
    shape = list(first.shape)
    shape[axis] = sum(a.shape[axis] for a in arrays)
    return make(shape, np.result_type(*[a.dtype for a in arrays]))


def _stack(arrays, axis=0, **kwargs):
    shape = list(arrays[0].shape)
    shape.insert(axis % (len(shape) + 1), len(arrays))
    return make(shape, np.result_type(*[a.dtype for a in arrays]))


_FUNCTION_RULES = {getattr(np, n): _reduction(n) for n in
                   ("sum", "prod", "mean", "std", "var", "max", "min", "amax", "amin",
                    "argmax", "argmin", "all", "any")}
_FUNCTION_RULES.update({np.where: _where, np.concatenate: _concatenate, np.stack: _stack,
                        np.matmul: lambda a, b, **kw: _matmul(a, b)})


class _MetaNamespace:
    """NumPy's namespace for meta arrays: creation functions make meta arrays."""

    def __getattr__(self, name):
        fn = getattr(np, name)
        if not callable(fn) or isinstance(fn, np.ufunc):  # ufuncs dispatch to MetaArray
            return fn
        return lambda *args, **kwargs: _meta(fn(*args, **kwargs))


class MetaBackend(_common.SingleDevice):
    name = "meta"
    has_data = False  # whether values exist (meta: shapes only)
    xp = _MetaNamespace()

    def check_storage(self, shape, np_dtype, fn="empty"):
        return _validation.storage(shape, np_dtype, fn)  # no memory, but NumPy's limits

    def empty(self, shape, np_dtype, device, fn="empty"):
        self.check_storage(shape, np_dtype, fn)
        return make(shape, np_dtype)

    def full(self, shape, value, np_dtype, device, fn="full"):
        self.check_storage(shape, np_dtype, fn)
        return make(shape, np_dtype)

    def asarray(self, data, np_dtype, device, copy):
        return make(np.shape(data), np_dtype)

    def astype(self, array, np_dtype, copy=False):
        return make(array.shape, np_dtype)

    def assign(self, array, key, value):
        pass  # no data to write

    def scatter_add(self, array, key, values):
        pass

    def scatter_ufunc(self, array, key, values, op):
        pass

    def to_numpy(self, array):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def numpy_view(self, array, device):
        raise TypeError("can't convert meta device type tensor to numpy. Use Tensor.cpu() to "
                        "copy the tensor to host memory first.")

    def multinomial_weights(self, probs2d, replacement, device=None):
        return _common.Weights(probs2d)  # no values to check

    def random(self, kind, shape, np_dtype, seed, offset, device=None, out=None, **params):
        return make(shape, np_dtype) if out is None else out  # "filled": its recipe says how


backend = MetaBackend()
