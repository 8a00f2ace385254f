"""The ``cpu`` backend: NumPy arrays in host memory."""

from __future__ import annotations

import os

import numpy as np

from .. import _validation
from . import _common, _cpu_random  # imported once here: a fork never waits on an import lock


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 2**48


THREADS = _common.THREADS

PARALLEL_MIN = 1 << 20
"""Elements from which a reduction is split over :data:`THREADS` threads. Below it the
thread handoff (tens of µs) would cost more than it saves; above it each piece is a
memory-bound pass of at least half a million elements."""

def parallel(jobs):
    """Call each zero-argument callable in ``jobs``, concurrently, and return their
    results in order. The last job runs on the calling thread (already awake), the others
    on a pool of ``THREADS - 1`` threads; a job the pool has not started by the time the
    caller is done (it is busy with another caller's work) runs on the caller instead.
    NumPy's ufunc loops release the GIL, so jobs that are NumPy calls on large arrays
    really run side by side.

    >>> parallel([lambda: 1, lambda: 2])
    [1, 2]
    """
    if len(jobs) == 1 or THREADS == 1:
        return [job() for job in jobs]
    pool = _common.thread_pool()
    futures = [pool.submit(job) for job in jobs[:-1]]
    try:
        last = jobs[-1]()
    except BaseException:
        for future in futures:  # the arrays stay alive while a started job reads them
            future.cancel()
        raise
    results = [job() if future.cancel() else future.result()
               for job, future in zip(jobs, futures)]
    return results + [last]


class CPUBackend(_common.SingleDevice):
    name = "cpu"
    has_data = True  # whether values exist (meta: shapes only)
    xp = np
    _limit = _physical_memory()

    def check_storage(self, shape, np_dtype, fn="empty"):
        """Raise PyTorch's error for a tensor this device cannot hold (before any work)."""
        return _validation.storage(shape, np_dtype, fn, self._limit)

    def empty(self, shape, np_dtype, device, fn="empty"):
        nbytes = self.check_storage(shape, np_dtype, fn)
        with _validation.allocating(fn, nbytes):
            return np.empty(shape, np_dtype)

    def full(self, shape, value, np_dtype, device, fn="full"):
        nbytes = self.check_storage(shape, np_dtype, fn)
        with _validation.allocating(fn, nbytes):
            if value == 0 and not isinstance(value, complex):
                return np.zeros(shape, np_dtype)  # calloc: pages are zeroed lazily by the OS
            out = np.empty(shape, np_dtype)
        out.fill(_common.host_array(value, np_dtype))
        return out

    def asarray(self, data, np_dtype, device, copy):
        """``data`` (Python data, NumPy or another device's array already on the host)."""
        if isinstance(data, np.ndarray):
            if data.dtype == np_dtype and not copy:
                return data
            return _common.astype(data, np_dtype, copy=True)
        return _common.host_array(data, np_dtype)

    def astype(self, array, np_dtype, copy=False):
        return _common.astype(array, np_dtype, copy)

    def assign(self, array, key, value):
        array[key] = value

    def scatter_add(self, array, key, values):
        """``array[key] += values`` where repeated indices add up (gradients of gathers)."""
        np.add.at(array, key, values)

    def scatter_ufunc(self, array, key, values, op):
        """``array[key] = op(array[key], values)`` with repeated indices combined in turn
        (``op``: ``"add"``, ``"multiply"``, ``"maximum"``, ``"minimum"``)."""
        getattr(np, op).at(array, key, values)

    def to_numpy(self, array):
        return array

    def numpy_view(self, array, device):
        return array  # shares memory

    def multinomial_weights(self, probs2d, replacement, device=None):
        return _cpu_random.multinomial_weights(probs2d, replacement)

    def random(self, kind, shape, np_dtype, seed, offset, device=None, out=None, **params):
        if out is not None and out.dtype != np_dtype:
            out = None  # e.g. bernoulli_ with a p of another dtype: filled aside, then cast
        return _cpu_random.fill(kind, shape, np_dtype, seed, offset, out=out, **params)

    def random_block(self, kind, shape, box, np_dtype, seed, offset, device=None, **params):
        """The block ``box`` of ``random(kind, shape, ...)``, from its own words only."""
        from . import _cpu_random

        return _cpu_random.fill_block(kind, shape, box, np_dtype, seed, offset, **params)


backend = CPUBackend()
