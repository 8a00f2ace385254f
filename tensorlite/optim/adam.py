r"""The Adam family: :class:`Adam`, :class:`AdamW`, :class:`Adamax`, :class:`NAdam`,
:class:`RAdam`.

All keep moment estimates :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` (as
``exp_avg.lerp_(g, 1 - beta1)``) and, except Adamax,
:math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2`; they differ in how the step is
formed from them. Adam (Kingma & Ba, 2014):

.. math::
    \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
               \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

(with ``amsgrad``, :math:`v_t` replaced by its running maximum). AdamW
(Loshchilov & Hutter, 2017) decays the weights directly,
:math:`\theta \leftarrow \theta(1-\gamma\lambda)`, instead of adding
:math:`\lambda\theta` to the gradient. Every operation runs in the parameter's
dtype on its device, in PyTorch's order, so float32 results agree with
PyTorch's to rounding.

>>> import tensorlite as tl
>>> w = tl.nn.Parameter(tl.tensor([1.0, -1.0]))
>>> opt = tl.optim.Adam([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
Parameter containing:
tensor([ 0.9000, -0.9000], requires_grad=True)
"""

from __future__ import annotations

from .._creation import tensor, zeros_like
from .._ops.elementwise import maximum
from .optimizer import (
    Optimizer,
    advance,
    check,
    check_betas,
    check_flags,
    decay,
    new_step,
    scalar_dtype,
)


def _check_args(lr, eps, betas, weight_decay):
    """The checks every Adam variant makes, in PyTorch's order."""
    check(0.0 <= lr, "learning rate", lr)
    check(0.0 <= eps, "epsilon value", eps)
    check_betas(betas)
    check(0.0 <= weight_decay, "weight_decay value", weight_decay)


def _init_moments(param, state):
    """``step`` and zeroed first and second moments (PyTorch's state keys and order)."""
    state["step"] = new_step()
    state["exp_avg"] = zeros_like(param)
    state["exp_avg_sq"] = zeros_like(param)


def _moments(state, grad, beta1, beta2):
    """Update the first and second moment estimates in place."""
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)


class Adam(Optimizer):
    """Adam (PyTorch's ``torch.optim.Adam``): ``lr=1e-3``, ``betas=(0.9, 0.999)``,
    ``eps=1e-8``, ``weight_decay=0``, ``amsgrad=False``, ``maximize=False``,
    ``decoupled_weight_decay=False`` (``True`` is AdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_args(lr, eps, betas, weight_decay)
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            # PyTorch's exception type and message (a ValueError, not a TypeError)
            raise ValueError("betas must be either both floats or both Tensors")  # noqa: TRY004
        check_flags(type(self).__name__, capturable=capturable, differentiable=differentiable,
                    fused=fused, foreach=foreach)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _init_state(self, param, state, group):
        _init_moments(param, state)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like(param)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step = advance(state)
        grad = decay(param, grad, group["weight_decay"], lr, group["decoupled_weight_decay"])
        _moments(state, grad, beta1, beta2)
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        second = state["exp_avg_sq"]
        if group["amsgrad"]:
            second = state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], second))
        denom = (second.sqrt() / bias_correction2_sqrt).add_(group["eps"])
        param.addcdiv_(state["exp_avg"], denom, value=-step_size)


class AdamW(Adam):
    """AdamW (PyTorch's ``torch.optim.AdamW``): Adam with decoupled weight decay,
    ``weight_decay=1e-2``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Adam):
    r"""Adamax (PyTorch's ``torch.optim.Adamax``): the infinity-norm variant,
    :math:`u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon)`,
    :math:`\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\frac{m_t}{u_t}`;
    ``lr=2e-3``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_args(lr, eps, betas, weight_decay)
        check_flags("Adamax", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        Optimizer.__init__(self, params, defaults)

    def _init_state(self, param, state, group):
        state["step"] = new_step()
        state["exp_avg"] = zeros_like(param)
        state["exp_inf"] = zeros_like(param)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step = advance(state)
        grad = decay(param, grad, group["weight_decay"])
        state["exp_avg"].lerp_(grad, 1 - beta1)
        exp_inf = state["exp_inf"]
        exp_inf.copy_(maximum(exp_inf.mul_(beta2), grad.abs().add_(group["eps"])))
        param.addcdiv_(state["exp_avg"], exp_inf, value=-lr / (1 - beta1 ** step))


class NAdam(Optimizer):
    r"""NAdam (PyTorch's ``torch.optim.NAdam``; Dozat, 2016): Adam with Nesterov
    momentum, :math:`\mu_t = \beta_1(1 - \tfrac12 0.96^{t\psi})` (``momentum_decay``
    :math:`\psi`), ``mu_product`` :math:`= \prod_{i\le t}\mu_i` kept in the state;
    ``lr=2e-3``, ``decoupled_weight_decay=False``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_args(lr, eps, betas, weight_decay)
        check(0.0 <= momentum_decay, "momentum_decay value", momentum_decay)
        check_flags("NAdam", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, param, state, group):
        state["step"] = new_step()
        state["mu_product"] = tensor(1.0, dtype=scalar_dtype())
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), psi = group["lr"], group["betas"], group["momentum_decay"]
        step = advance(state)
        bias_correction2 = 1 - beta2 ** step
        grad = decay(param, grad, group["weight_decay"], lr, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu  # in the state's (float32) precision, as PyTorch
        mu_product = state["mu_product"].item()
        _moments(state, grad, beta1, beta2)
        denom = state["exp_avg_sq"].div(bias_correction2).sqrt().add_(group["eps"])
        param.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
        param.addcdiv_(state["exp_avg"], denom,
                       value=-lr * mu_next / (1.0 - mu_product * mu_next))


class RAdam(Optimizer):
    r"""RAdam (PyTorch's ``torch.optim.RAdam``; Liu et al., 2019): Adam whose adaptive
    term is used only once the variance of its estimate is tractable,
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t) > 5`, and then scaled by the
    rectification :math:`r_t`; before that, SGD with momentum on :math:`\hat m_t`."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_args(lr, eps, betas, weight_decay)
        check_flags("RAdam", capturable=capturable, differentiable=differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, param, state, group):
        _init_moments(param, state)

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step = advance(state)
        grad = decay(param, grad, group["weight_decay"], lr, group["decoupled_weight_decay"])
        _moments(state, grad, beta1, beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected = state["exp_avg"] / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = bias_correction2 ** 0.5 / state["exp_avg_sq"].sqrt().add_(group["eps"])
            param.add_(corrected * lr * adaptive * rect, alpha=-1.0)
        else:
            param.add_(corrected * lr, alpha=-1.0)
