"""Edges of the ``tensorlite._ops`` families that tests/test_api_breadth.py's cases do not
reach (issue 18: line coverage of the contract modules), each checked against PyTorch's
CPU build the same way: values, dtypes and shapes (meta: shapes and dtypes), gradients
in float64 to 1e-10, and exception types. The expressions use tests/api_cases.py's
inputs (``A``: 3x4 floats, ``R``: 3x4 int64, ``M``: 3x4 bool, ``K``: 2x3x4, ...).
Known deviations from PyTorch are strict ``xfail``s naming what differs.
"""

import warnings

import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the reference) is not installed")

import numpy as np  # noqa: E402

import tensorlite as tl  # noqa: E402

# the comparison machinery of the API-breadth tests, shared rather than copied
import test_api_breadth as breadth  # noqa: E402
from test_api_breadth import _builtin, _compare, _evaluate, _inputs  # noqa: E402
from api_cases import split  # noqa: E402

VALUES = split("""
X.logsumexp(A[:0], 0); X.logsumexp(A[:0], 1, True); X.std_mean(A, True); X.var_mean(A, False);
X.std_mean(A, False); X.nansum(R); X.nansum(R, 1); X.nansum(M); X.nansum(A, 1, dtype=X.float64);
X.nanmean(N, 1, dtype=X.float64); X.count_nonzero(Z, ()); X.isclose(R, R + 1, 0, 0);
X.isclose(R, R, 0, 0); X.equal(A, A[:2]); X.allclose(N, N, equal_nan=True);
X.inner(A, A[0, 0]); X.inner(A[0, 0], V); X.einsum('ij,jk->k', A, C); X.einsum('ij,jk->i', A, C);
X.einsum('ij,jk', [A, C]); X.einsum('ii,i->i', S, V[:4]); X.einsum('ii', S); X.einsum('i,i', V, W);
X.tensordot(A, A.T, X.tensor(1)); X.tensordot(A, B, X.tensor([[0, 1], [0, 1]]));
X.tensordot(A, C, ([1], [0])); X.cross(T3.T, U3.T);
X.conj(A.to(X.complex128) * 2) + 0; X.conj(A) + 0; X.vdot(V, W); X.addr(A, V[:3], W[:4]);
X.addbmm(A, K.transpose(1, 2)[:, :3, :3], K[:, :3]); X.addmm(D, A, C, beta=0);
A.view(X.int32); A[0, 0].flatten(); A[0, 0].transpose(0, -1); A[0, 0].t(); V.t();
A.view_as(B); A.reshape_as(B.T); A.expand(2, 3, 4); A.expand(-1, 4);
X.cat([X.zeros(0), X.zeros(0)]); X.cat([X.zeros(0), A]); X.stack([A, B], -1);
A.clone().fill_(X.tensor(2.5)); R.clone().fill_(X.tensor(7)); A.clone().zero_();
repr(X.sort(V)); repr(X.aminmax(A)); X.sort(A[0, 0]); X.argsort(A[0, 0]); X.topk(A[0, 0], 1);
X.topk(R.to(X.uint8), 2).values; X.topk(M.to(X.uint8), 1, largest=True).values;
X.topk(A, 2, sorted=False).values.sort(1).values; X.kthvalue(A[0, 0], 1); X.median(A[:0]);
X.median(A[0, 0]); X.mode(A[0, 0]); X.nonzero(A[0, 0], as_tuple=True); X.nonzero(A[0, 0]);
X.unique(A[:0]); X.unique(A[:0], return_inverse=True, return_counts=True);
X.unique_consecutive(A[:0]); X.unique_consecutive(R, return_inverse=True, return_counts=True);
X.unique_consecutive(R, return_counts=True, dim=1); X.histc(A[:0]); X.histc(A, 4, 1, 1);
X.searchsorted(SEQ, V, side='right'); X.searchsorted(SEQ, V, side='left', right=False);
X.searchsorted(SEQ, 1.0); X.searchsorted(A.sort(1).values, B, out_int32=True);
X.searchsorted(A[:0, :3], A[:0]); X.bucketize(V, SEQ, right=True); X.cumsum(A[0, 0], 0);
X.cumsum(R, 1, dtype=X.float64); X.logcumsumexp(A[0, 0], 0);
X.cummax(A[0, 0], 0); X.cummin(N, 1); X.diff(A, 5, 1); X.diff(M, 1, 1); X.diff(V, prepend=W[:1]);
X.quantile(A, 0.5, keepdim=True); X.quantile(A, 0.3, 1, True); X.quantile(A[0, 0], 0.2);
X.nanquantile(N, 0.5, 1); X.quantile(A, 0.4, 1, interpolation='lower');
X.quantile(A, 0.4, 1, interpolation='higher'); X.quantile(A, 0.4, 1, interpolation='nearest');
X.quantile(A, 0.4, 1, interpolation='midpoint'); X.clamp(A, None, 0.1); X.clamp(A, min=-0.1);
X.clamp(A, B); X.clamp(A, None, B); A.masked_fill(M, X.tensor(2.0));
A.masked_fill(M, X.tensor(2)); X.where(M); X.matmul(V, C.T);
X.tensor_split(A, X.tensor([1, 2]), 1); X.atleast_1d(A[0, 0], V); X.atleast_2d([V, A]);
X.nan_to_num(R); X.round(R); X.mean(R, 1, dtype=X.float64); X.max(A, B); X.min(A, B);
X.clamp(R, 0.5); X.clamp(R, None, 2.5); X.clamp(R, 0.5, 2.5); X.clamp(R, -1, 2);
X.addcmul(A.half(), B.half(), P.half()); X.lerp(A.half(), B.half(), 0.3);
X.addcdiv(A.bfloat16(), B.bfloat16(), P.bfloat16(), value=2);
A.half().addcmul_(B.half(), P.half()); A.clone().lerp_(B, 0.7); A.clone().lerp_(B, 0.2);
X.nn.functional.gelu(A, approximate='tanh'); X.nn.functional.linear(A, V[:4]);
X.nn.functional.linear(V[:4], C.T, D[0]); A.softmax(1); A.log_softmax(0, X.float64);
A.softmax(-1, dtype=X.float16); X.zeros(X.tensor(2), 3); X.ones([X.tensor([2]), 1]);
X.full((2,), X.tensor(3)); X.full((2,), X.tensor(1.5), dtype=X.float64); X.full((2,), 1 + 0j);
X.full((2,), 1 + 2j, dtype=X.complex64); X.full((2,), float('inf') + 0j, dtype=X.complex64);
X.index_fill(A, 1, IX, X.tensor(-1.0))
""")

GRADS = split("""
X.einsum('ij,jk->ik', A, C.detach()); X.einsum('ij,jk->ik', A.detach(), C);
X.einsum('ij,jk->k', A, C); X.einsum('ij,jk->i', A, C); X.einsum('i,i', V, W);
X.tensordot(A, C, ([1], [0])); X.inner(A, A[0, 0]); X.cross(T3.T, U3.T); X.vdot(V, W);
X.addr(A, V[:3], W[:4], beta=0.5, alpha=2); X.addbmm(A, K.transpose(1, 2)[:, :3, :3], K[:, :3]);
X.addmm(D, A, C, beta=0); X.kron(V[:2], A); X.outer(V, W);
A[0, 0].flatten(); A[0, 0].transpose(0, -1); A.view_as(B); A.reshape_as(B.T);
A.expand(2, 3, 4); X.stack([A, B], -1); X.cat([X.zeros(0, dtype=X.float64), A]);
X.zeros(3, 4).copy_(A); X.zeros(3, 4, dtype=X.float64).copy_(V[:4]);
A.clone().fill_(B[0, 0]); (A * 1).fill_(2.0); (A * 1).zero_() + B;
X.sort(A[0, 0]).values; X.topk(A[0, 0], 1).values; X.kthvalue(A[0, 0], 1).values;
X.median(A[0, 0]); X.mode(A[0, 0]).values; X.cumsum(A[0, 0], 0); X.cumprod(A[0, 0], 0);
X.logcumsumexp(A[0, 0], 0); X.cummax(A[0, 0], 0).values; X.cummin(A, 1).values;
X.quantile(A, 0.5, keepdim=True); X.quantile(A, 0.4, 1, interpolation='midpoint');
X.quantile(A, 0.4, 1, interpolation='nearest'); X.clamp(A, None, 0.1); X.clamp(A, min=-0.1);
X.clamp(A, B); X.clamp(A, None, B); A.masked_fill(M, B[0, 0]); X.matmul(A, C.detach());
X.matmul(V, C.T); X.matmul(A.detach(), C); X.zeros(3, 4).add_(A); X.logsumexp(A, 1, True);
X.nanmean(A, 1, dtype=X.float64); X.nansum(A, 0, dtype=X.float64);
X.gather(A[0, 0], 0, X.tensor(0)); X.index_select(A[0, 0], 0, X.tensor([0]));
X.max(A[0, 0], 0).values; X.min(A[0, 0], 0).values; X.max(A, B); X.min(A, B);
X.nn.functional.gelu(A, approximate='tanh'); X.nn.functional.linear(A, V[:4]);
X.nn.functional.linear(V[:4], C.T, D[0]); X.lerp(A.detach(), B, 0.7); A.softmax(1);
A.log_softmax(0)
""")

ERRORS = split("""
X.aminmax(A[:0]); X.isclose(A, 1.0); X.isclose(A, B, rtol=-1); X.isclose(A, B, atol=-1);
X.isclose(A, B.double()); X.mm(A, 1.0); X.mm(1.0, A); X.bmm(K, A); X.mv(C, A); X.mv(V, V);
X.inner(A, C); X.outer(A, V); X.einsum('i', 1.0); X.einsum('ij,jk', A, C.double());
X.einsum('ij,jk', A, C, C); X.einsum('i,j', V); X.tensordot(A, B, -1);
X.tensordot(A, B, ([0, 1], [0])); X.tensordot(A, B, ([1], [1, 0])); X.cross(K, A);
X.cross(C, C); X.cross(A, A, 1); X.tensordot(A, C, ([0], [0]));
A.flatten(1, 0); A.permute(0, 0); A.permute(0); K.t(); A.expand(4); A.expand(3, 5);
A.view(12, 1, 5); A.T.view(12); A.clone().fill_(V); X.stack([A, 1.0]); X.stack([1.0, A]);
X.stack([A, B[:2]]); X.cat([A, 1.0]); X.cat([A, V]); X.cat([A, C], 1); X.cat([A, C]);
X.mode(A[:, :0], 1); X.bincount(R[0], minlength=-1); X.bincount(R[0], V); X.bincount(R[0].float());
X.histc(A, -1); X.histc(R); X.searchsorted(SEQ, V, side='middle');
X.searchsorted(SEQ, V, side='left', right=True); X.searchsorted(A, K); X.bucketize(V, A);
X.diff(A[0, 0]); X.diff(A, -1); X.quantile(A, 0.5, interpolation='cubic'); X.quantile(A, P);
X.quantile(A, 1.5); X.quantile(R, 0.5); X.nanquantile(A, -0.5); X.clamp(A);
X.where(1, A, B); X.where(R, A, B); A.masked_fill(M, V); ~A;
X.matmul(A, 1.0); X.matmul(A, A[0, 0]); X.matmul(A, C.double()); X.zeros(4).add_(A);
X.topk(A, 5); X.kthvalue(A, 0, 0); X.median(A[:, :0], 1); X.nanmedian(A[:, :0], 1);
X.gather(A, 1, [[0]]); X.gather(A, 1, X.zeros(5, 1, dtype=X.int64));
X.scatter(A, 1, I, B[:2, :1]); X.index_copy(A, 1, I, B); X.index_add(A, 0, IX, B[:, :2]);
X.index_fill(A, 1, IX, X.tensor([1., 2.])); X.scatter(A, 1, I);
X.scatter(A, 1, I, B, reduce='max'); X.scatter_add(A, 1, I, 1.0); X.masked_scatter(A, R, B);
X.masked_scatter(A, M, B.double()); X.index_put(A, IX, V); X.index_put(A, (IX,), V.double());
X.split(A, -1); X.movedim(K, (0, 1), (2,)); A.unflatten(1, ()); A.repeat(2, -1);
X.repeat_interleave(A, IX[:2], 0); X.repeat_interleave(A, -IR, 0); X.fliplr(V);
X.flipud(A[0, 0]); X.roll(A, (1, 2)); X.rot90(A, 1, (0,)); X.lerp(A, 1.0, 0.5);
X.dot(V, 1.0); X.dot(A, A); X.max(A[:0]);
X.nn.functional.linear(A, C.T, V.double()); A.softmax(2); A.log_softmax(dim=-3);
X.zeros(X.tensor(-2), 3); X.zeros(X.tensor(2.0)); X.full((2,), 1 + 2j, dtype=X.float32);
X.full((2,), 1e300 + 0j, dtype=X.complex64)
""")



@pytest.mark.parametrize("expr", VALUES)
def test_values_match_torch(expr, device):
    if not expr.startswith("repr("):
        breadth.test_values_match_torch(expr, device)
        return
    got = _evaluate(tl, expr, _inputs(tl, device, "float32"))  # PyTorch's, with our name
    assert got == _evaluate(torch, expr, _inputs(torch, "cpu", "float32")).replace(
        "torch.", "tensorlite."), expr


@pytest.mark.parametrize("expr", [e for e in VALUES if not e.startswith("repr(")])
def test_meta_shapes_match_torch(expr):
    breadth.test_meta_shapes_match_torch(expr)


@pytest.mark.parametrize("expr", GRADS)
def test_gradients_match_torch(expr, device):
    breadth.assert_grads_match(expr, device, zero_is_none=True)


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch_types(expr, device):
    breadth.test_errors_match_torch_types(expr, device)


def _same_outcome(expr, device):
    """PyTorch's result (compared) or the builtin type of its exception (raised by both)."""
    try:
        expected = _evaluate(torch, expr, _inputs(torch, "cpu", "float32"))
    except Exception as exc:
        with pytest.raises(_builtin(type(exc))):
            _evaluate(tl, expr, _inputs(tl, device, "float32"))
        return
    _compare(expected, _evaluate(tl, expr, _inputs(tl, device, "float32")), expr)


# Deviations these tests found, now fixed: each outcome (value or exception type) is PyTorch's
FIXED_DEVIATIONS = [
    "X.unique(A[:0], dim=0)", "X.unique(A[:, :0], dim=0)", "X.unique(A[:, :0], dim=1)",
    "X.cat([])", "X.quantile(A[:0], 0.5)", "X.bincount(M[0])", "X.bitwise_and(A, 3)",
    "X.bitwise_and(R, 1.5)", "X.logcumsumexp(R, 1)", "X.diff(V, prepend=2.0)",
    "X.diff(V, append=[1.0])", "X.clamp(A, B, 0.5)", "X.clamp(A, 0.5, B)",
    "X.tensordot(A, C, (1, 0))", "X.amax(A[:0])", "X.amin(A[:0])", "X.amax(A[:0], 1)",
    "X.full((2,), 10 ** 400, dtype=X.float32)", "X.full((2,), 2 ** 70, dtype=X.float32)",
    "X.full((2,), 2 ** 64 - 1, dtype=X.float32)", "X.positive(M)",
    "X.broadcast_tensors([A, V[:4]])",
]


@pytest.mark.parametrize("expr", FIXED_DEVIATIONS)
def test_former_deviations_match_torch(expr, device):
    _same_outcome(expr, device)


def test_inplace_into_a_smaller_tensor_with_grad_raises_as_torch(device):
    for X, dev in ((torch, "cpu"), (tl, device)):
        a = X.ones(3, 4, dtype=X.float64, device=dev, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"output with shape \[4\] doesn't match the "
                                               r"broadcast shape \[3, 4\]"):
            X.zeros(4, dtype=X.float64, device=dev).add_(a * 2)


def test_augmented_assignment_with_a_string_raises_type_error(device):
    for X, dev in ((torch, "cpu"), (tl, device)):
        a = X.ones(2, device=dev)
        with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+="):
            a += "a"


def test_numpy_array_operand_gives_the_same_tensor_as_torch(device):
    arr = np.arange(4.0)
    with warnings.catch_warnings():  # NumPy 2's __array_wrap__ deprecation, PyTorch's side
        warnings.simplefilter("ignore", DeprecationWarning)
        want = torch.ones(3, 4) + arr
    got = tl.ones(3, 4, device=device) + arr
    assert isinstance(got, tl.Tensor) and str(got.dtype) == str(want.dtype).replace("torch", "tensorlite")
    np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


def test_to_meta_records_to_copy_as_torch():
    got = tl.ones(2, dtype=tl.float64, requires_grad=True).to("meta")
    want = torch.ones(2, dtype=torch.float64, requires_grad=True).to("meta")
    assert (got.grad_fn.name(), got.requires_grad, got.device.type) == \
        (want.grad_fn.name(), want.requires_grad, want.device.type)


@pytest.mark.parametrize("value", [[1.0, 2.0, 3.0, 4.0], (1.0, 2.0, 3.0, 4.0),
                                   np.ones(4), np.float32(2), None, "a"])
def test_setitem_with_a_non_tensor_value_raises_as_torch(device, value):
    t = torch.ones(3, 4)
    with pytest.raises(TypeError) as want:
        t[0] = value
    a = tl.ones(3, 4, device=device)
    with pytest.raises(TypeError) as got:
        a[0] = value
    assert str(got.value) == str(want.value).replace("torch.", "tensorlite.")
    np.testing.assert_array_equal(a.cpu().numpy(), np.ones((3, 4)))  # nothing written
    for ok in (2, 2.5, True, tl.tensor(3.0, device=device)):  # Python numbers and tensors
        a[0] = ok
        t[0] = ok if not isinstance(ok, tl.Tensor) else torch.tensor(3.0)
        np.testing.assert_array_equal(a.cpu().numpy(), t.numpy())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_single_node_unbind_matches_torch_unbind(device, dim):
    """``_ops.nn_support.unbind`` (the recurrent layers' one-node unbind): PyTorch's
    slices and gradients, with slices that get no gradient counted as zeros."""
    from tensorlite._ops.nn_support import unbind

    values = np.random.default_rng(3).standard_normal((3, 4))
    x = tl.tensor(values, dtype=tl.float64, device=device, requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    got, want = unbind(x, dim), torch.unbind(tx, dim)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.detach().cpu().numpy(), w.detach().numpy())
    (got[0] * 2 + got[-1] ** 2).sum().backward()
    (want[0] * 2 + want[-1] ** 2).sum().backward()
    assert got[0].grad_fn.name() == want[0].grad_fn.name() == "UnbindBackward0"
    np.testing.assert_allclose(x.grad.cpu().numpy(), tx.grad.numpy(), rtol=1e-10, atol=0)
