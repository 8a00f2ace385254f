"""The ``cuda`` backend: CuPy arrays on NVIDIA GPUs.

CuPy is imported lazily, so importing tensorlite never needs it. When CUDA
cannot work, ``check`` says which of these it is and how to fix it: CuPy is not
installed, there is no driver or no GPU, or the index is out of range.
"""

from __future__ import annotations

import numpy as np

from .. import _validation
from . import _common

_INSTALL_HINT = ("install the CuPy build for your CUDA version with "
                 "`pip install tensorlite[cuda12]` (CUDA 12) or "
                 "`pip install tensorlite[cuda13]` (CUDA 13)")


def _cupy():
    """CuPy, or ``None`` when it is not installed."""
    try:
        import cupy
    except ImportError:
        return None
    return cupy


def is_cupy_array(array):
    cp = _cupy() if type(array).__module__.startswith("cupy") else None
    return cp is not None and isinstance(array, cp.ndarray)


def array_device(array):
    from .._device import device

    return device("cuda", array.device.id)


class CUDABackend:
    name = "cuda"
    has_data = True  # whether values exist (meta: shapes only)

    @property
    def xp(self):
        return _cupy()

    def unavailable_reason(self):
        """Why CUDA cannot be used here, or ``None`` when it can."""
        cp = _cupy()
        if cp is None:
            return f"CuPy is not installed; {_INSTALL_HINT}"
        try:
            count = cp.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDARuntimeError, or a missing libcuda
            return (f"no usable NVIDIA driver was found ({type(exc).__name__}: {exc}); "
                    f"install the NVIDIA driver, or use device='cpu'")
        if count == 0:
            return "no NVIDIA GPU was found on this machine; use device='cpu'"
        return None

    def is_available(self):
        return self.unavailable_reason() is None

    def device_count(self):
        return 0 if not self.is_available() else _cupy().cuda.runtime.getDeviceCount()

    def current_device(self):
        self._require()
        return _cupy().cuda.runtime.getDevice()

    def set_device(self, index):
        self._require()
        _cupy().cuda.runtime.setDevice(index)

    def _require(self):
        reason = self.unavailable_reason()
        if reason is not None:
            raise RuntimeError(f"CUDA is not available: {reason}")

    def check(self, device):
        from .._device import device as Device

        self._require()
        index = device.index if device.index is not None else _cupy().cuda.runtime.getDevice()
        count = self.device_count()
        if index >= count:
            raise RuntimeError(f"CUDA error: invalid device ordinal: cuda:{index} requested "
                               f"but this machine has {count} GPU(s) (cuda:0..cuda:{count - 1})")
        return Device("cuda", index)

    def context(self, device):
        return _cupy().cuda.Device(device.index)

    def synchronize(self, device):
        cp = _cupy()
        with cp.cuda.Device(device.index):
            cp.cuda.runtime.deviceSynchronize()  # host-device synchronization (explicit)

    def check_storage(self, shape, np_dtype, fn="empty"):
        return _validation.storage(shape, np_dtype, fn)  # the device says the rest

    def empty(self, shape, np_dtype, device, fn="empty"):
        cp = _cupy()
        nbytes = self.check_storage(shape, np_dtype, fn)
        with cp.cuda.Device(device.index):
            try:
                return cp.empty(shape, np_dtype)
            except cp.cuda.memory.OutOfMemoryError as exc:
                raise _validation.AllocationError(
                    f"{fn}: CUDA out of memory: tried to allocate {nbytes} bytes on "
                    f"{device} ({exc})") from None

    def full(self, shape, value, np_dtype, device, fn="full"):
        out = self.empty(shape, np_dtype, device, fn)
        with _cupy().cuda.Device(device.index):
            out.fill(_common.host_array(value, np_dtype)[()])
        return out

    def asarray(self, data, np_dtype, device, copy):
        cp = _cupy()
        with cp.cuda.Device(device.index):
            if isinstance(data, cp.ndarray):
                if data.device.id != device.index:
                    data = cp.array(data, copy=True)  # peer copy onto this device
                    copy = False
                if data.dtype == np_dtype and not copy:
                    return data
                return _common.astype(data, np_dtype, copy=True)
            if not isinstance(data, np.ndarray):
                data = _common.host_array(data, np_dtype)
            else:
                data = _common.astype(data, np_dtype)
            return cp.asarray(data)  # host -> device copy

    def astype(self, array, np_dtype, copy=False):
        with _cupy().cuda.Device(array.device.id):
            return _common.astype(array, np_dtype, copy)

    def assign(self, array, key, value):
        with _cupy().cuda.Device(array.device.id):
            array[key] = value

    def scatter_add(self, array, key, values):
        """``array[key] += values`` where repeated indices add up (atomics on the GPU)."""
        import cupyx

        with _cupy().cuda.Device(array.device.id):
            cupyx.scatter_add(array, key, values)

    def scatter_ufunc(self, array, key, values, op):
        """``array[key] = op(array[key], values)`` with repeated indices combined (atomics;
        CuPy has no atomic multiply, so ``"multiply"`` raises)."""
        import cupyx

        fn = {"add": cupyx.scatter_add, "maximum": cupyx.scatter_max,
              "minimum": cupyx.scatter_min}.get(op)
        if fn is None:
            raise NotImplementedError(f"scatter with reduce {op!r} is not implemented on cuda")
        with _cupy().cuda.Device(array.device.id):
            fn(array, key, values)

    def numpy_view(self, array, device):
        raise TypeError(f"can't convert {device} device type tensor to numpy. Use Tensor.cpu() "
                        f"to copy the tensor to host memory first.")

    def to_numpy(self, array):
        return array.get()  # device -> host copy (synchronizes)

    def multinomial_weights(self, probs2d, replacement, device=None):
        with _cupy().cuda.Device(device.index):
            return _common.check_weights(_cupy(), probs2d)

    def random(self, kind, shape, np_dtype, seed, offset, device=None, out=None, **params):
        from . import _cuda_random  # raw Philox kernels

        if out is not None and out.dtype != np_dtype:
            out = None  # filled aside in the stream's dtype, then cast by the caller
        params.pop("n", None)  # randperm's n is the shape
        params.pop("scratch", None)  # the CPU's randperm scratch
        if isinstance(params.get("probs"), _common.Weights):
            params["probs"] = params["probs"].probs
        with _cupy().cuda.Device(device.index):
            return _cuda_random.generate(kind, shape, np_dtype, seed, offset, out=out, **params)

    def random_block(self, kind, shape, box, np_dtype, seed, offset, device=None, **params):
        """The block ``box`` of ``random(kind, shape, ...)``: one strided launch."""
        from . import _cuda_random

        if isinstance(params.get("probs"), _common.Weights):
            params["probs"] = params["probs"].probs
        with _cupy().cuda.Device(device.index):
            return _cuda_random.generate_block(kind, shape, box, np_dtype, seed, offset, **params)


backend = CUDABackend()
