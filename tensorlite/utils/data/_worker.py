"""What runs inside a ``DataLoader`` worker process, and ``get_worker_info``.

Seeding follows PyTorch's protocol. The loader draws one ``base_seed`` (a
63-bit integer) from its ``generator`` (or the default generator) per
iterator; worker ``i`` then sets, before ``worker_init_fn(i)`` runs:

* Python's ``random.seed(base_seed + i)``,
* ``tensorlite.manual_seed(base_seed + i)`` (every device's default generator),
* ``numpy.random.seed(SeedSequence([i, base_seed mod 2**32, base_seed >> 32, 0])
  .generate_state(4))`` - the same words PyTorch's ``_generate_state`` derives, so
  NumPy in worker ``i`` draws what it draws under PyTorch for the same base seed.

``get_worker_info()`` returns ``WorkerInfo(id, num_workers, seed, dataset)`` in a
worker and ``None`` in the main process.
"""

from __future__ import annotations

import os
import queue
import random
import sys
import traceback

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None
_PARENT_POLL_S = 5.0  # how often an idle worker checks that its parent is alive


class WorkerInfo:
    """``id``, ``num_workers``, ``seed`` and ``dataset`` (this worker's copy) of the
    current worker; read-only once made."""

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        items = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._keys)
        return f"{type(self).__name__}({items})"


def get_worker_info():
    """This worker's ``WorkerInfo``, or ``None`` in the main process."""
    return _worker_info


def numpy_seed(base_seed, worker_id):
    """The four 32-bit words worker ``worker_id`` seeds NumPy's legacy RNG with."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4)


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process as text and
    raised there again with the worker's traceback in its message."""

    def __init__(self, where):
        exc_type, exc, _ = sys.exc_info()
        self.exc_type = exc_type
        self.message = f"Caught {exc_type.__name__} {where}.\nOriginal " + \
            "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))

    def reraise(self):
        try:
            error = self.exc_type(self.message)
        except Exception:  # a type whose constructor wants other arguments
            error = RuntimeError(self.message)
        raise error


class IterableStop:
    """Sent by a worker whose copy of an iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class Resume:
    """Sent to persistent workers when a new epoch starts; echoed back as an ack."""


def _seed(base_seed, worker_id):
    from ... import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    return seed


def worker_loop(make_fetcher, dataset, index_queue, result_queue, done_event, base_seed,
                init_fn, worker_id, num_workers, iterable):
    """Serve ``(task, indices)`` requests from ``index_queue`` until ``None`` arrives."""
    global _worker_info
    parent = os.getppid()
    seed = _seed(base_seed, worker_id)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                              dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    error, fetcher, ended = None, None, False
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher()
    except Exception:
        error = ExceptionWrapper(where)  # reported with the first task, as PyTorch does
    while True:
        try:
            request = index_queue.get(timeout=_PARENT_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:  # the main process died: nobody will stop us
                return
            continue
        except KeyboardInterrupt:  # the main process handles Ctrl-C
            continue
        if request is None:
            return
        if isinstance(request, Resume):
            result_queue.put((request, None))
            ended = False
            if error is None:
                fetcher = make_fetcher()  # a fresh iterator over an iterable dataset
            continue
        if done_event.is_set() or ended:
            continue
        task, indices = request
        if error is not None:
            data, error = error, None
        else:
            try:
                data = fetcher(indices)
            except StopIteration:
                if not iterable:
                    data = ExceptionWrapper(where)
                else:
                    data, ended = IterableStop(worker_id), True
            except Exception:
                data = ExceptionWrapper(where)
        result_queue.put((task, data))
        del data
