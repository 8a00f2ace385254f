"""Module hooks: handles, and the backward hooks built on the autograd graph.

A module with full backward hooks routes its tensor inputs and its tensor outputs
through one identity node each (``BackwardHookFunctionBackward``, as PyTorch names
it). The output node's pre-hook sees the gradients with respect to the outputs
(``grad_output``); the input node's pre-hook sees those with respect to the inputs
(``grad_input``) and calls the module's hooks with both.
"""

from __future__ import annotations

import itertools

from ..._tensor import Tensor, _wrap
from ...autograd.graph import needs_grad, record

_ids = itertools.count()


class RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` unregisters the hook (also on
    leaving a ``with`` block)."""

    def __init__(self, hooks, extra=None):
        self.id = next(_ids)
        self._hooks, self._extra = hooks, extra

    def remove(self):
        self._hooks.pop(self.id, None)
        if self._extra is not None:
            self._extra.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _identity(tensors):
    """New tensors sharing the arrays of ``tensors``, all outputs of one identity node."""
    outs = [_wrap(t._data, t._device, t._dtype) for t in tensors]
    node = record("BackwardHookFunctionBackward", tensors, outs, lambda grads: tuple(grads))
    return outs, node


def _as_tensors(arrays, like):
    return tuple(None if g is None else _wrap(g, t._device, t._dtype)
                 for g, t in zip(arrays, like))


def _as_arrays(tensors):
    return [None if g is None else g._data for g in tensors]


class BackwardHooks:
    """One forward call's state for ``register_full_backward_hook`` /
    ``register_full_backward_pre_hook``."""

    def __init__(self, module):
        self.module = module
        self.inputs = ()
        self.input_grads_expected = False
        self.grad_output = None

    def wrap_inputs(self, args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.inputs = tuple(args[i] for i in positions)
        grads = [i for i in positions if needs_grad(args[i])]
        self.input_grads_expected = bool(grads)
        if not grads:
            return args
        wrapped, node = _identity([args[i] for i in grads])
        node.register_prehook(self._on_input_grads(positions, grads))
        args = list(args)
        for i, t in zip(grads, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        outs = (output,) if single else output
        if not isinstance(outs, tuple):
            return output
        positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and needs_grad(o)]
        if not positions:
            return output
        wrapped, node = _identity([outs[i] for i in positions])
        like = [outs[i] for i in positions]
        node.register_prehook(lambda grads: self._on_output_grads(grads, like))
        outs = list(outs)
        for i, t in zip(positions, wrapped):
            outs[i] = t
        return outs[0] if single else tuple(outs)

    def _on_output_grads(self, grads, like):
        grad_output = _as_tensors(grads, like)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grad_output)
            if result is not None:
                grad_output = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        self.grad_output = grad_output
        if not self.input_grads_expected:  # PyTorch calls the hooks now, with no input grads
            for hook in list(self.module._backward_hooks.values()):
                hook(self.module, (None,) * max(len(self.inputs), 1), grad_output)
        return _as_arrays(grad_output)

    def _on_input_grads(self, positions, grads):
        def run(arrays):
            by_position = dict(zip(grads, arrays))
            grad_input = tuple(
                None if by_position.get(i) is None else _wrap(by_position[i], t._device,
                                                              t._dtype)
                for i, t in zip(positions, self.inputs))
            for hook in list(self.module._backward_hooks.values()):
                result = hook(self.module, grad_input, self.grad_output)
                if result is not None:
                    if len(result) != len(grad_input):
                        raise RuntimeError(f"Backward hook returned an invalid number of "
                                           f"grad_input, got {len(result)}, but expected "
                                           f"{len(grad_input)}")
                    grad_input = tuple(result)
            chosen = dict(zip(positions, grad_input))
            return [None if chosen[i] is None else chosen[i]._data for i in grads]

        return run
