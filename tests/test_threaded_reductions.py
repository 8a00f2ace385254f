"""Large reductions split over threads (issue 12's speed rows): ``sum``, ``mean``,
``amax``/``amin``/``max``/``min``, ``aminmax``, ``nansum`` and ``einsum('ij->i')`` give
PyTorch's values on both sides of the split size (``cpu.PARALLEL_MIN``), exact extremes,
and small inputs never reach the thread pool. Tests taking ``reduce_path`` run through
the C library and through NumPy; NumPy's path gives NumPy's own result bit for bit
where the split follows NumPy's order, the C sums are at least as accurate
(tests/test_native_reduce.py)."""

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import cpu
from tensorlite._ops import reductions, statistics

from reduce_paths import sum_error_bound

torch = pytest.importorskip("torch")

SPLIT = cpu.PARALLEL_MIN
SIZES = [SPLIT - 1, SPLIT, SPLIT + 1, 2 * SPLIT + 7]
RTOL = {"float32": 1e-5, "float64": 1e-12}  # the tolerances of the API-breadth tests


@pytest.fixture
def calls(monkeypatch):
    """The number of ``cpu.parallel`` calls (thread splits) made during the test."""
    count = [0]
    original = cpu.parallel

    def counting(jobs):
        count[0] += len(jobs) > 1
        return original(jobs)

    monkeypatch.setattr(cpu, "parallel", counting)
    return count


def _data(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * rng.exponential(size=n)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_full_reductions_match_torch_around_the_split_size(n, dtype, calls, reduce_path):
    if cpu.THREADS == 1:
        pytest.skip("one CPU: nothing is split")
    data = _data(n, dtype)
    x, t = tl.tensor(data), torch.tensor(data)
    cases = [("sum", lambda X, a: a.sum(), RTOL[dtype]), ("mean", lambda X, a: a.mean(),
                                                            RTOL[dtype]),
             ("amax", lambda X, a: a.amax(), 0), ("amin", lambda X, a: a.amin(), 0),
             ("max", lambda X, a: a.max(), 0), ("min", lambda X, a: a.min(), 0),
             ("aminmax.min", lambda X, a: X.aminmax(a).min, 0),
             ("aminmax.max", lambda X, a: X.aminmax(a).max, 0)]
    for name, fn, rtol in cases:
        before = calls[0]
        got, want = fn(tl, x), fn(torch, t)
        assert got.dtype == getattr(tl, dtype) and got.shape == tuple(want.shape), name
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=0, err_msg=name)
        assert (calls[0] > before) == (n >= SPLIT), name  # split exactly from the threshold
    if reduce_path == "fallback":
        # where the split follows NumPy's pairwise order the sum is NumPy's own, bit for bit
        assert x.sum().item() == np.add.reduce(data).item()
        assert x.mean().item() == np.mean(data).item()
    else:  # the C sum, within its stated bound; the mean is that sum over n, rounded once
        exact, bound = sum_error_bound(data)
        assert abs(x.sum().item() - exact) <= bound
        assert abs(x.mean().item() - exact / n) <= bound / n + np.spacing(np.abs(exact / n))


def test_sum_split_points_are_numpys_pairwise_ones():
    assert reductions._pairwise_bounds(100, 2) == [(0, 48), (48, 100)]
    bounds = reductions._pairwise_bounds(10**6 + 3, 4)
    assert [b[0] for b in bounds[1:]] == [b[1] for b in bounds[:-1]] and bounds[-1][1] == 10**6 + 3
    for n in (SPLIT + 1, 3 * SPLIT + 5, 5 * SPLIT - 3):
        data = _data(n, np.float32, seed=n)
        for parts in (2, 4):
            pieces = [np.add.reduce(data[a:b]) for a, b in reductions._pairwise_bounds(n, parts)]
            assert reductions._pairwise(pieces, np.add) == np.add.reduce(data)
    # negative control: cutting in the middle is not NumPy's order for every array
    misses = 0
    for seed in range(20):
        data = _data(SPLIT + 1, np.float32, seed=seed)
        h = (SPLIT + 1) // 2 + 3
        misses += np.add.reduce(data[:h]) + np.add.reduce(data[h:]) != np.add.reduce(data)
    assert misses > 0


@pytest.mark.parametrize("where", ["first", "second"])
def test_split_extremes_propagate_nan_as_torch(where, reduce_path):
    data = _data(2 * SPLIT, np.float32)
    data[5 if where == "first" else -5] = np.nan
    x, t = tl.tensor(data), torch.tensor(data)
    for fn in (lambda a: a.amax(), lambda a: a.min(), lambda a: a.sum(), lambda a: a.mean()):
        assert np.isnan(fn(x).item()) and np.isnan(fn(t).item())
    r = tl.aminmax(x)
    assert np.isnan(r.min.item()) and np.isnan(r.max.item())


def test_integer_sum_splits_exactly_with_wraparound():
    data = np.random.default_rng(1).integers(2**61, 2**62, SPLIT + 1)
    got, want = tl.tensor(data).sum(), torch.tensor(data).sum()
    assert got.dtype == tl.int64 and got.item() == want.item()  # wrapped, as PyTorch
    ints = np.arange(SPLIT + 1, dtype=np.int32)
    assert tl.tensor(ints).sum().item() == torch.tensor(ints).sum().item()


@pytest.mark.parametrize("shape, dim", [((300, 3500), 1), ((300, 3500), 0), ((4, 3000, 90), 1),
                                        ((4, 3000, 90), (0, 2)), ((3000, 400), -1)])
def test_reductions_along_a_dim_split_over_kept_dims_exactly(shape, dim, calls, reduce_path):
    if cpu.THREADS == 1:
        pytest.skip("one CPU: nothing is split")
    data = _data(int(np.prod(shape)), np.float32).reshape(shape)
    x, t = tl.tensor(data), torch.tensor(data)
    axis = dim if isinstance(dim, tuple) else (dim,)
    scale = np.abs(data).sum(axis).max()  # float32 rounding grows with the summed magnitude
    # sums over the last dims are row sums in C: within their rounding of the exact sums
    in_c = reduce_path == "native" and axis[-1] % len(shape) == len(shape) - 1
    exact, bound = sum_error_bound(data, axis)
    for name, got, numpy, want in [
            ("sum", x.sum(dim), data.sum(axis), t.sum(dim)),
            ("mean", x.mean(dim, keepdim=True), data.mean(axis, keepdims=True),
             t.mean(dim, keepdim=True)),
            ("amax", x.amax(dim), data.max(axis), t.amax(dim)),
            ("amin", x.amin(dim), data.min(axis), t.amin(dim))]:
        if in_c and name == "sum":
            assert (np.abs(got.numpy() - exact) <= bound).all()
        elif in_c and name == "mean":  # the double sum over the count, rounded once
            count = data.size // exact.size
            mean = np.reshape(exact / count, numpy.shape)
            assert (np.abs(got.numpy() - mean) <= np.reshape(bound / count, numpy.shape)
                    + np.spacing(np.abs(mean).astype(np.float32))).all()
        else:
            np.testing.assert_array_equal(got.numpy(), numpy, err_msg=name)  # the one-call result
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6 * scale,
                                   err_msg=name)
    if isinstance(dim, int):
        got, want = x.max(dim), t.max(dim)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    assert calls[0] >= 4


def test_small_reductions_stay_on_the_calling_thread(calls, reduce_path):
    x = tl.randn(32, 64)
    x.sum(dim=1), x.sum(), x.mean(), x.amax(1), x.max(), tl.aminmax(x), tl.nansum(x)
    tl.einsum("ij->i", x)
    big = tl.randn(SPLIT - 1)
    big.sum(), big.amax(), tl.aminmax(big), tl.nansum(big)
    assert calls[0] == 0
    tl.randn(SPLIT).sum()
    assert calls[0] == 1  # negative control: the counter sees a split


def test_strided_and_complex_inputs_are_reduced_in_one_call(calls):
    data = _data(2 * SPLIT + 2, np.float32)
    x = tl.tensor(data)[::2]  # not contiguous
    assert x.sum().item() == pytest.approx(float(data[::2].astype(np.float64).sum()), rel=1e-5)
    z = tl.tensor(data[:SPLIT + 2].view(np.complex64))
    np.testing.assert_allclose(z.sum().numpy(), torch.tensor(z.numpy()).sum().numpy(),
                               rtol=1e-5)
    assert calls[0] == 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_nansum_blocks_match_torch(n, dtype, reduce_path):
    data = _data(n, dtype, seed=3)
    data[::97] = np.nan
    data[n // 2:n // 2 + 5000] = np.nan  # a run of NaN
    data[[7, n - 7]] = [np.inf, 4.0]
    x, t = tl.tensor(data), torch.tensor(data)
    for keepdim in (False, True):
        got, want = tl.nansum(x, keepdim=keepdim), torch.nansum(t, 0, keepdim=keepdim)
        assert got.shape == tuple(want.shape) and got.dtype == getattr(tl, dtype)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=RTOL[dtype])
    clean = np.where(np.isnan(data), 0, data)
    clean[7] = 0.0
    data[7] = 0.0
    got = tl.nansum(tl.tensor(data)).item()
    assert got == pytest.approx(float(clean.astype(np.float64).sum()), rel=RTOL[dtype], abs=1e-3)
    data[-3] = -np.inf  # with +inf: NaN, as PyTorch
    data[9] = np.inf
    assert np.isnan(tl.nansum(tl.tensor(data)).item())
    assert np.isnan(torch.nansum(torch.tensor(data)).item())


def test_nansum_zeroes_nan_only():
    """``fmin(x, fmax(x, 0))`` is ``x`` with NaN (either sign) replaced by 0."""
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38,
                        -1.5, 2.5], np.float32)
    cleaned = np.fmin(special, np.fmax(special, np.zeros_like(special)))
    expected = np.where(np.isnan(special), 0, special)
    np.testing.assert_array_equal(cleaned, expected)
    blocks = np.tile(special, statistics._BLOCK_BYTES // 4)  # many blocks, every one with NaN
    # inf - inf is NaN (PyTorch's answer depends on its reduction order: it may drop
    # a partial NaN sum)
    assert np.isnan(tl.nansum(tl.tensor(blocks[:-2])).item())
    finite = np.where(np.abs(blocks) > 1e30, 1.0, blocks).astype(np.float32)  # no overflow
    np.testing.assert_allclose(tl.nansum(tl.tensor(finite)).item(),
                               torch.nansum(torch.tensor(finite)).item(), rtol=1e-5)


def test_threaded_reductions_keep_their_gradients(reduce_path):
    """``amax``/``aminmax`` split over threads still share the gradient among ties, in
    both halves, as PyTorch does."""
    data = np.random.default_rng(5).standard_normal(SPLIT + 10)
    data[[3, SPLIT + 5]] = 10.0  # the maximum twice, one in each half
    data[[4, SPLIT + 6]] = -10.0
    x = tl.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    r, w = tl.aminmax(x), torch.aminmax(t)
    (x.amax() * 2 + x.sum() + x.mean() + r.min * 3 + r.max).backward()
    (t.amax() * 2 + t.sum() + t.mean() + w.min * 3 + w.max).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax_without_dim_keeps_dims_as_torch(device_or_meta, keepdim):
    data = np.random.default_rng(2).standard_normal((3, 4))
    x = tl.tensor(data, device=device_or_meta)
    got, want = tl.aminmax(x, keepdim=keepdim), torch.aminmax(torch.tensor(data), keepdim=keepdim)
    assert got.min.shape == tuple(want.min.shape) and got.max.shape == tuple(want.max.shape)
    if device_or_meta != "meta":
        assert got.min.cpu().item() == want.min.item() and got.max.cpu().item() == want.max.item()


@pytest.mark.parametrize("equation, shape", [("ij->i", (300, 3500)), ("ij->j", (300, 3500)),
                                             ("ijk->ki", (30, 350, 100)), ("ij->", (3, 4)),
                                             ("ijk->kj", (2, 3, 4)), ("ii->i", (4, 4))])
def test_einsum_of_one_operand_matches_torch(device_or_meta, equation, shape):
    data = np.random.default_rng(6).standard_normal(shape)
    x = tl.tensor(data, device=device_or_meta, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    got, want = tl.einsum(equation, x), torch.einsum(equation, t)
    assert got.shape == tuple(want.shape) and got.dtype == tl.float64
    if device_or_meta == "meta":
        return
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy(), rtol=1e-12,
                               atol=1e-12 * np.abs(data).sum())
    weights = np.random.default_rng(7).standard_normal(tuple(want.shape))
    (got * tl.tensor(weights, device=device_or_meta)).sum().backward()
    (want * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), t.grad.numpy(), rtol=1e-10)


def test_parallel_returns_results_in_order_and_raises_errors():
    assert cpu.parallel([lambda i=i: i * i for i in range(5)]) == [0, 1, 4, 9, 16]
    assert cpu.parallel([lambda: "one"]) == ["one"]

    def fail():
        raise ValueError("job failed")

    for jobs in ([fail, lambda: 1], [lambda: 1, fail]):
        with pytest.raises(ValueError, match="job failed"):
            cpu.parallel(jobs)


def test_narrow_inner_dims_are_not_split(calls):
    data = _data(2 * SPLIT, np.float32).reshape(-1, 2)  # columns of 2: runs of 8 bytes
    np.testing.assert_array_equal(tl.tensor(data).sum(0).numpy(), data.sum(0))
    assert calls[0] == 0
    wide = data.reshape(-1, 4096)  # runs of 8 KiB per thread: split
    np.testing.assert_array_equal(tl.tensor(wide).sum(0).numpy(), wide.sum(0))
    assert calls[0] == (cpu.THREADS > 1)
