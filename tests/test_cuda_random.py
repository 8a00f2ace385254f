"""CUDA random fills (``tensorlite._backends._cuda_random``) against DESIGN §4.

Two layers:

- Tests marked ``cuda`` run the real kernels through CuPy on a GPU (skipped
  with a reason without CuPy or a GPU), each under several launch
  configurations, and compare with the NumPy re-derivation of DESIGN §4.3 in
  ``test_kernels_host.py``: bit for bit where §4.4 promises it, within a
  tolerance for normal/exponential.
- Without a GPU, the launcher's Python side (dispatch, argument types and
  order, broadcasting, multinomial/randperm plumbing) still runs: a stand-in
  for CuPy built on NumPy hands each launch to the host build of the kernels
  (``kernel_host_check.cu``). Only needs nvcc.
"""

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from tensorlite._backends import _cuda_random


def _load_reference():
    path = Path(__file__).with_name("test_kernels_host.py")
    spec = importlib.util.spec_from_file_location("_tensorlite_kernel_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref = _load_reference()

CONFIGS = [
    {},                                   # default grid, 256 threads
    {"block_size": 64, "max_blocks": 7},  # few blocks: every thread loops many times
    {"block_size": 1024, "max_blocks": 1},
]
CONFIG_IDS = ["default", "b64x7", "b1024x1"]
STATES = [(0, 0), (2**64 - 1, 4 * (2**32 + 3)), (0x0123456789ABCDEF, 40)]


def _reference_values(kind, dtype, seed, offset, n, params):
    """(expected, exact?) for an elementwise kind."""
    if kind == "uniform":
        return ref.ref_uniform(dtype, seed, offset, n, params["low"], params["high"]), True
    if kind == "normal":
        return ref.ref_normal(dtype, seed, offset, n, params["mean"], params["std"]), False
    if kind == "exponential":
        return ref.ref_exponential(dtype, seed, offset, n, params["lambd"]), False
    if kind == "randint":
        return ref.ref_randint(dtype, seed, offset, n, params["low"], params["high"]), True
    if kind == "bernoulli":
        p = params["p"]
        if np.ndim(p) == 0:
            return ref.ref_bernoulli_scalar(dtype, seed, offset, n, p), True
        return ref.ref_bernoulli(dtype, seed, offset, np.broadcast_to(p, (n,))), True
    raise AssertionError(kind)


def _compare(got, expected, exact, dtype, scale=1.0):
    if exact:
        ref.assert_same_bits(np.asarray(got).reshape(-1), np.asarray(expected).reshape(-1))
    else:
        rtol, atol = ref.close_tolerance(dtype, scale)
        np.testing.assert_allclose(np.asarray(got, np.float64).reshape(-1), expected,
                                   rtol=rtol, atol=atol)


ELEMENTWISE = [
    ("uniform", {"low": 0.0, "high": 1.0}),
    ("uniform", {"low": -3.5, "high": 2.25}),
    ("uniform", {"low": 0.0, "high": 0.1}),
    ("uniform", {"low": -3e-39, "high": 1e-39}),  # float32 subnormals despite CuPy's -ftz=true
    ("normal", {"mean": 0.0, "std": 1.0}),
    ("normal", {"mean": 3.0, "std": 0.5}),
    ("exponential", {"lambd": 1.5}),
]
RANDINT = [(0, 10), (-5, 2**16 - 5), (0, 2**32), (0, 3 * 2**30), (-(2**63), 2**63)]


# ---------------------------------------------------------------------------
# On a GPU


@pytest.fixture(scope="module")
def cp():
    try:
        import cupy
    except ImportError:
        pytest.skip("CuPy is not installed")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # no driver, or a broken one
        pytest.skip(f"no usable CUDA driver: {exc}")
    if count == 0:
        pytest.skip("no CUDA GPU")
    return cupy


def _gpu_fill(cp, kind, dtype, n, seed, offset, config, **params):
    out = cp.empty(n, dtype=dtype)
    _cuda_random.fill(kind, out, seed, offset, **config, **params)
    return cp.asnumpy(out)


@pytest.mark.cuda
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("dtype", ref.FLOATS, ids=str)
@pytest.mark.parametrize("kind,params", ELEMENTWISE, ids=lambda v: str(v))
def test_floating_kinds(cp, kind, params, dtype, config):
    for seed, offset in STATES:
        for n in (1, 7, 4099):
            got = _gpu_fill(cp, kind, dtype, n, seed, offset, config, **params)
            expected, exact = _reference_values(kind, dtype, seed, offset, n, params)
            scale = sum(abs(v) for v in params.values()) or 1.0
            _compare(got, expected, exact, dtype, scale)


@pytest.mark.cuda
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("dtype", ref.ALL_DTYPES, ids=str)
@pytest.mark.parametrize("low,high", RANDINT)
def test_randint(cp, low, high, dtype, config):
    for seed, offset in STATES:
        for n in (3, 1001):
            got = _gpu_fill(cp, "randint", dtype, n, seed, offset, config, low=low, high=high)
            ref.assert_same_bits(got, ref.ref_randint(dtype, seed, offset, n, low, high))


@pytest.mark.cuda
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("dtype", ref.ALL_DTYPES, ids=str)
def test_bernoulli(cp, dtype, config):
    rng = np.random.default_rng(3)
    for seed, offset in STATES:
        for p in (0.0, 0.3, 1.0):
            got = _gpu_fill(cp, "bernoulli", dtype, 1001, seed, offset, config, p=p)
            ref.assert_same_bits(got, ref.ref_bernoulli_scalar(dtype, seed, offset, 1001, p))
        if dtype in ref.FLOATS:
            p = rng.random(1001).astype(dtype)
            got = _gpu_fill(cp, "bernoulli", dtype, 1001, seed, offset, config, p=cp.asarray(p))
            ref.assert_same_bits(got, ref.ref_bernoulli(dtype, seed, offset, p))


@pytest.mark.cuda
def test_bernoulli_broadcast_and_mixed_dtypes(cp):
    p = np.random.default_rng(4).random((1, 37)).astype(np.float32)
    for dtype in (np.float32, np.float64, np.int8, np.bool_):
        out = cp.empty((5, 37), dtype=dtype)
        _cuda_random.fill("bernoulli", out, 7, 8, p=cp.asarray(p))
        expected = ref.ref_bernoulli(dtype, 7, 8, np.broadcast_to(p, (5, 37)))
        ref.assert_same_bits(cp.asnumpy(out).reshape(-1), expected)


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int8], ids=str)
def test_misaligned_output_takes_the_scalar_path(cp, dtype):
    """A C-contiguous slice starting mid-vector gives the same values."""
    n = 1003
    buf = cp.empty(n + 1, dtype=dtype)
    out = buf[1:]
    if np.dtype(dtype).kind == "f":
        _cuda_random.fill("uniform", out, 5, 16, low=-1.0, high=1.0)
        ref.assert_same_bits(cp.asnumpy(out), ref.ref_uniform(dtype, 5, 16, n, -1.0, 1.0))
    _cuda_random.fill("randint", out, 5, 16, low=0, high=100)
    ref.assert_same_bits(cp.asnumpy(out), ref.ref_randint(dtype, 5, 16, n, 0, 100))


@pytest.mark.cuda
def test_chunks_are_slices_of_the_whole(cp):
    """Generating elements [a, n) from the words they own gives that slice."""
    n, seed = 10_000, 11
    whole = _gpu_fill(cp, "uniform", np.float32, n, seed, 0, {}, low=0.0, high=1.0)
    part = _gpu_fill(cp, "uniform", np.float32, n - 4096, seed, 4096, {}, low=0.0, high=1.0)
    ref.assert_same_bits(part, whole[4096:])
    whole = _gpu_fill(cp, "normal", np.float64, n, seed, 0, {}, mean=0.0, std=1.0)
    part = _gpu_fill(cp, "normal", np.float64, n - 2048, seed, 2 * 2048, {}, mean=0.0, std=1.0)
    ref.assert_same_bits(part, whole[2048:])


@pytest.mark.cuda
def test_large_fill(cp):
    n = 2**22 + 3
    for config in CONFIGS[:2]:
        got = _gpu_fill(cp, "uniform", np.float32, n, 123, 4 * 2**32, config, low=0.0, high=1.0)
        ref.assert_same_bits(got, ref.ref_uniform(np.float32, 123, 4 * 2**32, n, 0.0, 1.0))


@pytest.mark.cuda
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_randperm(cp, config):
    for seed, offset in STATES:
        for n in (1, 2, 1000):
            got = cp.asnumpy(_cuda_random.randperm(n, seed, offset, **config))
            keys = ref.ref_randperm_keys(seed, offset, n)
            np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))
            assert got.dtype == np.int64


@pytest.mark.cuda
@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("rows,c,num_samples", [(1, 1, 5), (3, 2, 7), (4, 5, 33), (3, 1000, 3)])
def test_multinomial(cp, rows, c, num_samples, config):
    p = ref._probs(np.random.default_rng(c), rows, c)
    for seed, offset in STATES:
        got = _cuda_random.multinomial(cp.asarray(p), num_samples, True, seed, offset, **config)
        np.testing.assert_array_equal(
            cp.asnumpy(got), ref.ref_multinomial_with_replacement(seed, offset, p, num_samples))
        k = min(num_samples, c)
        got = _cuda_random.multinomial(cp.asarray(p), k, False, seed, offset, **config)
        keys = ref.ref_multinomial_keys(seed, offset, p)
        np.testing.assert_array_equal(cp.asnumpy(got),
                                      np.argsort(keys, axis=1, kind="stable")[:, :k])
    one = _cuda_random.multinomial(cp.asarray(p[0]), num_samples, True, 0, 0, **config)
    assert one.shape == (num_samples,)


@pytest.mark.cuda
def test_generate_shapes_and_kinds(cp):
    out = _cuda_random.generate("normal", (3, 5), np.float32, 1, 0)
    assert out.shape == (3, 5) and out.dtype == np.float32
    out = _cuda_random.generate("randperm", (9,), np.int32, 1, 0)
    assert sorted(cp.asnumpy(out).tolist()) == list(range(9))
    p = cp.asarray(np.full((2, 4), 0.25))
    out = _cuda_random.generate("multinomial", (2, 6), np.int64, 1, 0, probs=p, num_samples=6,
                                replacement=True)
    assert out.shape == (2, 6)
    target = cp.empty((4, 6), dtype=np.float64)[:, ::2]  # not contiguous
    _cuda_random.generate("uniform", target.shape, np.float64, 1, 0, out=target)
    ref.assert_same_bits(cp.asnumpy(target).reshape(-1),
                         ref.ref_uniform(np.float64, 1, 0, 12, 0.0, 1.0))


# ---------------------------------------------------------------------------
# Without a GPU: the launcher against the host build of the kernels


class _FakeArray(np.ndarray):
    """A NumPy array posing as a CuPy array on device 0."""

    @property
    def device(self):
        return types.SimpleNamespace(id=0)


def _fake(a):
    return np.asarray(a).view(_FakeArray)


def _encode(arg):
    if isinstance(arg, np.ndarray):
        return np.ascontiguousarray(arg).tobytes().hex() or "00"
    if isinstance(arg, np.float32):
        return ref.f32_hex(arg)
    if isinstance(arg, np.float64):
        return ref.f64_hex(arg)
    if isinstance(arg, (np.int64, np.uint64)):
        return str(int(arg))
    raise TypeError(f"unexpected kernel argument type {type(arg)}")


def _fake_cupy(harness, launches):
    cupy = types.ModuleType("cupy")
    cupy.ndarray = _FakeArray
    for name in ("float64", "int64", "uint64", "int32", "frexp", "ldexp", "floor", "cumsum",
                 "ones", "isfinite", "multiply"):
        setattr(cupy, name, getattr(np, name))

    def wrap(fn):
        return lambda *a, **k: _fake(fn(*a, **k))

    cupy.empty = wrap(np.empty)
    cupy.zeros = wrap(np.zeros)
    cupy.asarray = wrap(np.asarray)
    cupy.ascontiguousarray = wrap(np.ascontiguousarray)
    cupy.broadcast_to = wrap(np.broadcast_to)
    cupy.argsort = lambda a, axis=-1: _fake(np.argsort(np.asarray(a), axis=axis, kind="stable"))

    class Device:
        def __init__(self, device=None):
            assert device in (None, 0)
            self.attributes = {"MultiProcessorCount": 3}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class Kernel:
        def __init__(self, name, options):
            self.name, self.options = name, options

        def __call__(self, grid, block, args):
            (blocks,), (threads,) = grid, block
            assert 1 <= blocks and 1 <= threads <= 1024
            out, n = args[0], int(args[1])
            assert isinstance(out, np.ndarray) and out.flags.c_contiguous and out.size == n
            assert type(args[1]) is np.uint64
            assert type(args[2]) is np.uint64 and type(args[3]) is np.uint64
            launches.append((self.name, blocks, threads, self.options))
            starts, run_len = args[4], args[5]  # the output layout
            assert type(run_len) is np.uint64
            if int(run_len) == 0:
                assert type(starts) is np.uint64 and int(starts) == 0  # a null pointer
                starts = np.zeros(1, np.uint64)
            else:
                assert starts.dtype == np.uint64 and n == starts.size * int(run_len)
            request = (self.name, int(args[2]), int(args[3]), n, _encode(starts),
                       int(run_len)) + tuple(_encode(a) for a in args[6:])
            (line,) = harness(request)
            out.reshape(-1).view(np.uint8)[...] = np.frombuffer(bytes.fromhex(line), np.uint8)

    class RawModule:
        def __init__(self, code, options):
            assert "--fmad=false" in options and isinstance(options, tuple)
            assert "philox.cuh sha256" in code
            self.options = options

        def compile(self):
            pass

        def get_function(self, name):
            family = [o for o in self.options if o.startswith("-DTL_FAMILY_")]
            assert family == [f"-DTL_FAMILY_{_cuda_random.family_of(name).upper()}"]
            return Kernel(name, self.options)

    cupy.RawModule = RawModule
    cupy.cuda = types.SimpleNamespace(Device=Device)
    return cupy


@pytest.fixture(scope="module")
def host_harness(tmp_path_factory):
    return ref.build_harness(tmp_path_factory)


@pytest.fixture
def fake_cupy(host_harness, monkeypatch):
    launches = []
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(host_harness, launches))
    monkeypatch.setattr(_cuda_random, "_modules", {})
    monkeypatch.setattr(_cuda_random, "_functions", {})
    _cuda_random._default_max_blocks.cache_clear()
    yield launches
    _cuda_random._default_max_blocks.cache_clear()


@pytest.mark.parametrize("dtype", ref.FLOATS, ids=str)
@pytest.mark.parametrize("kind,params", ELEMENTWISE, ids=lambda v: str(v))
def test_launcher_floating_kinds_on_host(fake_cupy, kind, params, dtype):
    for seed, offset in STATES[:2]:
        out = _fake(np.empty((3, 7), dtype))
        assert _cuda_random.fill(kind, out, seed, offset, **params) is out
        expected, exact = _reference_values(kind, dtype, seed, offset, 21, params)
        _compare(out, expected, exact, dtype, sum(abs(v) for v in params.values()) or 1.0)
    name = fake_cupy[-1][0]
    assert name == f"tl_{kind}_{_cuda_random._suffix(dtype)}"


@pytest.mark.parametrize("dtype", ref.ALL_DTYPES, ids=str)
def test_launcher_randint_and_bernoulli_on_host(fake_cupy, dtype):
    for low, high in RANDINT:
        out = _fake(np.empty(13, dtype))
        _cuda_random.fill("randint", out, 3, 8, low=low, high=high)
        ref.assert_same_bits(np.asarray(out), ref.ref_randint(dtype, 3, 8, 13, low, high))
        assert fake_cupy[-1][0] == (f"tl_randint{ref.randint_words(high - low)}_"
                                    f"{_cuda_random._suffix(dtype)}")
    out = _fake(np.empty(13, dtype))
    _cuda_random.fill("bernoulli", out, 3, 8, p=0.4)
    ref.assert_same_bits(np.asarray(out), ref.ref_bernoulli_scalar(dtype, 3, 8, 13, 0.4))
    # Tensor p, broadcast over rows, in float32 whatever the output dtype.
    p = np.random.default_rng(0).random((1, 5)).astype(np.float32)
    out = _fake(np.empty((3, 5), dtype))
    _cuda_random.fill("bernoulli", out, 3, 8, p=_fake(p))
    ref.assert_same_bits(np.asarray(out).reshape(-1),
                         ref.ref_bernoulli(dtype, 3, 8, np.broadcast_to(p, (3, 5))))


def test_launcher_grid_and_validation(fake_cupy):
    out = _fake(np.empty(1000, np.float32))
    _cuda_random.fill("uniform", out, 1, 0, block_size=64, max_blocks=2)
    assert fake_cupy[-1][1:3] == (2, 64)
    _cuda_random.fill("uniform", out, 1, 0, block_size=32)
    assert fake_cupy[-1][1:3] == (8, 32)  # 250 groups of 4 elements -> 8 blocks of 32
    _cuda_random.fill("uniform", out, 1, 0, block_size=1)
    assert fake_cupy[-1][1] == 3 * 32  # capped at 32 blocks per SM
    before = len(fake_cupy)
    _cuda_random.fill("uniform", _fake(np.empty(0, np.float32)), 1, 0)
    assert len(fake_cupy) == before  # nothing to launch
    with pytest.raises(ValueError, match="multiple of 4"):
        _cuda_random.fill("uniform", out, 1, 2)
    with pytest.raises(ValueError, match="floating"):
        _cuda_random.fill("normal", _fake(np.empty(4, np.int32)), 1, 0)
    with pytest.raises(TypeError, match="unexpected"):
        _cuda_random.fill("uniform", out, 1, 0, mean=1.0)
    with pytest.raises(ValueError, match="unknown kind"):
        _cuda_random.fill("poisson", out, 1, 0)
    with pytest.raises(ValueError, match="C-contiguous"):
        _cuda_random.fill("uniform", _fake(np.empty((4, 4), np.float32))[:, ::2], 1, 0)


def test_launcher_randperm_and_multinomial_on_host(fake_cupy):
    perm = _cuda_random.randperm(50, 9, 4)
    np.testing.assert_array_equal(perm, np.argsort(ref.ref_randperm_keys(9, 4, 50), kind="stable"))
    for rows, c, k in [(1, 1, 4), (3, 2, 7), (4, 5, 33), (2, 300, 3)]:
        p = ref._probs(np.random.default_rng(c), rows, c)
        got = _cuda_random.multinomial(_fake(p), k, True, 5, 12)
        np.testing.assert_array_equal(got, ref.ref_multinomial_with_replacement(5, 12, p, k))
        kk = min(k, c)
        got = _cuda_random.multinomial(_fake(p), kk, False, 5, 12)
        keys = ref.ref_multinomial_keys(5, 12, p)
        np.testing.assert_array_equal(got, np.argsort(keys, axis=1, kind="stable")[:, :kk])
    got = _cuda_random.generate("multinomial", (6,), np.int64, 5, 12,
                                probs=_fake(np.array([0.0, 2.0, 1.0])), num_samples=6,
                                replacement=True)
    np.testing.assert_array_equal(
        got, ref.ref_multinomial_with_replacement(5, 12, np.array([[0.0, 2.0, 1.0]]), 6)[0])


# ---- strided blocks (tensorlite.dask): the launcher on the host harness ------------------
BLOCK_CASES = [((9, 13), ((0, 9), (3, 8))), ((7, 10), ((2, 6), (1, 2))),
               ((3, 5, 7), ((0, 3), (1, 4), (2, 6))), ((40,), ((13, 29),))]


@pytest.mark.parametrize("shape, box", BLOCK_CASES, ids=str)
def test_generate_block_is_the_whole_arrays_block(fake_cupy, shape, box):
    """One launch per block, equal to the block of the whole array's launch (the
    kernels run as host code here; on a GPU, test_dask compares with the CPU)."""
    cut = tuple(slice(a, b) for a, b in box)
    for kind, dtype, params in [("uniform", np.float32, {"low": -1.0, "high": 2.0}),
                                ("normal", np.float64, {"mean": 0.0, "std": 1.0}),
                                ("randint", np.int16, {"low": -4, "high": 9}),
                                ("bernoulli", np.float32, {"p": 0.25})]:
        whole = _cuda_random.generate(kind, shape, dtype, 6, 20, **params)
        before = len(fake_cupy)
        block = _cuda_random.generate_block(kind, shape, box, dtype, 6, 20, **params)
        assert len(fake_cupy) == before + 1  # no per-row launches
        ref.assert_same_bits(np.asarray(block), np.ascontiguousarray(np.asarray(whole)[cut]))
    p = np.random.default_rng(1).random(shape)
    whole = _cuda_random.generate("bernoulli", shape, np.float64, 6, 20, p=_fake(p))
    block = _cuda_random.generate_block("bernoulli", shape, box, np.float64, 6, 20,
                                        p=_fake(np.ascontiguousarray(p[cut])))
    ref.assert_same_bits(np.asarray(block), np.ascontiguousarray(np.asarray(whole)[cut]))


@pytest.mark.parametrize("replacement", [True, False])
def test_generate_block_multinomial_rows(fake_cupy, replacement):
    p = ref._probs(np.random.default_rng(3), 7, 5)
    whole = _cuda_random.multinomial(_fake(p), 3, replacement, 5, 12)
    for r0, r1 in ((0, 2), (2, 3), (3, 7)):
        block = _cuda_random.generate_block("multinomial", (7, 3), ((r0, r1), (0, 3)), np.int64,
                                            5, 12, probs=_fake(p[r0:r1]), num_samples=3,
                                            replacement=replacement)
        np.testing.assert_array_equal(np.asarray(block), np.asarray(whole)[r0:r1])
