"""Devices: parsing, printing and the default device.

Accepted forms: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"meta"``, a ``device``
object, and a bare int ``N`` meaning ``cuda:N``.  A ``device`` is also a context
manager that makes itself the default for creation calls inside the block.

>>> import tensorlite as tl
>>> tl.device("cuda:1")
device(type='cuda', index=1)
>>> str(tl.device("cpu"))
'cpu'
"""

from __future__ import annotations

import threading

__all__ = ["device", "get_default_device", "set_default_device"]

_TYPES = ("cpu", "cuda", "meta")


class device:
    """A device type and optional index, as ``torch.device``."""

    __slots__ = ("type", "index", "_previous")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): a device object takes no index")
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str):
            type, index = _parse(type, index)
        else:
            raise TypeError(f"device(): expected a string, int or device, got {type!r}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index!r}")
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"device(): cpu has no index {index}")
        self.type = type
        self.index = None if type != "cuda" else index
        self._previous = []

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __enter__(self):
        self._previous.append(_state.default)
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _state.default = self._previous.pop()


def _parse(text, index):
    kind, sep, number = text.strip().partition(":")
    if kind not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                           f"device string: {text!r}")
    if sep:
        if index is not None:
            raise RuntimeError(f"device(): index given twice in {text!r}")
        if not number.isdigit():
            raise RuntimeError(f"Invalid device string: {text!r}")
        index = int(number)
    return kind, index


class _State(threading.local):
    default = None  # a device object, or None meaning cpu


_state = _State()
CPU = device("cpu")


def get_default_device():
    """The device creation functions use when none is given (``cpu`` unless set)."""
    return _state.default or CPU


def set_default_device(dev):
    """Make ``dev`` the default device for creation functions (``None`` resets to cpu)."""
    _state.default = None if dev is None else to_device(dev)


def to_device(value, fn="tensorlite"):
    """Normalize a ``device=`` argument; ``None`` means the default device."""
    if value is None:
        return get_default_device()
    if isinstance(value, device):
        return value
    try:
        return device(value)
    except TypeError:
        raise TypeError(f"{fn}(): device must be a string, int or tensorlite.device, "
                        f"got {value!r}") from None
