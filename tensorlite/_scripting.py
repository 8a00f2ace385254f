"""Script-level compatibility: calls PyTorch programs make that have nothing to do in
tensorlite (``tl.compile``, ``tl.set_float32_matmul_precision``, ``Tensor.pin_memory``),
and sparse layouts, which tensorlite does not have (a clear ``NotImplementedError``).

>>> import tensorlite as tl
>>> f = tl.compile(lambda x: x + 1)
>>> f(tl.tensor(1.))
tensor(2.)
"""

from __future__ import annotations

_PRECISIONS = ("highest", "high", "medium")
_precision = ["highest"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",  # noqa: A001
            mode=None, options=None, disable=False):
    """Return ``model`` unchanged: tensorlite has no compiler, so ``tl.compile`` is the
    identity (a decorator too: ``@tl.compile`` and ``@tl.compile(mode=...)`` work). The
    arguments are accepted for compatibility and ignored."""
    if model is None:
        return lambda fn: fn
    return model


def set_float32_matmul_precision(precision):
    """Record the float32 matmul precision (``"highest"``, ``"high"``, ``"medium"``).
    tensorlite always computes float32 products in float32 (no TF32 or bfloat16
    passes), so this changes no result; ``get_float32_matmul_precision`` returns it."""
    if precision not in _PRECISIONS:
        raise RuntimeError(f"Invalid precision {precision!r}: expected one of "
                           f"{', '.join(_PRECISIONS)}")
    _precision[0] = precision


def get_float32_matmul_precision():
    return _precision[0]


_SPARSE = ("tensorlite has no sparse layouts (sparse tensors are out of scope for now); "
           "use dense tensors")


def _sparse(name):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"{name}(): {_SPARSE}")

    fn.__name__ = name
    fn.__doc__ = f"Not supported: {_SPARSE}."
    return fn


sparse_coo_tensor = _sparse("sparse_coo_tensor")
sparse_csr_tensor = _sparse("sparse_csr_tensor")
TENSOR_METHODS = {name: _sparse(name) for name in ("to_sparse", "to_sparse_csr",
                                                    "to_sparse_coo")}


def spmm(input, mat2):  # noqa: A002
    """The matrix product ``input @ mat2``; PyTorch's sparse-times-dense product, which
    also accepts dense operands (the only kind tensorlite has)."""
    from ._ops.products import mm

    return mm(input, mat2)


def pin_memory(self, device=None):
    """The tensor in page-locked host memory, for faster copies to a GPU. tensorlite
    does not page-lock memory: a CPU tensor is returned as it is (its copies to CUDA go
    through CuPy's ordinary transfers) and ``is_pinned()`` stays ``False``. Only CPU
    tensors can be pinned, as in PyTorch.

    >>> import tensorlite as tl
    >>> x = tl.ones(2)
    >>> x.pin_memory() is x, x.is_pinned()
    (True, False)
    """
    if self.device.type != "cpu":
        kind = self.type().replace("tensorlite.", "").removesuffix("Tensor")
        kind = f"Meta{kind}Type" if self.device.type == "meta" else \
            f"tensorlite.cuda.{kind}Tensor"
        raise RuntimeError(f"cannot pin '{kind}' only dense CPU tensors can be pinned")
    return self


def is_pinned(self, device=None):
    """Whether the tensor is in page-locked memory: never in tensorlite (see
    :meth:`pin_memory`)."""
    return False


TENSOR_METHODS.update(pin_memory=pin_memory, is_pinned=is_pinned)


def install(cls):
    for name, fn in TENSOR_METHODS.items():
        setattr(cls, name, fn)
    cls.is_sparse = property(lambda self: False)
