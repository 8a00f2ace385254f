r"""Resampling and rearranging: ``pad`` (constant, reflect, replicate, circular),
``interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area;
antialias),
``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle``.

Every non-constant padding and every interpolation is a gather along one axis at a
time (integer index arrays into a differentiable ``Tensor.__getitem__``), so their
gradients are the matching scatter-adds.

>>> import tensorlite as tl
>>> tl.nn.functional.pad(tl.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
tensor([[3., 2., 1., 2., 3., 2.]])
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..._creation import tensor
from ..._ops.linalg import linear
from .conv import crop, pad_array
from ._utils import check_tensor, fused, is_int

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle"]


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
_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3, "lanczos": 2}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "lanczos",
          "area")
# antialias filters' half-widths, in input pixels when not downsampling
_AA_SUPPORT = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}


def _output_size(input, d, size, scale_factor, recompute):  # noqa: A002
    """Output sizes and the per-axis scale factors the source formula uses (``None``: the
    ratio of the sizes), as PyTorch's ``interpolate`` settles them."""
    spatial = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * d
        if len(sizes) != d:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and output size of {size}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             f"output size in (o1, o2, ...,oK) format.")
        if not all(is_int(s) for s in sizes):
            raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, int] "
                            f"or Tuple[int, int, int], but got size with types "
                            f"{[type(s) for s in sizes]}")
        return tuple(int(s) for s in sizes), (None,) * d
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
        else (scale_factor,) * d
    if len(scales) != d:
        raise ValueError(f"Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of {list(spatial)} "
                         f"and scale_factor of shape {scale_factor}. Please provide input "
                         f"tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                         f"s2, ...,sK) format.")
    sizes = tuple(int(math.floor(float(n) * float(s))) for n, s in zip(spatial, scales))
    return sizes, ((None,) * d if recompute else tuple(float(s) for s in scales))


def _ratio(n, o, scale, align_corners):
    """Input pixels per output pixel (PyTorch's ``area_pixel_compute_scale``)."""
    if align_corners:
        return (n - 1) / (o - 1) if o > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n / o


def _cubic(x, a):
    """Keys' cubic convolution kernel at distance ``x`` (support ``|x| < 2``)."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _triangle(x):
    return np.maximum(1 - np.abs(x), 0.0)


def _taps(n, o, scale, mode, align_corners, antialias):
    """One axis as taps: ``(index, weight)``, each ``(o, K)``, output ``j`` being
    ``sum_k weight[j, k] * x[index[j, k]]`` (``weight`` is ``None`` for the nearest modes,
    ``K = 1``). The source position of output ``j`` is ``ratio * j`` with
    ``align_corners``, else ``ratio * (j + 0.5) - 0.5`` (clamped at 0 for linear)."""
    dst = np.arange(o, dtype=np.float64)
    if mode in ("nearest", "nearest-exact"):
        ratio = _ratio(n, o, scale, False)
        shift = 0.5 if mode == "nearest-exact" else 0.0
        # PyTorch computes the source index in float32
        src = np.minimum(np.floor((dst + shift).astype(np.float32) * np.float32(ratio)),
                         n - 1).astype(np.int64)
        return src[:, None], None
    ratio = _ratio(n, o, scale, align_corners)
    if antialias:
        return _taps_antialias(n, dst, ratio, mode)
    src = ratio * dst if align_corners else ratio * (dst + 0.5) - 0.5
    if mode != "bicubic":
        src = np.maximum(src, 0.0)
    i0 = np.minimum(np.floor(src), n - 1).astype(np.int64)
    t = np.clip(src - i0, 0.0, 1.0)
    if mode != "bicubic":
        index = np.stack([i0, np.minimum(i0 + 1, n - 1)], axis=1)
        return index, np.stack([1 - t, t], axis=1)
    # Keys' kernel with A = -0.75 at the four neighbours i0-1 .. i0+2, clamped at the border
    weight = np.stack([_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75),
                       _cubic((1 - t) + 1, -0.75)], axis=1)
    index = np.clip(i0[:, None] + np.arange(-1, 3), 0, n - 1)
    return index, weight


def _taps_antialias(n, dst, ratio, mode):
    """Pillow's resampling (PyTorch's ``antialias=True``): the filter (triangle, or Keys'
    cubic with A = -0.5) is stretched by ``ratio`` when downsampling, centred at
    ``ratio * (j + 0.5)``, cut to the input and normalized to sum 1 per output."""
    support = _AA_SUPPORT[mode] * max(ratio, 1.0)
    width = int(math.ceil(support)) * 2 + 1
    invscale = 1.0 / ratio if ratio >= 1.0 else 1.0
    center = ratio * (dst + 0.5)
    lo = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.int64)
    hi = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n)
    size = np.clip(hi - lo, 0, width)
    k = np.arange(width)
    index = lo[:, None] + k
    x = (index - center[:, None] + 0.5) * invscale
    if mode == "bilinear":
        weight = _triangle(x)
    elif mode == "bicubic":
        weight = _cubic(x, -0.5)
    else:  # Lanczos-3: sinc(x) sinc(x / 3) inside |x| < 3
        weight = np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)
    weight = np.where(k < size[:, None], weight, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    weight = weight / np.where(total != 0, total, 1.0)
    return np.minimum(index, n - 1), weight


# Up to this many input pixels along an axis, the taps become a dense (out, in) matrix and
# one matrix product (BLAS, forward and backward) beats a gather and its scatter-add.
_DENSE_MAX = 1024


def _resample(x, axis, index, weight):
    """``x`` along ``axis`` replaced by the taps' weighted sums: a gather then a sum, or a
    product with the dense interpolation matrix for short axes (zeros add exactly, so
    both give the same values)."""
    o, k = index.shape
    if weight is None:
        return _take(x, axis, index.reshape(-1))
    dtype = x.dtype if x.dtype.is_floating_point else None
    n = x.shape[axis]
    if n <= _DENSE_MAX:
        dense = np.zeros((o, n))
        np.add.at(dense, (np.arange(o)[:, None], index), weight)
        # linear() flattens the leading dims into one GEMM (forward and backward)
        return linear(x.movedim(axis, -1), tensor(dense, dtype=dtype, device=x.device)).movedim(
            -1, axis)
    out = _take(x, axis, index.reshape(-1))
    out = out.reshape(tuple(x.shape[:axis]) + (o, k) + tuple(x.shape[axis + 1:]))
    w = tensor(weight.reshape((o, k) + (1,) * (x.ndim - axis - 1)), dtype=dtype,
               device=x.device)
    return (out * w).sum(axis + 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    r"""Resize the spatial dims of ``(N, C, *spatial)``, one axis at a time.

    ``mode``: ``"nearest"`` (source ``floor(j * r)`` with ``r = in / out`` or ``1 /
    scale_factor``), ``"nearest-exact"`` (``floor((j + 0.5) r)``),
    ``"linear"``/``"bilinear"``/``"trilinear"`` (linear between the two neighbours of the
    source ``(j + 0.5) r - 0.5``, clamped at 0; with ``align_corners`` the corner pixels'
    centres align: ``r = (in - 1) / (out - 1)``, source ``j r``), ``"bicubic"`` (Keys'
    cubic convolution, A = -0.75, over four neighbours with indices clamped at the
    border), ``"area"`` (adaptive average pooling). ``antialias=True`` (bilinear,
    bicubic with A = -0.5, and ``"lanczos"``, which needs it: ``sinc(x) sinc(x / 3)``; 4-D
    input) widens the filter by ``r`` when downsampling and normalizes its
    weights, as Pillow does. With ``scale_factor`` and no ``recompute_scale_factor`` the
    given factor is used in the source formula, as PyTorch does.

    >>> import tensorlite as tl
    >>> x = tl.tensor([[[0.0, 1.0, 2.0]]])
    >>> tl.nn.functional.interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[0.0000, 0.5000, 1.0000, 1.5000, 2.0000]]])
    """
    check_tensor(input, "input", "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    d = input.ndim - 2
    sizes, scales = _output_size(input, d, size, scale_factor, recompute_scale_factor)
    if antialias and not (mode in _AA_SUPPORT and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if mode in ("linear", "bilinear", "trilinear") and _DIMS[mode] != d and 1 <= d <= 3:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_DIMS[mode] + 2}D input")
    if mode not in _MODES or not 1 <= d <= 3 or _DIMS.get(mode, d) != d:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact")
    if mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if mode == "lanczos" and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
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
        index, weight = _taps(input.shape[2 + k], o, scale, mode, bool(align_corners),
                              bool(antialias))
        out = _resample(out, 2 + k, index, weight)
    return out


def _deprecated(name):
    # PyTorch's UserWarning for its old resizing entry points
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                  f"instead.", stacklevel=3)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """Deprecated alias of :func:`interpolate`."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: :func:`interpolate` with ``mode="nearest"``."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):  # noqa: A002
    """Deprecated: :func:`interpolate` with ``mode="bilinear", align_corners=True``."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


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




def channel_shuffle(input, groups):  # noqa: A002
    r"""Split the ``C`` channels of ``(N, C, *)`` into ``groups`` and interleave them:
    output channel ``j * groups + g`` is input channel ``g * (C / groups) + j``
    (ShuffleNet, Zhang et al., 2018)."""
    check_tensor(input, "input", "channel_shuffle")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if not is_int(groups) or groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value "
                           f"of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape((n, groups, c // groups) + tuple(rest)).transpose(1, 2)
    return x.reshape(tuple(input.shape))
