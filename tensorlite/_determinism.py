"""The determinism switch PyTorch scripts set.

tensorlite's random operations are deterministic by construction (a counter-based
stream, element-indexed, independent of launch configuration), and it has no
nondeterministic algorithms to swap out. The switch is kept so ported scripts
run and can query it; it changes no result.
"""

from __future__ import annotations

_state = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record whether deterministic algorithms are requested (tensorlite's always are)."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): mode must be a bool, got {mode!r}")
    _state["enabled"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["enabled"]
