"""Helpers shared by the functional families: argument checks, arrays in the compute
dtype, and :func:`fused`, the one way a functional op with a hand-written derivative
records itself."""

from __future__ import annotations

import contextlib
import numbers

import numpy as np

from ... import _backends
from ..._ops import inplace
from ..._tensor import Tensor, _compute_dtype, _wrap, common_device
from ...autograd.graph import named, needs_grad, record


def check_tensor(x, name, fn):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def same_dtype(fn, input, *others):  # noqa: A002
    for other in others:
        if other is not None and other.dtype is not input.dtype:
            raise RuntimeError(f"{fn}(): expected input and parameters to have the same dtype, "
                               f"but got input {input.dtype} and parameter {other.dtype}")


def check_float(fn, input):  # noqa: A002
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point input, got {input.dtype}")


def arrays(device, compute, *tensors):
    """The tensors' arrays in the compute dtype (``None`` stays ``None``)."""
    backend = _backends.get(device)
    return [None if t is None else
            (t._data if t._data.dtype == compute._np else backend.astype(t._data, compute._np))
            for t in tensors]


def finish(data, device, dtype):
    """Wrap a computed array, rounding half types once from float32."""
    backend = _backends.get(device)
    if data.dtype != dtype._np:
        data = backend.astype(data, dtype._np)
    return _wrap(data, device, dtype)


def inplace_result(input, result, node=None):  # noqa: A002
    """Write ``result`` into ``input`` (the ``inplace=True`` forms) and return ``input``;
    ``node`` renames the recorded node where PyTorch's in-place kernel has its own name
    (``F.leaky_relu(x, inplace=True)`` is ``LeakyReluBackward1``)."""
    return inplace.assign_result(input, named(result, node) if node else result)


def is_int(v):
    return not isinstance(v, bool) and isinstance(v, (numbers.Integral, np.integer))


def ntuple(value, n, name, fn):
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise ValueError(f"{fn}(): {name} must be an int or a tuple of {n} ints, got "
                             f"{value!r}")
        value = tuple(value)
    else:
        value = (value,) * n
    for v in value:
        if not is_int(v):
            raise TypeError(f"{fn}(): {name} must be an int or a tuple of {n} ints, got "
                            f"{value!r}")
    return tuple(int(v) for v in value)


def fused(fn, node, inputs, forward, dtype=None):
    """Run an op whose derivative is written beside its forward.

    ``forward(xp, *arrays)`` gets the inputs' arrays in the compute dtype (``None``
    for absent inputs) and returns ``(out, rule)``: the output array and
    ``rule(xp, g)``, the gradients of the inputs (arrays or ``None``) given the
    output's gradient ``g``. The rule is recorded only when an input needs grad,
    and only it keeps the arrays it reads. Returns the output tensor.
    """
    present = [t for t in inputs if t is not None]
    device = common_device(present, fn)
    dtype = dtype or present[0].dtype
    compute = _compute_dtype(dtype)
    backend = _backends.get(device)
    with backend.context(device), np.errstate(all="ignore"):  # inf/nan as PyTorch gives
        xp = backend.xp
        out, rule = forward(xp, *arrays(device, compute, *inputs))
    result = finish(out, device, dtype)
    if needs_grad(*inputs):
        record(node, tuple(inputs), result, lambda grads: rule(xp, grads[0]))
    return result


_blas = None


def serial_blas(device):
    """A context in which NumPy's BLAS runs on one thread (a no-op off the cpu).

    For loops of small matrix products (attention's batched ``(L, E) @ (E, S)``, a
    recurrence's per-step product): a multi-threaded BLAS synchronizes its threads in
    every call, which on a shared machine made them 2-50x slower than one thread
    (measured: 256 products of 128x32x128, 25-75 ms serial, 39-3900 ms threaded).
    """
    global _blas
    if _backends.get(device).name != "cpu":
        return contextlib.nullcontext()
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas = ThreadpoolController()
        except ImportError:  # optional: without it the products use BLAS's own threads
            _blas = False
    return _blas.limit(limits=1, user_api="blas") if _blas else contextlib.nullcontext()
