"""``DataLoader``: batches from a dataset, in the main process or in worker processes.

Workers are **processes** (``multiprocessing``, the ``fork`` start method where the
platform has it, else its default), not threads, because PyTorch's worker
protocol seeds each worker's *global* random state (Python's ``random``,
NumPy's legacy RNG and tensorlite's default generators): in threads those
seeds would overwrite the main process's state and each other's, and
Python-level dataset code would not run in parallel anyway. A dataset must be
picklable when the start method is not ``fork``; with ``fork``, a process that
has already used CUDA should keep its workers to CPU work (as in PyTorch).
Batches come back through a ``multiprocessing`` queue: tensors travel as their
host arrays and are rebuilt on their device (no shared memory; ``pin_memory``
is accepted and has no effect, as there is no pinned host memory to use).

Random order comes from tensorlite's stream. Each iterator (one epoch) first
draws ``base_seed`` (``random_()`` on an int64, from ``generator`` or the
default generator), then the sampler draws the epoch's order - from the same
``generator`` when one is given - so ``generator=tl.Generator().manual_seed(s)``
fixes every epoch's order, and every worker's seeds, on every machine.

>>> import tensorlite as tl
>>> from tensorlite.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(tl.arange(10).float(), tl.arange(10))
>>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=tl.Generator().manual_seed(0))
>>> [y.tolist() for _, y in loader]
[[2, 3, 8, 5], [9, 1, 4, 6], [7, 0]]
>>> len(loader)
3
"""

from __future__ import annotations

import itertools
import multiprocessing
import numbers
import os
import queue
from multiprocessing.reduction import ForkingPickler


from ... import _creation, _dtype
from ..._tensor import Tensor
from . import _worker
from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

_STATUS_POLL_S = 5.0  # how often the main process checks that its workers are alive


# ---- tensors across the process boundary ------------------------------------------------
def _rebuild_tensor(array, device, requires_grad):
    t = _creation.from_numpy(array)
    t = t if device == "cpu" else t.to(device)
    return t.requires_grad_(True) if requires_grad else t


def _reduce_tensor(t):
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                           "since autograd does not support crossing process boundaries.  If "
                           "you just want to transfer the data, call detach() on the tensor "
                           "before serializing (e.g., putting it on the queue).")
    if t.is_meta:
        return _creation.empty, (tuple(t.shape),), {"dtype": t.dtype, "device": "meta"}
    return _rebuild_tensor, (t.detach().numpy(force=True), str(t.device), t.requires_grad)


ForkingPickler.register(Tensor, _reduce_tensor)  # only what multiprocessing sends


# ---- fetching one batch ------------------------------------------------------------
class _InfiniteConstantSampler(Sampler):
    """``None`` forever: the "indices" of an iterable dataset, so batching still counts."""

    def __iter__(self):
        return itertools.repeat(None)


class _Fetcher:
    """``fetcher(indices)`` -> a collated batch (or one converted sample)."""

    def __init__(self, dataset, iterable, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.drop_last = collate_fn, drop_last
        self.iterator = iter(dataset) if iterable else None

    def __call__(self, index):
        if self.iterator is not None:
            if not self.auto_collation:
                return self.collate_fn(next(self.iterator))
            data = list(itertools.islice(self.iterator, len(index)))
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
            return self.collate_fn(data)
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(data)


# ---- the loader ------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` (``__getitem__``/``__len__``) or an
            ``IterableDataset``.
        batch_size: samples per batch (default 1); ``None`` turns batching off
            (each sample goes through ``default_convert``).
        shuffle: a new random order every epoch (``RandomSampler``).
        sampler, batch_sampler: custom index order / index batches; exclusive with
            ``shuffle`` (and ``batch_sampler`` with ``batch_size``/``drop_last``).
        num_workers: worker processes (0: load in the main process).
        collate_fn: turns a list of samples into a batch (``default_collate``).
        pin_memory: accepted for compatibility; no effect.
        drop_last: drop the last, shorter batch.
        timeout: seconds to wait for a worker's batch (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after
            it is seeded.
        multiprocessing_context: a start method name or context (default ``fork``
            where available).
        generator: the ``tl.Generator`` for the base seed and ``RandomSampler``.
        prefetch_factor: batches requested ahead per worker (default 2 with workers).
        persistent_workers: keep the workers (and their dataset copies) between
            epochs.
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
               "persistent_workers")

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        elif shuffle not in (None, True, False):
            raise TypeError(f"DataLoader(): shuffle must be a bool, got {shuffle!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        if isinstance(multiprocessing_context, str):
            multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        values = dict(dataset=dataset, num_workers=num_workers,
                      prefetch_factor=prefetch_factor, pin_memory=pin_memory,
                      pin_memory_device=pin_memory_device, timeout=timeout,
                      worker_init_fn=worker_init_fn,
                      multiprocessing_context=multiprocessing_context, batch_size=batch_size,
                      drop_last=drop_last, sampler=sampler, batch_sampler=batch_sampler,
                      generator=generator, collate_fn=collate_fn,
                      persistent_workers=persistent_workers, in_order=in_order,
                      _iterable=iterable, _iterator=None)
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, name, value):
        if name in self._FROZEN:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        object.__setattr__(self, name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _fetcher_factory(self):
        return _FetcherFactory(self.dataset, self._iterable, self._auto_collation,
                               self.collate_fn, self.drop_last)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _MultiProcessIter(self)
        if self._iterator is None:
            self._iterator = _MultiProcessIter(self)
        else:
            self._iterator.reset(self)
        return self._iterator

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class _FetcherFactory:
    """Builds a ``_Fetcher`` where it will run (a worker builds its own iterator)."""

    def __init__(self, *args):
        self.args = args

    def __call__(self):
        return _Fetcher(*self.args)


def _base_seed(generator):
    """One 63-bit draw from ``generator`` (the default one when ``None``)."""
    return _creation.empty((), dtype=_dtype.int64).random_(generator=generator).item()


class _SingleProcessIter:
    def __init__(self, loader):
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = _base_seed(loader.generator)  # drawn as with workers
        self._fetch = loader._fetcher_factory()()

    def __iter__(self):
        return self

    def __next__(self):
        return self._fetch(next(self._sampler_iter))  # StopIteration ends the epoch


class _MultiProcessIter:
    """Round-robin requests to the workers; batches come back in request order.

    Task ``k`` goes to the next *active* worker in turn; at most
    ``prefetch_factor * num_workers`` are outstanding. Results that arrive early
    wait in ``_task_info`` until their turn. A worker whose iterable dataset is
    exhausted answers ``IterableStop`` and receives no more requests.
    """

    def __init__(self, loader):
        self._sampler_iter = iter(loader._index_sampler)
        self._base_seed = _base_seed(loader.generator)
        self._n = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._iterable = loader._iterable
        ctx = loader.multiprocessing_context or multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        factory = loader._fetcher_factory()
        for worker_id in range(self._n):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            worker = ctx.Process(target=_worker.worker_loop, daemon=True,
                                 args=(factory, loader.dataset, index_queue,
                                       self._result_queue, self._done_event, self._base_seed,
                                       loader.worker_init_fn, worker_id, self._n,
                                       self._iterable))
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self._shutdown = False
        self.reset(loader, first=True)

    def reset(self, loader, first=False):
        self._sampler_iter = iter(loader._index_sampler)
        self._send_idx = self._rcvd_idx = self._outstanding = 0
        self._task_info = {}
        self._active = [True] * self._n
        self._cycle = itertools.cycle(range(self._n))
        if not first:  # persistent workers: restart them, dropping last epoch's leftovers
            for index_queue in self._index_queues:
                index_queue.put(_worker.Resume())
            acks = self._n
            while acks:
                task, _ = self._get()
                acks -= isinstance(task, _worker.Resume)
        for _ in range(self._prefetch * self._n):
            self._request()

    def _request(self):
        try:
            indices = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._n):
            worker_id = next(self._cycle)
            if self._active[worker_id]:
                break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, indices))
        self._task_info[self._send_idx] = (worker_id,)
        self._outstanding += 1
        self._send_idx += 1

    def _get(self):
        """The next ``(task, data)`` from any worker, failing if a worker died."""
        waited = 0.0
        while True:
            wait = min(_STATUS_POLL_S, self._timeout - waited) if self._timeout else \
                _STATUS_POLL_S
            try:
                return self._result_queue.get(timeout=wait)
            except queue.Empty:
                waited += wait
                dead = [str(w.pid) for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(dead)}) exited "
                                       f"unexpectedly") from None
                if self._timeout and waited >= self._timeout:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") \
                        from None

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            # Skip tasks of workers that have stopped and will never answer them.
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process(data)
            task, data = self._get()
            self._outstanding -= 1
            if isinstance(data, _worker.IterableStop):
                self._active[data.worker_id] = False
                self._request()
                continue
            if task != self._rcvd_idx:
                self._task_info[task] += (data,)
                continue
            del self._task_info[task]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data):
        self._request()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for index_queue in self._index_queues:
            index_queue.put(None)
        for worker in self._workers:
            worker.join(timeout=_STATUS_POLL_S)
            if worker.is_alive():
                worker.terminate()
        for q in (*self._index_queues, self._result_queue):
            q.cancel_join_thread()
            q.close()

    def __del__(self):
        if os is not None and not getattr(self, "_shutdown", True):
            self._shutdown_workers()
