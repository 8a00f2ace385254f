"""The CUDA kernels' math, checked on the CPU.

``tests/kernel_host_check.cu`` compiles ``kernels/random.cu`` as a host
program (every entry point becomes a host function with the same body, and
cuRAND's Philox block function runs on the host), so without a GPU we can run
the kernels' code and compare it with the plain NumPy re-derivation of DESIGN
§4.3 below. That re-derivation is deliberately independent of
``tensorlite.random`` (written from the contract alone); ``test_cuda_random.py``
reuses it for the GPU runs.

Bit-exact: uniform, randint, bernoulli, randperm keys, multinomial with
replacement. Close: normal, exponential, multinomial keys (libm vs NumPy
transcendentals).
"""

import math
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from tensorlite._backends import _cuda_random

# ---------------------------------------------------------------------------
# NumPy re-derivation of DESIGN §4 (shared with test_cuda_random.py)
# ---------------------------------------------------------------------------

BF16 = np.dtype(ml_dtypes.bfloat16)
F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
FLOATS = (F16, BF16, F32, F64)
ALL_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int16),
              np.dtype(np.int32), np.dtype(np.int64)) + FLOATS
MANTISSA = {F16: 11, BF16: 8, F32: 24, F64: 53}
U64 = np.uint64


def philox_blocks(seed, first_block, count):
    """Philox4x32-10 (Random123) for counters first_block .. +count-1 (c2 = c3 = 0)."""
    b = np.arange(count, dtype=np.uint64) + U64(first_block)
    c0, c1 = b & U64(0xFFFFFFFF), b >> U64(32)
    c2 = np.zeros(count, np.uint64)
    c3 = np.zeros(count, np.uint64)
    k0, k1 = seed & 0xFFFFFFFF, seed >> 32
    for _ in range(10):
        p0, p1 = c0 * U64(0xD2511F53), c2 * U64(0xCD9E8D57)
        c0, c1, c2, c3 = ((p1 >> U64(32)) ^ c1 ^ U64(k0), p1 & U64(0xFFFFFFFF),
                          (p0 >> U64(32)) ^ c3 ^ U64(k1), p0 & U64(0xFFFFFFFF))
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    return np.stack([c0, c1, c2, c3], axis=-1).astype(np.uint32)


def words(seed, offset, count):
    """W(seed, offset) .. W(seed, offset + count - 1) as uint32."""
    first = offset // 4
    nblocks = (offset + count + 3) // 4 - first
    flat = philox_blocks(seed, first, nblocks).reshape(-1)
    return flat[offset % 4: offset % 4 + count]


def pairs(w):
    """W_2i << 32 | W_2i+1."""
    return (w[0::2].astype(np.uint64) << U64(32)) | w[1::2].astype(np.uint64)


def mulhi64(a, b):
    """High 64 bits of a*b for uint64 arrays, from 32-bit halves."""
    a, b = np.asarray(a, np.uint64), np.asarray(b, np.uint64)
    m = U64(0xFFFFFFFF)
    s = U64(32)
    al, ah, bl, bh = a & m, a >> s, b & m, b >> s
    ll, lh, hl, hh = al * bl, al * bh, ah * bl, ah * bh
    mid = (ll >> s) + (lh & m) + (hl & m)
    return hh + (lh >> s) + (hl >> s) + (mid >> s)


def _compute(dtype):
    return F64 if dtype == F64 else F32


def largest_below(high, dtype):
    """Largest value of dtype strictly below `high` (given in compute precision)."""
    ct = _compute(dtype)
    r = np.array(high, ct).astype(dtype)
    if r.astype(ct) < np.array(high, ct):
        return r[()]
    return np.nextafter(r, np.array(-np.inf, dtype)).astype(dtype)[()]


def ref_uniform(dtype, seed, offset, n, low, high):
    dtype = np.dtype(dtype)
    ct = _compute(dtype)
    if dtype == F64:
        u = (pairs(words(seed, offset, 2 * n)) >> U64(11)).astype(F64) * 2.0**-53
    else:
        bits = MANTISSA[dtype]
        u = (words(seed, offset, n) >> np.uint32(32 - bits)).astype(F32) * np.float32(2.0**-bits)
    a, b = ct.type(low), ct.type(high)
    span = b - a
    v = (a + span * u).astype(ct).astype(dtype)
    if span > 0:
        v = np.where(v.astype(ct) >= b, largest_below(b, dtype), v).astype(dtype)
    return v


def _uniforms24(w, plus_one):
    return ((w >> np.uint32(8)).astype(np.float64) + (1.0 if plus_one else 0.0)) * 2.0**-24


def _uniforms53(x, plus_one):
    return ((x >> U64(11)).astype(np.float64) + (1.0 if plus_one else 0.0)) * 2.0**-53


def ref_normal(dtype, seed, offset, n, mean, std):
    """In float64 (compare with a tolerance)."""
    dtype = np.dtype(dtype)
    npairs = (n + 1) // 2
    if dtype == F64:
        x = pairs(words(seed, offset, 4 * npairs))
        u1, u2 = _uniforms53(x[0::2], True), _uniforms53(x[1::2], False)
    else:
        w = words(seed, offset, 2 * npairs)
        u1, u2 = _uniforms24(w[0::2], True), _uniforms24(w[1::2], False)
    r = np.sqrt(-2.0 * np.log(u1))
    z = np.empty(2 * npairs)
    z[0::2] = r * np.cos(2 * np.pi * u2)
    z[1::2] = r * np.sin(2 * np.pi * u2)
    return mean + std * z[:n]


def ref_exponential(dtype, seed, offset, n, lambd):
    dtype = np.dtype(dtype)
    if dtype == F64:
        u = _uniforms53(pairs(words(seed, offset, 2 * n)), True)
    else:
        u = _uniforms24(words(seed, offset, n), True)
    return -np.log(u) / lambd


def randint_words(r):
    return 1 if r <= 2**16 or (r <= 2**32 and r & (r - 1) == 0) else 2


def ref_randint_int64(seed, offset, n, low, high):
    r = high - low
    if randint_words(r) == 1:
        k = (words(seed, offset, n).astype(np.uint64) * U64(r)) >> U64(32)
    else:
        x = pairs(words(seed, offset, 2 * n))
        k = x if r == 2**64 else mulhi64(x, U64(r))
    return (k + U64(low % 2**64)).view(np.int64)


def cast_int64(v, dtype):
    """Draw the integer, then cast (bfloat16 through float32, as ml_dtypes does)."""
    dtype = np.dtype(dtype)
    with np.errstate(over="ignore"):  # large integers become inf in float16
        if dtype == BF16:
            return v.astype(F32).astype(BF16)
        return v.astype(dtype)


def ref_randint(dtype, seed, offset, n, low, high):
    return cast_int64(ref_randint_int64(seed, offset, n, low, high), dtype)


def ref_bernoulli(dtype, seed, offset, p):
    p = np.asarray(p)
    n = p.size
    hit = words(seed, offset, n).astype(np.float64) < p.astype(np.float64).reshape(-1) * 2.0**32
    return cast_int64(hit.astype(np.int64), dtype)


def ref_bernoulli_scalar(dtype, seed, offset, n, p):
    hit = words(seed, offset, n).astype(np.float64) < float(p) * 2.0**32
    return cast_int64(hit.astype(np.int64), dtype)


def ref_randperm_keys(seed, offset, n):
    return pairs(words(seed, offset, 2 * n))


def ref_prefix_sums(probs2d):
    """Exact quantization with Python integers and fractions (DESIGN §4.3)."""
    rows, c = probs2d.shape
    q_bits = 63 - math.ceil(math.log2(c)) if c > 1 else 63
    out = np.empty((rows, c), np.uint64)
    for r in range(rows):
        e = math.frexp(float(probs2d[r].max()))[1]
        total = 0
        for j in range(c):
            total += math.floor(Fraction(float(probs2d[r, j])) * Fraction(2) ** (q_bits - e))
            out[r, j] = total
        assert total <= 2**63
    return out


def ref_multinomial_with_replacement(seed, offset, probs2d, num_samples):
    s = ref_prefix_sums(probs2d)
    rows = s.shape[0]
    x = pairs(words(seed, offset, 2 * rows * num_samples)).reshape(rows, num_samples)
    t = mulhi64(x, s[:, -1:])
    return np.stack([np.searchsorted(s[r], t[r], side="right") for r in range(rows)]).astype(
        np.int64)


def ref_multinomial_keys(seed, offset, p2d):
    rows, c = p2d.shape
    u = _uniforms53(pairs(words(seed, offset, 2 * rows * c)), True).reshape(rows, c)
    with np.errstate(divide="ignore"):
        return np.where(p2d == 0, np.inf, -np.log(u) / np.where(p2d == 0, 1.0, p2d))


def close_tolerance(dtype, scale):
    """(rtol, atol) for normal/exponential values of magnitude ~scale."""
    dtype = np.dtype(dtype)
    if dtype == F64:
        return 1e-13, 1e-13 * scale
    if dtype == F32:
        return 2e-6, 5e-6 * scale
    # float16/bfloat16: one rounding of the float32 result, which may land on
    # either side of a rounding boundary relative to the float64 reference.
    return (2.0**-10, 1e-4 * scale) if dtype == F16 else (2.0**-7, 1e-3 * scale)


# ---------------------------------------------------------------------------
# The harness
# ---------------------------------------------------------------------------

HARNESS = Path(__file__).with_name("kernel_host_check.cu")


def f32_hex(x):
    return hex(int(np.array(x, np.float32).view(np.uint32)))


def f64_hex(x):
    return hex(int(np.array(x, np.float64).view(np.uint64)))


def bytes_hex(a):
    return np.ascontiguousarray(a).tobytes().hex()


def build_harness(tmp_path_factory):
    """Build kernel_host_check.cu once per test session; return
    ``run(*requests)``, which sends request tuples to it and returns its
    answer lines. Skips when nvcc is missing; a build failure fails the test."""
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not installed: the host harness cannot be built")
    # TENSORLITE_HARNESS_DIR keeps the build across pytest sessions (the mutation run
    # starts one session per mutant; the harness is C++ and no mutant changes it).
    folder = Path(os.environ.get("TENSORLITE_HARNESS_DIR")
                  or tmp_path_factory.getbasetemp() / "kernel-host-harness")
    exe = folder / "kernel_host_check"
    if not exe.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        dirs = _cuda_random.include_dirs()
        cmd = [nvcc, "-std=c++17", "--fmad=false", "-O2", "-Xcompiler", "-ffp-contract=off",
               f"-I{dirs[0]}", f"-I{dirs[1]}", str(HARNESS), "-o", f"{exe}.{os.getpid()}"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"building the host harness failed:\n{result.stderr}"
        os.replace(f"{exe}.{os.getpid()}", exe)  # atomic: parallel sessions may share folder

    def run(*requests):
        text = "".join(" ".join(str(t) for t in req) + "\n" for req in requests)
        out = subprocess.run([str(exe)], input=text, capture_output=True, text=True,
                             timeout=300, check=True).stdout.splitlines()
        assert len(out) == len(requests)
        for line in out:
            assert not line.startswith("error"), line
        return out

    return run


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return build_harness(tmp_path_factory)


# The layout arguments of a contiguous output: run_len 0 (starts unused).
CONTIGUOUS = (bytes_hex(np.zeros(1, np.uint64)), 0)


def call(harness, entry, dtype, seed, offset, n, *args):
    (line,) = harness((entry, seed, offset, n) + CONTIGUOUS + args)
    return np.frombuffer(bytes.fromhex(line), dtype=dtype)


def call_strided(harness, entry, dtype, seed, offset, starts, run_len, *args):
    """A strided block: runs of ``run_len`` elements starting at ``starts`` (global flat
    indices of a larger array), stored one after the other."""
    starts = np.asarray(starts, np.uint64)
    (line,) = harness((entry, seed, offset, starts.size * run_len, bytes_hex(starts), run_len)
                      + args)
    return np.frombuffer(bytes.fromhex(line), dtype=dtype)


def sfx(dtype):
    return _cuda_random._suffix(dtype)


def assert_same_bits(actual, expected):
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    nbytes = actual.dtype.itemsize
    view = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[nbytes]
    a, e = actual.view(view), expected.view(view)
    bad = np.flatnonzero(a != e)
    assert bad.size == 0, (f"{bad.size} of {a.size} differ, first at {bad[:5]}: "
                           f"{actual[bad[:5]]} vs {expected[bad[:5]]}")


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

SEEDS_OFFSETS = [(0, 0), (1, 12), (2**64 - 1, 4 * (2**32 + 3)), (0x0123456789ABCDEF, 4000)]


def test_reference_philox_known_answers():
    assert [hex(w) for w in philox_blocks(0, 0, 1)[0]] == [
        "0x6627e8d5", "0xe169c58d", "0xbc57ac4c", "0x9b00dbd8"]


def test_reference_mulhi64_matches_python_integers():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2**64, 500, dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, 500, dtype=np.uint64, endpoint=False)
    a[:3], b[:3] = 2**64 - 1, [2**64 - 1, 1, 2**63]
    expected = [(int(x) * int(y)) >> 64 for x, y in zip(a, b)]
    assert mulhi64(a, b).tolist() == expected


def test_reference_words_match_tensorlite_philox_if_present():
    philox = pytest.importorskip("tensorlite.random.philox")
    ref = getattr(philox, "reference_words", None)
    if ref is None:
        pytest.skip("tensorlite.random.philox.reference_words is not there (yet)")
    for seed, offset in SEEDS_OFFSETS:
        np.testing.assert_array_equal(np.asarray(ref(seed, offset + 1, 37), np.uint32),
                                      words(seed, offset + 1, 37))


def test_curand_block_function_known_answers(harness):
    """Random123's known-answer vectors, through cuRAND's own function."""
    out = harness(("block", 0, 0, 0, 0, 0, 0),
                  ("block",) + (0xFFFFFFFF,) * 6,
                  ("block", 0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822,
                   0x299F31D0))
    assert out == ["6627e8d5 e169c58d bc57ac4c 9b00dbd8",
                   "408f276d 41c83b0e a20bc7c6 6d5451fd",
                   "d16cfe09 94fdcceb 5001e420 24126ea1"]


@pytest.mark.parametrize("seed,offset", SEEDS_OFFSETS)
def test_stream_words(harness, seed, offset):
    """randperm keys are the raw word pairs: the counter/key layout is right,
    including block indices above 2**32 and seeds above 2**32."""
    keys = call(harness, "tl_randperm_keys", np.uint64, seed, offset, 301)
    np.testing.assert_array_equal(keys, ref_randperm_keys(seed, offset, 301))


UNIFORM_CASES = [
    (0.0, 1.0), (-3.5, 2.25), (-2.0, -1.0), (5.0, 5.0),
    # Bounds where results often round up to high (replaced by the largest
    # value below it) or where high is not representable in the output dtype.
    ("roundup", None), (0.0, 0.1), (0.0, 1e5),
    # float32 subnormal results (kept by NumPy; CuPy compiles with -ftz=true).
    (0.0, 1e-40), (-3e-39, 1e-39),
]
ROUNDUP = {F16: (1000.0, 1001.0), BF16: (100.0, 101.0), F32: (2.0**24, 2.0**24 + 4),
           F64: (2.0**53, 2.0**53 + 4)}


def _bounds(dtype, case):
    return ROUNDUP[dtype] if case[0] == "roundup" else case


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("case", UNIFORM_CASES, ids=str)
@pytest.mark.parametrize("n", [1, 7, 1001])
def test_uniform_bit_exact(harness, dtype, case, n):
    low, high = _bounds(dtype, case)
    if dtype == F16 and high > 65504:
        high = 6e4
    enc = f64_hex if dtype == F64 else f32_hex
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, f"tl_uniform_{sfx(dtype)}", dtype, seed, offset, n, enc(low), enc(high))
        expected = ref_uniform(dtype, seed, offset, n, low, high)
        assert_same_bits(got, expected)
        if low < high:
            hi = np.array(high, _compute(dtype))
            assert (got.astype(_compute(dtype)) < hi).all()


def test_uniform_roundup_cases_do_round_up():
    """Negative control: the round-up cases really produce high before clamping."""
    for dtype, (low, high) in ROUNDUP.items():
        ct = _compute(dtype)
        a, b = ct.type(low), ct.type(high)
        u_max = ct.type(1 - 2.0**-MANTISSA[dtype])
        assert (a + (b - a) * u_max).astype(dtype).astype(ct) >= b


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (3.0, 0.5), (-1.0, 10.0)])
@pytest.mark.parametrize("n", [1, 6, 999])
def test_normal_close(harness, dtype, mean, std, n):
    enc = f64_hex if dtype == F64 else f32_hex
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, f"tl_normal_{sfx(dtype)}", dtype, seed, offset, n, enc(mean), enc(std))
        expected = ref_normal(dtype, seed, offset, n, mean, std)
        rtol, atol = close_tolerance(dtype, abs(std) + abs(mean))
        np.testing.assert_allclose(got.astype(np.float64), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("lambd", [1.0, 2.5, 0.01])
@pytest.mark.parametrize("n", [1, 5, 1000])
def test_exponential_close(harness, dtype, lambd, n):
    enc = f64_hex if dtype == F64 else f32_hex
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, f"tl_exponential_{sfx(dtype)}", dtype, seed, offset, n, enc(lambd))
        expected = ref_exponential(dtype, seed, offset, n, lambd)
        if dtype == F16:
            expected = np.minimum(expected, np.inf)
        rtol, atol = close_tolerance(dtype, 1.0 / lambd)
        np.testing.assert_allclose(got.astype(np.float64), expected, rtol=rtol, atol=atol)


RANDINT_RANGES = [
    (0, 1), (0, 10), (-5, 5), (0, 2**16), (3, 3 + 2**16 + 1), (0, 2**20), (-(2**31), 2**31),
    (7, 7 + 2**32 + 1), (0, 3 * 2**30), (-(2**62), 2**62 + 12345), (0, 2**63),
    (-(2**63), 2**63),  # r = 2**64: the full 64-bit range
    (0, 2**11 + 1), (0, 2**53 + 1),
]


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("low,high", RANDINT_RANGES)
def test_randint_bit_exact(harness, dtype, low, high):
    words_per = randint_words(high - low)
    entry = f"tl_randint{words_per}_{sfx(dtype)}"
    for seed, offset in SEEDS_OFFSETS[:3]:
        for n in (1, 9, 300):
            got = call(harness, entry, dtype, seed, offset, n, low, (high - low) % 2**64)
            assert_same_bits(got, ref_randint(dtype, seed, offset, n, low, high))


def test_randint_two_words_is_unbiased_where_one_word_is_not():
    """Why r = 3 * 2**30 takes two words: one word would draw 0 twice as often."""
    w = words(0, 0, 30000)
    one = (w.astype(np.uint64) * U64(3 * 2**30)) >> U64(32)
    assert (one % 3 == 0).mean() > 0.45  # values are 0 mod 3 twice as often
    two = ref_randint_int64(0, 0, 30000, 0, 3 * 2**30)
    assert abs((two % 3 == 0).mean() - 1 / 3) < 0.02


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_bernoulli_tensor_bit_exact(harness, dtype):
    rng = np.random.default_rng(1)
    for seed, offset in SEEDS_OFFSETS[:3]:
        for n in (1, 10, 777):
            p = rng.random(n).astype(dtype)
            p[::7] = 0
            p[::11] = 1
            got = call(harness, f"tl_bernoulli_{sfx(dtype)}", dtype, seed, offset, n, bytes_hex(p))
            assert_same_bits(got, ref_bernoulli(dtype, seed, offset, p))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
@pytest.mark.parametrize("p", [0.0, 1e-9, 0.3, 0.5, 1 - 2**-40, 1.0])
def test_bernoulli_scalar_bit_exact(harness, dtype, p):
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, f"tl_bernoulli_scalar_{sfx(dtype)}", dtype, seed, offset, 203,
                   f64_hex(p))
        assert_same_bits(got, ref_bernoulli_scalar(dtype, seed, offset, 203, p))


def _probs(rng, rows, c):
    p = rng.random((rows, c))
    p[p < 0.3] = 0.0
    p[0, 0] = 0.0
    p[:, -1] += 1e-3  # every row has a positive sum
    if rows > 1:
        p[1] = 0
        p[1, c // 2] = 1e-300  # one tiny weight, alone in its row
    if rows > 2:
        p[2] *= 1e300
    return p


@pytest.mark.parametrize("rows,c,num_samples", [(1, 1, 5), (3, 2, 7), (4, 5, 33), (3, 1000, 3)])
def test_quantized_prefix_sums_are_exact(rows, c, num_samples):
    p = _probs(np.random.default_rng(c), rows, c)
    np.testing.assert_array_equal(_cuda_random.quantized_prefix_sums(p, np), ref_prefix_sums(p))
    # Narrow input dtypes: exact through float64.
    for dtype in (F16, BF16, F32):
        q = np.random.default_rng(5).random((rows, c)).astype(dtype)
        q[:, 0] = 0
        q[:, -1] += dtype.type(0.5)
        np.testing.assert_array_equal(_cuda_random.quantized_prefix_sums(q, np),
                                      ref_prefix_sums(q.astype(np.float64)))


@pytest.mark.parametrize("rows,c,num_samples", [(1, 1, 5), (3, 2, 7), (4, 5, 33), (3, 1000, 3)])
def test_multinomial_with_replacement_bit_exact(harness, rows, c, num_samples):
    p = _probs(np.random.default_rng(c), rows, c)
    prefix = ref_prefix_sums(p)
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, "tl_multinomial_with_replacement", np.int64, seed, offset,
                   rows * num_samples, bytes_hex(prefix), c, num_samples)
        expected = ref_multinomial_with_replacement(seed, offset, p, num_samples)
        np.testing.assert_array_equal(got.reshape(rows, num_samples), expected)
        assert (p[np.arange(rows)[:, None], got.reshape(rows, num_samples)] > 0).all()


@pytest.mark.parametrize("rows,c", [(1, 1), (3, 2), (4, 5), (2, 1000)])
def test_multinomial_keys_close_and_same_order(harness, rows, c):
    p = _probs(np.random.default_rng(c + 1), rows, c)
    for seed, offset in SEEDS_OFFSETS[:3]:
        got = call(harness, "tl_multinomial_keys", np.float64, seed, offset, rows * c,
                   bytes_hex(p)).reshape(rows, c)
        expected = ref_multinomial_keys(seed, offset, p)
        assert np.array_equal(np.isinf(got), p == 0)
        finite = p > 0
        np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-14, atol=0)
        np.testing.assert_array_equal(np.argsort(got, axis=1, kind="stable"),
                                      np.argsort(expected, axis=1, kind="stable"))


def test_empty_outputs_write_nothing(harness):
    for entry in ("tl_uniform_f32", "tl_randint2_i8", "tl_randperm_keys"):
        args = {"tl_uniform_f32": (f32_hex(0), f32_hex(1)), "tl_randint2_i8": (0, 3 * 2**30),
                "tl_randperm_keys": ()}[entry]
        (line,) = harness((entry, 0, 0, 0) + CONTIGUOUS + args)
        assert line == ""


# ---------------------------------------------------------------------------
# Strided blocks (tensorlite.dask): each element from its global index's words
# ---------------------------------------------------------------------------

# (shape of the whole array, box of the block): column blocks at every alignment,
# odd row lengths (Box–Muller pairs straddle rows), 3-D, a single element.
BLOCKS = [((9, 13), ((0, 9), (3, 8))), ((7, 10), ((2, 6), (1, 2))), ((5, 6, 7), ((1, 4), (2, 5), (0, 7))),
          ((3, 5, 7), ((0, 3), (1, 4), (2, 6))), ((40,), ((13, 29),)), ((4, 4), ((3, 4), (3, 4)))]


def _strided(harness, entry, dtype, seed, offset, shape, box, *args):
    from tensorlite._backends import _common

    starts, run_len = _common.block_runs(shape, box)
    got = call_strided(harness, entry, dtype, seed, offset, starts, run_len, *args)
    return got.reshape(tuple(b - a for a, b in box))


def _cut(whole, shape, box):
    return np.ascontiguousarray(whole.reshape(shape)[tuple(slice(a, b) for a, b in box)])


@pytest.mark.parametrize("shape, box", BLOCKS, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_strided_uniform_normal_exponential_are_the_whole_arrays_blocks(harness, dtype, shape,
                                                                         box):
    n = math.prod(shape)
    h = f64_hex if dtype == F64 else f32_hex  # float64 kernels take float64 parameters
    for kind, args in (("uniform", (h(-2.0), h(3.0))), ("normal", (h(1.0), h(2.0))),
                       ("exponential", (h(1.5),))):
        entry = f"tl_{kind}_{sfx(dtype)}"
        whole = call(harness, entry, dtype, 7, 12, n, *args)
        assert_same_bits(_strided(harness, entry, dtype, 7, 12, shape, box, *args),
                         _cut(whole, shape, box))


@pytest.mark.parametrize("shape, box", BLOCKS, ids=str)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_strided_randint_and_bernoulli_scalar(harness, dtype, shape, box):
    n = math.prod(shape)
    for entry, args in ((f"tl_randint1_{sfx(dtype)}", (0, 2)),
                        (f"tl_randint2_{sfx(dtype)}", (0, 2)),
                        (f"tl_bernoulli_scalar_{sfx(dtype)}", (f64_hex(0.4),))):
        whole = call(harness, entry, dtype, 3, 8, n, *args)
        assert_same_bits(_strided(harness, entry, dtype, 3, 8, shape, box, *args),
                         _cut(whole, shape, box))


@pytest.mark.parametrize("shape, box", BLOCKS, ids=str)
def test_strided_bernoulli_reads_the_blocks_own_probabilities(harness, shape, box):
    p = np.random.default_rng(2).random(shape)
    whole = call(harness, "tl_bernoulli_f64", F64, 5, 4, p.size, bytes_hex(p))
    got = _strided(harness, "tl_bernoulli_f64", F64, 5, 4, shape, box,
                   bytes_hex(_cut(p, shape, box)))
    assert_same_bits(got, _cut(whole, shape, box))


def test_strided_block_is_not_the_first_elements(harness):
    """Negative control: a column block differs from the array's first elements, so the
    comparisons above can fail."""
    shape, box = (9, 13), ((0, 9), (3, 8))
    got = _strided(harness, "tl_uniform_f32", F32, 7, 12, shape, box, f32_hex(0.0), f32_hex(1.0))
    first = call(harness, "tl_uniform_f32", F32, 7, 12, got.size, f32_hex(0.0), f32_hex(1.0))
    assert got.tobytes() != first.tobytes()
