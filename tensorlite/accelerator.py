"""``tl.accelerator``: PyTorch's device-generic accelerator API (``torch.accelerator``,
PyTorch 2.6+), which current scripts use to pick their device::

    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")

tensorlite's only accelerator is CUDA (through CuPy), so these answer for CUDA: without a
GPU there is no accelerator, ``current_accelerator()`` is ``None`` and the functions that
need one raise PyTorch's ``RuntimeError``.

>>> import tensorlite as tl
>>> tl.accelerator.is_available() == tl.cuda.is_available()
True
"""

from __future__ import annotations

from . import cuda as _cuda

__all__ = ["current_accelerator", "current_device_index", "current_device_idx",
           "device_count", "is_available", "set_device_index", "set_device_idx",
           "synchronize"]


def is_available():
    """Whether an accelerator (a CUDA GPU) can be used."""
    return _cuda.is_available()


def device_count():
    """The number of accelerator devices (0 without one)."""
    return _cuda.device_count() if is_available() else 0


def current_accelerator(check_available=False):
    """``device("cuda")`` when a GPU is present, else ``None`` (with
    ``check_available=True``, as PyTorch: ``None`` too when it is not usable)."""
    from ._device import device

    return device("cuda") if is_available() else None


def _need():
    if not is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    """The index of the current accelerator device."""
    _need()
    return _cuda.current_device()


def set_device_index(device):
    """Make ``device`` (an index or a device) the current accelerator device."""
    _need()
    _cuda.set_device(device)


def synchronize(device=None):
    """Wait for the work queued on ``device`` (default: the current one) to finish."""
    _need()
    _cuda.synchronize(device)


current_device_idx = current_device_index  # PyTorch's older names, kept as aliases
set_device_idx = set_device_index
