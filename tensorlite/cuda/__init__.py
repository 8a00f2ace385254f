"""``tl.cuda``: availability, device selection and synchronization.

All of it works without CuPy: ``is_available()`` is then ``False`` and
``device_count()`` is 0.
"""

from __future__ import annotations

from .._backends import cuda as _cuda

_backend = _cuda.backend


def is_available():
    """Whether CuPy is installed and can see at least one GPU."""
    return _backend.is_available()


def device_count():
    """The number of visible GPUs (0 without CuPy or a driver)."""
    return _backend.device_count()


def current_device():
    """The index of the current GPU (``RuntimeError`` when CUDA is unavailable)."""
    return _backend.current_device()


def set_device(device):
    """Make ``device`` (an int, ``"cuda:N"`` or a device) the current GPU."""
    from .._device import to_device

    dev = to_device(device if not isinstance(device, int) else ("cuda", device)[0] + f":{device}")
    _backend.set_device(_backend.check(dev).index)


def synchronize(device=None):
    """Wait for all work on ``device`` (default: the current GPU) to finish."""
    from .._device import device as Device

    dev = Device("cuda") if device is None else Device(device)
    _backend.synchronize(_backend.check(dev))
