r"""Convolutions of any spatial rank (``conv1d/2d/3d``, ``conv_transpose1d/2d/3d``) and
the patch operations ``unfold``/``fold``, all built on one pair of array routines:

* :func:`windows` ("im2col"): from an input padded to ``(N, C, *P)``, one strided view
  per kernel offset, stacked to ``(N, C, K, *out)`` with ``K = prod(kernel)``;
* :func:`unwindows` ("col2im"): its adjoint, adding each offset's slab back into a
  zero array of shape ``(N, C, *P)``.

A convolution folds a block of the batch into one matrix product per group (one BLAS
GEMM when ``groups == 1``): the padded block is laid out channels-first, ``(C, B, *P)``,
so that its windows stack to ``cols (C, K, B, *out)``, i.e. ``(C_in * K, B * L)`` per
group, and

    ``y (C_out, B * L) = weight (C_out, C_in * K) @ cols``,
    ``dW^T += cols @ dY^T``,  ``dcols = weight^T @ dY``,  ``dX = unwindows(dcols)``.

Speed (measured on the 32x64x32x32 benchmark, one thread): the per-sample batched
matmul with the kernel broadcast over the batch, and one GEMM over the whole batch,
both spend most of their time outside BLAS, streaming ``cols`` (75 MB) through memory
and faulting in fresh pages for it; blocks of the batch whose ``cols`` stay within some MB
(``_BLOCK``) run the whole forward+backward 2-5x faster, and the backward recomputes
each block's ``cols`` instead of keeping them (about 10% of the time). Smaller blocks
help one thread (cache) but hurt multi-threaded BLAS, whose per-call cost grows when
the cores are shared (1 MB blocks: 10x slower); ``_BLOCK`` is the compromise.
A transposed convolution is the same pair with the roles swapped.

>>> import tensorlite as tl
>>> import tensorlite.nn.functional as F
>>> F.conv1d(tl.ones(1, 1, 5), tl.ones(1, 1, 3)).tolist()
[[[3.0, 3.0, 3.0]]]
"""

from __future__ import annotations

import itertools
import math

from ... import _backends
from ._utils import check_tensor, fused, is_int, ntuple, same_dtype

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


# ---- the two array routines ----------------------------------------------------------------
def _offsets(kernel, dilation, stride, out):
    """Per kernel offset, the slices of the padded input that it reads."""
    for offs in itertools.product(*(range(k) for k in kernel)):
        yield (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, d, s, n in zip(offs, dilation, stride, out))


def windows(xp, x, kernel, dilation, stride, out, axis=2):
    """``(A, B, K, *out)``: the padded input ``x (A, B, *P)`` seen through each offset
    (``axis=1``: stacked as ``(A, K, B, *out)``)."""
    return xp.stack([x[key] for key in _offsets(kernel, dilation, stride, out)], axis=axis)


def unwindows(xp, backend, cols, padded, kernel, dilation, stride, out, axis=2):
    """The adjoint of :func:`windows`: ``cols (A, B, K, *out)`` (or ``(A, K, B, *out)``
    with ``axis=1``) added into ``(A, B, *P)``."""
    lead = tuple(s for i, s in enumerate(cols.shape[:3]) if i != axis)
    result = xp.zeros(lead + tuple(padded), cols.dtype)
    for i, key in enumerate(_offsets(kernel, dilation, stride, out)):
        target = result[key]  # a view: added in place, no temporary per offset
        target += cols[:, i] if axis == 1 else cols[:, :, i]
    return result


def pad_array(xp, x, pads, value=0):
    """Pad the trailing ``len(pads)`` axes by ``(low, high)`` pairs (no copy when zero)."""
    if not any(lo or hi for lo, hi in pads):
        return x
    return xp.pad(x, ((0, 0),) * (x.ndim - len(pads)) + tuple(pads), constant_values=value)


def crop(x, pads):
    """Undo :func:`pad_array` (a view)."""
    return x[(Ellipsis,) + tuple(slice(lo, x.shape[x.ndim - len(pads) + i] - hi)
                                 for i, (lo, hi) in enumerate(pads))]


_BLOCK = 1 << 22  # elements of one block's ``cols`` on the cpu (16 MB in float32)


def _gemm(xp, a, b):
    """``a @ b`` for stacks ``(g, m, k) @ (g, k, n)``; a plain 2-D product (one BLAS
    call) when ``g == 1``."""
    if a.shape[0] == 1:
        return xp.matmul(a[0], b[0])[None]
    return xp.matmul(a, b)


# ---- argument checks -------------------------------------------------------------------------
def _check_groups(groups):
    if not is_int(groups) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    return int(groups)


def _check_geometry(fn, d, stride, dilation):
    stride = ntuple(stride, d, "stride", fn)
    dilation = ntuple(dilation, d, "dilation", fn)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("dilation should be greater than zero")
    return stride, dilation


def _check_input(fn, d, input, weight, bias):  # noqa: A002
    check_tensor(input, "input", fn)
    check_tensor(weight, "weight", fn)
    same_dtype(fn, input, weight, bias)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to "
                           f"{fn}, but got input of size: {list(input.shape)}")
    if weight.ndim != d + 2:
        raise RuntimeError(f"{fn}(): expected a {d + 2}-D weight, got size "
                           f"{list(weight.shape)}")


def _padding(fn, d, padding, span, stride):
    """``(low, high)`` per spatial dim; ``"same"`` puts an odd extra at the end."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            return tuple((t // 2, t - t // 2) for t in span)
        raise RuntimeError(f"Invalid padding string '{padding}'")
    p = ntuple(padding, d, "padding", fn)
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


# ---- convolution -------------------------------------------------------------------------
def _conv(fn, d, input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    _check_input(fn, d, input, weight, bias)
    stride, dilation = _check_geometry(fn, d, stride, dilation)
    groups = _check_groups(groups)
    unbatched = input.ndim == d + 1
    shape = ((1,) if unbatched else ()) + tuple(input.shape)
    n, c, spatial = shape[0], shape[1], shape[2:]
    c_out, c_per_group, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    if c_out % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    if c != c_per_group * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(input.shape)} to have {c_per_group * groups} "
                           f"channels, but got {c} channels instead")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {c_out} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    span = tuple(dl * (k - 1) for dl, k in zip(dilation, kernel))
    pads = _padding(fn, d, padding, span, stride)
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    out = tuple((p - sp - 1) // st + 1 for p, sp, st in zip(padded, span, stride))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(str(s + 1) for s in span)}). Kernel size can't be "
                           f"greater than actual input size")
    k_total, length = math.prod(kernel), math.prod(out)
    out_shape = ((c_out,) if unbatched else (n, c_out)) + out

    rows = c_per_group * k_total
    interior = (slice(None), slice(None)) + tuple(slice(lo, lo + s) for (lo, _), s in
                                                  zip(pads, spatial))

    def forward(xp, x, w, b):
        backend = _backends.get(input.device)
        x = x.reshape(shape)
        kern = w.reshape(groups, c_out // groups, rows)
        # cpu: cache-sized blocks of the batch (module docstring); other devices: one block
        step = max(1, _BLOCK // (c * k_total * length)) if backend.name == "cpu" else n
        blocks = [slice(i, min(i + step, n)) for i in range(0, n, step)]

        def block_cols(part):
            """``(g, C_in/g * K, B * L)``: the windows of ``x[part]``, channels first."""
            xt = xp.zeros((c, part.stop - part.start) + padded, x.dtype)
            backend.assign(xt, interior, xp.swapaxes(x[part], 0, 1))
            return windows(xp, xt, kernel, dilation, stride, out, axis=1).reshape(
                groups, rows, -1)

        y = xp.empty((n, c_out, length), x.dtype)
        for part in blocks:
            yb = _gemm(xp, kern, block_cols(part)).reshape(c_out, -1, length)
            backend.assign(y, part, xp.swapaxes(yb, 0, 1))
        if b is not None:
            y += b.reshape(c_out, 1)
        keep_x = x if weight.requires_grad else None  # only the weight's rule reads it
        keep_kern = kern if input.requires_grad else None

        def rule(xp, g):
            g = g.reshape(n, c_out, length)
            gb = g.sum(axis=(0, 2)) if bias is not None else None
            gx = xp.empty((n, c) + spatial, g.dtype) if keep_kern is not None else None
            gw = xp.zeros((groups, rows, c_out // groups), g.dtype) if keep_x is not None else None
            for part in blocks:
                gt = xp.ascontiguousarray(xp.swapaxes(g[part], 0, 1)).reshape(
                    groups, c_out // groups, -1)
                if gx is not None:
                    gcols = _gemm(xp, xp.swapaxes(keep_kern, -1, -2), gt)
                    gcols = gcols.reshape((c, k_total, -1) + out)
                    gxb = unwindows(xp, backend, gcols, padded, kernel, dilation, stride, out,
                                    axis=1)
                    backend.assign(gx, part, xp.swapaxes(crop(gxb, pads), 0, 1))
                if gw is not None:
                    gw += _gemm(xp, block_cols(part), xp.swapaxes(gt, -1, -2))
            if gw is not None:
                gw = xp.swapaxes(gw, -1, -2).reshape(weight.shape)
            return None if gx is None else gx.reshape(input.shape), gw, gb

        return y.reshape(out_shape), rule

    return fused(fn, "ConvolutionBackward0", (input, weight, bias), forward)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    r"""1-D cross-correlation over ``input (N, C_in, L)`` (or unbatched ``(C_in, L)``) with
    ``weight (C_out, C_in / groups, kL)``:

    .. math:: y[n, o, i] = b[o] + \sum_{c, k} w[o, c, k]\, x_{\text{pad}}[n, g(o) + c,
              i \cdot \text{stride} + k \cdot \text{dilation}]

    ``padding`` is an int, ``"valid"`` or ``"same"`` (stride 1; an odd extra goes at the
    end). See the module docstring for how it is computed.
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    r"""2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    Shapes: ``input (N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, ``weight
    (C_out, C_in / groups, kH, kW)``, ``bias (C_out,)``. ``padding`` is an int, a pair,
    ``"valid"`` (none) or ``"same"`` (output size equals input size; stride 1 only; an
    odd total padding puts the extra row/column at the end).

    >>> import tensorlite as tl
    >>> tl.nn.functional.conv2d(tl.ones(1, 2, 4, 4), tl.ones(3, 2, 3, 3)).shape
    tensorlite.Size([1, 3, 2, 2])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-D cross-correlation over ``(N, C_in, D, H, W)``; as :func:`conv2d` with one more
    spatial dimension."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- transposed convolution -----------------------------------------------------------------
def _conv_transpose(fn, d, input, weight, bias, stride, padding, output_padding, groups,  # noqa: A002
                    dilation):
    _check_input(fn, d, input, weight, bias)
    stride, dilation = _check_geometry(fn, d, stride, dilation)
    groups = _check_groups(groups)
    pad = ntuple(padding, d, "padding", fn)
    out_pad = ntuple(output_padding, d, "output_padding", fn)
    if any(v < 0 for v in pad):
        raise RuntimeError("negative padding is not supported")
    if any(op >= max(s, dl) for op, s, dl in zip(out_pad, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           f"but got output_padding={list(out_pad)}, stride={list(stride)}, "
                           f"dilation={list(dilation)}")
    unbatched = input.ndim == d + 1
    shape = ((1,) if unbatched else ()) + tuple(input.shape)
    n, c_in, spatial = shape[0], shape[1], shape[2:]
    if weight.shape[0] != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but "
                           f"got {c_in} channels instead")
    if c_in % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    c_out_g, kernel = weight.shape[1], tuple(weight.shape[2:])
    c_out = c_out_g * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {c_out} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    out = tuple((i - 1) * s - 2 * p + dl * (k - 1) + op + 1 for i, s, p, dl, k, op in
                zip(spatial, stride, pad, dilation, kernel, out_pad))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, spatial))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, out))}). Output size is too small")
    pads = tuple((p, p) for p in pad)
    padded = tuple(o + 2 * p for o, p in zip(out, pad))
    k_total, length = math.prod(kernel), math.prod(spatial)
    c_in_g = c_in // groups
    out_shape = ((c_out,) if unbatched else (n, c_out)) + out

    def forward(xp, x, w, b):
        backend = _backends.get(input.device)
        xs = x.reshape(n, groups, c_in_g, length)
        kern = w.reshape(groups, c_in_g, c_out_g * k_total)
        cols = xp.matmul(xp.swapaxes(kern, -1, -2), xs).reshape((n, c_out, k_total) + spatial)
        y = crop(unwindows(xp, backend, cols, padded, kernel, dilation, stride, spatial), pads)
        if b is not None:
            y = y + b.reshape((1, c_out) + (1,) * d)
        keep_x = xs if weight.requires_grad else None
        keep_kern = kern if input.requires_grad else None

        def rule(xp, g):
            gcols = windows(xp, pad_array(xp, g.reshape((n, c_out) + out), pads), kernel,
                            dilation, stride, spatial)
            gcols = gcols.reshape(n, groups, c_out_g * k_total, length)
            gx = gw = gb = None
            if keep_kern is not None:
                gx = xp.matmul(keep_kern, gcols).reshape(input.shape)
            if keep_x is not None:
                gw = xp.matmul(keep_x, xp.swapaxes(gcols, -1, -2)).sum(axis=0)
                gw = gw.reshape(weight.shape)
            if bias is not None:
                gb = g.reshape(n, c_out, -1).sum(axis=(0, 2))
            return gx, gw, gb

        return y.reshape(out_shape), rule

    return fused(fn, "ConvolutionBackward0", (input, weight, bias), forward)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups=1, dilation=1):
    r"""1-D transposed convolution ("deconvolution"): the gradient of :func:`conv1d` with
    respect to its input. ``weight (C_in, C_out / groups, kL)``; output length
    :math:`(L - 1)\,s - 2p + d\,(k - 1) + \text{output\_padding} + 1`."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution; see :func:`conv_transpose1d`.

    >>> import tensorlite as tl
    >>> tl.nn.functional.conv_transpose2d(tl.ones(1, 4, 3, 3), tl.ones(4, 2, 3, 3),
    ...                                   stride=2).shape
    tensorlite.Size([1, 2, 7, 7])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution; see :func:`conv_transpose1d`."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


# ---- unfold / fold -------------------------------------------------------------------------
def _patch_geometry(fn, spatial, kernel_size, dilation, padding, stride):
    kernel = ntuple(kernel_size, 2, "kernel_size", fn)
    dilation = ntuple(dilation, 2, "dilation", fn)
    pad = ntuple(padding, 2, "padding", fn)
    stride = ntuple(stride, 2, "stride", fn)
    if any(v <= 0 for v in kernel + dilation + stride) or any(v < 0 for v in pad):
        raise RuntimeError(f"{fn}(): kernel_size, dilation and stride must be positive and "
                           f"padding non-negative, got kernel_size={kernel}, dilation="
                           f"{dilation}, padding={pad}, stride={stride}")
    pads = tuple((p, p) for p in pad)
    padded = tuple(s + 2 * p for s, p in zip(spatial, pad))
    out = tuple((p - dl * (k - 1) - 1) // s + 1 for p, dl, k, s in
                zip(padded, dilation, kernel, stride))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{fn}(): the kernel {kernel} with dilation {dilation} does not fit "
                           f"the padded input of spatial size {padded}")
    return kernel, dilation, stride, pads, padded, out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    r"""Extract sliding blocks: ``(N, C, H, W)`` (or ``(C, H, W)``) to ``(N, C \cdot kH
    \cdot kW, L)``, ``L`` the number of block positions ("im2col").

    >>> import tensorlite as tl
    >>> tl.nn.functional.unfold(tl.ones(1, 2, 4, 4), 3).shape
    tensorlite.Size([1, 18, 4])
    """
    check_tensor(input, "input", "unfold")
    if input.ndim not in (3, 4):
        # PyTorch indexes a missing spatial dimension below 3-D (IndexError).
        error = IndexError if input.ndim < 3 else RuntimeError
        raise error(f"unfold: expected a 3D or 4D (batch mode) input tensor, but got "
                    f"{input.ndim}D of shape {list(input.shape)}")
    shape = ((1,) if input.ndim == 3 else ()) + tuple(input.shape)
    kernel, dilation, stride, pads, padded, out = _patch_geometry(
        "unfold", shape[2:], kernel_size, dilation, padding, stride)
    k_total = math.prod(kernel)
    out_shape = tuple(input.shape[:-3]) + (shape[1] * k_total, math.prod(out))

    def forward(xp, x):
        backend = _backends.get(input.device)
        cols = windows(xp, pad_array(xp, x.reshape(shape), pads), kernel, dilation, stride, out)

        def rule(xp, g):
            g = g.reshape((shape[0], shape[1], k_total) + out)
            return (crop(unwindows(xp, backend, g, padded, kernel, dilation, stride, out),
                         pads).reshape(input.shape),)

        return cols.reshape(out_shape), rule

    return fused("unfold", "Im2ColBackward0", (input,), forward)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    r"""Combine sliding blocks into a tensor, adding overlaps: ``(N, C \cdot kH \cdot kW,
    L)`` to ``(N, C, *output_size)``; the adjoint of :func:`unfold` ("col2im").

    >>> import tensorlite as tl
    >>> F = tl.nn.functional
    >>> F.fold(F.unfold(tl.ones(1, 1, 3, 3), 2), (3, 3), 2).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    check_tensor(input, "input", "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors "
                           f"are supported (got {input.ndim}D)")
    size = ntuple(output_size, 2, "output_size", "fold")
    kernel, dilation, stride, pads, padded, out = _patch_geometry(
        "fold", size, kernel_size, dilation, padding, stride)
    k_total = math.prod(kernel)
    shape = ((1,) if input.ndim == 2 else ()) + tuple(input.shape)
    if shape[1] % k_total:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={shape[1]} and "
                           f"kernel_size={kernel}")
    if shape[2] != math.prod(out):
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation="
                           f"{dilation}, padding={tuple(p for p, _ in pads)}, stride={stride}, "
                           f"expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {out[0]} * {out[1]} = "
                           f"{math.prod(out)}, but got input.size(2)={shape[2]}.")
    c = shape[1] // k_total
    out_shape = tuple(input.shape[:-2]) + (c,) + size

    def forward(xp, x):
        backend = _backends.get(input.device)
        cols = x.reshape((shape[0], c, k_total) + out)
        y = crop(unwindows(xp, backend, cols, padded, kernel, dilation, stride, out), pads)

        def rule(xp, g):
            g = pad_array(xp, g.reshape((shape[0], c) + size), pads)
            return (windows(xp, g, kernel, dilation, stride, out).reshape(input.shape),)

        return y.reshape(out_shape), rule

    return fused("fold", "Col2ImBackward0", (input,), forward)


