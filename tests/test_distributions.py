"""Bits to values (DESIGN §4.3) and the chunked CPU fill.

Every distribution is compared with an independent, deliberately plain
re-derivation from ``philox.reference_words`` (Python integers where the
formula is integer arithmetic, NumPy scalars/arrays for the floating-point
steps). Statistical tests use fixed seeds and the stated thresholds
(alpha = 0.01); a negative control shows the normality test can fail.
"""

import bisect
import itertools
import math

import ml_dtypes
import numpy as np
import pytest

from tensorlite._backends import _cpu_random
from tensorlite.random import distributions as D
from tensorlite.random import philox

BF16 = np.dtype(ml_dtypes.bfloat16)
FLOATS = [np.dtype(np.float16), BF16, np.dtype(np.float32), np.dtype(np.float64)]
SEEDS = [0, 7, 2**32 + 3, 2**64 - 1]
OFFSETS = [0, 4, 1000, 2**33]


def W(seed, offset, count):
    """Reference words as Python ints."""
    return [int(w) for w in philox.reference_words(seed, offset, count)]


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return np.array_equal(a.view(np.uint8), b.view(np.uint8))


def fill(kind, shape, dtype, seed, offset, **params):
    return _cpu_random.fill(kind, shape, dtype, seed, offset, **params)


# ---------------------------------------------------------------------------
# Plain re-derivations of §4.3


def ref_unit(words, i, dtype, plus_one=False):
    """u of element i, as a compute-precision NumPy scalar."""
    if dtype == np.float64:
        k = ((words[2 * i] << 32 | words[2 * i + 1]) >> 11) + plus_one
        return np.float64(k * 2.0**-53)
    bits = {np.dtype(np.float16): 11, BF16: 8, np.dtype(np.float32): 24}[dtype]
    k = (words[i] >> (32 - bits)) + plus_one
    return np.float32(k) * np.float32(2.0**-bits)


def ref_uniform(seed, offset, n, dtype, low=0.0, high=1.0):
    per = 2 if dtype == np.float64 else 1
    words = W(seed, offset, per * n)
    ct = np.float64 if dtype == np.float64 else np.float32
    a, b = ct(low), ct(high)
    out = []
    for i in range(n):
        u = ref_unit(words, i, dtype)
        v = ct(a + ct(ct(b - a) * u))
        r = np.array(v, ct).astype(dtype)
        if float(r) >= float(b) and a < b:
            r = np.nextafter(r, np.array(-np.inf, dtype))
            while float(r) >= float(b):
                r = np.nextafter(r, np.array(-np.inf, dtype))
        out.append(r)
    return np.array(out, dtype=dtype).reshape(n)


def ref_normal(seed, offset, n, dtype, mean=0.0, std=1.0):
    per_pair = 4 if dtype == np.float64 else 2
    pairs = (n + 1) // 2
    words = W(seed, offset, per_pair * pairs)
    ct = np.float64 if dtype == np.float64 else np.float32
    # half types use the float32 recipe (24-bit uniforms), then round once
    u1 = np.array([ref_unit(words, 2 * p, np.dtype(ct), plus_one=True) for p in range(pairs)], ct)
    u2 = np.array([ref_unit(words, 2 * p + 1, np.dtype(ct)) for p in range(pairs)], ct)
    r = np.sqrt(ct(-2.0) * np.log(u1))
    theta = ct(2 * math.pi) * u2
    z = np.empty(2 * pairs, ct)
    z[0::2] = r * np.cos(theta)
    z[1::2] = r * np.sin(theta)
    z = z[:n]
    if (mean, std) != (0.0, 1.0):
        z = ct(mean) + ct(std) * z
    return z.astype(dtype)


def ref_exponential(seed, offset, n, dtype, lambd=1.0):
    per = 2 if dtype == np.float64 else 1
    words = W(seed, offset, per * n)
    ct = np.float64 if dtype == np.float64 else np.float32
    u = np.array([ref_unit(words, i, np.dtype(ct), plus_one=True) for i in range(n)], ct)
    return (-np.log(u) / ct(lambd)).astype(dtype)  # half types: float32 recipe, rounded


def ref_randint(seed, offset, n, low, high, dtype):
    r = high - low
    one_word = r <= 2**16 or (r <= 2**32 and (r & (r - 1)) == 0)
    words = W(seed, offset, n if one_word else 2 * n)
    if one_word:
        values = [low + ((words[i] * r) >> 32) for i in range(n)]
    else:
        values = [low + (((words[2 * i] << 32 | words[2 * i + 1]) * r) >> 64) for i in range(n)]
    dtype = np.dtype(dtype)
    if dtype.kind == "f" or dtype == BF16:
        as_float = np.float32 if dtype == BF16 else float  # bfloat16 via float32
        return np.array([as_float(v) for v in values]).astype(dtype)
    return np.array(values, dtype=object).astype(dtype)


def ref_bernoulli(seed, offset, p_flat, dtype):
    words = W(seed, offset, len(p_flat))
    return np.array([1 if w < float(np.float64(p)) * 2**32 else 0
                     for w, p in zip(words, p_flat)]).astype(dtype)


def ref_randperm(seed, offset, n):
    words = W(seed, offset, 2 * n)
    keys = [words[2 * i] << 32 | words[2 * i + 1] for i in range(n)]
    return np.array(sorted(range(n), key=lambda i: keys[i]), np.int64)  # sorted() is stable


def ref_multinomial(seed, offset, probs, n, replacement):
    probs = np.asarray(probs, np.float64)
    rows, cats = probs.shape
    out = np.empty((rows, n), np.int64)
    if replacement:
        words = W(seed, offset, 2 * rows * n)
        q_bits = 63 - next(b for b in range(64) if 2**b >= cats)  # 63 - ceil(log2 C)
        for r in range(rows):
            e = math.frexp(float(probs[r].max()))[1]
            q = [math.floor(math.ldexp(float(p), q_bits - e)) for p in probs[r]]
            cumulative = list(itertools.accumulate(q))
            for j in range(n):
                i = r * n + j
                x = words[2 * i] << 32 | words[2 * i + 1]
                out[r, j] = bisect.bisect_right(cumulative, (x * cumulative[-1]) >> 64)
        return out
    words = W(seed, offset, 2 * rows * cats)
    for r in range(rows):
        first = [2 * (r * cats + c) for c in range(cats)]
        u = np.array([(((words[i] << 32 | words[i + 1]) >> 11) + 1) * 2.0**-53 for i in first])
        with np.errstate(divide="ignore"):
            keys = np.where(probs[r] > 0, -np.log(u) / probs[r], np.inf)
        out[r] = sorted(range(cats), key=lambda c: keys[c])[:n]
    return out


# ---------------------------------------------------------------------------
# Bit-exact agreement with the re-derivations


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-3.0, 5.0), (1.0, 1.0 + 1e-6), (-2.5, -2.0)])
def test_uniform_exact(dtype, seed, offset, low, high):
    n = 37
    got = fill("uniform", (n,), dtype, seed, offset, low=low, high=high)
    assert same_bits(got, ref_uniform(seed, offset, n, dtype, low, high))
    high_c = high if dtype == np.float64 else float(np.float32(high))
    assert (got.astype(np.float64) < high_c).all()


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
@pytest.mark.parametrize("n, mean, std", [(36, 0.0, 1.0), (37, 0.0, 1.0), (11, 2.5, 0.3)])
def test_normal_exact_on_cpu(dtype, seed, offset, n, mean, std):
    got = fill("normal", (n,), dtype, seed, offset, mean=mean, std=std)
    assert same_bits(got, ref_normal(seed, offset, n, dtype, mean, std))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
@pytest.mark.parametrize("lambd", [1.0, 0.25, 3.0])
def test_exponential_exact_on_cpu(dtype, seed, offset, lambd):
    got = fill("exponential", (29,), dtype, seed, offset, lambd=lambd)
    assert same_bits(got, ref_exponential(seed, offset, 29, dtype, lambd))


RANGES = [
    (0, 1), (0, 2), (0, 10), (-5, 5), (0, 1000), (-7, 2**16 - 7), (0, 2**16 + 1),
    (0, 3 * 2**30), (-(2**31), 2**31), (0, 2**32), (5, 2**32 + 6), (-(2**40), 2**40 + 3),
    (0, 2**63), (-(2**63), 2**63), (-(2**63), 2**63 - 1), (0, 2**53 + 1),
]


@pytest.mark.parametrize("low, high", RANGES)
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS[:3], OFFSETS[:3])))
def test_randint_exact_int64(low, high, seed, offset):
    got = fill("randint", (23,), np.int64, seed, offset, low=low, high=high)
    assert same_bits(got, ref_randint(seed, offset, 23, low, high, np.int64))
    assert int(got.min()) >= low and int(got.max()) < high


@pytest.mark.parametrize("dtype", [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                   np.float16, BF16, np.float32, np.float64])
def test_random_range_exact_per_dtype(dtype):
    low, high = D.random_range(dtype)
    got = fill("randint", (41,), dtype, 5, 8, low=low, high=high)
    assert same_bits(got, ref_randint(5, 8, 41, low, high, dtype))


def test_random_range_values():
    assert D.random_range(np.float16) == (0, 2**11 + 1)
    assert D.random_range(BF16) == (0, 2**8 + 1)
    assert D.random_range(np.float32) == (0, 2**24 + 1)
    assert D.random_range(np.float64) == (0, 2**53 + 1)
    assert D.random_range(np.int64) == (0, 2**63)
    assert D.random_range(np.uint8) == (0, 256)
    assert D.random_range(np.bool_) == (0, 2)


@pytest.mark.parametrize("dtype", [np.int32, np.int16, np.float32, BF16])
def test_randint_into_other_dtypes(dtype):
    for low, high in [(-100, 100), (0, 2**15), (-(2**15), 2**15 - 1)]:
        got = fill("randint", (19,), dtype, 3, 12, low=low, high=high)
        assert same_bits(got, ref_randint(3, 12, 19, low, high, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, BF16, np.float64])
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
def test_bernoulli_exact(dtype, seed, offset):
    p = np.linspace(0, 1, 31).astype(dtype)
    got = fill("bernoulli", p.shape, dtype, seed, offset, p=p)
    assert same_bits(got, ref_bernoulli(seed, offset, p, dtype))
    for scalar in (0.0, 0.3, 0.5, 1 - 2.0**-40, 1.0):
        got = fill("bernoulli", (17,), dtype, seed, offset, p=scalar)
        assert same_bits(got, ref_bernoulli(seed, offset, [scalar] * 17, dtype))


def test_bernoulli_broadcast_p():
    shape = (5, 6)
    for p in (np.linspace(0.05, 0.95, 6), np.linspace(0.1, 0.9, 5).reshape(5, 1)):
        got = fill("bernoulli", shape, np.float32, 11, 40, p=p.astype(np.float32))
        p_flat = np.broadcast_to(p.astype(np.float32), shape).reshape(-1)
        assert same_bits(got.reshape(-1), ref_bernoulli(11, 40, p_flat, np.float32))
        small = _cpu_random.fill("bernoulli", shape, np.float32, 11, 40, chunk=7,
                                 p=p.astype(np.float32))
        assert same_bits(small, got)


@pytest.mark.parametrize("n", [0, 1, 2, 9, 100])
@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
def test_randperm_exact(n, seed, offset):
    got = fill("randperm", (n,), np.int64, seed, offset)
    assert same_bits(got, ref_randperm(seed, offset, n))
    assert sorted(got.tolist()) == list(range(n))


@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
def test_multinomial_with_replacement_exact(seed, offset):
    probs = np.array([[0.1, 0.0, 0.2, 0.7], [1e-30, 1.0, 3.0, 0.0], [5.0, 5.0, 5.0, 5.0]])
    got = fill("multinomial", (3, 50), np.int64, seed, offset, probs=probs, num_samples=50,
               replacement=True)
    assert same_bits(got, ref_multinomial(seed, offset, probs, 50, True))
    assert not (got[0] == 1).any() and not (got[1] == 3).any()


@pytest.mark.parametrize("seed, offset", list(zip(SEEDS, OFFSETS)))
def test_multinomial_without_replacement(seed, offset):
    probs = np.array([[0.1, 0.0, 0.2, 0.7, 0.0],
                      [1.0, 1.0, 1.0, 1.0, 1.0],
                      [0.0, 3.0, 0.0, 1.0, 2.0]])
    got = fill("multinomial", (3, 5), np.int64, seed, offset, probs=probs, num_samples=5,
               replacement=False)
    assert same_bits(got, ref_multinomial(seed, offset, probs, 5, False))
    # Zero-weight categories come last, in index order.
    assert got[0, 3:].tolist() == [1, 4] and got[2, 3:].tolist() == [0, 2]
    for row in got:
        assert sorted(row.tolist()) == list(range(5))


def test_multinomial_quantization_drops_tiny_weights():
    # 2**-70 of the maximum is below 2**-Q (Q = 62 for 2 categories): never drawn.
    probs = np.array([[1.0, 2.0**-70]])
    got = fill("multinomial", (1, 4000), np.int64, 1, 0, probs=probs, num_samples=4000,
               replacement=True)
    assert (got == 0).all()


def test_multinomial_float16_probs_and_many_categories():
    probs = np.random.default_rng(0).random((2, 300)).astype(np.float16)
    got = fill("multinomial", (2, 20), np.int64, 9, 4, probs=probs, num_samples=20,
               replacement=True)
    assert same_bits(got, ref_multinomial(9, 4, probs, 20, True))


# ---------------------------------------------------------------------------
# Rounding edges of uniform (crafted words)


@pytest.mark.parametrize("dtype, low, high, below", [
    (np.float32, 1.0, 2.0, 2.0 - 2.0**-23),          # 2 - 2**-24 rounds (ties to even) to 2
    (np.float16, 1.0, 2.0, 2.0 - 2.0**-10),
    (BF16, 1.0, 2.0, 2.0 - 2.0**-7),
    (np.float32, -2.0, -1.0, -1.0 - 2.0**-23),
    (np.float64, 1.0, 2.0, 2.0 - 2.0**-52),
])
def test_uniform_never_returns_high(dtype, low, high, below):
    words = np.full(4, 0xFFFFFFFF, np.uint32)  # the largest u of every dtype
    got = D.uniform(np, words, dtype, low, high)
    assert (got.astype(np.float64) == below).all()


def test_uniform_degenerate_range_is_low():
    got = fill("uniform", (8,), np.float32, 0, 0, low=3.0, high=3.0)
    assert (got == 3.0).all()


def test_float_unit_uniforms_are_exact_and_below_one():
    words = np.array([0, 1, 0xFFFFFFFF, 0x80000000], np.uint32)
    for dtype, top in [(np.float32, 1 - 2.0**-24), (np.float16, 1 - 2.0**-11), (BF16, 1 - 2.0**-8)]:
        got = D.uniform(np, words.copy(), dtype).astype(np.float64)
        assert got.tolist() == [0.0, 0.0, top, 0.5]


# ---------------------------------------------------------------------------
# Chunking, slicing, word accounting


CHUNK_CASES = [
    ("uniform", np.float32, {}),
    ("uniform", np.float64, {"low": -1.0, "high": 3.0}),
    ("uniform", BF16, {"low": 0.5, "high": 0.75}),
    ("normal", np.float32, {}),
    ("normal", np.float64, {"mean": 1.0, "std": 2.0}),
    ("normal", np.float16, {}),
    ("exponential", np.float32, {"lambd": 2.0}),
    ("exponential", np.float64, {}),
    ("randint", np.int64, {"low": -3, "high": 1000}),
    ("randint", np.int32, {"low": 0, "high": 3 * 2**30}),
    ("randint", np.float32, {"low": 0, "high": 2**24 + 1}),
    ("bernoulli", np.float32, {"p": 0.3}),
]


@pytest.mark.parametrize("kind, dtype, params", CHUNK_CASES)
def test_chunked_equals_unchunked(kind, dtype, params):
    n = 1001  # odd, so the last normal pair is cut
    whole = _cpu_random.fill(kind, (n,), dtype, 12, 8, chunk=10**6, **params)
    for chunk in (2, 7, 64, 333):
        assert same_bits(_cpu_random.fill(kind, (n,), dtype, 12, 8, chunk=chunk, **params), whole)
    # A multi-dimensional, non-contiguous output gets the same flat values.
    out = np.empty((13, 2 * 77), dtype)[:, ::2]
    _cpu_random.fill(kind, (13, 77), dtype, 12, 8, out=out, chunk=100, **params)
    assert same_bits(np.ascontiguousarray(out).reshape(-1), whole)


@pytest.mark.parametrize("kind, dtype, params", CHUNK_CASES)
def test_any_slice_can_be_generated_alone(kind, dtype, params):
    n, offset = 400, 36
    whole = fill(kind, (n,), dtype, 3, offset, **params)
    for a, b in [(0, 1), (2, 3), (10, 101), (250, 400), (398, 400)]:
        # Word index of element a: words_needed(kind, a) (a even for normal).
        first = offset + D.words_needed(kind, a, dtype, **params)
        part = fill(kind, (b - a,), dtype, 3, first, **params)
        assert same_bits(part, whole[a:b]), (a, b)


def test_multinomial_chunking_and_row_slices():
    probs = np.random.default_rng(1).random((7, 5))
    for replacement, n in ((True, 300), (False, 4)):
        whole = _cpu_random.fill("multinomial", (7, n), np.int64, 2, 20, probs=probs,
                                 num_samples=n, replacement=replacement)
        for chunk in (2, 5, 64):
            small = _cpu_random.fill("multinomial", (7, n), np.int64, 2, 20, chunk=chunk,
                                     probs=probs, num_samples=n, replacement=replacement)
            assert same_bits(small, whole)
        # Rows 3..5 alone, at their word offset.
        per_row = D.words_needed("multinomial", n, np.int64, rows=1, categories=5,
                                 replacement=replacement)
        part = _cpu_random.fill("multinomial", (3, n), np.int64, 2, 20 + 3 * per_row,
                                probs=probs[3:6], num_samples=n, replacement=replacement)
        assert same_bits(part, whole[3:6])


def test_words_needed():
    assert D.words_needed("uniform", 10, np.float32) == 10
    assert D.words_needed("uniform", 10, np.float64) == 20
    assert D.words_needed("exponential", 3, BF16) == 3
    assert D.words_needed("normal", 5, np.float32) == 6
    assert D.words_needed("normal", 5, np.float64) == 12
    assert D.words_needed("randint", 4, np.int64, low=0, high=2**16) == 4
    assert D.words_needed("randint", 4, np.int64, low=0, high=2**16 + 1) == 8
    assert D.words_needed("randint", 4, np.int64, low=-(2**31), high=2**31) == 4
    assert D.words_needed("randint", 4, np.int64, low=0, high=3 * 2**30) == 8
    assert D.words_needed("bernoulli", 7, np.float16) == 7
    assert D.words_needed("randperm", 7, np.int64) == 14
    assert D.words_needed("multinomial", 3, np.int64, rows=2, categories=10, replacement=True) == 12
    assert D.words_needed("multinomial", 3, np.int64, rows=2, categories=10,
                          replacement=False) == 40


def test_words_needed_words_make_n_values():
    # (That no more words are needed than counted is what the slice test shows.)
    for kind, dtype, params in CHUNK_CASES:
        for n in (1, 2, 9):
            words = philox.words(4, 0, D.words_needed(kind, n, dtype, **params))
            value = {"uniform": lambda: D.uniform(np, words, dtype, **params),
                     "normal": lambda: D.normal(np, words, n, dtype, **params),
                     "exponential": lambda: D.exponential(np, words, dtype, **params),
                     "randint": lambda: D.randint(np, words, n, params["low"], params["high"],
                                                  dtype),
                     "bernoulli": lambda: D.bernoulli(np, words, np.asarray(params["p"]))}[kind]()
            assert value.shape == (n,)


# ---------------------------------------------------------------------------
# Statistics (fixed seeds, alpha = 0.01)


def ks_statistic(samples, cdf):
    """Kolmogorov–Smirnov D of a sample against a continuous CDF."""
    x = np.sort(np.asarray(samples, np.float64))
    n = x.size
    f = cdf(x)
    return max((np.arange(1, n + 1) / n - f).max(), (f - np.arange(n) / n).max())


def ks_critical(n):
    return 1.63 / math.sqrt(n)  # alpha = 0.01, large n


def chi2_critical(df, z=2.3263):
    """Upper 1% point of chi-square (Wilson–Hilferty; within 0.5% for df >= 2)."""
    c = 2.0 / (9.0 * df)
    return df * (1 - c + z * math.sqrt(c)) ** 3


def chi2(counts, expected):
    counts, expected = np.asarray(counts, np.float64), np.asarray(expected, np.float64)
    return float(((counts - expected) ** 2 / expected).sum())


_erf = np.vectorize(math.erf)


def normal_cdf(x):
    return 0.5 * (1 + _erf(x / math.sqrt(2)))


N_STAT = 200_000


def test_uniform_statistics():
    u = fill("uniform", (N_STAT,), np.float32, 2024, 0).astype(np.float64)
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / N_STAT)
    assert abs(u.var() - 1 / 12) < 5 * math.sqrt(1 / 180 / N_STAT)  # Var of (u-1/2)^2 is 1/180
    assert ks_statistic(u, lambda x: x) < ks_critical(N_STAT)


def test_normal_statistics():
    z = fill("normal", (N_STAT,), np.float32, 2024, 0, mean=1.0, std=2.0).astype(np.float64)
    assert abs(z.mean() - 1.0) < 5 * 2.0 / math.sqrt(N_STAT)
    assert abs(z.var() / 4.0 - 1.0) < 5 * math.sqrt(2 / N_STAT)
    assert ks_statistic((z - 1.0) / 2.0, normal_cdf) < ks_critical(N_STAT)
    z64 = fill("normal", (N_STAT // 4,), np.float64, 7, 0)
    assert ks_statistic(z64, normal_cdf) < ks_critical(N_STAT // 4)
    # Cosine and sine halves are each normal and uncorrelated.
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 5 / math.sqrt(N_STAT / 2)


def test_normality_test_rejects_uniform_samples():
    # Negative control: standardized uniforms have the right mean and variance
    # but are not normal, and the KS test must say so.
    u = fill("uniform", (N_STAT,), np.float32, 2024, 0).astype(np.float64)
    z = (u - 0.5) * math.sqrt(12)
    assert ks_statistic(z, normal_cdf) > ks_critical(N_STAT)


def test_exponential_statistics():
    x = fill("exponential", (N_STAT,), np.float32, 99, 0, lambd=2.0).astype(np.float64)
    assert abs(x.mean() - 0.5) < 5 * 0.5 / math.sqrt(N_STAT)
    assert ks_statistic(x, lambda t: 1 - np.exp(-2.0 * t)) < ks_critical(N_STAT)
    assert (x >= 0).all()


def test_randint_chi_square():
    v = fill("randint", (N_STAT,), np.int64, 5, 0, low=-3, high=7)
    counts = np.bincount(v + 3, minlength=10)
    assert chi2(counts, [N_STAT / 10] * 10) < chi2_critical(9)


def test_two_word_randint_is_unbiased_where_one_word_is_not():
    r = 3 * 2**30
    v = fill("randint", (N_STAT,), np.int64, 6, 0, low=0, high=r)
    thirds = np.bincount(v // 2**30, minlength=3)
    assert chi2(thirds, [N_STAT / 3] * 3) < chi2_critical(2)
    # Negative control: the one-word rule on the same stream is visibly biased:
    # floor(0.75 * W) hits values = 0 mod 3 from two words, the others from one.
    w = philox.words(6, 0, N_STAT).astype(np.uint64)
    one_word = (w * np.uint64(r)) >> np.uint64(32)
    parity = np.bincount((one_word % np.uint64(3)).astype(np.int64), minlength=3)
    assert chi2(parity, [N_STAT / 3] * 3) > chi2_critical(2)


def test_bernoulli_rate():
    x = fill("bernoulli", (N_STAT,), np.float32, 8, 0, p=0.3)
    assert set(np.unique(x).tolist()) <= {0.0, 1.0}
    assert abs(x.mean() - 0.3) < 5 * math.sqrt(0.3 * 0.7 / N_STAT)


def test_multinomial_chi_square():
    probs = np.array([[0.1, 0.2, 0.3, 0.4]])
    n = 100_000
    s = fill("multinomial", (1, n), np.int64, 10, 0, probs=probs, num_samples=n, replacement=True)
    assert chi2(np.bincount(s[0], minlength=4), n * probs[0]) < chi2_critical(3)
    # Without replacement, the first pick of each row follows p too.
    rows = 20_000
    many = np.repeat(probs, rows, axis=0)
    first = fill("multinomial", (rows, 2), np.int64, 11, 0, probs=many, num_samples=2,
                 replacement=False)
    assert (first[:, 0] != first[:, 1]).all()
    assert chi2(np.bincount(first[:, 0], minlength=4), rows * probs[0]) < chi2_critical(3)


def test_randperm_uniform_over_permutations():
    trials, n = 12_000, 4
    words = philox.words(13, 0, 2 * n * trials)
    counts = {}
    for t in range(trials):
        perm = tuple(D.randperm(np, words[2 * n * t: 2 * n * (t + 1)].copy(), n).tolist())
        counts[perm] = counts.get(perm, 0) + 1
    assert len(counts) == 24
    assert chi2(list(counts.values()), [trials / 24] * 24) < chi2_critical(23)


def test_stable_argsort_orders_ties_by_index():
    from tensorlite.random.distributions import stable_argsort

    rng = np.random.default_rng(0)
    distinct = rng.integers(0, 2**63, (4, 1000), dtype=np.int64).astype(np.uint64)
    tied = rng.integers(0, 5, (4, 1000)).astype(np.float64)
    tied[:, ::7] = np.inf
    for keys in (distinct, tied):
        assert np.array_equal(stable_argsort(np, keys), np.argsort(keys, axis=-1, kind="stable"))


@pytest.mark.parametrize("chunk", [7, 2**16])
def test_randperm_in_place_equals_stable_argsort_even_with_near_ties(chunk):
    """randperm packs indices into the keys' low bits and orders high-bit ties by the
    low bits it set aside: the stable argsort of the full keys, whatever the chunk."""
    from tensorlite.random.distributions import _pairs, randperm

    rng = np.random.default_rng(1)
    words = rng.integers(0, 2**32, 10000, dtype=np.uint32)
    pairs = _pairs(np, words.copy())
    pairs[10] = pairs[20] ^ np.uint64(1)  # same high bits, different low bits
    pairs[30] = pairs[40]  # an exact tie: index order
    pairs[50] = pairs[60] ^ np.uint64(1 << 12)  # the index bits differ: low bits decide
    pairs[61] = pairs[60] + np.uint64(1)  # a run of three
    keys = pairs.copy()
    raw = _pairs(np, pairs.view(np.uint32))  # back to the word order (the swap is its own inverse)
    expected = np.argsort(keys, kind="stable")
    assert np.array_equal(randperm(np, raw.view(np.uint32).copy(), 5000, chunk=chunk), expected)
    # negative control: the packed order alone (without the tie fix-up) differs here
    b = (5000 - 1).bit_length()
    packed = np.sort((keys >> np.uint64(b) << np.uint64(b)) | np.arange(5000, dtype=np.uint64))
    assert not np.array_equal(packed & np.uint64((1 << b) - 1), expected)
