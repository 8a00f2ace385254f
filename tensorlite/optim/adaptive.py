r"""Per-coordinate step sizes from squared gradients: :class:`RMSprop`,
:class:`Adagrad`, :class:`Adadelta`.

* RMSprop (Hinton, 2012): :math:`v_t = \alpha v_{t-1} + (1-\alpha) g_t^2`,
  :math:`\theta_t = \theta_{t-1} - \gamma\,g_t/(\sqrt{v_t}+\epsilon)`; ``centered``
  subtracts the squared mean gradient from :math:`v_t`, ``momentum`` accumulates the
  scaled steps in a buffer.
* Adagrad (Duchi et al., 2011): :math:`s_t = s_{t-1} + g_t^2`,
  :math:`\theta_t = \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,g_t/(\sqrt{s_t}+\epsilon)`
  (``lr_decay`` :math:`\eta`).
* Adadelta (Zeiler, 2012): :math:`v_t = \rho v_{t-1} + (1-\rho) g_t^2`,
  :math:`\Delta_t = \sqrt{u_{t-1}+\epsilon}/\sqrt{v_t+\epsilon}\;g_t`,
  :math:`u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2`, :math:`\theta_t = \theta_{t-1} - \gamma\Delta_t`.

>>> import tensorlite as tl
>>> w = tl.nn.Parameter(tl.tensor([1.0]))
>>> opt = tl.optim.Adagrad([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
Parameter containing:
tensor([0.5000], requires_grad=True)
"""

from __future__ import annotations

from .._creation import full_like, zeros_like
from .optimizer import Optimizer, advance, check, check_flags, decay, new_step


class RMSprop(Optimizer):
    """RMSprop (PyTorch's ``torch.optim.RMSprop``): ``lr=1e-2``, ``alpha=0.99``,
    ``eps=1e-8``, ``weight_decay=0``, ``momentum=0``, ``centered=False``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check(0.0 <= lr, "learning rate", lr)
        check(0.0 <= eps, "epsilon value", eps)
        check(0.0 <= momentum, "momentum value", momentum)
        check(0.0 <= weight_decay, "weight_decay value", weight_decay)
        check(0.0 <= alpha, "alpha value", alpha)
        check_flags("RMSprop", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, param, state, group):
        state["step"] = new_step()
        state["square_avg"] = zeros_like(param)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = zeros_like(param)

    def _update(self, param, grad, state, group):
        alpha, lr = group["alpha"], group["lr"]
        advance(state)
        grad = decay(param, grad, group["weight_decay"])
        square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)


class Adagrad(Optimizer):
    """Adagrad (PyTorch's ``torch.optim.Adagrad``): ``lr=1e-2``, ``lr_decay=0``,
    ``weight_decay=0``, ``initial_accumulator_value=0``, ``eps=1e-10``. Its state is
    created for every parameter at construction, as in PyTorch."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check(0.0 <= lr, "learning rate", lr)
        check(0.0 <= lr_decay, "lr_decay value", lr_decay)
        check(0.0 <= weight_decay, "weight_decay value", weight_decay)
        check(0.0 <= initial_accumulator_value, "initial_accumulator_value value",
              initial_accumulator_value)
        check(0.0 <= eps, "epsilon value", eps)
        check_flags("Adagrad", differentiable=differentiable, fused=fused, foreach=foreach)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, param, state, group):
        # the constructor's value, not the group's (PyTorch reads ``defaults``)
        state["step"] = new_step()
        state["sum"] = full_like(param, self.defaults["initial_accumulator_value"])

    def _update(self, param, grad, state, group):
        step = advance(state)
        grad = decay(param, grad, group["weight_decay"])
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state["sum"].addcmul_(grad, grad, value=1)
        std = state["sum"].sqrt().add_(group["eps"])
        param.addcdiv_(grad, std, value=-clr)


class Adadelta(Optimizer):
    """Adadelta (PyTorch's ``torch.optim.Adadelta``): ``lr=1.0``, ``rho=0.9``,
    ``eps=1e-6``, ``weight_decay=0``."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check(0.0 <= lr, "learning rate", lr)
        check(0.0 <= rho <= 1.0, "rho value", rho)
        check(0.0 <= eps, "epsilon value", eps)
        check(0.0 <= weight_decay, "weight_decay value", weight_decay)
        check_flags("Adadelta", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, param, state, group):
        state["step"] = new_step()
        state["square_avg"] = zeros_like(param)
        state["acc_delta"] = zeros_like(param)

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        advance(state)
        grad = decay(param, grad, group["weight_decay"])
        state["square_avg"].mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = state["square_avg"].add(eps).sqrt_()
        delta = state["acc_delta"].add(eps).sqrt_().div_(std).mul_(grad)
        state["acc_delta"].mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.add_(delta, alpha=-group["lr"])
