"""Function forms of Tensor methods (``tl.exp(x)`` is ``x.exp()``), and small helpers.

Every name in :data:`METHOD_FORMS` becomes ``tl.<name>(input, *args, **kwargs)``
calling ``input.<name>(*args, **kwargs)``, so the method owns the semantics
and the derivative. Binary operations also accept a Python number as
``input`` (``tl.sub(1, x)``), as PyTorch does.
"""

from __future__ import annotations

import numbers

from . import _dtype
from ._tensor import Tensor

METHOD_FORMS = """
abs abs_ absolute acos acos_ acosh acosh_ add addbmm addcdiv addcmul addmm addmv addmv_ addr
adjoint all allclose amax amin aminmax any arccos arccos_ arccosh arccosh_ arcsin arcsin_
arcsinh arcsinh_ arctan arctan2 arctan_ arctanh arctanh_ argmax argmin argsort argwhere asin
asin_ asinh asinh_ atan atan2 atan_ atanh atanh_ baddbmm bincount bitwise_and bitwise_not
bitwise_or bitwise_xor bmm broadcast_to ceil ceil_ cholesky chunk clamp clamp_ clamp_max
clamp_max_ clamp_min clamp_min_ clip clip_ clone conj copysign cos cos_ cosh cosh_
count_nonzero cross cummax cummin cumprod cumsum deg2rad deg2rad_ det detach detach_ diag
diag_embed diagonal diff digamma dist div divide dot dsplit eq equal erf erf_ erfc erfc_ erfinv exp
exp2 exp2_ exp_ expm1 expm1_ fill_ fix fix_ flatten flip fliplr flipud float_power floor
floor_ floor_divide fmax fmin fmod frac frac_ gather ge ger greater greater_equal gt heaviside
histc hsplit hypot index_add index_copy index_fill index_put index_put_ index_select inner
inverse isclose isfinite isinf isnan isneginf isposinf isreal kron kthvalue ldexp le lerp lgamma
less less_equal log log10 log10_ log1p log1p_ log2 log2_ log_ log_softmax logaddexp logaddexp2
logcumsumexp logdet logical_and logical_not logical_or logical_xor logit logit_ logsumexp lt
masked_fill masked_scatter masked_select matrix_power max maximum mean median min minimum mm
mode moveaxis movedim msort mul multiply mv nan_to_num nan_to_num_ nanmean nanmedian
nanquantile nansum narrow narrow_copy ne neg neg_ negative nextafter nonzero norm not_equal
outer permute pinverse positive pow prod qr quantile rad2deg rad2deg_ ravel reciprocal
reciprocal_ relu relu_ remainder repeat_interleave reshape roll rot90 round round_ rsqrt
rsqrt_ scatter scatter_add scatter_reduce select sgn sigmoid sigmoid_ sign signbit sin sin_
sinc sinc_ sinh sinh_ slogdet softmax sort split split_with_sizes sqrt sqrt_ square square_ squeeze
std sub subtract sum svd swapaxes swapdims t take take_along_dim tan tan_ tanh tanh_
tensor_split tile topk trace transpose tril triu true_divide trunc trunc_ unbind unflatten
unique_consecutive unsqueeze var vdot vsplit xlogy zero_ is_same_size is_signed ldexp_ xlogy_
""".split()

# operations whose first operand may be a Python number (tl.sub(1, x))
_BINARY = set("""add sub subtract mul multiply div divide true_divide pow remainder fmod
floor_divide atan2 arctan2 hypot logaddexp logaddexp2 copysign fmax fmin maximum minimum xlogy
float_power eq ne lt le gt ge greater greater_equal less less_equal not_equal nextafter
heaviside logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor""".split())


def _method(name):
    binary = name in _BINARY

    def fn(input, *args, **kwargs):  # noqa: A002 - PyTorch's argument name
        if not isinstance(input, Tensor):
            if binary and isinstance(input, numbers.Number) and args and \
                    isinstance(args[0], Tensor):
                from ._creation import tensor

                input = tensor(input, device=args[0].device)  # noqa: A001
            else:
                raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                                f"not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``tl.{name}(input, ...)`` is ``input.{name}(...)``."
    return fn


FUNCTIONS = {name: _method(name) for name in METHOD_FORMS}
globals().update(FUNCTIONS)


def numel(input):  # noqa: A002
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def result_type(tensor1, tensor2):
    """The dtype of an operation on the two operands (PyTorch's promotion)."""
    return _dtype.result_type(tensor1, tensor2)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """``input.unique(...)`` (PyTorch's function form takes the same arguments)."""
    return input.unique(sorted, return_inverse, return_counts, dim)
