"""``Dropout`` and the channel-wise ``Dropout1d``, ``Dropout2d``, ``Dropout3d``."""

from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class Dropout(Module):
    r"""During training, zero each element with probability ``p`` and scale the
    others by :math:`\frac{1}{1-p}` (Srivastava et al., 2014); the identity in
    ``eval()`` mode.

    The mask is drawn with ``tl.bernoulli`` from the default generator of the
    input's device, so the same seed drops the same elements on every device.

    Args:
        p: probability of an element to be zeroed (default 0.5), in ``[0, 1]``
        inplace: if ``True``, overwrite the input

    Example:
        >>> import tensorlite as tl
        >>> drop = tl.nn.Dropout(p=0.5)
        >>> drop
        Dropout(p=0.5, inplace=False)
        >>> drop.eval()(tl.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._dropout_family.check_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class _ChannelDropout(Dropout):
    _fn = None

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.p, self.training, self.inplace)


class Dropout1d(_ChannelDropout):
    """Zero whole channels of ``(N, C, L)`` with probability ``p`` (scaled by
    ``1 / (1 - p)``)."""

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_ChannelDropout):
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p``."""

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_ChannelDropout):
    """Zero whole channels of ``(N, C, D, H, W)`` with probability ``p``."""

    _fn = staticmethod(F.dropout3d)
