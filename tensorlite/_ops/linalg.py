r"""Matrix products, with their derivatives.

For :math:`Z = A B` (batched, with NumPy's broadcasting of the batch
dimensions), :math:`\partial A = G B^\top` and :math:`\partial B = A^\top G`;
a 1-D operand is treated as a row (left) or column (right) matrix and the
added dimension is dropped again. The engine sums broadcast batch dimensions.

>>> import tensorlite as tl
>>> a = tl.ones(2, 3, requires_grad=True)
>>> (a @ tl.ones(3)).sum().backward()
>>> a.grad
tensor([[1., 1., 1.],
        [1., 1., 1.]])
"""

from __future__ import annotations

import numpy as np

from .. import _backends, _device, _dtype
from .._backends._common import _ERRSTATE_VAR, _IGNORE, quiet_float_errors
from .._tensor import scalar_type_name, Size, Tensor, _as_array, _compute_dtype, _wrap, common_device
from ..autograd.graph import needs_grad, record
from .elementwise import conjugated


_NATIVE = (_dtype.float32, _dtype.float64)  # dtypes that compute as themselves


_CPU = _backends.get(_device.CPU)


def _scalar_type_name(dtype):
    """PyTorch's C++ scalar type name in its dtype-mismatch messages."""
    if dtype.is_complex:
        return f"c10::complex<{_scalar_type_name(dtype.to_real())}>"
    return {"float16": "c10::Half", "bfloat16": "c10::BFloat16", "int64": "long int"}.get(
        dtype.name, scalar_type_name(dtype).lower())


def _check(a, b, b_transposed=False):
    """matmul's checks on ``a @ b`` (``a @ b.T`` with ``b_transposed``: ``linear``
    checks its weight so rather than through ``weight.t()``, a view that recorded an
    autograd node on every forward -- half of ``nn.Linear``'s overhead, profiled)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'input' and 'other' must be Tensors")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_scalar_type_name(a.dtype)} != {_scalar_type_name(b.dtype)}")
    b_shape = tuple(b.shape)[::-1] if b_transposed else b.shape
    ka = a.shape[-1]
    kb = b_shape[-2] if b.ndim > 1 else b_shape[0]
    if ka != kb:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({Size(a.shape[:-1]).numel() if a.ndim > 1 else 1}x{ka} and "
                           f"{kb}x{b_shape[-1] if b.ndim > 1 else 1})")


def _matmul_backward(xp, g, x, y, x_ndim, y_ndim):
    """Gradients of ``x @ y`` for every combination of 1-D and n-D operands; an operand
    passed as ``None`` was not kept, and the other one's gradient is not computed."""
    if x_ndim == 1 and y_ndim == 1:  # a dot product: the gradient is a scalar
        g = g.reshape(1, 1)
    elif x_ndim == 1:
        g = xp.expand_dims(g, -2)
    elif y_ndim == 1:
        g = xp.expand_dims(g, -1)
    gx = gy = None
    if y is not None:
        gx = xp.matmul(g, xp.swapaxes(y[:, None] if y_ndim == 1 else y, -1, -2))
        if x_ndim == 1:
            gx = gx[..., 0, :]
    if x is not None:
        gy = xp.matmul(xp.swapaxes(x[None, :] if x_ndim == 1 else x, -1, -2), g)
        if y_ndim == 1:
            gy = gy[..., 0]
    return gx, gy


def matmul(a, b):
    """Matrix product with NumPy's broadcasting rules; half types accumulate in float32."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._dtype in _NATIVE and \
            b._dtype is a._dtype and a._device is b._device and a._device.type == "cpu" \
            and a._data.ndim == 2 and b._data.ndim == 2 and \
            a._data.shape[1] == b._data.shape[0]:
        # two CPU matrices of one native float dtype: no checks or lookups left to do
        # (profiled on 32x64 @ 64x64: they cost as much as the product)
        device, backend, x, y = a._device, _CPU, a._data, b._data
        if _IGNORE is not None:
            token = _ERRSTATE_VAR.set(_IGNORE)
            try:
                data = np.matmul(x, y)
            finally:
                _ERRSTATE_VAR.reset(token)
        else:
            with quiet_float_errors():
                data = np.matmul(x, y)
    else:
        _check(a, b)
        device = common_device((a, b), "matmul")
        compute = _compute_dtype(a.dtype)
        backend = _backends.get(device)
        with backend.context(device), quiet_float_errors():  # inf/nan as in PyTorch
            x = backend.astype(a._data, compute._np) if compute is not a.dtype else a._data
            y = backend.astype(b._data, compute._np) if compute is not b.dtype else b._data
            data = _as_array(backend.xp, backend.xp.matmul(x, y))
            if compute is not a.dtype:
                data = backend.astype(data, a.dtype._np)
    out = _wrap(data, device, a.dtype)
    if needs_grad(a, b) and (a.dtype.is_floating_point or a.dtype.is_complex):
        xp = backend.xp
        sx = x if b.requires_grad else None  # each gradient needs only the other operand
        sy = y if a.requires_grad else None

        x_ndim, y_ndim = x.ndim, y.ndim

        def backward(grads):
            return _matmul_backward(xp, grads[0], sx, sy, x_ndim, y_ndim)

        if a.dtype.is_complex:  # PyTorch's convention: g @ conj(y)^T, conj(x)^T @ g
            backward = conjugated(xp, backward)

        record(_MATMUL_NODES.get((a.ndim, b.ndim), "UnsafeViewBackward0"), (a, b), out,
               backward, saved=[t for t, s in ((a, sx), (b, sy)) if s is not None])
    return out


# the node PyTorch's matmul ends with, by operand ranks (batched products: a reshape)
_MATMUL_NODES = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0",
                 (1, 2): "SqueezeBackward4"}


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's names
    r"""``input @ weight.T + bias`` as one operation (PyTorch's ``addmm``): the input's
    leading dimensions are flattened into one 2-D product, and the gradients are
    computed in the parameters' own layout — :math:`\partial W = G^\top X`,
    :math:`\partial b = \sum G`, :math:`\partial X = G W` — so the weight's gradient
    is a contiguous ``(out, in)`` array (a transposed view would cost a transposing
    copy when it is stored into ``.grad``)."""
    if weight.ndim != 2 or input.ndim == 0:
        out = matmul(input, weight.t() if weight.ndim == 2 else weight)
        return out if bias is None else out + bias
    if not isinstance(input, Tensor):
        _check(input, weight)  # PyTorch's TypeError
    dtype, device = input._dtype, input._device
    x, w = input._data, weight._data
    in_shape = x.shape
    out_shape = in_shape[:-1] + (w.shape[0],)
    if dtype in _NATIVE and device.type == "cpu" and weight._dtype is dtype and \
            weight._device is device and in_shape[-1] == w.shape[1] and \
            (bias is None or (bias._dtype is dtype and bias._device is device)):
        # the common case, checked in one expression (profiled on nn.Linear(64, 64) with a
        # batch of 32: the general checks and lookups below cost as much as the product)
        x = x.reshape(-1, in_shape[-1])
        if _IGNORE is not None:
            token = _ERRSTATE_VAR.set(_IGNORE)
            try:
                data = np.matmul(x, w.T)
                if bias is not None:
                    data += bias._data
            finally:
                _ERRSTATE_VAR.reset(token)
        else:
            with quiet_float_errors():
                data = np.matmul(x, w.T)
                if bias is not None:
                    data += bias._data
        data = data.reshape(out_shape)
        xp = np
    else:
        _check(input, weight, b_transposed=True)
        device = common_device((input, weight, bias), "linear")
        if bias is not None and bias.dtype is not input.dtype:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                               f"{scalar_type_name(input.dtype).lower()} != "
                               f"{scalar_type_name(bias.dtype).lower()}")
        compute = _compute_dtype(input.dtype)
        backend = _backends.get(device)
        with backend.context(device), quiet_float_errors():
            xp = backend.xp
            x = input._data.reshape(-1, in_shape[-1])
            b = None if bias is None else bias._data
            if compute is not input.dtype:
                x, w = backend.astype(x, compute._np), backend.astype(w, compute._np)
                b = None if b is None else backend.astype(b, compute._np)
            data = xp.matmul(x, w.T)
            if b is not None:
                data += b
            data = data.reshape(out_shape)
            if compute is not input.dtype:
                data = backend.astype(data, input.dtype._np)
    out = _wrap(data, device, input.dtype)
    if needs_grad(input, weight, bias):
        kept_x = x if weight.requires_grad else None
        kept_w = w if input.requires_grad else None

        def backward(grads):
            g = grads[0].reshape(-1, out_shape[-1])
            gx = None if kept_w is None else xp.matmul(g, kept_w).reshape(in_shape)
            gw = None if kept_x is None else xp.matmul(g.T, kept_x)
            gb = None if bias is None else g.sum(axis=0)
            return gx, gw, gb

        if input.dtype.is_complex:
            backward = conjugated(xp, backward)
        record("AddmmBackward0" if bias is not None else "MmBackward0", (input, weight, bias),
               out, backward, saved=[t for t, k in ((input, kept_x), (weight, kept_w))
                                     if k is not None])
    return out


METHODS = {"__matmul__": matmul, "__rmatmul__": lambda self, other: matmul(other, self),
           "matmul": matmul}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
