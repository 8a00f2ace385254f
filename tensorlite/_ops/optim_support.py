r"""The few tensor operations optimizers need that the other families lack.

* ``addcmul(t1, t2, value=1)``  :math:`\text{self} + \text{value}\cdot t_1 \cdot t_2`
* ``addcdiv(t1, t2, value=1)``  :math:`\text{self} + \text{value}\cdot t_1 / t_2`
* ``lerp(end, weight)``         :math:`\text{self} + w\,(\text{end} - \text{self})`
* ``dot(other)``                :math:`\sum_i \text{self}_i\,\text{other}_i` (1-D)

and the in-place forms ``addcmul_``, ``addcdiv_``, ``lerp_``. The out-of-place
forms are built from differentiable tensor operations, so autograd needs no new
rule; they round as PyTorch's CPU kernels do (``(value * t1) * t2``, then the
sum; ``lerp`` switches to :math:`\text{end} - (\text{end}-\text{self})(1-w)`
when :math:`|w| \ge 0.5`). When nothing is recorded (the optimizer's case: under
``no_grad``), the in-place forms write the tensor's own array with ``out=``,
skipping the temporary copy of a general in-place op.

>>> import tensorlite as tl
>>> x = tl.tensor([1.0, 2.0])
>>> x.addcmul_(tl.tensor([3.0, 4.0]), tl.tensor([2.0, 2.0]), value=0.5)
tensor([4., 6.])
>>> tl.tensor([0.0, 10.0]).lerp(tl.tensor([10.0, 0.0]), 0.25)
tensor([2.5000, 7.5000])
"""

from __future__ import annotations

from .. import _dtype
from .._tensor import scalar_type_name, Tensor, _wrap
from ..autograd.graph import needs_grad, record
from . import inplace
from .elementwise import conjugated, where

_HALF = (_dtype.float16, _dtype.bfloat16)


def _opmath(fn):
    """Half-precision operands compute in float32 and round once at the end, as
    PyTorch's CPU kernels do (rounding each step would lose the cancellation in
    ``self + value * t1 / t2``)."""
    def wrapper(self, *args, **kwargs):
        tensors = [a for a in (self, *args, *kwargs.values()) if isinstance(a, Tensor)]
        if not any(t._dtype in _HALF for t in tensors):
            return fn(self, *args, **kwargs)
        result = _dtype.result_type(*tensors) if len(tensors) > 1 else self._dtype
        up = [a.float() if isinstance(a, Tensor) and a._dtype in _HALF else a
              for a in (self, *args)]
        kw = {k: v.float() if isinstance(v, Tensor) and v._dtype in _HALF else v
              for k, v in kwargs.items()}
        return fn(*up, **kw).to(result)

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@_opmath
def addcmul(self, tensor1, tensor2, *, value=1):
    """``self + value * tensor1 * tensor2`` (broadcasting)."""
    return self + (tensor1 * value if value != 1 else tensor1) * tensor2


@_opmath
def addcdiv(self, tensor1, tensor2, *, value=1):
    """``self + value * tensor1 / tensor2`` (broadcasting)."""
    return self + (tensor1 * value if value != 1 else tensor1) / tensor2


def _check_lerp(self, end):
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp(): argument 'end' must be Tensor, not {type(end).__name__}")
    if self.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {self.dtype} for `end` but got dtype {end.dtype}")


@_opmath
def lerp(self, end, weight):
    """``self + weight * (end - self)``; ``weight`` a number or a tensor."""
    _check_lerp(self, end)
    diff = end - self
    if isinstance(weight, Tensor):
        return where(weight.abs() < 0.5, self + weight * diff, end - diff * (1 - weight))
    if abs(weight) < 0.5:
        return self + diff * weight
    return end - diff * (1 - weight)


def dot(self, other):
    """The inner product of two 1-D tensors of one dtype (a 0-dim tensor)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"dot(): argument 'tensor' must be Tensor, not {type(other).__name__}")
    if self.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
    if self._dtype is not other._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{scalar_type_name(self._dtype)} and "
                           f"{scalar_type_name(other._dtype)}")
    n, m = self.shape[0], other.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           f"respectively")
    if self._device != other._device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {self._device} and {other._device}!")
    backend = self._backend
    xp = backend.xp
    with backend.context(self._device):
        a, b = self._data, other._data
        out = _wrap(xp.asarray(xp.dot(a, b)), self._device, self._dtype)
    if needs_grad(self, other):
        def rule(grads):
            return grads[0] * b, grads[0] * a

        record("DotBackward0", (self, other), out,
               conjugated(xp, rule) if self._dtype.is_complex else rule, saved=[self, other])
    return out


# ---- in-place forms ------------------------------------------------------------------------
def _direct(self, *others):
    """Whether an in-place op may write ``self``'s array directly: nothing to record,
    a float32/float64 array off ``meta``, and operands of its dtype, device and shape
    (so no promotion or broadcasting can change the result)."""
    if needs_grad(self, *others) or self._device.type == "meta":
        return False
    if self._data.dtype.kind != "f" or self._data.dtype.itemsize < 4:
        return False  # half types compute in float32 and round once: the general path
    return all(isinstance(o, Tensor) and o._dtype is self._dtype and o._device == self._device
               and o.shape == self.shape for o in others)


def _scalar(value, self):
    """A Python number as ``self``'s dtype (PyTorch casts the scalar to the op's type)."""
    return self._data.dtype.type(value)


def _direct_addc(op, self, tensor1, tensor2, value):
    xp = self._backend.xp
    with self._backend.context(self._device):
        tmp = xp.multiply(tensor1._data, _scalar(value, self)) if value != 1 \
            else tensor1._data.copy()
        op(tmp, tensor2._data, out=tmp)
        xp.add(self._data, tmp, out=self._data)
    inplace.bump(self)
    return self


_addcmul_general = inplace.method(addcmul, "addcmul_", reads_self=False)
_addcdiv_general = inplace.method(addcdiv, "addcdiv_", reads_self=False)
_lerp_general = inplace.method(lerp, "lerp_", reads_self=False)


def addcmul_(self, tensor1, tensor2, *, value=1):
    """In-place :func:`addcmul`."""
    if _direct(self, tensor1, tensor2):
        return _direct_addc(self._backend.xp.multiply, self, tensor1, tensor2, value)
    return _addcmul_general(self, tensor1, tensor2, value=value)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    """In-place :func:`addcdiv`."""
    if _direct(self, tensor1, tensor2):
        return _direct_addc(self._backend.xp.divide, self, tensor1, tensor2, value)
    return _addcdiv_general(self, tensor1, tensor2, value=value)


def lerp_(self, end, weight):
    """In-place :func:`lerp`."""
    _check_lerp(self, end)
    if isinstance(weight, Tensor) or not _direct(self, end):
        return _lerp_general(self, end, weight)
    xp = self._backend.xp
    with self._backend.context(self._device):
        diff = xp.subtract(end._data, self._data)
        if abs(weight) < 0.5:
            xp.multiply(diff, _scalar(weight, self), out=diff)
            xp.add(self._data, diff, out=self._data)
        else:
            xp.multiply(diff, _scalar(1, self) - _scalar(weight, self), out=diff)
            xp.subtract(end._data, diff, out=self._data)
    inplace.bump(self)
    return self


METHODS = {"addcmul": addcmul, "addcdiv": addcdiv, "lerp": lerp, "dot": dot,
           "addcmul_": addcmul_, "addcdiv_": addcdiv_, "lerp_": lerp_}


def install(cls):
    for name, fn in METHODS.items():
        setattr(cls, name, fn)
