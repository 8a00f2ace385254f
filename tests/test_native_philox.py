"""The native Philox library (tensorlite/random/_native.c) and its fallback.

Both ways of drawing words -- the C library built on first use, and randomgen when
it is unavailable -- must give the words of DESIGN §4.1 exactly: every test that
compares words runs on both (the ``path`` fixture), against the pure NumPy
definition ``philox.reference_words``. The loader must never raise: a missing
compiler, a failed build, a failed load or wrong words all fall back to randomgen.
"""

import ctypes
import os
import shutil
import stat
import threading

import numpy as np
import pytest

import tensorlite._native as native_build
from tensorlite.random import _native, philox

from native_paths import HAVE_CC, native_or_fallback, needs_cc


SEEDS = [0, 1, 7, 2**32 - 1, 2**32, 2**32 + 5, 2**63, 2**64 - 1]
# word indices: aligned and not, and around 2**34 (block 2**32: c0 wraps into c1)
STARTS = [0, 1, 2, 3, 13, 2**34 - 9, 2**34 - 2, 2**34, 2**34 + 3, 2**40 + 1, 2**63 + 2]
COUNTS = [0, 1, 5, 4097]


path = native_or_fallback(_native)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A loader that looks again, with an empty cache folder; forgotten afterwards."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _native.reset()
    yield tmp_path
    _native.reset()


@needs_cc
def test_the_library_is_built_where_there_is_a_compiler():
    # CI runs on a machine with gcc: the native path is the one its tests exercise
    lib = _native.library()
    assert lib is not None
    assert _native.library() is lib  # built once
    assert os.path.dirname(lib._name).endswith("tensorlite")


def test_known_answer(path):
    # Random123's known answer: counter 0, key 0
    assert [hex(int(w)) for w in philox.words(0, 0, 4)] == \
        ["0x6627e8d5", "0xe169c58d", "0xbc57ac4c", "0x9b00dbd8"]


@pytest.mark.parametrize("seed", SEEDS)
def test_words_match_the_definition(path, seed):
    for start in STARTS:
        for count in COUNTS:
            got = philox.words(seed, start, count)
            want = philox.reference_words(seed, start, count)
            assert got.dtype == np.uint32 and got.shape == (count,)
            assert np.array_equal(got, want), (seed, start, count)


def test_long_draws_match_randomgen(monkeypatch):
    # native against randomgen over a long draw, unaligned, across the c0 -> c1 carry
    if not HAVE_CC:
        pytest.skip("no C compiler (cc/gcc) on the PATH")
    start, count = 2**34 - 2**17 + 1, 2**18 + 3
    native = philox.words(2**64 - 1, start, count)
    monkeypatch.setattr(_native, "library", lambda: None)
    assert np.array_equal(native, philox.words(2**64 - 1, start, count))
    assert not np.array_equal(native, philox.words(2**64 - 2, start, count))  # control


def test_words_into_out(path):
    want = philox.reference_words(3, 5, 600)
    out = np.zeros(600, np.uint32)
    assert philox.words(3, 5, 600, out=out) is out and np.array_equal(out, want)
    strided = np.zeros(1200, np.uint32)[::2]  # not contiguous: filled through a copy
    assert philox.words(3, 5, 600, out=strided) is strided
    assert np.array_equal(strided, want)
    wide = np.zeros(600, np.int64)
    philox.words(3, 5, 600, out=wide)
    assert np.array_equal(wide, want)
    with pytest.raises(ValueError):  # a wrong size is refused, never overrun
        philox.words(3, 5, 600, out=np.zeros(601, np.uint32))


def test_words_past_2_64_fall_back():
    # the C code takes 64-bit word indices: later words come from randomgen
    for start, count in [(2**64 - 6, 12), (2**64 + 1, 300), (2**100, 5)]:
        assert np.array_equal(philox.words(9, start, count),
                              philox.reference_words(9, start, count))


def test_small_consecutive_draws_keep_the_randomgen_stream():
    # below NATIVE_WORDS, a draw on a seed with a kept stream stays on randomgen (no
    # ctypes call); a longer one goes native where available
    stream = philox._stream(11)
    philox.words(11, 8, 8)
    assert stream.position == 16
    philox.words(11, 16, philox.NATIVE_WORDS)
    assert stream.position == (16 if HAVE_CC else 16 + philox.NATIVE_WORDS)


def test_buffered_runs(path):
    start = 0
    for count in [3, 100, 4096, 4096, 4096, 17]:
        buf, i = philox.buffered(21, start, count)
        assert np.array_equal(buf.words[i:i + count], philox.reference_words(21, start, count))
        start += count + -count % 4


# runs with irregular starts: short and long gaps, equal spacing, overlaps, c0 wrap
RUNS = [
    [3],
    [0, 40, 80, 120],
    [5, 9, 30, 2000, 2001, 9000, 9001, 9005, 2**34 - 7, 2**34 + 2],
    [10, 10, 12, 20],  # overlapping
    list(range(7, 7 + 50 * 4099, 4099)),  # long equal gaps
]


@pytest.mark.parametrize("starts", RUNS, ids=range(len(RUNS)))
@pytest.mark.parametrize("count", [1, 6, 33])
def test_run_words_match_the_definition(path, starts, count):
    got = philox.run_words(2**32 + 5, starts, count)
    want = np.stack([philox.reference_words(2**32 + 5, s, count) for s in starts])
    assert np.array_equal(got, want)


def test_run_reader_in_turn(path):
    reader = philox.RunReader(2**64 - 1, 1)
    first = reader.read([1, 5, 3000], 9)
    second = reader.read([2**34 - 3, 2**34 + 30], 9)
    again = reader.read([2, 4], 9)  # behind the last read: a restart on randomgen
    for got, starts in [(first, [1, 5, 3000]), (second, [2**34 - 3, 2**34 + 30]),
                        (again, [2, 4])]:
        assert np.array_equal(got, np.stack([philox.reference_words(2**64 - 1, s, 9)
                                             for s in starts]))
    big = reader.read(np.arange(2**35, 2**35 + 3 * 5000, 5000), 5000)  # > 4096 words
    assert np.array_equal(big[2], philox.reference_words(2**64 - 1, 2**35 + 10000, 5000))
    assert reader.read([], 5).shape == (0, 5) and reader.read([7], 0).shape == (1, 0)
    fortran = np.zeros((2, 9), np.uint32, order="F")  # not C-contiguous: randomgen's way
    assert reader.read([2**35, 2**35 + 20000], 9, out=fortran) is fortran
    assert np.array_equal(fortran[1], philox.reference_words(2**64 - 1, 2**35 + 20000, 9))
    wide = reader.read([2**36], 9, out=np.zeros((1, 9), np.int64))  # another dtype
    assert np.array_equal(wide[0], philox.reference_words(2**64 - 1, 2**36, 9))
    with pytest.raises(ValueError, match="ascending"):
        reader.read([9, 3, 20], 2)


def test_unit_float32_runs(path):
    starts = [3, 64, 65, 7000, 2**34 - 1]
    out = np.empty((len(starts), 11), np.float32)
    philox.RunReader(8, 3).read_unit_float32(starts, out)
    for row, s in zip(out, starts):
        w = philox.reference_words(8, s, 11)
        assert np.array_equal(row, (w >> 8).astype(np.float32) * np.float32(2**-24))
    with pytest.raises(ValueError):
        philox.RunReader(8, 3).read_unit_float32([-4], np.empty((1, 2), np.float32))


def test_two_threads_at_once(path):
    # each thread draws long runs at once (ctypes releases the GIL on native)
    results, barrier = {}, threading.Barrier(2)

    def draw(seed):
        barrier.wait()
        results[seed] = [philox.words(seed, 4 * k + 1, 2**16) for k in range(4)] + \
            [philox.run_words(seed, [2, 5000, 2**34 - 5], 3000)]

    threads = [threading.Thread(target=draw, args=(s,)) for s in (2**40 + 1, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (2**40 + 1, 6):
        for k in range(4):
            assert np.array_equal(results[seed][k],
                                  philox.reference_words(seed, 4 * k + 1, 2**16))
        assert np.array_equal(results[seed][4][2],
                              philox.reference_words(seed, 2**34 - 5, 3000))


# ---- the loader ----------------------------------------------------------------------

def _script(folder, name, body):
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_failing_compiler_falls_back(fresh, monkeypatch):
    monkeypatch.setenv("TENSORLITE_CC", "false")
    assert _native.library() is None
    assert _native.library() is None  # tried once
    assert np.array_equal(philox.words(4, 1, 5000), philox.reference_words(4, 1, 5000))
    assert not os.listdir(fresh / "cache" / "tensorlite")  # no temporary files left


def test_no_compiler_falls_back(fresh, monkeypatch):
    for name in ("TENSORLITE_CC", "CC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert _native.library() is None


def test_disabled_by_the_environment(fresh, monkeypatch):
    monkeypatch.setenv("TENSORLITE_NATIVE", "0")
    assert _native.library() is None
    assert np.array_equal(philox.run_words(4, [1, 9000], 700)[1],
                          philox.reference_words(4, 9000, 700))


def test_a_missing_source_falls_back(fresh, monkeypatch):
    monkeypatch.setattr(_native.LIBRARY, "source", str(fresh / "nowhere.c"))
    assert _native.library() is None


def test_an_unloadable_library_falls_back(fresh, monkeypatch):
    junk = fresh / "junk.so"
    junk.write_bytes(b"not a shared library")
    monkeypatch.setattr(native_build, "build", lambda *args: str(junk))
    assert _native.library() is None


@needs_cc
def test_a_library_with_wrong_words_is_not_used(fresh, monkeypatch):
    monkeypatch.setattr(philox, "reference_words", lambda seed, start, count:
                        np.zeros(count, np.uint32))
    assert _native.library() is None


@needs_cc
def test_without_march_native_the_portable_kernel(fresh, monkeypatch):
    # a compiler refusing -march=native: the second flag set builds the portable
    # (non-AVX2) kernel, which must give the same words
    cc = shutil.which("cc") or shutil.which("gcc")
    log = fresh / "calls"
    wrapper = _script(fresh, "cc-wrapper", f'echo "$@" >> {log}\n'
                      f'case "$*" in *-march=native*) exit 1;; esac\nexec {cc} "$@"\n')
    monkeypatch.setenv("TENSORLITE_CC", wrapper)
    lib = _native.library()
    assert lib is not None
    assert len(log.read_text().splitlines()) == 2  # tried with -march=native, then without
    for seed, start, count in [(2**64 - 1, 2**34 - 7, 301), (5, 0, 4097), (5, 3, 1)]:
        out = _native.fill(lib, seed, start, count, np.empty(count, np.uint32))
        assert np.array_equal(out, philox.reference_words(seed, start, count))


@needs_cc
def test_concurrent_builds_share_one_library(fresh):
    # builders racing on an empty cache each rename a whole library into place
    cc = [shutil.which("cc") or shutil.which("gcc")]
    source = _native.LIBRARY.source
    with open(source, "rb") as f:
        text = f.read()
    paths, barrier = [], threading.Barrier(2)

    def build():
        barrier.wait()
        paths.append(native_build.build("philox", cc, source, text, native_build.FLAG_SETS[-1]))

    threads = [threading.Thread(target=build) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert paths[0] == paths[1] and os.path.exists(paths[0])
    assert os.listdir(os.path.dirname(paths[0])) == [os.path.basename(paths[0])]
    cached = native_build.build("philox", cc, source, text, native_build.FLAG_SETS[-1])
    assert cached == paths[0]
    assert _native._setup(ctypes.CDLL(paths[0]))


# ---- float32 Box-Muller helpers (normal_inputs_f32 / normal_values_f32) ---------------------
def _numpy_normal(seed, offset, n, mean, std):
    """distributions.normal on the reference words: the definition both paths must give."""
    from tensorlite.random import distributions as dist

    w = philox.reference_words(seed, offset, n + n % 2)
    return dist.normal(np, w, n, np.float32, mean, std)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (1.5, 0.25)])
def test_normal_float32_fills_and_blocks(path, mean, std):
    # a long fill in odd-sized chunks (pieces of odd start and end), and column blocks
    # of an odd-width array (rows alternate parity), equal distributions.normal's values
    from tensorlite._backends import _cpu_random as cpu

    seed, offset, shape = 2**64 - 5, 2**34 - 36, (41, 333)
    want = _numpy_normal(seed, offset, 41 * 333, mean, std).reshape(shape)
    got = cpu.fill("normal", shape, np.float32, seed, offset, chunk=1001, mean=mean, std=std)
    assert got.tobytes() == want.tobytes()
    for box, chunk in [(((3, 40), (5, 222)), 2**16), (((0, 41), (6, 307)), 700),
                       (((2, 9), (0, 333)), 99), (((7, 8), (11, 12)), 2**16)]:
        block = cpu.fill_block("normal", shape, box, np.float32, seed, offset, chunk=chunk,
                               mean=mean, std=std)
        assert block.tobytes() == want[tuple(slice(a, b) for a, b in box)].tobytes()
    # negative control: the next pair's words give other values
    other = cpu.fill("normal", shape, np.float32, seed, offset + 4, chunk=1001)
    assert other.tobytes() != want.tobytes()


@needs_cc
def test_normal_values_edges_match_numpy():
    # u1 = 1 (ln u1 = 0: r = sqrt(-0.0) = -0.0), the smallest u1 (largest r), and the
    # scale-and-shift in float32 without FMA, against NumPy's ufuncs on the same inputs
    lib = _native.library()
    pairs = 40
    rng = np.random.default_rng(3)
    log_u1 = np.log(((rng.integers(0, 2**24, pairs) + 1) * 2.0**-24).astype(np.float32))
    log_u1[:3] = [0.0, np.log(np.float32(2**-24)), -0.0]
    theta = (rng.integers(0, 2**24, pairs).astype(np.float32)
             * (np.float32(2 * np.pi) * np.float32(2**-24)))
    cos, sin = np.cos(theta), np.sin(theta)
    for mean, std in [(0.0, 1.0), (0.1, 3.3)]:
        r = np.sqrt(log_u1 * np.float32(-2.0))
        want = np.empty(2 * pairs, np.float32)
        want[0::2], want[1::2] = cos * r, sin * r
        if (mean, std) != (0.0, 1.0):
            want = want * np.float32(std) + np.float32(mean)
        got = np.empty((1, 2 * pairs), np.float32)
        lib.normal_values_f32(np.array([0], np.uint64).ctypes.data, 1, 2 * pairs,
                              log_u1.ctypes.data, cos.ctypes.data, sin.ctypes.data,
                              int((mean, std) != (0.0, 1.0)), mean, std, got.ctypes.data)
        assert got.tobytes() == want.tobytes()
