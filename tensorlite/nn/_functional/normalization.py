r"""Normalization layers' functions: ``layer_norm``, ``batch_norm``, ``instance_norm``,
``group_norm`` (one fused routine, :func:`_standardize`), ``rms_norm`` and ``normalize``.

Each of the first four standardizes over some axes with the biased variance and then
applies an optional per-element affine map,

.. math::
    y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \cdot \gamma + \beta,

and they differ only in the axes. The fused derivative, with :math:`\hat x` the
standardized input, :math:`r = 1/\sqrt{\mathrm{Var}+\epsilon}` and :math:`h = g\gamma`:

.. math::
    \frac{\partial L}{\partial x} = r\,(h - \overline{h} - \hat x\,\overline{h \hat x}),

means taken over the normalized axes.

>>> import tensorlite as tl
>>> F = tl.nn.functional
>>> F.batch_norm(tl.tensor([[1.0], [3.0]]), None, None, training=True).flatten()
tensor([-1.0000,  1.0000])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ... import _dtype
from ..._tensor import _wrap
from ...autograd import grad_mode as _autograd
from ._utils import check_float, check_tensor, fused, same_dtype

__all__ = ["layer_norm", "batch_norm", "instance_norm", "group_norm", "rms_norm", "normalize"]


def _sum_over(a, axes):
    """``a.sum(axes, keepdims=True)``. Batch norm's axes (0, 2, 3, ...) skip the channel
    dim; NumPy's strided reduction over them was ~3x slower than two contiguous ones
    (profiled on 32x64x32x32 float32), so that case sums the spatial block then the batch."""
    if a.ndim >= 3 and axes == (0,) + tuple(range(2, a.ndim)):
        n, c = a.shape[:2]
        return a.reshape(n, c, -1).sum(axis=2).sum(axis=0).reshape((1, c) + (1,) * (a.ndim - 2))
    return a.sum(axis=axes, keepdims=True)


def _standardize(fn, node, input, axes, eps, weight=None, bias=None, stats=None):  # noqa: A002
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over ``axes``; ``weight``/``bias``
    already broadcast against ``input`` (views). ``stats``, a list, receives the batch mean
    and biased variance arrays.

    With ``n`` elements per group, ``s1 = sum(dy)`` and ``s2 = sum(dy * normed)``:
    ``dx = rstd * weight * (dy - s1 / n - normed * s2 / n)``, ``dweight = s2``,
    ``dbias = s1`` (sums over ``axes``) when ``weight`` is constant over ``axes``, so the
    rule reads each full array once or twice; otherwise (layer norm) ``h = dy * weight``
    takes the place of ``dy`` inside the bracket.
    """
    def forward(xp, x, g, b):
        count = x.dtype.type(math.prod(x.shape[a] for a in axes))
        mean = _sum_over(x, axes) / count
        centred = x - mean
        var = _sum_over(centred * centred, axes) / count
        if stats is not None:
            stats.extend((mean, var))
        rstd = 1 / xp.sqrt(var + x.dtype.type(eps))
        normed = centred * rstd
        out = normed * g if g is not None else normed
        if b is not None:
            out = out + b

        def rule(xp, dy):
            if g is not None and any(g.shape[a - dy.ndim] != 1 for a in axes
                                     if a - dy.ndim >= -g.ndim):  # layer norm's weight
                h = dy * g
                dx = rstd * (h - _sum_over(h, axes) / count
                             - normed * (_sum_over(h * normed, axes) / count))
                return dx, dy * normed, (dy if bias is not None else None)
            # the weight is constant over ``axes`` (batch/instance/group norm): the sums
            # are its gradient too (the engine sums any remaining broadcast dims)
            s1 = _sum_over(dy, axes)
            s2 = _sum_over(dy * normed, axes)
            scale = rstd * g if g is not None else rstd
            dx = (dy - s1 / count - normed * (s2 / count)) * scale
            return (dx, s2 if weight is not None else None, s1 if bias is not None else None)

        return out, rule

    return fused(fn, node, (input, weight, bias), forward)


def _channel_view(t, ndim):
    """A per-channel (dim 1) vector as a view broadcasting over ``ndim`` dims."""
    return None if t is None else t.reshape((1, -1) + (1,) * (ndim - 2))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    r"""Normalize over the trailing ``normalized_shape`` dimensions (biased variance), then
    scale by ``weight`` and shift by ``bias`` (both of that shape)."""
    fn = "layer_norm"
    check_tensor(input, "input", fn)
    normalized_shape = tuple(int(s) for s in ((normalized_shape,) if isinstance(
        normalized_shape, (numbers.Integral, np.integer)) else normalized_shape))
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], but "
                           f"got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(normalized_shape)}")
    same_dtype(fn, input, weight, bias)
    check_float(fn, input)
    axes = tuple(range(input.ndim - k, input.ndim))
    return _standardize(fn, "NativeLayerNormBackward0", input, axes, eps, weight, bias)


def _check_channels(fn, input, name, t, c):  # noqa: A002
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{fn}(): expected {name} to have {c} elements (the input's "
                           f"channels), but got {name} of size {list(t.shape)}")


def _update_running(running, batch, momentum):
    """``running = (1 - momentum) running + momentum batch``, in place, outside the graph."""
    with _autograd.no_grad():
        running.mul_(1 - momentum).add_(_wrap(batch, running.device, running.dtype)
                                         * momentum)


def _batch_stats(stats, axes, count, dtype, backend):
    """Per-channel mean and unbiased variance (what running statistics track)."""
    mean, var = stats
    mean = mean.reshape(-1) if len(axes) else mean
    var = var.reshape(-1) * (count / max(count - 1, 1))
    return backend.astype(mean, dtype._np), backend.astype(var, dtype._np)


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training=False, momentum=0.1, eps=1e-5):
    r"""Normalize each channel (dim 1) over the batch and spatial dims.

    In training (or without running statistics) the batch's mean and biased variance
    are used, and ``running_mean``/``running_var`` (if given) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased*
    batch variance, as PyTorch does. Otherwise the running statistics are used.
    """
    fn = "batch_norm"
    check_tensor(input, "input", fn)
    if input.ndim < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.ndim}D input)")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(fn, input, name, t, c)
    same_dtype(fn, input, weight, bias)
    check_float(fn, input)
    axes = (0,) + tuple(range(2, input.ndim))
    count = input.numel() // max(c, 1)
    if training and count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {list(input.shape)}")
    w, b = _channel_view(weight, input.ndim), _channel_view(bias, input.ndim)
    if training or running_mean is None or running_var is None:
        stats = []
        out = _standardize(fn, "NativeBatchNormBackward0", input, axes, eps, w, b, stats)
        if training and running_mean is not None and running_var is not None:
            mean, var = _batch_stats(stats, axes, count, running_mean.dtype, input._backend)
            _update_running(running_mean, mean, momentum)
            _update_running(running_var, var, momentum)
        return out
    scale = (_channel_view(running_var, input.ndim) + eps).sqrt()
    out = (input - _channel_view(running_mean, input.ndim)) / scale
    out = out * w if w is not None else out
    return out + b if b is not None else out


def instance_norm(input, running_mean=None, running_var=None, weight=None,  # noqa: A002
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    r"""Normalize each channel of each sample over its spatial dims; running statistics
    (if given) track the batch average of the per-instance statistics."""
    fn = "instance_norm"
    check_tensor(input, "input", fn)
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher input to instance_norm (got {input.ndim}D)")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_channels(fn, input, name, t, c)
    same_dtype(fn, input, weight, bias)
    check_float(fn, input)
    axes = tuple(range(2, input.ndim))
    count = math.prod(input.shape[2:])
    if use_input_stats and count == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{list(input.shape)}")
    w, b = _channel_view(weight, input.ndim), _channel_view(bias, input.ndim)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    stats = []
    out = _standardize(fn, "NativeBatchNormBackward0", input, axes, eps, w, b, stats)
    if running_mean is not None and running_var is not None:
        backend = input._backend
        mean, var = stats
        unbiased = var * (count / max(count - 1, 1))
        _update_running(running_mean, backend.astype(mean.reshape(input.shape[0], c).mean(0),
                                                     running_mean.dtype._np), momentum)
        _update_running(running_var, backend.astype(unbiased.reshape(input.shape[0], c).mean(0),
                                                    running_var.dtype._np), momentum)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    r"""Split the channels into ``num_groups`` groups and normalize each group of each
    sample (over its channels and spatial dims); then a per-channel affine map."""
    fn = "group_norm"
    check_tensor(input, "input", fn)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        _check_channels(fn, input, name, t, c)
    same_dtype(fn, input, weight, bias)
    check_float(fn, input)
    grouped = input.reshape(n, num_groups, -1)
    out = _standardize(fn, "NativeGroupNormBackward0", grouped, (2,), eps).reshape(input.shape)
    w, b = _channel_view(weight, input.ndim), _channel_view(bias, input.ndim)
    out = out * w if w is not None else out
    return out + b if b is not None else out


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    r""":math:`y = x / \sqrt{\mathrm{mean}(x^2) + \epsilon} \cdot \gamma` over the trailing
    ``normalized_shape`` dims; ``eps=None`` means ``torch.finfo(input.dtype).eps``."""
    fn = "rms_norm"
    check_tensor(input, "input", fn)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) \
        else tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input "
                           f"with shape [*, {', '.join(str(s) for s in normalized_shape)}], but "
                           f"got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(normalized_shape)}")
    check_float(fn, input)
    if eps is None:  # machine epsilon of the input's dtype (bfloat16 keeps 8 bits)
        eps = 2.0 ** -7 if input.dtype is _dtype.bfloat16 else float(
            np.finfo(input.dtype._np).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input / ((input * input).mean(dims, keepdim=True) + eps).sqrt()
    return out * weight if weight is not None else out


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    r""":math:`v / \max(\lVert v \rVert_p, \epsilon)` along ``dim``."""
    check_tensor(input, "input", "normalize")
    norm = _norm(input, p, dim, keepdim=True)
    return input / norm.clamp(min=eps)


def _norm(x, p, dim, keepdim=False):
    """The ``p``-norm along ``dim``, differentiable through elementwise ops."""
    if p == 2:
        return (x * x).sum(dim, keepdim=keepdim).sqrt()
    if p == 1:
        return x.abs().sum(dim, keepdim=keepdim)
    if p == math.inf:
        return x.abs().amax(dim, keepdim=keepdim)
    return (x.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)

