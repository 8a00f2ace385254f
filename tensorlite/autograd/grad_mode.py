"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

While grad mode is on (the default, per thread), operations on tensors that
require grad record the graph that ``backward()`` walks. Inside ``no_grad()``
nothing is recorded, and in-place writes to leaves that require grad are
allowed (how initializers and optimizers write parameters).

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


class inference_mode(no_grad):
    """``no_grad`` under PyTorch's name for inference (``inference_mode(False)`` keeps
    grad mode as it is)."""

    def __init__(self, mode=True):
        self._previous = _mode.enabled
        self._mode = not mode and _mode.enabled
        self._inference = mode  # what a decorated function gets, at each call

    def __enter__(self):
        self._previous = _mode.enabled
        _mode.enabled = self._mode and self._previous

    def __call__(self, fn):
        mode = self._inference

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(mode):
                return fn(*args, **kwargs)

        return wrapper
