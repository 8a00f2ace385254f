r"""Resampling and rearranging: ``pad`` (constant, reflect, replicate, circular),
``interpolate`` (nearest, nearest-exact, linear, bilinear, trilinear, area),
``pixel_shuffle`` and ``pixel_unshuffle``.

Every non-constant padding and every interpolation is a gather along one axis at a
time (integer index arrays into a differentiable ``Tensor.__getitem__``), so their
gradients are the matching scatter-adds.

>>> import tensorlite as tl
>>> tl.nn.functional.pad(tl.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
tensor([[3., 2., 1., 2., 3., 2.]])
"""

from __future__ import annotations

import math

import numpy as np

from ..._creation import tensor
from .conv import crop, pad_array
from ._utils import check_tensor, fused, is_int

__all__ = ["pad", "interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle"]


def _take(x, axis, index):
    """``x`` gathered along ``axis`` at the host integer array ``index`` (differentiable)."""
    key = (slice(None),) * (axis % x.ndim) + (np.asarray(index, np.int64),)
    return x[key]


def _pad_index(n, lo, hi, mode):
    """Source positions of the padded axis ``[-lo, n + hi)`` for a non-constant mode."""
    pos = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1)
        pos = np.abs(pos) % period if period else np.zeros_like(pos)
        return np.where(pos >= n, period - pos, pos)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    return pos % n  # circular


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    r"""Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_2nd_last,
    ...)``, as PyTorch. ``"constant"`` fills ``value`` (negative pads crop); ``"reflect"``
    mirrors without repeating the edge; ``"replicate"`` repeats it; ``"circular"`` wraps.
    """
    check_tensor(input, "input", "pad")
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not all(is_int(p) for p in pad):
        raise RuntimeError(f"Padding length must be divisible by 2, got {pad!r}")
    k = len(pad) // 2
    if k > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {input.ndim}")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)][::-1]  # first dim first
    if mode == "constant":
        return _pad_constant(input, pairs, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value not in (None, 0):
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    if not (k + 1 <= input.ndim <= k + 2) or k > 3:
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are "
                                  f"supported for now (got {len(pad)}-element pad for a "
                                  f"{input.ndim}-D input)")
    out = input
    for i, (lo, hi) in enumerate(pairs):
        axis = input.ndim - k + i
        n = input.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {axis} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0:
            raise RuntimeError(f"padding size should be less than the corresponding input "
                               f"dimension, got input {list(input.shape)}")
        if lo or hi:
            out = _take(out, axis, _pad_index(n, lo, hi, mode))
    return out


def _pad_constant(input, pairs, value):  # noqa: A002
    k = len(pairs)
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    cut = [(max(-lo, 0), max(-hi, 0)) for lo, hi in pairs]
    lead = tuple(input.shape[:input.ndim - k])
    size = tuple(n + lo + hi for n, (lo, hi) in zip(input.shape[input.ndim - k:], pairs))
    if any(s < 0 for s in size):
        raise RuntimeError(f"The input size {list(input.shape)}, plus negative padding "
                           f"{pairs} resulted in a negative output size, which is invalid.")

    def forward(xp, x):
        y = crop(pad_array(xp, x, grow, value), cut)

        def rule(xp, g):
            return (crop(pad_array(xp, g, cut), grow),)

        return y.reshape(lead + size), rule

    return fused("pad", "ConstantPadNdBackward0", (input,), forward)


# ---- interpolation -------------------------------------------------------------------------
_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _output_size(input, d, size, scale_factor, recompute):  # noqa: A002
    spatial = tuple(input.shape[-d:])
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * d
        if len(sizes) != d:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and output size of {list(sizes)}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             f"output size in (o1, o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * d
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
        else (scale_factor,) * d
    if len(scales) != d:
        raise ValueError(f"Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of {list(spatial)} "
                         f"and scale_factor of shape {list(scales)}. Please provide input "
                         f"tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                         f"s2, ...,sK) format.")
    sizes = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(spatial, scales))
    return sizes, ((None,) * d if recompute else tuple(float(s) for s in scales))


def _source(n, o, scale, mode, align_corners):
    """Per output position: ``(i0, i1, w)`` with value ``(1 - w) x[i0] + w x[i1]``."""
    dst = np.arange(o, dtype=np.float64)
    ratio = (1.0 / scale) if scale is not None and scale > 0 else n / o
    if mode in ("nearest", "nearest-exact"):
        shift = 0.5 if mode == "nearest-exact" else 0.0
        # PyTorch computes the source index in float32
        src = np.minimum(np.floor((dst + shift).astype(np.float32) * np.float32(ratio)),
                         n - 1).astype(np.int64)
        return src, src, None
    if align_corners:
        src = dst * ((n - 1) / (o - 1)) if o > 1 else np.zeros(o)
    else:
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, src - i0


def interpolate(input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    r"""Resize the spatial dims of ``(N, C, *spatial)``.

    ``mode``: ``"nearest"`` (source ``floor(i * in / out)``), ``"nearest-exact"``
    (``floor((i + 0.5) * in / out)``), ``"linear"``/``"bilinear"``/``"trilinear"``
    (separable linear interpolation; with ``align_corners`` the corner pixels' centres
    align, otherwise source ``(i + 0.5) * in / out - 0.5`` clamped at 0), ``"area"``
    (adaptive average pooling). With ``scale_factor`` and no ``recompute_scale_factor``
    the given factor is used in the source formula, as PyTorch does.
    """
    check_tensor(input, "input", "interpolate")
    d = input.ndim - 2
    if d < 1:
        raise ValueError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                         f"{input.ndim}D) for the modes: nearest | linear | bilinear | "
                         f"bicubic | trilinear | area | nearest-exact (got {mode})")
    modes = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
    if mode not in modes:
        if mode == "bicubic":
            raise NotImplementedError("interpolate(): mode='bicubic' is not implemented in "
                                      "tensorlite")
        raise NotImplementedError(f"Input Error: unsupported mode {mode!r}")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if mode in _DIMS and _DIMS[mode] != d:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_DIMS[mode] + 2}D input")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not implemented")
    sizes, scales = _output_size(input, d, size, scale_factor, recompute_scale_factor)
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, input.shape[2:]))}) and output "
                           f"({', '.join(map(str, sizes))})")
    if mode == "area":
        from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[d - 1](
            input, sizes)
    out = input
    for k, (o, scale) in enumerate(zip(sizes, scales)):
        axis = 2 + k
        i0, i1, w = _source(input.shape[axis], o, scale, mode, bool(align_corners))
        if w is None:
            out = _take(out, axis, i0)
            continue
        shape = (o,) + (1,) * (d - 1 - k)
        weight = tensor(w.reshape(shape), dtype=input.dtype if input.dtype.is_floating_point
                        else None, device=input.device)
        out = _take(out, axis, i0) * (1 - weight) + _take(out, axis, i1) * weight
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated alias of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def _check_factor(fn, factor):
    if not is_int(factor) or factor <= 0:
        raise RuntimeError(f"{fn} expects a positive factor, but got {factor}")
    return int(factor)


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    r"""Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (Shi et al., 2016)."""
    check_tensor(input, "input", "pixel_shuffle")
    r = _check_factor("pixel_shuffle", upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    nl = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(nl)) + tuple(nl + i for i in (0, 3, 1, 4, 2)))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    r"""Rearrange ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``: the inverse of
    :func:`pixel_shuffle`."""
    check_tensor(input, "input", "pixel_unshuffle")
    r = _check_factor("pixel_unshuffle", downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} and input.size(-1)={w} "
                           f"are not divisible by {r}")
    nl = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(nl)) + tuple(nl + i for i in (0, 2, 4, 1, 3)))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


