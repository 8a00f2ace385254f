"""The public entry points of reverse mode: ``backward``, ``grad`` and ``Function``.

>>> import tensorlite as tl
>>> x = tl.tensor([3.0], requires_grad=True)
>>> tl.autograd.grad((x * x).sum(), x)
(tensor([6.]),)
"""

from __future__ import annotations

from . import grad_mode, graph


def _tensor_module():
    from .. import _tensor

    return _tensor


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _roots(outputs, grad_outputs, fn):
    Tensor = _tensor_module().Tensor
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"{fn}: got {len(grads)} gradients for {len(outputs)} outputs")
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not isinstance(out, Tensor):
            raise TypeError(f"{fn}: outputs must be Tensors, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               f"have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            backend = out._backend
            with backend.context(out._device):
                array = backend.xp.ones(out._data.shape, out._data.dtype)
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got "
                                f"{type(g).__name__}")
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {out.shape}.")
            if g.device != out.device:
                raise RuntimeError(f"invalid gradient at index {i} - expected device "
                                   f"{out.device} but got {g.device}")
            # any other dtype is cast to the output's, integers included (as PyTorch)
            array = g._data if g.dtype is out.dtype else out._backend.astype(g._data,
                                                                              out._data.dtype)
        roots.append((graph.edge(out), array))
    return roots


def _no_double_backward(create_graph):
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not supported "
                                  "by tensorlite yet: derivative rules compute on arrays, "
                                  "outside the graph")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves
    (of ``inputs`` only, when given)."""
    _no_double_backward(create_graph)
    outputs = _as_tuple(tensors)
    roots = _roots(outputs, grad_tensors, "backward")
    retain = bool(retain_graph)
    if inputs is None:
        graph.run_backward(roots, retain)
        return
    inputs = _as_tuple(inputs)
    grads = graph.run_backward(roots, retain, [graph.edge(t) for t in inputs],
                               allow_unused=True)
    for tensor, g in zip(inputs, grads):
        if g is not None:
            graph.accumulator(tensor)._apply([g], retain) if tensor._grad_fn is None else \
                _accumulate_non_leaf(tensor, g)


def _accumulate_non_leaf(tensor, g):
    from .._tensor import _wrap

    tensor._grad = _wrap(g.copy(), tensor._device) if tensor._grad is None else \
        tensor._grad + _wrap(g, tensor._device)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs`` (a tuple, one per input),
    without touching any ``.grad``."""
    _no_double_backward(create_graph)
    Tensor = _tensor_module().Tensor
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got "
                               f"{type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots = _roots(outputs, grad_outputs, "grad")
    allow = bool(allow_unused) or materialize_grads
    arrays = graph.run_backward(roots, bool(retain_graph), [graph.edge(t) for t in inputs],
                                allow_unused=allow)
    from .._tensor import _wrap

    result = []
    for t, g in zip(inputs, arrays):
        if g is None:
            result.append(t.detach() * 0 if materialize_grads else None)
        else:
            result.append(_wrap(g, t._device, t._dtype))
    return tuple(result)


# ---- custom functions ----------------------------------------------------------------------
class FunctionCtx:
    """The ``ctx`` of a custom :class:`Function`: what forward leaves for backward."""

    def __init__(self):
        self._saved = None
        self._versions = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()
        self._dirty = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = tuple(None if t is None else (t._version_counter(),
                                                       t._version_counter()[0])
                               for t in tensors)

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(graph.FREED)
        for t, v in zip(self._saved, self._versions):
            if v is not None and v[0][0] != v[1]:
                raise RuntimeError(f"one of the variables needed for gradient computation has "
                                   f"been modified by an inplace operation: is at version "
                                   f"{v[0][0]}; expected version {v[1]} instead.")
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors):
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class _FunctionMeta(type):
    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_name = f"{name}Backward"


class Function(metaclass=_FunctionMeta):
    """A user-defined differentiable operation: subclass it with static methods
    ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``, call ``.apply``.

    >>> import tensorlite as tl
    >>> class Square(tl.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = tl.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward()
    >>> x.grad
    tensor([6.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _tensor_module().Tensor
        _wrap = _tensor_module()._wrap
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with grad_mode.no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        if not graph.needs_grad(*args):
            return result
        # outputs that alias an input get a new tensor object for their own history
        inputs_ids = {id(a) for a in args if isinstance(a, Tensor)}
        fresh = []
        for out in outputs:
            if isinstance(out, Tensor) and id(out) in inputs_ids and id(out) not in ctx._dirty:
                out = _wrap(out._data, out._device, out._dtype)
            fresh.append(out)
        differentiable = [o if isinstance(o, Tensor) and id(o) not in ctx._non_differentiable
                          else None for o in fresh]
        metas = [None if o is None else (o._data.shape, o._data.dtype, o._device, o._dtype)
                 for o in differentiable]
        n_inputs = len(args)

        def backward(grads):
            grad_tensors = []
            for g, meta in zip(grads, metas):
                if meta is None:
                    grad_tensors.append(None)
                    continue
                if g is None and ctx.materialize_grads:
                    backend = _tensor_module()._backends.get(meta[2])
                    g = backend.xp.zeros(meta[0], meta[1])
                grad_tensors.append(None if g is None else _wrap(g, meta[2], meta[3]))
            with grad_mode.no_grad():
                result = cls.backward(ctx, *grad_tensors)
            result = result if isinstance(result, tuple) else (result,)
            if len(result) < n_inputs:
                raise RuntimeError(f"function {cls._backward_name} returned an incorrect "
                                   f"number of gradients (expected {n_inputs}, got "
                                   f"{len(result)})")
            arrays = []
            for arg, g in zip(args, result):
                if g is None or not (isinstance(arg, Tensor) and arg.requires_grad):
                    arrays.append(None)
                    continue
                if not isinstance(g, Tensor):
                    raise TypeError(f"function {cls._backward_name} returned a gradient of type "
                                    f"{type(g).__name__}, expected a Tensor")
                if g.shape != arg.shape:
                    try:
                        import numpy as np

                        np.broadcast_shapes(tuple(arg.shape), tuple(g.shape))
                    except ValueError:
                        raise RuntimeError(f"Function {cls._backward_name} returned an invalid "
                                           f"gradient at index {len(arrays)} - got "
                                           f"{list(g.shape)} but expected shape compatible "
                                           f"with {list(arg.shape)}") from None
                arrays.append(g._data)
            return arrays

        graph.record(cls._backward_name, args,
                     differentiable[0] if single else differentiable, backward)
        return fresh[0] if single else tuple(fresh)
