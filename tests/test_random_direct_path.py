"""Issue 17: the direct path of small ``rand``/``randn``/``randint``/``bernoulli`` calls.

A CPU call of at most ``sampling.SMALL`` values with no ``out=`` reserves its words
itself and takes them from the run of words its thread drew ahead
(``philox.buffered``); float32 ``rand``/``randn`` and ``randint`` values are slices of
values made once for the whole run. Every test compares a public call with what the
bulk path (``_cpu_random.fill`` with a tiny chunk: chunked and threaded) gives for the
generator's ``(seed, offset)`` before the call, bit for bit, and checks the offset
after it against DESIGN §4.2: ``offset += 4 * ceil(K / 4)``.
"""

from __future__ import annotations

import math
import threading

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _cpu_random
from tensorlite.random import distributions, philox, sampling

SMALL = sampling.SMALL
SIZES = [(1,), (3, 4), (5,), (SMALL - 1,), (SMALL,), (SMALL + 1,), (32, 64)]
FLOATS = [tl.float16, tl.bfloat16, tl.float32, tl.float64]
RANGES = [(0, 10), (-5, 2**16 - 5), (0, 2**32), (-(2**31), 2**31 - 7), (-(2**63), 2**63)]


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(f"u{a.dtype.itemsize}") if a.dtype.kind in "fV" else a


def _words(kind, n, dtype, **params):
    return distributions.words_needed(kind, n, np.dtype(dtype._np), **params)


def _call(kind, shape, dtype, generator, low=0, high=10, p=None):
    """One public call; returns (tensor, expected by the bulk path, K words)."""
    gen = tl.default_generator if generator is None else generator
    seed, offset = gen.initial_seed(), gen.offset
    n = math.prod(shape)
    if kind == "uniform":
        got = tl.rand(*shape, dtype=dtype, generator=generator)
        params = {"low": 0.0, "high": 1.0}
    elif kind == "normal":
        got = tl.randn(*shape, dtype=dtype, generator=generator)
        params = {"mean": 0.0, "std": 1.0}
    elif kind == "randint":
        got = tl.randint(low, high, shape, dtype=dtype, generator=generator)
        params = {"low": low, "high": high}
    else:
        got = tl.bernoulli(p, generator=generator)
        params = {"p": p.numpy()}
    expected = _cpu_random.fill(kind, shape, dtype._np, seed, offset, chunk=8, **params)
    count = _words(kind, n, dtype, **{k: v for k, v in params.items() if k in ("low", "high")})
    assert gen.offset == (offset + 4 * -(-count // 4)) % 2**64  # DESIGN §4.2
    assert gen.initial_seed() == seed
    return got, expected


def _same(got, expected, dtype, shape):
    assert got.dtype is dtype and tuple(got.shape) == tuple(shape)
    np.testing.assert_array_equal(_bits(got.numpy()), _bits(expected))


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_rand_randn_equal_the_bulk_path(device, kind, dtype, shape, use_generator):
    gen = tl.Generator().manual_seed(2**40 + 11) if use_generator else None
    tl.manual_seed(5)
    if device != "cpu":  # not the direct path: the same words give the same values
        fn = tl.rand if kind == "uniform" else tl.randn
        got = fn(*shape, dtype=dtype, device=device, generator=gen).cpu()
        if gen is None:
            tl.manual_seed(5)
        else:
            gen.manual_seed(2**40 + 11)
        tl.testing.assert_close(got, fn(*shape, dtype=dtype, generator=gen))
        return
    for _ in range(3):  # a fresh run of words, then slices of it
        _same(*_call(kind, shape, dtype, gen), dtype, shape)


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("low,high", RANGES, ids=str)
def test_randint_equals_the_bulk_path(low, high, shape, use_generator):
    gen = tl.Generator().manual_seed(99) if use_generator else None
    tl.manual_seed(6)
    for dtype in (tl.int64, tl.float64) if high - low > 2**24 else (tl.int64, tl.int32,
                                                                   tl.float32, tl.bfloat16):
        if dtype is tl.int32 and not -(2**31) <= low < high <= 2**31:
            continue
        if high - low > 2**53 and dtype.is_floating_point or dtype is tl.bfloat16 and high > 256:
            continue
        for _ in range(2):
            _same(*_call("randint", shape, dtype, gen, low, high), dtype, shape)


@pytest.mark.parametrize("use_generator", [False, True], ids=["default", "generator"])
@pytest.mark.parametrize("shape", SIZES, ids=str)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_bernoulli_equals_the_bulk_path(dtype, shape, use_generator):
    gen = tl.Generator().manual_seed(3) if use_generator else None
    rng = np.random.default_rng(math.prod(shape))
    values = rng.random(shape)
    values[..., :1] = 0.0  # the edges: never, always
    values[..., -1:] = 1.0
    p = tl.tensor(values.astype(np.float32), dtype=dtype)
    for _ in range(2):
        _same(*_call("bernoulli", shape, dtype, gen, p=p), dtype, shape)
    strided = tl.tensor(rng.random((4, 6)).astype(np.float32)).t()  # not contiguous
    _same(*_call("bernoulli", (6, 4), tl.float32, gen, p=strided), tl.float32, (6, 4))


def test_interleaved_kinds_seeds_and_reseeding():
    # calls of every kind, on the default generator and two others (one with the default
    # seed), with manual_seed, set_state and set_offset in between: every call equals the
    # bulk path at its (seed, offset), and more seeds than a thread keeps runs for
    rng = np.random.default_rng(17)
    gens = [None, tl.Generator().manual_seed(7), tl.Generator()]
    tl.manual_seed(1)
    saved = None
    for step in range(300):
        gen = gens[rng.integers(3)]
        kind = ["uniform", "normal", "randint", "bernoulli"][rng.integers(4)]
        shape = (int(rng.choice([1, 2, 3, 7, 12, 64, 255, 1000, SMALL])),)
        dtype = [tl.float32, tl.float32, tl.float64, tl.float16][rng.integers(4)]
        if kind == "randint":
            low, high = RANGES[rng.integers(len(RANGES))]
            got, expected = _call(kind, shape, tl.int64, gen, low, high)
            dtype = tl.int64
        elif kind == "bernoulli":
            p = tl.tensor(rng.random(shape).astype(np.float32), dtype=dtype)
            got, expected = _call(kind, shape, dtype, gen, p=p)
        else:
            got, expected = _call(kind, shape, dtype, gen)
        _same(got, expected, dtype, shape)
        action = rng.integers(12)
        if action == 0:
            tl.manual_seed(int(rng.integers(2**63)))  # a new seed: a new run
        elif action == 1:
            gens[1].manual_seed(7)  # back to the start of a known stream
        elif action == 2:
            saved = tl.get_rng_state()
        elif action == 3 and saved is not None:
            tl.set_rng_state(saved)  # rewind: words already served once
        elif action == 4:
            gens[2].set_offset(4 * int(rng.integers(2**20)))
    buffers = philox._local.buffers
    assert len(buffers) <= philox._BUFFERS_PER_THREAD
    for buf in buffers.values():  # memory stays bounded
        assert buf.words.shape[0] <= philox.BUFFER_WORDS
        assert len(buf.values) <= _cpu_random._VALUES_PER_RUN


def test_manual_seed_repeats_and_rewinds():
    tl.manual_seed(3)
    a = [tl.rand(5), tl.randn(4, 4), tl.randint(0, 7, (9,))]
    tl.rand(SMALL)  # moves on
    tl.manual_seed(3)
    b = [tl.rand(5), tl.randn(4, 4), tl.randint(0, 7, (9,))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    # the values are the stream's: the documented first uniforms of seed 0
    tl.manual_seed(0)
    np.testing.assert_array_equal(tl.rand(3).numpy(),
                                  np.array([0.39904642, 0.88052016, 0.73571277], np.float32))


def test_negative_control_a_shifted_offset_is_seen():
    g = tl.Generator().manual_seed(12)
    g.set_offset(4)
    got = tl.rand(8, generator=g).numpy()
    at_zero = _cpu_random.fill("uniform", (8,), np.float32, 12, 0, chunk=8)
    assert not np.array_equal(got, at_zero)
    np.testing.assert_array_equal(got[:4], _cpu_random.fill("uniform", (4,), np.float32,
                                                            12, 4, chunk=2))


def test_rejected_calls_consume_no_words():
    g = tl.Generator().manual_seed(4)
    tl.manual_seed(4)
    bad = [
        lambda: tl.rand(3, generator="not a generator"),
        lambda: tl.randn(2, -1),
        lambda: tl.rand(*([1] * 65)),  # NumPy's dimension limit
        lambda: tl.randint(5, 3, (4,), generator=g),
        lambda: tl.randint(0, 10, (4,), requires_grad=True, generator=g),
        lambda: tl.bernoulli(tl.tensor([0.5, 1.5]), generator=g),
        lambda: tl.bernoulli(tl.tensor([0.5, float("nan")])),
    ]
    for call in bad:
        with pytest.raises((TypeError, RuntimeError, ValueError)):
            call()
        assert g.offset == 0 and tl.default_generator.offset == 0


def test_explicit_cpu_device_takes_the_direct_path(monkeypatch):
    calls = []
    small = _cpu_random.small
    monkeypatch.setattr(_cpu_random, "small", lambda *a, **k: calls.append(a[0]) or small(*a, **k))
    g = tl.Generator().manual_seed(9)
    for device in ("cpu", tl.device("cpu"), None):
        got = tl.rand(3, device=device, generator=g)
        assert got.device.type == "cpu"
    tl.randn(2, device="cpu")
    tl.randint(0, 3, (2,), device="cpu")
    tl.bernoulli(tl.full((2,), 0.5))
    assert calls == ["uniform"] * 3 + ["normal", "randint", "bernoulli"]
    tl.rand(SMALL + 1, generator=g)  # above the threshold: the general path
    tl.rand(2, out=tl.empty(2))
    assert len(calls) == 6


def test_requires_grad_and_shapes():
    x = tl.rand(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and tuple(x.shape) == (2, 3)
    assert tuple(tl.randn(()).shape) == () and tuple(tl.rand(0, 3).shape) == (0, 3)
    # a result owns its memory: writing to it leaves later draws alone
    tl.manual_seed(8)
    a = tl.rand(4)
    a.fill_(2.0)
    tl.manual_seed(8)
    assert (tl.rand(4).numpy() < 1).all()


def _locate(pieces, full, step=4):
    """The word index of each piece in ``full`` (pieces start on multiples of ``step``)."""
    index = {tuple(full[j:j + 2].tolist()): j for j in range(0, len(full) - 1, step)}
    return [index[tuple(piece[:2].tolist())] for piece in pieces]


def test_threads_get_disjoint_words_and_the_positioned_values():
    # two threads draw from one generator at once (and from their own runs of words):
    # the calls' word ranges are disjoint, cover the stream, and each call's values are
    # the bulk path's at its position; the offset ends at the total
    g = tl.Generator().manual_seed(2024)
    calls, sizes = 300, [5, 12, 3, 64]
    results = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def draw(who):
        barrier.wait()
        for j in range(calls):
            n = sizes[(j + who) % len(sizes)]
            if who == 0:  # randint over 2**32: each value is its word
                results[0].append(tl.randint(0, 2**32, (n,), generator=g).numpy())
            else:
                results[1].append(tl.rand(n, generator=g).numpy())

    threads = [threading.Thread(target=draw, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = g.offset
    assert total == sum(4 * -(-len(r) // 4) for rs in results.values() for r in rs)
    words = philox.reference_words(2024, 0, total)
    uniforms = distributions.uniform(np, words.copy(), np.float32)
    starts0 = _locate(results[0], words.astype(np.int64))
    starts1 = _locate(results[1], uniforms)
    spans = sorted([(s, s + len(r)) for s, r in zip(starts0, results[0])]
                   + [(s, s + len(r)) for s, r in zip(starts1, results[1])])
    for (a0, a1), (b0, _) in zip(spans, spans[1:]):
        assert a1 <= b0  # disjoint
    for s, r in zip(starts0, results[0]):
        np.testing.assert_array_equal(r, words[s:s + len(r)])
    for s, r in zip(starts1, results[1]):
        np.testing.assert_array_equal(r, uniforms[s:s + len(r)])


def test_runs_are_kept_per_thread():
    # another thread's draws leave this thread's runs alone, and the reverse
    seen = {}

    def other():
        tl.rand(3, generator=tl.Generator().manual_seed(55))
        seen["other"] = set(philox._local.buffers)

    tl.rand(3, generator=tl.Generator().manual_seed(56))
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert 55 in seen["other"] and 56 not in seen["other"]
    assert 56 in philox._local.buffers and 55 not in philox._local.buffers


@pytest.mark.parametrize("n", [1, 2, 3, 7, 2048, 4097])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16, np.float64])
@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (1.5, 0.25)])
def test_normal_transform_matches_the_formula(n, dtype, mean, std):
    # distributions.normal, written for speed, against DESIGN §4.3 written plainly
    words = philox.words(31, 8, distributions.words_needed("normal", n, np.dtype(dtype)))
    got = distributions.normal(np, words.copy(), n, dtype, mean, std)
    if np.dtype(dtype) == np.float64:
        x = words.astype(np.uint64).reshape(-1, 4)
        k1 = (x[:, 0] << np.uint64(32) | x[:, 1]) >> np.uint64(11)
        k2 = (x[:, 2] << np.uint64(32) | x[:, 3]) >> np.uint64(11)
        ct, scale = np.float64, 2.0**-53
    else:
        x = words.reshape(-1, 2) >> np.uint32(8)
        k1, k2, ct, scale = x[:, 0], x[:, 1], np.float32, 2.0**-24
    u1 = (k1.astype(ct) + ct(1)) * ct(scale)
    r = np.sqrt(np.log(u1) * ct(-2))
    theta = k2.astype(ct) * (ct(2 * math.pi) * ct(scale))
    z = np.stack([np.cos(theta) * r, np.sin(theta) * r], axis=1).reshape(-1)[:n]
    if (mean, std) != (0.0, 1.0):
        z = z * ct(std) + ct(mean)
    np.testing.assert_array_equal(_bits(got), _bits(z.astype(dtype)))
