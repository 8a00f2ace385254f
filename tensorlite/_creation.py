"""Creation functions: from data, constant fills, ranges, identity, ``*_like``.

Every function takes ``dtype=``, ``device=`` and ``requires_grad=`` keywords and
sizes as varargs or one sequence, and returns what PyTorch returns for the same
arguments (values and dtype, including ``arange``/``linspace`` endpoint rules).

>>> import tensorlite as tl
>>> tl.arange(0, 1, 0.25)
tensor([0.0000, 0.2500, 0.5000, 0.7500])
>>> tl.full((2, 2), 7)
tensor([[7, 7],
        [7, 7]])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _backends, _device, _dtype
from ._tensor import Tensor, _sizes, _wrap

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "from_dlpack", "zeros", "ones",
           "empty", "full", "arange", "linspace", "logspace", "eye", "zeros_like",
           "ones_like", "empty_like", "full_like"]


def _target(device, fn):
    dev = _device.get_default_device() if device is None else _device.to_device(device, fn)
    backend = _backends.get(dev)
    return backend.check(dev), backend


def _finish(data, device, dtype, requires_grad, fn):
    if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"{fn}(): Only Tensors of floating point and complex dtype can "
                           f"require gradients, got {dtype}")
    return _wrap(data, device, dtype, requires_grad)


def _dtype_or(dtype, default, fn):
    return default if dtype is None else _dtype.to_dtype(dtype, fn)


# ---- from data ----------------------------------------------------------------------
def _check_nested(data, fn):
    """Reject ragged nested sequences with PyTorch's message."""
    def shape_of(x, depth):
        if isinstance(x, (list, tuple)):
            inner = [shape_of(item, depth + 1) for item in x]
            if inner and any(s != inner[0] for s in inner[1:]):
                for s in inner[1:]:
                    if s != inner[0]:
                        n0 = inner[0][0] if inner[0] else 0
                        n = s[0] if s else 0
                        raise ValueError(f"{fn}(): expected sequence of length {n0} at dim "
                                         f"{depth + 1} (got {n})")
            return (len(x),) + (inner[0] if inner else ())
        return tuple(np.shape(x)) if hasattr(x, "shape") else ()

    shape_of(data, 0)


def _parse_python_data(data, fn):
    """Nested Python data as a NumPy array and the dtype PyTorch would infer.

    NumPy parses well-formed data in C; anything it cannot represent as numbers
    (ragged lists, strings, None, objects) takes the slow path for PyTorch's message.
    """
    try:
        array = np.array(data)
    except (ValueError, TypeError, OverflowError):
        array = None
    if array is None or array.dtype.kind not in "biufc":
        _check_nested(data, fn)
        _dtype.infer_dtype(data, fn)  # raises for strings, None and objects
        array = None
    if array is None or array.dtype.kind == "u":  # NumPy's uint64 holds ints >= 2**63
        raise ValueError(f"{fn}(): Overflow when unpacking long long: {data!r:.80} has an "
                         f"integer outside the int64 range")
    return array, _dtype.for_python_data(array.dtype.kind)


def _check_int_range(values, target, fn):
    """Python ints that do not fit an integer dtype are an error (PyTorch's rule)."""
    if target.is_floating_point or target.is_complex or target is _dtype.bool:
        return
    info = np.iinfo(target._np)
    if values.min() < info.min or values.max() > info.max:
        raise RuntimeError(f"{fn}(): value cannot be converted to type {target.name} without "
                           f"overflow")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, scalars, arrays, tensors).

    The dtype is inferred as PyTorch does: bools -> bool, ints -> int64, floats ->
    the default dtype, unless ``dtype`` is given.

    >>> import tensorlite as tl
    >>> tl.tensor([1.0, 2.0, 3.0])
    tensor([1., 2., 3.])
    >>> tl.tensor([0, 1, 2], dtype=tl.long).dtype
    tensorlite.int64
    """
    return _from_data(data, dtype, device, requires_grad, copy=True, fn="tensor")


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory when ``data`` already has the dtype and device.

    >>> import numpy as np, tensorlite as tl
    >>> a = np.zeros(3, dtype=np.float32)
    >>> tl.as_tensor(a).numpy() is a
    True
    """
    return _from_data(data, dtype, device, False, copy=False, fn="as_tensor")


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``as_tensor`` with the array-API ``copy`` switch (``True`` always copies)."""
    if copy is False and isinstance(obj, (list, tuple)):
        raise ValueError("asarray(): can't alias a Python sequence (copy=False)")
    return _from_data(obj, dtype, device, requires_grad, copy=bool(copy), fn="asarray")


def _from_data(data, dtype, device, requires_grad, copy, fn):
    if isinstance(data, Tensor):
        target_dtype = _dtype_or(dtype, data.dtype, fn)
        out = data.to(device=device if device is not None else data.device,
                      dtype=target_dtype, copy=copy)
        if copy or requires_grad:
            out = out.detach() if out is data else out
            out.requires_grad = False
        return _finish(out._data, out.device, out.dtype, requires_grad, fn)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{fn}(): new(): invalid data type '{type(data).__name__}'")
    owner = _backends.for_array(data)
    if device is None and owner is not None:
        device = _backends.array_device(data)
    dev, backend = _target(device, fn)
    target = _dtype_or(dtype, None, fn)
    if owner is None and not isinstance(data, (np.ndarray, np.generic)):
        data, inferred = _parse_python_data(data, fn)
        copy = False  # the parsed array is already a fresh copy
        if target is not None and data.dtype.kind == "i" and data.size:
            _check_int_range(data, target, fn)
    else:
        inferred = None
    target = target or inferred or _dtype.infer_dtype(data, fn)
    if owner is not None and owner is not backend:  # a CuPy array going elsewhere
        data = owner.to_numpy(data)  # device -> host copy
    try:
        array = backend.asarray(data, target._np, dev, copy)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{fn}(): could not convert data of type {type(data).__name__} to "
                        f"{target}: {exc}") from None
    return _finish(array, dev, target, requires_grad, fn)


def from_numpy(ndarray):
    """A CPU tensor sharing memory with a NumPy array (writes show through both ways).

    >>> import numpy as np, tensorlite as tl
    >>> a = np.arange(3)
    >>> t = tl.from_numpy(a); a[0] = 7; t
    tensor([7, 1, 2])
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(ndarray).__name__})")
    return _wrap(ndarray, _device.CPU, _dtype.from_numpy_dtype(ndarray.dtype, "from_numpy"))


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any DLPack producer (NumPy, CuPy, PyTorch, JAX)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    device_type, index = ext_tensor.__dlpack_device__()
    kind = {1: "cpu", 2: "cuda", 3: "cpu"}.get(int(device_type))
    if kind is None:
        raise RuntimeError(f"from_dlpack(): unsupported DLPack device type {device_type}")
    dev = _device.device(kind, index if kind == "cuda" else None)
    backend = _backends.get(dev)
    dev = backend.check(dev)
    with backend.context(dev):
        data = backend.xp.from_dlpack(ext_tensor)
    return _wrap(data, dev, _dtype.from_numpy_dtype(data.dtype, "from_dlpack"))


# ---- constant fills ---------------------------------------------------------------
def _fill(size, value, dtype, device, requires_grad, fn):
    shape = _sizes(size, fn)
    dev, backend = _target(device, fn)
    data = backend.full(shape, value, dtype._np, dev, fn) if value is not None else \
        backend.empty(shape, dtype._np, dev, fn)
    return _finish(data, dev, dtype, requires_grad, fn)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of zeros. ``tl.zeros(2, 3)`` and ``tl.zeros((2, 3))`` are the same.

    >>> import tensorlite as tl
    >>> tl.zeros(2)
    tensor([0., 0.])
    """
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "zeros")
    return _out(_fill(size, 0, d, device, requires_grad, "zeros"), out)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of ones.

    >>> import tensorlite as tl
    >>> tl.ones(2, dtype=tl.int32)
    tensor([1, 1], dtype=tensorlite.int32)
    """
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "ones")
    return _out(_fill(size, 1, d, device, requires_grad, "ones"), out)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None):
    """An uninitialized tensor: its values are whatever was in memory.

    >>> import tensorlite as tl
    >>> tl.empty(2, 3).shape
    tensorlite.Size([2, 3])
    """
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "empty")
    return _out(_fill(size, None, d, device, requires_grad, "empty"), out)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor filled with ``fill_value``; the dtype follows the value (bool, int64,
    or the default float dtype) unless given.

    >>> import tensorlite as tl
    >>> tl.full((2,), float("-inf"))
    tensor([-inf, -inf])
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.generic)):
        raise TypeError(f"full(): fill_value must be a number, got {fill_value!r}")
    d = _dtype_or(dtype, _dtype.scalar_dtype(fill_value), "full")
    size = size if isinstance(size, (tuple, list)) else (size,)
    return _out(_fill(size, fill_value, d, device, requires_grad, "full"), out)


def _out(result, out):
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError("out= must be a Tensor")
    if out.shape != result.shape:
        out._data = out._backend.empty(result.shape, out.dtype._np, out.device)
    return out.copy_(result)


# ---- like ------------------------------------------------------------------------------
def _like(fill, input, dtype, device, requires_grad, fn):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = input.dtype if dtype is None else _dtype.to_dtype(dtype, fn)
    dev = input.device if device is None else device
    return _fill(input.shape, fill, d, dev, requires_grad, fn)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """Zeros with the shape, dtype and device of ``input`` (each may be overridden)."""
    return _like(0, input, dtype, device, requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """Ones with the shape, dtype and device of ``input``."""
    return _like(1, input, dtype, device, requires_grad, "ones_like")


def empty_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """An uninitialized tensor with the shape, dtype and device of ``input``."""
    return _like(None, input, dtype, device, requires_grad, "empty_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """``fill_value`` with the shape, dtype and device of ``input``."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _like(fill_value, input, dtype, device, requires_grad, "full_like")


# ---- ranges ------------------------------------------------------------------------------
def _number(x, name, fn):
    if isinstance(x, Tensor):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.number)):
        raise TypeError(f"{fn}(): argument '{name}' must be a number, got {x!r}")
    return x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Values ``start, start + step, ...`` up to but excluding ``end``.

    The length is ``ceil((end - start) / step)``; element ``i`` is ``start + i * step``
    computed in float64 (exact integers for int64). The dtype is int64 when every
    argument is an int, else the default float dtype.

    >>> import tensorlite as tl
    >>> tl.arange(5)
    tensor([0, 1, 2, 3, 4])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, n, "arange") for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    all_int = all(isinstance(v, (numbers.Integral, np.integer)) for v in (start, end, step))
    d = _dtype_or(dtype, _dtype.int64 if all_int else _dtype.get_default_dtype(), "arange")
    for v in (start, end):
        if not math.isfinite(v):
            raise RuntimeError(f"arange(): unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange(): upper bound and larger bound inconsistent with step "
                           f"sign (start={start}, end={end}, step={step})")
    n = (end - start + step - (1 if step > 0 else -1)) // step if all_int else \
        math.ceil((float(end) - float(start)) / float(step))
    n = max(int(n), 0)
    dev, backend = _target(device, "arange")
    xp = backend.xp
    with backend.context(dev):
        if all_int and not d.is_floating_point:
            data = xp.arange(start, start + n * step, step, dtype=d._np)[:n]
        else:
            data = xp.arange(n, dtype=np.float64)
            data *= float(step)
            data += float(start)
            data = backend.astype(data, d._np)
    return _out(_finish(data, dev, d, requires_grad, "arange"), out)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    With ``h = (end - start) / (steps - 1)``, element ``i`` is ``start + i * h`` in the
    first half and ``end - (steps - 1 - i) * h`` in the second, so both endpoints are
    exact (PyTorch's rule), computed in the output precision (float64 for integers).

    >>> import tensorlite as tl
    >>> tl.linspace(-1.0, 1.0, steps=5)
    tensor([-1.0000, -0.5000,  0.0000,  0.5000,  1.0000])
    """
    return _out(_spaced(start, end, steps, None, dtype, device, requires_grad, "linspace"), out)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False,
             out=None):
    """``base ** linspace(start, end, steps)``.

    >>> import tensorlite as tl
    >>> tl.logspace(0, 2, steps=3)
    tensor([  1.,  10., 100.])
    """
    return _out(_spaced(start, end, steps, _number(base, "base", "logspace"), dtype, device,
                        requires_grad, "logspace"), out)


def _spaced(start, end, steps, base, dtype, device, requires_grad, fn):
    start, end = _number(start, "start", fn), _number(end, "end", fn)
    if isinstance(steps, Tensor):
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (numbers.Integral, np.integer)):
        raise TypeError(f"{fn}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"{fn}(): number of steps must be non-negative, got {steps}")
    d = _dtype_or(dtype, _dtype.get_default_dtype(), fn)
    dev, backend = _target(device, fn)
    xp = backend.xp
    work = np.dtype(np.float64) if d in (_dtype.float64,) or not d.is_floating_point \
        or base is not None else np.dtype(np.float32)
    with backend.context(dev):
        idx = xp.arange(steps, dtype=work)
        if steps == 1:
            data = xp.full((1,), start, dtype=work)
        else:
            s, e = work.type(start), work.type(end)
            h = (e - s) / work.type(max(steps - 1, 1))
            half = steps // 2
            data = xp.empty(steps, dtype=work)
            data[:half] = s + idx[:half] * h
            data[half:] = e - (work.type(steps - 1) - idx[half:]) * h
        if base is not None:
            data = xp.power(work.type(base), data)
        data = backend.astype(data, d._np) if data.dtype != d._np else data
    return _finish(data, dev, d, requires_grad, fn)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The ``n x m`` identity matrix (``m`` defaults to ``n``).

    >>> import tensorlite as tl
    >>> tl.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    m = n if m is None else m
    n, m = _sizes((n, m), "eye")
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "eye")
    dev, backend = _target(device, "eye")
    with backend.context(dev):
        data = backend.xp.eye(n, m, dtype=d._np)
    return _out(_finish(data, dev, d, requires_grad, "eye"), out)
