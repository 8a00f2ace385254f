r"""Index-based reads and writes (gathers, scatters, ``index_*``, masks), each with its
derivative: a gather's gradient is a scatter-add of the output gradient
(repeated indices add up), a scatter's gradient to its source is a gather, and
positions a write overwrote get no gradient from the old values.

>>> import tensorlite as tl
>>> x = tl.tensor([[1., 2.], [3., 4.]], requires_grad=True)
>>> x.gather(1, tl.tensor([[1, 1], [0, 1]])).sum().backward()
>>> x.grad
tensor([[0., 2.],
        [1., 1.]])
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import _backends, _dtype
from .._tensor import Tensor, _dim, _operand, _wrap, common_device
from ..autograd.graph import needs_grad, record
from . import inplace
from .ordering import _needs_data, put_along, take_along
from .shaping import broadcast_shapes


def _differentiable(*tensors):
    return any(isinstance(t, Tensor) and (t._dtype.is_floating_point or t._dtype.is_complex)
               for t in tensors)


# ---- gathers ---------------------------------------------------------------------------
def _check_index(index, fn, name="index"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not "
                        f"{type(index).__name__}")
    if index._dtype not in (_dtype.int64, _dtype.int32, _dtype.int16, _dtype.int8,
                            _dtype.uint8):
        raise RuntimeError(f"{fn}(): Expected dtype int64 for index")


def _check_bounds(index, size, dim, fn):
    """Out-of-range indices are PyTorch's errors (a value check: synchronizes on cuda)."""
    if not index._backend.has_data or index.numel() == 0:
        return
    lo, hi = int(index._data.min()), int(index._data.max())
    if lo < -size or hi >= size or (lo < 0 and fn in ("gather", "scatter")):
        bad = hi if hi >= size else lo
        if fn in ("index_add", "index_copy", "index_fill", "take"):
            raise IndexError("index out of range in self")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size "
                           f"{size}")


def _gather_shapes(self, d, index, fn, src=None):
    if index.ndim != builtins.max(self.ndim, 1) and not (self.ndim == 0 and index.ndim <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'self' if src is None else 'input'} tensor")
    for i in range(index.ndim):
        if i != d and self.ndim and index.shape[i] > self.shape[i]:
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(index.shape)} to be no larger than self "
                               f"{list(self.shape)} apart from dimension {d}")
        if src is not None and src.ndim and index.shape[i] > src.shape[i]:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than "
                               f"self {list(self.shape)} apart from dimension {d} and to be "
                               f"no larger size than src {list(src.shape)}")


def _region(index, d):
    """The slices of the input that ``index`` covers outside ``dim`` (gather's rule)."""
    return tuple(slice(None) if i == d else slice(0, s) for i, s in enumerate(index.shape))


def gather(self, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = self[i][index[i][j][k]][k]`` for ``dim=1`` (and likewise)."""
    _check_index(index, "gather")
    d = _dim(dim, self.ndim, "gather")
    _gather_shapes(self, d, index, "gather")
    device = common_device((self, index), "gather")
    _check_bounds(index, self.shape[d] if self.ndim else 1, d, "gather")
    backend = _backends.get(device)
    xp = backend.xp
    idx = index._data.astype(np.int64, copy=False)
    region = _region(index, d)
    with backend.context(device):
        x = self._data
        data = take_along(xp, x[region], idx, d) if x.ndim else \
            xp.broadcast_to(x, idx.shape).copy()
    out = _wrap(data, device, self._dtype)
    if _differentiable(self) and self.requires_grad and needs_grad(self):
        shape, np_dtype = x.shape, x.dtype

        def rule(grads):
            if not len(shape):
                return (grads[0].sum(),)
            return (put_along(backend, shape, np_dtype, d, idx, grads[0], accumulate=True),)

        record("GatherBackward0", (self,), out, rule)
    return out


def take_along_dim(self, indices, dim=None):
    """``gather`` after broadcasting ``self`` and ``indices`` outside ``dim`` (flat when
    ``dim`` is ``None``)."""
    if dim is None:
        return self.reshape(-1).gather(0, indices.reshape(-1))
    d = _dim(dim, self.ndim, "take_along_dim")
    if indices.ndim != self.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {self.ndim} dimensions for input, "
                           f"and {indices.ndim} dimensions for indices")
    shape_x, shape_i = list(self.shape), list(indices.shape)
    shape_x[d] = shape_i[d] = 1
    common = list(broadcast_shapes(shape_x, shape_i))
    x = self.expand(common[:d] + [self.shape[d]] + common[d + 1:])
    i = indices.expand(common[:d] + [indices.shape[d]] + common[d + 1:])
    return x.gather(d, i)


def index_select(self, dim, index):
    """The slices ``index[k]`` of ``self`` along ``dim``."""
    _check_index(index, "index_select")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _dim(dim, self.ndim, "index_select")
    device = common_device((self, index), "index_select")
    _check_bounds(index, self.shape[d] if self.ndim else 1, d, "index_select")
    backend = _backends.get(device)
    idx = index._data.reshape(-1).astype(np.int64, copy=False)
    with backend.context(device):
        data = backend.xp.take(self._data, idx, axis=d) if self.ndim else \
            self._data.reshape(1)[idx].reshape(index.shape)
    out = _wrap(data, device, self._dtype)
    if _differentiable(self) and self.requires_grad and needs_grad(self):
        shape, np_dtype = self._data.shape, self._data.dtype
        key = (slice(None),) * d + (idx,)

        def rule(grads):
            out = backend.xp.zeros(shape, np_dtype)
            if not len(shape):
                return (grads[0].sum().reshape(()),)
            backend.scatter_add(out, key, grads[0])
            return (out,)

        record("IndexSelectBackward0", (self,), out, rule)
    return out


def take(self, index):
    """Elements of the flattened tensor at ``index`` (the result has ``index``'s shape)."""
    _check_index(index, "take")
    _check_bounds(index, self.numel(), 0, "take")
    return index_select(self.reshape(-1), 0, index.reshape(-1)).reshape(index.shape)


def masked_select(self, mask):
    """The elements where ``mask`` (broadcast with ``self``) holds, as a 1-D tensor."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    _needs_data(self, "masked_select")
    shape = broadcast_shapes(self.shape, mask.shape)
    return self.expand(shape)[mask.expand(shape)]


# ---- writes (out of place; the `_` forms write back through inplace.method) ------------
def _key(d, idx):
    return (slice(None),) * d + (idx,)


def _index_write(self, dim, index, source, fn, node, accumulate, alpha=1):
    """``self`` with ``source`` written (or added) at ``index`` along ``dim``."""
    _check_index(index, fn)
    if index.ndim > 1:
        raise IndexError(f"{fn}_(): Index is supposed to be a vector")
    d = _dim(dim, self.ndim, fn)
    device = common_device((self, index, source), fn)
    _check_bounds(index, self.shape[d] if self.ndim else 1, d, fn)
    if isinstance(source, Tensor):
        if source.dtype is not self.dtype:
            raise RuntimeError(f"{fn}_(): self ({self.dtype}) and source ({source.dtype}) "
                               f"must have the same scalar type")
        expected = list(self.shape)
        if expected:
            expected[d] = index.numel()
        if list(source.shape) != expected and source.numel() != builtins.max(
                int(np.prod(expected)), 1):
            raise RuntimeError(f"{fn}_(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {expected} at dimension "
                               f"{d} and source slice shape: {list(source.shape)}")
    backend = _backends.get(device)
    xp = backend.xp
    idx = index._data.reshape(-1).astype(np.int64, copy=False)
    key = _key(d, idx) if self.ndim else idx
    with backend.context(device):
        data = self._data.copy() if self.ndim else self._data.reshape(1).copy()
        value = _operand(source, device, data.dtype)
        if isinstance(source, Tensor):
            value = value.reshape(data[key].shape)
            if alpha != 1:
                value = value * alpha
        (backend.scatter_add if accumulate else backend.assign)(data, key, value)
        data = data.reshape(self._data.shape)
    out = _wrap(data, device, self._dtype)
    if _differentiable(self, source) and needs_grad(self, source):
        src_shape = source._data.shape if isinstance(source, Tensor) else None
        self_shape = self._data.shape

        def rule(grads):
            g = grads[0].reshape(-1) if not len(self_shape) else grads[0]
            g_self = g
            if not accumulate:
                g_self = g.copy()
                backend.assign(g_self, key, 0)
            g_src = None
            if src_shape is not None:
                g_src = g[key].reshape(src_shape)
                if alpha != 1:
                    g_src = g_src * alpha
            return g_self.reshape(self_shape), g_src

        record(node, (self, source), out, rule)
    return out


def index_add(self, dim, index, source, *, alpha=1):
    """``self`` with ``alpha * source`` slices added at ``index`` along ``dim`` (repeated
    indices add up)."""
    return _index_write(self, dim, index, source, "index_add", "IndexAddBackward0", True,
                        alpha)


def index_copy(self, dim, index, source):
    """``self`` with the slices at ``index`` along ``dim`` replaced by ``source``'s."""
    return _index_write(self, dim, index, source, "index_copy", "IndexCopyBackward0", False)


def index_fill(self, dim, index, value):
    """``self`` with the slices at ``index`` along ``dim`` set to ``value``."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but "
                             f"got tensor with {value.ndim} dimension(s).")
        value = value.item()
    return _index_write(self, dim, index, value, "index_fill", "IndexFillBackward0", False)


_SCATTER_REDUCE = {"sum": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum",
                   "mean": "add", "add": "add", "multiply": "multiply", "max": "maximum",
                   "min": "minimum"}


def _scatter(self, dim, index, src, reduce, include_self, fn, node):
    _check_index(index, fn)
    d = _dim(dim, self.ndim, fn)
    _gather_shapes(self, d, index, fn, src if isinstance(src, Tensor) else None)
    device = common_device((self, index, src), fn)
    _check_bounds(index, self.shape[d] if self.ndim else 1, d, "scatter")
    if isinstance(src, Tensor) and src.dtype is not self.dtype:
        raise RuntimeError(f"{fn}(): Expected self.dtype to be equal to src.dtype")
    backend = _backends.get(device)
    xp = backend.xp
    idx = index._data.astype(np.int64, copy=False)
    with backend.context(device):
        x = self._data if self.ndim else self._data.reshape(1)
        i = idx if idx.ndim else idx.reshape(1)
        grids = list(xp.indices(i.shape, sparse=True))
        grids[d] = i
        key = tuple(grids)
        if isinstance(src, Tensor):
            s = src._data if src.ndim else src._data.reshape(1)
            values = s[tuple(slice(0, n) for n in i.shape)] if s.ndim else s
        else:
            values = _operand(src, device, x.dtype)
        values = xp.broadcast_to(values, i.shape)
        data, counts = _scatter_arrays(backend, x, key, values, reduce, include_self)
        data = data.reshape(self._data.shape)
    out = _wrap(data, device, self._dtype)
    if _differentiable(self, src) and needs_grad(self, src):
        if fn == "scatter" and reduce is not None:
            raise NotImplementedError(f"{fn}(): the derivative for reduce='{reduce}' is not "
                                      f"implemented in tensorlite")
        src_shape = src._data.shape if isinstance(src, Tensor) else None
        shape = x.shape
        result = data.reshape(shape)

        def rule(grads):
            g = grads[0].reshape(shape)
            with np.errstate(all="ignore"):  # NaN ties: 0 / 0, as PyTorch
                g_self, g_taken = _scatter_rule(backend, g, x, key, values, result, counts,
                                                reduce, include_self)
            g_src = None
            if src_shape is not None:
                g_src = xp.zeros(src_shape if len(src_shape) else (1,), g.dtype)
                backend.assign(g_src, tuple(slice(0, n) for n in i.shape), g_taken)
                g_src = g_src.reshape(src_shape)
            return g_self.reshape(self._data.shape), g_src

        record(node, (self, src), out, rule)
    return out


def _scatter_arrays(backend, x, key, values, reduce, include_self):
    """The forward on arrays: ``x`` with ``values`` written (``reduce`` None) or combined
    at ``key``; and for ``"mean"`` the count per position (``None`` otherwise)."""
    xp = backend.xp
    data = x.copy()
    op = None if reduce is None else _SCATTER_REDUCE[reduce]
    if op is None:
        backend.assign(data, key, values)
        return data, None
    if not include_self:
        identity = {"add": 0, "multiply": 1, "maximum": _lowest(x.dtype),
                    "minimum": _highest(x.dtype)}[op]
        backend.assign(data, key, identity)
    backend.scatter_ufunc(data, key, values, op)
    if reduce != "mean":
        return data, None
    counts = xp.zeros(x.shape, np.int64) + (1 if include_self else 0)
    backend.scatter_ufunc(counts, key, xp.ones(values.shape, np.int64), "add")
    data = xp.where(counts > 0, data / xp.maximum(counts, 1), data)
    if x.dtype.kind in "iub":
        data = xp.floor(data)
    return data.astype(x.dtype), counts


def _scatter_rule(backend, g, x, key, values, result, counts, reduce, include_self):
    """``(grad_self, grad_src[key])`` of a scatter, as PyTorch's ``scatter_reduce_backward``:
    ``prod`` divides the product by each factor, with zeros handled exactly (a lone zero
    among a position's factors gets the product of the others; two or more give zero);
    ``amax``/``amin`` share the gradient evenly among every element (of ``self`` and of
    ``src``) equal to the result. Without ``include_self``, touched positions of ``self``
    get none."""
    xp = backend.xp
    if reduce is None:
        g_self = g.copy()
        backend.assign(g_self, key, 0)
        return g_self, g[key]
    if reduce == "mean":
        scaled = g / xp.maximum(counts, 1)
        return (scaled if include_self else xp.where(counts > 0, 0, g)), scaled[key]
    if reduce in ("sum", "add"):
        g_self, g_taken = g, g[key]
    elif reduce in ("prod", "multiply"):
        masked_self = xp.where(x == 0, 1, x)
        g_self = g * _scatter_arrays(backend, masked_self, key, values, reduce,
                                     include_self)[0] / masked_self
        zero = values == 0
        zeros_at = xp.zeros(x.shape, g.dtype)
        backend.scatter_add(zeros_at, key, zero.astype(g.dtype))
        lone_zero = zero & (zeros_at[key] == 1)
        # a lone zero's derivative is the product of the others: redo the product with it as 1
        others = _scatter_arrays(backend, x, key, xp.where(lone_zero, 1, values), reduce,
                                 include_self)[0]
        g_taken = xp.where(lone_zero, (g * others)[key],
                           (g * result)[key] / xp.where(zero, 1, values))
    else:  # amax / amin: ties share evenly
        self_hit = (x == result).astype(g.dtype)
        src_hit = (values == result[key]).astype(g.dtype)
        share = self_hit.copy()
        backend.scatter_add(share, key, src_hit)
        g_share = g / share
        g_self, g_taken = self_hit * g_share, src_hit * g_share[key]
    if not include_self:
        g_self = xp.where(_touched(backend, x.shape, key), 0, g_self)
    return g_self, g_taken


def _touched(backend, shape, key):
    mask = backend.xp.zeros(shape, bool)
    backend.assign(mask, key, True)
    return mask


def _lowest(np_dtype):
    return -np.inf if np_dtype.kind == "f" else np.iinfo(np_dtype).min


def _highest(np_dtype):
    return np.inf if np_dtype.kind == "f" else np.iinfo(np_dtype).max


def scatter(self, dim, index, src=None, value=None, *, reduce=None):
    """``self`` with ``src`` (or ``value``) written at ``index`` along ``dim``:
    ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``; ``reduce="add"``/``"multiply"``
    combines instead of overwriting."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter(): expected 'src' or 'value'")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    return _scatter(self, dim, index, src, reduce, True, "scatter",
                    "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1")


def scatter_add(self, dim, index, src):
    """``self`` plus ``src`` added at ``index`` along ``dim`` (repeated indices add up)."""
    if not isinstance(src, Tensor):
        raise TypeError("scatter_add(): argument 'src' must be Tensor")
    return _scatter(self, dim, index, src, "sum", True, "scatter_add", "ScatterAddBackward0")


def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
    """Combine ``src`` into ``self`` at ``index`` along ``dim`` with ``reduce`` in
    ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin", "max", "min"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    return _scatter(self, dim, index, src, reduce, include_self, "scatter_reduce",
                    "ScatterReduceBackward0")


def masked_scatter(self, mask, source):
    """``self`` with the positions where ``mask`` holds filled, in order, from ``source``."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {mask.dtype}")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {self.dtype} and {source.dtype}")
    shape = broadcast_shapes(self.shape, mask.shape)
    device = common_device((self, mask, source), "masked_scatter")
    backend = _backends.get(device)
    xp = backend.xp
    with backend.context(device):
        m = xp.broadcast_to(mask._data, shape)
        count = int(m.sum()) if backend.has_data else 0  # synchronizes on cuda
        if count > source.numel():
            raise RuntimeError("masked_scatter: expected source to have at least as many "
                               "elements as ones in mask")
        data = xp.broadcast_to(self._data, shape).copy()
        flat_src = source._data.reshape(-1)
        backend.assign(data, m, flat_src[:count])
    out = _wrap(data, device, self._dtype)
    if _differentiable(self, source) and needs_grad(self, source):
        src_shape = source._data.shape

        def rule(grads):
            g = grads[0]
            g_src = xp.zeros(int(np.prod(src_shape)), g.dtype)
            g_src[:count] = g[m]
            return xp.where(m, 0, g), g_src.reshape(src_shape)

        record("MaskedScatterBackward0", (self, source), out, rule)
    return out


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` is in ``test_elements`` (either may be a scalar)."""
    from .._creation import tensor as _tensor

    ref = elements if isinstance(elements, Tensor) else test_elements
    a = elements if isinstance(elements, Tensor) else _tensor(elements, device=ref.device)
    b = test_elements if isinstance(test_elements, Tensor) else \
        _tensor(test_elements, device=ref.device)
    device = common_device((a, b), "isin")
    backend = _backends.get(device)
    dtype = _dtype.promote_types(a.dtype, b.dtype)
    with backend.context(device):
        data = backend.xp.isin(a._data.astype(dtype._np), b._data.astype(dtype._np),
                               assume_unique=assume_unique, invert=invert)
    return _wrap(data, device, _dtype.bool)


def index_put(self, indices, values, accumulate=False):
    """``self`` with ``self[indices] = values`` (``accumulate=True``: ``+=``, repeated
    indices adding up); ``indices`` a tuple of index tensors."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    key = self._index(tuple(indices))
    device = common_device((self, values, *indices), "index_put")
    if isinstance(values, Tensor) and values.dtype is not self.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{self.dtype.name.title()} for the destination and "
                           f"{values.dtype.name.title()} for the source.")
    backend = _backends.get(device)
    with backend.context(device):
        data = self._data.copy()
        value = _operand(values, device, data.dtype)
        if accumulate:
            backend.scatter_add(data, key, backend.xp.broadcast_to(value, data[key].shape))
        else:
            backend.assign(data, key, value)
    out = _wrap(data, device, self._dtype)
    if _differentiable(self) and needs_grad(self, values):
        def rule(grads):
            g = grads[0]
            g_self = g
            if not accumulate:
                g_self = g.copy()
                backend.assign(g_self, key, 0)
            return g_self, g[key]

        record("IndexPutBackward0", (self, values), out, rule)
    return out

METHODS = {
    "gather": gather, "take_along_dim": take_along_dim, "index_select": index_select,
    "take": take, "masked_select": masked_select, "index_add": index_add,
    "index_copy": index_copy, "index_fill": index_fill, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_reduce": scatter_reduce,
    "masked_scatter": masked_scatter, "index_put": index_put,
}
INPLACE = {"index_put_": index_put, "index_add_": index_add, "index_copy_": index_copy,
           "index_fill_": index_fill, "scatter_": scatter, "scatter_add_": scatter_add,
           "scatter_reduce_": scatter_reduce, "masked_scatter_": masked_scatter}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
    for name, fn in INPLACE.items():
        setattr(cls, name, inplace.method(fn, name))
