r"""Stochastic gradient descent, with momentum and Nesterov momentum.

With :math:`g_t` the gradient (negated under ``maximize``), weight decay
:math:`\lambda`, momentum :math:`\mu`, dampening :math:`\tau` and rate :math:`\gamma`:

.. math::
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \\
    b_t &= \begin{cases} g_t & t = 1 \\ \mu\,b_{t-1} + (1-\tau)\,g_t & t > 1\end{cases} \\
    g_t &\leftarrow g_t + \mu\,b_t \text{ (nesterov) or } b_t \\
    \theta_t &= \theta_{t-1} - \gamma\,g_t

>>> import tensorlite as tl
>>> w = tl.nn.Parameter(tl.tensor([1.0]))
>>> opt = tl.optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
Parameter containing:
tensor([0.4600], requires_grad=True)
"""

from __future__ import annotations

from .optimizer import Optimizer, check, check_flags, decay


class SGD(Optimizer):
    """SGD (PyTorch's ``torch.optim.SGD``): ``lr=1e-3``, ``momentum=0``, ``dampening=0``,
    ``weight_decay=0``, ``nesterov=False``, ``maximize=False``."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        check(lr >= 0.0, "learning rate", lr)
        check(momentum >= 0.0, "momentum value", momentum)
        check(weight_decay >= 0.0, "weight_decay value", weight_decay)
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_flags("SGD", differentiable=differentiable, fused=fused, foreach=foreach)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        grad = decay(param, grad, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.detach().clone()
            else:
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
        param.add_(grad, alpha=-group["lr"])
