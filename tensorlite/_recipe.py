"""Recipes: what a ``meta`` tensor's values would have been (DESIGN §12).

A meta tensor has no values, but when it was made by a creation call (``zeros``,
``ones``, ``full``, ``empty``) or a random call, the values are known exactly:
the fill value, or the distribution, its parameters and the generator's
``(seed, offset)``. This module keeps that knowledge, the **recipe**, on the
meta storage (the array every alias of the tensor shares: ``Parameter``,
``.data``, ``detach()``), together with the later in-place writes that can be
replayed:

===================================================  ===============================
write on the meta tensor or a basic-indexing view     replayed as
===================================================  ===============================
``zero_()``, ``fill_(x)``, ``t[key] = x`` (scalar)   the same fill
``uniform_``, ``normal_``, ... and ``nn.init``'s     the same draw, from a generator
uniform/normal-based initializers                    at the recorded ``(seed, offset)``
``mul_`` / ``div_`` / ``add_`` / ``sub_`` (and       the same method, same scalar
``*=`` ...) by a Python scalar
``copy_(cpu_tensor)``                                a copy of the source, taken at the
                                                     time of the call
``nn.init.trunc_normal_``, ``orthogonal_``,          the same call, from a generator at
``sparse_``, ``eye_``, ``dirac_``                    the recorded ``(seed, offset)``
===================================================  ===============================

A view is "basic" when it was made by ints and slices (``w[0]``, ``w[:, 2:]``);
any other write (another in-place op, a write through a transposed view, an
advanced index, a copy from a meta tensor) marks the recipe **unknown**, and
:func:`build` then raises, naming the operation. Tensors computed by other
operations (``x * 2``, ``x.clone()``) have no recipe at all.

The hooks are few: the creation functions' constant fill, the random entry
point (``tensorlite.random.sampling._draw``), the in-place machinery
(``tensorlite._ops.inplace.write`` / ``assign_result``), view creation
(``tensorlite._ops.shape.make_view``) and :func:`whole_call` for the composite
initializers. Replaying steps in order on a fresh tensor of the target device
(:func:`build`), or on one block of it (:func:`build_block`, Dask), reproduces
the eager values: the same words of the same stream, the same arithmetic.

>>> import tensorlite as tl
>>> _ = tl.manual_seed(0)
>>> w = tl.empty(2, 3, device="meta").uniform_(-1, 1)
>>> describe(w)
['uniform_ on [...] (seed 0, offset 0)']
>>> _ = tl.manual_seed(0)
>>> bool((build(w, "cpu") == tl.empty(2, 3).uniform_(-1, 1)).all())
True
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import numbers
from typing import Any

import numpy as np

_SCALAR_METHODS = {"mul_": "mul_", "div_": "div_", "add_": "add_", "sub_": "sub_",
                   "__imul__": "mul_", "__itruediv__": "div_", "__iadd__": "add_",
                   "__isub__": "sub_"}
_PYTHON_SCALARS = (bool, int, float)


class Recipe:
    """The steps that rebuild one meta storage, and the first operation that could not
    be recorded (``unknown``, ``None`` while everything is replayable)."""

    __slots__ = ("steps", "unknown")

    def __init__(self):
        self.steps = []     # (keys, step): keys are the basic-index keys from the storage
        self.unknown = None


# ---- steps ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Fill:
    """``fill_(value)`` (and ``zeros``/``ones``/``full``, scalar ``__setitem__``)."""
    op: str
    value: Any
    blockwise = True

    def apply(self, view, generator_at):
        view.fill_(self.value)

    def block(self, region, shape, box, np_dtype, backend, device):
        backend.assign(region, Ellipsis, self.value)


@dataclasses.dataclass(frozen=True)
class Random:
    """A random fill: ``kind`` and ``params`` as ``random.sampling`` draws them."""
    op: str
    kind: str
    seed: int
    offset: int
    params: tuple

    @property
    def blockwise(self):
        return self.kind not in ("randperm",)

    def apply(self, view, generator_at):
        from .random import sampling

        sampling._fill_inplace(view, self.kind, generator_at(self.seed, self.offset), self.op,
                               **dict(self.params))

    def block(self, region, shape, box, np_dtype, backend, device):
        values = backend.random_block(self.kind, shape, box, np_dtype, self.seed, self.offset,
                                      device=device, **dict(self.params))
        backend.assign(region, Ellipsis, values)


@dataclasses.dataclass(frozen=True)
class Scalar:
    """An in-place arithmetic method by Python scalars (``w.mul_(0.5)``, ``w += 1``)."""
    op: str
    method: str
    args: tuple
    kwargs: tuple
    blockwise = True

    def apply(self, view, generator_at):
        getattr(view, self.method)(*self.args, **dict(self.kwargs))

    def block(self, region, shape, box, np_dtype, backend, device):
        from ._dtype import from_numpy_dtype
        from ._tensor import _wrap

        # the same tensorlite method on the block's elements: elementwise, so exact
        self.apply(_wrap(region, device, from_numpy_dtype(region.dtype)), None)


@dataclasses.dataclass(frozen=True, eq=False)
class Copy:
    """``copy_`` from a CPU tensor: ``source`` is a NumPy copy of it taken at the call,
    ``shape`` the shape of the view it was broadcast into."""
    op: str
    source: np.ndarray
    shape: tuple
    blockwise = True

    def apply(self, view, generator_at):
        from ._creation import from_numpy

        view.copy_(from_numpy(self.source))

    def block(self, region, shape, box, np_dtype, backend, device):
        # the view without the axes None inserted has the same elements in the same order
        whole = np.broadcast_to(self.source, self.shape).reshape(shape)
        part = whole[tuple(slice(a, b) for a, b in box)]
        backend.assign(region, Ellipsis, backend.asarray(part, np_dtype, device, True))


@dataclasses.dataclass(frozen=True)
class Call:
    """A composite initializer (``nn.init.orthogonal_`` ...) called again with a
    generator at the recorded state (``seed is None``: it draws nothing)."""
    op: str
    fn: Any
    kwargs: tuple
    seed: Any = None
    offset: int = 0

    @property
    def blockwise(self):
        return getattr(self.fn, "block_values", None) is not None

    def apply(self, view, generator_at):
        kwargs = dict(self.kwargs)
        if self.seed is not None:
            kwargs["generator"] = generator_at(self.seed, self.offset)
        self.fn(view, **kwargs)

    def block(self, region, shape, box, np_dtype, backend, device):
        values = self.fn.block_values(shape, box, np_dtype, backend, device, self.seed,
                                      self.offset, **dict(self.kwargs))
        backend.assign(region, Ellipsis, values)


# ---- where a meta array's recipe lives -------------------------------------------------------
def _locate(array):
    """``(storage, keys)``: the storage array holding ``array``'s recipe and the basic
    keys that select ``array`` from it (``None``: a view that is not basic); ``(None,
    None)`` when ``array`` belongs to no recipe."""
    if getattr(array, "_recipe", None) is not None:
        return array, ()
    root = getattr(array, "_recipe_root", None)
    if root is None:
        return None, None
    return root, array._recipe_keys


def storage(tensor):
    """The meta array that holds ``tensor``'s recipe (``None``: it has none)."""
    return _locate(tensor._data)[0]


def start(array, step=None, op=None):
    """Make ``array`` (a new meta array) a storage with a recipe, optionally with a
    first step."""
    array._recipe = Recipe()
    if step is not None:
        array._recipe.steps.append(((), step))
    elif op is not None:
        array._recipe.unknown = op


def record(array, step, key=Ellipsis, op=None):
    """``step`` was written into ``array[key]`` (``step=None``: an operation ``op`` that
    cannot be replayed)."""
    root, keys = _locate(array)
    if root is None:
        return
    recipe = root._recipe
    if step is None or keys is None or not _is_basic(key):
        recipe.unknown = recipe.unknown or (op or step.op)
        return
    keys = keys if key is Ellipsis else keys + (key,)
    if keys == () and not isinstance(step, Scalar):
        recipe.steps.clear()  # every element is overwritten: earlier steps need no replay
    recipe.steps.append((keys, step))


def link_view(parent, child, key=None):
    """``child`` views ``parent`` (``key``: the basic index that made it, else ``None``)."""
    if child is parent:
        return
    root, keys = _locate(parent)
    if root is None:
        return
    child._recipe_root = root
    child._recipe_keys = None if keys is None or key is None or not _is_basic(key) \
        else keys + (key,)


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, slice) or
               (isinstance(k, (numbers.Integral, np.integer)) and not isinstance(k, bool))
               for k in parts)


# ---- the hooks' step builders -----------------------------------------------------------------
def drawn(array, op, kind, seed, offset, params, fresh):
    """The random entry point drew ``kind`` into ``array`` (``fresh``: a new tensor)."""
    replayable = all(isinstance(v, _PYTHON_SCALARS) for v in params.values())
    step = Random(op, kind, seed, offset, tuple(sorted(params.items()))) if replayable \
        else None
    if fresh:
        start(array, step, op)
    else:
        record(array, step, op=op)


def written(tensor, key, op, value=None, source=None, args=None):
    """An in-place write of ``op`` into ``tensor[key]``: ``value`` is what was written
    (a scalar makes a fill), ``source`` the tensor ``copy_`` read, ``args`` the
    ``(args, kwargs)`` of an arithmetic method."""
    step = None
    if _same_view(value, tensor._data, key):
        return  # ``w[k] += 1`` writes the view back into itself: nothing more to replay
    if op in _SCALAR_METHODS and args is not None:
        pos, kw = args
        if all(isinstance(v, _PYTHON_SCALARS) for v in (*pos, *kw.values())):
            step = Scalar(op, _SCALAR_METHODS[op], tuple(pos), tuple(sorted(kw.items())))
    elif source is not None:
        if source._backend.has_data and source.device.type == "cpu":
            step = Copy(op, source._backend.to_numpy(source._data).copy(), tuple(tensor.shape))
    elif isinstance(value, (np.generic, *_PYTHON_SCALARS)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and type(value) is np.ndarray):
        step = Fill(op, value[()] if isinstance(value, np.ndarray) else value)
    record(tensor._data, step, key, op)


def _same_view(value, array, key):
    """Whether ``value`` is the view ``array[key]`` of the same recipe."""
    if not isinstance(value, np.ndarray) or _locate(value)[0] is None:
        return False
    root, keys = _locate(array)
    if keys is None or not _is_basic(key):
        return False
    target = keys if key is Ellipsis else keys + (key,)
    return _locate(value) == (root, target)


def whole_call(fn):
    """Decorate a composite ``nn.init`` function: on ``meta`` it runs as usual (checks,
    and the same draws as on a real device, so the generator advances exactly), and its
    effect is recorded as one step: the call itself, replayed with a generator at the
    state it started from."""
    signature = inspect.signature(fn)
    takes_generator = "generator" in signature.parameters

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ._tensor import Tensor

        tensor = args[0] if args else kwargs.get("tensor")
        if not isinstance(tensor, Tensor) or tensor._backend.has_data:
            return fn(*args, **kwargs)
        root, keys = _locate(tensor._data)
        recipe = None if root is None else root._recipe
        saved = None if recipe is None else (list(recipe.steps), recipe.unknown)
        bound = signature.bind(*args, **kwargs)
        state = _generator_state(bound.arguments.get("generator"), tensor) if takes_generator \
            else (None, 0)
        result = fn(*args, **kwargs)
        if recipe is not None:
            recipe.steps[:], recipe.unknown = saved  # what the call did becomes one step
            rest = {k: v for k, v in bound.arguments.items() if k not in ("tensor", "generator")}
            record(tensor._data, Call(fn.__name__, wrapper, tuple(rest.items()), *state))
        return result

    wrapper.block_values = None
    return wrapper


def _generator_state(generator, tensor):
    from .random.generator import Generator, default_for

    gen = default_for(tensor.device) if generator is None else generator
    if not isinstance(gen, Generator):
        return None, 0  # the call itself raises the TypeError
    return gen._seed, gen._offset


# ---- replay ----------------------------------------------------------------------------------
def _generator_at(seed, offset):
    from .random.generator import Generator

    return Generator().manual_seed(seed).set_offset(offset)


def recipe_of(tensor, name="tensor"):
    """``tensor``'s storage, its keys and its recipe, or the ``RuntimeError`` that says
    why it cannot be materialized (``name`` says which tensor, e.g. a state_dict key)."""
    root, keys = _locate(tensor._data)
    if root is None:
        raise RuntimeError(f"materialize(): {name} has no recipe: it was computed by an "
                           f"operation on meta tensors, not created by a creation or random "
                           f"function (zeros, ones, full, empty, rand, randn, nn.init ...), so "
                           f"its values cannot be reproduced")
    recipe = root._recipe
    if recipe.unknown is not None:
        raise RuntimeError(f"materialize(): cannot replay the initialization of {name}: it was "
                           f"modified on meta by {recipe.unknown!r}, which is not a replayable "
                           f"operation (replayable: fills, random fills and nn.init, mul_/div_/"
                           f"add_/sub_ by a Python scalar, copy_ from a CPU tensor, on the "
                           f"whole tensor or a view made by ints and slices)")
    if keys is None:
        raise RuntimeError(f"materialize(): {name} is a view of a meta tensor that is not "
                           f"made by ints and slices; materialize its base instead")
    return root, keys, recipe


def plan(tensor, name="tensor"):
    """``(storage shape, keys, steps)`` for materializing ``tensor``: the steps are a
    snapshot (later writes to the meta tensor do not change them), checked to be
    replayable -- else the ``RuntimeError`` of :func:`recipe_of`."""
    root, keys, recipe = recipe_of(tensor, name)
    return tuple(root.shape), keys, tuple(recipe.steps)


def build(tensor, device, name="tensor"):
    """A new tensor on ``device`` with the values eager construction would have given
    ``tensor`` (a meta tensor with a recipe), computed whole."""
    shape, keys, steps = plan(tensor, name)
    out = replay(shape, tensor.dtype, steps, device)
    for k in keys:
        out = out[k]
    return out


def replay(shape, dtype, steps, device):
    """Run ``steps`` in order on a new tensor of ``shape`` and ``dtype`` on ``device``."""
    from ._creation import empty, full
    from .autograd.grad_mode import no_grad

    with no_grad():
        if steps and steps[0][0] == () and isinstance(steps[0][1], Fill):
            out = full(shape, steps[0][1].value, dtype=dtype, device=device)  # calloc for 0
            steps = steps[1:]
        else:
            out = empty(shape, dtype=dtype, device=device)
        for step_keys, step in steps:
            view = out
            for k in step_keys:
                view = view[k]
            step.apply(view, _generator_at)
    return out


def blockwise(dtype, steps):
    """Whether :func:`replay_block` can compute blocks of these steps' result one by one
    (fills, elementwise random draws, scalar arithmetic, copies, ``trunc_normal_``,
    ``eye_``); otherwise the whole tensor must be computed at once."""
    return not dtype.is_complex and all(step.blockwise for _, step in steps)


def replay_block(shape, dtype, steps, box, device):
    """The block ``box`` (a ``(start, stop)`` per dimension) of ``replay(shape, dtype,
    steps, device)``'s array, computed from the block's own elements only (every step
    :func:`blockwise`)."""
    from . import _backends, _device

    dev = _device.to_device(device, "materialize")
    backend = _backends.get(dev)
    dev = backend.check(dev)
    np_dtype = dtype._np
    with backend.context(dev):
        out = backend.empty(tuple(b - a for a, b in box), np_dtype, dev)
        for step_keys, step in steps:
            selected = _select(shape, step_keys, box)
            if selected is not None:
                local, view_shape, view_box = selected
                step.block(out[local + (Ellipsis,)], view_shape, view_box, np_dtype, backend,
                           dev)
    return out


def _view_dims(shape, keys):
    """What a chain of basic ``keys`` selects from an array of ``shape``: the view's
    axes, each ``("root", dim, start, step, length)`` or ``("new", length)`` (an axis
    ``None`` inserted), and ``{dim: index}`` for the dimensions an int fixed."""
    dims = [("root", d, 0, 1, s) for d, s in enumerate(shape)]
    fixed = {}
    for key in keys:
        parts = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in parts):
            i = next(j for j, k in enumerate(parts) if k is Ellipsis)
            used = sum(1 for k in parts if k is not None and k is not Ellipsis)
            parts = parts[:i] + (slice(None),) * (len(dims) - used) + parts[i + 1:]
        new, pos = [], 0
        for k in parts:
            if k is None:
                new.append(("new", 1))
                continue
            dim = dims[pos]
            pos += 1
            length = dim[-1]
            if isinstance(k, slice):
                r = range(length)[k]
                new.append(("new", len(r)) if dim[0] == "new" else
                           ("root", dim[1], dim[2] + dim[3] * r.start, dim[3] * r.step, len(r)))
            elif dim[0] == "root":
                fixed[dim[1]] = dim[2] + dim[3] * (int(k) % length)
        dims = new + dims[pos:]
    return dims, fixed


def _select(shape, keys, box):
    """Where the view ``keys`` meets the block ``box`` of an array of ``shape``:
    ``(local, view_shape, view_box)`` -- the basic index of the meeting in the block,
    the view's shape without ``None`` axes, and the meeting's box in that view -- or
    ``None`` when they do not meet."""
    dims, fixed = _view_dims(shape, keys)
    local = [None] * len(shape)
    for d, i in fixed.items():
        b0, b1 = box[d]
        if not b0 <= i < b1:
            return None
        local[d] = i - b0
    view_shape, view_box = [], []
    for dim in dims:
        if dim[0] == "new":
            if dim[1] == 0:
                return None
            continue
        _, d, start, step, length = dim
        b0, b1 = box[d]
        if step > 0:  # view index v lands in the block when b0 <= start + step * v < b1
            v0, v1 = -((start - b0) // step), -((start - b1) // step)
        else:
            v0, v1 = (start - b1) // -step + 1, (start - b0) // -step + 1
        v0, v1 = max(v0, 0), min(v1, length)
        if v0 >= v1:
            return None
        first, last = start + step * v0 - b0, start + step * (v1 - 1) - b0
        stop = last + 1 if step > 0 else (last - 1 if last > 0 else None)
        local[d] = slice(first, stop, step)
        view_shape.append(length)
        view_box.append((v0, v1))
    return tuple(local), tuple(view_shape), tuple(view_box)


def describe(tensor):
    """The recorded steps in words (for reprs, errors and tests)."""
    root, keys = _locate(tensor._data)
    if root is None:
        return None
    out = []
    for step_keys, step in root._recipe.steps:
        where = "[...]" if not step_keys else "".join(f"[{_key_text(k)}]" for k in step_keys)
        text = f"{step.op} on {where}"
        seed = getattr(step, "seed", None)
        if seed is not None:
            text += f" (seed {seed}, offset {step.offset})"
        out.append(text)
    if root._recipe.unknown is not None:
        out.append(f"{root._recipe.unknown} (not replayable)")
    return out


def _key_text(key):
    parts = key if isinstance(key, tuple) else (key,)

    def one(k):
        if isinstance(k, slice):
            return ":".join("" if v is None else str(v) for v in (k.start, k.stop)) + \
                ("" if k.step is None else f":{k.step}")
        return "None" if k is None else "..." if k is Ellipsis else str(k)

    return ", ".join(one(k) for k in parts)
