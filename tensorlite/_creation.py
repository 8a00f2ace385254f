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

from . import _backends, _device, _dtype, _factories, _recipe, _validation
from ._tensor import Tensor, _wrap

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
        if target is not None:
            _validation.data_fits(data, target._np, fn)
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
_SMALL_BYTES = 1 << 16  # below this, an allocation on the default CPU needs no checks


def _fill(size, value, dtype, device, requires_grad, fn):
    shape = _validation.sizes(size, fn)
    if device is None and _device._state.default is None and \
            (value is None or (type(value) is int and value == 0)):
        # zeros/empty of a few elements on the default CPU: no device to resolve, nothing
        # that storage() or scalar_to() could refuse (profiled: those checks were ~70%
        # of zeros(3, 4)'s time); a zero-size or large shape takes the checked path
        nbytes = math.prod(shape) * dtype.itemsize
        if 0 < nbytes <= _SMALL_BYTES and len(shape) <= _validation.MAX_DIMS:
            data = np.empty(shape, dtype._np) if value is None else np.zeros(shape, dtype._np)
            if not requires_grad:
                return _wrap(data, _device.CPU, dtype)
            return _finish(data, _device.CPU, dtype, requires_grad, fn)
    dev, backend = _target(device, fn)
    if value is not None:
        value = _validation.scalar_to(value, dtype._np, fn)  # overflow: before allocating
    data = backend.full(shape, value, dtype._np, dev, fn) if value is not None else \
        backend.empty(shape, dtype._np, dev, fn)
    if not backend.has_data:  # meta: remember the values for materialize (DESIGN §12)
        _recipe.start(data, None if value is None else _recipe.Fill(fn, value))
    return _finish(data, dev, dtype, requires_grad, fn)


def _sizes_and_layout(size, kw, layout, fn):
    """The ``size=`` keyword (in ``kw``, the only keyword left there) and the layout
    check, folded into the creation functions: see ``_factories.size_arg``.
    ``memory_format=`` and ``pin_memory=`` are accepted and ignored (tensors are always
    C-contiguous host or device arrays)."""
    if kw:
        size_kw = kw.pop("size", None)
        if kw:
            raise TypeError(f"{fn}() got an unexpected keyword argument {next(iter(kw))!r}")
        size = _factories.size_arg(size, size_kw, fn)
    if layout is not None:
        _factories.check_layout(layout, fn)
    return size


def zeros(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, memory_format=None, **kw):
    """A tensor of zeros. ``tl.zeros(2, 3)`` and ``tl.zeros((2, 3))`` are the same.

    >>> import tensorlite as tl
    >>> tl.zeros(2)
    tensor([0., 0.])
    """
    if kw or layout is not None:
        size = _sizes_and_layout(size, kw, layout, "zeros")
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype, "zeros")
    result = _fill(size, 0, d, device, requires_grad, "zeros")
    return result if out is None else _out(result, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
         requires_grad=False, memory_format=None, **kw):
    """A tensor of ones.

    >>> import tensorlite as tl
    >>> tl.ones(2, dtype=tl.int32)
    tensor([1, 1], dtype=tensorlite.int32)
    """
    size = _sizes_and_layout(size, kw, layout, "ones")
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "ones")
    return _out(_fill(size, 1, d, device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, pin_memory=False,
          requires_grad=False, memory_format=None, **kw):
    """An uninitialized tensor: its values are whatever was in memory.

    >>> import tensorlite as tl
    >>> tl.empty(2, 3).shape
    tensorlite.Size([2, 3])
    """
    size = _sizes_and_layout(size, kw, layout, "empty")
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
    if isinstance(fill_value, int) and not -2 ** 63 <= fill_value < 2 ** 64:
        # PyTorch parses an int scalar as a 64-bit integer before any cast
        raise OverflowError(f"full(): fill_value {fill_value} is too big to convert to a "
                            f"64-bit integer")
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
# arange, linspace and logspace follow PyTorch's CPU rules (ATen's RangeFactories): the
# arguments are first converted to the output dtype or its accumulate type (floats become
# integers by truncation, out-of-range values are errors), arange's length is
# ceil((end - start) / step) (int64: from the truncated bounds), linspace meets both ends
# exactly by filling its second half backwards from `end`, integers compute in int64 or
# float64 and truncate. Floating values are start + step * i rounded once from float64:
# PyTorch's own last bit depends on its CPU's SIMD width, its thread count and compiler FMA
# contraction, so results agree with it to within two units in the last place of the
# range's largest magnitude (tests compare with that tolerance, and exactly for integers).

_scalar_to = _validation.scalar_to  # c10's checked Scalar::to<T>


def _number(x, name, fn):
    return _validation.real(x, name, fn)


def _check_kind(d, fn, complex_ok):
    if d == _dtype.bool or (d.is_complex and not complex_ok):
        name = {"bool": "Bool", "complex64": "ComplexFloat"}.get(d.name, "ComplexDouble")
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{name}'")


def _round(x, np_dtype):
    """A float32 result (or float64 array ``x``) stored in ``np_dtype``, back as float64:
    c10's half types compute in float32 and round every result to their own precision."""
    return x.astype(np.float32).astype(np_dtype).astype(np.float64)


def _arange_size(start, end, step, np_dtype):
    """PyTorch's length: ``ceil((end - start) / step)`` in float64, except for int64, where
    the truncated bounds give ``(end - start + step - sign(step)) / step`` (C division)."""
    ds, de, dstep = float(start), float(end), float(step)
    if not (dstep > 0 or dstep < 0):
        raise RuntimeError("arange(): step must be nonzero")
    if not (math.isfinite(ds) and math.isfinite(de)):
        raise RuntimeError(f"arange(): unsupported range: {ds:g} -> {de:g}")
    if not ((dstep > 0 and de >= ds) or (dstep < 0 and de <= ds)):
        raise RuntimeError("arange(): upper bound and lower bound inconsistent with step sign")
    if np.dtype(np_dtype) == np.int64:
        s, e, st = (_scalar_to(v, np.int64) for v in (start, end, step))
        if st == 0:
            raise ValueError("arange(): step must be nonzero")
        return abs(e - s + st - (1 if st > 0 else -1)) // abs(st)
    ratio = (de - ds) / dstep
    if not -1 < ratio <= 2.0**63:
        raise RuntimeError("arange(): invalid size, possible overflow?")
    return math.ceil(ratio)


def _arange_data(start, step, n, np_dtype, backend, first=0):
    """Element ``i`` is ``start + step * i``: in int64 (wrapped into the dtype, as C++
    does) for integer dtypes, else in float64 from the arguments in the accumulate type
    (float32 for the half types, as PyTorch's), rounded once to the dtype. Returns
    elements ``first .. first + n - 1`` (a Dask block computes only its own)."""
    xp, dt = backend.xp, np.dtype(np_dtype)
    if dt.kind in "iu":
        s, st = _scalar_to(start, np.int64), _scalar_to(step, np.int64)
        data = xp.arange(first, first + n, dtype=np.int64)
        if st != 1:
            data *= st
        if s:
            data += s
        return data.astype(dt, copy=False)
    acc = np.float32 if dt.itemsize == 2 else np.float64
    s, st = float(_scalar_to(start, acc)), float(_scalar_to(step, acc))
    # (+ s also turns the -0.0 of 0 * negative step into 0.0, as PyTorch has it)
    return _by_chunks(n, dt, backend,
                      lambda a, b: xp.arange(first + a, first + b, dtype=np.float64) * st + s)


def _by_chunks(n, np_dtype, backend, values):
    """An array of ``n`` elements whose slice ``[a:b]`` is ``values(a, b)`` (float64),
    rounded to ``np_dtype``: made in pieces that stay in the CPU cache, several times
    faster than whole-array float64 passes."""
    out = backend.xp.empty(n, dtype=np_dtype)
    for a in range(0, n, _CHUNK):
        b = min(a + _CHUNK, n)
        out[a:b] = backend.astype(values(a, b), np_dtype)
    return out


_CHUNK = 1 << 16


def _linspace_data(start, end, steps, np_dtype, device, backend, first=0, count=None):
    """PyTorch's linspace kernel: with ``step = (end - start) / (steps - 1)``, element ``i``
    is ``start + step * i`` below ``steps // 2`` and ``end - step * (steps - 1 - i)`` from
    there on. Integers compute in float64 and truncate; float32 rounds each value once
    (its products are exact in float64); c10's half types round every operation.
    Returns elements ``first .. first + count - 1`` (default: all)."""
    xp, dt = backend.xp, np.dtype(np_dtype)
    s, e = _scalar_to(start, dt), _scalar_to(end, dt)
    half, last = steps // 2, steps - 1
    in_float64 = dt.kind in "iu" or dt == np.float64
    if in_float64:
        s, e = float(s), float(e)
        step = (e - s) / last
    else:  # (end - start) and the division each round to the dtype
        step = float(_round(_round(np.float64(e - s), dt) / _round(np.float64(last), dt), dt))

    def piece(idx, first):
        """The values at ``idx``: ``i`` in the first half, ``steps - 1 - i`` in the second."""
        if in_float64:
            return s + step * idx if first else e - step * idx
        if dt != np.float32 or steps > 2**24:
            idx = _round(idx, dt)  # c10 converts the index to the dtype
        prod = step * idx  # exact in float64
        if dt != np.float32:
            prod = _round(prod, dt)  # c10::Half * c10::Half rounds; float32 fuses
        return (s + prod if first else e - prod).astype(np.float32)

    def values(a, b):  # element i < half counts up from start, the rest down from end
        if b <= half:
            return piece(xp.arange(a, b, dtype=np.float64), True)
        if a >= half:
            return piece(xp.arange(last - a, last - b, -1, dtype=np.float64), False)
        return xp.concatenate([values(a, half), values(half, b)])

    count = steps - first if count is None else count
    return _by_chunks(count, dt, backend, lambda a, b: values(first + a, first + b))


def _logspace_data(start, end, steps, base, np_dtype, device, backend):
    """PyTorch's logspace loop: ``base ** (start + step * i)`` below ``steps // 2`` and
    ``base ** (end - step * (steps - 1 - i))`` after, with ``start`` and ``end`` in the
    dtype, ``step = double(end - start) / (steps - 1)`` and the exponents in float64. This
    the powers are computed in float64 and rounded to the dtype."""
    dt = np.dtype(np_dtype)
    s, e = _scalar_to(start, dt), _scalar_to(end, dt)
    diff = e - s  # in the dtype: float32 and the half types round it
    if dt.kind not in "iu" and dt.itemsize <= 4:
        diff = float(_round(np.float64(diff), dt))
    step = float(diff) / (steps - 1)
    half = steps // 2
    xp = backend.xp
    exponents = xp.concatenate([s + step * xp.arange(half, dtype=np.float64),
                                e - step * xp.arange(steps - 1 - half, -1, -1, dtype=np.float64)])
    return backend.astype(xp.power(np.float64(base), exponents), dt)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Values from ``start`` up to but excluding ``end``, ``step`` apart.

    The length is ``ceil((end - start) / step)`` (for int64 the bounds are truncated to
    integers first, as PyTorch does). Element ``i`` is ``start + step * i``: in int64 for
    integer dtypes, else in float64 rounded once to the dtype. The dtype is int64 when
    every argument is an int, else the default float dtype.

    >>> import tensorlite as tl
    >>> tl.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> tl.arange(1.5, 10.5, 2.5, dtype=tl.long)
    tensor([1, 3, 5, 7, 9])
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v, n, "arange") for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    all_int = all(isinstance(v, (numbers.Integral, np.integer)) for v in (start, end, step))
    d = _dtype_or(dtype, _dtype.int64 if all_int else _dtype.get_default_dtype(), "arange")
    _check_kind(d, "arange", complex_ok=False)
    n = _arange_size(start, end, step, d._np)
    dev, backend = _target(device, "arange")
    backend.check_storage((n,), d._np, "arange")
    if not backend.has_data:
        data = backend.empty((n,), d._np, dev, "arange")
    else:
        with backend.context(dev), np.errstate(over="ignore", invalid="ignore"):
            data = _arange_data(start, step, n, d._np, backend)
    return _out(_finish(data, dev, d, requires_grad, "arange"), out)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    With ``h = (end - start) / (steps - 1)``, element ``i`` is ``start + i * h`` for
    ``i < steps // 2`` and ``end - (steps - 1 - i) * h`` after, so both ends are exact
    (PyTorch's rule); integers compute in float64 and truncate toward zero. ``start`` and
    ``end`` are converted to the dtype first.

    >>> import tensorlite as tl
    >>> tl.linspace(-1.0, 1.0, steps=5)
    tensor([-1.0000, -0.5000,  0.0000,  0.5000,  1.0000])
    >>> tl.linspace(-7, 3.3, 3, dtype=tl.long)
    tensor([-7, -2,  3])
    """
    return _out(_spaced(start, end, steps, None, dtype, device, requires_grad, "linspace"), out)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False,
             out=None):
    """``base ** x`` for ``x`` in ``linspace(start, end, steps)``.

    The exponents follow linspace's rule in float64 from ``start`` and ``end`` converted to
    the dtype; the powers are C's ``pow`` in float64, converted to the dtype.

    >>> import tensorlite as tl
    >>> tl.logspace(0, 2, steps=3)
    tensor([  1.,  10., 100.])
    """
    return _out(_spaced(start, end, steps, float(_number(base, "base", "logspace")), dtype,
                        device, requires_grad, "logspace"), out)


def _spaced(start, end, steps, base, dtype, device, requires_grad, fn):
    start, end = _number(start, "start", fn), _number(end, "end", fn)
    steps = _validation.integer(steps.item() if isinstance(steps, Tensor) else steps,
                                "steps", fn)
    if steps < 0:
        raise RuntimeError(f"{fn}(): number of steps must be non-negative, got {steps}")
    d = _dtype_or(dtype, _dtype.get_default_dtype(), fn)
    _check_kind(d, fn, complex_ok=True)
    dev, backend = _target(device, fn)
    backend.check_storage((steps,), d._np, fn)
    if not backend.has_data or steps == 0:
        return _finish(backend.empty((steps,), d._np, dev, fn), dev, d, requires_grad, fn)
    with backend.context(dev), np.errstate(over="ignore", invalid="ignore"):
        data = _spaced_data(start, end, steps, base, d, dev, backend)
    return _finish(data, dev, d, requires_grad, fn)


def _spaced_data(start, end, steps, base, d, dev, backend, first=0, count=None):
    """Elements ``first .. first + count - 1`` (default: all) of the checked call
    ``linspace``/``logspace(start, end, steps)`` with ``steps >= 1``, as ``d``."""
    count = steps - first if count is None else count
    real = d.to_real() if d.is_complex else d  # complex: the real dtype's values, cast
    if steps == 1:  # fill_(start) (logspace: base ** start): checked but for half types
        value = start if base is None else float(np.power(np.float64(base), float(start)))
        if real not in (_dtype.float16, _dtype.bfloat16):
            value = _scalar_to(value, real._np)
        data = backend.full((count,), value, d._np, dev, "linspace")
    elif base is None:
        data = _linspace_data(start, end, steps, real._np, dev, backend, first, count)
    else:  # logspace is not offered blockwise: whole, then sliced
        data = _logspace_data(start, end, steps, base, real._np, dev, backend)[first:first + count]
    if real is not d:
        data = backend.astype(data, d._np)
    return data


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The ``n x m`` identity matrix (``m`` defaults to ``n``).

    >>> import tensorlite as tl
    >>> tl.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    m = n if m is None else m
    n, m = _validation.sizes((n, m), "eye")
    d = _dtype_or(dtype, _dtype.get_default_dtype(), "eye")
    dev, backend = _target(device, "eye")
    backend.check_storage((n, m), d._np, "eye")
    if not backend.has_data:  # shape and dtype only: nothing to allocate
        data = backend.empty((n, m), d._np, dev, "eye")
    else:
        with backend.context(dev):
            data = backend.xp.eye(n, m, dtype=d._np)
    return _out(_finish(data, dev, d, requires_grad, "eye"), out)
