r"""Pooling: ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d`` (the windows of
``conv.windows`` reduced by max or mean), ``adaptive_avg_pool1d/2d/3d`` (one averaging
matrix per spatial axis) and ``adaptive_max_pool1d/2d/3d``.

Output size (PyTorch's rule), per spatial dim, with ``ceil_mode`` rounding up but
never starting a window in the right padding:

.. math:: L_{out} = \left\lfloor \frac{L + 2p - d(k - 1) - 1}{s} \right\rfloor + 1

>>> import tensorlite as tl
>>> tl.nn.functional.max_pool2d(tl.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
[[[[5.0, 7.0], [13.0, 15.0]]]]
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ... import _backends, _dtype
from ..._tensor import _wrap
from .conv import crop, pad_array, unwindows, windows
from ._utils import check_tensor, fused, is_int, ntuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"]


def _geometry(fn, d, input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    check_tensor(input, "input", fn)
    if fn == "avg_pool2d" and input.ndim < 3:  # PyTorch reads size(-3) before any check
        raise IndexError(f"avg_pool2d: Dimension out of range (expected a 3D or 4D input, got "
                         f"{list(input.shape)})")
    if input.ndim not in (d + 1, d + 2):
        dims = {1: "2D or 3D", 2: "3D or 4D", 3: "4D or 5D"}[d]
        raise RuntimeError(f"{fn}: Expected {dims} (batch mode) tensor for input, got "
                           f"{list(input.shape)}" if d != 1 else
                           f"{fn}() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    kernel = ntuple(kernel_size, d, "kernel_size", fn)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else ntuple(stride, d, "stride", fn)
    pad = ntuple(padding, d, "padding", fn)
    dilation = ntuple(dilation, d, "dilation", fn)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{fn}(): kernel_size must be greater than zero, but got "
                           f"{list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{fn}(): stride must be greater than zero, but got {list(stride)}")
    if any(dl <= 0 for dl in dilation):
        raise RuntimeError(f"{fn}(): dilation must be greater than zero, but got "
                           f"{list(dilation)}")
    for p, k, dl in zip(pad, kernel, dilation):
        if p < 0 or p > ((k - 1) * dl + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={dl}")
    spatial = tuple(input.shape[-d:])
    out = []
    for n, k, s, p, dl in zip(spatial, kernel, stride, pad, dilation):
        o = (n + 2 * p - dl * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    out = tuple(out)
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[-d - 1:]))}). "
                           f"Calculated output size: "
                           f"({'x'.join(map(str, (input.shape[-d - 1],) + out))}). Output size "
                           f"is too small")
    # padding on each side: p before, and after whatever the last window reaches
    pads = tuple((p, max((o - 1) * s + dl * (k - 1) + 1 - n - p, 0)) for n, k, s, p, dl, o in
                 zip(spatial, kernel, stride, pad, dilation, out))
    return kernel, stride, pad, dilation, pads, out


def _as_batch(input, d):  # noqa: A002
    """``(B, *spatial)`` dims of the array: every leading dim folded into one."""
    return (math.prod(input.shape[:-d]),) + tuple(input.shape[-d:])


def _max_pool(fn, d, input, kernel_size, stride, padding, dilation, ceil_mode,  # noqa: A002
              return_indices):
    kernel, stride, pad, dilation, pads, out = _geometry(fn, d, input, kernel_size, stride,
                                                         padding, dilation, ceil_mode)
    shape = (1,) + _as_batch(input, d)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], pads))
    out_shape = tuple(input.shape[:-d]) + out
    found = []

    def forward(xp, x):
        backend = _backends.get(input.device)
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        cols = windows(xp, pad_array(xp, x.reshape(shape), pads, low), kernel, dilation, stride,
                       out)
        idx = xp.argmax(cols, axis=2)[:, :, None]
        y = xp.take_along_axis(cols, idx, axis=2)[:, :, 0]
        found.append(idx[:, :, 0])

        def rule(xp, g):
            k = xp.arange(math.prod(kernel)).reshape((1, 1, -1) + (1,) * d)
            gcols = (k == idx) * g.reshape((1, shape[1], 1) + out)
            return (crop(unwindows(xp, backend, gcols, padded, kernel, dilation, stride, out),
                         pads).reshape(input.shape),)

        return y.reshape(out_shape), rule

    result = fused(fn, f"MaxPool{d}DWithIndicesBackward0", (input,), forward)
    if not return_indices:
        return result
    backend = input._backend
    with backend.context(input.device):
        xp = backend.xp
        offsets = np.unravel_index(np.arange(math.prod(kernel)), kernel)
        flat = 0
        for axis in range(d):  # input position along each axis, then C-order flattening
            grid = xp.arange(out[axis]).reshape((1,) * axis + (-1,) + (1,) * (d - axis - 1))
            off = xp.asarray(offsets[axis])[found[0]]
            pos = grid * stride[axis] + off * dilation[axis] - pad[axis]
            flat = flat * shape[2 + axis] + pos
        indices = xp.asarray(flat, dtype=np.int64).reshape(out_shape)
    return result, _wrap(indices, input.device, _dtype.int64)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``; ``stride`` defaults to the kernel."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)`` (padding counts as -inf);
    with ``return_indices`` also the flat ``H * W`` index of each maximum."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _window_counts(n, k, s, p, o, include_pad):
    """Per output position along one axis, how many of the window's positions count:
    inside the padded input (``include_pad``) or inside the input itself."""
    lo, hi = (-p, n + p) if include_pad else (0, n)
    starts = np.arange(o) * s - p
    return np.clip(np.minimum(starts + k, hi) - np.maximum(starts, lo), 0, None)


def _avg_pool(fn, d, input, kernel_size, stride, padding, ceil_mode,  # noqa: A002
              count_include_pad, divisor_override):
    kernel, stride, pad, dilation, pads, out = _geometry(fn, d, input, kernel_size, stride,
                                                         padding, 1, ceil_mode)
    if divisor_override is not None and (not is_int(divisor_override) or
                                         divisor_override == 0):
        raise RuntimeError("divisor must be not zero")
    shape = (1,) + _as_batch(input, d)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(shape[2:], pads))
    out_shape = tuple(input.shape[:-d]) + out
    if divisor_override is not None:
        divisor = np.full(out, float(divisor_override))
    else:
        divisor = np.ones(())
        for axis, (n, k, s, p, o) in enumerate(zip(shape[2:], kernel, stride, pad, out)):
            counts = _window_counts(n, k, s, p, o, count_include_pad)
            divisor = divisor[..., None] * counts
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"{fn}" not implemented for '
                           f"'{input.dtype.name.capitalize()}'")

    def forward(xp, x):
        backend = _backends.get(input.device)
        div = xp.asarray(divisor, dtype=x.dtype)
        cols = windows(xp, pad_array(xp, x.reshape(shape), pads), kernel, dilation, stride, out)
        y = cols.sum(axis=2) / div

        def rule(xp, g):
            share = (g.reshape((1, shape[1]) + out) / div)[:, :, None]
            gcols = xp.broadcast_to(share, (1, shape[1], math.prod(kernel)) + out)
            return (crop(unwindows(xp, backend, gcols, padded, kernel, dilation, stride, out),
                         pads).reshape(input.shape),)

        return y.reshape(out_shape), rule

    return fused(fn, f"AvgPool{d}DBackward0", (input,), forward)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """1-D average pooling; padding counts as zeros in the sum and, with
    ``count_include_pad``, in the divisor."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """2-D average pooling; ``divisor_override`` replaces the window size as divisor."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """3-D average pooling."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


# ---- adaptive pooling ----------------------------------------------------------------------
def _adaptive_sizes(fn, d, input, output_size):  # noqa: A002
    check_tensor(input, "input", fn)
    if input.ndim not in (d + 1, d + 2) or any(s == 0 for s in input.shape[-d:]):
        raise RuntimeError(f"{fn}(): Expected {d + 1}D or {d + 2}D tensor with non-zero "
                           f"spatial sizes, but got input of size {list(input.shape)}")
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * d
    if len(output_size) != d:
        raise ValueError(f"{fn}(): output_size must have {d} elements, got {output_size!r}")
    # None keeps the input's size along that dim
    return tuple(int(n) if o is None else int(o) for o, n in zip(output_size, input.shape[-d:]))


def _bins(n, o):
    """PyTorch's adaptive bins: ``[floor(i n / o), ceil((i + 1) n / o))``."""
    return [((i * n) // o, -((-(i + 1) * n) // o)) for i in range(o)]


def _adaptive_avg(fn, d, input, output_size):  # noqa: A002
    out = _adaptive_sizes(fn, d, input, output_size)
    mats = []
    for n, o in zip(input.shape[-d:], out):
        m = np.zeros((o, n))
        for i, (a, b) in enumerate(_bins(n, o)):
            m[i, a:b] = 1.0 / (b - a)
        mats.append(m)

    def apply(xp, x, transpose):
        for k, m in enumerate(mats):
            axis = x.ndim - d + k
            m = xp.asarray(m.T if transpose else m, dtype=x.dtype)
            x = xp.moveaxis(xp.tensordot(x, m, axes=([axis], [1])), -1, axis)
        return x

    def forward(xp, x):
        return apply(xp, x, False), lambda xp, g: (apply(xp, g, True),)

    return fused(fn, f"AdaptiveAvgPool{d}DBackward0", (input,), forward)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average over PyTorch's adaptive bins so the last dim has ``output_size`` entries."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Adaptive average pooling to ``output_size`` (an int, a pair, ``None`` keeps a dim).

    >>> import tensorlite as tl
    >>> tl.nn.functional.adaptive_avg_pool2d(tl.ones(1, 3, 5, 7), 1).shape
    tensorlite.Size([1, 3, 1, 1])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Adaptive average pooling over the last three dims."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(fn, d, input, output_size, return_indices):  # noqa: A002
    out = _adaptive_sizes(fn, d, input, output_size)
    spatial = tuple(input.shape[-d:])
    cells = list(itertools.product(*(_bins(n, o) for n, o in zip(spatial, out))))
    batch = math.prod(input.shape[:-d])
    flat_idx = []

    def forward(xp, x):
        backend = _backends.get(input.device)
        x = x.reshape((batch,) + spatial)
        values, where = [], []
        for cell in cells:  # one window per output element: argmax, then its flat index
            win = x[(slice(None),) + tuple(slice(a, b) for a, b in cell)]
            k = xp.argmax(win.reshape(batch, -1), axis=1)
            sizes = tuple(b - a for a, b in cell)
            local = xp.unravel_index(k, sizes)
            flat = 0
            for axis, (a, _) in enumerate(cell):
                flat = flat * spatial[axis] + (local[axis] + a)
            where.append(flat)
            values.append(xp.take_along_axis(win.reshape(batch, -1), k[:, None], axis=1)[:, 0])
        y = xp.stack(values, axis=1).reshape(tuple(input.shape[:-d]) + out)
        idx = xp.stack(where, axis=1)
        flat_idx.append(idx)

        def rule(xp, g):
            gx = xp.zeros((batch, math.prod(spatial)), g.dtype)
            rows = xp.arange(batch)[:, None]
            backend.scatter_add(gx, (rows, idx), g.reshape(batch, -1))
            return (gx.reshape(input.shape),)

        return y, rule

    result = fused(fn, f"AdaptiveMaxPool{d}DBackward0", (input,), forward)
    if not return_indices:
        return result
    backend = input._backend
    with backend.context(input.device):
        indices = backend.astype(flat_idx[0], np.int64).reshape(result.shape)
    return result, _wrap(indices, input.device, _dtype.int64)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """Maximum over PyTorch's adaptive bins of the last dim."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Maximum over PyTorch's adaptive bins of the last two dims."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    """Maximum over PyTorch's adaptive bins of the last three dims."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)
