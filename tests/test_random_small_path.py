"""Issue 17: the small-call path of the CPU random fill gives the bulk path's values,
bit for bit.

``_cpu_random.fill`` draws an output of at most ``chunk`` elements in one go on the
calling thread (the small path) and splits a larger one into chunks on the thread
pool (the bulk path). Each case fills the same stream positions both ways, at sizes
just below, at and just above the threshold, for every distribution and dtype, and
compares the bits. A negative control shows the comparison sees a one-word shift.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _cpu_random
from tensorlite.random import distributions, philox

THRESHOLD = 64  # the chunk given to fill: <= THRESHOLD elements take the small path
SIZES = [1, 2, 3, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1, 2 * THRESHOLD + 3]
FLOATS = [np.float16, ml_dtypes.bfloat16, np.float32, np.float64]
INTS = [np.uint8, np.int8, np.int16, np.int32, np.int64]

CASES = (
    [("uniform", d, {"low": 0.0, "high": 1.0}) for d in FLOATS]
    + [("uniform", d, {"low": -2.5, "high": 3.0}) for d in FLOATS]
    + [("normal", d, {"mean": 0.0, "std": 1.0}) for d in FLOATS]
    + [("normal", d, {"mean": 1.5, "std": 0.25}) for d in FLOATS]
    + [("exponential", d, {"lambd": 2.0}) for d in FLOATS]
    + [("randint", d, {"low": 0, "high": 10}) for d in INTS + FLOATS]  # one word
    + [("randint", d, {"low": -(2**31), "high": 2**31 - 7}) for d in (np.int64,)]  # two
    + [("randint", np.int64, {"low": -(2**63), "high": 2**63})]  # the full range
    + [("bernoulli", d, {"p": 0.3}) for d in FLOATS]
)


def _fill(kind, n, dtype, chunk, offset=12, **params):
    if kind == "bernoulli" and np.ndim(params["p"]) == 0:
        params = {"p": np.asarray(params["p"], dtype)}
    return _cpu_random.fill(kind, (n,), dtype, 2**40 + 7, offset, chunk=chunk, **params)


def _bits(a):
    return np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")


@pytest.mark.parametrize("kind,dtype,params", CASES,
                         ids=[f"{k}-{np.dtype(d).name}-{i}" for i, (k, d, _) in enumerate(CASES)])
@pytest.mark.parametrize("n", SIZES)
def test_small_path_equals_bulk_path(kind, dtype, params, n):
    small = _fill(kind, n, dtype, chunk=2**20, **params)  # always one draw
    bulk = _fill(kind, n, dtype, chunk=8, **params)  # always chunked (n > 8 is threaded)
    at_threshold = _fill(kind, n, dtype, chunk=THRESHOLD, **params)
    assert small.dtype == np.dtype(dtype) and small.shape == (n,)
    np.testing.assert_array_equal(_bits(small), _bits(bulk))
    np.testing.assert_array_equal(_bits(small), _bits(at_threshold))


@pytest.mark.parametrize("n", SIZES)
def test_small_path_bernoulli_with_probability_arrays(n):
    rng = np.random.default_rng(n)
    for dtype in FLOATS:
        p = rng.random(n).astype(dtype)
        small = _cpu_random.fill("bernoulli", (n,), dtype, 3, 40, chunk=2**20, p=p)
        bulk = _cpu_random.fill("bernoulli", (n,), dtype, 3, 40, chunk=8, p=p)
        np.testing.assert_array_equal(small, bulk)
    # a broadcast p: one probability per column of a (rows, 4) output
    shape = (max(1, n // 4), 4)
    p = np.array([0.0, 0.25, 0.75, 1.0], np.float32)
    small = _cpu_random.fill("bernoulli", shape, np.float32, 3, 40, chunk=2**20, p=p)
    bulk = _cpu_random.fill("bernoulli", shape, np.float32, 3, 40, chunk=2, p=p)
    np.testing.assert_array_equal(small, bulk)
    assert (small[:, 0] == 0).all() and (small[:, 3] == 1).all()


def test_small_path_matches_the_reference_words():
    # The small path's words come from a kept, re-positioned stream: check it against
    # the pure-NumPy definition, including after a rewind and on another seed.
    for seed, offset in [(5, 0), (5, 16), (5, 4), (9, 4), (5, 20)]:
        got = _cpu_random.fill("randint", (10,), np.int64, seed, offset, low=0, high=2**32)
        np.testing.assert_array_equal(got, philox.reference_words(seed, offset, 10))


def test_public_calls_below_and_above_the_default_chunk_agree():
    # the real threshold (CHUNK elements): the tail of a bulk call equals a small call
    # started at the same word
    n = _cpu_random.CHUNK + 3
    g = tl.Generator().manual_seed(17)
    whole = tl.rand(n, generator=g).numpy()
    words = distributions.words_needed("uniform", n - 5, np.float32)
    tail = _cpu_random.fill("uniform", (5,), np.float32, 17, words)
    np.testing.assert_array_equal(whole[-5:], tail)


def test_negative_control_a_shifted_stream_is_seen():
    small = _fill("uniform", THRESHOLD, np.float32, chunk=2**20, low=0.0, high=1.0)
    shifted = _fill("uniform", THRESHOLD, np.float32, chunk=8, offset=13, low=0.0, high=1.0)
    assert not np.array_equal(small, shifted)
    np.testing.assert_array_equal(small[1:], shifted[:-1])  # the same words, one later


@pytest.mark.parametrize("width,n", [(4096, 64), (100, 1), (100, 12), (100, 13), (7, 3)])
def test_smallest_keys_equal_the_stable_sort(width, n):
    # multinomial without replacement takes each row's n smallest keys by partition;
    # it must give the stable argsort's first n, ties by index included
    rng = np.random.default_rng(width + n)
    keys = rng.random((40, width))
    keys[3, :] = 0.5  # a row of ties
    keys[5, rng.choice(width, width // 2, replace=False)] = np.inf  # zero weights
    keys[7, :] = np.round(keys[7, :] * 4) / 4  # many ties across the cut
    keys[9, :] = np.inf
    expected = distributions.stable_argsort(np, keys)[:, :n]
    np.testing.assert_array_equal(distributions.smallest(np, keys, n), expected)


def test_smallest_keys_negative_control():
    keys = np.array([[0.5, 0.5, 0.5, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])
    got = distributions.smallest(np, keys, 2)
    assert got.tolist() == [[3, 0]]  # not [3, 9] or any other tied index
    assert not np.array_equal(got, np.argsort(-keys, kind="stable")[:, :2])


@pytest.mark.parametrize("rows,categories,samples", [(64, 1000, 5), (3, 17, 40), (2, 4096, 3),
                                                     (5, 16, 1), (1, 300, 200)])
def test_multinomial_block_search_small_equals_tree(monkeypatch, rows, categories, samples):
    # with replacement, few samples x blocks are located by one comparison against every
    # block, more by the 16-ary tree: the same categories either way
    from tensorlite.random import _quantized

    rng = np.random.default_rng(rows * categories + samples)
    probs = rng.random((rows, categories)).astype(np.float32)
    probs[:, ::7] = 0  # zero weights are never drawn
    w = philox.words(21, 0, 2 * rows * samples)
    direct = distributions.multinomial(np, w.copy(), probs, samples, True)
    monkeypatch.setattr(_quantized, "_DIRECT", 0)
    tree = distributions.multinomial(np, w.copy(), probs, samples, True)
    np.testing.assert_array_equal(direct, tree)
    assert (probs[np.arange(rows)[:, None], direct] > 0).all()
    monkeypatch.setattr(_quantized, "_DIRECT", 2**40)
    np.testing.assert_array_equal(distributions.multinomial(np, w.copy(), probs, samples, True),
                                  tree)
