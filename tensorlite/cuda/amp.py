"""``tl.cuda.amp``: the older spelling of :mod:`tensorlite.amp` for CUDA.

``tl.cuda.amp.GradScaler(...)`` is ``tl.amp.GradScaler("cuda", ...)`` (without CUDA
it warns and disables itself, so ``GradScaler(enabled=False)`` is always safe), and
``tl.cuda.amp.autocast(...)`` is ``tl.amp.autocast("cuda", ...)``.

Example:
    >>> import tensorlite as tl
    >>> tl.cuda.amp.GradScaler(enabled=False).is_enabled()
    False
"""

from __future__ import annotations

from .. import amp as _amp


class GradScaler(_amp.GradScaler):
    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        super().__init__("cuda", init_scale, growth_factor, backoff_factor,
                         growth_interval, enabled)


class autocast(_amp.autocast):
    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
