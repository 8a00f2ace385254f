"""API-breadth behaviour that has no PyTorch twin to compare with, or is tensorlite's own:
device rules, finite-difference checks, gradients that are not implemented, script
compatibility settings, sparse layouts, legacy types and the size= keyword."""

import numpy as np
import pytest

import tensorlite as tl


def _f64(*shape, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape)
    return tl.tensor(data, dtype=tl.float64, requires_grad=True)


@pytest.mark.parametrize("call", [
    lambda a, b: tl.mm(a, b), lambda a, b: tl.gather(a, 1, b.long()),
    lambda a, b: tl.einsum("ij,jk", a, b), lambda a, b: tl.linalg.solve(a, b),
    lambda a, b: tl.searchsorted(a[0], b), lambda a, b: tl.scatter_add(a, 1, b.long(), b),
    lambda a, b: tl.index_select(a, 0, b[0].long()), lambda a, b: tl.isin(a, b),
])
def test_mixed_devices_raise_torchs_error(call):
    a, b = tl.ones(3, 3), tl.zeros(3, 3, device="meta")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        call(a, b)


@pytest.mark.parametrize("fn, shapes", [
    (lambda a: tl.sort(a, 1).values, [(3, 4)]), (lambda a: tl.logcumsumexp(a, 0), [(4, 3)]),
    (lambda a: tl.cumprod(a, 1), [(2, 5)]), (lambda a, b: tl.einsum("ij,jk->ik", a, b),
                                             [(2, 3), (3, 2)]),
    (lambda a: tl.linalg.inv(a + 4 * tl.eye(3, dtype=tl.float64)), [(3, 3)]),
    (lambda a: tl.linalg.cholesky(a @ a.mT + tl.eye(3, dtype=tl.float64)), [(3, 3)]),
    (lambda a: tl.linalg.slogdet(a + 4 * tl.eye(3, dtype=tl.float64)).logabsdet, [(3, 3)]),
    (lambda a: tl.linalg.matrix_norm(a, "nuc"), [(3, 4)]),
    (lambda a, b: tl.scatter_reduce(a, 1, tl.tensor([[0, 0], [2, 1]]), b, "mean"),
     [(2, 3), (2, 2)]),
    (lambda a: tl.quantile(a, 0.3, 1), [(3, 5)]), (lambda a: tl.logsumexp(a, 1), [(3, 4)]),
])
def test_gradcheck(fn, shapes):
    inputs = tuple(_f64(*s, seed=i) for i, s in enumerate(shapes))
    assert tl.autograd.gradcheck(fn, inputs)


def test_gradcheck_negative_control():
    # a derivative rule that is wrong by a factor must fail the same check
    class Wrong(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.cumsum(0)

        @staticmethod
        def backward(ctx, g):
            return g * 2

    assert not tl.autograd.gradcheck(Wrong.apply, (_f64(4),), raise_exception=False)


@pytest.mark.parametrize("call", [
    lambda a: tl.linalg.qr(a).Q, lambda a: tl.linalg.svd(a).U, lambda a: tl.linalg.eigh(
        a @ a.mT).eigenvalues,
])
def test_unimplemented_derivatives_say_so(call):
    a = _f64(3, 3)
    with pytest.raises(NotImplementedError, match="not implemented"):
        call(a).sum().backward()


def test_values_of_those_functions_need_no_gradient():
    a = _f64(3, 3)
    with tl.no_grad():
        q, r = tl.linalg.qr(a)
    np.testing.assert_allclose((q @ r).numpy(), a.detach().numpy(), atol=1e-12)


def test_data_dependent_shapes_on_meta_raise():
    x = tl.zeros(3, device="meta")
    for call in (tl.nonzero, tl.unique, tl.argwhere, lambda t: tl.masked_select(t, t > 0)):
        with pytest.raises((NotImplementedError, RuntimeError)):
            call(x)


def test_compile_is_the_identity():
    def f(x):
        return x + 1

    assert tl.compile(f) is f
    assert tl.compile(mode="max-autotune")(f) is f
    assert "no compiler" in tl.compile.__doc__


def test_matmul_precision_and_tf32_flags():
    before = tl.get_float32_matmul_precision()
    try:
        tl.set_float32_matmul_precision("high")
        assert tl.backends.cuda.matmul.allow_tf32
        tl.backends.cuda.matmul.allow_tf32 = False
        assert tl.get_float32_matmul_precision() == "highest"
        with pytest.raises(RuntimeError, match="precision"):
            tl.set_float32_matmul_precision("fast")
    finally:
        tl.set_float32_matmul_precision(before)
    tl.backends.cudnn.allow_tf32 = False
    assert tl.backends.cudnn.allow_tf32 is False
    tl.backends.cudnn.allow_tf32 = True


def test_sparse_is_out_of_scope_and_says_so():
    for call in (lambda: tl.sparse_coo_tensor([[0]], [1.0]), lambda: tl.ones(2).to_sparse(),
                 lambda: tl.zeros(2, layout=tl.sparse_coo)):
        with pytest.raises(NotImplementedError, match="sparse"):
            call()
    a, b = tl.ones(2, 3), tl.ones(3, 2)
    assert tl.equal(tl.spmm(a, b), a @ b)


def test_legacy_types():
    x = tl.Tensor(2, 3)
    assert x.shape == (2, 3) and x.dtype is tl.float32
    assert isinstance(tl.LongTensor([1]), tl.LongTensor)
    assert not isinstance(tl.LongTensor([1]), tl.FloatTensor)
    assert tl.zeros(2).type(tl.DoubleTensor).dtype is tl.float64
    assert tl.zeros(2).type("tensorlite.IntTensor").dtype is tl.int32
    with pytest.raises(ValueError):
        tl.zeros(2).type("tensorlite.NoSuchTensor")


def test_size_keyword(device):
    assert tl.zeros(size=(2, 3), device=device).shape == (2, 3)
    assert tl.rand(size=[4], device=device).shape == (4,)
    with pytest.raises(TypeError, match="size"):
        tl.zeros(2, size=(3,))


def test_inplace_forms_follow_the_leaf_rule():
    x = _f64(3)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.erfinv_()
    with tl.no_grad():
        x.clamp_(-0.1, 0.1)
    assert float(x.abs().max()) <= 0.1


def test_inplace_cumprod_keeps_its_input_for_backward():
    x = _f64(2, 3)
    y = x * 1
    y.cumprod_(1)
    y.sum().backward()
    expected = _f64(2, 3)
    expected.cumprod(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int16", "uint8", "int64"])
def test_large_sorts_match_torch(dtype, device):
    # large inputs take the packed-key path: ties, NaN, -0.0 and both directions
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    data = rng.integers(0, 50, (3, 5000)).astype(dtype)
    if dtype.startswith("float"):
        data[0, ::7] = np.nan
        data[1, ::5] = -0.0
        data[2, ::3] = -data[2, ::3]
    x, t = tl.tensor(data, device=device), torch.tensor(data)
    for dim in (0, 1):
        for descending in (False, True):
            got = tl.sort(x, dim=dim, descending=descending, stable=True)
            expected = torch.sort(t, dim=dim, descending=descending, stable=True)
            np.testing.assert_array_equal(got.indices.cpu().numpy(), expected.indices.numpy())
            np.testing.assert_array_equal(got.values.cpu().numpy(), expected.values.numpy())
    flat_x, flat_t = x.reshape(-1), t.reshape(-1)
    if dtype.startswith("float"):  # a sequence holding NaN is not sorted for a search
        flat_x, flat_t = flat_x[~flat_x.isnan()], flat_t[~flat_t.isnan()]
    for side in ("left", "right"):
        np.testing.assert_array_equal(
            tl.searchsorted(tl.sort(flat_x).values, flat_x, side=side).cpu().numpy(),
            torch.searchsorted(torch.sort(flat_t).values, flat_t, side=side).numpy())
    values, inverse, counts = tl.unique(flat_x, return_inverse=True, return_counts=True)
    ev, ei, ec = torch.unique(flat_t, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.cpu().numpy(), ev.numpy())
    np.testing.assert_array_equal(inverse.cpu().numpy(), ei.numpy())
    np.testing.assert_array_equal(counts.cpu().numpy(), ec.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nansum_of_a_large_tensor_with_nan(dtype):
    # the slice-by-slice path: NaN spread, NaN in bulk, slices with no NaN after slices
    # with some, inf - inf (NaN stays), keepdim
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(4).standard_normal(300_003).astype(dtype)
    data[:100_000:97] = np.nan
    data[100_000:150_000:2] = np.nan
    cases = [data, data.reshape(3, 100_001), np.where(np.isnan(data), 1.0, data)]
    inf_minus_inf = data.copy()
    inf_minus_inf[[5, 250_000]] = [np.inf, -np.inf]
    for array in cases + [inf_minus_inf]:
        x, t = tl.tensor(array), torch.tensor(array)
        for keepdim in (False, True):
            got, expected = tl.nansum(x, keepdim=keepdim), torch.nansum(t, (0, 1)[:t.ndim],
                                                                        keepdim=keepdim)
            assert got.shape == tuple(expected.shape) and got.dtype == getattr(tl, dtype)
            np.testing.assert_allclose(got.numpy(), expected.numpy(),
                                       rtol=1e-5 if dtype == "float32" else 1e-12)
    assert np.isnan(float(tl.nansum(tl.tensor(inf_minus_inf))))
    assert float(tl.nanmean(tl.tensor(data))) == pytest.approx(
        float(torch.nanmean(torch.tensor(data))), rel=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "int32", "int16", "int8", "uint8", "bool", "float64"])
def test_unique_with_inverse_of_a_large_tensor(dtype):
    # from 4096 elements of a 4-byte or smaller dtype, runs are found on packed sort keys
    # and values decoded from them (float64: the index-sort path, a control)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    data = rng.integers(-300, 300, 20_000).astype(dtype)
    if dtype.startswith("float"):
        data[:3000] = rng.standard_normal(3000)
        data[3000:3600] = np.tile([np.nan, -0.0, 0.0, np.inf, -np.inf, -0.0], 100)
        rng.shuffle(data)
    x, t = tl.tensor(data), torch.tensor(data)
    values, inverse, counts = tl.unique(x, return_inverse=True, return_counts=True)
    ev, ei, ec = torch.unique(t, return_inverse=True, return_counts=True)
    assert values.dtype == getattr(tl, dtype) and inverse.dtype == counts.dtype == tl.int64
    np.testing.assert_array_equal(values.numpy(), ev.numpy())  # NaN equal to NaN here
    np.testing.assert_array_equal(counts.numpy(), ec.numpy())
    real = ~np.isnan(data.astype(np.float64))  # each NaN its own value, in any order
    np.testing.assert_array_equal(inverse.numpy()[real], ei.numpy()[real])
    # every element is its value (bits included: -0.0 stays -0.0 where the run starts so)
    np.testing.assert_array_equal(values.numpy()[inverse.numpy()][real], data[real])
    zero = np.flatnonzero(values.numpy() == 0)
    if dtype.startswith("float"):  # the run's first element in a stable sort: data's first zero
        assert np.signbit(values.numpy()[zero]).tolist() == [np.signbit(data[data == 0][0])]
        assert np.isnan(values.numpy()).sum() == np.isnan(data).sum()
