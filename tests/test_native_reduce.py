"""The native reductions (tensorlite/_backends/_reduce.c, _cpu_reduce.py) and their
NumPy fallback: PyTorch's values, the stated accuracy of the sums (never worse than
NumPy's pairwise sum on adversarial data), NaN and infinities as PyTorch, odd lengths,
rows, and the inputs the C code leaves to NumPy. Tests taking ``reduce_path`` run on
both paths."""

import ctypes
import os

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _cpu_reduce

from native_paths import needs_cc
from reduce_paths import sum_error_bound

torch = pytest.importorskip("torch")

N = _cpu_reduce.NATIVE_MIN
SIZES = [N, N + 7, 3 * N + 517]  # odd sizes: tails shorter than a vector and a chunk
RTOL = {"float32": 1e-5, "float64": 1e-12}  # against PyTorch (its own rounding differs)


def _data(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * rng.exponential(size=n)).astype(dtype)


@needs_cc
def test_the_library_is_built_and_checked_where_there_is_a_compiler():
    lib = _cpu_reduce.library()
    assert lib is not None and _cpu_reduce.library() is lib
    assert os.path.basename(lib._name).startswith("reduce-")


def test_tensorlite_native_0_disables_it(monkeypatch):
    monkeypatch.setenv("TENSORLITE_NATIVE", "0")
    _cpu_reduce.reset()
    try:
        assert _cpu_reduce.library() is None
        x = _data(N, np.float32)
        assert _cpu_reduce.sum(x, None, False) is None  # the caller's NumPy path
        assert tl.tensor(x).sum().item() == np.add.reduce(x).item()
    finally:
        monkeypatch.delenv("TENSORLITE_NATIVE")
        _cpu_reduce.reset()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", SIZES)
def test_full_reductions_match_torch(n, dtype, reduce_path):
    data = _data(n, dtype, seed=n)
    data[n // 3] = np.nan
    x, t = tl.tensor(data), torch.tensor(data)
    clean = np.nan_to_num(data, nan=0.0)
    xc, tc = tl.tensor(clean), torch.tensor(clean)
    for name, got, want, rtol in [
            ("sum", xc.sum(), tc.sum(), RTOL[dtype]), ("mean", xc.mean(), tc.mean(), RTOL[dtype]),
            ("nansum", tl.nansum(x), torch.nansum(t), RTOL[dtype]),
            ("nansum keepdim", tl.nansum(x, keepdim=True), torch.nansum(t, 0, keepdim=True),
             RTOL[dtype]),
            ("amax", xc.amax(), tc.amax(), 0), ("amin", xc.amin(), tc.amin(), 0),
            ("max", xc.max(), tc.max(), 0), ("aminmax.min", tl.aminmax(xc).min,
                                             torch.aminmax(tc).min, 0),
            ("aminmax.max", tl.aminmax(xc).max, torch.aminmax(tc).max, 0)]:
        assert got.dtype == getattr(tl, dtype) and got.shape == tuple(want.shape), name
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=0, err_msg=name)
    for got in (x.sum(), x.mean(), x.amax(), x.amin(), *tl.aminmax(x)):  # NaN wins
        assert np.isnan(got.item())


@pytest.mark.parametrize("seed", range(3))
def test_float32_sum_is_within_its_bound_and_no_worse_than_numpy(seed):
    """Adversarial data: 2M values 1 + small, whose running sums grow to 2**21 (a float32
    ulp of 0.25 there). The C sum stays within its bound (half an ulp plus 16 unit
    roundoffs of the sum of magnitudes, ``reduce_paths.sum_error_bound``) and no further
    from the exact sum than NumPy's pairwise sum; a one-accumulator float32 sum (the
    negative control) is far outside that bound."""
    if _cpu_reduce.library() is None:
        pytest.skip("no native library")
    rng = np.random.default_rng(seed)
    rows = []
    for data in ((1 + rng.uniform(0, 2**-10, 2**21)).astype(np.float32),
                 (1 + rng.uniform(0, 2**-10, 2**21 + 13)).astype(np.float32),
                 rng.standard_normal(2**21).astype(np.float32) + 3):
        exact, bound = sum_error_bound(data)
        ours = float(_cpu_reduce.sum(data, None, False))
        numpy = float(np.add.reduce(data))
        assert abs(ours - exact) <= bound
        assert abs(ours - exact) <= abs(numpy - exact) + np.spacing(np.float32(exact)) / 2
        rows.append((abs(ours - exact), abs(numpy - exact)))
        assert abs(np.cumsum(data)[-1] - exact) > 10 * bound  # negative control
    ours_total, numpy_total = np.sum(rows, axis=0)
    assert ours_total <= numpy_total


def test_float64_sum_is_within_its_bound():
    data = (1 + np.random.default_rng(4).uniform(0, 1e-6, 2**20 + 3))
    if _cpu_reduce.library() is None:
        pytest.skip("no native library")
    exact, bound = sum_error_bound(data)
    assert abs(float(_cpu_reduce.sum(data, None, False)) - exact) <= bound


@needs_cc
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_c_functions_on_every_small_length(dtype):
    """Lengths 0..1100 (every tail of a vector, a lane set and two chunks), called
    directly: the sums within their bound, the extremes exact; NaN at the first, the
    last and a middle position propagates."""
    lib = _cpu_reduce.library()
    sfx = _cpu_reduce._SUFFIX[np.dtype(dtype)]
    total, nansum = getattr(lib, f"sum_{sfx}"), getattr(lib, f"nansum_{sfx}")
    minmax = getattr(lib, f"minmax_{sfx}")
    base = _data(1100, dtype, seed=9)
    out = np.empty(2, dtype)
    for n in list(range(0, 70)) + list(range(500, 530)) + [1023, 1024, 1025, 1100]:
        x = base[:n].copy()
        exact, bound = (0.0, 0.0) if n == 0 else sum_error_bound(x)
        assert abs(total(x.ctypes.data, n) - exact) <= bound, n
        if n == 0:
            assert total(x.ctypes.data, 0) == 0.0 and nansum(x.ctypes.data, 0) == 0.0
            continue
        minmax(x.ctypes.data, n, out.ctypes.data)
        assert out[0] == x.min() and out[1] == x.max(), n
        for at in {0, n // 2, n - 1}:
            y = x.copy()
            y[at] = np.nan
            minmax(y.ctypes.data, n, out.ctypes.data)
            assert np.isnan(out).all(), (n, at)
            assert abs(nansum(y.ctypes.data, n) - (exact - float(x[at]))) <= bound + abs(x[at]) \
                * 2.0**-20, (n, at)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_infinities_as_torch(dtype, reduce_path):
    data = _data(N + 3, dtype, seed=1)
    data[100] = np.inf
    x, t = tl.tensor(data), torch.tensor(data)
    assert x.sum().item() == np.inf == t.sum().item()
    assert x.amax().item() == np.inf and tl.aminmax(x).max.item() == np.inf
    data[-1] = -np.inf  # in the tail: inf - inf is NaN
    x, t = tl.tensor(data), torch.tensor(data)
    assert np.isnan(x.sum().item()) and np.isnan(t.sum().item())
    assert np.isnan(tl.nansum(x).item()) and np.isnan(torch.nansum(t).item())
    assert tl.aminmax(x).min.item() == -np.inf == x.amin().item()
    big = np.full(N, np.finfo(dtype).max / 4, dtype)  # overflows to inf, as PyTorch
    assert tl.tensor(big).sum().item() == np.inf == torch.tensor(big).sum().item()


def test_empty_and_single_elements(reduce_path):
    for data in (np.zeros(0, np.float32), np.array([2.5], np.float32)):
        x, t = tl.tensor(data), torch.tensor(data)
        for got, want in ((x.sum(), t.sum()), (x.mean(), t.mean()),
                          (tl.nansum(x), torch.nansum(t)), (x.sum(0), t.sum(0))):
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tl.tensor([2.5]).amax().item() == 2.5 == tl.aminmax(tl.tensor([2.5])).min.item()


@pytest.mark.parametrize("shape, dim", [((100, 1000), 1), ((37, 1003), -1), ((7, 20, 131), (1, 2)),
                                        ((24, 2**16 + 5), 1), ((3, 5, 128), -1)])
def test_row_sums_and_means_match_torch(shape, dim, reduce_path):
    data = _data(int(np.prod(shape)), np.float32, seed=2).reshape(shape)
    x, t = tl.tensor(data), torch.tensor(data)
    axis = dim if isinstance(dim, tuple) else (dim,)
    exact, bound = sum_error_bound(data, axis)
    for keepdim in (False, True):
        got = x.sum(dim, keepdim=keepdim)
        want = t.sum(dim, keepdim=keepdim)
        assert got.shape == tuple(want.shape) and got.dtype == tl.float32
        assert (np.abs(got.numpy().reshape(exact.shape) - exact) <= 2 * bound).all()
        mean, tmean = x.mean(dim, keepdim=keepdim), t.mean(dim, keepdim=keepdim)
        np.testing.assert_allclose(mean.numpy(), tmean.numpy(), rtol=1e-5,
                                   atol=1e-6 * np.abs(data).max())
    if len(shape) == 2:
        np.testing.assert_allclose(tl.einsum("ij->i", x).numpy(),
                                   torch.einsum("ij->i", t).numpy(), rtol=1e-5,
                                   atol=4 * bound.max())


def test_what_stays_with_numpy():
    data = _data(4 * N, np.float32)
    assert _cpu_reduce.sum(data[::2], None, False) is None  # not contiguous
    assert _cpu_reduce.sum(data.astype(np.float16), None, False) is None
    assert _cpu_reduce.minmax(data[:N - 1]) is None  # small: NumPy's call is as fast
    assert _cpu_reduce.sum(data.reshape(-1, 4), (1,), False) is None  # short rows
    assert _cpu_reduce.sum(data.reshape(-1, 512), (0,), False) is None  # not the last dim
    x = tl.tensor(data)[::2]
    assert x.sum().item() == pytest.approx(float(data[::2].astype(np.float64).sum()), rel=1e-5)
    ints = np.arange(4 * N, dtype=np.int32)
    assert tl.tensor(ints).sum().item() == int(ints.sum())


def test_gradients_are_unchanged(reduce_path):
    data = _data(130 * 256, np.float64, seed=6)
    data[[3, 8]] = np.nan
    data[[5, 9000]] = 50.0  # the maximum twice: it shares the gradient
    x = tl.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    m = tl.tensor(np.nan_to_num(data).reshape(-1, 130), requires_grad=True)
    tm = torch.tensor(m.detach().numpy(), requires_grad=True)
    (tl.nansum(x) * 3 + m.sum() + m.mean(1).sum() * 2 + tl.aminmax(m).max).backward()
    (torch.nansum(t) * 3 + tm.sum() + tm.mean(1).sum() * 2 + torch.aminmax(tm).max).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.grad.numpy(), tm.grad.numpy(), rtol=1e-10)


def test_signatures_are_declared():
    lib = _cpu_reduce.library()
    if lib is None:
        pytest.skip("no native library")
    assert lib.sum_f32.restype is ctypes.c_double and lib.rowsum_f64.restype is None
