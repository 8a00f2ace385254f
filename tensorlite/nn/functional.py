r"""Functional forms of the layers: ``linear``, ``conv2d``, ``embedding``,
``layer_norm``, activations and ``dropout``.

Every function computes on its inputs' device through the backend's array
namespace (NumPy or CuPy; on ``meta`` only shapes are computed), checks
PyTorch's device rule, and computes half types in float32, rounding once.
Each one is differentiable: composites (``linear``, ``dropout``) through the
operations they call, the fused ones (``conv2d``, ``embedding``,
``layer_norm``) with their derivative written beside their forward.

>>> import tensorlite as tl
>>> import tensorlite.nn.functional as F
>>> F.relu(tl.tensor([-1.0, 2.0]))
tensor([0., 2.])
"""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import grad_mode as _autograd
from .. import _backends, _dtype
from .._ops import elementwise, inplace
from .._ops.linalg import matmul
from .._tensor import Tensor, _compute_dtype, _wrap, common_device
from ..autograd.graph import needs_grad, record

__all__ = ["linear", "conv2d", "embedding", "layer_norm", "relu", "leaky_relu", "tanh",
           "sigmoid", "gelu", "dropout"]


def _check_tensor(x, name, fn):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _same_dtype(fn, input, *others):  # noqa: A002
    for other in others:
        if other is not None and other.dtype is not input.dtype:
            raise RuntimeError(f"{fn}(): expected input and parameters to have the same dtype, "
                               f"but got input {input.dtype} and parameter {other.dtype}")


def _arrays(device, compute, *tensors):
    """The tensors' arrays in the compute dtype (``None`` stays ``None``)."""
    backend = _backends.get(device)
    return [None if t is None else
            (t._data if t._data.dtype == compute._np else backend.astype(t._data, compute._np))
            for t in tensors]


def _finish(data, device, dtype):
    """Wrap a computed array, rounding half types once from float32."""
    backend = _backends.get(device)
    if data.dtype != dtype._np:
        data = backend.astype(data, dtype._np)
    return _wrap(data, device, dtype)


def _inplace_result(input, result):  # noqa: A002
    """Write ``result`` into ``input`` (the ``inplace=True`` forms) and return ``input``."""
    return inplace.assign_result(input, result)


# ---- linear layers ---------------------------------------------------------------------
def linear(input, weight, bias=None):  # noqa: A002
    r"""Apply :math:`y = x W^\top + b` over the last dimension of ``input``.

    Shapes: ``input (*, in)``, ``weight (out, in)``, ``bias (out,)`` → ``(*, out)``.
    """
    _check_tensor(input, "input", "linear")
    _check_tensor(weight, "weight", "linear")
    common_device((input, weight, bias), "linear")
    out = matmul(input, weight.t() if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


def _pair(value, name, fn):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{fn}(): {name} must be an int or a pair of ints, got {value!r}")
        value = tuple(value)
    else:
        value = (value, value)
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
            raise TypeError(f"{fn}(): {name} must be an int or a pair of ints, got {value!r}")
    return tuple(int(v) for v in value)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    r"""2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    Shapes: ``input (N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, ``weight
    (C_out, C_in / groups, kH, kW)``, ``bias (C_out,)``. ``padding`` is an int,
    a pair, ``"valid"`` (none) or ``"same"`` (output size equals input size;
    stride 1 only; an odd total padding puts the extra row/column at the end).

    Implemented as im2col plus one batched matrix product: the input is
    zero-padded, each of the ``kH * kW`` kernel offsets contributes a strided
    view of shape ``(N, C_in, H_out, W_out)``, and the stacked columns
    ``(N, groups, C_in / groups * kH * kW, H_out * W_out)`` are multiplied by
    the weight viewed as ``(groups, C_out / groups, C_in / groups * kH * kW)``.
    """
    fn = "conv2d"
    _check_tensor(input, "input", fn)
    _check_tensor(weight, "weight", fn)
    device = common_device((input, weight, bias), fn)
    _same_dtype(fn, input, weight, bias)
    stride = _pair(stride, "stride", fn)
    dilation = _pair(dilation, "dilation", fn)
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, np.integer)) \
            or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(f"conv2d(): expected a 4-D weight, got size {list(weight.shape)}")
    unbatched = input.ndim == 3
    n, c, h, w = (1,) + tuple(input.shape) if unbatched else tuple(input.shape)
    c_out, c_per_group, kh, kw = weight.shape
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
    span = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))  # kernel extent - 1
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = tuple((t // 2, t - t // 2) for t in span)
        else:
            raise RuntimeError(f"Invalid padding string '{padding}'")
    else:
        p = _pair(padding, "padding", fn)
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = ((p[0], p[0]), (p[1], p[1]))
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    h_out = (hp - span[0] - 1) // stride[0] + 1
    w_out = (wp - span[1] - 1) // stride[1] + 1
    if h_out <= 0 or w_out <= 0:
        raise RuntimeError(f"Calculated padded input size per channel: ({hp} x {wp}). Kernel "
                           f"size: ({span[0] + 1} x {span[1] + 1}). Kernel size can't be "
                           f"greater than actual input size")
    dtype = input.dtype
    compute = _compute_dtype(dtype)
    backend = _backends.get(device)
    geometry = (n, c, h, w, c_out, c_per_group, kh, kw, groups, stride, dilation, pads,
                h_out, w_out)
    with backend.context(device):
        xp = backend.xp
        x, wt, b = _arrays(device, compute, input, weight, bias)
        cols = _im2col(xp, x.reshape(n, c, h, w), geometry)
        kernel = wt.reshape(groups, c_out // groups, c_per_group * kh * kw)
        out = xp.matmul(kernel, cols).reshape(n, c_out, h_out, w_out)
        if b is not None:
            out = out + b.reshape(1, c_out, 1, 1)
        if unbatched:
            out = out.reshape(c_out, h_out, w_out)
    result = _finish(out, device, dtype)
    if needs_grad(input, weight, bias):
        keep_cols = cols if weight.requires_grad else None  # the weight's gradient reads them
        keep_kernel = kernel if input.requires_grad else None

        def backward(grads):
            g = grads[0].reshape(n, groups, c_out // groups, h_out * w_out)
            gx = gw = gb = None
            if keep_kernel is not None:
                gcols = xp.matmul(xp.swapaxes(keep_kernel, -1, -2), g)
                gx = _col2im(xp, backend, gcols, geometry).reshape(input.shape)
            if keep_cols is not None:
                gw = xp.matmul(g, xp.swapaxes(keep_cols, -1, -2)).sum(axis=0)
                gw = gw.reshape(weight.shape)
            if bias is not None:
                gb = g.sum(axis=(0, 3)).reshape(c_out)
            return gx, gw, gb

        record("ConvolutionBackward0", (input, weight, bias), result, backward)
    return result


def _im2col(xp, x, geometry):
    """Columns ``(N, groups, C_in/groups * kH * kW, H_out * W_out)``: one strided view of
    the padded input per kernel offset, stacked."""
    n, c, h, w, c_out, c_per_group, kh, kw, groups, stride, dilation, pads, h_out, w_out = \
        geometry
    if any(pads[0]) or any(pads[1]):
        x = xp.pad(x, ((0, 0), (0, 0)) + pads)
    h_end, w_end = stride[0] * (h_out - 1) + 1, stride[1] * (w_out - 1) + 1
    cols = xp.stack([x[:, :, i * dilation[0]:i * dilation[0] + h_end:stride[0],
                       j * dilation[1]:j * dilation[1] + w_end:stride[1]]
                     for i in range(kh) for j in range(kw)], axis=2)
    return cols.reshape(n, groups, c_per_group * kh * kw, h_out * w_out)


def _col2im(xp, backend, cols, geometry):
    """The adjoint of :func:`_im2col`: add each kernel offset's columns back into the
    padded input's positions, then drop the padding."""
    n, c, h, w, c_out, c_per_group, kh, kw, groups, stride, dilation, pads, h_out, w_out = \
        geometry
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    out = xp.zeros((n, c, hp, wp), cols.dtype)
    cols = cols.reshape(n, c, kh, kw, h_out, w_out)
    h_end, w_end = stride[0] * (h_out - 1) + 1, stride[1] * (w_out - 1) + 1
    for i in range(kh):
        for j in range(kw):
            window = (slice(None), slice(None),
                      slice(i * dilation[0], i * dilation[0] + h_end, stride[0]),
                      slice(j * dilation[1], j * dilation[1] + w_end, stride[1]))
            backend.assign(out, window, out[window] + cols[:, :, i, j])
    return out[:, :, pads[0][0]:hp - pads[0][1], pads[1][0]:wp - pads[1][1]]


# ---- embedding and normalization -------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` by the integer indices in ``input``.

    Returns ``weight[input]`` with shape ``input.shape + (embedding_dim,)``.
    With ``max_norm``, the looked-up rows of ``weight`` whose ``norm_type``-norm
    exceeds it are first rescaled in place to norm ``max_norm`` (PyTorch's
    ``embedding_renorm_``). ``padding_idx`` only matters for gradients.
    """
    fn = "embedding"
    _check_tensor(input, "input", fn)
    _check_tensor(weight, "weight", fn)
    device = common_device((input, weight), fn)
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.type()} instead "
                           f"(while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num = weight.shape[0]
    backend = _backends.get(device)
    with backend.context(device):
        xp = backend.xp
        idx = input._data
        if idx.size and input._backend.has_data:
            # A value check: synchronizes on cuda, where out-of-range indices would
            # otherwise wrap around silently.
            if bool(xp.any((idx < 0) | (idx >= num))):
                raise IndexError("index out of range in self")
        if max_norm is not None and idx.size:
            _embedding_renorm_(weight, xp.unique(idx), float(max_norm), float(norm_type))
        data = xp.take(weight._data, idx.reshape(-1), axis=0).reshape(tuple(idx.shape) + (weight.shape[1],))
    result = _wrap(data, device, weight.dtype)
    if needs_grad(weight):
        shape = weight._data.shape
        flat = idx.reshape(-1)

        def backward(grads):  # rows add up over repeated indices; padding_idx gets none
            g = grads[0].reshape(-1, shape[1])
            if padding_idx is not None:
                g = g * (flat != padding_idx % shape[0])[:, None]
            out = xp.zeros(shape, g.dtype)
            backend.scatter_add(out, flat, g)
            return None, out

        record("EmbeddingBackward0", (input, weight), result, backward)
    return result


def _embedding_renorm_(weight, rows, max_norm, norm_type):
    """Rescale ``weight[rows]`` in place to norm at most ``max_norm`` (PyTorch's 1e-7 guard)."""
    backend = weight._backend
    xp = backend.xp
    compute = _compute_dtype(weight.dtype)._np
    sel = backend.astype(weight._data[rows], compute)
    norms = xp.sum(xp.abs(sel) ** norm_type, axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(compute)
    with _autograd.no_grad():
        inplace.write(weight, rows, backend.astype(sel * scale[:, None], weight.dtype._np))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    r"""Normalize over the trailing ``normalized_shape`` dimensions:

    .. math::
        y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \cdot \gamma + \beta

    with the biased variance, as PyTorch computes it.
    """
    fn = "layer_norm"
    _check_tensor(input, "input", fn)
    normalized_shape = tuple(int(s) for s in ((normalized_shape,) if isinstance(
        normalized_shape, (int, np.integer)) else normalized_shape))
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], but "
                           f"got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    device = common_device((input, weight, bias), fn)
    _same_dtype(fn, input, weight, bias)
    dtype = input.dtype
    if not dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point input, got {dtype}")
    compute = _compute_dtype(dtype)
    backend = _backends.get(device)
    # PyTorch returns inf/nan silently for eps=0 on a constant row; so do we (and
    # meta's shape-only arrays hold zeros, which would warn here).
    with backend.context(device), np.errstate(divide="ignore", invalid="ignore"):
        xp = backend.xp
        x, g, b = _arrays(device, compute, input, weight, bias)
        axes = tuple(range(input.ndim - k, input.ndim))
        mean = xp.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        var = xp.mean(centred * centred, axis=axes, keepdims=True)
        rstd = 1 / xp.sqrt(var + compute._np.type(eps))
        normed = centred * rstd
        out = normed * g if g is not None else normed
        if b is not None:
            out = out + b
    result = _finish(out, device, dtype)
    if needs_grad(input, weight, bias):
        batch_axes = tuple(range(input.ndim - k))

        def backward(grads):
            # with n = x̂ = (x - mean) * rstd and h = dy * gamma:
            # dx = rstd * (h - mean(h) - n * mean(h * n)) over the normalized axes
            dy = grads[0]
            h = dy * g if g is not None else dy
            dx = rstd * (h - xp.mean(h, axis=axes, keepdims=True)
                         - normed * xp.mean(h * normed, axis=axes, keepdims=True))
            dgamma = (dy * normed).sum(axis=batch_axes) if weight is not None else None
            dbeta = dy.sum(axis=batch_axes) if bias is not None else None
            return dx, dgamma, dbeta

        record("NativeLayerNormBackward0", (input, weight, bias), result, backward)
    return result


# ---- activations -------------------------------------------------------------------------
def relu(input, inplace=False):  # noqa: A002
    """:math:`\\max(0, x)` elementwise."""
    _check_tensor(input, "input", "relu")
    result = input.relu()
    return _inplace_result(input, result) if inplace else result


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """:math:`x` where :math:`x > 0`, else :math:`\\text{negative\\_slope} \\cdot x`."""
    _check_tensor(input, "input", "leaky_relu")
    result = elementwise.leaky_relu(input, float(negative_slope))
    return _inplace_result(input, result) if inplace else result


def tanh(input):  # noqa: A002
    """Hyperbolic tangent elementwise."""
    _check_tensor(input, "input", "tanh")
    return input.tanh()


def sigmoid(input):  # noqa: A002
    """:math:`1 / (1 + e^{-x})` elementwise."""
    _check_tensor(input, "input", "sigmoid")
    return input.sigmoid()


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


def gelu(input, approximate="none"):  # noqa: A002
    r"""Gaussian Error Linear Unit: :math:`x \Phi(x) = \frac{x}{2}(1 + \operatorname{erf}(x/\sqrt2))`,
    or with ``approximate="tanh"``:
    :math:`\frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715 x^3)\right)\right)`.
    """
    _check_tensor(input, "input", "gelu")
    _check_approximate(approximate)
    return (elementwise.gelu_tanh if approximate == "tanh" else elementwise.gelu_exact)(input)


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    The keep-mask is ``tl.bernoulli`` with probability ``1 - p`` drawn from the
    stream (``generator`` or the device's default), so it is the same on every
    device for the same seed. Identity when ``training`` is false or ``p == 0``;
    all zeros when ``p == 1``.
    """
    _check_tensor(input, "input", "dropout")
    p = _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        result = input * 0
    else:
        from ..random.sampling import bernoulli

        keep = bernoulli(input, 1.0 - p, generator=generator)
        result = input * (keep * (1.0 / (1.0 - p)))
    return _inplace_result(input, result) if inplace else result


def _check_p(p):
    if isinstance(p, bool) or not isinstance(p, (numbers.Real, np.number)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)
