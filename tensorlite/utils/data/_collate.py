"""Turning a list of samples into a batch (``default_collate``) and converting one
sample's NumPy arrays to tensors (``default_convert``), with PyTorch's rules.

``default_collate`` keeps the structure of a sample and stacks its leaves:

=========================  =============================================
sample leaf / container    batch
=========================  =============================================
tensor                     ``stack(batch)`` (a new leading dimension)
NumPy array                tensors of the arrays, stacked
NumPy scalar               a 1-D tensor of its dtype
``float``                  a 1-D ``float64`` tensor
``int`` / ``bool``         a 1-D ``int64`` / ``bool`` tensor
``str`` / ``bytes``        the list unchanged
mapping                    the same mapping type, collated per key
namedtuple                 the same namedtuple, collated per field
tuple / other sequence     a list (a sequence of the same type when it can be
                           rebuilt), collated per position
=========================  =============================================

>>> import tensorlite as tl
>>> batch = default_collate([{"x": tl.zeros(2), "y": 1}, {"x": tl.ones(2), "y": 0}])
>>> batch["x"].shape, batch["y"]
(tensorlite.Size([2, 2]), tensor([1, 0]))
"""

from __future__ import annotations

import collections.abc
import copy

import numpy as np

from ... import _creation, _dtype
from ..._ops.shape import stack
from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
          "lists; found {}")
_NON_NUMERIC = "SaUO"  # NumPy dtype kinds that cannot become tensors: bytes, str, object


def _rebuild(elem, values):
    """A container like ``elem`` holding ``values`` (a dict of keys or a list of
    positions): a copy of a mutable container, else its type called on the values,
    else the plain ``dict``/``list`` when the type cannot be rebuilt that way."""
    keyed = isinstance(elem, collections.abc.Mapping)
    mutable = collections.abc.MutableMapping if keyed else collections.abc.MutableSequence
    if isinstance(elem, mutable):
        clone = copy.copy(elem)
        for key, value in (values.items() if keyed else enumerate(values)):
            clone[key] = value
        return clone
    try:
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch):
    """Collate a list of samples into a batch by the table in this module's docstring.

    Raises:
        TypeError: for leaves it cannot batch (and NumPy arrays of strings/objects).
        RuntimeError: when sequences in the batch differ in length.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray) and not isinstance(elem, np.str_):
        if elem.dtype.kind in _NON_NUMERIC:
            raise TypeError(_ERROR.format(elem.dtype))
        return default_collate([_creation.as_tensor(b) for b in batch])
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return _creation.as_tensor(np.stack(batch))
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):  # bool included: a bool batch becomes a bool tensor
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(s)) for s in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild(elem, columns)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """Convert the NumPy arrays and scalars inside one sample to tensors, keeping the
    structure (what the loader applies when ``batch_size=None``)."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in _NON_NUMERIC:
        return _creation.as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _creation.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [default_convert(d) for d in data])
    return data
