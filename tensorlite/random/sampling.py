"""The public random functions: validate, reserve stream words, let the backend fill.

Each function checks every argument first (a rejected call never advances a
generator), then reserves the words its output needs from the generator, then
asks the device's backend to turn those words into values (DESIGN §4.3). The
backends produce the same values for the same words, so the same seed gives
the same tensor on every device. Small CPU calls of ``rand``, ``randn``,
``randint`` and ``bernoulli`` (at most ``SMALL`` values, no ``out=``) make the same
checks, then take a direct path to the same values (:func:`_direct`).

>>> import tensorlite as tl
>>> _ = tl.manual_seed(0)
>>> tl.randint(0, 10, (5,))
tensor([3, 8, 7, 6, 9])
"""

from __future__ import annotations

import math

import numpy as np

from .. import _backends, _device, _dtype, _recipe, _validation as check
from .._backends import _cpu_random
from .._creation import _sizes_and_layout, _target as _creation_target
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from . import distributions
from .generator import Generator, default_for, default_generator

__all__ = ["rand", "randn", "randint", "randperm", "bernoulli", "multinomial", "normal",
           "rand_like", "randn_like", "randint_like"]


# ---- shared steps ----------------------------------------------------------------------
# Speed: a small call's time is its Python bookkeeping (profiled on rand(3, 4): ~45
# function calls before this file's fast paths), so the common case -- sizes as plain
# ints, default dtype and device, no out= -- is recognized inline and skips the general
# parsers; every other call takes them, with the same checks in the same order.
def _shape(size, kw, layout, fn):
    """The sizes as a tuple of ints (varargs or one tuple), checked."""
    if not kw and layout is None:
        dims = size[0] if len(size) == 1 and type(size[0]) is tuple else size
        for s in dims:
            if type(s) is not int or s < 0:
                break
        else:
            return dims if type(dims) is tuple else tuple(dims)
    return check.sizes(_sizes_and_layout(size, kw, layout, fn), fn)


def _target(device, fn):
    if device is None:
        dev = _device.get_default_device()
        if dev is _device.CPU:  # always there: nothing to check
            return dev
    return _creation_target(device, fn)[0]  # the checked device only


def _generator(generator, dev, fn):
    if generator is None:
        return default_generator if dev is _device.CPU else default_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): generator must be a tensorlite.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def _draw(kind, shape, dtype, dev, generator, fn, words_n=None, out=None, **params):
    """Reserve the words for ``kind`` and fill ``out`` (an array of ``shape`` and
    ``dtype`` on ``dev``; allocated here when absent).

    Everything that can fail happens before the words are reserved: the output and
    any O(n) scratch are allocated first (a failed allocation consumes nothing).
    A complex dtype is filled through its real view: element ``i`` is ``(v_2i,
    v_2i+1)`` of the same call for ``2n`` real values (DESIGN §4.3).
    """
    gen = _generator(generator, dev, fn)
    backend = _backends.get(dev)
    fresh = out is None
    recorded = None if backend.has_data else dict(params)  # meta: the recipe's parameters
    if fresh:
        out = backend.empty(shape, dtype._np, dev, fn)
    target, fill_shape, fill_dtype = out, shape, dtype
    if dtype.is_complex:
        fill_dtype = dtype.to_real()
        fill_shape = (2 * math.prod(shape),)  # meta too: the same words as a real device
        if backend.has_data:
            if not out.flags.c_contiguous:
                target = backend.empty(shape, dtype._np, dev, fn)
            target = target.reshape(-1).view(fill_dtype._np)
            fill_shape = target.shape
        if kind == "normal":  # PyTorch's complex normal: each part has variance std**2 / 2
            params["std"] = params["std"] / math.sqrt(2.0)
    n = math.prod(fill_shape) if words_n is None else words_n
    if kind == "randperm" and backend.has_data:
        # the low key bits randperm keeps aside (half its output): allocated before drawing
        params["scratch"] = backend.empty((n,), np.uint32, dev, fn)
    count = distributions.words_needed(kind, n, fill_dtype._np, **_word_params(kind, params))
    seed, offset = gen._reserve(count)
    filled = backend.random(kind, fill_shape, fill_dtype._np, seed, offset, device=dev,
                            out=target, **params)
    if recorded is not None:
        _recipe.drawn(filled, fn, kind, seed, offset, recorded, fresh)
    if dtype.is_complex and backend.has_data:
        if target.base is not out and target is not out:
            backend.assign(out, Ellipsis, filled.view(dtype._np).reshape(shape))
        return out
    return filled


def _word_params(kind, params):
    if kind == "randint":
        return {"low": params["low"], "high": params["high"]}
    if kind == "multinomial":
        rows, categories = params["probs"].shape
        return {"rows": rows, "categories": categories, "replacement": params["replacement"]}
    return {}


def _result_dtype(dtype, out, default, fn):
    """The result's dtype: ``dtype``, else ``out``'s (PyTorch), else ``default``."""
    if dtype is not None:
        return _dtype.to_dtype(dtype, fn)
    if isinstance(out, Tensor):
        return out.dtype
    return default


def _float_dtype(dtype, fn, kernel, out=None):
    if dtype is None and out is None:
        return _dtype.get_default_dtype()  # floating by set_default_dtype's rule
    d = _result_dtype(dtype, out, _dtype.get_default_dtype(), fn)
    return check.kernel_dtype(d, kernel, complex_ok=True)


def _check_result(dtype, requires_grad, out, fn, exact=True):
    """Checks on the result's options, made before any word is drawn."""
    if requires_grad and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"{fn}(): Only Tensors of floating point dtype can require "
                           f"gradients, got {dtype}")
    check.out(out, dtype, fn, exact=exact)


def _sample(kind, shape, dtype, dev, generator, fn, requires_grad=False, out=None, **params):
    """Validate the result options, draw, and return the tensor (or fill ``out``)."""
    if requires_grad or out is not None:
        _check_result(dtype, requires_grad, out, fn)
    data = _draw(kind, shape, dtype, dev, generator, fn, **params)
    return _finish(data, dev, dtype, requires_grad, out)


def _finish(data, dev, dtype, requires_grad, out):
    result = _wrap(data, dev, dtype, requires_grad)
    if out is not None:
        from .._creation import _out

        return _out(result, out)
    return result


_real = check.real

# The direct path (issue 17): a CPU call of at most this many values, with no out=,
# reserves its words and gets its values from _cpu_random.small -- a slice of values
# this thread made ahead for float32 rand/randn -- skipping _draw's general steps
# (profiled on rand(3, 4): ~45 Python calls and a dozen NumPy calls before). The
# checks before it are the general path's; the values are fill()'s, bit for bit.
# Two words per value at most (float64, wide randint ranges) stay within SMALL_WORDS.
SMALL = _cpu_random.SMALL_WORDS // 2
_CPU = _device.CPU
# Module attributes bound to names here: each attribute lookup is ~20-30 ns of a ~3 us
# call (profiled on rand(3, 4)).
_prod, _MAX_DIMS = math.prod, check.MAX_DIMS


def _direct(kind, shape, d, dev, generator, out, requires_grad, fn, low=0, high=1, p=None):
    """The result of a call on the direct path (its checks made), or ``None`` when the
    call is not one for it. ``low``/``high``: randint's range; ``p``: bernoulli's."""
    if out is not None or dev is not _CPU and dev != _CPU:  # device="cpu" is another object
        return None
    n = _prod(shape)
    if n > SMALL or len(shape) > _MAX_DIMS:
        return None
    data = _cpu_random.small(kind, default_generator if generator is None else
                             _generator(generator, dev, fn), n, d._np, low, high, p)  # new
    if len(shape) != 1:
        data.shape = shape  # in place: ~0.1 us less than reshape's new array
    return _wrap(data, dev, d, requires_grad)


def _quick(kind, size, requires_grad):
    """``rand(*size)`` / ``randn(*size)`` (``kind`` "uniform" / "normal") with every
    other option default, or ``None`` when ``size`` is not plain non-negative ints or
    the call is not one for the direct path (the caller then takes the general steps).

    Speed (profiled on rand(3, 4), ~1.7x PyTorch's call before): the shape loop, the
    count and the default dtype and device inline, four frames fewer than
    ``_shape``, ``_defaults`` and ``_direct`` take for the same call, ~15% of it.
    """
    dims = size[0] if len(size) == 1 and type(size[0]) is tuple else size
    n = 1
    for s in dims:
        if type(s) is not int or s < 0:
            return None
        n *= s
    if n > SMALL or len(dims) > _MAX_DIMS or _device._state.default is not None:
        return None
    d = _dtype.get_default_dtype()
    data = _cpu_random.small(kind, default_generator, n, d._np)  # 1-D, new
    if len(dims) != 1:
        data.shape = dims
    return _wrap(data, _CPU, d, requires_grad)


def _defaults(dtype, out, device, fn, kernel):
    """The result's dtype and device: ``_float_dtype`` and ``_target`` in one call for
    the commonest call (no dtype, out or device; profiled on rand(3, 4): their four
    frames were a tenth of the call)."""
    if dtype is None and out is None and device is None and _device._state.default is None:
        return _dtype.get_default_dtype(), _CPU  # (get_default_device()'s test, inlined)
    return _float_dtype(dtype, fn, kernel, out), _target(device, fn)


# ---- constructors ------------------------------------------------------------------------
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         pin_memory=False, requires_grad=False, memory_format=None, **kw):
    """Uniform samples on ``[0, 1)``.

    Element ``i`` is ``(W_i >> 8) * 2**-24`` for float32 (the top 24 bits of its
    stream word), so every value is exactly representable and never 1.

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(0)
    >>> tl.rand(2)
    tensor([0.3990, 0.8805])
    """
    if generator is None and out is None and dtype is None and device is None and \
            layout is None and not kw:
        result = _quick("uniform", size, requires_grad)
        if result is not None:
            return result
    shape = _shape(size, kw, layout, "rand")
    d, dev = _defaults(dtype, out, device, "rand", "check_uniform_bounds")
    result = None if d.is_complex else _direct("uniform", shape, d, dev, generator, out,
                                               requires_grad, "rand")
    if result is not None:
        return result
    return _sample("uniform", shape, d, dev, generator, "rand", requires_grad, out,
                   low=0.0, high=1.0)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          pin_memory=False, requires_grad=False, memory_format=None, **kw):
    """Standard normal samples, :math:`x_i \\sim \\mathcal{N}(0, 1)` (Box–Muller on word pairs).

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(42)
    >>> tl.randn(3).shape
    tensorlite.Size([3])
    """
    if generator is None and out is None and dtype is None and device is None and \
            layout is None and not kw:
        result = _quick("normal", size, requires_grad)
        if result is not None:
            return result
    shape = _shape(size, kw, layout, "randn")
    d, dev = _defaults(dtype, out, device, "randn", "normal_kernel_cpu")
    result = None if d.is_complex else _direct("normal", shape, d, dev, generator, out,
                                               requires_grad, "randn")
    if result is not None:
        return result
    return _sample("normal", shape, d, dev, generator, "randn", requires_grad, out,
                   mean=0.0, std=1.0)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None):
    """Integers uniform on ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    With ``r = high - low``: one word per element when ``r <= 2**16`` or ``r`` is a
    power of two (``low + (W * r) >> 32``), else two words (``low + (x * r) >> 64``
    with ``x = W_2i << 32 | W_2i+1``), so the bias stays below ``r / 2**64``.

    >>> import tensorlite as tl
    >>> tl.randint(0, 1000, (32,)).shape
    tensorlite.Size([32])
    """
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):  # Size is a tuple
            raise TypeError("randint(): missing required argument 'size' (a tuple of ints)")
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    shape = _shape(size if isinstance(size, (tuple, list)) else (size,), None, None, "randint")
    d = _result_dtype(dtype, out, _dtype.int64, "randint")
    if not (d is _dtype.int64 and type(low) is int and type(high) is int
            and -2**63 <= low < high <= 2**63):  # else the general checks (speed)
        low, high = check.random_range(low, high, d, "randint")
    dev = _target(device, "randint")
    if not requires_grad:  # else the general path's error
        result = _direct("randint", shape, d, dev, generator, out, False, "randint", low, high)
        if result is not None:
            return result
    return _sample("randint", shape, d, dev, generator, "randint", requires_grad, out,
                   low=low, high=high)



def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """A random permutation of ``0 .. n-1`` (stable argsort of 64-bit keys from words 2i, 2i+1).

    >>> import tensorlite as tl
    >>> sorted(tl.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    n = check.integer(n, "n", "randperm")
    check.sizes((n,), "randperm")
    d = _result_dtype(dtype, out, _dtype.int64, "randperm")
    if d.is_complex or d is _dtype.bool:
        raise NotImplementedError(f"\"randperm\" not implemented for '{check.SCALAR_NAMES[d.name]}'")
    if d.is_floating_point:
        limit = 2 ** distributions.MANTISSA_BITS[d._np] + 1  # every index exact
        if n > limit:
            raise RuntimeError(f"n cannot be greater than {limit} for "
                               f"{check.SCALAR_NAMES[d.name]} type.")
    elif n:
        check.scalar_to(n - 1, d._np, "randperm")
    dev = _target(device, "randperm")
    return _sample("randperm", (n,), d, dev, generator, "randperm", requires_grad, out, n=n)


def _has_values(t):
    """Whether value checks are possible (meta tensors have shapes only)."""
    return t._backend.has_data


def _check_probabilities(p, fn):
    """``p`` must be finite and in [0, 1]; a value check (synchronizes on cuda)."""
    check.kernel_dtype(p.dtype, "bernoulli_tensor_cpu_p_")
    # Two reductions on the array (min and max propagate NaN, which then fails), not
    # Tensor operators: the Tensor form was most of a small bernoulli's time (profiled).
    data = p._data
    if p.numel() and _has_values(p) and not (bool(data.min() >= 0) and bool(data.max() <= 1)):
        bad = p[(p < 0) | (p > 1) | p.isnan()].reshape(-1)
        value = bad[0].item() if bad.numel() else float("nan")
        raise RuntimeError(f"{fn}(): Expected p_in >= 0 && p_in <= 1 to be true, but got "
                           f"p = {value}")


def bernoulli(input, p=None, *, generator=None, out=None):  # noqa: A002
    """Draw 0/1 with probability ``input`` (elementwise), or ``p`` if given as a float.

    Element ``i`` is 1 exactly when ``W_i < float64(p_i) * 2**32``. The result has
    ``input``'s dtype and device.

    >>> import tensorlite as tl
    >>> keep = tl.bernoulli(tl.full((10,), 0.8))
    >>> keep.dtype, keep.shape
    (tensorlite.float32, tensorlite.Size([10]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"bernoulli(): argument 'input' must be Tensor, not {type(input).__name__}")
    if p is not None:
        probs = _probability(p, "bernoulli")
        _not_complex(input.dtype, "bernoulli_scalar_cpu_")
    else:
        _check_probabilities(input, "bernoulli")
        probs = input.contiguous()._data
    dtype = input.dtype
    shape = tuple(input.shape)
    if p is None and input.device == _CPU:
        result = _direct("bernoulli", shape, dtype, input.device, generator, out, False,
                         "bernoulli", p=probs.reshape(-1))
        if result is not None:
            return result
    _check_result(dtype, False, out, "bernoulli", exact=False)  # out= takes any dtype: cast
    data = _draw("bernoulli", shape, dtype, input.device, generator, "bernoulli", p=probs)
    return _finish(data, input.device, dtype, False, out)


def _not_complex(dtype, kernel):
    if dtype.is_complex:
        check.kernel_dtype(dtype, kernel)  # raises PyTorch's NotImplementedError


def _probability(p, fn):
    """A scalar probability in [0, 1] (NaN fails): PyTorch's message."""
    p = _real(p, "p", fn)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return p


def _checked_weights(rows2d, replacement, fn):
    """The backend's :class:`~tensorlite._backends._common.Weights` for ``rows2d``
    (read once: the CPU indexes them for sampling as it checks them), or the error."""
    backend = rows2d._backend
    with backend.context(rows2d.device):
        weights = backend.multinomial_weights(rows2d._data, replacement, device=rows2d.device)
    if weights.problem == "values":
        raise RuntimeError(f"{fn}(): probability tensor contains either `inf`, `nan` or element < 0")
    if weights.problem == "sum":
        raise RuntimeError(f"{fn}(): invalid multinomial distribution (sum of probabilities <= 0)")
    return weights


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):  # noqa: A002
    """Sample category indices from each row of ``input`` (non-negative weights).

    Without replacement (PyTorch's default) each row's result has distinct indices.
    With replacement, weights are quantized exactly to 64-bit integers; weights
    below ``2**-Q`` of the row maximum (``Q = 63 - ceil(log2(C))``) are never drawn.

    >>> import tensorlite as tl
    >>> tl.multinomial(tl.tensor([0.0, 1.0, 0.0]), 1)
    tensor([1])
    """
    fn = "multinomial"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"{fn}(): prob_dist must be 1 or 2 dim, got {input.ndim}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): only supports floating-point dtypes for input, got {input.dtype}")
    num_samples = check.integer(num_samples, "num_samples", fn)
    categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"{fn}(): cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"{fn}(): cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={num_samples}, "
                           f"categories={categories})")
    if categories == 0:
        raise RuntimeError(f"{fn}(): number of categories cannot be zero")
    rows2d = input if input.ndim == 2 else input.reshape(-1, categories)  # speed: no view
    if isinstance(out, Tensor) and out.dtype is not _dtype.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: "
                           f"{check.SCALAR_NAMES[out.dtype.name]}")
    _check_result(_dtype.int64, False, out, fn)
    weights = _checked_weights(rows2d, bool(replacement), fn)
    if out is None and (input.device is _CPU or input.device == _CPU):
        gen = default_generator if generator is None else _generator(generator, _CPU, fn)
        data = _cpu_random.small_multinomial(weights, int(num_samples), bool(replacement), gen)
        if data is not None:  # the direct path (issue 17): the same values as _draw's
            return _wrap(data.reshape(-1) if input.ndim == 1 else data, input.device,
                         _dtype.int64, False)
    shape = (rows2d.shape[0], int(num_samples))
    data = _draw("multinomial", shape, _dtype.int64, input.device, generator, fn,
                 words_n=int(num_samples), probs=weights, num_samples=int(num_samples),
                 replacement=bool(replacement))
    if input.ndim == 1:
        data = data.reshape(int(num_samples))
    return _finish(data, input.device, _dtype.int64, False, out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False, out=None):
    """Normal samples ``mean + std * z``; ``mean`` and ``std`` may be tensors (broadcast).

    Forms: ``normal(mean_tensor, std_tensor)``, ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)`` and ``normal(mean, std, size)``.

    >>> import tensorlite as tl
    >>> tl.normal(2.0, 3.0, size=(2, 2)).shape
    tensorlite.Size([2, 2])
    """
    fn = "normal"
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(): missing argument 'size' for scalar mean and std")
        mean, std = _real(mean, "mean", fn), check.std(_real(std, "std", fn))
        shape = check.sizes(size if isinstance(size, (tuple, list)) else (size,), fn)
        d = _float_dtype(dtype, fn, "normal_kernel_cpu", out)
        dev = _target(device, fn)
        return _sample("normal", shape, d, dev, generator, fn, requires_grad, out,
                       mean=float(mean), std=float(std))
    from .._tensor import common_device

    dev = common_device((mean, std), fn)
    for t in tensors:
        check.kernel_dtype(t.dtype, "normal_kernel_cpu", complex_ok=t is mean)
    if isinstance(std, Tensor):
        if std.numel() and _has_values(std) and not bool((std >= 0).all()):  # NaN too
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        check.std(_real(std, "std", fn))
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    except ValueError:
        raise RuntimeError(f"normal(): the size of mean {tuple(np.shape(mean))} must match "
                           f"the size of std {tuple(np.shape(std))} (broadcastable)") from None
    d = _dtype.result_type(mean, std)
    _check_result(d, requires_grad, out, fn, exact=False)
    # z is drawn into the result's memory and scaled there: no temporaries after the
    # words are reserved (a huge broadcast result fails before drawing, or not at all)
    z = _wrap(_draw("normal", shape, d, dev, generator, fn, mean=0.0, std=1.0), dev, d)
    with no_grad():
        z.mul_(std).add_(mean)
        result = _finish(z._data, dev, d, requires_grad, out)
    if out is None and needs_grad(mean, std):
        # PyTorch's convention: samples are not reparameterized, so mean and std get
        # zero gradients (use mean + std * randn_like(...) for a pathwise gradient)
        node = {(True, False): "NormalBackward1", (False, True): "NormalBackward2"}.get(
            (isinstance(mean, Tensor), isinstance(std, Tensor)), "NormalBackward3")
        record(node, (mean, std), result, lambda grads: (grads[0] * 0, grads[0] * 0))
    return result


# ---- like --------------------------------------------------------------------------------
def _like_args(input, dtype, device, fn):  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return (tuple(input.shape), input.dtype if dtype is None else dtype,
            input.device if device is None else device)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """``rand`` with the shape, dtype and device of ``input``."""
    shape, d, dev = _like_args(input, dtype, device, "rand_like")
    return rand(shape, generator=generator, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """``randn`` with the shape, dtype and device of ``input``.

    >>> import tensorlite as tl
    >>> x = tl.zeros(2, 3, dtype=tl.float16)
    >>> tl.randn_like(x).dtype
    tensorlite.float16
    """
    shape, d, dev = _like_args(input, dtype, device, "randn_like")
    return randn(shape, generator=generator, dtype=d, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None,  # noqa: A002
                 requires_grad=False):
    """``randint`` with the shape, dtype and device of ``input``."""
    if high is None:
        low, high = 0, low
    shape, d, dev = _like_args(input, dtype, device, "randint_like")
    return randint(low, high, shape, generator=generator, dtype=d, device=dev,
                   requires_grad=requires_grad)


# ---- in-place Tensor methods -----------------------------------------------------------
def _fill_inplace(tensor, kind, generator, fn, **params):
    from .._ops import inplace

    check.writable(tensor, fn)  # expanded tensors and autograd leaves: before any word
    data = _draw(kind, tuple(tensor.shape), tensor.dtype, tensor.device, generator, fn,
                 out=tensor._data, **params)  # written in place: no full-size temporary
    if data is not tensor._data:
        tensor._backend.assign(tensor._data, Ellipsis, data)
    inplace.bump(tensor)
    return tensor


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with samples uniform on ``[from, to)``: ``a + (b - a) * u`` rounded once,
    never equal to ``to``. ``b - a`` must be finite."""
    fn = "uniform_"
    a = _real(kwargs.pop("from", from_), "from", fn)
    b = _real(kwargs.pop("to", to), "to", fn)
    real = check.kernel_dtype(self.dtype, "check_uniform_bounds", complex_ok=True).to_real()
    check.float_bound(a, "from", real._np)
    check.float_bound(b, "to", real._np)
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    work = np.float64 if real is _dtype.float64 else np.float32
    with np.errstate(over="ignore"):
        span = work(b) - work(a)
    if not (math.isfinite(float(work(a))) and math.isfinite(float(work(b))) and math.isfinite(float(span))):
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<"
                           f"{real.name}>::max(), but found to={b} and from={a} which "
                           f"result in to-from to exceed the limit")
    return _fill_inplace(self, "uniform", generator, fn, low=float(a), high=float(b))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with ``mean + std * z``, ``z`` standard normal (Box–Muller)."""
    fn = "normal_"
    mean, std = _real(mean, "mean", fn), check.std(_real(std, "std", fn))
    check.kernel_dtype(self.dtype, "normal_kernel_cpu", complex_ok=True)
    return _fill_inplace(self, "normal", generator, fn, mean=float(mean), std=float(std))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate ``lambd``: ``-ln(u) / lambd``, ``u in (0, 1]``."""
    fn = "exponential_"
    lambd = _real(lambd, "lambd", fn)
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"Exponential distribution is a continuous probability distribution."
                           f" dtype must be a floating point but you specified "
                           f"{check.SCALAR_NAMES[self.dtype.name]}")
    if not lambd > 0:  # NaN too; +inf is allowed (all zeros), as in PyTorch
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_inplace(self, "exponential", generator, fn, lambd=float(lambd))


_MISSING = object()  # random_(5) is [0, 5) but random_(5, None) is [5, max]


def random_(self, from_=None, to=_MISSING, *, generator=None, **kwargs):
    """Fill with integers uniform on ``[from, to)``: ``random_(to)`` means ``[0, to)``,
    ``random_(from, None)`` ``[from, max]`` and ``random_()`` PyTorch's full range for
    the dtype (``max`` is ``2**mantissa`` for floating dtypes)."""
    fn = "random_"
    from_ = kwargs.pop("from", from_)
    if self.dtype.is_complex:
        raise NotImplementedError(f"\"random_kernel_cpu\" not implemented for "
                                  f"'{check.SCALAR_NAMES[self.dtype.name]}'")
    if from_ is None and to in (None, _MISSING):
        low, high = distributions.random_range(self.dtype._np)
    elif to is _MISSING:
        low, high = 0, from_
    elif to is None:
        low, high = from_, distributions.random_range(self.dtype._np)[1]
    else:
        low, high = from_, to
    low, high = check.random_range(low, high, self.dtype, fn)
    return _fill_inplace(self, "randint", generator, fn, low=low, high=high)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 drawn with probability ``p`` (a float or a broadcastable tensor)."""
    fn = "bernoulli_"
    if isinstance(p, Tensor):
        from .._tensor import common_device

        common_device((self, p), fn)
        try:
            fits = np.broadcast_shapes(tuple(p.shape), tuple(self.shape)) == tuple(self.shape)
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{fn}(): p of shape {tuple(p.shape)} is not broadcastable to "
                               f"the tensor's shape {tuple(self.shape)}")
        _check_probabilities(p, fn)
        probs = p._data  # broadcast chunk by chunk by the fill
    else:
        probs = _probability(p, fn)
    _not_complex(self.dtype, "bernoulli_scalar_cpu_")
    return _fill_inplace(self, "bernoulli", generator, fn, p=probs)


for _name, _fn in (("uniform_", uniform_), ("normal_", normal_), ("exponential_", exponential_),
                   ("random_", random_), ("bernoulli_", bernoulli_)):
    setattr(Tensor, _name, _fn)
Tensor.bernoulli = lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: multinomial(
    self, num_samples, replacement, generator=generator)
