"""multinomial's C library (tensorlite/random/_multinomial.c) and its NumPy fallback.

Both ways (the ``multinomial_path`` fixture of conftest.py) must give DESIGN §4.3's
values exactly: public calls are compared with the plain Python-integer references of
test_random_fast_paths.py at many shapes (1, 2 and 1000 categories; 1 and 64 rows;
1, 5 and all draws; zero, -0.0, tiny and subnormal weights), with the generator offset
each call leaves; the library's functions are compared with the NumPy code they
replace on random inputs; and bad weights are rejected before any word is drawn.
"""


import numpy as np
import pytest
from test_random_fast_paths import (_advance, _gen, reference_with_replacement,
                                    reference_without_replacement)

import tensorlite as tl
from tensorlite._backends import _common, _cpu_random
from tensorlite.random import _multinomial_native as native
from tensorlite.random import distributions, philox

from native_paths import HAVE_CC



@pytest.mark.skipif(not HAVE_CC, reason="no C compiler (cc/gcc) on the PATH")
def test_the_library_is_built_and_passes_its_check_where_there_is_a_compiler():
    lib = native.library()
    assert lib is not None and native.library() is lib
    assert native._setup(lib)


def _weights(rows, categories, seed, dtype=np.float32):
    """Random weights with zeros, a -0.0 and a weight far below the row maximum."""
    p = np.random.default_rng(seed).random((rows, categories))
    if categories > 2:
        p[:, 1::4] = 0
        p[0, 2] = -0.0
        p[-1, 0] = 2.0**-70  # quantizes to 0 with replacement: never drawn
    return p.astype(dtype)


SHAPES = [(1, 1), (1, 2), (64, 2), (1, 1000), (64, 1000)]


# without replacement, at most as many draws as categories (more is an error:
# tests/test_random_fast_paths.py)
CALLS = [(rows, categories, draws, replacement) for rows, categories in SHAPES
         for draws in (1, 5, "all") for replacement in (True, False)
         if replacement or draws == "all" or draws <= categories]


@pytest.mark.parametrize("rows,categories,draws,replacement", CALLS)
def test_public_calls_are_the_definition(multinomial_path, rows, categories, draws,
                                         replacement):
    n = categories if draws == "all" else draws
    p = _weights(rows, categories, seed=rows + categories + n)
    g = _gen(21, 8)
    got = tl.multinomial(tl.tensor(p), n, replacement, generator=g).numpy()
    used = 2 * rows * (n if replacement else categories)
    reference = reference_with_replacement if replacement else reference_without_replacement
    np.testing.assert_array_equal(got, reference(p, n, philox.words(21, 8, used)))
    assert g.get_offset() == 8 + _advance(used)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("replacement", [True, False])
def test_one_dimensional_weights_and_dtypes(multinomial_path, dtype, replacement):
    p = _weights(1, 300, seed=3, dtype=dtype)[0]
    g = _gen(4, 0)
    got = tl.multinomial(tl.tensor(p), 7, replacement, generator=g).numpy()
    used = 2 * 7 if replacement else 2 * 300
    reference = reference_with_replacement if replacement else reference_without_replacement
    assert got.shape == (7,)
    np.testing.assert_array_equal(got, reference(p[None], 7, philox.words(4, 0, used))[0])
    assert g.get_offset() == _advance(used)


def test_rows_with_fewer_positive_weights_than_draws(multinomial_path):
    # without replacement every zero weight then ties on +inf: the C code hands such a
    # row to NumPy; the others stay on the fast path
    p = _weights(4, 200, seed=9)
    p[1] = 0
    p[1, [3, 150]] = 0.5
    p[2, 5:] = 0
    got = tl.multinomial(tl.tensor(p), 6, False, generator=_gen(2)).numpy()
    expected = reference_without_replacement(p, 6, philox.words(2, 0, 2 * 4 * 200))
    np.testing.assert_array_equal(got, expected)
    assert got[1, :2].tolist() == [3, 150] and got[1, 2:].tolist() == [0, 1, 2, 4]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("replacement", [True, False])
def test_tiny_and_subnormal_rows(multinomial_path, dtype, replacement):
    # float64 rows near 2**-1060 (2**shift is no double: ldexp), subnormal rows, and keys
    # that overflow to +inf without replacement
    tiny = np.finfo(dtype).smallest_subnormal
    p = _weights(3, 180, seed=5, dtype=np.float64)
    p[0] *= 2.0**-1060 if dtype == np.float64 else 2.0**-140
    p[1, :] = tiny * np.arange(180) % 7
    p[2, ::5] = tiny
    p = p.astype(dtype)
    g = _gen(6, 4)
    with np.errstate(all="ignore"):
        got = tl.multinomial(tl.tensor(p), 9, replacement, generator=g).numpy()
    used = 2 * 3 * (9 if replacement else 180)
    reference = reference_with_replacement if replacement else reference_without_replacement
    with np.errstate(all="ignore"):
        expected = reference(p, 9, philox.words(6, 4, used))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("seed", range(12))
def test_the_library_computes_the_numpy_values(seed):
    lib = native.library()
    if lib is None:
        pytest.skip("no native multinomial library")
    rng = np.random.default_rng(seed)
    rows, categories = int(rng.integers(1, 9)), int(rng.integers(1, 700))
    dtype = (np.float32, np.float64)[seed % 2]
    p = rng.random((rows, categories)) ** rng.integers(1, 30)  # from flat to very skewed
    p[rng.random(p.shape) < 0.2] = 0
    p[np.arange(rows), rng.integers(0, categories, rows)] = 1.0  # a positive weight a row
    p = p.astype(dtype)
    for n, replacement in ((int(rng.integers(1, 3000)), True),
                           (max(1, categories // 9), False)):
        w = philox.words(seed, 0, 2 * rows * (n if replacement else categories))
        out = np.full((rows, n + 3), -1, np.int64)[:, 1:n + 1]  # strided rows
        call = native.with_replacement if replacement else native.without_replacement
        with np.errstate(all="ignore"):
            call(lib, p, n, w, out=out)
            expected = distributions.multinomial(np, w.copy(), p, n, replacement)
        np.testing.assert_array_equal(out, expected)


def test_samples_split_across_tasks_and_threads(multinomial_path):
    # a small chunk splits one row's samples into tasks (strided pieces of the output)
    # and the without-replacement rows into several tasks on the thread pool
    p = _weights(3, 90, seed=1)
    for replacement, n in ((True, 40), (False, 5)):
        got = _cpu_random.fill("multinomial", (3, n), np.int64, 7, 16, chunk=64, probs=p,
                               num_samples=n, replacement=replacement)
        used = 2 * 3 * (n if replacement else 90)
        reference = reference_with_replacement if replacement else reference_without_replacement
        np.testing.assert_array_equal(got, reference(p, n, philox.words(7, 16, used)))


def test_the_direct_path_keeps_the_stream_in_step(multinomial_path):
    # small calls take their words from the thread's run of words: the calls after them
    # see the words they would see after the general path
    p = tl.tensor(_weights(4, 50, seed=2))
    g = _gen(30, 0)
    a = tl.multinomial(p, 3, True, generator=g).numpy()
    b = tl.multinomial(p[1], 1, True, generator=g).numpy()
    c = tl.rand(5, generator=g).numpy()
    w = philox.words(30, 0, 24 + 4 + 5)
    np.testing.assert_array_equal(a, reference_with_replacement(p.numpy(), 3, w[:24]))
    np.testing.assert_array_equal(b, reference_with_replacement(p.numpy()[1:2], 1, w[24:26])[0])
    np.testing.assert_array_equal(c, distributions.uniform(np, w[28:33], np.float32))
    assert g.get_offset() == 36


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows,categories,chunk", [(64, 1000, _cpu_random.CHUNK),
                                                   (37, 50, 64)])  # one pass; threaded
def test_the_check_names_numpys_problem(multinomial_path, dtype, rows, categories, chunk):
    for bad in (-np.inf, -1e-30, np.inf, np.nan, -np.nan, "zero row", None):
        for where in (0, rows - 1):
            p = np.full((rows, categories), 0.5, dtype)
            p[where // 2, 3] = -0.0  # allowed
            if bad == "zero row":
                p[where] = 0
            elif bad is not None:
                p[where, categories - 1] = bad
            expected = _common.check_weights(np, p).problem
            got = _cpu_random.multinomial_weights(p, True, chunk=chunk).problem
            assert got == expected == {None: None, "zero row": "sum"}.get(bad, "values")


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
@pytest.mark.parametrize("replacement", [True, False])
def test_bad_weights_leave_the_generator_alone(multinomial_path, dtype, replacement):
    for rows, categories in ((64, 1000), (2, 3), (4, 70_000)):  # direct, small, threaded
        p = np.full((rows, categories), 0.5)
        p[rows - 1, categories - 1] = np.nan
        g = _gen(7, 12)
        with pytest.raises(RuntimeError, match="either `inf`"):
            tl.multinomial(tl.tensor(p, dtype=dtype), 2, replacement, generator=g)
        p[rows - 1] = 0
        with pytest.raises(RuntimeError, match="sum of probabilities"):
            tl.multinomial(tl.tensor(p, dtype=dtype), 2, replacement, generator=g)
        assert g.get_offset() == 12


def test_a_library_that_computes_other_values_fails_its_check():
    # negative control for the loader's self-check: a "library" whose sampling writes
    # nothing is refused (the NumPy path is used instead)
    class Fake:
        pass

    lib = Fake()
    for name in ("mn_with_replacement", "mn_candidates", "mn_take", "mn_check"):
        def function(*args):
            return 0
        setattr(lib, name, function)
    assert native._setup(lib) is False


def test_an_output_with_strided_columns():
    lib = native.library()
    if lib is None:
        pytest.skip("no native multinomial library")
    p = _weights(3, 40, seed=8)
    w = philox.words(1, 0, 2 * 3 * 4)
    out = np.zeros((3, 8), np.int64)
    native.with_replacement(lib, p, 4, w, out=out[:, ::2])
    np.testing.assert_array_equal(out[:, ::2], reference_with_replacement(p, 4, w))
    assert not out[:, 1::2].any()  # the columns between are untouched
    w = philox.words(1, 0, 2 * 3 * 40)
    native.without_replacement(lib, p, 4, w, out=out[:, 1::2])
    np.testing.assert_array_equal(out[:, 1::2], reference_without_replacement(p, 4, w))
