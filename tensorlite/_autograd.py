"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``is_grad_enabled``.

tensorlite tracks ``requires_grad`` but does not compute gradients yet. Grad
mode matters already for one rule PyTorch users rely on: an in-place change of a
tensor that requires grad raises while grad mode is on, and is allowed inside
``no_grad()`` (how initializers and manual initialization write parameters).

>>> import tensorlite as tl
>>> with tl.no_grad():
...     tl.is_grad_enabled()
False
"""

from __future__ import annotations

import functools
import threading


class _Mode(threading.local):
    enabled = True


_mode = _Mode()


def is_grad_enabled():
    """Whether grad mode is on (it is by default, per thread)."""
    return _mode.enabled


class set_grad_enabled:
    """Set grad mode to ``mode``; usable as a call, a context manager or a decorator."""

    def __init__(self, mode):
        self._previous = _mode.enabled
        self._mode = bool(mode)
        _mode.enabled = self._mode

    def __enter__(self):
        _mode.enabled = self._mode
        return None

    def __exit__(self, *exc):
        _mode.enabled = self._previous

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self._mode):
                return fn(*args, **kwargs)

        _mode.enabled = self._previous  # decorating must not change the mode
        return wrapper


class no_grad(set_grad_enabled):
    """Context manager and decorator that turns grad mode off inside it."""

    def __init__(self):
        self._previous = _mode.enabled
        self._mode = False

    def __enter__(self):
        self._previous = _mode.enabled
        _mode.enabled = False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Context manager and decorator that turns grad mode on inside it."""

    def __init__(self):
        self._previous = _mode.enabled
        self._mode = True

    def __enter__(self):
        self._previous = _mode.enabled
        _mode.enabled = True


def check_inplace(tensor):
    """PyTorch's rule for in-place writes to leaves that require grad."""
    if tensor.requires_grad and _mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
