"""``tl.nn.parallel``: PyTorch's data-parallel entry points on one device.

tensorlite runs a module on the device its parameters live on; there is no
multi-GPU replication.  ``data_parallel(module, inputs)`` and
``DataParallel(module)`` therefore call the module once, on the whole batch —
what PyTorch does when a single device is given — so scripts written for
``nn.parallel`` run unchanged (the pytorch/examples DCGAN calls
``nn.parallel.data_parallel`` when it sees several GPUs).

>>> import tensorlite as tl
>>> net = tl.nn.parallel.DataParallel(tl.nn.Linear(3, 2))
>>> tuple(net(tl.ones(4, 3)).shape)
(4, 2)
"""

from __future__ import annotations

from .modules.module import Module


def _check_devices(device_ids):
    if device_ids is not None and len(list(device_ids)) > 1:
        raise NotImplementedError(
            f"data_parallel: tensorlite runs a module on one device, got device_ids="
            f"{list(device_ids)}")


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """Evaluate ``module(*inputs, **module_kwargs)`` on one device.

    ``device_ids`` may name at most one device (several raise
    ``NotImplementedError``); ``output_device`` and ``dim`` are accepted.
    """
    _check_devices(device_ids)
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return module(*inputs, **(module_kwargs or {}))


class DataParallel(Module):
    """Wrap ``module``; ``forward`` calls it once (one device).

    ``state_dict`` keys gain the ``module.`` prefix, as PyTorch's.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        _check_devices(device_ids)
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


__all__ = ["DataParallel", "data_parallel"]
