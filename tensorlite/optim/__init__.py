"""Optimizers and learning-rate schedules with PyTorch's API (``torch.optim``).

Every optimizer computes PyTorch's documented algorithm in its single-tensor form,
in the parameter's dtype on the parameter's device, so the same gradients give the
same parameters as PyTorch within float32 rounding. See :mod:`.optimizer` for the
base class (parameter groups, ``zero_grad``, state dicts) and :mod:`.lr_scheduler`.

>>> import tensorlite as tl
>>> model = tl.nn.Linear(3, 1)
>>> opt = tl.optim.AdamW(model.parameters(), lr=1e-2)
>>> loss = (model(tl.ones(4, 3)) ** 2).mean()
>>> loss.backward()
>>> opt.step()
>>> opt.zero_grad()
"""

from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop",
           "Adagrad", "Adadelta", "LBFGS", "lr_scheduler"]
