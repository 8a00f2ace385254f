"""The autograd graph and its engine.

Every operation on tensors that require grad (in grad mode) records one
:class:`Node`: the closure that maps the gradients of its outputs to the
gradients of its inputs, and an *edge* per input — ``(node, output_nr)`` of
the node that produced it, or the input's :class:`AccumulateGrad` when it is a
leaf. ``Tensor.backward`` and ``tl.autograd.grad`` hand the roots to
:func:`run_backward`, which walks the graph iteratively (a heap ordered by
creation, newest first, as PyTorch's engine), so chains of any length work
without recursion.

Rules the engine applies for every node, so no derivative rule repeats them:

* a rule may return a gradient of the *broadcast* shape; the engine sums it
  back to the input's shape (:func:`sum_to`) and casts it to the input's dtype;
* gradients that reach one tensor from several uses are added;
* a node checks the version counters of the tensors it saved and raises
  PyTorch's error when one was modified in place after it was saved;
* after a backward without ``retain_graph`` every node drops its closure, so
  saved arrays are freed, and running through it again raises PyTorch's error.

Rules compute on backend arrays (NumPy, CuPy or meta), on the device of the
forward pass; the engine never copies between devices.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import weakref

from . import grad_mode

_sequence = itertools.count()
# references to an array that only AccumulateGrad holds, as seen by getrefcount inside
# _owned: the caller's local variable, _owned's argument and getrefcount's own argument
_UNSHARED_REFS = 3

FREED = ("Trying to backward through the graph a second time (or directly access saved "
         "tensors after they have already been freed). Saved intermediate values of the graph "
         "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
         "you need to backward through the graph a second time or if you need to access saved "
         "tensors after calling backward.")


class Node:
    """One recorded operation: ``grad_fn`` of its outputs (named like PyTorch's,
    e.g. ``MulBackward0``)."""

    __slots__ = ("_name", "_backward", "_edges", "_inputs", "_saved", "_device", "_seq",
                 "_pre_hooks", "_hooks", "_out_meta", "metadata", "__weakref__")

    def __init__(self, name, backward, edges, inputs, saved, device, out_meta=None):
        self._name = name
        self._backward = backward  # grads of the outputs -> grads of the inputs (arrays)
        self._edges = edges        # per input: (node, output_nr) or None
        self._inputs = inputs      # per input: (shape, np dtype) or None
        self._saved = saved        # (version box, version, shape, dtype) per saved tensor
        self._device = device
        self._seq = next(_sequence)
        self._pre_hooks = None     # output_nr -> [fn(grad Tensor) -> Tensor | None]
        self._hooks = None         # [fn(grad_inputs, grad_outputs)]
        self._out_meta = out_meta  # (shape, np dtype) per output, for nodes with several
        self.metadata = {}

    def name(self):
        return self._name

    @property
    def next_functions(self):
        return tuple((None, 0) if e is None else e for e in self._edges)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node; a non-None return
        replaces ``grad_inputs``."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node; a non-None return replaces them."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _Handle(hooks, fn)

    def __repr__(self):
        return f"<{self._name} object at {id(self):#x}>"

    def _check_saved(self):
        for box, version, shape, dtype in self._saved:
            if box[0] != version:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: [tensorlite.{dtype.name} {list(shape)}], which "
                    f"is output 0 of "
                    f"{self._name}, is at version {box[0]}; expected version {version} "
                    f"instead. Hint: the backtrace further above can show the operation that "
                    f"failed to compute its gradient. The variable in question was changed in "
                    f"there or anywhere later. Good luck!")

    def _apply(self, grads, retain_graph):
        if self._backward is None:
            raise RuntimeError(FREED)
        if self._saved:
            self._check_saved()
        result = self._backward(grads)
        if not retain_graph:
            self._backward = None
            self._saved = ()
        return result if isinstance(result, (tuple, list)) else (result,)


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient to ``tensor.grad``."""

    __slots__ = ("variable",)

    def __init__(self, tensor):
        super().__init__("AccumulateGrad", None, (), (), (), tensor._device)
        self.variable = tensor

    def _apply(self, grads, retain_graph):
        grad = grads[0]
        tensor = self.variable
        for hook in tensor._hooks or ():
            grad = _run_tensor_hook(hook, grad, tensor._device, tensor._dtype)
        if tensor._grad is None:
            grads[0] = None  # so the reference count tells whether anything else holds it
            tensor._grad = _as_grad_tensor(_owned(grad), tensor._device)
        else:
            tensor._grad._data = tensor._grad._data + grad
        return ()


class _Handle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _owned(array):
    """A gradient array ``.grad`` may keep. Rules may return arrays that something else
    also holds (``add`` sends the same ``g`` to both operands; ``expand`` returns a
    view), and a later in-place change of one ``.grad`` must not change another: as
    PyTorch does, the array is taken as it is only when nothing else refers to it (the
    only references are this call's) and it owns its memory, and is copied otherwise.
    Taking it saves a full copy of every parameter's gradient per step."""
    flags = getattr(array, "flags", None)
    if flags is not None and flags.owndata and flags.c_contiguous and \
            sys.getrefcount(array) <= _UNSHARED_REFS:
        return array
    return array.copy()


def _as_grad_tensor(array, device):
    from .._tensor import _wrap

    return _wrap(array, device)


def _run_tensor_hook(hook, grad, device, dtype):
    from .._tensor import _wrap

    result = hook(_wrap(grad, device, dtype))
    return grad if result is None else result._data


# ---- recording ---------------------------------------------------------------------------
def needs_grad(*operands):
    """Whether an operation on ``operands`` must be recorded."""
    if not grad_mode._mode.enabled:
        return False
    for x in operands:
        if getattr(x, "requires_grad", False):
            return True
    return False


def accumulator(tensor):
    """The leaf's :class:`AccumulateGrad` (one per tensor while the graph holds it)."""
    ref = tensor._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(node)
    return node


def edge(tensor):
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (accumulator(tensor), 0)


def record(name, inputs, outputs, backward, saved=()):
    """Attach a new :class:`Node` to ``outputs`` (a tensor or a sequence of them).

    ``inputs`` lists the operation's operands in the order ``backward`` returns
    their gradients; operands that are not tensors requiring grad get no edge
    (their gradient is ignored, and may be ``None``). ``saved`` are the tensors
    whose arrays ``backward`` uses; modifying one in place before backward is an
    error. Returns the node.
    """
    edges, metas = [], []
    for x in inputs:
        if getattr(x, "requires_grad", False):
            edges.append(edge(x))
            metas.append((x._data.shape, x._data.dtype))
        else:
            edges.append(None)
            metas.append(None)
    single = not isinstance(outputs, (tuple, list))
    outs = (outputs,) if single else outputs
    versions = ()
    if saved:
        versions = []
        for t in saved:
            box = t._version_counter()
            versions.append((box, box[0], t._data.shape, t._dtype))
    # one output is the common case: no generator to find the device (profiled)
    device = outputs._device if single else next(o._device for o in outs if o is not None)
    node = Node(name, backward, tuple(edges), tuple(metas), versions, device,
                None if single else tuple(None if o is None else (o._data.shape, o._data.dtype)
                                          for o in outs))
    for nr, out in enumerate(outs):
        if out is not None and (out._dtype.is_floating_point or out._dtype.is_complex):
            out.requires_grad = True
            out._grad_fn = node
            out._output_nr = nr
    return node


def named(result, name):
    """``result`` with its freshly recorded node renamed ``name``: PyTorch's name for an
    operation that tensorlite computes with an op of another name (``masked_fill`` by
    ``where``, ``F.leaky_relu(x, inplace=True)``'s ``LeakyReluBackward1``)."""
    if result._grad_fn is not None:
        result._grad_fn._name = name
    return result


def sum_to(grad, shape):
    """Sum ``grad`` over the dimensions that broadcasting added or expanded, so it
    has ``shape`` (the one helper that undoes broadcasting for every rule)."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and grad.shape[i + lead] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _fit(grad, meta):
    shape, dtype = meta
    if not hasattr(grad, "shape"):  # a Python or NumPy scalar from a rule
        raise TypeError(f"a derivative rule returned {type(grad).__name__}, not an array")
    if grad.shape != shape:
        grad = sum_to(grad, shape)
    if grad.dtype != dtype:
        from .._backends import _common

        if grad.dtype.kind == "c" and dtype.kind != "c":
            grad = grad.real  # a real input of a complex result: PyTorch keeps the real part
        grad = _common.astype(grad, dtype)
    return grad


# ---- the engine --------------------------------------------------------------------------
def run_backward(roots, retain_graph, capture=None, allow_unused=False):
    """Propagate gradients from ``roots``, a list of ``(edge, grad array)``.

    Without ``capture``, leaves' gradients accumulate into ``.grad``. With
    ``capture`` (a list of edges), nothing accumulates; the gradient arriving at
    each captured edge is returned (``None`` where none arrives), and only the
    nodes on a path to a captured edge run.
    """
    buffers = {}
    dependencies = {}
    parents = {} if capture is not None else None
    stack = []
    for (node, nr), grad in roots:
        _add(buffers, node, nr, grad)
        if node not in dependencies:
            dependencies[node] = 0
            stack.append(node)
    while stack:  # count each node's incoming edges (iteratively: graphs may be deep)
        node = stack.pop()
        for e in node._edges:
            if e is None:
                continue
            child = e[0]
            if parents is not None:
                parents.setdefault(child, []).append(node)
            if child in dependencies:
                dependencies[child] += 1
            else:
                dependencies[child] = 1
                stack.append(child)

    targets = None
    if capture is not None:
        targets = {}
        for i, (node, nr) in enumerate(capture):
            targets.setdefault(node, []).append((i, nr))
        needed = set()
        frontier = [n for n in targets if n in dependencies]
        while frontier:
            node = frontier.pop()
            if node not in needed:
                needed.add(node)
                frontier.extend(parents.get(node, ()))
        captured = [None] * len(capture)

    ready = [(-node._seq, node) for node in {n for (n, _), _ in roots} if not dependencies[node]]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)[1]
        grads = buffers.pop(node, None)
        if grads is None:
            grads = [None] * _num_outputs(node)
        if node._pre_hooks:
            grads = _run_pre_hooks(node, grads)
        if targets is not None:
            for i, nr in targets.get(node, ()):
                captured[i] = grads[nr]
            if node not in needed or isinstance(node, AccumulateGrad):
                continue
            if node in targets and not any(n in needed for n in _children(node)):
                continue
        if grads[0] is None and all(g is None for g in grads):  # cheap test first (hot loop)
            # no gradient reached this node (e.g. a custom backward returned None for the
            # input it made): its inputs get none either, as in PyTorch
            results = (None,) * len(node._edges)
        else:
            if node._out_meta is not None:  # several outputs: absent gradients are zeros
                grads = [g if g is not None or node._out_meta[i] is None else _zeros(node, i)
                         for i, g in enumerate(grads)]
            results = node._apply(grads, retain_graph)
        if node._hooks:
            for hook in node._hooks:
                replaced = hook(results, grads)
                if replaced is not None:
                    results = replaced
        for e, meta, g in zip(node._edges, node._inputs, results):
            if e is None:
                continue
            child = e[0]
            if g is not None:
                _add(buffers, child, e[1], _fit(g, meta))
            dependencies[child] -= 1
            if not dependencies[child]:
                heapq.heappush(ready, (-child._seq, child))
        # drop this iteration's references, so a leaf's gradient that nothing else holds
        # can be stored without a copy (see _owned)
        results = grads = g = None
    if capture is not None:
        for i, g in enumerate(captured):
            if g is None and not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not "
                                   f"have been used in the graph. Set allow_unused=True if "
                                   f"this is the desired behavior.")
        return captured
    return None


def _children(node):
    return [e[0] for e in node._edges if e is not None]


def _num_outputs(node):
    return 1 if node._out_meta is None else len(node._out_meta)


def _zeros(node, nr):
    from .. import _backends

    shape, dtype = node._out_meta[nr]
    backend = _backends.get(node._device)
    with backend.context(node._device):
        return backend.xp.zeros(shape, dtype)


def _add(buffers, node, nr, grad):
    grads = buffers.get(node)
    if grads is None:
        grads = buffers[node] = [None] * _num_outputs(node)
    grads[nr] = grad if grads[nr] is None else grads[nr] + grad


def _run_pre_hooks(node, grads):
    grads = list(grads)
    for nr, hooks in node._pre_hooks.items():
        if nr is None:  # Node.register_prehook: sees every output gradient
            for hook in hooks:
                replaced = hook(tuple(grads))
                if replaced is not None:
                    grads = list(replaced)
            continue
        if grads[nr] is None:
            continue
        meta = node._out_meta[nr] if node._out_meta else None
        dtype = _dtype_of(grads[nr]) if meta is None else _dtype_of_np(meta[1])
        for hook in hooks:
            grads[nr] = _run_tensor_hook(hook, grads[nr], node._device, dtype)
    return grads


def _dtype_of(array):
    return _dtype_of_np(array.dtype)


def _dtype_of_np(np_dtype):
    from .. import _dtype

    return _dtype.from_numpy_dtype(np_dtype)
