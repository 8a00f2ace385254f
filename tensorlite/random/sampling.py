"""The public random functions: validate, reserve stream words, let the backend fill.

Each function checks every argument first (a rejected call never advances a
generator), then reserves the words its output needs from the generator, then
asks the device's backend to turn those words into values (DESIGN §4.3). The
backends produce the same values for the same words, so the same seed gives
the same tensor on every device.

>>> import tensorlite as tl
>>> _ = tl.manual_seed(0)
>>> tl.randint(0, 10, (5,))
tensor([3, 8, 7, 6, 9])
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _backends, _dtype
from .._creation import _target as _creation_target
from .._tensor import Tensor, _sizes, _wrap
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from . import distributions
from .generator import Generator, default_for

__all__ = ["rand", "randn", "randint", "randperm", "bernoulli", "multinomial", "normal",
           "rand_like", "randn_like", "randint_like"]


# ---- shared steps ----------------------------------------------------------------------
def _target(device, fn):
    return _creation_target(device, fn)[0]  # the checked device only


def _generator(generator, dev, fn):
    if generator is None:
        return default_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): generator must be a tensorlite.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def _draw(kind, shape, dtype, dev, generator, fn, words_n=None, out=None, **params):
    """Reserve the words for ``kind`` and fill ``out`` (an array of ``shape`` and
    ``dtype`` on ``dev``; allocated here, before any word is reserved, when absent)."""
    gen = _generator(generator, dev, fn)
    backend = _backends.get(dev)
    if out is None:
        out = backend.empty(shape, dtype._np, dev, fn)  # a failed allocation consumes nothing
    n = math.prod(shape) if words_n is None else words_n
    count = distributions.words_needed(kind, n, dtype._np, **_word_params(kind, params))
    seed, offset = gen._reserve(count)
    return backend.random(kind, shape, dtype._np, seed, offset, device=dev, out=out, **params)


def _word_params(kind, params):
    if kind == "randint":
        return {"low": params["low"], "high": params["high"]}
    if kind == "multinomial":
        rows, categories = params["probs"].shape
        return {"rows": rows, "categories": categories, "replacement": params["replacement"]}
    return {}


def _float_dtype(dtype, fn):
    d = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype, fn)
    if not d.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point dtype, got {d}")
    return d


def _check_result(dtype, requires_grad, out, fn):
    """Checks on the result's options, made before any word is drawn."""
    if requires_grad and not dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): Only Tensors of floating point dtype can require "
                           f"gradients, got {dtype}")
    if out is not None and not isinstance(out, Tensor):
        raise TypeError(f"{fn}(): argument 'out' must be Tensor, not {type(out).__name__}")


def _sample(kind, shape, dtype, dev, generator, fn, requires_grad=False, out=None, **params):
    """Validate the result options, draw, and return the tensor (or fill ``out``)."""
    _check_result(dtype, requires_grad, out, fn)
    data = _draw(kind, shape, dtype, dev, generator, fn, **params)
    return _finish(data, dev, dtype, requires_grad, out)


def _finish(data, dev, dtype, requires_grad, out):
    result = _wrap(data, dev, dtype, requires_grad)
    if out is not None:
        from .._creation import _out

        return _out(result, out)
    return result


def _real(value, name, fn):
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"{fn}(): argument '{name}' must be a real number, got {value!r}")
    return value


# ---- constructors ------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform samples on ``[0, 1)``.

    Element ``i`` is ``(W_i >> 8) * 2**-24`` for float32 (the top 24 bits of its
    stream word), so every value is exactly representable and never 1.

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(0)
    >>> tl.rand(2)
    tensor([0.3990, 0.8805])
    """
    shape = _sizes(size, "rand")
    d = _float_dtype(dtype, "rand")
    dev = _target(device, "rand")
    return _sample("uniform", shape, d, dev, generator, "rand", requires_grad, out,
                   low=0.0, high=1.0)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal samples, :math:`x_i \\sim \\mathcal{N}(0, 1)` (Box–Muller on word pairs).

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(42)
    >>> tl.randn(3).shape
    tensorlite.Size([3])
    """
    shape = _sizes(size, "randn")
    d = _float_dtype(dtype, "randn")
    dev = _target(device, "randn")
    return _sample("normal", shape, d, dev, generator, "randn", requires_grad, out,
                   mean=0.0, std=1.0)


def _int_range(low, high, dtype, fn):
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
            if isinstance(v, (numbers.Real, np.floating)) and float(v).is_integer():
                continue
            raise TypeError(f"{fn}(): argument '{name}' must be an int, got {v!r}")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"{fn}(): random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    lo, hi = _dtype_bounds(dtype)
    if low < lo or high - 1 > hi:
        raise RuntimeError(f"{fn}(): range [{low}, {high}) is out of bounds for {dtype}")
    return low, high


def _dtype_bounds(dtype):
    if dtype is _dtype.bool:
        return 0, 1
    if dtype.is_floating_point:
        limit = 2 ** distributions.MANTISSA_BITS[dtype._np]
        return -limit, limit
    info = np.iinfo(dtype._np)
    return int(info.min), int(info.max)


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
    elif high is None:
        raise TypeError("randint(): missing required argument 'high'")
    shape = _sizes(size if isinstance(size, (tuple, list)) else (size,), "randint")
    d = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype, "randint")
    low, high = _int_range(low, high, d, "randint")
    dev = _target(device, "randint")
    return _sample("randint", shape, d, dev, generator, "randint", requires_grad, out,
                   low=low, high=high)



def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """A random permutation of ``0 .. n-1`` (stable argsort of 64-bit keys from words 2i, 2i+1).

    >>> import tensorlite as tl
    >>> sorted(tl.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)):
        raise TypeError(f"randperm(): argument 'n' must be an int, got {n!r}")
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    d = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype, "randperm")
    if n > 0 and n - 1 > _dtype_bounds(d)[1]:
        raise RuntimeError(f"randperm(): n={n} is too large for dtype {d}")
    dev = _target(device, "randperm")
    return _sample("randperm", (int(n),), d, dev, generator, "randperm", requires_grad, out,
                   n=int(n))


def _has_values(t):
    """Whether value checks are possible (meta tensors have shapes only)."""
    return t._backend.has_data


def _check_probabilities(p, fn):
    """``p`` must be finite and in [0, 1]; a value check (synchronizes on cuda)."""
    if not p.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point probability tensor, got {p.dtype}")
    if p.numel() and _has_values(p) and not bool(((p >= 0) & (p <= 1)).all()):
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
        p = _real(p, "p", "bernoulli")
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli(): Expected p_in >= 0 && p_in <= 1 to be true, but "
                               f"got p = {p}")
        probs = p
        dtype = input.dtype
    else:
        _check_probabilities(input, "bernoulli")
        probs = input.contiguous()._data
        dtype = input.dtype
    return _sample("bernoulli", tuple(input.shape), dtype, input.device, generator,
                   "bernoulli", out=out, p=probs)


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
    if isinstance(num_samples, bool) or not isinstance(num_samples, (numbers.Integral, np.integer)):
        raise TypeError(f"{fn}(): argument 'num_samples' must be int, got {num_samples!r}")
    categories = input.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"{fn}(): cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > categories:
        raise RuntimeError(f"{fn}(): cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement (n_sample={num_samples}, "
                           f"categories={categories})")
    if categories == 0:
        raise RuntimeError(f"{fn}(): number of categories cannot be zero")
    rows2d = input.reshape(-1, categories)
    _check_result(_dtype.int64, False, out, fn)
    weights = _checked_weights(rows2d, bool(replacement), fn)
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
        mean, std = _real(mean, "mean", fn), _real(std, "std", fn)
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = _sizes(size if isinstance(size, (tuple, list)) else (size,), fn)
        d = _float_dtype(dtype, fn)
        dev = _target(device, fn)
        return _sample("normal", shape, d, dev, generator, fn, requires_grad, out,
                       mean=float(mean), std=float(std))
    from .._tensor import common_device

    dev = common_device((mean, std), fn)
    for t in tensors:
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"normal expects floating-point mean and std, got {t.dtype}")
    if isinstance(std, Tensor):
        if std.numel() and _has_values(std) and bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif _real(std, "std", fn) < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    d = _dtype.result_type(mean, std)
    _check_result(d, requires_grad, out, fn)
    z = _wrap(_draw("normal", shape, d, dev, generator, fn, mean=0.0, std=1.0), dev, d)
    with no_grad():
        result = _finish((z * std + mean)._data, dev, d, requires_grad, out)
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

    inplace.check_writable(tensor)
    data = _draw(kind, tuple(tensor.shape), tensor.dtype, tensor.device, generator, fn,
                 out=tensor._data, **params)  # written in place: no full-size temporary
    if data is not tensor._data:
        tensor._backend.assign(tensor._data, Ellipsis, data)
    inplace.bump(tensor)
    return tensor


def _need_float(tensor, fn):
    if not tensor.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point tensor, got {tensor.dtype}")


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with samples uniform on ``[from, to)``: ``a + (b - a) * u`` rounded once,
    never equal to ``to``. ``b - a`` must be finite."""
    fn = "uniform_"
    a = _real(kwargs.pop("from", from_), "from", fn)
    b = _real(kwargs.pop("to", to), "to", fn)
    _need_float(self, fn)
    if not a <= b:
        raise RuntimeError(f"{fn}(): uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    work = np.float64 if self.dtype is _dtype.float64 else np.float32
    with np.errstate(over="ignore"):
        span = work(b) - work(a)
    if not (math.isfinite(float(work(a))) and math.isfinite(float(work(b))) and math.isfinite(float(span))):
        raise RuntimeError(f"{fn}(): uniform_ expects to-from <= std::numeric_limits<"
                           f"{self.dtype.name}>::max(), but found to={b} and from={a} which "
                           f"result in to-from to exceed the limit")
    return _fill_inplace(self, "uniform", generator, fn, low=float(a), high=float(b))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with ``mean + std * z``, ``z`` standard normal (Box–Muller)."""
    fn = "normal_"
    mean, std = _real(mean, "mean", fn), _real(std, "std", fn)
    _need_float(self, fn)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_inplace(self, "normal", generator, fn, mean=float(mean), std=float(std))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate ``lambd``: ``-ln(u) / lambd``, ``u in (0, 1]``."""
    fn = "exponential_"
    lambd = _real(lambd, "lambd", fn)
    _need_float(self, fn)
    if not lambd > 0 or not math.isfinite(lambd):
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_inplace(self, "exponential", generator, fn, lambd=float(lambd))


def random_(self, from_=None, to=None, *, generator=None, **kwargs):
    """Fill with integers uniform on ``[from, to)``; ``random_(to)`` means ``[0, to)``
    and ``random_()`` PyTorch's full range for the dtype."""
    fn = "random_"
    from_ = kwargs.pop("from", from_)
    if from_ is None and to is None:
        low, high = distributions.random_range(self.dtype._np)
    elif to is None:
        low, high = 0, from_
    else:
        low, high = from_, to
    low, high = _int_range(low, high, self.dtype, fn)
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
        probs = _real(p, "p", fn)
        if not 0 <= probs <= 1:
            raise RuntimeError(f"{fn}(): Expected p_in >= 0 && p_in <= 1 to be true, but got "
                               f"p = {probs}")
    return _fill_inplace(self, "bernoulli", generator, fn, p=probs)


for _name, _fn in (("uniform_", uniform_), ("normal_", normal_), ("exponential_", exponential_),
                   ("random_", random_), ("bernoulli_", bernoulli_)):
    setattr(Tensor, _name, _fn)
Tensor.bernoulli = lambda self, p=None, *, generator=None: bernoulli(self, p, generator=generator)
Tensor.multinomial = lambda self, num_samples, replacement=False, *, generator=None: multinomial(
    self, num_samples, replacement, generator=generator)
