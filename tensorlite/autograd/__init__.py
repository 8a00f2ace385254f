"""Reverse-mode automatic differentiation, with PyTorch's API.

* grad mode: :class:`no_grad`, :class:`enable_grad`, :class:`set_grad_enabled`,
  :class:`inference_mode` (:mod:`.grad_mode`);
* the graph and its iterative engine (:mod:`.graph`);
* :func:`backward`, :func:`grad` and custom :class:`Function` s (:mod:`.function`);
* :func:`gradcheck` against central differences (:mod:`.gradcheck`).

The derivative of each operation lives beside its forward, in ``tensorlite._ops``
and ``tensorlite.nn.functional``.

>>> import tensorlite as tl
>>> w = tl.tensor([2.0], requires_grad=True)
>>> loss = (w * 3).sum()
>>> loss.grad_fn.name()
'SumBackward0'
>>> loss.backward()
>>> w.grad
tensor([3.])
"""

from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node
from .function import Function, FunctionCtx, backward, grad
from .gradcheck import GradcheckError, gradcheck

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled",
           "Node", "Function", "FunctionCtx", "backward", "grad", "GradcheckError", "gradcheck"]
