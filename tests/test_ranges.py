"""arange, linspace, logspace and eye against PyTorch's CPU build.

Integer results, shapes, dtypes and exception types must be identical. Floating results
may differ by two units in the last place of the range's largest magnitude: PyTorch's own last bit depends on its CPU's
SIMD width, its thread count and compiler FMA contraction (tensorlite/_creation.py,
"ranges"), so agreement beyond that is not a meaningful target. The arguments come from
a seeded fuzz: random starts, ends and steps (negative, fractional, large, tiny, ranges
that cross zero), lengths around PyTorch's SIMD register pairs, in every real dtype.
Complex logspace (PyTorch takes a complex ``pow``) is compared within 8 / 16 ulp.
"""

import math
import tracemalloc

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

DTYPES = [(tl.float32, torch.float32), (tl.float64, torch.float64), (tl.float16, torch.float16),
          (tl.bfloat16, torch.bfloat16), (tl.int64, torch.int64), (tl.int32, torch.int32),
          (tl.int16, torch.int16), (tl.int8, torch.int8), (tl.uint8, torch.uint8)]
CASES = 300  # argument combinations per function, each tried in every dtype


def _torch_bits(t):
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().view(np.uint8)


def _call(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return exc


def _mismatch(ours, theirs):
    """None when both raised the same exception type or gave identical tensors."""
    if isinstance(ours, Exception) or isinstance(theirs, Exception):
        return None if type(ours) is type(theirs) else f"{ours!r} vs {theirs!r}"
    if tuple(ours.shape) != tuple(theirs.shape):
        return f"shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
    if ours.dtype.name != str(theirs.dtype).removeprefix("torch."):
        return f"dtype {ours.dtype} vs {theirs.dtype}"
    a, b = ours.cpu().numpy(), theirs
    if not _within_one_ulp(a, b):
        return f"values {a} vs {theirs}"
    return None


def _within_one_ulp(ours, theirs):
    """Equal integers; floats within two units in the last place of the range's
    largest magnitude (PyTorch's SIMD lanes add offsets to bases rounded to the dtype,
    which costs it up to that much), with NaNs in the same places."""
    if ours.dtype.kind in "iub":
        return np.array_equal(ours.view(np.uint8), _torch_bits(theirs))
    if theirs.is_complex():
        theirs = torch.view_as_real(theirs)
        ours = ours.view(ours.real.dtype).reshape(theirs.shape)
    eps = float(ml_dtypes.finfo(ours.dtype).eps)
    tiny = float(ml_dtypes.finfo(ours.dtype).smallest_normal)
    a, b = ours.astype(np.float64), theirs.double().numpy()
    nan = np.isnan(a)
    if not np.array_equal(nan, np.isnan(b)):
        return False
    a, b = a[~nan], b[~nan]
    if np.isinf(a).any() or np.isinf(b).any():
        # the range overflows the dtype: PyTorch's lanes then turn whole registers into
        # infinities, so only "both overflow" is comparable
        return bool(np.isinf(a).any() and np.isinf(b).any())
    finite = np.isfinite(a)
    scale = np.abs(a[finite]).max(initial=0.0)
    # each side may be one rounding off the exact value: two units apart at most
    return bool(np.all(np.abs(a[finite] - b[finite]) <= 2 * eps * scale + tiny))


def _compare(name, args, device, dtypes=DTYPES):
    failures = []
    for ours_dt, torch_dt in dtypes:
        ours = _call(lambda: getattr(tl, name)(*args, dtype=ours_dt, device=device))
        theirs = _call(lambda: getattr(torch, name)(*args, dtype=torch_dt))
        problem = _mismatch(ours, theirs)
        if problem:
            failures.append(f"{name}{args} {ours_dt}: {problem}")
    return failures


def _number(rng):
    kind = rng.integers(6)
    if kind == 0:
        return int(rng.integers(-50, 50))
    if kind == 1:
        return float(rng.uniform(-10, 10))
    if kind == 2:
        return float(rng.uniform(-1e6, 1e6))
    if kind == 3:
        return float(rng.choice([0.1, 0.25, -0.3, 1 / 3, 0.7, 2.5, 1e-3]))
    if kind == 4:
        return float(rng.uniform(-1, 1) * 10.0 ** rng.integers(-8, 8))
    return float(rng.integers(-1000, 1000))


def _arange_args(rng):
    step = 0
    while step == 0:
        step = _number(rng)
    n = int(rng.choice([0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 129, 257, 1000,
                        4099]))
    if rng.random() < 0.3:  # a range that crosses zero near a multiple of step
        start = -int(rng.integers(0, n + 1)) * step + float(rng.choice([0.0, 1e-12, 0.5 * step]))
    else:
        start = _number(rng)
    if isinstance(start, int) and rng.random() < 0.5:
        step = int(rng.integers(1, 20)) * int(rng.choice([-1, 1]))
        return start, start + step * n, step  # all ints: the int64 rules
    return start, start + step * n - step * float(rng.choice([0, 0.5, 0.999, 1e-9])), step


def _subset(device):
    """Every case on the CPU; a sample elsewhere (each small call is a few kernel launches)."""
    return range(CASES) if device == "cpu" else range(0, CASES, 10)


def test_arange_fuzz(device):
    rng = np.random.default_rng(1)
    args = [_arange_args(rng) for _ in range(CASES)]
    failures = [f for i in _subset(device) for f in _compare("arange", args[i], device)]
    assert not failures, "\n".join(failures[:10])


def test_linspace_fuzz(device):
    rng = np.random.default_rng(2)
    args = [(_number(rng), _number(rng),
             int(rng.choice([0, 1, 2, 3, 4, 5, 7, 10, 16, 33, 100, 257, 1000, 4097])))
            for _ in range(CASES)]
    failures = [f for i in _subset(device) for f in _compare("linspace", args[i], device)]
    assert not failures, "\n".join(failures[:10])


def test_logspace_fuzz(device):
    rng = np.random.default_rng(3)
    args = []
    for _ in range(CASES):
        start, end = float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3))
        if rng.random() < 0.4:
            start, end = int(rng.integers(-3, 4)), int(rng.integers(-3, 4))
        steps = int(rng.choice([0, 1, 2, 3, 4, 7, 10, 16, 33, 100, 257]))
        args.append((start, end, steps, float(rng.choice([10.0, 2.0, 0.5, math.e, 3.7, -2.0]))))
    failures = [f for i in _subset(device) for f in _compare("logspace", args[i], device)]
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("name, args", [
    ("linspace", (0, 1, 10)),  # [6] is 0.6666667: float32 fuses its multiply-adds
    ("arange", (0, 1.6, 0.1)),  # [9] is 0.90000004: register base 0.8 plus 0.1
    ("linspace", (-7, 3.3, 3)),  # long: [-7, -2, 3], ends truncated first
    ("arange", (1.5, 10.5, 2.5)),  # long: [1, 3, 5, 7, 9]; int32 has 4 values
    ("arange", (-10, 10.667, 1 / 3)),  # [30] is -2**-53: 6 * step cancels -2 exactly
    ("arange", (6.448863314809077, -2.8514366851909227, -0.3)),  # bfloat16 lane rounding
    ("arange", (-3.1453059566904383e-09, 691.6114677379592, 5.3821904104366105)),  # -0.0
    ("arange", (0.9, -0.9, -1)), ("arange", (0, 5, 0.5)), ("arange", (0, 10, float("inf"))),
    ("arange", (0, float("nan"), 1)), ("arange", (0, 10, float("nan"))), ("arange", (5, 0, 1)),
    ("arange", (0, 2**62, 2**60)), ("arange", (0.0, 1e19, 1e18)), ("arange", (-3, 10, 2)),
    ("linspace", (float("nan"), 1, 3)), ("linspace", (0, float("inf"), 3)),
    ("linspace", (-5, 10, 4)), ("linspace", (-5.0, 10, 4)), ("linspace", (0, 127.5, 3)),
    ("linspace", (0, 127.5, 1)), ("linspace", (3.7, 1e6, 1)), ("linspace", (0, 7e4, 5)),
    ("linspace", (1e-12, 1, 33)), ("linspace", (-2**63, 2**63 - 1, 5)), ("linspace", (True, 5, 3)),
    ("logspace", (0, 1.5, 3, -2.0)), ("logspace", (0, 10, 3)), ("logspace", (5, 1, 1)),
    ("logspace", (0, 1, 1, 1000.0)), ("logspace", (-2.0187, 1.0424, 7, 0.5)),
])
def test_known_cases(name, args):
    failures = _compare(name, args, "cpu")
    assert not failures, "\n".join(failures)


def test_brief_values():
    assert tl.linspace(-7, 3.3, 3, dtype=tl.long).tolist() == [-7, -2, 3]
    assert tl.arange(1.5, 10.5, 2.5, dtype=tl.long).tolist() == [1, 3, 5, 7, 9]
    assert tl.arange(1.5, 10.5, 2.5, dtype=tl.int32).tolist() == [1, 3, 5, 7]
    assert abs(tl.linspace(0, 1, 10)[6].item() - 2 / 3) < 1e-7
    assert abs(tl.arange(0, 1.6, 0.1)[9].item() - 0.9) < 1e-7


@pytest.mark.parametrize("name, args, dtypes", [
    ("arange", (0.0, 1e4, 0.1), DTYPES[:4]), ("arange", (-5000.3, 5000, 1 / 3), DTYPES[:4]),
    ("arange", (100.5, -100, -0.00197), DTYPES[:4]), ("arange", (-3, 10**5, 3), DTYPES),
    ("linspace", (-7.5, 3.3, 250_000), DTYPES), ("linspace", (1e-12, 1, 70_001), DTYPES[:4]),
])
def test_long_ranges(name, args, dtypes):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # PyTorch's own arange result depends on its thread count
    try:
        failures = _compare(name, args, "cpu", dtypes)
    finally:
        torch.set_num_threads(threads)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("args", [(0, 1, 257), (-3.5, 2.25, 1000), (2, 7, 1)])
def test_complex(args):
    for ours_dt, torch_dt, ulps in [(tl.complex64, torch.complex64, 8),
                                    (tl.complex128, torch.complex128, 16)]:
        ours, theirs = tl.linspace(*args, dtype=ours_dt), torch.linspace(*args, dtype=torch_dt)
        assert _mismatch(ours, theirs) is None
        # PyTorch's complex logspace takes a complex pow: close, not bit-equal
        ours, theirs = tl.logspace(*args, dtype=ours_dt), torch.logspace(*args, dtype=torch_dt)
        eps = np.finfo(ours.numpy().real.dtype).eps
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=ulps * eps, atol=0)
    with pytest.raises(NotImplementedError, match="ComplexFloat"):
        tl.arange(3, dtype=tl.complex64)


def test_bool_is_not_implemented():
    for fn in (lambda: tl.arange(3, dtype=tl.bool), lambda: tl.linspace(0, 1, 3, dtype=tl.bool)):
        with pytest.raises(NotImplementedError, match="Bool"):
            fn()


def test_default_dtypes():
    assert tl.arange(5).dtype == tl.int64
    assert tl.arange(True, 5).tolist() == [1, 2, 3, 4]
    assert tl.arange(5.0).dtype == tl.float32
    assert tl.linspace(0, 10, 5).dtype == tl.float32
    with tl.device("meta"):
        assert tl.arange(0, 3, 0.5).dtype == tl.get_default_dtype()


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64, tl.float16, tl.bfloat16, tl.int64,
                                   tl.int8])
def test_meta_shapes(dtype):
    cases = [(tl.arange(0.0, 10.0, 1.0, device="meta", dtype=dtype), (10,)),
             (tl.arange(1.5, 10.5, 2.5, device="meta", dtype=dtype),
              (5,) if dtype == tl.int64 else (4,)),
             (tl.linspace(0, 1, 7, device="meta", dtype=dtype), (7,)),
             (tl.logspace(0, 1, 3, device="meta", dtype=dtype), (3,)),
             (tl.eye(3, 5, device="meta", dtype=dtype), (3, 5))]
    for t, shape in cases:
        assert t.device.type == "meta" and t.dtype == dtype and tuple(t.shape) == shape


def test_meta_does_not_allocate():
    tracemalloc.start()
    try:
        a = tl.arange(0.0, 1e9, 1.0, device="meta")
        b = tl.eye(100_000, device="meta")
        c = tl.linspace(0, 1, 10**9, device="meta")
        d = tl.logspace(0, 1, 10**9, device="meta")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"peak {peak} bytes"
    assert tuple(a.shape) == (10**9,) and tuple(b.shape) == (100_000, 100_000)
    assert tuple(c.shape) == tuple(d.shape) == (10**9,)


def test_meta_still_checks_arguments():
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        tl.arange(0, 1, 0, device="meta")
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        tl.arange(5, 0, 1, device="meta")


# ---- the exact float64 fused multiply-add behind the float64 results -------------------
