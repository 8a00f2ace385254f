"""The bit source: Philox4x32-10 known answers and the fast path vs the reference.

The known-answer vectors are Random123's ``kat_vectors`` for philox4x32_10
(counter, key -> output); a change to the stream fails these loudly.
"""

import numpy as np
import pytest

from tensorlite.random import philox

KATS = [
    # (counter c0..c3, key k0..k1, expected output)
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF), (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize("counter, key, expected", KATS)
def test_block_function_known_answers(counter, key, expected):
    out = philox.philox4x32_10(np.array(counter, np.uint32), key)
    assert out.dtype == np.uint32
    assert [int(w) for w in out] == list(expected)


def _philox_ints(counter, key):
    """Philox4x32-10 on Python ints, written from Salmon et al. (2011) apart from the
    library's NumPy version, so the two can check each other."""
    c0, c1, c2, c3 = counter
    k0, k1 = key
    for _ in range(10):
        p0, p1 = 0xD2511F53 * c0, 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & 0xFFFFFFFF, (p0 >> 32) ^ c3 ^ k1, p0 & 0xFFFFFFFF
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    return [c0, c1, c2, c3]


@pytest.mark.parametrize("counter, key, expected", KATS)
def test_independent_reference_known_answers(counter, key, expected):
    assert _philox_ints(counter, key) == list(expected)


@pytest.mark.parametrize("key", [(0, 0), (0xA4093822, 0x299F31D0), (0xFFFFFFFF, 1)])
def test_block_function_is_vectorized(key):
    # Every row of a batch (any leading shape) is its own block: compare each one with
    # the independent reference, not with another call of the same function.
    rng = np.random.default_rng(5)
    counters = rng.integers(0, 2**32, size=(2, 3, 4), dtype=np.uint64).astype(np.uint32)
    counters[0, 0] = 0  # a zero counter, and one with carries' worth of ones
    counters[1, 2] = 0xFFFFFFFF
    out = philox.philox4x32_10(counters, key)
    assert out.shape == counters.shape and out.dtype == np.uint32
    for index in np.ndindex(counters.shape[:-1]):
        assert [int(w) for w in out[index]] == _philox_ints([int(c) for c in counters[index]], key)


def _block(seed, block):
    """Words of one block straight from the definition (DESIGN §4.1)."""
    counter = [(block >> (32 * i)) & 0xFFFFFFFF for i in range(4)]
    return _philox_ints(counter, (seed & 0xFFFFFFFF, seed >> 32))


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, 2**32 + 7, 0xDEADBEEFCAFEBABE, 2**64 - 1])
@pytest.mark.parametrize("start", [0, 1, 2, 3, 4, 5, 4 * (2**32 - 1) - 3, 4 * 2**32 + 1, 2**66 + 2])
def test_reference_words_follow_the_definition(seed, start):
    count = 11
    expected = []
    for j in range(start, start + count):
        expected.append(_block(seed, j // 4)[j % 4])
    assert [int(w) for w in philox.reference_words(seed, start, count)] == expected


def test_reference_words_known_answer():
    assert [int(w) for w in philox.reference_words(0, 0, 4)] == list(KATS[0][2])


def test_key_uses_both_seed_halves():
    # A seed >= 2**32 must not collapse to seed mod 2**32 (key word 1 matters).
    assert not np.array_equal(philox.words(2**32 + 5, 0, 8), philox.words(5, 0, 8))


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31, 2**32, 2**32 + 1, 2**40 + 12345,
                                  0xDEADBEEFCAFEBABE, 2**64 - 1])
@pytest.mark.parametrize("start", [0, 1, 2, 3, 7, 1001, 2**20 + 3])
def test_fast_words_equal_reference(seed, start):
    count = 257  # not a multiple of 4, so both ends are partial blocks
    fast = philox.words(seed, start, count)
    assert fast.dtype == np.uint32 and fast.shape == (count,)
    assert np.array_equal(fast, philox.reference_words(seed, start, count))


@pytest.mark.parametrize("start", [4 * (2**32 - 2), 4 * (2**32 - 2) + 3, 4 * (2**64 - 3) + 1,
                                   2**130 - 40])
def test_fast_words_across_counter_carries(start):
    # Counters crossing 2**32 (c1 becomes nonzero), 2**64 (c2) and the last
    # blocks of the 128-bit counter.
    for seed in (3, 2**33 + 9):
        expected = philox.reference_words(seed, start, 40)
        assert np.array_equal(philox.words(seed, start, 40), expected)


def test_words_into_out_and_zero_count():
    out = np.empty(10, np.uint32)
    assert philox.words(9, 6, 10, out=out) is out
    assert np.array_equal(out, philox.reference_words(9, 6, 10))
    assert philox.words(9, 6, 0).shape == (0,)
    assert philox.reference_words(9, 6, 0).shape == (0,)


def test_stream_continues_across_calls():
    whole = philox.words(77, 5, 1000)
    parts = np.concatenate([philox.words(77, 5, 333), philox.words(77, 338, 667)])
    assert np.array_equal(whole, parts)


def test_bad_arguments():
    with pytest.raises(ValueError):
        philox.words(2**64, 0, 1)
    with pytest.raises(ValueError):
        philox.words(-1, 0, 1)
    with pytest.raises(ValueError):
        philox.reference_words(0, -1, 1)
    with pytest.raises(ValueError, match=r"counter must have shape \(\.\.\., 4\), got \(3,\)"):
        philox.philox4x32_10(np.zeros(3, np.uint32), (0, 0))


def test_a_continuing_call_reuses_this_threads_generator(monkeypatch):
    # randomgen's path (the native library off: it serves rewinds and long draws). The speed of small draws depends on it (see words' docstring): a call that
    # continues where the last one on its seed stopped, or a little after, draws on;
    # a rewind or another seed re-positions a kept bit generator instead of making one.
    monkeypatch.setattr(philox._native, "library", lambda: None)
    philox.words(5, 0, 10)
    stream = philox._stream(5)
    kept = stream.bit_gen
    philox.words(5, 10, 3)
    assert stream.position == 13
    philox.words(5, 16, 1)  # a short gap is drawn through
    assert stream.position == 17 and stream.bit_gen is kept
    philox.words(5, 4, 2)  # a rewind re-positions the same bit generator
    assert stream.position == 6 and stream.bit_gen is kept
    for seed in range(100, 100 + 2 * philox._STREAMS_PER_THREAD):  # more seeds than kept
        philox.words(seed, 8, 4)
    assert len(philox._local.streams) == philox._STREAMS_PER_THREAD
    assert any(s.bit_gen is kept for s in philox._local.streams.values())  # recycled
    assert (philox.words(5, 6, 9) == philox.reference_words(5, 6, 9)).all()


def test_words_continue_a_thread_generator_only_where_it_stopped():
    # Calls that continue the previous one reuse this thread's generator; jumps,
    # rewinds and other seeds start a new one. Every call must still be exact.
    rng = np.random.default_rng(12)
    seed, position = 5, 0
    for _ in range(300):
        move = rng.integers(0, 6)
        if move == 0:
            seed = int(rng.integers(0, 2**64, dtype=np.uint64))
        elif move == 1:
            position = int(rng.integers(0, 10_000))  # jump or rewind
        count = int(rng.integers(0, 40))
        np.testing.assert_array_equal(philox.words(seed, position, count),
                                      philox.reference_words(seed, position, count))
        position += count


def test_words_from_threads_at_once_are_exact():
    import concurrent.futures

    def draw(seed):
        got = [philox.words(seed, start, 7) for start in range(0, 700, 7)]
        return np.concatenate(got), philox.reference_words(seed, 0, 700)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for got, expected in pool.map(draw, range(16)):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("gap", [0, 1, 3, 4, 5, philox._SKIP_WORDS, philox._SKIP_WORDS + 1, -1])
@pytest.mark.parametrize("count", [1, 12, 4096, 4097])
def test_words_positioned_generator_matches_a_fresh_one(gap, count):
    """words() reuses this thread's generator across a short forward gap (drawing through
    it; small draws read random_raw, big ones integers): the same words as a fresh
    generator at every gap and draw size around those thresholds, and a backward or
    long jump (the fresh-generator path) is right too."""
    first = philox.words(11, 9, 7)
    start = 16 + gap
    fresh = philox.reference_words(11, start, count)
    assert (first == philox.reference_words(11, 9, 7)).all()
    assert (philox.words(11, start, count) == fresh).all()
    assert (philox.words(12, 0, count) == philox.reference_words(12, 0, count)).all()
