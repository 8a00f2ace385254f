"""``tl.amp``: loss scaling (``GradScaler``) and the ``autocast`` context.

Training scripts build these unconditionally and switch them off by flag
(nanoGPT: ``GradScaler(enabled=(dtype == "float16"))`` and ``autocast`` only on
CUDA), so both exist with PyTorch's signatures.

* :class:`GradScaler` is complete: dynamic loss scaling as PyTorch does it.
* :class:`autocast` works disabled; automatic per-op down-casting is not
  implemented, so entering it enabled raises ``NotImplementedError`` rather than
  silently computing in another precision than the script asked for.

Example:
    >>> import tensorlite as tl
    >>> w = tl.nn.Parameter(tl.ones(2))
    >>> opt = tl.optim.SGD([w], lr=0.1)
    >>> scaler = tl.amp.GradScaler("cpu")
    >>> scaler.scale((w * 2).sum()).backward()   # gradients are 65536 times too large
    >>> scaler.step(opt)                        # unscales, checks for inf/nan, steps
    >>> scaler.update()
    >>> w.tolist()
    [0.800000011920929, 0.800000011920929]
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["GradScaler", "autocast", "is_autocast_available"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class GradScaler:
    r"""Dynamic loss scaling for low-precision gradients.

    ``scale(loss)`` multiplies the loss by :math:`s` (``init_scale``) so small
    float16 gradients do not underflow; ``step(opt)`` divides the gradients by
    :math:`s` and skips the step when any of them is inf/NaN; ``update()`` then
    sets :math:`s \leftarrow s \cdot` ``backoff_factor`` after such a skip, and
    :math:`s \leftarrow s \cdot` ``growth_factor`` after ``growth_interval``
    consecutive good steps. With ``enabled=False`` every method is a pass-through.
    A ``"cuda"`` scaler without CUDA warns and disables itself, as PyTorch's does.
    """

    def __init__(self, device="cuda", init_scale=2.0**16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        if enabled and device == "cuda":
            from . import cuda

            if not cuda.is_available():
                warnings.warn("tensorlite.cuda.amp.GradScaler is enabled, but CUDA is not "
                              "available.  Disabling.", stacklevel=2)
                enabled = False
        if enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")  # PyTorch's type
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
        self._device = device
        self._enabled = enabled
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}  # id(optimizer) -> {"stage", "found_inf"}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        """The current scale :math:`s` (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self):
        return self._growth_factor

    def get_backoff_factor(self):
        return self._backoff_factor

    def get_growth_interval(self):
        return self._growth_interval

    def scale(self, outputs):
        """``outputs`` (a tensor or nested lists/tuples of them) times :math:`s`.

        The scale is a 0-dim float32 tensor, so a float16 loss comes back
        float32, as in PyTorch."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        from ._creation import tensor
        from ._dtype import float32

        return outputs * tensor(self._scale, dtype=float32, device=outputs.device)

    def _state(self, optimizer):
        return self._per_optimizer.setdefault(id(optimizer),
                                              {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by :math:`s` in place and note whether any
        is inf/NaN (call it before clipping gradients)."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer "
                               "since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from ._dtype import float16
        from .autograd import no_grad

        inv = 1.0 / self._scale
        found_inf = False
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.grad.dtype == float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    p.grad.mul_(inv)
                    found_inf = found_inf or not bool(p.grad.isfinite().all())
        state.update(stage=_UNSCALED, found_inf=found_inf)

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` on unscaled gradients, skipped (returns None) when
        any gradient is inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler "
                               "is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Back off after a skipped step, grow after ``growth_interval`` good ones;
        or set the scale to ``new_scale`` (a float or a 1-element tensor)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        else:
            if not self._per_optimizer:
                raise RuntimeError("No inf checks were recorded prior to update.")
            if any(s["found_inf"] for s in self._per_optimizer.values()):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale *= self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was "
                               "saved from a disabled instance of GradScaler.")
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def is_autocast_available(device_type):
    """Whether ``autocast`` can be entered enabled on ``device_type`` (never, here)."""
    return False


class autocast:
    """``with tl.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):``

    Accepted with ``enabled=False`` (a no-op, also as a decorator). Entering it
    enabled raises ``NotImplementedError``: tensorlite does not down-cast ops
    automatically; cast the model and inputs (``model.to(tl.bfloat16)``) instead.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):  # PyTorch raises ValueError here
            raise ValueError(  # noqa: TRY004
                f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = enabled

    def __enter__(self):
        if self._enabled:
            raise NotImplementedError(
                f"autocast(device_type={self.device!r}, enabled=True): automatic mixed "
                f"precision is not implemented by tensorlite; pass enabled=False or cast "
                f"the model and inputs to the low-precision dtype")
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapper
