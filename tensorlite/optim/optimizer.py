"""The :class:`Optimizer` base: parameter groups, per-parameter state, state dicts.

An optimizer holds ``param_groups`` (a list of dicts: ``"params"`` plus the
hyper-parameters, missing ones filled from ``defaults``) and ``state`` (a dict
from each parameter to its buffers, created on the parameter's first step).
``state_dict()`` and ``load_state_dict()`` use PyTorch's layout, parameters
numbered in group order::

    {"state": {0: {"step": tensor(3.), "exp_avg": ..., ...}, ...},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}, ...]}

so a state dict of a PyTorch optimizer (its tensors converted through DLPack)
loads into the matching tensorlite optimizer, and continues identically.

Subclasses implement :meth:`Optimizer._init_state` and
:meth:`Optimizer._update` for one parameter (PyTorch's single-tensor form);
:meth:`Optimizer.step` runs them under ``no_grad`` for every parameter that has a
gradient.

>>> import tensorlite as tl
>>> w = tl.nn.Parameter(tl.tensor([1.0, 2.0]))
>>> opt = tl.optim.SGD([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
Parameter containing:
tensor([0., 0.], requires_grad=True)
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from itertools import chain

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """The default of a hyper-parameter every group must give."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def check(ok, what, value):
    """PyTorch's argument error: ``ValueError("Invalid <what>: <value>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas):
    check(0.0 <= betas[0] < 1.0, "beta parameter at index 0", betas[0])
    check(0.0 <= betas[1] < 1.0, "beta parameter at index 1", betas[1])


def check_flags(name, foreach=None, fused=None, **flags):
    """Only PyTorch's single-tensor path exists here. ``foreach`` and ``fused`` are
    accepted as the speed hints they are (the update is the same math; scripts such as
    nanoGPT pass ``fused=True`` on CUDA), with PyTorch's checks on combining them; the
    flags that would need another implementation are refused."""
    if fused:
        if flags.get("differentiable"):
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    for flag, value in flags.items():
        if value:
            raise NotImplementedError(f"{name}: {flag}=True is not supported by tensorlite "
                                      f"(updates use PyTorch's single-tensor algorithm)")


def scalar_dtype():
    """The dtype of scalar state such as ``step`` (PyTorch: float64 under a float64
    default dtype, else float32)."""
    return _dtype.float64 if _dtype.get_default_dtype() is _dtype.float64 else _dtype.float32


def new_step():
    """A fresh ``step`` counter as PyTorch stores it: a 0-dim float tensor on the CPU."""
    from .._creation import tensor

    return tensor(0.0, dtype=scalar_dtype())


def advance(state):
    """Add one to ``state["step"]`` and return the new count as a Python float."""
    state["step"] += 1
    return state["step"].item()


def decay(param, grad, weight_decay, lr=None, decoupled=False):
    """L2 weight decay: ``grad + wd * param``; decoupled (AdamW):
    ``param *= 1 - lr * wd`` and the gradient unchanged."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param.mul_(1 - lr * weight_decay)
        return grad
    return grad.add(param, alpha=weight_decay)


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
            (parameter groups: ``{"params": [...], "lr": ...}``).
        defaults: the hyper-parameters a group gets when it does not set them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {_typename(params)}")
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    # ---- groups --------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"``); options it omits come from
        ``defaults``. A parameter may belong to one group only."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or
                                                                     p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        for group in self.param_groups:
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
            if ids & {id(p) for p in group["params"]}:
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Drop every parameter's ``.grad`` (``set_to_none=True``) or zero it in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad.detach_()
                    else:
                        p.grad.requires_grad_(False)
                    p.grad.zero_()

    # ---- stepping ------------------------------------------------------------------------
    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure`` (optional)
        re-evaluates the model with grad enabled and returns the loss, which is returned."""
        if type(self)._update is Optimizer._update:
            raise NotImplementedError
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if not state:
                        self._init_state(p, state, group)
                    grad = p.grad
                    if group.get("maximize", False):
                        grad = -grad
                    self._update(p, grad, state, group)
        return loss

    def _init_state(self, param, state, group):
        """Create ``param``'s buffers in ``state`` (before its first update)."""

    def _update(self, param, grad, state, group):
        """Update ``param`` in place from ``grad`` (already negated under ``maximize``)."""
        raise NotImplementedError

    # ---- state dicts ---------------------------------------------------------------------
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``;
        the state tensors are the optimizer's own (not copies), as in PyTorch."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state dict from :meth:`state_dict` (or PyTorch's, whose tensors are
        converted through DLPack). State tensors move to their parameter's device, and
        floating ones to its dtype, except ``step``; a mismatch in the number or sizes
        of the groups raises ``ValueError`` before anything changes."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast(param, value)
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.__setstate__({"state": state, "param_groups": saved_groups})


def _cast(param, value, key=None):
    """``value`` with its tensors on ``param``'s device (and dtype when floating, except
    the ``step`` counter), nested dicts and sequences rebuilt."""
    if isinstance(value, Tensor) or hasattr(value, "__dlpack__"):
        if not isinstance(value, Tensor):
            from .._creation import from_dlpack

            value = from_dlpack(value).clone()  # a foreign (PyTorch, NumPy) tensor
        if key == "step":
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__module__ + "." + type(obj).__qualname__ \
        if type(obj).__module__ != "builtins" else type(obj).__qualname__
