"""``materialize``: turn a model built on ``meta`` into real tensors with the values
eager construction would have given it (DESIGN §12).

Build the model on ``meta`` (``device="meta"`` or ``with tl.device("meta"):``):
nothing is allocated, but every creation call, random draw and ``nn.init``
function checks its arguments, advances the generator exactly as it would on a
real device, and records a recipe in the tensor (``tensorlite._recipe``). Then
``materialize`` runs the recipes on the device you choose: the result equals,
bit for bit where DESIGN §4.4 says so, the model built there directly after the
same ``tl.manual_seed``.

>>> import tensorlite as tl
>>> _ = tl.manual_seed(0)
>>> model = tl.nn.Linear(4, 3, device="meta")
>>> tl.nn.utils.materialize(model).weight.device
device(type='cpu')
>>> _ = tl.manual_seed(0)
>>> bool((model.weight == tl.nn.Linear(4, 3).weight).all())
True
"""

from __future__ import annotations

from ... import _backends, _device, _recipe
from ..._tensor import Tensor
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["materialize"]


def _target(device):
    dev = _device.to_device(device, "materialize")
    dev = _backends.get(dev).check(dev)
    if not _backends.get(dev).has_data:
        raise RuntimeError(f"materialize(): device must hold data (cpu or cuda), got {dev}")
    return dev


def meta_entries(module):
    """``(name, tensor)`` for every meta parameter and buffer of ``module``, each tensor
    once (a tied parameter under its first name, as ``state_dict`` lists it first)."""
    seen = set()
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        if t is not None and t.is_meta and id(t) not in seen:
            seen.add(id(t))
            yield name, t


def materialize(module_or_tensor, device="cpu"):
    """Replace meta parameters and buffers by real tensors equal to eager construction.

    For a module, every meta parameter and buffer gets, in place, a tensor on
    ``device`` computed from its recipe, and the module is returned: parameters
    keep their identity (optimizers and references stay valid), tied parameters
    stay tied and are computed once. Tensors not on ``meta`` are left alone. For a
    tensor, a new tensor is returned (a ``Parameter`` for a ``Parameter``).

    Every recipe is checked before anything changes: a tensor whose values cannot
    be reproduced (modified on meta by an operation that is not replayable, or
    computed by an operation rather than created) raises ``RuntimeError`` naming
    it (its ``state_dict`` key) and the operation, and leaves the module as it was.

    Args:
        module_or_tensor: a ``tl.nn.Module`` or a meta ``Tensor``
        device: where the values go (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...)

    Example:
        >>> import tensorlite as tl
        >>> _ = tl.manual_seed(7)
        >>> with tl.device("meta"):
        ...     emb = tl.nn.Embedding(10, 4, padding_idx=0)
        >>> _ = tl.nn.utils.materialize(emb)
        >>> emb.weight[0].tolist(), emb.weight.device
        ([0.0, 0.0, 0.0, 0.0], device(type='cpu'))
    """
    dev = _target(device)
    if isinstance(module_or_tensor, Tensor):
        t = module_or_tensor
        if not t.is_meta:
            raise ValueError(f"materialize(): expected a meta tensor, got one on {t.device}")
        out = _recipe.build(t, dev)
        if isinstance(t, Parameter):
            return Parameter(out, t.requires_grad)
        return out.requires_grad_(t.requires_grad) if t.requires_grad else out
    if not isinstance(module_or_tensor, Module):
        raise TypeError(f"materialize(): expected a tensorlite.nn.Module or Tensor, got "
                        f"{type(module_or_tensor).__name__}")
    entries = [(t, name, *_recipe.plan(t, repr(name)))
               for name, t in meta_entries(module_or_tensor)]  # every check, before any change
    storages, values = {}, []
    for t, name, shape, keys, steps in entries:
        key = (id(_recipe.storage(t)), t.dtype)
        if key not in storages:
            storages[key] = _recipe.replay(shape, t.dtype, steps, dev)
        value = storages[key]
        for k in keys:
            value = value[k]
        values.append((t, value))
    for t, value in values:  # nothing below can fail: the module changes all at once
        t._data, t._device, t._dtype = value._data, value._device, value._dtype
    return module_or_tensor


