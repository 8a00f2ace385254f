r"""Products beyond ``matmul``: ``mm``, ``bmm``, ``mv``, ``dot``, ``outer``, ``addmm``,
``baddbmm``, ``einsum``, ``tensordot``, ``kron``, ``cross``, with derivatives.

The fixed-rank products check their ranks (PyTorch's messages) and then are
``matmul`` (:mod:`.linalg`), so they share its derivative. ``einsum`` has its
own rule: the gradient of operand :math:`k` is the einsum of the output
gradient with the other operands, onto operand :math:`k`'s subscripts, with
letters that only operand :math:`k` has broadcast back.

>>> import tensorlite as tl
>>> tl.einsum("ij,j->i", tl.ones(2, 3), tl.arange(3.))
tensor([3., 3.])
"""

from __future__ import annotations

import string

import numpy as np

from .. import _backends
from .._tensor import scalar_type_name, Tensor, _compute_dtype, _dim, _wrap, common_device
from ..autograd.graph import named, needs_grad, record
from . import reductions
from .elementwise import Unary, conjugated
from .linalg import matmul
from .optim_support import dot



def _need(t, ndim, fn, what):
    if not isinstance(t, Tensor):
        raise TypeError(f"{fn}(): argument '{what}' must be Tensor, not {type(t).__name__}")
    if t.ndim != ndim:
        raise RuntimeError(f"{what} must be a {'matrix' if ndim == 2 else f'{ndim}D tensor'}")


def mm(self, mat2):
    """The matrix product of two 2-D tensors."""
    _need(self, 2, "mm", "self")
    _need(mat2, 2, "mm", "mat2")
    return matmul(self, mat2)


def bmm(self, mat2):
    """Batched matrix product of two 3-D tensors with the same batch size."""
    if self.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if self.shape[0] != mat2.shape[0] or self.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{self.shape[0]}, {self.shape[2]}] but got: "
                           f"[{mat2.shape[0]}, {mat2.shape[1]}].")
    return named(matmul(self, mat2), "BmmBackward0")


def mv(self, vec):
    """Matrix times vector."""
    _need(self, 2, "mv", "self")
    if vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, 2, {vec.ndim}")
    return matmul(self, vec)


def vdot(self, other):
    return dot(self.conj() if self.dtype.is_complex else self, other)


def inner(self, other):
    """Sum over the last dims (a scalar times a tensor for 0-dim operands)."""
    if self.ndim == 0 or other.ndim == 0:
        return self * other
    if self.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(self.shape)} and {list(other.shape)}")
    return tensordot(self, other, ([-1], [-1]))


def outer(self, vec2):
    """``self[i] * vec2[j]`` for 1-D tensors."""
    if self.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError("outer: expected 1D tensors")
    return self.unsqueeze(1) * vec2.unsqueeze(0)


def _scaled_sum(input, product, beta, alpha):  # noqa: A002
    """``beta * input + alpha * product``; ``beta == 0`` ignores ``input`` (NaN included)."""
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out.expand(np.broadcast_shapes(tuple(input.shape), tuple(out.shape))).clone()
    return out + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (batch1 @ batch2)`` for 3-D batches."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha)


# ---- einsum ------------------------------------------------------------------------------
def _parse(equation, operands):
    """Explicit subscripts (``...`` replaced by letters) and the output's."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum(): more operands were provided than specified in the "
                           f"equation" if len(operands) > len(terms) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in string.ascii_uppercase + string.ascii_lowercase if c not in used]
    ell_ndim = max((t.ndim - (len(term) - 3) for term, t in zip(terms, operands)
                    if "..." in term), default=0)
    ell = "".join(spare[:ell_ndim])
    out_terms = []
    for term, t in zip(terms, operands):
        if "..." in term:
            k = t.ndim - (len(term) - 3)
            term = term.replace("...", ell[ell_ndim - k:])
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(term)}) does not match the number of dimensions "
                               f"({t.ndim}) for operand {len(out_terms)}"
                               f"{'' if '...' in eq else ' and no ellipsis was given'}")
        out_terms.append(term)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(out_terms)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and
                                   c not in ell))
    return out_terms, out


def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum`` (``...`` and implicit outputs included)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, got {type(t).__name__}")
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"expected scalar type {scalar_type_name(operands[0].dtype)} but found "
                           f"{scalar_type_name(next(d for d in dtypes if d is not operands[0].dtype))}")
    terms, out_term = _parse(equation, operands)
    device = common_device(operands, "einsum")
    backend = _backends.get(device)
    xp = backend.xp
    dtype = operands[0].dtype
    compute = _compute_dtype(dtype)
    spec = ",".join(terms) + "->" + out_term
    with backend.context(device):
        arrays = [t._data if t._data.dtype == compute._np else
                  backend.astype(t._data, compute._np) for t in operands]
        try:
            data = _contract(xp, spec, arrays)
        except ValueError as exc:  # sizes that do not match
            raise RuntimeError(f"einsum(): {exc}") from None
        data = backend.astype(xp.asarray(data), dtype._np)
    out = _wrap(data, device, dtype)
    if (dtype.is_floating_point or dtype.is_complex) and needs_grad(*operands):
        flags = [t.requires_grad for t in operands]

        def rule(grads):
            g = grads[0]
            result = []
            for k, (term, a) in enumerate(zip(terms, arrays)):
                if not flags[k]:
                    result.append(None)
                    continue
                others = [(terms[j], arrays[j]) for j in range(len(terms)) if j != k]
                result.append(_einsum_grad(backend, g, out_term, others, term, a))
            return tuple(result)

        if dtype.is_complex:
            rule = conjugated(xp, rule)
        record("EinsumBackward0", operands, out, rule, saved=operands)
    return out


def _einsum_grad(backend, g, out_term, others, term, a):
    """The gradient of the operand ``a`` (subscripts ``term``): the einsum of the output
    gradient with the other operands onto ``term``'s letters, each once; a letter found
    nowhere else is broadcast. A repeated letter (``'ii'``, a diagonal) reads one element
    per value of the letter, so its gradient goes to that generalized diagonal and the
    rest of ``a``'s gradient is zero."""
    xp = backend.xp
    letters = "".join(dict.fromkeys(term))  # each once, in order
    sizes = [a.shape[term.index(c)] for c in letters]
    available = set(out_term).union(*[set(t) for t, _ in others])
    kept = "".join(c for c in letters if c in available)
    spec = ",".join([out_term] + [t for t, _ in others]) + "->" + kept
    r = xp.asarray(_contract(xp, spec, [g] + [arr for _, arr in others]))
    r = r.reshape([r.shape[kept.index(c)] if c in kept else 1 for c in letters])
    if len(letters) == len(term):
        return xp.broadcast_to(r, np.broadcast_shapes(r.shape, a.shape))
    # a letter of size 1 here that another operand broadcast: sum it back
    summed = tuple(i for i, n in enumerate(sizes) if n == 1 and r.shape[i] != 1)
    if summed:
        r = r.sum(axis=summed, keepdims=True)
    out = xp.zeros(a.shape, r.dtype)
    diagonal = []  # axis p of ``a`` indexed by its letter's position along that letter
    for c in term:
        at = letters.index(c)
        diagonal.append(xp.arange(sizes[at]).reshape(
            [-1 if i == at else 1 for i in range(len(letters))]))
    backend.assign(out, tuple(diagonal), xp.broadcast_to(r, sizes))
    return out


def _contract(xp, spec, arrays):
    """``einsum(spec, *arrays)``: two operands as one batched matmul (as PyTorch does),
    more through NumPy's optimizer (pairwise BLAS contractions), one as is."""
    if len(arrays) == 2:
        out = _pair_matmul(xp, spec, *arrays)
        if out is not None:
            return out
    if len(arrays) == 1:
        out = _one_sum(xp, spec, arrays[0])
        if out is not None:
            return out
    return xp.einsum(spec, *arrays, optimize=len(arrays) > 1 or None)


def _one_sum(xp, spec, a):
    """``einsum`` of one operand that sums some letters away (``'ij->i'``): the sum over
    those dimensions (PyTorch's own route; on the CPU split over threads and rows,
    :func:`tensorlite._ops.reductions.threaded`), then the kept ones in the output's
    order. ``None`` for repeated letters (diagonals) or nothing to sum."""
    term, out = spec.split("->")
    summed = tuple(i for i, c in enumerate(term) if c not in out)
    if len(set(term)) != len(term) or not summed:
        return None
    kept = [c for c in term if c in out]
    r = reductions._sum_forward(xp, a, summed, False)
    return xp.transpose(r, [kept.index(c) for c in out])


def _pair_matmul(xp, spec, a, b):
    """``einsum`` of two operands as ``(batch, m, k) @ (batch, k, n)``: letters in both
    and the output are batch dims, in both but not the output are summed by the product,
    in one operand and the output are its free dims. ``None`` for repeated letters."""
    lhs, out = spec.split("->")
    ta, tb = lhs.split(",")
    if len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        return None
    # letters only one operand has and the output lacks: sum them out first
    a_only = [c for c in ta if c not in tb and c not in out]
    b_only = [c for c in tb if c not in ta and c not in out]
    if a_only:
        a = a.sum(axis=tuple(ta.index(c) for c in a_only))
        ta = "".join(c for c in ta if c not in a_only)
    if b_only:
        b = b.sum(axis=tuple(tb.index(c) for c in b_only))
        tb = "".join(c for c in tb if c not in b_only)
    size = {c: n for t, arr in ((ta, a), (tb, b)) for c, n in zip(t, arr.shape) if n != 1}
    batch = [c for c in out if c in ta and c in tb]
    summed = [c for c in ta if c in tb and c not in out]
    left = [c for c in out if c in ta and c not in tb]
    right = [c for c in out if c in tb and c not in ta]

    def arrange(arr, term, groups):
        arr = xp.transpose(arr, [term.index(c) for g in groups for c in g])
        shape = [c for g in groups for c in g]
        arr = xp.broadcast_to(arr, [size.get(c, 1) for c in shape])
        return arr.reshape([int(np.prod([size.get(c, 1) for c in g])) for g in groups])

    x = arrange(a, ta, (batch, left, summed))
    y = arrange(b, tb, (batch, summed, right))
    z = xp.matmul(x, y).reshape([size.get(c, 1) for c in batch + left + right])
    order = batch + left + right
    return xp.transpose(z, [order.index(c) for c in out])


def tensordot(a, b, dims=2):
    """Sum over the last ``dims`` dims of ``a`` and the first of ``b`` (or the listed pairs)."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif isinstance(dims, Tensor):
        da, db = dims.tolist() if dims.ndim == 2 else (list(range(a.ndim - int(dims.item()),
                                                                   a.ndim)),
                                                        list(range(int(dims.item()))))
    else:
        da, db = dims
        if isinstance(da, int) or isinstance(db, int):
            raise TypeError(f"tensordot(): dims must be an int or a pair of lists of dims, "
                            f"got {dims!r}")
        da, db = list(da), list(db)
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length")
    da = [_dim(d, a.ndim, "tensordot") for d in da]
    db = [_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[i]} in dim {i} and second has size {b.shape[j]} "
                               f"in dim {j}")
    letters = iter(string.ascii_letters)
    ta = [next(letters) for _ in range(a.ndim)]
    tb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out = [c for i, c in enumerate(ta) if i not in da] + \
        [c for j, c in enumerate(tb) if j not in db]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", a, b)


def kron(self, other):
    """The Kronecker product: blocks ``self[i, j] * other``."""
    n = max(self.ndim, other.ndim)
    a = self.reshape((1,) * (n - self.ndim) + tuple(self.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    wide = a.reshape([v for s in a.shape for v in (s, 1)]) * \
        b.reshape([v for s in b.shape for v in (1, s)])
    return wide.reshape([sa * sb for sa, sb in zip(a.shape, b.shape)])


def cross(self, other, dim=None):
    """The 3-D cross product along ``dim`` (by default the first dim of size 3, as
    ``torch.cross``; ``tl.linalg.cross`` defaults to -1)."""
    if self.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(self.shape), tuple(other.shape))
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = _dim(dim, len(shape), "cross")
    if self.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{self.shape[d]} and {other.shape[d]}")
    a, b = self.expand(shape), other.expand(shape)
    a0, a1, a2 = (a.select(d, i) for i in range(3))
    b0, b1, b2 = (b.select(d, i) for i in range(3))
    from .shape import stack

    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


_conj = Unary("conj", lambda xp, x: xp.conj(x), lambda xp, g, x, z: xp.conj(g),
              float_only=False)


def conj(self):
    """The complex conjugate (real tensors are returned as they are)."""
    return _conj(self) if self.dtype.is_complex else self


METHODS = {"mm": mm, "bmm": bmm, "mv": mv, "vdot": vdot, "inner": inner,
           "outer": outer, "ger": outer, "addmm": addmm, "addmv": addmv, "addr": addr,
           "baddbmm": baddbmm, "addbmm": addbmm, "kron": kron, "cross": cross, "conj": conj}


def install(cls):
    from . import inplace

    for name, fn in METHODS.items():
        setattr(cls, name, fn)
    for name in ("addmm", "addmv", "addr", "baddbmm", "addbmm"):
        setattr(cls, name + "_", inplace.method(METHODS[name], name + "_"))
