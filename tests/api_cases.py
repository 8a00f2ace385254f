"""Shared inputs and expressions for the API-breadth tests (tests/test_api_breadth.py).

Each expression is evaluated with ``X`` bound to ``torch`` and to ``tensorlite``
and the named inputs below bound to the same values in each library.
"""

import numpy as np

_rng = np.random.default_rng(12)
_q = _rng.standard_normal((4, 4))

FLOATS = {
    "A": _rng.standard_normal((3, 4)), "B": _rng.standard_normal((3, 4)),
    "C": _rng.standard_normal((4, 5)), "D": _rng.standard_normal((3, 5)),
    "V": _rng.standard_normal(5), "W": _rng.standard_normal(5),
    "P": _rng.uniform(0.05, 0.95, (3, 4)), "S": _q @ _q.T + 4 * np.eye(4),
    "K": _rng.standard_normal((2, 3, 4)), "L": _rng.standard_normal((2, 4, 5)),
    "T3": _rng.standard_normal((2, 3)), "U3": _rng.standard_normal((2, 3)),
    "Z": np.array([[1., 0., 2., 3.], [2., 3., 0., 0.], [1.5, 2., 3., 4.]]),
    "SEQ": np.array([0., 1., 1., 2., 5.]),
    "N": np.array([[1., np.nan, np.inf, -2.], [-np.inf, 0.5, 3., np.nan], [0., 1., 2., 3.]]),
}
OTHERS = {
    "I": np.array([[0, 3], [2, 2], [1, 0]]), "IX": np.array([2, 0, 2]),
    "IU": np.array([2, 0, 1]), "IR": np.array([1, 0, 2]),
    "R": np.array([[1, 2, 2, 3], [3, 3, 0, 1], [5, 1, 1, 1]]),
    "M": np.array([[True, False, True, False], [False, False, True, True],
                   [True, True, False, False]]),
}
# inputs whose values matter only where their data are read (meta tensors have none)
NO_GRAD = ("SEQ", "N")

POINTWISE = """
X.erf(A); X.erfc(A * 3); X.erfinv(P * 2 - 1); X.sign(A); X.sgn(A); X.trunc(A * 3);
X.frac(A * 3); X.fix(A * 3); X.tan(A); X.asin(P); X.acos(P); X.atan(A); X.sinh(A);
X.cosh(A); X.asinh(A); X.acosh(A.abs() + 1); X.atanh(P - 0.5); X.arcsin(P); X.arccos(P);
X.arctan(A); X.arcsinh(A); X.arccosh(A.abs() + 1); X.arctanh(P - 0.5); X.rsqrt(P);
X.square(A); X.square(R); X.reciprocal(A); X.log2(P); X.log10(P); X.exp2(A); X.expm1(A);
X.log1p(P); X.sigmoid(A); X.logit(P); X.logit(P, eps=0.2); X.nan_to_num(N);
X.nan_to_num(N, nan=1.0, posinf=2.0); X.round(A * 10); X.round(A, decimals=2); X.floor(A);
X.ceil(A); X.fmod(A * 5, 1.5); X.fmod(R, 2); X.remainder(A * 5, -1.5); X.atan2(A, B);
X.arctan2(A, B); X.hypot(A, B); X.logaddexp(A, B); X.logaddexp2(A, B); X.copysign(A, B);
X.fmax(N, A); X.fmin(N, A); X.xlogy(P, P); X.lerp(A, B, 0.3); X.lerp(A, B, P);
X.deg2rad(A); X.rad2deg(A); X.sinc(A); X.isinf(N); X.isposinf(N); X.isneginf(N);
X.signbit(A); X.isnan(N); X.isfinite(N); X.logical_and(M, ~M); X.logical_or(M, A > 0);
X.logical_xor(M, A > 0); X.div(A, B, rounding_mode='floor'); X.div(R, 2, rounding_mode='trunc');
X.div(-R, 2, rounding_mode='floor'); X.divide(A, B); X.true_divide(R, 2);
X.addcmul(A, B, P, value=0.5); X.addcdiv(A, B, P, value=2); X.clamp_min(A, 0.1);
X.clamp_max(A, 0.1); X.clip(A, -0.2, 0.3); X.float_power(A, 2); X.pow(A, 2); X.exp(R);
X.sub(1, A); X.mul(2, A); X.absolute(A); X.greater(A, B); X.less_equal(A, B);
X.not_equal(R, 2); X.ldexp(A, R); X.nextafter(A, B); X.heaviside(A, B); A.where(A > 0, B);
X.positive(A); X.bitwise_and(R, 3); X.bitwise_xor(R, R.flip(0)); X.sqrt(R); X.log(R + 1);
X.isreal(A); X.neg(A); X.negative(R); X.abs(-R);
(P * 2 - 1).erfinv_(); A.clone().clamp_(-0.5, 0.5); A.clone().pow_(2); A.clone().tan_();
A.clone().atan_(); A.clone().sigmoid_(); P.clone().logit_(); N.clone().nan_to_num_();
A.clone().round_(); A.clone().trunc_(); A.clone().frac_(); A.clone().lerp_(B, 0.5);
A.clone().addcmul_(B, P); A.clone().addcdiv_(B, P); A.clone().fmod_(0.3);
A.clone().clamp_min_(0); A.clone().square_(); A.clone().hypot_(B); A.clone().atan2_(B);
A.clone().copysign_(B); A.clone().xlogy_(P); A.clone().expm1_(); P.clone().log1p_();
A.clone().reciprocal_(); P.clone().rsqrt_(); A.clone().sinh_(); A.clone().cosh_()
"""

REDUCTIONS = """
X.amax(A, 1); X.amin(A, (0, 1)); X.aminmax(A); X.aminmax(A, dim=1); X.aminmax(R, dim=0,
keepdim=True); X.argmax(A, 1); X.argmin(A); X.prod(A, 1); X.prod(R); X.logsumexp(A, 1);
X.logsumexp(A * 100, (0, 1)); X.logsumexp(R, 1); X.logsumexp(N, 0); X.std_mean(A, 1);
X.var_mean(A, (0, 1), correction=0); X.std_mean(A); X.var_mean(A, 1, keepdim=True);
X.count_nonzero(Z); X.count_nonzero(Z, 1); X.count_nonzero(R, (0, 1)); X.nansum(N);
X.nansum(N, 1); X.nanmean(N, 1); X.nanmean(N); X.all(M, 1); X.any(M); X.all(R);
X.isclose(A, A + 1e-6); X.isclose(N, N, equal_nan=True); X.isclose(N, N);
X.isclose(R, R + 1); X.allclose(A, A + 1e-9); X.allclose(A, B); X.equal(A, A.clone());
X.equal(A, B); X.equal(A, K); X.sum(R, 1); X.mean(A, 0, True); X.var(A, 1); X.std(A);
X.norm(A); A.norm(p=1, dim=1); A.norm(dim=(0, 1)); A.norm(p='nuc'); A.norm(3);
X.norm(A, float('inf'), 1, True); X.median(A); X.median(A, 1); X.median(R); X.median(N, 1);
X.nanmedian(N); X.nanmedian(N, 1); X.mode(R, 1); X.mode(R, 0, keepdim=True); X.mode(R[0]);
X.quantile(A, 0.3); X.quantile(A, 0.5, 1, interpolation='midpoint');
X.quantile(A, 0.4, 0, keepdim=True, interpolation='lower');
X.quantile(A, 0.4, 1, interpolation='higher'); X.quantile(A, 0.4, 1, interpolation='nearest');
X.nanquantile(N, 0.5, 1); X.quantile(N, 0.5, 1); X.quantile(A, P[0, :3], dim=1, keepdim=True)
"""

ORDERING = """
X.sort(A, 1); X.sort(A, 0, descending=True); X.sort(R, dim=1, stable=True);
X.sort(R, dim=1, descending=True, stable=True); X.sort(N, 1); X.sort(N, 0, descending=True);
X.argsort(A, 1); X.argsort(R, dim=0, stable=True); X.argsort(R, dim=1, descending=True, stable=True);
X.msort(A); X.topk(A, 2); X.topk(A, 2, dim=0, largest=False); X.topk(V, 5); X.topk(V, 0);
X.topk(A, 3, sorted=True); X.kthvalue(A, 2, 1); X.kthvalue(A, 1, 0, True);
X.kthvalue(V, 5); X.nonzero(Z); X.nonzero(Z, as_tuple=True); X.argwhere(Z);
X.where(Z > 1); X.nonzero(V[0]); X.unique(R); X.unique(R, return_inverse=True,
return_counts=True); X.unique(R, dim=1); X.unique(R, dim=0, return_inverse=True,
return_counts=True); X.unique(A); R.unique(return_counts=True);
X.unique_consecutive(R, return_inverse=True, return_counts=True);
X.unique_consecutive(R, dim=1); X.unique_consecutive(I, dim=0, return_counts=True);
X.bincount(R[0]); X.bincount(R.flatten(), weights=A.flatten(), minlength=8);
X.bincount(IX, minlength=5); X.histc(A, 5); X.histc(A, 4, min=-1, max=1);
X.histc(Z, 3, 0, 3); X.searchsorted(SEQ, V); X.searchsorted(SEQ, V, right=True);
X.searchsorted(SEQ, Z, side='right'); X.searchsorted(SEQ, V, out_int32=True);
X.searchsorted(X.sort(A, 1).values, B, side='right'); X.searchsorted(SEQ, 1.0);
X.searchsorted(SEQ, V, sorter=X.argsort(SEQ)); X.bucketize(V, SEQ);
X.bucketize(A, SEQ, right=True, out_int32=True); X.cumsum(A, 1); X.cumsum(R, 0);
X.cumsum(A, 0, dtype=X.float64); X.cumsum(M, 1); X.cumprod(Z, 1); X.cumprod(R, 1);
X.cummax(R, 1); X.cummin(A, 0); X.cummax(A, -1); X.logcumsumexp(A, 1);
X.logcumsumexp(A * 300, 0); X.diff(A); X.diff(A, 2, 0); X.diff(V, prepend=W, append=W);
X.diff(M, dim=1); X.diff(R, n=3); A.clone().cumsum_(1); Z.clone().cumprod_(0)
"""

SHAPES = """
X.split(A, 2, 1); X.split(A, [1, 3], 1); X.split(A, 2); X.split(A, 5, 1); X.chunk(A, 2, 1);
X.tensor_split(A, 3, 1); X.tensor_split(A, [1, 3], 1); X.tensor_split(V, 3);
X.tensor_split(V, [-2, 7]); X.hsplit(A, 2); X.vsplit(K, [1]); X.dsplit(K, 2); X.unbind(A, 1);
X.narrow(A, 1, 1, 2); X.movedim(K, 0, 2); X.movedim(K, (0, 1), (2, 0));
X.moveaxis(K, -1, 0); X.swapaxes(K, 0, 2); X.swapdims(K, 0, 1); A.unflatten(1, (2, 2));
X.unflatten(K, -1, (2, -1)); A.repeat(2, 3); A.repeat(2, 1, 2); V.repeat(0, 2);
X.repeat_interleave(A, 2, 0); X.repeat_interleave(A, 2); X.repeat_interleave(A, IR, 0);
X.repeat_interleave(IR); A.repeat_interleave(IR[:1] + 1, 1); X.tile(A, (2,));
X.tile(V, (2, 2)); A.expand_as(K); X.broadcast_to(V, (3, 5)); X.broadcast_tensors(A, K, V[:4]);
X.broadcast_shapes((3, 1), (1, 4)); X.flip(K, (0, 2)); X.fliplr(A); X.flipud(A);
X.roll(A, 1); X.roll(A, (1, -2), (0, 1)); X.roll(K, 5, 2); X.rot90(A); X.rot90(K, 2, (1, 2));
X.rot90(A, -1); X.rot90(A, 4); X.tril(A); X.triu(A, 1); X.tril(K, -1); X.triu(R, -1);
X.diag(V); X.diag(V, -2); X.diag(A); X.diag(A, 1); X.diagonal(K, 0, 1, 2);
X.diagonal(A, -1); X.diagonal(K, 1, 2, 0); X.diag_embed(A); X.diag_embed(A, 1, 0, 2);
X.diag_embed(V, -1); X.trace(A); X.trace(R); X.gather(A, 1, I); X.gather(A, 0, (I[:2] % 3));
X.gather(R, 1, I); X.take_along_dim(A, I, 1); X.take_along_dim(A, I[:1], 1);
X.take_along_dim(A, X.argsort(A, 1), 1); X.take_along_dim(A, IX); X.scatter(A, 1, I, B);
X.scatter(A, 1, I, 2.5); X.scatter(A, 1, I, B, reduce='add');
X.scatter(A, 1, I, B, reduce='multiply'); X.scatter_add(A, 1, I, B);
X.scatter_add(R, 0, (I[:2] % 3), R); X.scatter_reduce(A, 1, I, B, 'sum');
X.scatter_reduce(A, 1, I, B, 'prod', include_self=False); X.scatter_reduce(A, 1, I, B, 'mean');
X.scatter_reduce(R, 1, I, R, 'mean'); X.scatter_reduce(A, 1, I, B, 'amax');
X.scatter_reduce(A, 0, (I[:2] % 3), B, 'amin', include_self=False); A.clone().scatter_(1, I, B);
A.clone().scatter_(1, I, -1.0); A.clone().scatter_add_(1, I, B);
A.clone().scatter_reduce_(1, I, B, 'amax'); X.index_select(A, 1, IX);
X.index_select(A, 0, IX); X.index_select(V, 0, IX[0]); X.index_add(A, 1, IX, B[:, :3]);
X.index_add(A, 0, IX, B, alpha=2); X.index_copy(A, 1, IU, B[:, :3]);
X.index_fill(A, 1, IX, -1.0); X.index_fill(R, 0, IX, 7); A.clone().index_add_(0, IX, B);
A.clone().index_copy_(1, IU, B[:, :3]); A.clone().index_fill_(1, IX, 2.0);
X.masked_select(A, M); X.masked_select(A, M[0]); X.masked_scatter(A, M, B);
A.clone().masked_scatter_(M, B); X.take(A, IX); X.take(A, I); X.take(R, -IX);
X.isin(R, IR); X.isin(R, 3); X.isin(R, IR, invert=True); X.isin(A, A[0]); X.where(M, A, B);
X.where(M, A, 0.0); X.where(M, R, A); X.index_put(A, (IU,), V[:4]);
X.index_put(A, (IX, IU), V[:3], accumulate=True); A.clone().index_put_((M,), B[M]);
A.select(1, 2); X.select(K, 0, -1); X.atleast_1d(V[0]); X.atleast_2d(V); X.atleast_3d(A);
X.atleast_3d(V); X.hstack([A, B]); X.hstack([V, W]); X.vstack([A, B]); X.vstack([V, W]);
X.dstack([A, B]); X.column_stack([V, W]); X.column_stack([A, B]); A.ravel();
X.ravel(K); X.narrow_copy(A, 0, 1, 2); X.split_with_sizes(A, [1, 2]); A.is_same_size(B);
X.tril(A).tril_(); A.clone().triu_(1)
"""

PRODUCTS = """
X.mm(A, C); X.bmm(K, L); X.mv(C, V); X.dot(V, W); X.vdot(V, W); X.inner(A, B); X.inner(V, W);
X.outer(V, W); X.ger(V, W); X.addmm(D, A, C); X.addmm(D, A, C, beta=0.5, alpha=2);
X.addmm(V, A, C); X.addmv(W[:4], C, V); X.addr(A, V[:3], W[:4]); X.baddbmm(D, K, L);
X.baddbmm(D, K, L, beta=0, alpha=0.5); X.addbmm(D, K, L); X.einsum('ij,jk->ik', A, C);
X.einsum('bij,bjk->bik', K, L); X.einsum('ij->ji', A); X.einsum('ii->i', S);
X.einsum('ii', S); X.einsum('i,j', V, W); X.einsum('...j,jk', K, C);
X.einsum('ij,ij->', A, B); X.einsum('bij,jk,bkl->bil', K, C, L.transpose(1, 2));
X.einsum('ij,jk', [A, C]); X.einsum('b i j -> b j', K); X.einsum('...ij->...ji', K);
X.einsum('ij,kl->ijkl', A, B); X.tensordot(K, C, 1); X.tensordot(K, L, ([0, 2], [0, 1]));
X.tensordot(A, B, ([1], [1])); X.tensordot(A, B, 0); X.kron(A, B[:2, :2]); X.kron(V, W);
X.kron(K, A); X.cross(T3, U3, dim=1); X.linalg.cross(T3, U3); X.matmul(K, C);
X.spmm(A, C); X.linalg.multi_dot([A, C, C.T]); X.chain_matmul(A, C, C.T); A.clone().addmm_(A, S)
"""

LINALG = """
X.linalg.vector_norm(A); X.linalg.vector_norm(A, 1, 1); X.linalg.vector_norm(A, float('inf'),
(0, 1), True); X.linalg.vector_norm(A, 0); X.linalg.vector_norm(A, 3.5, 0);
X.linalg.vector_norm(A, -float('inf')); X.linalg.vector_norm(K, dim=(0, 2));
X.linalg.matrix_norm(A);
X.linalg.matrix_norm(A, 'nuc'); X.linalg.matrix_norm(A, 2); X.linalg.matrix_norm(A, -2);
X.linalg.matrix_norm(K, 1); X.linalg.matrix_norm(K, -1); X.linalg.matrix_norm(K,
float('inf'), keepdim=True); X.linalg.matrix_norm(K, 'fro', dim=(0, 2));
X.linalg.norm(A); X.linalg.norm(V, 3); X.linalg.norm(A, 'fro'); X.linalg.norm(K, dim=(1, 2));
X.linalg.norm(A, 1); X.linalg.norm(K); X.linalg.inv(S); X.linalg.solve(S, A.T);
X.linalg.solve(S, V[:4]); X.linalg.solve(S, A, left=False); X.linalg.cholesky(S);
X.linalg.cholesky(S, upper=True); X.linalg.det(S); X.linalg.det(K[:, :, :3]);
X.linalg.slogdet(S); X.linalg.slogdet(-S[:3, :3]); X.linalg.eigh(S).eigenvalues;
X.linalg.eigvalsh(S); X.linalg.eigh(S).eigenvectors.abs(); X.linalg.svdvals(A);
X.linalg.svdvals(K); X.linalg.svd(A, full_matrices=False).S; X.linalg.svd(A).U.shape;
X.linalg.svd(A).Vh.shape; X.linalg.qr(A.T).R.abs(); X.linalg.qr(A.T).Q.shape;
X.linalg.qr(A.T, mode='complete').Q.shape; X.linalg.qr(A.T, mode='r').R.abs();
X.linalg.matrix_power(S, 3); X.linalg.matrix_power(S, -1); X.linalg.matrix_power(S, 0);
X.logdet(S); X.det(S); S.inverse(); X.pinverse(A); X.linalg.pinv(A); X.dist(A, B);
X.dist(A, B, 1); X.linalg.vecdot(A, B); S.mH; A.adjoint(); X.linalg.diagonal(K);
X.svd(A).S; X.svd(A).V.abs(); X.cholesky(S)
"""

TYPES = """
X.finfo(X.float32).eps; X.finfo(X.float16).max; X.finfo(X.bfloat16).tiny; X.finfo().bits;
X.finfo(X.float64).resolution; X.finfo(X.float32).min; X.finfo(X.float16).smallest_normal;
X.iinfo(X.int8).min; X.iinfo(X.int64).max; X.iinfo(X.uint8).bits; X.iinfo(X.int32).max;
X.can_cast(X.float32, X.int32); X.can_cast(X.int32, X.float16); X.can_cast(X.int64, X.bool);
X.can_cast(X.bool, X.uint8); X.can_cast(X.float64, X.float16);
X.promote_types(X.int8, X.uint8); X.result_type(A, 2.0); X.result_type(R, 2.5);
X.result_type(M, R); X.is_floating_point(A); X.is_floating_point(R); X.is_complex(A);
X.is_tensor(A); X.is_tensor(1.0); A.is_floating_point(); R.is_complex(); A.type();
R.type(); M.type(); A.type(X.float64).dtype; A.type('torch.DoubleTensor').dtype;
A.type(X.IntTensor).dtype; A.type_as(R); R.type_as(A); X.Tensor(2, 3).shape;
X.Tensor([[1, 2]]); X.Tensor().shape; X.FloatTensor([1, 2]); X.DoubleTensor(2).shape;
X.LongTensor([1, 2]); X.IntTensor([1]); X.BoolTensor([1, 0]); X.HalfTensor([1.5]);
X.ByteTensor([1, 2]); X.ShortTensor([3]); X.CharTensor([-3]); X.BFloat16Tensor([1.5]).float();
isinstance(A, X.FloatTensor); isinstance(R, X.FloatTensor); isinstance(R, X.LongTensor);
X.zeros(size=(2, 3)); X.ones(size=[2]); X.empty(size=(2,)).shape; X.rand(size=(3,)).shape;
X.randn(size=(2, 2)).dtype; X.empty_like(A, memory_format=X.preserve_format).shape;
X.zeros_like(A, memory_format=X.contiguous_format); X.ones_like(A, layout=X.strided);
X.full_like(A, 2, memory_format=X.preserve_format); A.new_zeros(2, 3); A.new_ones((2,));
A.new_full((2,), 3); A.new_tensor([1, 2]); A.new_empty(2).shape; R.new_zeros(size=(2,));
A.new_zeros(2, dtype=X.int32); X.meshgrid(V[:2], W[:3], indexing='ij');
X.meshgrid(V[:2], W[:3], indexing='xy'); X.meshgrid([V[:2], W[:3], V[:4]], indexing='xy');
X.tril_indices(3, 4); X.triu_indices(4, 3, 1); X.tril_indices(3, 3, -1, dtype=X.int32);
X.triu_indices(3, 5, -1); X.numel(K); X.is_nonzero(A[0, 0]); X.get_float32_matmul_precision()
"""


def split(block):
    """The expressions of a block (separated by semicolons)."""
    return [e.strip() for e in block.replace("\n", " ").split(";") if e.strip()]


VALUE_CASES = [e for block in (POINTWISE, REDUCTIONS, ORDERING, SHAPES, PRODUCTS, LINALG, TYPES)
               for e in split(block)]

GRAD_CASES = split("""
X.erfc(A); X.erfinv(P - 0.5); X.tan(A); X.asin(P); X.acos(P); X.atan(A); X.sinh(A); X.cosh(A);
X.asinh(A); X.acosh(A.abs() + 1.5); X.atanh(P - 0.5); X.rsqrt(P); X.square(A);
X.reciprocal(A); X.log2(P); X.log10(P); X.exp2(A); X.expm1(A); X.log1p(P); X.logit(P);
X.logit(P, 0.3); X.nan_to_num(A); X.frac(A * 3); X.sinc(A); X.deg2rad(A); X.rad2deg(A);
X.atan2(A, B); X.hypot(A, B); X.logaddexp(A, B); X.logaddexp2(A, B); X.fmod(A * 5, B);
X.remainder(A * 5, B); X.copysign(A, B); X.fmax(A, B); X.fmin(A, B); X.xlogy(P, P + 1);
X.lerp(A, B, P); X.lerp(A, B, 0.25); X.addcmul(A, B, P, value=0.5); X.addcdiv(A, B, P + 1);
X.float_power(P, B); X.clamp(A, -0.5, 0.5); X.div(A, B, rounding_mode='trunc') + A;
A.clone().tan_(); A.clone().hypot_(B);
A.clone().lerp_(B, P); A.clone().addcmul_(B, P); (A * 1).atan2_(B); (P * 1).logit_();
X.logsumexp(A, 1); X.logsumexp(A, (0, 1), True); X.nansum(A, 1); X.nanmean(A, 0);
X.std_mean(A, 1)[0] + X.std_mean(A, 1)[1]; X.var_mean(A)[0]; X.amax(A, 1);
X.aminmax(A, dim=0).max; X.prod(A, 1); X.median(A); X.median(A, 1).values;
X.nanmedian(A, 0).values; X.mode(A, 1).values; X.quantile(A, 0.3, 1);
X.quantile(A, P[0, :2].detach(), 0); X.nanquantile(A, 0.7); X.norm(A); A.norm(p=3, dim=1);
X.linalg.vector_norm(A, 1, 1); X.linalg.vector_norm(A, float('inf'));
X.linalg.vector_norm(A, 0.5); X.linalg.vector_norm(A * (A > 0), 2, 1);
X.linalg.matrix_norm(A); X.linalg.matrix_norm(A, 'nuc'); X.linalg.matrix_norm(A, 2);
X.linalg.matrix_norm(A, -float('inf')); X.linalg.norm(K, dim=(1, 2)); X.linalg.svdvals(A);
X.dist(A, B); X.sort(A, 1).values; X.sort(A, 0, descending=True).values; X.topk(A, 2).values;
X.topk(A, 2, 0, largest=False).values; X.kthvalue(A, 2, 1).values;
X.kthvalue(A, 2, 1, True).values; X.msort(A); X.cumsum(A, 1); X.cumprod(A, 1);
X.cumprod(Z, 1); X.cumprod(Z, 0); X.cummax(A, 1).values; X.cummin(A, 0).values;
X.logcumsumexp(A, 1); X.logcumsumexp(K * 30, 2); X.diff(A, 2, 1);
X.diff(V, prepend=W, append=W); X.split(A, 2, 1)[1]; X.tensor_split(A, 3, 1)[0];
X.unbind(A, 1)[2]; X.movedim(K, 0, 2); A.unflatten(1, (2, 2)); A.repeat(2, 3);
X.repeat_interleave(A, 2, 1); X.repeat_interleave(A, IR, 0); X.tile(A, (2, 1, 2));
X.broadcast_to(V, (3, 5)); X.broadcast_tensors(A, K)[0]; X.flip(K, (0, 2));
X.roll(A, (1, -2), (0, 1)); X.roll(A, 3); X.rot90(A); X.rot90(K, 3, (1, 2)); X.tril(A);
X.triu(K, 1); X.diag(V); X.diag(A, 1); X.diagonal(K, 0, 1, 2); X.diagonal(K, -1, 2, 0);
X.diag_embed(A, 1, 0, 2); X.trace(S); X.gather(A, 1, I); X.take_along_dim(A, I[:1], 1);
X.scatter(A, 1, I, B[:, :2]); X.scatter(A, 1, I, 2.5); X.scatter_add(A, 1, I, B[:, :2]);
X.scatter_reduce(A, 1, I, B[:, :2], 'sum', include_self=False); X.scatter_reduce(A, 1, I, B[:, :2], 'mean');
X.scatter_reduce(A, 1, I, B[:, :2], 'mean', include_self=False); X.index_select(A, 1, IX);
X.index_add(A, 0, IX, B, alpha=2); X.index_copy(A, 1, IU, B[:, :3]);
X.index_fill(A, 1, IX, -1.0); X.masked_select(A, M); X.masked_scatter(A, M, B);
X.take(A, I); X.where(M, A, B); X.index_put(A, (IX, IU), V[:3], accumulate=True);
X.index_put(A, (IU,), V[:4]); X.meshgrid(V[:2], W[:3], indexing='xy')[0] * 2;
(A * 1).scatter_(1, I, B[:, :2]); (A * 1).index_add_(1, IX, B[:, :3]); (A * 1).masked_scatter_(M, B);
X.mm(A, C); X.bmm(K, L); X.mv(C, V); X.dot(V, W); X.outer(V, W);
X.addmm(D, A, C, beta=0.5, alpha=2); X.baddbmm(D, K, L); X.addmv(W[:4], C, V);
X.einsum('ij,jk->ik', A, C); X.einsum('bij,bjk->bik', K, L); X.einsum('ij->j', A);
X.einsum('i,j', V, W); X.einsum('...j,jk', K, C); X.einsum('ij,ij->', A, B);
X.einsum('bij,jk,bkl->bil', K, C, L.transpose(1, 2)); X.tensordot(K, L, ([0, 2], [0, 1]));
X.kron(A, B); X.cross(T3, U3, dim=1); X.inner(A, B); X.linalg.inv(S);
X.linalg.solve(S, A.T); X.linalg.solve(S, V[:4]); X.linalg.solve(S, A, left=False);
X.linalg.det(S); X.linalg.slogdet(S).logabsdet; X.linalg.cholesky(S);
X.linalg.cholesky(S, upper=True); X.logdet(S); X.linalg.matrix_power(S, -2);
X.linalg.det(K[:, :, :3])
""")

ERROR_CASES = split("""
X.sort(A, 5); X.topk(A, 10); X.kthvalue(A, 0); X.kthvalue(A, 5); X.gather(A, 1, I + 10);
X.gather(A, 1, I.float()); X.gather(A, 1, IX); X.index_select(A, 1, IX + 10);
X.index_select(A, 1, I); X.scatter(A, 1, I + 10, B); X.scatter_add(A, 1, I, R);
X.split(A, [1, 1], 1); X.mm(A, A); X.mm(V, A); X.bmm(A, A); X.bmm(K, K); X.dot(V, V[:3]);
X.dot(V[:4], R[0]); X.einsum('ij,jk', A, A); X.einsum('ijk', A); X.einsum('ij,jk', A);
X.linalg.inv(A); X.linalg.inv(A[:2, :2] * 0); X.linalg.cholesky(-S); X.linalg.inv(R);
X.linalg.solve(S, A); X.linalg.det(V); X.cross(A, B, 1); X.repeat_interleave(A, -1);
A.repeat(2); X.flip(A, (0, 0)); X.roll(A, (1, 2), 0); X.rot90(A, 1, (0, 0)); X.rot90(V);
X.diag(K); X.trace(K); X.bincount(-R[0]); X.bincount(A[0]); X.bincount(R); X.histc(R);
X.histc(A, 0); X.histc(A, 3, 2, 1); X.searchsorted(A, V); X.movedim(K, (0, 1), 2);
A.unflatten(1, (3, 3)); X.tensor_split(A, 0, 1); X.masked_select(A, A);
X.finfo(X.int32); X.iinfo(X.float32); X.isclose(A, R); X.div(A, B, rounding_mode='round');
X.quantile(A, 1.5); X.quantile(R, 0.5); X.meshgrid(A, indexing='xy');
X.meshgrid(V, indexing='ik'); X.tril(V); X.unique(R, dim=5); X.diff(A[0, 0]);
X.cumsum(A, 2); X.take(A, IX + 20); X.index_add(A, 0, IX, B.double());
X.addmm(A, A, A); X.tensordot(A, B, 1); X.lerp(A, R, 0.5); X.unbind(A, 2);
X.diagonal(A, 0, 1, 1); X.diag_embed(A, 0, 1, 1); X.masked_scatter(A, M, B[:1]);
X.index_fill(A, 1, IX, A); X.scatter_reduce(A, 1, I, B, 'maximum'); X.select(A, 1, 9);
X.tile(A, 2.5); X.linalg.matrix_norm(V); X.linalg.matrix_norm(A, 3);
X.linalg.norm(K, 2); X.vsplit(V, 2); X.hsplit(A, 3); X.isin(A, 'a');
X.bucketize(V, A); X.take_along_dim(A, I[0], 1);
X.can_cast(X.float32, 'x'); A.new_zeros(-1); X.triu_indices(-1, 3); X.logsumexp(A, 3);
X.aminmax(A[:, :0], dim=1); X.Tensor('a'); X.linalg.vector_norm(R, dtype=X.float64);
X.linalg.tensordot(K, C, 1)
""")
