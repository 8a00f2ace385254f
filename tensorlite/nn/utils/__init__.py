"""Utilities for modules: ``materialize`` (deferred initialization, DESIGN §12)."""

from .materialize import materialize

__all__ = ["materialize"]
