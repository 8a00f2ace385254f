r"""Ordering and selection: sorting, top-k, order statistics, uniqueness, counting
and searching, each with its derivative where it has one (cumulative scans:
:mod:`.scans`).

Selections (``sort``, ``topk``, ``kthvalue``, ``median`` and ``mode`` along a
dim) send the output gradient back to the selected positions. Integer results
(indices, counts, ``searchsorted``) carry no gradient.

>>> import tensorlite as tl
>>> tl.sort(tl.tensor([3., 1., 2.])).values
tensor([1., 2., 3.])
"""

from __future__ import annotations

import collections
import sys

import numpy as np

from .. import _backends, _dtype
from .._tensor import scalar_type_name, Tensor, _dim, _wrap, common_device
from ..autograd.graph import needs_grad, record


# ---- helpers -----------------------------------------------------------------------------
def return_type(name, fields=("values", "indices")):
    """PyTorch's ``torch.return_types.<name>``: a named tuple printing like PyTorch's."""
    class ReturnType(collections.namedtuple(name, fields)):
        __slots__ = ()

        def __repr__(self):
            body = ",".join(f"\n{f}={getattr(self, f)!r}" for f in fields)
            return f"tensorlite.return_types.{name}({body})"

    ReturnType.__name__ = ReturnType.__qualname__ = name
    return ReturnType


RETURN_TYPES = {n: return_type(n) for n in ("sort", "topk", "kthvalue", "median", "mode",
                                            "cummax", "cummin", "nanmedian")}


def _differentiable(t):
    return t._dtype.is_floating_point or t._dtype.is_complex


def _array_op(tensor, fn, out_dtype=None):
    """``fn(xp, array)`` on ``tensor``'s backend, wrapped."""
    backend = tensor._backend
    with backend.context(tensor._device), np.errstate(all="ignore"):
        data = fn(backend.xp, tensor._data)
    out_dtype = out_dtype or _dtype.from_numpy_dtype(data.dtype)
    if data.dtype != out_dtype._np:
        data = backend.astype(data, out_dtype._np)
    return _wrap(data, tensor._device, out_dtype)


def put_along(backend, shape, np_dtype, dim, idx, values, accumulate=False):
    """A zero array of ``shape`` with ``values`` written (or added, when ``accumulate``)
    at ``idx`` along ``dim`` — the inverse of ``take_along_axis`` (gradients of
    selections and gathers)."""
    xp = backend.xp
    out = xp.zeros(shape, np_dtype)
    if not len(shape):
        return out + values
    grids = list(xp.indices(idx.shape, sparse=True))
    grids[dim] = idx
    values = xp.broadcast_to(values, idx.shape)
    (backend.scatter_add if accumulate else backend.assign)(out, tuple(grids), values)
    return out


def _select_record(node, tensor, values, idx_array, dim, keepdim):
    """Record a selection along ``dim``: the gradient goes to the positions in
    ``idx_array`` (``values`` are ``take_along_axis(x, idx)`` squeezed unless ``keepdim``)."""
    if not (_differentiable(tensor) and tensor.requires_grad and needs_grad(tensor)):
        return
    backend, shape, np_dtype = tensor._backend, tensor._data.shape, tensor._data.dtype
    squeezed = not keepdim and idx_array.ndim == len(shape) and \
        idx_array.shape != tuple(values.shape)

    def rule(grads):
        g = grads[0]
        if squeezed:
            g = backend.xp.expand_dims(g, dim)
        return (put_along(backend, shape, np_dtype, dim, idx_array, g),)

    record(node, (tensor,), values, rule)


def take_along(xp, x, idx, d):
    """``take_along_axis(x, idx, d)`` (valid, non-negative ``idx``; no broadcasting), by
    the cheapest route: NumPy's own builds a broadcast fancy index. A 1-D array or a
    NumPy array along its last dim with long rows takes row by row (each row's gather in
    cache; 1000x10k rows: 2x faster than the fancy index); another C-contiguous array
    takes through one flat index ``idx * stride_d`` plus the offsets of the other dims."""
    if x.ndim == 1:
        return xp.take(x, idx)
    if type(x) is np.ndarray and d == x.ndim - 1 and idx.shape[-1] >= 1024:
        out = np.empty(idx.shape, x.dtype)
        for row in np.ndindex(idx.shape[:-1]):
            np.take(x[row], idx[row], out=out[row], mode="clip")  # clip: no bounds buffer
        return out
    if not x.flags.c_contiguous:  # (meta arrays never are: they have zero strides)
        return xp.take_along_axis(x, idx, axis=d)
    strides = np.cumprod((1,) + x.shape[:0:-1])[::-1]
    flat = idx * int(strides[d])
    for i in range(x.ndim):
        if i != d:
            shape = [1] * x.ndim
            shape[i] = idx.shape[i]
            flat = flat + (xp.arange(idx.shape[i]) * int(strides[i])).reshape(shape)
    return xp.take(x.reshape(-1), flat)


def _take(tensor, idx_array, dim):
    backend = tensor._backend
    with backend.context(tensor._device):
        data = take_along(backend.xp, tensor._data, idx_array, dim) \
            if tensor.ndim else tensor._data.copy()
    return _wrap(data, tensor._device, tensor._dtype)


def _needs_data(tensor, name):
    if not tensor._backend.has_data:  # the output's shape depends on the values
        raise NotImplementedError(f"{name}(): the output shape depends on the values, which "
                                  f"a {tensor.device.type} tensor does not have")


def _order_key(xp, x):
    """A uint32 whose unsigned order is ``x``'s order (NaN last, ``-0.0 == 0.0``), for
    4-byte and smaller dtypes; ``None`` for the others. A fresh array (callers modify it)."""
    kind, size = x.dtype.kind, x.dtype.itemsize
    if kind == "f" and size == 4:
        bits = (x + xp.float32(0)).view(np.int32)  # -0.0 + 0.0 is +0.0
        # negative floats: flip every bit; positive: flip the sign bit (in place: each
        # fresh 40 MB temporary of a 10M sort costs its page faults)
        key = bits >> 31  # -1 where negative, else 0
        key |= np.int32(-2**31)
        key ^= bits
        key = key.view(np.uint32)
        xp.copyto(key, xp.uint32(0xFFFFFFFF), where=xp.isnan(x))  # every NaN last, equal
        return key
    if kind == "i" and size <= 4:
        return x.astype(np.int32).view(np.uint32) ^ xp.uint32(0x80000000)
    if kind in "ub" and size <= 4:
        return x.astype(np.uint32)
    return None


def _packed_argsort(xp, x, axis, descending):
    """A stable argsort along ``axis`` by sorting 64-bit ``key << 32 | position`` words
    (a SIMD sort of plain integers; ~5x faster than NumPy's float32 argsort). ``None``
    when the dtype or the length does not fit in 32 bits. Every step after the first
    widening works in place (sort rows of 1000x10k: 1.5x PyTorch with fresh temporaries
    for the shift, the sort and the unpacking)."""
    packed = _packed_sort(xp, x, axis, descending)
    if packed is None:
        return None
    packed &= np.uint64(0xFFFFFFFF)
    return packed.view(np.int64)  # positions < 2**32: the same bits as int64


def _packed_sort(xp, x, axis, descending):
    """The sorted ``key << 32 | position`` words of :func:`_packed_argsort` (uint64),
    or ``None``."""
    n = x.shape[axis]
    key = _order_key(xp, x) if n < 2**32 else None
    if key is None:
        return None
    if descending:
        xp.invert(key, out=key)  # ties keep their positions in order: still stable
    shape = [1] * x.ndim
    shape[axis] = n
    packed = key.astype(np.uint64)
    del key
    packed <<= np.uint64(32)
    packed |= xp.arange(n, dtype=np.uint64).reshape(shape)
    packed.sort(axis=axis)
    return packed


def _key_values(xp, key, dtype):
    """The values whose :func:`_order_key` is ``key`` (uint32), in ``dtype``: exact
    except that a float ``-0.0`` comes back as ``0.0`` and every NaN as one NaN."""
    if dtype.kind == "f":
        bits = key ^ xp.where(key >= 0x80000000, xp.uint32(0x80000000), xp.uint32(0xFFFFFFFF))
        return bits.view(np.float32)
    if dtype.kind == "i":
        return (key ^ xp.uint32(0x80000000)).view(np.int32).astype(dtype)
    return key.astype(dtype)


def _sort_indices(xp, x, axis, descending, stable):
    if x.ndim == 0:
        return xp.zeros((), np.int64)
    fast = _packed_argsort(xp, x, axis, descending) if x.size >= 4096 else None
    if fast is not None:
        return fast
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable" if stable else None)
    # descending, ties in their original order and NaN first (as PyTorch):
    # sort the reversed array ascending and reverse the result
    n = x.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(x, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


# ---- sorting and order statistics --------------------------------------------------------
def sort(self, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim``; ``stable=True`` keeps ties in order.
    NaN sorts as the largest value."""
    d = _dim(dim, self.ndim, "sort")
    idx = _array_op(self, lambda xp, x: _sort_indices(xp, x, d, descending, stable),
                    _dtype.int64)
    values = _take(self, idx._data, d)
    _select_record("SortBackward0", self, values, idx._data, d, True)
    return RETURN_TYPES["sort"](values, idx)


def argsort(self, dim=-1, descending=False, stable=False):
    d = _dim(dim, self.ndim, "argsort")
    return _array_op(self, lambda xp, x: _sort_indices(xp, x, d, descending, stable),
                     _dtype.int64)


def msort(self):
    return sort(self, 0).values


def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    d = _dim(dim, self.ndim, "topk")
    n = self.shape[d] if self.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")

    def indices(xp, x):
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        key = -x if largest and x.dtype.kind != "b" else (~x if largest else x)
        if x.dtype.kind == "u" and largest:
            key = x.max() - x  # unsigned: no negation
        if k == n or k == 0:
            part = xp.argsort(key, axis=d, kind="stable")[(slice(None),) * d + (slice(0, k),)]
        else:
            part = xp.argpartition(key, k - 1, axis=d)[(slice(None),) * d + (slice(0, k),)]
            if sorted:
                order = xp.argsort(xp.take_along_axis(key, part, axis=d), axis=d,
                                   kind="stable")
                part = xp.take_along_axis(part, order, axis=d)
        return part

    idx = _array_op(self, indices, _dtype.int64)
    values = _take(self, idx._data, d)
    _select_record("TopkBackward0", self, values, idx._data, d, True)
    return RETURN_TYPES["topk"](values, idx)


def _kth(self, k, dim, keepdim, name, node, pick=None):
    """The ``k``-th smallest (1-based) along ``dim``; ``pick(xp, x, idx)`` may move the
    chosen index (NaN handling)."""
    d = _dim(dim, self.ndim, name)
    n = self.shape[d] if self.ndim else 1

    def indices(xp, x):
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        # a selection (introselect), O(n): among equal values PyTorch promises no index
        idx = xp.take(xp.argpartition(x, k - 1, axis=d), [k - 1], axis=d)
        return idx if pick is None else pick(xp, x, idx)

    if not 1 <= k <= max(n, 0):
        raise RuntimeError(f"{name}(): selected number k out of range for dimension {d}") \
            if name == "kthvalue" else \
            IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = _array_op(self, indices, _dtype.int64)
    values = _take(self, idx._data, d)
    keep_idx = idx._data
    if not keepdim and self.ndim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    _select_record(node, self, values, keep_idx, d, keepdim)
    return values, idx


def kthvalue(self, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element along ``dim`` (1-based) and its index."""
    return RETURN_TYPES["kthvalue"](*_kth(self, k, dim, keepdim, "kthvalue",
                                          "KthvalueBackward0"))


def _nan_first(xp, x, idx, axis):
    """Where a slice has a NaN, PyTorch's ``median`` returns it (its first index)."""
    if x.dtype.kind not in "fc":
        return idx
    nan = xp.isnan(x)
    has = xp.any(nan, axis=axis, keepdims=True)
    return xp.where(has, xp.argmax(nan, axis=axis, keepdims=True), idx)


def median(self, dim=None, keepdim=False):
    """The lower median (PyTorch does not average the middle two). Without ``dim``, of
    all elements (a 0-dim tensor); with ``dim``, ``(values, indices)``. NaN propagates."""
    return _median(self, dim, keepdim, "median", True)


def nanmedian(self, dim=None, keepdim=False):
    """``median`` ignoring NaN."""
    return _median(self, dim, keepdim, "nanmedian", False)


def _median(self, dim, keepdim, name, propagate):
    node = name.title() + "Backward" + ("0" if dim is None else "1")
    if dim is None:
        if self.numel() == 0:
            return self.new_full((), float("nan"))
        flat = self.reshape(-1)
        values, _ = _median_along(flat, 0, False, name, propagate, node)
        return values
    d = _dim(dim, self.ndim, name)
    return RETURN_TYPES[name](*_median_along(self, d, keepdim, name, propagate, node))


def _median_along(self, d, keepdim, name, propagate, node):
    n = self.shape[d] if self.ndim else 1
    if propagate:
        return _kth(self, (n - 1) // 2 + 1, d, keepdim, name, node,
                    lambda xp, x, idx: _nan_first(xp, x, idx, d))

    def pick(xp, x, idx):  # the lower median of the non-NaN values of each slice
        count = xp.sum(~xp.isnan(x), axis=d, keepdims=True) if x.dtype.kind == "f" else n
        k = xp.maximum((count - 1) // 2, 0)
        return xp.take_along_axis(xp.argsort(x, axis=d, kind="stable"),
                                  xp.asarray(k, dtype=np.int64) + xp.zeros_like(idx), axis=d)

    return _kth(self, 1, d, keepdim, name, node, pick)


def mode(self, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones)
    and the index of its last occurrence, as PyTorch's CPU kernel returns it."""
    d = _dim(dim, self.ndim, "mode")
    if self.ndim and self.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")

    def indices(xp, x):
        if x.ndim == 0:
            return xp.zeros((), np.int64)
        order = xp.argsort(x, axis=d, kind="stable")
        s = xp.take_along_axis(x, order, axis=d)
        moved_s, moved_o = xp.moveaxis(s, d, -1), xp.moveaxis(order, d, -1)
        n = moved_s.shape[-1]
        pos = xp.arange(n)
        # run starts, then each position's run length measured at the run's last element
        start = xp.concatenate([xp.ones(moved_s.shape[:-1] + (1,), bool),
                                moved_s[..., 1:] != moved_s[..., :-1]], axis=-1)
        first = xp.maximum.accumulate(xp.where(start, pos, 0), axis=-1)
        length = pos - first + 1
        # the longest run; ties go to the first (smallest) value: argmax of length
        end = xp.argmax(length, axis=-1)[..., None]
        # a stable sort keeps equal values in index order: the run's end is the last one
        return xp.moveaxis(xp.take_along_axis(moved_o, end, axis=-1), -1, d)

    idx = _array_op(self, indices, _dtype.int64)
    values = _take(self, idx._data, d)
    keep = idx._data
    if not keepdim and self.ndim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    _select_record("ModeBackward0", self, values, keep, d, keepdim)
    return RETURN_TYPES["mode"](values, idx)


# ---- positions and uniqueness (data-dependent shapes) ----------------------------------
def nonzero(self, *, as_tuple=False):
    """Indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple=True`` one 1-D tensor per dimension."""
    _needs_data(self, "nonzero")
    if as_tuple:
        if self.ndim == 0:
            return (_array_op(self, lambda xp, x: xp.nonzero(x.reshape(1))[0], _dtype.int64),)
        return tuple(_array_op(self, lambda xp, x, i=i: xp.nonzero(x)[i], _dtype.int64)
                     for i in range(self.ndim))
    return _array_op(self, lambda xp, x: xp.argwhere(x), _dtype.int64)


def argwhere(self):
    return nonzero(self)


def unique(self, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """The distinct values (sorted), with ``return_inverse`` (each element's position in
    them) and ``return_counts``; with ``dim``, the distinct slices along ``dim``."""
    _needs_data(self, "unique")
    backend = self._backend
    xp = backend.xp
    if dim is not None:
        d = _dim(dim, self.ndim, "unique")
        zero_dims = [i for i, s in enumerate(self.shape) if s == 0]
        if len(zero_dims) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique "
                               "cannot be applied")
        if zero_dims and zero_dims != [d]:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so "
                               "unique cannot be applied")
        with backend.context(self._device):
            if zero_dims:  # no slices along ``dim``: the empty tensor itself, as PyTorch
                values, inverse = self._data.copy(), xp.zeros(0, np.int64)
                counts = inverse
            else:
                values, inverse, counts = xp.unique(self._data, axis=d, return_inverse=True,
                                                    return_counts=True)
                inverse = inverse.reshape(-1)
    else:
        with backend.context(self._device):
            values, inverse, counts = _unique_flat(xp, self._data.reshape(-1),
                                                   return_inverse, return_counts)
            if inverse is not None:
                inverse = inverse.reshape(self._data.shape)
    out = [_wrap(values, self._device, self._dtype)]
    if return_inverse:
        out.append(_wrap(inverse.astype(np.int64), self._device, _dtype.int64))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64), self._device, _dtype.int64))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_flat(xp, flat, return_inverse, return_counts):
    """One sort, then run boundaries: values, inverse and counts together."""
    if return_inverse and flat.size >= 4096:
        packed = _packed_sort(xp, flat, 0, False)
        if packed is not None:
            return _unique_packed(xp, flat, packed, return_counts)
    if return_inverse:
        order = _sort_indices(xp, flat, 0, False, True)
        s = flat[order]
    else:
        s = xp.sort(flat)
    if s.size == 0:
        empty = xp.zeros(0, np.int64)
        return s, (empty if return_inverse else None), empty
    start = xp.empty(s.shape, bool)
    start[0] = True
    xp.not_equal(s[1:], s[:-1], out=start[1:])
    if s.dtype.kind in "fc":  # NaNs are all distinct in PyTorch's unique, as in NumPy's
        start[1:] |= xp.isnan(s[1:])
    values = s[start]
    counts = None
    if return_counts:
        bounds = xp.concatenate([xp.flatnonzero(start), xp.asarray([s.size])])
        counts = xp.diff(bounds)
    inverse = None
    if return_inverse:
        inverse = xp.empty(flat.shape, np.int64)
        inverse[order] = xp.cumsum(start) - 1
    return values, inverse, counts


def _unique_packed(xp, flat, packed, return_counts):
    """:func:`_unique_flat` with an inverse, from the sorted ``key << 32 | position``
    words of :func:`_packed_sort`: runs are found on the keys (read in order) and the
    distinct values decoded from them, so the input is never gathered in sorted order
    (a random read of the whole array). Measured on 10M float32 ``unique(return_inverse=
    True, return_counts=True)``, the two ways alternated in one process on a loaded
    2-core machine: 1.7-1.9 s (median of 5) against 3.5-6 s with that gather.
    The decoding's two exceptions (``-0.0`` and NaN payloads) are read back from the
    input at their runs' first positions: each run's first element is what it returns,
    as ``flat[order][start]`` would."""
    # the keys are the high halves of the words: a strided view, no copy
    key = packed.view(np.uint32)[1::2] if sys.byteorder == "little" else \
        packed.view(np.uint32)[::2]
    start = xp.empty(key.shape, bool)
    start[0] = True
    xp.not_equal(key[1:], key[:-1], out=start[1:])
    if flat.dtype.kind == "f":  # NaNs are all distinct (NaN keys are all 0xFFFFFFFF)
        start[1:] |= key[1:] == xp.uint32(0xFFFFFFFF)
    firsts = xp.flatnonzero(start)
    values = _key_values(xp, key[firsts], flat.dtype)
    packed &= np.uint64(0xFFFFFFFF)  # the keys are read: the words become positions
    order = packed.view(np.int64)
    if flat.dtype.kind == "f":
        odd = xp.flatnonzero((values == 0) | xp.isnan(values))
        values[odd] = flat[order[firsts[odd]]]
    counts = None
    if return_counts:
        counts = xp.diff(xp.concatenate([firsts, xp.asarray([flat.size])]))
    group = xp.cumsum(start)
    group -= 1  # in place: every temporary of 10M int64 costs its page faults
    inverse = xp.empty(flat.shape, np.int64)
    inverse[order] = group
    return values, inverse, counts


def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``)."""
    _needs_data(self, "unique_consecutive")
    backend = self._backend
    xp = backend.xp
    with backend.context(self._device):
        x = self._data.reshape(-1) if dim is None else xp.moveaxis(
            self._data, _dim(dim, self.ndim, "unique_consecutive"), 0)
        if x.shape[0] == 0:
            start = xp.zeros(0, bool)
        else:
            diff = (x[1:] != x[:-1]).reshape(x.shape[0] - 1, -1).any(axis=1)
            start = xp.concatenate([xp.ones(1, bool), diff])
        values = x[start]
        if dim is not None:
            values = xp.moveaxis(values, 0, _dim(dim, self.ndim, "unique_consecutive"))
        inverse = (xp.cumsum(start) - 1).astype(np.int64)
        if dim is None:
            inverse = inverse.reshape(self._data.shape)
        counts = xp.diff(xp.concatenate([xp.flatnonzero(start),
                                         xp.asarray([x.shape[0]])])).astype(np.int64)
    out = [_wrap(values, self._device, self._dtype)]
    if return_inverse:
        out.append(_wrap(inverse, self._device, _dtype.int64))
    if return_counts:
        out.append(_wrap(counts, self._device, _dtype.int64))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(self, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor (sums of ``weights``)."""
    if self._dtype.is_floating_point or self._dtype is _dtype.bool:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{scalar_type_name(self._dtype)}'")
    if self.ndim != 1 or \
            (self.numel() and self._backend.has_data and bool((self < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and weights.shape != self.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    _needs_data(self, "bincount")
    device = common_device((self, weights), "bincount")
    backend = _backends.get(device)
    with backend.context(device):
        w = None
        out_dtype = _dtype.int64
        if weights is not None:
            out_dtype = weights.dtype if weights.dtype.is_floating_point else _dtype.float64
            w = weights._data.astype(np.float64)
        data = backend.xp.bincount(self._data, weights=w, minlength=minlength)
        data = backend.astype(data, out_dtype._np)
    return _wrap(data, device, out_dtype)


def histc(self, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's names
    """A histogram of ``bins`` equal bins over ``[min, max]`` (the data's range when both
    are 0); values outside are ignored, ``max`` itself falls in the last bin."""
    if not self._dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for "
                           f"'{scalar_type_name(self._dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError(f"torch.histc: min must be less than or equal to max, but got "
                           f"min {min} max {max}")

    def fn(xp, x):
        if x.size and not self._backend.has_data:  # meta: the shape only
            return xp.zeros(bins, x.dtype)
        x = x.reshape(-1).astype(np.float64)
        lo, hi = float(min), float(max)
        if lo == hi and x.size:
            lo, hi = float(x.min()), float(x.max())  # synchronizes on cuda
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        inside = x[(x >= lo) & (x <= hi)]
        idx = ((inside - lo) * bins / (hi - lo)).astype(np.int64)
        idx = xp.minimum(idx, bins - 1)
        return xp.bincount(idx, minlength=bins)

    return _array_op(self, fn, self._dtype)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False,  # noqa: A002
                 side=None, sorter=None):
    """For each value in ``input``, the index where it would be inserted into the last
    dimension of ``sorted_sequence`` to keep it sorted (``right``/``side="right"``: after
    equal values). An N-D ``sorted_sequence`` searches row by row."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites,"
                               " got side of left while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar:
        from .._creation import tensor as _tensor

        input = _tensor(input, device=sorted_sequence.device)
    seq = sorted_sequence
    if seq.ndim > 1 and (input.ndim != seq.ndim or input.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(input.shape)}")
    device = common_device((seq, input, sorter), "searchsorted")
    backend = _backends.get(device)
    xp = backend.xp
    out_dtype = _dtype.int32 if out_int32 else _dtype.int64
    how = "right" if right else "left"
    dtype = _dtype.promote_types(seq.dtype, input.dtype)
    with backend.context(device):
        s, v = seq._data.astype(dtype._np, copy=False), input._data.astype(dtype._np, copy=False)
        if sorter is not None:
            s = xp.take_along_axis(s, sorter._data, axis=-1)
        if s.ndim <= 1:
            data = _search_sorted_needles(xp, s, v, how)
        else:  # one search per row: O(rows) calls, each O(m log n)
            rows_s, rows_v = s.reshape(-1, s.shape[-1]), v.reshape(-1, v.shape[-1])
            data = xp.stack([xp.searchsorted(a, b, side=how) for a, b in zip(rows_s, rows_v)]
                            ).reshape(v.shape) if rows_s.shape[0] else xp.zeros(v.shape, np.int64)
        if v.dtype.kind == "f":  # PyTorch places NaN after everything, NaNs included
            data = xp.where(xp.isnan(v), s.shape[-1], data)
        data = backend.astype(xp.asarray(data), out_dtype._np)
    return _wrap(data, device, out_dtype)


def _search_sorted_needles(xp, s, v, side):
    """``searchsorted`` of many values: sort them first, so each binary search starts
    where the previous one ended (cache-friendly; NumPy uses the previous result as a
    bound), then put the answers back in the values' order."""
    if v.size < 4096 or v.ndim == 0:
        return xp.searchsorted(s, v, side=side)
    flat = v.reshape(-1)
    order = _sort_indices(xp, flat, 0, False, True)
    found = xp.searchsorted(s, flat[order], side=side)
    out = xp.empty(flat.shape, found.dtype)
    out[order] = found
    return out.reshape(v.shape)


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket of each value: ``i`` with ``boundaries[i-1] < x <= boundaries[i]``
    (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ---- scans ------------------------------------------------------------------------------
def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (a number or a 1-D tensor of them, in [0, 1]) over ``dim``:
    sorted values interpolated at position ``q (n - 1)`` (``interpolation``: ``"linear"``,
    ``"lower"``, ``"higher"``, ``"nearest"``, ``"midpoint"``). NaN propagates."""
    return _quantile(self, q, dim, keepdim, interpolation, "quantile")


def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` ignoring NaN."""
    return _quantile(self, q, dim, keepdim, interpolation, "nanquantile")


def _quantile(self, q, dim, keepdim, interpolation, name):
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "nearest", "midpoint"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    scalar = not isinstance(q, Tensor)
    if not scalar and not q._backend.has_data:  # meta: only the number of quantiles matters
        q = [0.5] * q.numel() if q.ndim else 0.5
    qs = np.atleast_1d(np.asarray(q.tolist() if isinstance(q, Tensor) else q, dtype=np.float64))
    if qs.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    x = self.reshape(-1) if dim is None else self
    d = 0 if dim is None else _dim(dim, self.ndim, name)
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    s = sort(x, d).values
    if name == "nanquantile":
        count = (~x.isnan()).sum(d, keepdim=True)
    else:
        count = x.new_full([1] * max(x.ndim, 1), n, dtype=_dtype.int64)
    outs = []
    for qv in qs.tolist():
        pos = (count - 1).clamp(min=0).to(s.dtype) * qv
        lo = pos.floor().long()
        hi = pos.ceil().long()
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        elif interpolation == "nearest":
            lo = hi = pos.round().long()
        shape = list(s.shape)
        shape[d] = 1
        vlo = s.gather(d, lo.expand(shape))
        vhi = s.gather(d, hi.expand(shape))
        weight = 0.5 if interpolation == "midpoint" else (pos - lo.to(s.dtype)).expand(shape)
        v = vlo + (vhi - vlo) * weight
        if name == "quantile" and x.numel():
            v = v.masked_fill(x.isnan().any(d, keepdim=True), float("nan"))
        else:
            v = v.masked_fill(count.expand(shape) == 0, float("nan"))
        if not keepdim:
            v = v.squeeze(d)
        elif dim is None:
            v = v.reshape([1] * self.ndim)
        outs.append(v)
    from .shape import stack

    return outs[0] if scalar else stack(outs, 0)


METHODS = {
    "quantile": quantile, "nanquantile": nanquantile, "sort": sort, "argsort": argsort, "msort": msort, "topk": topk, "kthvalue": kthvalue,
    "median": median, "nanmedian": nanmedian, "mode": mode, "nonzero": nonzero,
    "argwhere": argwhere, "unique": unique, "unique_consecutive": unique_consecutive,
    "bincount": bincount, "histc": histc,
}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
