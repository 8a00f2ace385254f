"""Issue 17's fast random paths against DESIGN §4.3 written plainly.

The references below use Python integers and one loop per row and sample, so they
share nothing with the vectorized code: ``multinomial`` with replacement (frexp,
``q_c = floor(p_c * 2**(Q - e))``, prefix sums, ``(x * S_last) >> 64``, first
``S_c`` above it), without replacement (``-ln(u) / p`` keys, stable order) and
``randperm`` (stable order of 64-bit keys). Each public call is also checked for
the generator offset it leaves, and rejected calls for leaving it alone.
"""

import bisect
import math

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _cpu_random
from tensorlite.random import _multinomial_native, _quantized, distributions, philox


def _gen(seed, offset=0):
    g = tl.Generator()
    g.manual_seed(seed)
    g.set_offset(offset)
    return g


def _advance(words):
    return 4 * -(-words // 4)  # DESIGN §4.2: whole blocks of four words


def reference_with_replacement(probs2d, n, w):
    """DESIGN §4.3, multinomial with replacement, in Python integers."""
    rows, categories = probs2d.shape
    q_bits = 63 - (categories - 1).bit_length()  # 63 - ceil(log2 C)
    w = [int(v) for v in w]
    out = np.empty((rows, n), np.int64)
    for r, row in enumerate(probs2d.astype(np.float64).tolist()):
        e = math.frexp(max(row))[1]
        sums, total = [], 0
        for p in row:
            total += math.floor(math.ldexp(p, q_bits - e))
            sums.append(total)
        for j in range(n):
            k = 2 * (r * n + j)
            target = (((w[k] << 32) | w[k + 1]) * total) >> 64
            out[r, j] = bisect.bisect_right(sums, target)  # the first S_c > target
    return out


def reference_without_replacement(probs2d, n, w):
    """DESIGN §4.3, multinomial without replacement: keys -ln(u) / p, stable order."""
    rows, categories = probs2d.shape
    w = [int(v) for v in w]
    out = np.empty((rows, n), np.int64)
    for r, row in enumerate(probs2d.astype(np.float64).tolist()):
        u = [(((((w[2 * (r * categories + c)] << 32) | w[2 * (r * categories + c) + 1]) >> 11)
               + 1) * 2.0**-53) for c in range(categories)]
        logs = np.log(np.array(u))  # NumPy's log, as the code under test uses
        keys = [math.inf if p == 0 else float(-logs[c]) / p for c, p in enumerate(row)]
        out[r] = sorted(range(categories), key=lambda c: keys[c])[:n]  # sorted() is stable
    return out


def reference_randperm(n, w):
    w = [int(v) for v in w]
    keys = [(w[2 * i] << 32) | w[2 * i + 1] for i in range(n)]
    return np.array(sorted(range(n), key=lambda i: keys[i]), dtype=np.int64)


def _probs(shape, seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    p = rng.random(shape)
    p2 = p.reshape(-1, shape[-1])
    if p2.shape[1] > 3:
        p2[0, 1::3] = 0  # zeros inside a row
        p2[-1, 0] = 2.0**-70  # far below 2**-Q of the row's maximum: never drawn
        p2[-1, 2] = 1e-6
    return p.astype(dtype)


CASES = [  # (probs shape, num_samples): the small path, the tree search, 1-D, edge sizes
    ((64, 1000), 5),
    ((3, 17), 40),
    ((5, 16), 1),
    ((2, 4096), 3),
    ((1, 300), 300),
    ((1, 300), 5000),  # few weights, but samples x blocks above the direct comparison: the
    # tree search over small_index's block ends, in tasks of at most chunk / 16 samples
    ((7,), 4),  # 1-D probabilities
    ((4, 1), 3),  # a single category
    ((2, 40_000), 2),  # above SMALL weights: the threaded index and tree search
]


@pytest.mark.parametrize("shape,n", CASES)
@pytest.mark.parametrize("dtype", [tl.float16, tl.float32, tl.float64])
def test_multinomial_with_replacement_is_the_definition(device, shape, n, dtype,
                                                        multinomial_path):
    probs = _probs(shape, seed=n + len(shape), dtype=dtype._np if dtype is not tl.float16
                   else np.float16)
    if probs.min() == 0 and probs.ndim == 1:
        probs[0] = 0.5
    t = tl.tensor(probs, dtype=dtype, device=device)
    g = _gen(11, 8)
    got = tl.multinomial(t, n, replacement=True, generator=g).cpu().numpy()
    rows = 1 if probs.ndim == 1 else shape[0]
    used = 2 * rows * n
    expected = reference_with_replacement(probs.reshape(rows, -1), n, philox.words(11, 8, used))
    np.testing.assert_array_equal(got.reshape(rows, n), expected)
    assert got.shape == ((n,) if probs.ndim == 1 else (rows, n))
    assert g.get_offset() == 8 + _advance(used)


@pytest.mark.parametrize("shape,n", [((64, 1000), 5), ((3, 17), 17), ((7,), 4), ((4, 1), 1),
                                     ((2, 4096), 64), ((3, 300), 1)])
@pytest.mark.parametrize("dtype", [tl.float16, tl.float32, tl.float64])
def test_multinomial_without_replacement_is_the_definition(device, shape, n, dtype,
                                                           multinomial_path):
    probs = _probs(shape, seed=n, dtype=np.float16 if dtype is tl.float16 else dtype._np)
    if probs.ndim == 1:
        probs[0] = 0.5
    t = tl.tensor(probs, dtype=dtype, device=device)
    g = _gen(5, 4)
    got = tl.multinomial(t, n, replacement=False, generator=g).cpu().numpy()
    rows, categories = (1, shape[0]) if probs.ndim == 1 else shape
    used = 2 * rows * categories
    expected = reference_without_replacement(probs.reshape(rows, -1), n,
                                             philox.words(5, 4, used))
    np.testing.assert_array_equal(got.reshape(rows, n), expected)
    assert g.get_offset() == 4 + _advance(used)


def test_multinomial_generators_are_independent_streams():
    probs = tl.tensor(_probs((64, 1000), 3))
    a = tl.multinomial(probs, 5, True, generator=_gen(1)).numpy()
    b = tl.multinomial(probs, 5, True, generator=_gen(2)).numpy()
    assert not np.array_equal(a, b)  # negative control: the seed matters
    np.testing.assert_array_equal(a, reference_with_replacement(
        probs.numpy(), 5, philox.words(1, 0, 640)))
    np.testing.assert_array_equal(b, reference_with_replacement(
        probs.numpy(), 5, philox.words(2, 0, 640)))


def test_reference_negative_control():
    # the reference must see a one-word shift of the stream
    probs = _probs((3, 50), 0)
    w = philox.words(3, 0, 2 * 3 * 20 + 1)
    assert not np.array_equal(reference_with_replacement(probs, 20, w[:-1]),
                              reference_with_replacement(probs, 20, w[1:]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subnormal_and_tiny_rows(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    probs = np.array([[tiny, 0, tiny, tiny * 3], [1.0, 2.0**-61, 0.5, 0.0]], dtype=dtype)
    w = philox.words(9, 0, 2 * 2 * 50)
    got = tl.multinomial(tl.tensor(probs), 50, True, generator=_gen(9)).numpy()
    np.testing.assert_array_equal(got, reference_with_replacement(probs, 50, w))
    assert set(got[0].tolist()) <= {0, 2, 3} and 1 not in got[1]


@pytest.mark.parametrize("rows,categories", [(4, 16_384), (1, 65_536), (8, 8_193), (64, 1000)])
def test_small_index_equals_the_blocked_index_at_the_threshold(monkeypatch, rows, categories):
    monkeypatch.setattr(_multinomial_native, "library", lambda: None)  # the NumPy path's
    # the same weights through the small path (full prefix sums) and the threaded,
    # blocked index with the tree search: the same categories
    probs = _probs((rows, categories), rows)
    w = philox.words(4, 0, 2 * rows * 7)
    small = _cpu_random.multinomial_weights(probs, True)
    assert (len(small.index) == 3) == (probs.size <= _quantized.SMALL)
    monkeypatch.setattr(_quantized, "SMALL", 0)
    bulk = _cpu_random.multinomial_weights(probs, True, chunk=4096)
    assert len(bulk.index) == 2
    got = [_cpu_random.fill("multinomial", (rows, 7), np.int64, 4, 0, probs=weights,
                            num_samples=7, replacement=True) for weights in (small, bulk)]
    np.testing.assert_array_equal(got[0], got[1])
    np.testing.assert_array_equal(got[0], reference_with_replacement(probs, 7, w))


def test_first_above_small_equals_first_above_on_every_boundary():
    probs = _probs((5, 1000), 8).astype(np.float64)
    probs[2, 16:300] = 0  # whole zero blocks: equal block ends to step over
    shift, ends, sums = _quantized.small_index(np, probs, probs.max(axis=1, keepdims=True))
    prefix = _quantized.prefix_sums(np, probs)
    np.testing.assert_array_equal(sums[:, :1000], prefix)
    targets = np.stack([np.unique(np.clip(np.concatenate([s - 1, s, s + 1]), 0, s[-1] - 1))[:900]
                        for s in prefix.astype(object)]).astype(np.uint64)
    expected = np.stack([np.searchsorted(prefix[r], targets[r], side="right")
                         for r in range(5)])
    np.testing.assert_array_equal(_quantized.first_above_small(np, sums, ends, targets), expected)
    np.testing.assert_array_equal(_quantized.first_above(np, probs, shift, ends, targets),
                                  expected)


BAD = [
    (lambda: np.where(np.arange(64000).reshape(64, 1000) == 777, np.nan, 0.5), "either `inf`"),
    (lambda: np.where(np.arange(64000).reshape(64, 1000) == 5, -1e-30, 0.5), "either `inf`"),
    (lambda: np.where(np.arange(64000).reshape(64, 1000) == 5, np.inf, 0.5), "either `inf`"),
    (lambda: np.where(np.arange(64000).reshape(64, 1000) < 1000, 0.0, 0.5), "sum of probabilities"),
    (lambda: np.full((3, 100_000), -0.5), "either `inf`"),  # the bulk path
]


@pytest.mark.parametrize("make,message", BAD)
@pytest.mark.parametrize("replacement", [True, False])
def test_bad_weights_raise_before_any_word_is_drawn(device, make, message, replacement,
                                                    multinomial_path):
    g = _gen(7, 12)
    with pytest.raises(RuntimeError, match=message):
        tl.multinomial(tl.tensor(make(), dtype=tl.float32, device=device), 5, replacement,
                       generator=g)
    assert g.get_offset() == 12


@pytest.mark.parametrize("call,message", [
    (lambda g: tl.multinomial(tl.rand(64, 1000), 0, True, generator=g), "n_sample <= 0"),
    (lambda g: tl.multinomial(tl.rand(4, 3), 4, False, generator=g), "n_sample > prob_dist"),
    (lambda g: tl.multinomial(tl.rand(2, 2, 2), 1, True, generator=g), "1 or 2 dim"),
    (lambda g: tl.multinomial(tl.rand(4, 3), 1, True, generator=g,
                              out=tl.empty(4, 1, dtype=tl.int32)), "Long tensor out"),
])
def test_bad_arguments_raise_before_any_word_is_drawn(call, message):
    g = _gen(7, 12)
    with pytest.raises(RuntimeError, match=message):
        call(g)
    assert g.get_offset() == 12


# 300_001: past the halves-on-two-threads sort (_cpu_random._sort, from 2 * 2**17)
@pytest.mark.parametrize("n", [1, 2, 17, 1000, 70_000, 300_001])
def test_randperm_is_the_definition(device, n):
    g = _gen(13, 20)
    got = tl.randperm(n, generator=g, device=device).cpu().numpy()
    np.testing.assert_array_equal(got, reference_randperm(n, philox.words(13, 20, 2 * n)))
    assert g.get_offset() == 20 + _advance(2 * n)


@pytest.mark.parametrize("n", [5, 300, 4097])
def test_randperm_ties_in_the_packed_bits(n):
    # keys whose high bits tie (their order comes from the low bits the index replaced),
    # keys with the top bit set and clear (the int64 sort's flipped bit), and equal keys
    rng = np.random.default_rng(n)
    w = rng.integers(0, 2**32, 2 * n, dtype=np.uint64).astype(np.uint32)
    w[0::2][: n // 2] = 0x80000000  # half the keys share their high word, top bit set
    w[0::2][n // 2:] = 0x7FFFFFFF
    w[1::2][: n // 3] = 0xFFFFFFFF  # ... and some their whole key
    w[1::2][-3:] = 5
    expected = reference_randperm(n, w)
    np.testing.assert_array_equal(distributions.randperm(np, w.copy(), n), expected)
    # negative control: an unsigned sort without the flip differs once the top bit varies
    keys = (w[0::2].astype(np.uint64) << np.uint64(32)) | w[1::2]
    assert not np.array_equal(np.argsort(keys.view(np.int64), kind="stable"), expected)


def test_randperm_rejects_before_drawing():
    g = _gen(3, 8)
    with pytest.raises(RuntimeError):
        tl.randperm(-1, generator=g)
    assert g.get_offset() == 8


def test_without_replacement_uses_all_53_bits_of_each_pair():
    # two equal weights whose uniforms differ in the last bits of their pairs: category 0
    # has x = (h << 32) | 0xFFFFFFFF, category 1 has x = (h + 1) << 32, so u_1 > u_0 by
    # 2**-53 and category 1's key is the smaller; a slip in how the low word's 21 bits
    # are weighted reverses them
    h = 123456
    w = np.array([h, 0xFFFFFFFF, h + 1, 0], dtype=np.uint32)
    probs = np.ones((1, 2))
    expected = reference_without_replacement(probs, 2, w)
    assert expected.tolist() == [[1, 0]]
    np.testing.assert_array_equal(distributions.multinomial(np, w.copy(), probs, 2, False),
                                  expected)
