r"""``tl.linalg``: norms, factorizations and solvers, as ``torch.linalg``.

Batched over leading dims, computed by the backend's ``xp.linalg`` (NumPy's
LAPACK on cpu, cuSOLVER through CuPy on cuda; on meta only the shapes).
Derivatives (``A`` the input, ``G`` the output gradient):

* ``inv``: :math:`\bar A = -Z^\top G Z^\top` with :math:`Z = A^{-1}`;
* ``solve`` (:math:`AX = B`): :math:`\bar B = A^{-\top} G`, :math:`\bar A = -\bar B X^\top`;
* ``det``: :math:`\bar A = g \det(A) A^{-\top}`; ``slogdet``: :math:`\bar A = g A^{-\top}`;
* ``cholesky`` (:math:`A = LL^\top`): with :math:`P = \Phi(L^\top G)` (lower triangle,
  halved diagonal), :math:`S = L^{-\top} P L^{-1}`, :math:`\bar A = (S + S^\top)/2`;
* ``svdvals``: :math:`\bar A = U \operatorname{diag}(g) V^\top`, which gives the
  spectral and nuclear matrix norms theirs;
* vector norms: :math:`\bar x = g\,\operatorname{sign}(x)|x|^{p-1}/\|x\|_p^{p-1}`
  (zero at :math:`x = 0`, as PyTorch's subgradient).

``qr``, ``svd``, ``eigh`` and ``eigvalsh`` compute values; asking for their
gradient raises ``NotImplementedError`` saying so.

>>> import tensorlite as tl
>>> tl.linalg.vector_norm(tl.tensor([3., 4.]))
tensor(5.)
"""

from __future__ import annotations

import math

import numpy as np

from ._backends import cpu as _cpu
from ._device import device as _device
from ._ops.linalg import matmul
from ._ops.ordering import return_type
from ._ops.products import cross as _cross
from ._ops.shaping import diagonal as _diagonal
from ._tensor import scalar_type_name, Tensor, _wrap, common_device
from ._ops.elementwise import conjugated
from .autograd.graph import needs_grad, record

__all__ = ["vector_norm", "matrix_norm", "norm", "qr", "svd", "svdvals", "eigh", "eigvalsh",
           "inv", "solve", "solve_triangular", "cholesky", "det", "slogdet", "cross", "matmul", "diagonal",
           "multi_dot", "matrix_power", "vecdot", "LinAlgError"]


class LinAlgError(RuntimeError):
    """A matrix is singular or not positive-definite (``torch.linalg.LinAlgError``)."""


_QR = return_type("linalg_qr", ("Q", "R"))
_SVD = return_type("linalg_svd", ("U", "S", "Vh"))
_EIGH = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_SLOGDET = return_type("linalg_slogdet", ("sign", "logabsdet"))


def _float_input(A, fn, min_ndim=2, square=True):
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.{fn}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.ndim < min_ndim:
        raise RuntimeError(f"linalg.{fn}: The input tensor A must have at least {min_ndim} "
                           "dimensions.")
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as "
                           f"input. Got {scalar_type_name(A.dtype)}")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{fn}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _compute(A):
    """float32 for half inputs (LAPACK has no half precision)."""
    return np.float32 if A.dtype.itemsize == 2 else A._data.dtype


def _run(A, fn, name, shapes):
    """``fn(xp, array)`` -> arrays; on a backend without data, empty arrays of ``shapes``."""
    backend = A._backend
    x = A._data.astype(_compute(A), copy=False)
    if not backend.has_data:
        return x, [backend.empty(s, x.dtype, A.device) for s in shapes]
    with backend.context(A.device), np.errstate(all="ignore"):
        try:
            out = fn(backend.xp, x)
        except np.linalg.LinAlgError as exc:
            raise LinAlgError(_lapack_message(name, exc)) from None
    return x, list(out) if isinstance(out, tuple) else [out]


def _lapack_message(name, exc):
    if name == "cholesky":
        return ("linalg.cholesky: The factorization could not be completed because the input "
                "is not positive-definite.")
    if name in ("inv", "solve"):
        return (f"linalg.{name}: The solver failed because the input matrix is singular.")
    return f"linalg.{name}: {exc}"


def _out(data, A, dtype=None):
    dtype = dtype or A.dtype
    return _wrap(A._backend.astype(data, dtype._np), A.device, dtype)


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _no_grad_rule(name):
    def rule(grads):
        raise NotImplementedError(f"linalg.{name}: the derivative is not implemented in "
                                  f"tensorlite (compute it under tl.no_grad(), or use a "
                                  f"function with a derivative)")
    return rule


# ---- norms --------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """:math:`(\\sum |x_i|^p)^{1/p}` over ``dim`` (all elements by default); ``ord`` may be
    ``inf``, ``-inf``, 0 (the count of nonzeros) or any real ``p``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm(): argument 'input' must be Tensor, not "
                        f"{type(x).__name__}")
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {scalar_type_name(x.dtype)}")
    if dtype is not None:
        x = x.to(dtype)
    a = x.abs()
    if isinstance(dim, int):
        dim = (dim,)
    if ord == math.inf:
        return a.amax(dim, keepdim) if a.numel() else a.sum(dim, keepdim)
    if ord == -math.inf:
        return a.amin(dim, keepdim)
    if ord == 0:
        return (a != 0).to(a.dtype).sum(dim, keepdim)
    if ord == 1:
        return a.sum(dim, keepdim)
    return _p_norm(x, float(ord), dim, keepdim)


def _p_norm(x, p, dim, keepdim):
    from ._ops.reductions import _axes, _unreduce

    axis = _axes(x, dim, "linalg.vector_norm")
    backend = x._backend
    xp = backend.xp
    data = x._data.astype(np.float32, copy=False) if x.dtype.itemsize == 2 else x._data
    with backend.context(x.device), np.errstate(all="ignore"):
        a = xp.abs(data)
        if p == 2:
            norm = xp.sqrt(xp.sum(a * a, axis=axis, keepdims=keepdim))
        else:
            norm = xp.sum(a ** p, axis=axis, keepdims=keepdim) ** (1 / p)
    out = _out(xp.asarray(norm), x, x.dtype.to_real())
    if x.requires_grad and needs_grad(x):
        shape = data.shape

        def rule(grads):
            g = _unreduce(xp, grads[0], shape, axis, keepdim)
            n = _unreduce(xp, norm, shape, axis, keepdim)
            with np.errstate(all="ignore"):
                scale = data * a ** (p - 2) / n ** (p - 1) if p != 2 else data / n
            return (xp.where(n == 0, 0, g * scale),)

        record("LinalgVectorNormBackward0", (x,), out, rule, saved=(x,))
    return out


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """Frobenius (``"fro"``), nuclear (``"nuc"``), spectral (2, -2) or induced 1/inf
    norms of the matrices in dims ``dim``."""
    _float_input(A, "matrix_norm", square=False)
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(inner, keepdim=True)
        out = sums.amax(outer, keepdim=True) if ord > 0 else sums.amin(outer, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``vector_norm`` for 1-D ``dim`` (or ``ord=None`` without ``dim``), else
    ``matrix_norm``."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, dim or (-2, -1), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def tensor_norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """``Tensor.norm`` / ``tl.norm``: PyTorch's older interface over the two norms."""
    if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
        return vector_norm(self, 2, dim, keepdim, dtype=dtype)
    if p == "nuc":
        return matrix_norm(self, "nuc", dim or (-2, -1), keepdim, dtype=dtype)
    return vector_norm(self, p, dim, keepdim, dtype=dtype)


# ---- decompositions without derivatives ----------------------------------------------
def _record_none(name, A, outs):
    if A.requires_grad and needs_grad(A):
        record(name, (A,), outs, _no_grad_rule(name.removeprefix("Linalg").removesuffix(
            "Backward0").lower()))


def qr(A, mode="reduced"):
    """``Q, R`` with ``A = QR`` (``mode``: ``"reduced"``, ``"complete"``, ``"r"``)."""
    _float_input(A, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    m, n = A.shape[-2:]
    k = min(m, n) if mode != "complete" else m
    batch = tuple(A.shape[:-2])
    _, (q, r) = _run(A, lambda xp, x: xp.linalg.qr(x, mode="complete" if mode == "complete"
                                                   else "reduced"), "qr",
                     [batch + (m, k), batch + (k, n)])
    Q = _out(q, A) if mode != "r" else _out(A._backend.empty((0,), q.dtype, A.device), A)
    R = _out(r, A)
    _record_none("LinalgQrBackward0", A, (Q, R))
    return _QR(Q, R)


# ---- Q of a QR with a positive diagonal (nn.init.orthogonal_) ----------------------------
_CPU = _device("cpu")


def _block_reflector(a, leaf):
    r"""``(V, T, d)`` for the ``m x k`` block ``a`` (``m >= k``): Householder reflectors
    :math:`H_1 \cdots H_k = I - V T V^\top` (``V`` unit lower trapezoidal, ``T`` upper
    triangular: LAPACK's compact WY form) with :math:`H_k \cdots H_1 a = R`, and
    ``d = diag(R)``. ``a``'s columns after the first ``k / 2`` are used as work space.

    Recursive (Elmroth and Gustavson): factor the left half, apply its reflector to the
    right half, factor the right half's lower part, and join
    :math:`T = [[T_1, -T_1 V_1^\top V_2 T_2], [0, T_2]]` — matrix products instead of
    LAPACK's column by column panel. Blocks of at most ``leaf`` columns come from
    ``numpy.linalg.qr(mode="raw")`` (geqrf), whose ``tau`` gives ``T`` through
    :math:`T^{-1} = \operatorname{diag}(1/\tau) + \operatorname{striu}(V^\top V)`
    (Puglisi 1992; ``tau = 0`` is the identity: its column of ``V`` is zeroed).
    """
    m, k = a.shape
    if k <= leaf:
        h, tau = np.linalg.qr(a, mode="raw")  # h: LAPACK's factor, transposed (k x m)
        v, tau = h.T.astype(a.dtype), tau.astype(a.dtype)
        i = np.arange(k)
        d = v[i, i]
        v[:k] = np.tril(v[:k], -1)  # R's part (np.tril of all of v: 10x slower, measured)
        v[i, i] = 1
        v[:, tau == 0] = 0
        t_inv = np.triu(v.T @ v, 1)
        t_inv[i, i] = np.divide(1, tau, out=np.ones_like(tau), where=tau != 0)
        return v, np.linalg.inv(t_inv), d
    k1 = k // 2
    v1, t1, d1 = _block_reflector(a[:, :k1], leaf)
    rest = a[:, k1:]
    rest -= v1 @ (t1.T @ (v1.T @ rest))  # (I - V1 T1 V1^T)^T rest
    v2, t2, d2 = _block_reflector(rest[k1:], leaf)
    v = np.zeros((m, k), a.dtype)
    v[:, :k1], v[k1:, k1:] = v1, v2
    t = np.zeros((k, k), a.dtype)
    t[:k1, :k1], t[k1:, k1:] = t1, t2
    t[:k1, k1:] = -t1 @ (v1[k1:].T @ v2) @ t2
    return v, t, np.concatenate([d1, d2])


def _positive_q(xp, a, gain=1.0, block=128, leaf=32):
    r"""``gain`` times the ``Q`` of :math:`a = QR` with :math:`\operatorname{diag}(R) > 0`,
    for an ``m x n`` float32/float64 array with ``m >= n`` (``Q``: ``m x n``, orthonormal
    columns).

    For ``a`` of full rank this ``Q`` is unique, so every stable QR gives it up to
    rounding: the product :math:`Q' \operatorname{diag}(\operatorname{sign} r'_{ii})` of
    any QR :math:`Q'R'`. On the GPU it is ``cupy.linalg.qr``'s. On the CPU, NumPy's QR
    (reference LAPACK geqrf + orgqr, in float64 even for float32) spends most of its time
    in matrix-vector steps; here a blocked Householder QR in ``a``'s own dtype does most
    of its :math:`\tfrac{8}{3} n^3` flops (square) as matrix products, as LAPACK's does
    but with larger blocks:

    * for each panel of ``block`` columns, the block reflector
      :math:`I - V T V^\top` of the panel (``_block_reflector``), and the trailing columns
      updated as :math:`C \leftarrow C - V T^\top (V^\top C)`;
    * then :math:`Q D = H_1 \cdots H_n [D; 0]`, with
      :math:`D = \text{gain} \operatorname{diag}(\operatorname{sign} r_{ii})`, accumulated
      backwards as orgqr does: the last panel first,
      :math:`Q_{j:, j:} \leftarrow Q_{j:, j:} - V T (V^\top Q_{j:, j:})`, where the
      panel's own columns are still :math:`[D_j; 0]` and the later ones are zero above
      row ``j + block``, so the products skip both.

    Example:
        >>> import numpy as np
        >>> a = np.random.default_rng(0).standard_normal((5, 3))
        >>> q, r = np.linalg.qr(a)
        >>> np.allclose(_positive_q(np, a, 2.0), 2 * q * np.sign(np.diagonal(r)))
        True
    """
    if xp is not np:
        q, r = xp.linalg.qr(a)
        return q * (xp.sign(xp.diagonal(r)) * a.dtype.type(gain))
    from .nn._functional._utils import serial_blas  # nn imports this module

    with serial_blas(_CPU):
        return _householder_q(a, gain, block, leaf)


def _reflect(c, v, t, vt_x, x):
    """``c -= v @ (t @ (vt_x @ x))`` in place, the column halves side by side (below)."""
    def part(cols):
        out = c[:, cols]
        out -= v @ (t @ (vt_x @ x[:, cols]))
    half = c.shape[1] // 2
    if half < 32:
        return part(slice(None))
    _cpu.parallel([lambda: part(slice(0, half)), lambda: part(slice(half, None))])


def _householder_q(a, gain, block, leaf):
    """``_positive_q`` on the CPU. BLAS runs on one thread, and the large products on
    column halves in two threads (``cpu.parallel``: the caller runs a half the pool has not
    started, so a busy core costs no waiting). Measured on this shared 2-core machine at a
    load of 6-9, 1024x1024 float32: with OpenBLAS's own threads in the products 0.81-1.5 s
    (its threads wait for each other in every product), on one BLAS thread 0.21-0.30 s,
    and the halves side by side 0.26-0.29 s median against 0.24-0.29 s on one thread
    (PyTorch's orthogonal_: 1.3-3.3 s). On an idle machine both halves run at once (not
    measured: this machine was never idle)."""
    m, n = a.shape
    a = a.copy()
    panels, signs = [], []
    for j in range(0, n, block):
        e = min(j + block, n)
        v, t, d = _block_reflector(a[j:, j:e], leaf)
        _reflect(a[j:, e:], v, t.T, v.T, a[j:, e:])
        panels.append((j, v, t))
        signs.append(np.sign(d))
    s = np.concatenate(signs) * a.dtype.type(gain)
    q = np.zeros((m, n), a.dtype)
    for j, v, t in reversed(panels):
        w = v.shape[1]
        e = j + w
        _reflect(q[j:, e:], v, t, v[w:].T, q[e:, e:])
        q[j:, j:e] = (v @ (t @ -v[:w].T)) * s[j:e]
        q[np.arange(j, e), np.arange(j, e)] += s[j:e]
    return q


def svd(A, full_matrices=True, *, driver=None):
    """``U, S, Vh`` with ``A = U diag(S) Vh``, singular values in descending order."""
    _float_input(A, "svd", square=False)
    m, n = A.shape[-2:]
    k = min(m, n)
    batch = tuple(A.shape[:-2])
    shapes = [batch + (m, m if full_matrices else k), batch + (k,),
              batch + (n if full_matrices else k, n)]
    _, (u, s, vh) = _run(A, lambda xp, x: xp.linalg.svd(x, full_matrices=full_matrices),
                         "svd", shapes)
    outs = (_out(u, A), _out(s, A, A.dtype.to_real()), _out(vh, A))
    _record_none("LinalgSvdBackward0", A, outs)
    return _SVD(*outs)


def svdvals(A, *, driver=None):
    """The singular values of ``A``, descending; differentiable
    (:math:`\\bar A = U \\operatorname{diag}(g) V^\\top`)."""
    _float_input(A, "svdvals", square=False)
    m, n = A.shape[-2:]
    k = min(m, n)
    batch = tuple(A.shape[:-2])
    x, (u, s, vh) = _run(A, lambda xp, x: xp.linalg.svd(x, full_matrices=False), "svdvals",
                         [batch + (m, k), batch + (k,), batch + (k, n)])
    out = _out(s, A, A.dtype.to_real())
    if A.requires_grad and needs_grad(A):
        xp = A._backend.xp
        record("LinalgSvdBackward0", (A,), out,
               lambda grads: (xp.matmul(u * grads[0][..., None, :], vh),))
    return out


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices, from
    the ``UPLO`` triangle."""
    _float_input(A, "eigh")
    n = A.shape[-1]
    batch = tuple(A.shape[:-2])
    _, (w, v) = _run(A, lambda xp, x: xp.linalg.eigh(x, UPLO=UPLO), "eigh",
                     [batch + (n,), batch + (n, n)])
    outs = (_out(w, A, A.dtype.to_real()), _out(v, A))
    _record_none("LinalgEighBackward0", A, outs)
    return _EIGH(*outs)


def eigvalsh(A, UPLO="L"):
    return eigh(A, UPLO).eigenvalues


# ---- with derivatives ----------------------------------------------------------------
def _inverse(A, x):
    """``inv(x)`` for a derivative rule (on meta: a shape-only array, as a rule must
    return)."""
    backend = A._backend
    return backend.xp.linalg.inv(x) if backend.has_data else backend.empty(x.shape, x.dtype,
                                                                             A.device)


def _holomorphic(A, xp, rule):
    """``rule`` (written as the real chain rule) in PyTorch's convention for complex ``A``:
    ``conj(rule(conj(g)))``, the conjugate Wirtinger derivative of a holomorphic map."""
    return conjugated(xp, rule) if A.dtype.is_complex else rule


def inv(A):
    """The inverse of each square matrix; singular input raises ``LinAlgError``."""
    _float_input(A, "inv")
    _, (z,) = _run(A, lambda xp, x: xp.linalg.inv(x), "inv", [tuple(A.shape)])
    out = _out(z, A)
    if A.requires_grad and needs_grad(A):
        xp = A._backend.xp
        record("LinalgInvExBackward0", (A,), out, _holomorphic(A, xp, lambda grads: (
            -xp.matmul(_mT(xp, z), xp.matmul(grads[0], _mT(xp, z))),)))
    return out


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``); ``B`` may be a batch of
    vectors."""
    _float_input(A, "solve")
    if not left:
        return solve(A.mT, B.mT).mT
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {scalar_type_name(A.dtype)} and B of type "
                           f"{scalar_type_name(B.dtype)} instead")
    common_device((A, B), "linalg.solve")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    Bm = B.unsqueeze(-1) if vector else B
    if Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{Bm.shape[-2]}x{Bm.shape[-1]})")
    batch = np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    shape = batch + tuple(Bm.shape[-2:])
    a = A._data.astype(_compute(A), copy=False)
    b = Bm._data.astype(_compute(A), copy=False)
    backend = A._backend
    xp = backend.xp
    if backend.has_data:
        with backend.context(A.device):
            try:
                x = xp.linalg.solve(xp.broadcast_to(a, batch + tuple(A.shape[-2:])),
                                    xp.broadcast_to(b, shape))
            except np.linalg.LinAlgError as exc:
                raise LinAlgError(_lapack_message("solve", exc)) from None
    else:
        x = backend.empty(shape, a.dtype, A.device)
    out = _out(x, A)
    out = out.squeeze(-1) if vector else out
    if needs_grad(A, B):
        def rule(grads):
            g = grads[0][..., None] if vector else grads[0]
            if not backend.has_data:  # meta: shapes only (a solve would see zero matrices)
                return xp.zeros(batch + tuple(A.shape[-2:]), g.dtype), grads[0]
            gb = xp.linalg.solve(xp.broadcast_to(_mT(xp, a), batch + tuple(A.shape[-2:])), g)
            ga = -xp.matmul(gb, _mT(xp, x))
            return ga, (gb[..., 0] if vector else gb)

        record("LinalgSolveExBackward0", (A, B), out, _holomorphic(A, xp, rule), saved=(A,))
    return out


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``) reading only ``A``'s upper or
    lower triangle (``unitriangular``: its diagonal taken as ones). Solved as the general
    system of that triangle, so the gradient reaches only the entries read, as PyTorch's.

    >>> import tensorlite as tl
    >>> tl.linalg.solve_triangular(tl.tensor([[2., 9.], [1., 1.]]), tl.eye(2), upper=False)
    tensor([[ 0.5000,  0.0000],
            [-0.5000,  1.0000]])
    """
    _float_input(A, "solve_triangular")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    T = A.triu() if upper else A.tril()
    if unitriangular:
        from ._creation import eye

        one = eye(A.shape[-1], dtype=A.dtype, device=A.device)
        T = T * (1 - one) + one
    return solve(T, B, left=left)


def cholesky(A, *, upper=False):
    """The lower-triangular ``L`` with ``A = L L^T`` (``upper=True``: ``U = L^T``)."""
    _float_input(A, "cholesky")
    _, (L,) = _run(A, lambda xp, x: xp.linalg.cholesky(x), "cholesky", [tuple(A.shape)])
    backend = A._backend
    xp = backend.xp
    if backend.has_data and bool(xp.isnan(L).any()):  # CuPy reports failure as NaN
        raise LinAlgError(_lapack_message("cholesky", None))
    out = _out(_mT(xp, L).copy() if upper else L, A)
    if A.requires_grad and needs_grad(A):
        def rule(grads):
            g = _mT(xp, grads[0]) if upper else grads[0]
            phi = xp.tril(xp.matmul(_mT(xp, L), g))
            n = phi.shape[-1]
            phi[..., xp.arange(n), xp.arange(n)] *= 0.5
            L_inv = xp.linalg.inv(L)
            s = xp.matmul(_mT(xp, L_inv), xp.matmul(phi, L_inv))
            return (0.5 * (s + _mT(xp, s)),)

        record("LinalgCholeskyExBackward0", (A,), out, rule)
    return out


def det(A):
    """The determinant of each square matrix."""
    _float_input(A, "det")
    x, (d,) = _run(A, lambda xp, x: xp.linalg.det(x), "det", [tuple(A.shape[:-2])])
    out = _out(A._backend.xp.asarray(d), A)
    if A.requires_grad and needs_grad(A):
        xp = A._backend.xp
        record("LinalgDetBackward0", (A,), out, _holomorphic(A, xp, lambda grads: (
            (grads[0] * d)[..., None, None] * _mT(xp, _inverse(A, x)),)))
    return out


def slogdet(A):
    """``(sign, logabsdet)`` of each square matrix: ``det = sign * exp(logabsdet)``."""
    _float_input(A, "slogdet")
    batch = tuple(A.shape[:-2])
    x, (sign, logabs) = _run(A, lambda xp, x: xp.linalg.slogdet(x), "slogdet", [batch, batch])
    xp = A._backend.xp
    s, la = _out(xp.asarray(sign), A), _out(xp.asarray(logabs), A, A.dtype.to_real())
    if A.requires_grad and needs_grad(A):
        def rule(grads):
            # PyTorch's slogdet_backward: conj(g) * A^{-H}, where for complex input
            # g = g_logabsdet - i Im(g_sign * conj(sign)) (the sign moves with the phase)
            g = grads[1] if grads[1] is not None else xp.zeros(batch, x.dtype)
            if xp.iscomplexobj(x):
                g = g - 1j * (grads[0] * xp.conj(sign)).imag
            return (xp.conj(g)[..., None, None] * xp.conj(_mT(xp, _inverse(A, x))),)

        # a real sign is piecewise constant: it stays in the graph (as PyTorch's) with a
        # zero gradient
        record("LinalgSlogdetBackward0", (A,), (s, la), rule)
    return _SLOGDET(s, la)


def matrix_power(A, n):
    """``A`` multiplied by itself ``n`` times (``n < 0``: of its inverse)."""
    _float_input(A, "matrix_power") if A.dtype.is_floating_point else None
    if n < 0:
        A, n = inv(A), -n
    if n == 0:
        from ._creation import eye

        return eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape).clone()
    result, base = None, A
    while n:  # binary exponentiation
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(tensors):
    """The product of a chain of matrices (1-D ends as row / column vectors)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    out = tensors[0]
    for t in tensors[1:]:
        out = matmul(out, t)
    return out


def vecdot(x, y, *, dim=-1):
    return (x.conj() * y).sum(dim) if x.dtype.is_complex else (x * y).sum(dim)


def cross(input, other, *, dim=-1):  # noqa: A002
    return _cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _diagonal(A, offset, dim1, dim2)



def _svd_legacy(self, some=True, compute_uv=True):
    """``torch.svd``: ``U, S, V`` (not ``Vh``), reduced unless ``some=False``."""
    U, S, Vh = svd(self, full_matrices=not some)
    return _SVD_LEGACY(U, S, Vh.mT)


_SVD_LEGACY = return_type("svd", ("U", "S", "V"))


def logdet(A):
    """:math:`\\log \\det A` (NaN for a negative determinant)."""
    sign, logabs = slogdet(A)
    if A.dtype.is_complex:  # log|det| + i arg(det)
        return sign.log() + logabs
    return logabs + (sign < 0).to(logabs.dtype).masked_fill(sign < 0, float("nan"))


def pinv(A, *, hermitian=False):
    """The Moore-Penrose pseudo-inverse (from the SVD; no derivative)."""
    U, S, Vh = svd(A, full_matrices=False)
    cutoff = S.amax(-1, keepdim=True) * max(A.shape[-2:]) * _finfo_eps(A)
    inv_s = (1 / S).masked_fill(S <= cutoff, 0)
    return matmul(Vh.mT * inv_s.unsqueeze(-2), U.mT)


def _finfo_eps(A):
    return float(np.finfo(_compute(A)).eps)


def dist(self, other, p=2):
    return vector_norm(self - other, p)


TENSOR_METHODS = {
    "norm": tensor_norm, "det": det, "slogdet": slogdet, "logdet": logdet, "inverse": inv,
    "cholesky": lambda self, upper=False: cholesky(self, upper=upper),
    "qr": lambda self, some=True: tuple(qr(self, "reduced" if some else "complete")),
    "svd": _svd_legacy, "matrix_power": matrix_power, "pinverse": lambda self, rcond=1e-15:
    pinv(self), "dist": dist,
}
FUNCTIONS = dict(TENSOR_METHODS, norm=tensor_norm)


def install(cls):
    for name, fn in TENSOR_METHODS.items():
        setattr(cls, name, fn)
    cls.mH = property(lambda self: self.mT.conj() if self.dtype.is_complex else self.mT)
    cls.H = property(lambda self: self.T.conj() if self.dtype.is_complex else self.T)
    cls.adjoint = lambda self: self.mH
