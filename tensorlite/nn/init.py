r"""Parameter initializers with PyTorch's names, semantics and error messages.

Every function fills its tensor in place and returns it. They run under
:func:`tensorlite.no_grad`, so they may write parameters that require grad.
Random ones take ``generator=`` and draw only from tensorlite's stream (that
generator, or the default one of the tensor's device) through the in-place
fills ``Tensor.uniform_`` / ``Tensor.normal_`` and ``tl.randint``: the same
seed initializes the same weights on every device — bit for bit for the
uniform-based initializers, within ``tl.testing.assert_close`` tolerances for
the normal-based ones (DESIGN §4.4). ``orthogonal_`` uses each device's QR
decomposition, so only its orthogonality and distribution are promised.

Zero-element tensors are returned unchanged (after argument checks). On the
``meta`` device only shapes and arguments are checked.

Fan-in and fan-out follow PyTorch: for a weight of shape
``(out_features, in_features, *kernel)``, ``fan_in = in_features * prod(kernel)``
and ``fan_out = out_features * prod(kernel)`` — the convention of ``x @ w.T``
(``Linear``) and of convolution weights.

>>> import tensorlite as tl
>>> w = tl.empty(3, 5)
>>> tl.nn.init.xavier_uniform_(w, gain=tl.nn.init.calculate_gain("relu")) is w
True
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ..autograd import grad_mode as _autograd
from .. import _dtype, _recipe, _validation
from .._creation import empty, eye as _eye
from .._creation import tensor as as_tensor
from .._math import erfinv
from ..linalg import _positive_q
from .._tensor import Tensor, _wrap
from ..random.distributions import stable_argsort
from ..random.sampling import randint

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_", "sparse_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


# ---- shared helpers ------------------------------------------------------------------------
def _check_tensor(tensor, fn):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}(): argument 'tensor' must be a tensorlite.Tensor, got "
                        f"{type(tensor).__name__}")
    _validation.no_overlap(tensor)  # an expanded tensor: rejected before any word is drawn


def _check_number(value, name, fn):
    return float(_validation.real(value, name, fn))


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight: dim 1 and dim 0, each times the receptive field."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         "2 dimensions")
    receptive_field_size = math.prod(shape[2:])
    return shape[1] * receptive_field_size, shape[0] * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    valid_modes = ["fan_in", "fan_out"]
    if not isinstance(mode, str) or mode.lower() not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode.lower() == "fan_in" else fan_out


# ---- gains -------------------------------------------------------------------------------
def calculate_gain(nonlinearity, param=None):
    r"""Return the recommended gain for a nonlinearity.

    The gain scales an initializer's standard deviation so that the variance
    of activations stays about constant from layer to layer.

    ================= ====================================================
    nonlinearity      gain
    ================= ====================================================
    Linear / Identity :math:`1`
    Conv{1,2,3}D      :math:`1`
    Sigmoid           :math:`1`
    Tanh              :math:`\frac{5}{3}`
    ReLU              :math:`\sqrt{2}`
    Leaky Relu        :math:`\sqrt{\frac{2}{1 + \text{negative\_slope}^2}}`
    SELU              :math:`\frac{3}{4}`
    ================= ====================================================

    For self-normalizing networks (SELU) use ``nonlinearity='linear'``: that
    gives weights the variance ``1 / N`` the SELU fixed point needs; the SELU
    gain trades that for steadier gradients in rectangular layers.

    Args:
        nonlinearity: the name of the non-linear function (as in
            ``nn.functional``): ``linear``, ``conv1d``, ``conv2d``, ``conv3d``,
            ``conv_transpose1d``/``2d``/``3d``, ``sigmoid``, ``tanh``, ``relu``,
            ``leaky_relu`` or ``selu``.
        param: optional parameter of the non-linear function; for
            ``leaky_relu``, the negative slope (default ``0.01``).

    Raises:
        ValueError: for an unsupported nonlinearity or a non-numeric ``param``.

    Example:
        >>> import tensorlite as tl
        >>> tl.nn.init.calculate_gain("leaky_relu", 0.2)  # negative_slope=0.2
        1.3867504905630728
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


# ---- plain distributions -----------------------------------------------------------------
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    r"""Fill the tensor with values drawn from the uniform distribution :math:`\mathcal{U}(a, b)`.

    Values lie in ``[a, b)``; element ``i`` comes from stream word ``i`` (two
    words for float64), so the result is bit-identical on every device.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``
        a: the lower bound of the uniform distribution
        b: the upper bound of the uniform distribution
        generator: the ``tensorlite.Generator`` to draw from (default: the
            default generator of the tensor's device)

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> bool((tl.nn.init.uniform_(w, -0.1, 0.1).abs() <= 0.1).all())
        True
    """
    _check_tensor(tensor, "uniform_")
    with _autograd.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    r"""Fill the tensor with values drawn from the normal distribution
    :math:`\mathcal{N}(\text{mean}, \text{std}^2)`.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``
        mean: the mean of the normal distribution
        std: the standard deviation of the normal distribution
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> tl.nn.init.normal_(w, mean=0.0, std=0.02).shape
        tensorlite.Size([3, 5])
    """
    _check_tensor(tensor, "normal_")
    with _autograd.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def _norm_cdf(x):
    """The standard normal CDF :math:`\\Phi(x)` of a Python float."""
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


@_recipe.whole_call
def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    r"""Fill the tensor with values drawn from a truncated normal distribution.

    The values follow :math:`\mathcal{N}(\text{mean}, \text{std}^2)` restricted
    to :math:`[a, b]` (as if values outside were redrawn until they fall
    inside). They are generated by inverse transform sampling, PyTorch's
    classic algorithm: with :math:`\Phi` the standard normal CDF and
    :math:`\alpha = (a - \text{mean}) / \text{std}`,
    :math:`\beta = (b - \text{mean}) / \text{std}`,

    .. math::
        u \sim \mathcal{U}\big(2\Phi(\alpha) - 1,\ 2\Phi(\beta) - 1\big), \qquad
        x = \text{clamp}\big(\text{mean} + \text{std}\sqrt{2}\,\operatorname{erfinv}(u),\ a,\ b\big)

    Every element takes exactly one uniform draw (one stream word, two for
    float64; half types draw float32 uniforms and round the result once), so
    the same seed gives the same values on every device up to ``erfinv``'s
    last bits. The method works best when
    :math:`a \le \text{mean} \le b`; a warning is issued when the mean is more
    than 2 std outside ``[a, b]``.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``
        mean: the mean of the normal distribution
        std: the standard deviation of the normal distribution (positive)
        a: the minimum cutoff value
        b: the maximum cutoff value (``a < b``)
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> bool((tl.nn.init.trunc_normal_(w, std=0.02, a=-0.04, b=0.04).abs() <= 0.04).all())
        True
    """
    fn = "trunc_normal_"
    _check_tensor(tensor, fn)
    mean, std, a, b, low, high, work = _trunc_normal_args(tensor.dtype, mean, std, a, b)
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=3)
    if tensor.numel() == 0:
        return tensor
    with _autograd.no_grad():
        u = tensor if tensor.dtype is work else empty(tensor.shape, dtype=work,
                                                      device=tensor.device)
        u.uniform_(low, high, generator=generator)
        if not tensor._backend.has_data:
            return tensor  # meta: the words are reserved; the recipe replays the call
        x = _trunc_normal_values(tensor._backend, tensor.device, u._data, mean, std, a, b)
        tensor.copy_(_wrap(x, tensor.device, None))
    return tensor


def _trunc_normal_args(dtype, mean, std, a, b):
    """Checked arguments, the uniform range ``[2 Phi(alpha) - 1, 2 Phi(beta) - 1)`` and the
    working dtype of ``trunc_normal_``."""
    fn = "trunc_normal_"
    mean, std = _check_number(mean, "mean", fn), _check_number(std, "std", fn)
    a, b = _check_number(a, "a", fn), _check_number(b, "b", fn)
    if not std > 0 or not math.isfinite(std):
        raise ValueError(f"{fn}(): std must be positive and finite, got {std}")
    if not a < b:
        raise ValueError(f"{fn}(): expected a < b, got a={a} and b={b}")
    if not dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point tensor, got {dtype}")
    low = 2 * _norm_cdf((a - mean) / std) - 1
    high = 2 * _norm_cdf((b - mean) / std) - 1
    # Half types draw float32 uniforms: the same one word per element, but 24-bit
    # instead of 11- or 8-bit uniforms, which would quantize erfinv's input coarsely.
    work = _dtype.float64 if dtype is _dtype.float64 else _dtype.float32
    return mean, std, a, b, low, high, work


def _trunc_normal_values(backend, device, u, mean, std, a, b):
    """``clamp(mean + std sqrt(2) erfinv(u), a, b)`` of the uniforms ``u``, in their
    precision (elementwise: any block of ``u`` gives that block of the result)."""
    scalar = u.dtype.type
    with backend.context(device):
        # erfinv in float32 (float64 for float64), the affine map, and a clamp that
        # catches rounding just past a or b; then one rounding to the tensor's dtype.
        x = erfinv(backend.xp, u)
        x *= scalar(std * math.sqrt(2.0))
        x += scalar(mean)
        backend.xp.clip(x, scalar(a), scalar(b), out=x)
    return x


def _trunc_normal_block(shape, box, np_dtype, backend, device, seed, offset, mean=0.0, std=1.0,
                        a=-2.0, b=2.0):
    """The block ``box`` of ``trunc_normal_`` into an array of ``shape`` with the
    generator at ``(seed, offset)``: its uniforms, then the same map (Dask blocks)."""
    mean, std, a, b, low, high, work = _trunc_normal_args(_dtype.from_numpy_dtype(np_dtype),
                                                          mean, std, a, b)
    u = backend.random_block("uniform", shape, box, work._np, seed, offset, device=device,
                             low=low, high=high)
    return backend.astype(_trunc_normal_values(backend, device, u, mean, std, a, b), np_dtype)


# ---- constants and identities --------------------------------------------------------------
def constant_(tensor, val):
    r"""Fill the tensor with the value ``val``.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``
        val: the value to fill the tensor with

    Example:
        >>> import tensorlite as tl
        >>> tl.nn.init.constant_(tl.empty(3, 5), 0.3)[0, :2]
        tensor([0.3000, 0.3000])
    """
    _check_tensor(tensor, "constant_")
    with _autograd.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    r"""Fill the tensor with the scalar value ``1``.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``

    Example:
        >>> import tensorlite as tl
        >>> tl.nn.init.ones_(tl.empty(3, 5))[0]
        tensor([1., 1., 1., 1., 1.])
    """
    _check_tensor(tensor, "ones_")
    with _autograd.no_grad():
        return tensor.fill_(1.0)


def zeros_(tensor):
    r"""Fill the tensor with the scalar value ``0``.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``

    Example:
        >>> import tensorlite as tl
        >>> tl.nn.init.zeros_(tl.empty(3, 5))[0]
        tensor([0., 0., 0., 0., 0.])
    """
    _check_tensor(tensor, "zeros_")
    with _autograd.no_grad():
        return tensor.zero_()


@_recipe.whole_call
def eye_(tensor):
    r"""Fill the 2-dimensional tensor with the identity matrix.

    A ``Linear`` layer with this weight passes through as many of its inputs
    as it has outputs (``min(rows, cols)`` ones on the main diagonal).

    Args:
        tensor: a 2-dimensional ``tensorlite.Tensor``

    Raises:
        ValueError: if the tensor is not 2-dimensional.

    Example:
        >>> import tensorlite as tl
        >>> tl.nn.init.eye_(tl.empty(3, 5))
        tensor([[1., 0., 0., 0., 0.],
                [0., 1., 0., 0., 0.],
                [0., 0., 1., 0., 0.]])
    """
    _check_tensor(tensor, "eye_")
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with _autograd.no_grad():
        tensor.copy_(_eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))
    return tensor


@_recipe.whole_call
def dirac_(tensor, groups=1):
    r"""Fill the {3, 4, 5}-dimensional tensor with the Dirac delta function.

    A convolution with this weight preserves the identity of its inputs: as
    many input channels as possible are copied to output channels, each
    through a kernel whose only nonzero is a ``1`` at the kernel's centre.
    With ``groups > 1``, each group of output channels preserves identity.

    Args:
        tensor: a {3, 4, 5}-dimensional ``tensorlite.Tensor``
        groups: number of groups in the conv layer (default: 1); must divide
            ``tensor.size(0)``

    Raises:
        ValueError: for other dimensionalities, or when ``groups`` does not
            divide dim 0.

    Example:
        >>> import tensorlite as tl
        >>> w = tl.nn.init.dirac_(tl.empty(3, 16, 5, 5))
        >>> w.sum().item(), w[1, 1, 2, 2].item()
        (3.0, 1.0)
        >>> tl.nn.init.dirac_(tl.empty(3, 24, 5, 5), 3).sum().item()
        3.0
    """
    _check_tensor(tensor, "dirac_")
    dimensions = tensor.dim()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if not isinstance(groups, (numbers.Integral, np.integer)) or isinstance(groups, bool) \
            or groups <= 0:
        raise ValueError(f"dirac_(): groups must be a positive int, got {groups!r}")
    sizes = tensor.size()
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    centre = tuple(s // 2 for s in sizes[2:])
    with _autograd.no_grad():
        tensor.zero_()
        if min_dim and tensor.numel():
            # One scatter of all the ones: (g * out_per_group + d, d, *centre).
            out_idx = [g * out_chans_per_grp + d for g in range(groups) for d in range(min_dim)]
            in_idx = [d for _ in range(groups) for d in range(min_dim)]
            index = (as_tensor(out_idx, device=tensor.device),
                     as_tensor(in_idx, device=tensor.device)) + centre
            tensor[index] = 1
    return tensor


# ---- Glorot and He ---------------------------------------------------------------------------
def xavier_uniform_(tensor, gain=1.0, generator=None):
    r"""Fill the tensor with values from a Xavier (Glorot) uniform distribution.

    The method is described in *Understanding the difficulty of training deep
    feedforward neural networks* — Glorot, X. & Bengio, Y. (2010). Values are
    drawn from :math:`\mathcal{U}(-a, a)` where

    .. math::
        a = \text{gain} \times \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}

    Also known as Glorot initialization. Bit-identical on every device.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor`` (n >= 2)
        gain: an optional scaling factor
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> _ = tl.nn.init.xavier_uniform_(w, gain=tl.nn.init.calculate_gain("relu"))
    """
    fn = "xavier_uniform_"
    _check_tensor(tensor, fn)
    gain = _check_number(gain, "gain", fn)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std  # U(-a, a) has standard deviation a / sqrt(3)
    with _autograd.no_grad():
        return tensor.uniform_(-a, a, generator=generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    r"""Fill the tensor with values from a Xavier (Glorot) normal distribution.

    The method is described in *Understanding the difficulty of training deep
    feedforward neural networks* — Glorot, X. & Bengio, Y. (2010). Values are
    drawn from :math:`\mathcal{N}(0, \text{std}^2)` where

    .. math::
        \text{std} = \text{gain} \times \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}

    Also known as Glorot initialization.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor`` (n >= 2)
        gain: an optional scaling factor
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> _ = tl.nn.init.xavier_normal_(w)
    """
    fn = "xavier_normal_"
    _check_tensor(tensor, fn)
    gain = _check_number(gain, "gain", fn)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if tensor.numel() == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    with _autograd.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


def _kaiming_std(tensor, a, mode, nonlinearity, fn):
    """Validate the arguments of the He initializers and return ``gain / sqrt(fan)``."""
    _check_tensor(tensor, fn)
    if tensor.numel() == 0:  # PyTorch checks this first: no fan, mode or gain checks
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    r"""Fill the tensor with values from a Kaiming (He) uniform distribution.

    The method is described in *Delving deep into rectifiers: Surpassing
    human-level performance on ImageNet classification* — He, K. et al.
    (2015). Values are drawn from :math:`\mathcal{U}(-\text{bound}, \text{bound})` where

    .. math::
        \text{bound} = \text{gain} \times \sqrt{\frac{3}{\text{fan\_mode}}}

    Also known as He initialization. Bit-identical on every device.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor`` (n >= 2)
        a: the negative slope of the rectifier used after this layer (only
            used with ``'leaky_relu'``)
        mode: either ``'fan_in'`` (default) or ``'fan_out'``. ``'fan_in'``
            preserves the magnitude of the variance of the weights in the
            forward pass; ``'fan_out'`` preserves it in the backward pass.
        nonlinearity: the non-linear function (``nn.functional`` name);
            recommended only with ``'relu'`` or ``'leaky_relu'`` (default).
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Raises:
        ValueError: for an invalid ``mode`` or ``nonlinearity``, or a tensor
            with fewer than 2 dimensions.

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> _ = tl.nn.init.kaiming_uniform_(w, mode="fan_in", nonlinearity="relu")

    Note:
        ``fan_in`` and ``fan_out`` assume the weight is used transposed, as in
        ``x @ w.T`` with ``w.shape = [fan_out, fan_in]`` (``Linear``). For
        ``x @ w`` with ``w.shape = [fan_in, fan_out]``, pass ``w.T``.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std  # U(-b, b) has standard deviation b / sqrt(3)
    with _autograd.no_grad():
        return tensor.uniform_(-bound, bound, generator=generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    r"""Fill the tensor with values from a Kaiming (He) normal distribution.

    The method is described in *Delving deep into rectifiers: Surpassing
    human-level performance on ImageNet classification* — He, K. et al.
    (2015). Values are drawn from :math:`\mathcal{N}(0, \text{std}^2)` where

    .. math::
        \text{std} = \frac{\text{gain}}{\sqrt{\text{fan\_mode}}}

    Also known as He initialization.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor`` (n >= 2)
        a: the negative slope of the rectifier used after this layer (only
            used with ``'leaky_relu'``)
        mode: either ``'fan_in'`` (default) or ``'fan_out'``. ``'fan_in'``
            preserves the magnitude of the variance of the weights in the
            forward pass; ``'fan_out'`` preserves it in the backward pass.
        nonlinearity: the non-linear function (``nn.functional`` name);
            recommended only with ``'relu'`` or ``'leaky_relu'`` (default).
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Raises:
        ValueError: for an invalid ``mode`` or ``nonlinearity``, or a tensor
            with fewer than 2 dimensions.

    Example:
        >>> import tensorlite as tl
        >>> w = tl.empty(3, 5)
        >>> _ = tl.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")

    Note:
        ``fan_in`` and ``fan_out`` assume the weight is used transposed, as in
        ``x @ w.T`` with ``w.shape = [fan_out, fan_in]`` (``Linear``). For
        ``x @ w`` with ``w.shape = [fan_in, fan_out]``, pass ``w.T``.
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    if std is None:
        return tensor
    with _autograd.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


# ---- structured ------------------------------------------------------------------------------
@_recipe.whole_call
def orthogonal_(tensor, gain=1, generator=None):
    r"""Fill the tensor with a (semi) orthogonal matrix.

    Described in *Exact solutions to the nonlinear dynamics of learning in deep
    linear neural networks* — Saxe, A. et al. (2013). The tensor must have at
    least 2 dimensions; beyond 2, the trailing dimensions are flattened into
    ``cols = numel / rows``. A ``rows x cols`` matrix of standard normals is
    factored as :math:`QR`, and :math:`Q` is multiplied by the signs of
    :math:`R`'s diagonal so that it is uniformly (Haar) distributed:

    .. math::
        W = \text{gain} \times Q\,\operatorname{diag}(\operatorname{sign}(r_{ii}))

    (computed on the transpose when ``rows < cols``), so :math:`W W^\top =
    \text{gain}^2 I` when ``rows <= cols`` and :math:`W^\top W = \text{gain}^2 I`
    otherwise. The normals come from the stream. For a full-rank matrix this
    :math:`Q` is unique, so the QR only sets the rounding: on the CPU a blocked
    Householder QR made of matrix products (``tensorlite.linalg._positive_q``), on
    CUDA ``cupy.linalg.qr``; devices agree up to rounding. The QR runs in the
    tensor's dtype (as PyTorch's), half types in float32, rounded once.

    Args:
        tensor: an n-dimensional ``tensorlite.Tensor``, where :math:`n \geq 2`
        gain: optional scaling factor
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Raises:
        ValueError: for a tensor with fewer than 2 dimensions.

    Example:
        >>> import tensorlite as tl
        >>> w = tl.nn.init.orthogonal_(tl.empty(3, 5))
        >>> bool(((w @ w.T) - tl.eye(3)).abs().max() < 1e-5)
        True
    """
    fn = "orthogonal_"
    _check_tensor(tensor, fn)
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    gain = _check_number(gain, "gain", fn)
    if not tensor.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): expected a floating-point tensor, got {tensor.dtype}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    work = tensor.dtype if tensor.dtype.itemsize >= 4 else _dtype.float32
    flattened = empty(rows, cols, dtype=work, device=tensor.device)
    with _autograd.no_grad():
        flattened.normal_(0.0, 1.0, generator=generator)
        if not tensor._backend.has_data:
            return tensor  # meta: the words are reserved; the recipe replays the call
        backend = tensor._backend
        with backend.context(tensor.device):
            xp = backend.xp
            m = flattened._data.T if rows < cols else flattened._data
            # QR in the work dtype (float32 for float32 and half tensors), as PyTorch's:
            # its error against the exact Q is PyTorch's float32 QR's (cond * eps, about
            # 3e-6 at 1024x1024; numpy.linalg.qr works in float64 even for float32).
            q = _positive_q(xp, m, gain)
            if rows < cols:
                q = q.T
        tensor.copy_(_wrap(q, tensor.device, work).reshape(tensor.shape))
    return tensor


@_recipe.whole_call
def sparse_(tensor, sparsity, std=0.01, generator=None):
    r"""Fill the 2-D tensor as a sparse matrix with normal nonzeros.

    Described in *Deep learning via Hessian-free optimization* — Martens, J.
    (2010). Every element is first drawn from :math:`\mathcal{N}(0, \text{std}^2)`;
    then, in every column, :math:`\lceil \text{sparsity} \times \text{rows} \rceil`
    elements at uniformly random distinct rows are set to zero.

    The zero positions come from the same generator, after the values. With
    ``o`` the generator's offset once the values are drawn, column ``c`` zeroes
    the first ``ceil(sparsity * rows)`` entries of the permutation that
    ``tl.randperm(rows)`` would return starting at word ``o + 2 * rows * c``
    (the stable order of 64-bit keys built from pairs of words). All columns
    are drawn in one ``randint`` call, so the positions are bit-identical on
    every device.

    Args:
        tensor: a 2-dimensional ``tensorlite.Tensor``
        sparsity: the fraction of elements in each column to be set to zero,
            in ``[0, 1]``
        std: the standard deviation of the normal distribution used to
            generate the non-zero values
        generator: the ``tensorlite.Generator`` to draw from (default: None)

    Raises:
        ValueError: for a tensor that is not 2-dimensional, or ``sparsity``
            outside ``[0, 1]``.

    Example:
        >>> import tensorlite as tl
        >>> w = tl.nn.init.sparse_(tl.empty(3, 5), sparsity=0.1)
        >>> (w == 0).sum(0).tolist()
        [1, 1, 1, 1, 1]
    """
    fn = "sparse_"
    _check_tensor(tensor, fn)
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    sparsity = _check_number(sparsity, "sparsity", fn)
    std = _check_number(std, "std", fn)
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"{fn}(): sparsity must be in [0, 1], got {sparsity}")
    _validation.std(std)
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with _autograd.no_grad():
        tensor.normal_(0.0, std, generator=generator)
        if num_zeros == 0 or tensor.numel() == 0:
            return tensor
        # randint over the full 64-bit range returns each word pair x as x - 2**63,
        # so the signed keys sort as randperm's unsigned keys do.
        keys = randint(-(2**63), 2**63, (cols, rows), generator=generator, device=tensor.device)
        if not tensor._backend.has_data:
            return tensor  # meta: the words are reserved; the recipe replays the call
        backend = tensor._backend
        with backend.context(tensor.device):
            xp = backend.xp
            zero_rows = stable_argsort(xp, keys._data)[:, :num_zeros]
            zero_cols = xp.broadcast_to(xp.arange(cols)[:, None], zero_rows.shape)
        tensor[_wrap(zero_rows, tensor.device), _wrap(zero_cols, tensor.device)] = 0
    return tensor


def _eye_block(shape, box, np_dtype, backend, device, seed, offset):
    """The block ``box`` of ``eye_`` on a matrix of ``shape`` (ones where row == column)."""
    (r0, r1), (c0, c1) = box
    with backend.context(device):
        return backend.xp.eye(r1 - r0, c1 - c0, k=r0 - c0, dtype=np_dtype)


# Blockwise replay of recorded calls on meta tensors (tensorlite.dask.materialize); the
# other composite initializers are computed whole.
trunc_normal_.block_values = _trunc_normal_block
eye_.block_values = _eye_block


# ---- deprecated aliases ----------------------------------------------------------------------
def _make_deprecated(fn):
    """``init.uniform`` etc.: the old names without the trailing underscore, which warn
    with PyTorch's ``FutureWarning`` and then call the in-place initializer."""
    new_name = fn.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of "
                      f"`nn.init.{new_name}`.", FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = (f"{old_name}(...)\n\n    Deprecated in favor of "
                               f":func:`tensorlite.nn.init.{new_name}`, which it calls.")
    return deprecated_init


uniform = _make_deprecated(uniform_)
normal = _make_deprecated(normal_)
constant = _make_deprecated(constant_)
eye = _make_deprecated(eye_)
dirac = _make_deprecated(dirac_)
xavier_uniform = _make_deprecated(xavier_uniform_)
xavier_normal = _make_deprecated(xavier_normal_)
kaiming_uniform = _make_deprecated(kaiming_uniform_)
kaiming_normal = _make_deprecated(kaiming_normal_)
orthogonal = _make_deprecated(orthogonal_)
sparse = _make_deprecated(sparse_)
