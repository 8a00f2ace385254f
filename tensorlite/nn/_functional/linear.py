r"""``linear`` (one fused operation with its derivative, in ``tensorlite._ops.linalg``)
and ``bilinear`` (a composite of ``matmul``, differentiable through it).

>>> import tensorlite as tl
>>> tl.nn.functional.linear(tl.ones(2, 3), tl.ones(4, 3)).shape
tensorlite.Size([2, 4])
"""

from __future__ import annotations

from ..._ops.linalg import linear as _linear, matmul
from ..._tensor import common_device
from ._utils import check_tensor

__all__ = ["linear", "bilinear"]


def linear(input, weight, bias=None):  # noqa: A002
    r"""Apply :math:`y = x W^\top + b` over the last dimension of ``input``.

    Shapes: ``input (*, in)``, ``weight (out, in)``, ``bias (out,)`` → ``(*, out)``.
    """
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    return _linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    r""":math:`y_k = x_1^\top A_k x_2 + b_k` over the last dimensions.

    Shapes: ``input1 (*, in1)``, ``input2 (*, in2)``, ``weight (out, in1, in2)``, ``bias
    (out,)`` → ``(*, out)``. Computed as one matrix product ``x1 @ A`` (``A`` viewed as
    ``(in1, out * in2)``) and a product-sum with ``x2``.
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        check_tensor(t, name, "bilinear")
    common_device((input1, input2, weight, bias), "bilinear")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got "
                           f"{weight.ndim}-D")
    out, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or \
            tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input1 {list(input1.shape)}, input2 "
                           f"{list(input2.shape)} and weight {list(weight.shape)} do not match "
                           f"(expected input1[..., {in1}] and input2[..., {in2}] with equal "
                           f"leading dimensions)")
    left = matmul(input1, weight.permute(1, 0, 2).reshape(in1, out * in2))
    y = (left.reshape(tuple(input1.shape[:-1]) + (out, in2)) * input2.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias
