r"""Dropout: elementwise (``dropout``) and whole channels (``dropout1d/2d/3d``).

The keep-mask is ``tl.bernoulli`` with probability ``1 - p`` drawn from the stream
(``generator`` or the device's default), so the same seed drops the same elements on
every device; kept values are scaled by :math:`1 / (1 - p)`.

>>> import tensorlite as tl
>>> tl.nn.functional.dropout(tl.ones(3), 0.5, training=False)
tensor([1., 1., 1.])
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ._utils import check_tensor, inplace_result

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


def check_p(p):
    if isinstance(p, bool) or not isinstance(p, (numbers.Real, np.number)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def _masked(input, p, training, inplace, mask_shape, generator):  # noqa: A002
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        result = input * 0
    else:
        from ...random.sampling import bernoulli
        from ..._creation import empty

        probe = empty(mask_shape, device=input.device, dtype=input.dtype)
        keep = bernoulli(probe, 1.0 - p, generator=generator)
        result = input * (keep * (1.0 / (1.0 - p)))
    return inplace_result(input, result) if inplace else result


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):  # noqa: A002
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Identity when ``training`` is false or ``p == 0``; all zeros when ``p == 1``.
    """
    check_tensor(input, "input", "dropout")
    p = check_p(p)
    return _masked(input, p, training, inplace, tuple(input.shape), generator)


def _channel_dropout(fn, d, input, p, training, inplace, generator):  # noqa: A002
    check_tensor(input, "input", fn)
    p = check_p(p)
    if input.ndim not in (d + 1, d + 2) and d > 1:
        return _deprecated_feature_dropout(fn, d, input, p, training, inplace, generator)
    if input.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{fn}: Expected {d + 1}D or {d + 2}D input, but received a "
                           f"{input.ndim}D input. Note that {fn} exists to provide channel-wise "
                           f"dropout on inputs with {d} spatial dimension{'s' * (d > 1)}, a "
                           f"channel dimension, and an optional batch dimension (i.e. "
                           f"{d + 1}D or {d + 2}D inputs).")
    if d == 2 and input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-"
                      "wise 1D dropout behavior is desired - input is interpreted as shape "
                      "(N, C, L), where C is the channel dim. This behavior will change in a "
                      "future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.")
        d = 1
    lead = input.ndim - d  # batch and channel dims keep their sizes; the mask broadcasts
    mask_shape = tuple(input.shape[:lead]) + (1,) * d
    return _masked(input, p, training, inplace, mask_shape, generator)


def _deprecated_feature_dropout(fn, d, input, p, training, inplace, generator):  # noqa: A002
    """``dropout2d``/``dropout3d`` on other ranks: PyTorch warns and still drops —
    ``dropout2d`` whole ``input[n, c]`` slices (the MNIST-RNN example applies
    ``Dropout2d`` to ``(N, C)`` features, i.e. elementwise), ``dropout3d`` whole
    ``input[i]`` slices (it reads an unbatched input)."""
    warnings.warn(f"{fn}: Received a {input.ndim}-D input to {fn}, which is deprecated and will "
                  f"result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {fn} exists to provide "
                  f"channel-wise dropout on inputs with {d} spatial dimensions, a channel "
                  f"dimension, and an optional batch dimension (i.e. {d + 1}D or {d + 2}D "
                  f"inputs).")
    lead = 2 if d == 2 else 1
    if input.ndim + (d == 3) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    return _masked(input, p, training, inplace, mask_shape, generator)


def dropout1d(input, p=0.5, training=True, inplace=False, *, generator=None):  # noqa: A002
    """Zero whole channels of ``(N, C, L)`` (or ``(C, L)``) with probability ``p``."""
    return _channel_dropout("dropout1d", 1, input, p, training, inplace, generator)


def dropout2d(input, p=0.5, training=True, inplace=False, *, generator=None):  # noqa: A002
    """Zero whole channels of ``(N, C, H, W)`` (or ``(C, H, W)``) with probability ``p``."""
    return _channel_dropout("dropout2d", 2, input, p, training, inplace, generator)


def dropout3d(input, p=0.5, training=True, inplace=False, *, generator=None):  # noqa: A002
    """Zero whole channels of ``(N, C, D, H, W)`` with probability ``p``."""
    return _channel_dropout("dropout3d", 3, input, p, training, inplace, generator)
