"""``tl.xpu``: Intel's GPU backend, which tensorlite does not have.

Scripts probe it as they probe CUDA (``torch.xpu.is_available()``), so it
exists and reports no device.

>>> import tensorlite as tl
>>> tl.xpu.is_available(), tl.xpu.device_count()
(False, 0)
"""


def is_available():
    """``False``: tensorlite runs on ``cpu``, ``cuda`` and ``meta`` only."""
    return False


def device_count():
    """``0``."""
    return 0
