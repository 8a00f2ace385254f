"""Datasets: what a ``DataLoader`` reads from, with PyTorch's classes and behaviour.

A map-style dataset answers ``dataset[i]`` and ``len(dataset)``; an iterable
dataset is consumed with ``iter(dataset)``. ``random_split`` draws its
permutation from tensorlite's stream, so a seeded split is the same on every
machine.

>>> import tensorlite as tl
>>> from tensorlite.utils.data import TensorDataset, random_split
>>> ds = TensorDataset(tl.arange(10), tl.arange(10) * 2)
>>> ds[3]
(tensor(3), tensor(6))
>>> a, b = random_split(ds, [0.8, 0.2], generator=tl.Generator().manual_seed(0))
>>> len(a), len(b)
(8, 2)
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import warnings

from ... import _tensor
from ...random import default_generator
from ...random.sampling import randperm

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "random_split"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two datasets into a ``ConcatDataset``. A subclass may
    also define ``__getitems__(indices)`` to fetch a whole batch at once; the
    loader then calls it instead of ``__getitem__`` once per index.
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy, so a dataset
    that should not repeat samples splits the work with ``get_worker_info()``.
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``; the tensors share their first
    dimension.

    Raises:
        ValueError: when the first dimensions differ (PyTorch raises
            ``AssertionError`` through an ``assert``, which ``python -O`` strips).
    """

    def __init__(self, *tensors):
        if any(not isinstance(t, _tensor.Tensor) for t in tensors):
            bad = next(type(t).__name__ for t in tensors if not isinstance(t, _tensor.Tensor))
            raise TypeError(f"TensorDataset(): expected tensors, got {bad}")
        if any(t.ndim == 0 or t.size(0) != tensors[0].size(0) for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # Pass the whole batch on when the wrapped dataset can fetch batches itself.
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets read one after another.

    ``cumulative_sizes[k]`` is the total length of the first ``k + 1`` datasets;
    index ``i`` belongs to the first dataset whose cumulative size exceeds it.
    """

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after another."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _lengths_from_fractions(fractions, n):
    """Fractions summing to 1 -> lengths summing to ``n``: ``floor(n * f)`` each, then
    the remainder one by one round-robin from the first subset (PyTorch's rule)."""
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
    lengths = [math.floor(n * frac) for frac in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                          f"empty dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=default_generator):
    """Split ``dataset`` into non-overlapping ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1
    (see ``_lengths_from_fractions`` for the rounding). The order is
    ``randperm(len(dataset), generator=generator)`` cut at the cumulative lengths.

    >>> import tensorlite as tl
    >>> parts = random_split(range(5), [3, 2], generator=tl.Generator().manual_seed(1))
    >>> [list(p) for p in parts]
    [[4, 3, 1], [2, 0]]
    """
    fn = "random_split"
    lengths = list(lengths)
    if any(isinstance(x, bool) or not isinstance(x, numbers.Real) for x in lengths):
        raise TypeError(f"{fn}(): lengths must be integers or fractions, got {lengths!r}")
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, len(dataset))
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"{fn}(): lengths must be non-negative integers, got {lengths!r}")
    indices = randperm(sum(lengths), generator=generator).tolist()
    ends = itertools.accumulate(int(x) for x in lengths)
    return [Subset(dataset, indices[end - int(n):end]) for n, end in zip(lengths, ends)]
