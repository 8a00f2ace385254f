r"""Shape functions and index-based reads and writes, each with its derivative.

Most shape functions are compositions of the views of :mod:`.shape`
(``split`` is ``narrow``, ``repeat`` is ``expand`` then ``reshape``,
``rot90`` is ``flip`` and ``transpose``), so their derivatives come from
those. The index operations are defined here with their rules: a gather's
gradient is a scatter-add of the output gradient (repeated indices add up),
a scatter's gradient to its source is a gather, and positions a write
overwrote get no gradient from the old values.

>>> import tensorlite as tl
>>> x = tl.tensor([[1., 2.], [3., 4.]], requires_grad=True)
>>> x.gather(1, tl.tensor([[1, 1], [0, 1]])).sum().backward()
>>> x.grad
tensor([[0., 2.],
        [1., 1.]])
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import _backends, _dtype
from .._tensor import Size, Tensor, _dim, _operand, _wrap, common_device
from ..autograd.graph import needs_grad, record
from . import inplace
from .ordering import _needs_data, put_along
from .shape import cat, make_view


def _differentiable(*tensors):
    return any(isinstance(t, Tensor) and (t._dtype.is_floating_point or t._dtype.is_complex)
               for t in tensors)


def _dims(dims, ndim, fn):
    dims = dims if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(_dim(d, ndim, fn) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{fn}(): dims has duplicates")
    return out


# ---- splitting and joining ------------------------------------------------------------
def split(self, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the
    listed sizes."""
    d = _dim(dim, self.ndim, "split")
    n = self.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n or builtins.any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    else:
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and n):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if step else [0]
    starts = np.cumsum([0] + sizes[:-1]).tolist()
    return tuple(self.narrow(d, s, k) for s, k in zip(starts, sizes))


def tensor_split(self, indices_or_sections, dim=0):
    """NumPy's ``array_split``: ``n`` nearly equal pieces, or pieces cut at indices."""
    d = _dim(dim, self.ndim, "tensor_split")
    n = self.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (list, tuple)):
        cuts = [builtins.min(builtins.max(int(i) if i >= 0 else int(i) + n, 0), n)
                for i in indices_or_sections]
        bounds = list(zip([0] + cuts, cuts + [n]))
    else:
        k = int(indices_or_sections)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        size, extra = divmod(n, k)
        sizes = [size + 1] * extra + [size] * (k - extra)
        starts = np.cumsum([0] + sizes[:-1]).tolist()
        bounds = [(s, s + k) for s, k in zip(starts, sizes)]
    return tuple(self.narrow(d, a, builtins.max(b - a, 0)) for a, b in bounds)


def _section_split(fn, dim, min_ndim):
    def splitter(self, indices_or_sections):
        if self.ndim < min_ndim:
            raise RuntimeError(f"torch.{fn} requires a tensor with at least {min_ndim} "
                               f"dimension, but got a tensor with {self.ndim} dimensions!")
        d = dim if self.ndim > 1 or fn != "hsplit" else 0
        if isinstance(indices_or_sections, int) and self.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{fn} attempted to split along dimension {d}, but the "
                               f"size of the dimension {self.shape[d]} is not divisible by "
                               f"the split_size {indices_or_sections}!")
        return tensor_split(self, indices_or_sections, d)

    splitter.__name__ = fn
    return splitter


def unbind(self, dim=0):
    """The slices along ``dim``, as a tuple of views."""
    d = _dim(dim, self.ndim, "unbind")
    return tuple(self.select(d, i) for i in range(self.shape[d]))


def select(self, dim, index):
    d = _dim(dim, self.ndim, "select")
    n = self.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(self.shape)} at dimension {d}")
    return self[(slice(None),) * d + (index,)]


def movedim(self, source, destination):
    """Move the dims in ``source`` to the positions in ``destination``; the rest keep
    their order."""
    if isinstance(source, int) != isinstance(destination, int):
        raise TypeError("movedim(): source and destination must both be ints or both be "
                        "sequences of ints")
    src = _dims(source, self.ndim, "movedim")
    dst = _dims(destination, self.ndim, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    order = [d for d in range(self.ndim) if d not in src]
    for s, t in sorted(zip(dst, src)):
        order.insert(s, t)
    return self.permute(order)


def unflatten(self, dim, sizes):
    """Dim ``dim`` split into ``sizes`` (one may be -1)."""
    d = _dim(dim, self.ndim, "unflatten")
    sizes = list(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 in sizes:
        known = int(np.prod([s for s in sizes if s != -1]))
        sizes[sizes.index(-1)] = self.shape[d] // known if known else 0
    if int(np.prod(sizes)) != self.shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({self.shape[d]}) in the input tensor")
    return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])


def repeat(self, *sizes):
    """Tile this tensor ``sizes[i]`` times along each dim (extra leading dims allowed)."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)) \
        else sizes
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                           "number of dimensions of tensor")
    if builtins.any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
    # (1, s0, 1, s1, ...) expanded to (r0, s0, r1, s1, ...) then merged: tile's layout
    paired = self.reshape([v for s in shape for v in (1, s)])
    expanded = paired.expand([v for r, s in zip(sizes, shape) for v in (r, s)])
    return expanded.reshape([r * s for r, s in zip(sizes, shape)])


def tile(self, dims):
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    return repeat(self, (1,) * (self.ndim - len(dims)) + dims)


def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times; ``repeats`` an int
    or a tensor of per-element counts. ``tl.repeat_interleave(counts)`` alone gives the
    indices ``0, 0, ..., 1, ...``."""
    if repeats is None:  # the one-argument form: self holds the counts
        counts = self
        from .._creation import arange

        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0)
    x = self.reshape(-1) if dim is None else self
    d = 0 if dim is None else _dim(dim, self.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats.numel() == 1 and repeats.ndim <= 1:
        repeats = int(repeats.item())
    if isinstance(repeats, numbers.Integral):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        shape = list(x.shape)
        wide = x.unsqueeze(d + 1).expand(*shape[:d + 1], repeats, *shape[d + 1:])
        return wide.reshape(*shape[:d], shape[d] * repeats, *shape[d + 1:])
    if repeats.ndim != 1 or repeats.shape[0] != x.shape[d]:
        raise RuntimeError("repeats must have the same size as input along dim")
    if repeats._backend.has_data and bool((repeats < 0).any()):
        raise RuntimeError("repeats can not be negative")
    backend = repeats._backend
    with backend.context(repeats._device):
        index = backend.xp.repeat(backend.xp.arange(x.shape[d]), repeats._data)
    return index_select(x, d, _wrap(index.astype(np.int64), repeats._device, _dtype.int64))


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to (PyTorch's error when they don't)."""
    shapes = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"shape mismatch: objects cannot be broadcast to a single shape. "
                           f"Mismatch is between {list(shapes[0])} and "
                           f"{list(shapes[-1])}") from None


def broadcast_to(self, size):
    return self.expand(size)


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def atleast(n):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(fn(t) for t in tensors[0])
        if len(tensors) > 1:
            return tuple(fn(t) for t in tensors)
        t = tensors[0]
        if t.ndim >= n:
            return t
        if n == 3 and t.ndim == 2:
            return t.unsqueeze(-1)
        if n == 3 and t.ndim == 1:
            return t.reshape(1, -1, 1)
        return t.reshape((1,) * (n - t.ndim) + tuple(t.shape))

    fn.__name__ = f"atleast_{n}d"
    return fn


atleast_1d, atleast_2d, atleast_3d = atleast(1), atleast(2), atleast(3)


def hstack(tensors):
    tensors = atleast_1d(tuple(tensors))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat(atleast_2d(tuple(tensors)), 0)


def dstack(tensors):
    return cat(atleast_3d(tuple(tensors)), 2)


def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


# ---- reordering (copies, as in PyTorch) ------------------------------------------------
def flip(self, *dims):
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    axes = _dims(dims, self.ndim, "flip") if self.ndim else ()
    return make_view(self, lambda xp, x: xp.flip(x, axes).copy() if axes else x.copy(),
                     "FlipBackward0", lambda xp, g: xp.flip(g, axes) if axes else g,
                     is_view=False)


def fliplr(self):
    if self.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(self, 1)


def flipud(self):
    if self.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(self, 0)


def roll(self, shifts, dims=None):
    """Elements shifted cyclically by ``shifts`` along ``dims`` (flattened when ``None``)."""
    if dims is None:
        if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        return roll(self.reshape(-1), shifts, 0).reshape(self.shape)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    axes = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(axes):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(axes)}")
    axes = tuple(_dim(d, self.ndim, "roll") for d in axes)
    back = tuple(-s for s in shifts)
    return make_view(self, lambda xp, x: xp.roll(x, shifts, axes), "RollBackward0",
                     lambda xp, g: xp.roll(g, back, axes), is_view=False)


def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first toward
    the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if self.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {self.ndim}")
    a, b = _dim(dims[0], self.ndim, "rot90"), _dim(dims[1], self.ndim, "rot90")
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and "
                           f"dim1 = {b}")
    k %= 4
    if k == 1:
        return flip(self, b).transpose(a, b)
    if k == 2:
        return flip(self, a, b)
    if k == 3:
        return flip(self, a).transpose(a, b)
    return self.clone()


# ---- triangles and diagonals ----------------------------------------------------------
def _triangle(name, keep_lower):
    def fn(self, diagonal=0):
        if self.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        op = (lambda xp, x: xp.tril(x, diagonal)) if keep_lower else \
            (lambda xp, x: xp.triu(x, diagonal))
        return make_view(self, op, name.title() + "Backward0", op, is_view=False)

    fn.__name__ = name
    fn.__doc__ = (f"The {'lower' if keep_lower else 'upper'} triangle of the last two dims "
                  f"(elements with ``j - i {'<=' if keep_lower else '>='} diagonal``), the "
                  f"rest zero.")
    return fn


tril, triu = _triangle("tril", True), _triangle("triu", False)


def _diag_index(xp, shape, offset):
    """Row and column indices of diagonal ``offset`` of a matrix of ``shape`` (2 dims)."""
    rows, cols = shape
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    n = builtins.max(builtins.min(rows - start_r, cols - start_c), 0)
    i = xp.arange(n)
    return i + start_r, i + start_c


def _write_diagonal(backend, shape, np_dtype, offset, d1, d2, values):
    """Zeros of ``shape`` with ``values`` on diagonal ``offset`` of dims ``d1``, ``d2``."""
    xp = backend.xp
    out = xp.zeros(shape, np_dtype)
    moved = xp.moveaxis(out, (d1, d2), (-2, -1))  # a view: writing it writes out
    r, c = _diag_index(xp, moved.shape[-2:], offset)
    backend.assign(moved, (Ellipsis, r, c), values)
    return out


def diagonal(self, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the matrices in dims ``dim1``, ``dim2`` (as the last
    dim). A copy here, where PyTorch returns a view."""
    d1, d2 = _dim(dim1, self.ndim, "diagonal"), _dim(dim2, self.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    backend, shape, np_dtype = self._backend, self._data.shape, self._data.dtype
    return make_view(self, lambda xp, x: xp.diagonal(x, offset, d1, d2).copy(),
                     "DiagonalBackward0",
                     lambda xp, g: _write_diagonal(backend, shape, np_dtype, offset, d1, d2, g),
                     is_view=False)


def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    """Matrices whose diagonal ``offset`` (in dims ``dim1``, ``dim2`` of the result) holds
    the last dim of this tensor."""
    n = self.shape[-1] + builtins.abs(offset)
    ndim = self.ndim + 1
    d1, d2 = _dim(dim1, ndim, "diag_embed"), _dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    batch = list(self.shape[:-1])
    out_shape = batch[:]
    for d in sorted((d1, d2)):
        out_shape.insert(d, n)
    backend, np_dtype = self._backend, self._data.dtype

    def fn(xp, x):
        return _write_diagonal(backend, out_shape, np_dtype, offset, d1, d2, x)

    return make_view(self, fn, "DiagEmbedBackward0",
                     lambda xp, g: xp.diagonal(g, offset, d1, d2), is_view=False)


def diag(self, diagonal=0):
    """1-D input: the square matrix with it on diagonal ``diagonal``; 2-D: that diagonal."""
    if self.ndim == 1:
        return diag_embed(self, diagonal, 0, 1)
    if self.ndim == 2:
        return globals()["diagonal"](self, diagonal, 0, 1)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{self.ndim}D")


def trace(self):
    if self.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
    return diagonal(self).sum()


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
        data = _take_along(xp, x[region], idx, d) if x.ndim else \
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


def _take_along(xp, x, idx, d):
    """``take_along_axis`` through one flat index: ``idx * stride_d`` plus the offsets of
    the other dims (cheaper than the broadcast fancy index NumPy builds)."""
    if x.ndim == 1:
        return xp.take(x, idx)
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

        self_shape = self._data.shape
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
        data = x.copy()
        op = None if reduce is None else _SCATTER_REDUCE[reduce]
        if op is None:
            backend.assign(data, key, values)
        else:
            if not include_self:
                identity = {"add": 0, "multiply": 1, "maximum": _lowest(x.dtype),
                            "minimum": _highest(x.dtype)}[op]
                backend.assign(data, key, identity)
            backend.scatter_ufunc(data, key, values, op)
            if reduce == "mean":
                counts = xp.zeros(x.shape, np.int64) + (1 if include_self else 0)
                backend.scatter_ufunc(counts, key, xp.ones(i.shape, np.int64), "add")
                touched = counts > 0
                data = xp.where(touched, data / xp.maximum(counts, 1), data)
                if x.dtype.kind in "iub":
                    data = xp.floor(data)
                data = data.astype(x.dtype)
        data = data.reshape(self._data.shape)
    out = _wrap(data, device, self._dtype)
    if _differentiable(self, src) and needs_grad(self, src):
        if reduce not in (None, "sum", "add", "mean"):
            raise NotImplementedError(f"{fn}(): the derivative for reduce='{reduce}' is not "
                                      f"implemented in tensorlite")
        src_shape = src._data.shape if isinstance(src, Tensor) else None
        shape = x.shape

        def rule(grads):
            g = grads[0].reshape(shape)
            if reduce is None:
                g_self = g.copy()
                backend.assign(g_self, key, 0)
            elif reduce == "mean":
                g_self = g / xp.maximum(counts, 1) if include_self else \
                    xp.where(touched, 0, g)
            else:
                g_self = g if include_self else xp.where(_touched(xp, shape, key), 0, g)
            g_src = None
            if src_shape is not None:
                gs = g / xp.maximum(counts, 1) if reduce == "mean" else g
                taken = gs[key]
                g_src = xp.zeros(src_shape if len(src_shape) else (1,), g.dtype)
                g_src[tuple(slice(0, n) for n in i.shape)] = taken
                g_src = g_src.reshape(src_shape)
            return g_self.reshape(self._data.shape), g_src

        record(node, (self, src), out, rule)
    return out


def _touched(xp, shape, key):
    mask = xp.zeros(shape, bool)
    mask[key] = True
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
    return _scatter(self, dim, index, src, reduce, True, "scatter", "ScatterBackward0")


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


def split_with_sizes(self, split_sizes, dim=0):
    return split(self, list(split_sizes), dim)


METHODS = {
    "index_put": index_put, "split_with_sizes": split_with_sizes,
    "narrow_copy": lambda self, dim, start, length: self.narrow(dim, start, length).clone(),
    "ravel": lambda self: self.reshape(-1),
    "is_same_size": lambda self, other: self.shape == other.shape,
    "split": split, "tensor_split": tensor_split, "hsplit": _section_split("hsplit", 1, 1),
    "vsplit": _section_split("vsplit", 0, 2), "dsplit": _section_split("dsplit", 2, 3),
    "unbind": unbind, "select": select, "movedim": movedim, "moveaxis": movedim,
    "swapdims": lambda self, dim0, dim1: self.transpose(dim0, dim1),
    "unflatten": unflatten, "repeat": repeat, "tile": tile,
    "repeat_interleave": repeat_interleave, "broadcast_to": broadcast_to, "flip": flip,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "tril": tril,
    "triu": triu, "diag": diag, "diagonal": diagonal, "diag_embed": diag_embed,
    "trace": trace, "gather": gather, "take_along_dim": take_along_dim,
    "index_select": index_select, "take": take, "masked_select": masked_select,
    "index_add": index_add, "index_copy": index_copy, "index_fill": index_fill,
    "scatter": scatter, "scatter_add": scatter_add, "scatter_reduce": scatter_reduce,
    "masked_scatter": masked_scatter,
}
INPLACE = {"index_put_": index_put, "tril_": tril, "triu_": triu, "index_add_": index_add, "index_copy_": index_copy,
           "index_fill_": index_fill, "scatter_": scatter, "scatter_add_": scatter_add,
           "scatter_reduce_": scatter_reduce, "masked_scatter_": masked_scatter}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
    for name, fn in INPLACE.items():
        setattr(cls, name, inplace.method(fn, name))
