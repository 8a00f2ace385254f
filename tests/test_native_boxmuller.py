"""float32 Box–Muller's arithmetic in C (tensorlite/random/_native.c) and its fallback.

``distributions.normal`` on NumPy float32 output does its exact steps and IEEE
multiplies and square roots in the C library when it is available, and NumPy's
``log``/``cos``/``sin`` either way: the values must be the NumPy path's bit for bit
(DESIGN §4.3 makes randn's small path, bulk path and chunked blocks agree). Each test
runs on both paths (``path``), and the exhaustive one compares them directly.
"""

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _cpu_random
from tensorlite.random import _native, philox
from tensorlite.random import distributions as dist

from native_paths import native_or_fallback, needs_cc

F32 = np.dtype(np.float32)


path = native_or_fallback(_native)


def _bits(a):
    return np.asarray(a).view(np.uint32)


def _numpy_normal(words, n, mean=0.0, std=1.0):
    return dist._normal_numpy(np, words.copy(), n, F32, mean, std, np.empty(n, F32))


@needs_cc
def test_the_library_is_built_where_there_is_a_compiler():
    assert _native.library() is not None  # CI has gcc: its tests run the C code


@needs_cc
@pytest.mark.parametrize("every", [pytest.param(1, marks=pytest.mark.slow), 61])
def test_native_matches_numpy_for_every_uniform(every):
    # Every 24-bit k (every 61st in the quick run) reaches u1 = (k + 1) * 2**-24 and
    # theta = k * step once (the C steps are exact or single IEEE operations: a fused
    # multiply-add, extended precision or reordering shows up here), 2**20 pairs a block
    lib = _native.library()
    rng = np.random.default_rng(17)
    ks = np.arange(0, 2**24, every, dtype=np.uint32)
    pairs = 2**20
    for k in np.array_split(ks, -(-ks.shape[0] // pairs)):
        pairs = k.shape[0]
        w = np.empty(2 * pairs, np.uint32)
        w[0::2] = k << 8 | rng.integers(0, 256, pairs, dtype=np.uint32)
        w[1::2] = rng.permutation(k) << 8 | rng.integers(0, 256, pairs, dtype=np.uint32)
        got = _native.normal_from_words_f32(lib, w, 2 * pairs, 0.0, 1.0, np.empty(2 * pairs, F32))
        np.testing.assert_array_equal(_bits(got), _bits(_numpy_normal(w, 2 * pairs)))


@pytest.mark.parametrize("n", [1, 2, 3, 15, 16, 17, 31, 1001, 4096])
@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (-1.5, 0.3), (1e3, 1e-3)])
def test_normal_is_the_numpy_path(path, n, mean, std):
    w = philox.words(5, 8, n + n % 2)
    got = dist.normal(np, w.copy(), n, np.float32, mean, std)
    np.testing.assert_array_equal(_bits(got), _bits(_numpy_normal(w, n, mean, std)))
    with pytest.raises(AssertionError):  # negative control: other words, other values
        np.testing.assert_array_equal(_bits(got), _bits(_numpy_normal(w[::-1].copy(), n,
                                                                      mean, std)))


def test_scratch_leaves_the_words(path):
    w = philox.words(6, 0, 1000)
    kept = w.copy()
    scratch = np.empty_like(w)
    got = dist.normal(np, w, 999, np.float32, scratch=scratch)
    np.testing.assert_array_equal(w, kept)
    np.testing.assert_array_equal(_bits(got), _bits(_numpy_normal(kept, 999)))


@pytest.mark.parametrize("shape", [(32, 64), (7,), (3, 5)])
def test_randn_small_path_is_the_bulk_path(path, shape):
    # the direct path (run values made once) and fill() give the same values, on
    # either path, for calls at every offset of a run
    g = tl.Generator().manual_seed(11)
    n = int(np.prod(shape))
    for _ in range(50 if n > 1000 else 20):  # (32, 64): runs refilled at full size
        offset = g.offset
        got = tl.randn(*shape, generator=g).numpy().reshape(-1)
        want = _cpu_random.fill("normal", (n,), np.float32, 11, offset, chunk=64)
        np.testing.assert_array_equal(_bits(got), _bits(want))


def test_full_size_runs_reuse_memory_and_stay_right():
    # philox.buffered draws a seed's next full-size run into the last one's memory and
    # hands its value arrays on as spares: the words and values must still be right
    seed, start, count = 2**40 + 3, 0, 2048
    previous, reused = None, 0
    for _ in range(3 * philox.BUFFER_WORDS // count):
        buf, i = philox.buffered(seed, start, count)
        np.testing.assert_array_equal(buf.words[i:i + count],
                                      philox.reference_words(seed, start, count))
        if i == 0 and previous is not None and previous.words.shape == buf.words.shape:
            assert np.shares_memory(previous.words, buf.words)  # reused, not reallocated
            reused += 1
        previous, start = buf, start + count
    assert previous.words.shape[0] == philox.BUFFER_WORDS and reused >= 1


@needs_cc
def test_a_large_call_keeps_no_large_scratch():
    # the thread keeps scratch for small-path runs only: a big call's is freed with it
    lib = _native.library()
    n = 2 * (_native._KEPT_PAIRS + 1)
    w = philox.words(3, 0, n)
    got = _native.normal_from_words_f32(lib, w, n, 0.0, 1.0, np.empty(n, F32))
    np.testing.assert_array_equal(_bits(got), _bits(_numpy_normal(w, n)))
    kept = getattr(_native._local, "normal", None)
    assert kept is None or kept.shape[1] <= _native._KEPT_PAIRS
