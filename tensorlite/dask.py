"""Dask arrays whose values do not depend on the chunking (DESIGN §11).

``tl.dask.randn(120_000, 50_000, chunks=(10_000, 50_000))`` is a lazy
``dask.array.Array`` equal, element for element, to ``tl.randn(120_000,
50_000)`` drawn from the same generator state. Each block computes only its
own elements, from their global flat indices in the C-ordered array: element
``i`` uses the stream words DESIGN §4.3 assigns to it, and nothing else. So the
result is the same for every chunking, every scheduler and every cluster size.

At call time, each random function checks its arguments (the eager function's
checks and messages) and the chunks, then reserves from the generator exactly
the words the eager call would reserve: eager and Dask calls interleave in one
stream, and a rejected call reserves nothing. The graph holds no arrays: a task
is its block's bounds, the seed, the offset and the parameters (a few hundred
bytes pickled), so graphs of a million blocks build in seconds.

What is identical, for the same seed, offset, call, dtype and shape:

=====================================================  =============================
                                                       identical (bit for bit)?
=====================================================  =============================
the same function on the same device kind, any         yes
chunking (regular, irregular, column blocks, 1 block)
threads, processes or a ``dask.distributed`` cluster   yes
of any size
``tl.dask.f(...)`` and eager ``tl.f(...)``,            yes
same device kind
computing the same array twice                         yes (tasks are pure)
generator offset after the call, and the stream        yes
that follows
CPU blocks and CUDA blocks: ``rand``, ``uniform``,     yes (DESIGN §4.4)
``randint``, ``bernoulli``, ``multinomial`` with
replacement, the non-random functions
CPU and CUDA: ``randn``, ``normal``, ``exponential``   within ``tl.testing.assert_close``
                                                       tolerances (libm vs CUDA)
CPU and CUDA: ``multinomial`` without replacement      yes, unless two float64 keys tie
                                                       to the last bit
``tl.dask.empty``                                      no: uninitialized, like eager
``dask.array.random`` with the same seed               no (another generator; its
                                                       values change with the chunks)
=====================================================  =============================

Functions (PyTorch's arguments, plus ``chunks=``): ``rand``, ``randn``,
``randint``, ``normal`` (scalar mean and std), ``uniform`` (like
``tl.empty(size).uniform_(from_, to)``), ``exponential`` (like
``.exponential_(lambd)``), ``bernoulli`` (a Dask array of probabilities, or a
float ``p`` and a Dask array giving shape, dtype and chunks), ``multinomial`` (a
Dask array of weights; each block holds whole rows, rechunked if needed),
``zeros``, ``ones``, ``full``, ``empty``, ``arange``, ``linspace``, ``eye``;
and ``materialize`` (a model or tensor built on ``meta``, as Dask arrays equal to
eager construction: DESIGN §12).
``chunks`` takes Dask's forms (``"auto"``, an int, a tuple, explicit block
sizes; ``-1`` or ``None`` for a whole dimension); zero or negative block sizes
raise ``ValueError``. ``device="cpu"`` gives NumPy blocks, ``device="cuda"``
CuPy blocks (the array's ``_meta`` says which).

Values of Dask-array inputs (probabilities, weights) can only be checked inside
the tasks, which raise the eager function's error when computed.

Needs ``pip install 'tensorlite[dask]'`` (``dask[array]`` and ``distributed``);
``import tensorlite`` never imports Dask.

>>> import tensorlite as tl
>>> g = tl.Generator().manual_seed(0)
>>> x = tl.dask.rand(4, 6, chunks=(3, 4), generator=g)
>>> g.offset
24
>>> eager = tl.rand(4, 6, generator=tl.Generator().manual_seed(0))
>>> bool((x.compute() == eager.numpy()).all())
True
"""

from __future__ import annotations

import gc
import itertools
import math
import numbers

import numpy as np

from . import _backends, _creation, _dtype, _validation
from ._tensor import Tensor, _sizes
from .random import distributions as _dist
from .random import generator as _generator
from .random import sampling as _sampling

__all__ = ["rand", "randn", "randint", "normal", "uniform", "exponential", "bernoulli",
           "multinomial", "zeros", "ones", "full", "empty", "arange", "linspace", "eye",
           "materialize"]

INSTALL_HINT = "pip install 'tensorlite[dask]'"


def _dask(fn):
    """``dask.array`` and ``HighLevelGraph``, or an ImportError naming the extra."""
    try:
        import dask.array as da
        from dask.highlevelgraph import HighLevelGraph
    except ImportError as exc:
        raise ImportError(f"tensorlite.dask.{fn}() needs Dask (dask[array] and distributed); "
                          f"install them with {INSTALL_HINT}") from exc
    return da, HighLevelGraph


# ---- call-time checks ----------------------------------------------------------------------
def _device(device, fn):
    dev, backend = _creation._target(device, fn)
    if dev.type not in ("cpu", "cuda"):
        raise RuntimeError(f"tensorlite.dask.{fn}(): device must be 'cpu' or 'cuda', got {dev}")
    return dev, backend


def _chunks(chunks, shape, np_dtype, fn, da):
    """Dask's normalized chunks for ``shape``, after tensorlite's own checks."""
    def bad(value):
        return ValueError(f"tensorlite.dask.{fn}(): chunks must be positive block sizes "
                          f"(or -1 / None for a whole dimension), got {chunks!r} ({value!r})")

    def check(value, dim_size):
        if value is None or isinstance(value, str):
            return
        if isinstance(value, (tuple, list)):
            for v in value:
                if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) \
                        or (v <= 0 and not (v == 0 and dim_size == 0)):
                    raise bad(v)
            return
        if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) \
                or (value <= 0 and value != -1):
            raise bad(value)

    if isinstance(chunks, dict):
        raise bad(chunks)
    if isinstance(chunks, (tuple, list)):
        if len(chunks) != len(shape):
            raise ValueError(f"tensorlite.dask.{fn}(): chunks {chunks!r} have {len(chunks)} "
                             f"dimensions, the array has {len(shape)}: {shape}")
        for value, size in zip(chunks, shape):
            check(value, size)
    else:
        check(chunks, shape[0] if shape else 1)
    return da.core.normalize_chunks(chunks, shape, dtype=np_dtype)


def _meta_tensor(fn, *args, **kwargs):
    """The eager call on ``meta`` with a throwaway generator: PyTorch's checks and
    messages, the result's shape and dtype, and no word of any real generator."""
    return fn(*args, **kwargs, device="meta")


def _scratch():
    return _generator.Generator()


# ---- the graph ---------------------------------------------------------------------------
def _boxes(chunks):
    """``(block index, box)`` for every block: ``box`` holds a ``(start, stop)`` per
    dimension."""
    bounds = []
    for dim in chunks:
        ends = np.cumsum((0,) + tuple(dim)).tolist()
        bounds.append(list(zip(ends[:-1], ends[1:])))
    return zip(itertools.product(*(range(len(d)) for d in chunks)), itertools.product(*bounds))


def _array(fn, task, spec, chunks, np_dtype, backend, token_parts, inputs=(), input_keys=None):
    """A ``dask.array.Array``: one task ``(task, spec, box, *input blocks)`` per block."""
    da, HighLevelGraph = _dask(fn)
    from dask.base import tokenize

    # Chunks as arrays: Dask hashes an array's bytes, ~10x faster than a tuple of 10^6 ints.
    token = tokenize(spec, [np.asarray(c, np.int64) for c in chunks], *token_parts)
    name = f"tensorlite-{fn}-{token}"
    with _no_gc():
        if input_keys is None:
            graph = {(name,) + index: (task, spec, box) for index, box in _boxes(chunks)}
        else:
            graph = {(name,) + index: (task, spec, box) + input_keys(index)
                     for index, box in _boxes(chunks)}
    layer = HighLevelGraph.from_collections(name, graph, dependencies=list(inputs))
    meta = backend.xp.empty((0,) * len(chunks), dtype=np_dtype)
    return da.Array(layer, name, chunks, meta=meta)


class _no_gc:
    """Pause the cyclic garbage collector while a graph of millions of tuples is built:
    the tuples hold no cycles, and the collector's repeated passes over them cost
    about as much as building them."""

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def _backend_of(device_name):
    from . import _device

    dev = _device.device(device_name)
    return dev, _backends.get(dev)


def _random_task(spec, box, *inputs):
    """One block of a random array (runs on a worker)."""
    fn, kind, shape, dtype_name, seed, offset, params, device_name = spec
    dev, backend = _backend_of(device_name)
    np_dtype = _dtype.to_dtype(dtype_name)._np
    params = dict(params)
    with backend.context(dev):
        if kind == "bernoulli" and inputs:
            p = _as_tensor(inputs[0], dev)
            _sampling._check_probabilities(p, fn)  # the eager error, at compute time
            params["p"] = inputs[0]
        if kind == "multinomial":
            probs = _as_tensor(inputs[0], dev)
            rows2d = probs.reshape(-1, probs.shape[-1])
            params["probs"] = _sampling._checked_weights(rows2d, params["replacement"], fn)
            rows_shape = shape if len(shape) == 2 else (1,) + shape
            rows_box = box if len(shape) == 2 else ((0, 1),) + box
            block = backend.random_block(kind, rows_shape, rows_box, np_dtype, seed, offset,
                                         device=dev, **params)
            return block.reshape(tuple(b - a for a, b in box))
        return backend.random_block(kind, shape, box, np_dtype, seed, offset, device=dev,
                                    **params)


def _as_tensor(array, dev):
    from ._creation import as_tensor

    return as_tensor(array, device=dev)


def _random(fn, kind, shape, d, dev, backend, generator, chunks, params, words_n=None,
            inputs=(), input_keys=None, normalized=False):
    """Check chunks, reserve the eager call's words, and build the array."""
    da, _ = _dask(fn)
    if not normalized:
        chunks = _chunks(chunks, shape, d._np, fn, da)
    gen = _sampling._generator(generator, dev, fn)
    n = math.prod(shape) if words_n is None else words_n
    word_params = ({"low": params["low"], "high": params["high"]} if kind == "randint"
                   else {k: params[k] for k in ("rows", "categories", "replacement")
                         if k in params})
    count = _dist.words_needed(kind, n, d._np, **word_params)
    seed, offset = gen._reserve(count)  # the last step that can fail is above this line
    params = {k: v for k, v in params.items() if k not in ("rows", "categories")}
    spec = (fn, kind, shape, d.name, seed, offset, tuple(sorted(params.items())), str(dev))
    return _array(fn, _random_task, spec, chunks, d._np, backend, (), inputs, input_keys)


# ---- random functions ----------------------------------------------------------------------
def rand(*size, chunks="auto", generator=None, dtype=None, device=None):
    """Uniform samples on ``[0, 1)``, equal to ``tl.rand(*size)``.

    >>> import tensorlite as tl
    >>> tl.dask.rand(10, 10, chunks=5).chunks
    ((5, 5), (5, 5))
    """
    dev, backend = _device(device, "rand")
    t = _meta_tensor(_sampling.rand, *size, generator=_scratch(), dtype=dtype)
    return _random("rand", "uniform", tuple(t.shape), t.dtype, dev, backend, generator, chunks,
                   {"low": 0.0, "high": 1.0})


def randn(*size, chunks="auto", generator=None, dtype=None, device=None):
    """Standard normal samples, equal to ``tl.randn(*size)`` (Box–Muller pairs may
    straddle blocks: each block computes the pair it needs).

    >>> import tensorlite as tl
    >>> tl.dask.randn(1000, chunks=300).sum().compute().dtype
    dtype('float32')
    """
    dev, backend = _device(device, "randn")
    t = _meta_tensor(_sampling.randn, *size, generator=_scratch(), dtype=dtype)
    return _random("randn", "normal", tuple(t.shape), t.dtype, dev, backend, generator, chunks,
                   {"mean": 0.0, "std": 1.0})


def normal(mean=0.0, std=1.0, size=None, *, chunks="auto", generator=None, dtype=None,
           device=None):
    """``mean + std * z``, equal to ``tl.normal(mean, std, size=size)`` (scalar mean, std)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor) or _is_dask(mean) or _is_dask(std):
        raise TypeError("tensorlite.dask.normal(): mean and std must be numbers")
    dev, backend = _device(device, "normal")
    t = _meta_tensor(_sampling.normal, mean, std, size, generator=_scratch(), dtype=dtype)
    return _random("normal", "normal", tuple(t.shape), t.dtype, dev, backend, generator, chunks,
                   {"mean": float(mean), "std": float(std)})


def randint(low=0, high=None, size=None, *, chunks="auto", generator=None, dtype=None,
            device=None):
    """Integers uniform on ``[low, high)``, equal to ``tl.randint(low, high, size)``;
    ``randint(high, size)`` works too.

    >>> import tensorlite as tl
    >>> tl.dask.randint(0, 10, (6,), chunks=4).dtype
    dtype('int64')
    """
    dev, backend = _device(device, "randint")
    t = _meta_tensor(_sampling.randint, low, high, size, generator=_scratch(), dtype=dtype)
    if size is None:
        low, high = 0, low
    low, high = _validation.random_range(low, high, t.dtype, "randint")
    return _random("randint", "randint", tuple(t.shape), t.dtype, dev, backend, generator,
                   chunks, {"low": low, "high": high})


def uniform(from_=0.0, to=1.0, size=None, *, chunks="auto", generator=None, dtype=None,
            device=None):
    """Uniform on ``[from_, to)``, equal to ``tl.empty(size).uniform_(from_, to)``."""
    dev, backend = _device(device, "uniform")
    shape = _size(size, "uniform")
    t = _creation.empty(shape, dtype=dtype, device="meta").uniform_(from_, to,
                                                                     generator=_scratch())
    a, b = (float(_validation.real(v, n, "uniform_")) for v, n in ((from_, "from"), (to, "to")))
    return _random("uniform", "uniform", shape, t.dtype, dev, backend, generator, chunks,
                   {"low": a, "high": b})


def exponential(lambd=1.0, size=None, *, chunks="auto", generator=None, dtype=None,
                device=None):
    """Exponential with rate ``lambd``, equal to ``tl.empty(size).exponential_(lambd)``."""
    dev, backend = _device(device, "exponential")
    shape = _size(size, "exponential")
    t = _creation.empty(shape, dtype=dtype, device="meta").exponential_(lambd,
                                                                         generator=_scratch())
    lambd = float(_validation.real(lambd, "lambd", "exponential_"))
    return _random("exponential", "exponential", shape, t.dtype, dev, backend, generator,
                   chunks, {"lambd": lambd})


def _size(size, fn):
    if size is None:
        raise TypeError(f"tensorlite.dask.{fn}(): missing argument 'size'")
    return _sizes(size if isinstance(size, (tuple, list)) else (size,), fn)


def _is_dask(x):
    return type(x).__module__.startswith("dask.") and hasattr(x, "chunks")


def _input_device(x, fn):
    """The device of a Dask array's blocks (its ``_meta``): CuPy means cuda."""
    from . import _device

    backend = _backends.for_array(getattr(x, "_meta", None))
    if backend is None:
        return _device.device("cpu"), _backends.get(_device.device("cpu"))
    return backend.check(_backends.array_device(x._meta)), backend


def _dask_input(x, fn):
    """Device, backend, dtype and shape of a Dask-array input (checked to be one)."""
    if not _is_dask(x):
        raise TypeError(f"tensorlite.dask.{fn}(): input must be a dask.array.Array, got "
                        f"{type(x).__name__}")
    dev, backend = _input_device(x, fn)
    return dev, backend, _dtype.from_numpy_dtype(x.dtype, fn), tuple(int(s) for s in x.shape)


def bernoulli(input, p=None, *, generator=None):  # noqa: A002
    """0/1 draws, equal to ``tl.bernoulli(input, p)``: ``input`` is a Dask array of
    probabilities, or with a float ``p`` the array that gives shape, dtype and chunks.
    The result keeps ``input``'s chunks and device.
    """
    fn = "bernoulli"
    dev, backend, d, shape = _dask_input(input, fn)
    _sampling.bernoulli(_creation.empty(shape, dtype=d, device="meta"), p, generator=_scratch())
    if p is not None:
        return _random(fn, "bernoulli", shape, d, dev, backend, generator, input.chunks,
                       {"p": float(_validation.real(p, "p", fn))}, normalized=True)
    return _random(fn, "bernoulli", shape, d, dev, backend, generator, input.chunks, {},
                   inputs=(input,), input_keys=lambda index: ((input.name,) + index,),
                   normalized=True)


def multinomial(input, num_samples, replacement=False, *, generator=None):  # noqa: A002
    """Category indices, equal to ``tl.multinomial(input, num_samples, replacement)``.

    ``input`` is a Dask array of weights, 1-D ``(C,)`` or 2-D ``(rows, C)``; it is
    rechunked so that each block holds whole rows, and the result keeps its row chunks.
    Weights are checked (non-negative, finite, positive row sums) when computed.
    """
    fn = "multinomial"
    dev, backend, d, shape = _dask_input(input, fn)
    t = _sampling.multinomial(_creation.empty(shape, dtype=d, device="meta"), num_samples,
                              replacement, generator=_scratch())
    if input.numblocks[-1] != 1:
        input = input.rechunk({input.ndim - 1: -1})
    rows, categories = (shape[0] if len(shape) == 2 else 1), shape[-1]
    n = int(num_samples)
    chunks = (input.chunks[0], (n,)) if len(shape) == 2 else ((n,),)
    return _random(fn, "multinomial", tuple(t.shape), _dtype.int64, dev, backend, generator,
                   chunks, {"num_samples": n, "replacement": bool(replacement), "rows": rows,
                            "categories": categories},
                   words_n=n, inputs=(input,), input_keys=lambda index: ((input.name,) + index[:1]
                                                                         + (0,) * (input.ndim - 1),),
                   normalized=True)


# ---- non-random functions --------------------------------------------------------------------
def _fill_task(spec, box):
    kind, args, dtype_name, device_name = spec
    dev, backend = _backend_of(device_name)
    d = _dtype.to_dtype(dtype_name)
    block_shape = tuple(b - a for a, b in box)
    with backend.context(dev), np.errstate(over="ignore", invalid="ignore"):
        if kind == "empty" or 0 in block_shape:
            return backend.empty(block_shape, d._np, dev)
        if kind == "full":
            return backend.full(block_shape, args[0], d._np, dev)
        if kind == "eye":
            (r0, _), (c0, _) = box
            return backend.xp.eye(*block_shape, k=r0 - c0, dtype=d._np)  # global (i, i)
        first, count = box[0][0], block_shape[0]
        if kind == "arange":
            start, step = args
            return _creation._arange_data(start, step, count, d._np, backend, first)
        start, end, steps = args  # linspace
        return _creation._spaced_data(start, end, steps, None, d, dev, backend, first, count)


def _constant(fn, kind, args, t, dev, backend, chunks):
    da, _ = _dask(fn)
    shape = tuple(t.shape)
    chunks = _chunks(chunks, shape, t.dtype._np, fn, da)
    spec = (kind, args, t.dtype.name, str(dev))
    return _array(fn, _fill_task, spec, chunks, t.dtype._np, backend, ())


def zeros(*size, chunks="auto", dtype=None, device=None):
    """Zeros, equal to ``tl.zeros(*size)``."""
    dev, backend = _device(device, "zeros")
    t = _meta_tensor(_creation.zeros, *size, dtype=dtype)
    return _constant("zeros", "full", (0,), t, dev, backend, chunks)


def ones(*size, chunks="auto", dtype=None, device=None):
    """Ones, equal to ``tl.ones(*size)``."""
    dev, backend = _device(device, "ones")
    t = _meta_tensor(_creation.ones, *size, dtype=dtype)
    return _constant("ones", "full", (1,), t, dev, backend, chunks)


def full(size, fill_value, *, chunks="auto", dtype=None, device=None):
    """``fill_value`` everywhere, equal to ``tl.full(size, fill_value)`` (same dtype rule)."""
    dev, backend = _device(device, "full")
    t = _meta_tensor(_creation.full, size, fill_value, dtype=dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _constant("full", "full", (fill_value,), t, dev, backend, chunks)


def empty(*size, chunks="auto", dtype=None, device=None):
    """Uninitialized blocks, like ``tl.empty(*size)``: only shape and dtype are defined."""
    dev, backend = _device(device, "empty")
    t = _meta_tensor(_creation.empty, *size, dtype=dtype)
    return _constant("empty", "empty", (), t, dev, backend, chunks)


def arange(start, end=None, step=1, *, chunks="auto", dtype=None, device=None):
    """``start, start + step, ...`` below ``end``, equal to ``tl.arange(start, end, step)``.

    >>> import tensorlite as tl
    >>> tl.dask.arange(10, chunks=4).compute()
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    dev, backend = _device(device, "arange")
    t = _meta_tensor(_creation.arange, start, end, step, dtype=dtype)
    if end is None:
        start = 0
    start, step = (_creation._number(v, n, "arange") for v, n in ((start, "start"),
                                                                  (step, "step")))
    return _constant("arange", "arange", (start, step), t, dev, backend, chunks)


def linspace(start, end, steps, *, chunks="auto", dtype=None, device=None):
    """``steps`` values from ``start`` to ``end``, equal to ``tl.linspace(start, end, steps)``."""
    dev, backend = _device(device, "linspace")
    t = _meta_tensor(_creation.linspace, start, end, steps, dtype=dtype)
    start, end = _creation._number(start, "start", "linspace"), \
        _creation._number(end, "end", "linspace")
    steps = int(steps.item() if isinstance(steps, Tensor) else steps)
    return _constant("linspace", "linspace", (start, end, steps), t, dev, backend, chunks)


def eye(n, m=None, *, chunks="auto", dtype=None, device=None):
    """The ``n x m`` identity, equal to ``tl.eye(n, m)``."""
    dev, backend = _device(device, "eye")
    t = _meta_tensor(_creation.eye, n, m, dtype=dtype)
    return _constant("eye", "eye", (), t, dev, backend, chunks)


# ---- deferred initialization (DESIGN §12) -------------------------------------------------------
def _recipe_block_task(spec, box):
    shape, dtype_name, steps, device_name = spec
    from . import _recipe

    return _recipe.replay_block(shape, _dtype.to_dtype(dtype_name), steps, box, device_name)


def _recipe_whole_task(spec):
    shape, dtype_name, steps, device_name = spec
    from . import _recipe

    return _recipe.replay(shape, _dtype.to_dtype(dtype_name), steps, device_name)._data


def _slice_task(whole, box):
    return whole[tuple(slice(a, b) for a, b in box)]


def _materialized(t, name, chunks, dev, backend):
    """One meta tensor as a Dask array (its recipe checked now, replayed per block)."""
    from . import _recipe

    da, HighLevelGraph = _dask("materialize")
    shape, keys, steps = _recipe.plan(t, name)
    if keys:
        raise RuntimeError(f"tensorlite.dask.materialize(): {name} is a view of another meta "
                           f"tensor; materialize its base instead")
    chunks = _chunks(chunks, shape, t.dtype._np, "materialize", da)
    spec = (shape, t.dtype.name, steps, str(dev))
    if _recipe.blockwise(t.dtype, steps):
        return _array("materialize", _recipe_block_task, spec, chunks, t.dtype._np, backend,
                      (id(steps),))
    # a step that needs the whole tensor (orthogonal_'s QR, sparse_, dirac_, randperm,
    # complex draws): one task computes it, each block is a slice of that task's result
    from dask.base import tokenize

    whole = f"tensorlite-materialize-whole-{tokenize(spec, id(steps))}"
    name_ = f"tensorlite-materialize-{tokenize(spec, chunks, id(steps))}"
    graph = {whole: (_recipe_whole_task, spec)}
    for index, box in _boxes(chunks):
        graph[(name_,) + index] = (_slice_task, whole, box)
    meta = backend.xp.empty((0,) * len(chunks), dtype=t.dtype._np)
    return da.Array(HighLevelGraph.from_collections(name_, graph, dependencies=[]), name_,
                    chunks, meta=meta)


def materialize(module_or_tensor, chunks="auto", device=None):
    """A model (or tensor) built on ``meta`` as Dask arrays equal to eager construction.

    For a module, returns a dict keyed like its ``state_dict()`` (tied parameters
    share one array); for a meta tensor, one array. Each element equals what
    ``tl.nn.utils.materialize(..., device)`` gives it -- the values eager
    construction with the same seeds would have given -- for every chunking.
    Blocks compute only their own elements (fills, random draws and the
    uniform/normal-based initializers, ``trunc_normal_``, ``eye_``, scalar
    arithmetic and copies are all elementwise), so a model larger than memory can
    be written block by block. Tensors whose recipe needs the whole tensor --
    ``orthogonal_`` (a QR of the whole matrix), ``sparse_`` (per-column
    permutations), ``dirac_``, ``randperm`` and complex draws -- are computed
    whole, once, by one task, and their blocks are slices of it.

    Recipes are checked at call time: a tensor that cannot be reproduced raises
    ``RuntimeError`` naming it and the operation (``tl.nn.utils.materialize``'s
    error). Parameters and buffers that are not on meta are wrapped as they are.

    Args:
        module_or_tensor: a ``tl.nn.Module`` or a meta ``Tensor``
        chunks: Dask's forms (``"auto"``, an int, a tuple, explicit block sizes),
            applied to every tensor (a tuple longer than a tensor's dimensions
            gives it its trailing entries: ``(512, 512)`` chunks biases by 512),
            or a dict from ``state_dict`` keys to such chunks (missing keys:
            ``"auto"``)
        device: ``"cpu"`` (NumPy blocks, the default) or ``"cuda"`` (CuPy blocks)

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(0)
    >>> layer = tl.nn.Linear(6, 4, device="meta")
    >>> state = tl.dask.materialize(layer, chunks=2)
    >>> _ = tl.manual_seed(0)
    >>> bool((state["weight"].compute() == tl.nn.Linear(6, 4).weight.detach().numpy()).all())
    True
    """
    from .nn.modules.module import Module

    dev, backend = _device(device, "materialize")
    if isinstance(module_or_tensor, Tensor):
        if not module_or_tensor.is_meta:
            raise ValueError(f"tensorlite.dask.materialize(): expected a meta tensor, got one "
                             f"on {module_or_tensor.device}")
        return _materialized(module_or_tensor, "the tensor", chunks, dev, backend)
    if not isinstance(module_or_tensor, Module):
        raise TypeError(f"tensorlite.dask.materialize(): expected a tensorlite.nn.Module or "
                        f"Tensor, got {type(module_or_tensor).__name__}")
    da, _ = _dask("materialize")
    state = module_or_tensor.state_dict(keep_vars=True)
    arrays, done = {}, {}
    for name, t in state.items():  # every recipe is checked before the dict is returned
        if id(t) not in done:
            these = chunks.get(name, "auto") if isinstance(chunks, dict) else chunks
            if isinstance(these, tuple) and len(these) > t.ndim:  # (rows, cols) for biases too
                these = these[len(these) - t.ndim:]
            if t.is_meta:
                done[id(t)] = _materialized(t, repr(name), these, dev, backend)
            else:
                data = t.detach().to(dev)._data
                done[id(t)] = da.from_array(data, chunks=_chunks(these, data.shape, data.dtype,
                                                                 "materialize", da))
        arrays[name] = done[id(t)]
    return arrays
