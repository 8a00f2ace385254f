r"""Shape functions: splitting, moving and repeating dims, broadcasting, flips and
rolls, triangles and diagonals.

Most are compositions of the views of :mod:`.shape` (``split`` is ``narrow``,
``repeat`` is ``expand`` then ``reshape``, ``rot90`` is ``flip`` and
``transpose``), so their derivatives come from those; the copies (``flip``,
``roll``, ``tril``, ``diagonal``, ``diag_embed``) carry their own rule, the
same operation undone on the gradient.

>>> import tensorlite as tl
>>> [t.tolist() for t in tl.arange(5).split(2)]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import _dtype
from .._tensor import scalar_type_name, Size, Tensor, _dim, _wrap
from . import inplace
from .shape import cat, make_view


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
    from .indexing import index_select

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
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"broadcast_tensors(): expected Tensor as element {i}, but got "
                            f"{type(t).__name__}")
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
    dim): a view, as in PyTorch, so writes through it change this tensor.

    >>> import tensorlite as tl
    >>> x = tl.zeros(2, 2)
    >>> x.diagonal().fill_(1.)
    tensor([1., 1.])
    >>> x
    tensor([[1., 0.],
            [0., 1.]])
    """
    d1, d2 = _dim(dim1, self.ndim, "diagonal"), _dim(dim2, self.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    backend, shape, np_dtype = self._backend, self._data.shape, self._data.dtype
    return make_view(self, lambda xp, x: _diagonal_view(xp, x, offset, d1, d2),
                     "DiagonalBackward0",
                     lambda xp, g: _write_diagonal(backend, shape, np_dtype, offset, d1, d2, g))


def _diagonal_view(xp, x, offset, d1, d2):
    view = xp.diagonal(x, offset, d1, d2)
    flags = view.flags
    # NumPy marks a diagonal read-only only for backward compatibility: the memory is x's,
    # and writable when x is (CuPy's views are writable already)
    if getattr(flags, "writeable", True) is False and x.flags.writeable:
        flags.writeable = True
    return view


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


_COMPLEX = {"float32": _dtype.complex64, "float64": _dtype.complex128}


def view_as_complex(input):  # noqa: A002 - PyTorch's argument name
    """The last dim (size 2: real, imaginary) of a float32/float64 tensor seen as complex
    numbers: a view, so writes go both ways (rotary embeddings build on it).

    >>> import tensorlite as tl
    >>> z = tl.view_as_complex(tl.tensor([[1., 2.]]))
    >>> z.dtype, tuple(z.shape)
    (tensorlite.complex64, (1,))
    """
    complex_dtype = _COMPLEX.get(input.dtype.name)
    if input.dtype is _dtype.float16:
        raise NotImplementedError("view_as_complex(): complex32 (pairs of float16) is not "
                                  "implemented in tensorlite; use float32")
    if complex_dtype is None:
        raise RuntimeError(f"view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: "
                           f"{scalar_type_name(input.dtype)}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input._backend.has_data and input._data.strides[-1] != input._data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    np_complex = complex_dtype._np
    if input._backend.has_data:
        def fn(xp, x):
            return x.view(np_complex)[..., 0]
    else:
        def fn(xp, x):
            return xp.empty(x.shape[:-1], np_complex)
    out = make_view(input, fn, "ViewAsComplexBackward0",
                    lambda xp, g: xp.stack([g.real, g.imag], -1))
    out._dtype = complex_dtype
    return out


def view_as_real(input):  # noqa: A002
    """A complex tensor as floats with a last dim of size 2 (real, imaginary): a view."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    real_dtype = _dtype.float32 if input.dtype is _dtype.complex64 else _dtype.float64
    np_real = real_dtype._np
    if input._backend.has_data:
        def fn(xp, x):
            return x[..., None].view(np_real)
    else:
        def fn(xp, x):
            return xp.empty(tuple(x.shape) + (2,), np_real)
    out = make_view(input, fn, "ViewAsRealBackward0", lambda xp, g: g[..., 0] + 1j * g[..., 1])
    out._dtype = real_dtype
    return out


def split_with_sizes(self, split_sizes, dim=0):
    return split(self, list(split_sizes), dim)


METHODS = {
    "split": split, "split_with_sizes": split_with_sizes, "tensor_split": tensor_split,
    "hsplit": _section_split("hsplit", 1, 1), "vsplit": _section_split("vsplit", 0, 2),
    "dsplit": _section_split("dsplit", 2, 3), "unbind": unbind, "select": select,
    "movedim": movedim, "moveaxis": movedim,
    "swapdims": lambda self, dim0, dim1: self.transpose(dim0, dim1),
    "unflatten": unflatten, "repeat": repeat, "tile": tile,
    "repeat_interleave": repeat_interleave, "broadcast_to": broadcast_to, "flip": flip,
    "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "tril": tril,
    "triu": triu, "diag": diag, "diagonal": diagonal, "diag_embed": diag_embed,
    "trace": trace, "ravel": lambda self: self.reshape(-1),
    "narrow_copy": lambda self, dim, start, length: self.narrow(dim, start, length).clone(),
    "is_same_size": lambda self, other: self.shape == other.shape,
}
INPLACE = {"tril_": tril, "triu_": triu}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
    for name, fn in INPLACE.items():
        setattr(cls, name, inplace.method(fn, name))
