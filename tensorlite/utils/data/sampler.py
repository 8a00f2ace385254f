"""Samplers: the order in which a ``DataLoader`` visits a map-style dataset.

Every random sampler draws from tensorlite's stream (``randperm``, ``randint``,
``multinomial`` with ``generator=``), so a seeded epoch order is the same on
every machine and device. A sampler without a generator draws one 63-bit seed
from the default generator when each epoch starts and shuffles with a private
generator seeded by it, as PyTorch's ``RandomSampler`` does: each epoch costs
the default stream one draw, however large the dataset.

>>> import tensorlite as tl
>>> from tensorlite.utils.data import BatchSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
[[0, 1, 2], [3, 4, 5], [6]]
"""

from __future__ import annotations

import numbers

from ... import _creation, _dtype
from ...random.generator import Generator
from ...random.sampling import multinomial, randint, randperm

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def _epoch_generator():
    """A fresh generator seeded from one draw of the default stream."""
    seed = _creation.empty((), dtype=_dtype.int64).random_().item()
    return Generator().manual_seed(seed)


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices or lists of indices) and,
    when they can, ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices of ``data_source`` in random order.

    Without replacement: ``num_samples // n + 1`` permutations ``randperm(n)`` back to
    back, the last one cut to ``num_samples % n`` (default ``num_samples = n``: one
    permutation, then one drawn and cut to nothing). With replacement:
    ``num_samples`` independent ``randint(0, n)`` draws, 32 per call.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not _is_positive_int(self.num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        # Read lazily: the dataset's length may change between epochs.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count = len(self.data_source), self.num_samples
        generator = self.generator if self.generator is not None else _epoch_generator()
        # As PyTorch: whole calls first, then the remainder call even when it is empty
        # (a permutation drawn and cut to nothing), so the generator advances by the
        # same sequence of calls as PyTorch's does.
        if self.replacement:
            for _ in range(count // 32):
                yield from randint(high=n, size=(32,), dtype=_dtype.int64,
                                   generator=generator).tolist()
            yield from randint(high=n, size=(count % 32,), dtype=_dtype.int64,
                               generator=generator).tolist()
            return
        for _ in range(count // n):
            yield from randperm(n, generator=generator).tolist()
        yield from randperm(n, generator=generator).tolist()[:count % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The elements of ``indices`` in a random order (``randperm(len(indices))``)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices ``i`` drawn with probability ``weights[i] / sum(weights)``
    (``multinomial``; with or without replacement)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        weights = _creation.as_tensor(weights, dtype=_dtype.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        drawn = multinomial(self.weights, self.num_samples, self.replacement,
                            generator=self.generator)
        yield from drawn.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``; the last, shorter
    list is kept unless ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
