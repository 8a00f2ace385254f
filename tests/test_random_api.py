"""The public random API: stream accounting, generators, state, threads, validation.

Known answers: word j of seed s is Philox4x32-10(counter=j//4, key=s)[j%4]; for
counter 0 and key 0 Random123 gives 0x6627e8d5 0xe169c58d 0xbc57ac4c 0x9b00dbd8,
so ``manual_seed(0); rand(4)`` is those words' top 24 bits times 2**-24.
"""

import threading

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl
from tensorlite.random import philox

KAT = [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def words(seed, start, count):
    return philox.reference_words(seed, start, count).astype(np.uint64)


def test_known_answer_rand():
    tl.manual_seed(0)
    expected = np.array([(w >> 8) * 2.0**-24 for w in KAT], dtype=np.float32)
    assert np.array_equal(tl.rand(4).numpy(), expected)


def test_known_answer_on_every_device(device):
    g = tl.Generator().manual_seed(0)
    got = tl.rand(4, generator=g, device=device).cpu().numpy()
    assert np.array_equal(got, np.array([(w >> 8) * 2.0**-24 for w in KAT], np.float32))


# ---- values rebuilt from the plain NumPy Philox reference --------------------------------
SEEDS_OFFSETS = [(0, 0), (1, 8), (2**40 + 3, 2**33), (-1, 4)]


@pytest.mark.parametrize("seed,offset", SEEDS_OFFSETS)
@pytest.mark.parametrize("dtype", [tl.float16, tl.bfloat16, tl.float32, tl.float64], ids=str)
def test_rand_matches_reference(seed, offset, dtype, device):
    g = _at(seed, offset)
    n = 37
    got = tl.rand(n, generator=g, dtype=dtype, device=device).cpu().numpy()
    s = seed % 2**64
    if dtype is tl.float64:
        w = words(s, offset, 2 * n)
        x = (w[0::2] << np.uint64(32)) | w[1::2]
        expected = (x >> np.uint64(11)).astype(np.float64) * 2.0**-53
    else:
        bits = {tl.float16: 11, tl.bfloat16: 8, tl.float32: 24}[dtype]
        w = words(s, offset, n)
        expected = (w >> np.uint64(32 - bits)).astype(np.float64) * 2.0**-bits
    assert np.array_equal(got.astype(np.float64), expected)


def _at(seed, offset):
    g = tl.Generator().manual_seed(seed)
    state = np.array([seed % 2**64, offset], dtype="<u8").view(np.uint8)
    return g.set_state(tl.from_numpy(state.copy()))


@pytest.mark.parametrize("seed,offset", SEEDS_OFFSETS)
def test_randn_matches_reference(seed, offset, device):
    n = 9  # odd: the last sine is dropped
    got = tl.randn(n, generator=_at(seed, offset), device=device).cpu().numpy()
    w = words(seed % 2**64, offset, 10)
    u1 = ((w[0::2] >> np.uint64(8)) + 1).astype(np.float32) * np.float32(2.0**-24)
    u2 = (w[1::2] >> np.uint64(8)).astype(np.float32) * np.float32(2.0**-24)
    r = np.sqrt(-2 * np.log(u1.astype(np.float64)))
    theta = 2 * np.pi * u2.astype(np.float64)
    expected = np.stack([r * np.cos(theta), r * np.sin(theta)], 1).reshape(-1)[:n]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("low,high", [(0, 10), (-5, 5), (0, 2**16), (0, 2**32), (0, 3 * 2**30),
                                      (-(2**63), 2**63 - 1)])
def test_randint_matches_reference(low, high, device):
    n = 25
    got = tl.randint(low, high, (n,), generator=_at(5, 12), device=device).cpu().numpy()
    r = high - low
    one_word = r <= 2**16 or (r <= 2**32 and r & (r - 1) == 0)
    if one_word:
        w = [int(v) for v in words(5, 12, n)]
        expected = [low + ((x * r) >> 32) for x in w]
    else:
        w = [int(v) for v in words(5, 12, 2 * n)]
        expected = [low + ((((w[2 * i] << 32) | w[2 * i + 1]) * r) >> 64) for i in range(n)]
    assert got.tolist() == expected


def test_bernoulli_matches_reference(device):
    p = tl.linspace(0, 1, 33, dtype=tl.float16, device=device)
    got = tl.bernoulli(p, generator=_at(3, 0)).cpu().numpy()
    w = words(3, 0, 33).astype(np.float64)
    expected = (w < p.cpu().numpy().astype(np.float64) * 2.0**32).astype(np.float16)
    assert got.dtype == np.float16 and np.array_equal(got, expected)


def test_randperm_matches_reference(device):
    got = tl.randperm(50, generator=_at(9, 0), device=device).cpu().numpy()
    w = words(9, 0, 100)
    keys = (w[0::2] << np.uint64(32)) | w[1::2]
    assert np.array_equal(got, np.argsort(keys, kind="stable"))


def test_multinomial_with_replacement_matches_reference(device):
    probs = tl.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]], device=device)
    got = tl.multinomial(probs, 6, replacement=True, generator=_at(4, 0)).cpu().numpy()
    p = probs.cpu().numpy().astype(np.float64)
    C = p.shape[1]
    Q = 63 - int(np.ceil(np.log2(C)))
    w = [int(v) for v in words(4, 0, 2 * 2 * 6)]
    for r in range(2):
        e = np.frexp(p[r].max())[1]
        q = [int(np.floor(np.ldexp(v, Q - e))) for v in p[r]]
        S = np.cumsum(q).tolist()
        for j in range(6):
            k = 2 * (r * 6 + j)
            x = (w[k] << 32) | w[k + 1]
            target = (x * S[-1]) >> 64
            assert got[r, j] == next(c for c in range(C) if S[c] > target)


# ---- accounting and state ---------------------------------------------------------------
@pytest.mark.parametrize("call,words_used", [
    (lambda g, d: tl.rand(5, generator=g, device=d), 5),
    (lambda g, d: tl.rand(5, generator=g, dtype=tl.float64, device=d), 10),
    (lambda g, d: tl.randn(5, generator=g, device=d), 6),
    (lambda g, d: tl.randn(5, generator=g, dtype=tl.float64, device=d), 12),
    (lambda g, d: tl.randint(0, 7, (5,), generator=g, device=d), 5),
    (lambda g, d: tl.randint(0, 3 * 2**30, (5,), generator=g, device=d), 10),
    (lambda g, d: tl.randperm(5, generator=g, device=d), 10),
    (lambda g, d: tl.bernoulli(tl.full((5,), 0.5, device=d), generator=g), 5),
    (lambda g, d: tl.multinomial(tl.ones(2, 3, device=d), 2, True, generator=g), 8),
    (lambda g, d: tl.multinomial(tl.ones(2, 3, device=d), 2, generator=g), 12),
    (lambda g, d: tl.empty(5, device=d).exponential_(generator=g), 5),
])
def test_offset_advances_by_whole_blocks(call, words_used, device_or_meta):
    # meta draws nothing but must advance exactly as a real device (DESIGN §12)
    g = tl.Generator().manual_seed(1)
    out = call(g, device_or_meta)
    assert g.offset == 4 * -(-words_used // 4) and out.device.type == tl.device(device_or_meta).type


def test_counter_continues_across_calls():
    g = tl.Generator().manual_seed(11)
    a, b = tl.rand(4, generator=g), tl.rand(4, generator=g)
    whole = tl.rand(8, generator=tl.Generator().manual_seed(11))
    assert whole.tolist() == a.tolist() + b.tolist()


def test_state_round_trip_and_fork_rng():
    tl.manual_seed(3)
    tl.rand(10)
    state = tl.get_rng_state()
    assert state.dtype is tl.uint8 and state.numel() == 16
    a = tl.rand(5)
    tl.set_rng_state(state)
    assert tl.rand(5).tolist() == a.tolist()
    with tl.random.fork_rng():
        tl.manual_seed(99)
        tl.rand(100)
    tl.set_rng_state(state)
    b = tl.rand(5)
    assert b.tolist() == a.tolist()
    with pytest.raises(RuntimeError, match="16 elements"):
        tl.set_rng_state(tl.zeros(3, dtype=tl.uint8))


def test_generators_are_independent():
    g1, g2 = tl.Generator().manual_seed(5), tl.Generator().manual_seed(5)
    tl.rand(100, generator=g1)
    assert g1.offset == 100 and g2.offset == 0
    before = tl.default_generator.offset
    tl.rand(8, generator=g2)
    assert tl.default_generator.offset == before
    assert tl.rand(3, generator=tl.Generator().manual_seed(5)).tolist() == \
        tl.rand(3, generator=tl.Generator().manual_seed(5)).tolist()


def test_manual_seed_resets_every_default_generator():
    tl.manual_seed(8)
    cpu = tl.rand(6).tolist()
    meta_gen = tl.random.generator.default_for(tl.device("meta"))
    tl.rand(6, device="meta")
    assert meta_gen.offset == 8
    tl.manual_seed(8)
    assert meta_gen.offset == 0 and meta_gen.initial_seed() == 8
    assert tl.rand(6).tolist() == cpu
    assert tl.initial_seed() == 8


def test_seeds_follow_pytorch_range_rules():
    assert tl.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    with pytest.raises(ValueError, match="range"):
        tl.manual_seed(2**64)
    with pytest.raises(ValueError, match="range"):
        tl.manual_seed(-(2**63) - 1)
    with pytest.raises(RuntimeError, match="expected a long"):  # PyTorch's type
        tl.manual_seed(1.5)
    s = tl.seed()
    assert tl.initial_seed() == s
    tl.cuda.manual_seed_all(1)  # no GPU: does nothing, raises nothing
    tl.cuda.manual_seed(1)


# Errors found from arguments, shapes and dtypes alone: every device, meta included.
BAD_ARGUMENTS = [
    lambda g, d: tl.rand(-1, generator=g, device=d),
    lambda g, d: tl.rand(3, dtype=tl.int64, generator=g, device=d),
    lambda g, d: tl.randint(5, 5, (3,), generator=g, device=d),
    lambda g, d: tl.randint(0, 300, (3,), dtype=tl.uint8, generator=g, device=d),
    lambda g, d: tl.randperm(-2, generator=g, device=d),
    lambda g, d: tl.multinomial(tl.tensor([1.0, 1.0], device=d), 3, generator=g),
    lambda g, d: tl.normal(0.0, -1.0, (3,), generator=g, device=d),
    lambda g, d: tl.empty(3, device=d).uniform_(2, 1, generator=g),
    lambda g, d: tl.empty(3, device=d).uniform_(-3e38, 3e38, generator=g),
    lambda g, d: tl.empty(3, device=d).exponential_(0, generator=g),
    lambda g, d: tl.empty(3, device=d).normal_(0, -1, generator=g),
    lambda g, d: tl.zeros(3, dtype=tl.int64, device=d).normal_(generator=g),
]
# Errors in the values of a tensor argument: only where there are values.
BAD_VALUES = [
    lambda g, d: tl.bernoulli(tl.tensor([0.5, 1.5], device=d), generator=g),
    lambda g, d: tl.bernoulli(tl.tensor([float("nan")], device=d), generator=g),
    lambda g, d: tl.multinomial(tl.tensor([0.5, -0.1], device=d), 1, generator=g),
    lambda g, d: tl.multinomial(tl.tensor([0.0, 0.0], device=d), 1, generator=g),
    lambda g, d: tl.multinomial(tl.tensor([1.0, float("inf")], device=d), 1, True, generator=g),
]


@pytest.mark.parametrize("bad", BAD_ARGUMENTS)
def test_rejected_call_never_advances(bad, device_or_meta):
    g = tl.Generator().manual_seed(0)
    with pytest.raises((RuntimeError, TypeError, ValueError)):
        bad(g, device_or_meta)
    assert g.offset == 0


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_rejected_values_never_advance(bad, device):
    g = tl.Generator().manual_seed(0)
    with pytest.raises((RuntimeError, TypeError, ValueError)):
        bad(g, device)
    assert g.offset == 0


def test_threads_get_disjoint_words():
    g = tl.Generator().manual_seed(123)
    results = []
    barrier = threading.Barrier(8)

    def draw():
        barrier.wait()
        results.extend(tl.randint(0, 2**32, (1000,), generator=g, dtype=tl.int64).tolist())

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert g.offset == 8000
    expected = [int(w) for w in philox.reference_words(123, 0, 8000)]
    assert sorted(results) == sorted(expected)  # every word used exactly once


# ---- dtypes, shapes, in-place forms --------------------------------------------------------
@pytest.mark.parametrize("dtype", [tl.float16, tl.bfloat16, tl.float32, tl.float64], ids=str)
def test_float_dtypes(dtype, device_or_meta):
    x = tl.rand(1000, dtype=dtype, device=device_or_meta)
    y = tl.randn(1000, dtype=dtype, device=device_or_meta)
    assert x.dtype is dtype and y.dtype is dtype and x.shape == y.shape == (1000,)
    if device_or_meta != "meta":
        assert 0 <= x.min().item() and x.max().item() < 1


def test_uniform_never_reaches_high(device):
    # bfloat16 has 8 significant bits: a + (b - a) * u rounds up to b often unless clamped
    x = tl.empty(100_000, dtype=tl.bfloat16, device=device).uniform_(1.0, 2.0, generator=_at(1, 0))
    v = x.cpu().numpy().astype(np.float64)
    assert v.max() < 2.0 and v.min() >= 1.0
    assert v.max() == float(np.nextafter(ml_dtypes.bfloat16(2.0), ml_dtypes.bfloat16(0)))


def test_random_default_ranges(device):
    x = tl.empty(10_000, dtype=tl.int8, device=device).random_(generator=_at(2, 0))
    v = x.cpu().numpy()
    assert v.min() >= 0 and v.max() <= 127 and v.max() > 120
    h = tl.empty(10_000, dtype=tl.float16, device=device).random_(generator=_at(2, 0))
    assert 0 <= h.min().item() and h.max().item() <= 2048
    b = tl.empty(100, dtype=tl.bool, device=device).random_()
    assert set(b.tolist()) == {False, True}
    r = tl.zeros(1000, dtype=tl.int64, device=device).random_(3, 6)
    assert set(r.tolist()) == {3, 4, 5}


def test_normal_forms(device_or_meta):
    device = device_or_meta
    mean = tl.arange(4, dtype=tl.float32, device=device)
    std = tl.full((4,), 1e-6, device=device)
    assert tl.normal(mean, std).shape == (4,)
    if device != "meta":
        np.testing.assert_allclose(tl.normal(mean, std).cpu().numpy(), np.arange(4), atol=1e-4)
    assert tl.normal(2.0, tl.ones(3, device=device)).shape == (3,)
    assert tl.normal(mean, 1.0).shape == (4,)
    assert tl.normal(1.0, 2.0, size=(2, 3), device=device).shape == (2, 3)


def test_like_and_out(device_or_meta):
    device = device_or_meta
    x = tl.zeros(3, 4, dtype=tl.float16, device=device)
    for f in (tl.rand_like, tl.randn_like):
        y = f(x)
        assert (y.shape, y.dtype, y.device) == (x.shape, x.dtype, x.device)
    y = tl.randint_like(x, 10)
    assert (y.shape, y.dtype, y.device) == (x.shape, tl.float16, x.device)
    out = tl.empty(5, device=device)
    g = _at(0, 0)
    r = tl.rand(5, out=out, generator=g)
    assert r is out and g.offset == 8
    if device != "meta":
        assert y.max().item() < 10
        assert out.tolist() == tl.rand(5, generator=_at(0, 0), device=device).tolist()


def test_meta_checks_arguments_and_allocates_nothing():
    x = tl.randn(10**6, 10**6, device="meta")
    assert x.shape == (10**6, 10**6) and x.is_meta
    with pytest.raises(RuntimeError):
        tl.randint(3, 3, (2,), device="meta")
    assert tl.bernoulli(tl.full((3,), 0.5, device="meta")).is_meta


def test_slices_of_the_stream_are_exact():
    g = _at(77, 0)
    whole = tl.rand(1000, generator=g).numpy()
    part = tl.rand(100, generator=_at(77, 400)).numpy()
    assert np.array_equal(whole[400:500], part)


def test_inplace_on_parameter_requires_no_grad():
    w = tl.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.normal_()
    with tl.no_grad():
        w.normal_()
        w.uniform_()
        w.zero_()


# ---- statistics (fixed seeds, stated thresholds) ------------------------------------------
def _ks_uniform(x):
    x = np.sort(x)
    n = len(x)
    cdf = np.arange(1, n + 1) / n
    return max(np.max(cdf - x), np.max(x - (cdf - 1 / n)))


def _normal_cdf(x):
    from math import erf, sqrt

    return 0.5 * (1 + np.vectorize(erf)(x / sqrt(2)))


def _ks_normal(x):
    x = np.sort(x)
    n = len(x)
    F = _normal_cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - F), np.max(F - np.arange(n) / n))


N = 20_000
KS_CRIT = 1.63 / np.sqrt(N)  # alpha = 0.01


def test_uniform_passes_ks_and_normal_fails_it():
    tl.manual_seed(2024)
    u = tl.rand(N).numpy().astype(np.float64)
    assert _ks_uniform(u) < KS_CRIT
    assert _ks_normal(u) > KS_CRIT  # negative control: uniform is not normal


def test_normal_passes_ks_and_moments():
    tl.manual_seed(2024)
    z = tl.randn(N).numpy().astype(np.float64)
    assert _ks_normal(z) < KS_CRIT
    assert abs(z.mean()) < 4 / np.sqrt(N) and abs(z.std() - 1) < 4 / np.sqrt(2 * N)
    e = tl.empty(N).exponential_(2.0).numpy().astype(np.float64)
    assert abs(e.mean() - 0.5) < 4 * 0.5 / np.sqrt(N) and e.min() > 0


def test_randint_chi_square():
    tl.manual_seed(7)
    k = 10
    counts = np.bincount(tl.randint(0, k, (N,)).numpy(), minlength=k)
    chi2 = ((counts - N / k) ** 2 / (N / k)).sum()
    assert chi2 < 21.67  # chi-square, 9 degrees of freedom, alpha = 0.01


def test_bernoulli_rate():
    tl.manual_seed(7)
    x = tl.bernoulli(tl.full((N,), 0.8)).numpy()
    assert abs(x.mean() - 0.8) < 4 * np.sqrt(0.8 * 0.2 / N)


def test_multinomial_frequencies_and_no_repeats():
    tl.manual_seed(7)
    p = np.array([0.1, 0.2, 0.3, 0.4])
    draws = tl.multinomial(tl.tensor(p.tolist()), N, replacement=True).numpy()
    counts = np.bincount(draws, minlength=4)
    chi2 = ((counts - N * p) ** 2 / (N * p)).sum()
    assert chi2 < 11.34  # 3 degrees of freedom, alpha = 0.01
    rows = tl.multinomial(tl.rand(50, 30) + 0.01, 30).numpy()
    assert all(sorted(r) == list(range(30)) for r in rows.tolist())
    zero = tl.multinomial(tl.tensor([0.0, 1.0, 0.0, 1.0]), 4).tolist()  # DESIGN 4.3
    assert sorted(zero[:2]) == [1, 3] and zero[2:] == [0, 2]  # zero weights last, in order


def test_randperm_is_a_permutation_and_uniform_first_position():
    tl.manual_seed(5)
    firsts = np.array([tl.randperm(5)[0].item() for _ in range(2000)])
    assert sorted(tl.randperm(1000).tolist()) == list(range(1000))
    counts = np.bincount(firsts, minlength=5)
    assert ((counts - 400) ** 2 / 400).sum() < 13.28  # 4 degrees of freedom, alpha = 0.01


def test_set_offset_positions_the_stream():
    g = tl.Generator().manual_seed(21)
    whole = tl.rand(40, generator=g).numpy()
    g.set_offset(16)
    assert g.get_offset() == 16
    assert np.array_equal(tl.rand(8, generator=g).numpy(), whole[16:24])
    for bad in (3, -4, 2**64, 1.0):
        with pytest.raises(ValueError, match="multiple of 4"):
            g.set_offset(bad)


@pytest.mark.parametrize("bad", [
    lambda g: tl.zeros(3).bernoulli_(tl.full((4,), 0.5), generator=g),
    lambda g: tl.randint(0, 3, (3,), requires_grad=True, generator=g),
    lambda g: tl.randperm(3, requires_grad=True, generator=g),
    lambda g: tl.rand(3, out=[1, 2, 3], generator=g),
    lambda g: tl.rand(2**42, 2**20, generator=g),
    lambda g: tl.multinomial(tl.ones(2, 3), 1, out=3, generator=g),
])
def test_rejected_result_options_never_advance(bad):
    g = tl.Generator().manual_seed(0)
    with pytest.raises((RuntimeError, TypeError, MemoryError)):
        bad(g)
    assert g.offset == 0


def test_multinomial_of_zero_rows():
    assert tl.multinomial(tl.ones(0, 3), 1).shape == (0, 1)
