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


# ---- seeding: the CUDA default generators (one per GPU) --------------------------------
def _generator(device=None):
    from .._device import device as Device
    from ..random.generator import default_for

    dev = Device("cuda") if device is None else (Device("cuda", device) if isinstance(device, int)
                                                 else Device(device))
    return default_for(_backend.check(dev))


def manual_seed(seed):
    """Seed the current GPU's default generator; does nothing when CUDA is unavailable."""
    from ..random.generator import _check_seed

    _check_seed(seed, "manual_seed")  # a bad seed is an error even without a GPU
    if is_available():
        _generator().manual_seed(seed)


def manual_seed_all(seed):
    """Seed every GPU's default generator; does nothing when CUDA is unavailable."""
    from ..random.generator import _check_seed

    _check_seed(seed, "manual_seed_all")
    for i in range(device_count()):
        _generator(i).manual_seed(seed)


def seed():
    """Seed the current GPU's default generator from OS entropy (no-op without CUDA)."""
    if is_available():
        _generator().seed()


def seed_all():
    """Seed every GPU's default generator from OS entropy (no-op without CUDA)."""
    for i in range(device_count()):
        _generator(i).seed()


def initial_seed():
    return _generator().initial_seed()


def get_rng_state(device="cuda"):
    """The state of a GPU's default generator (a uint8 CPU tensor: seed, offset)."""
    return _generator(device).get_state()


def set_rng_state(new_state, device="cuda"):
    _generator(device).set_state(new_state)


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for i, state in enumerate(new_states):
        set_rng_state(state, i)

from . import amp  # noqa: E402,F401 - tl.cuda.amp
