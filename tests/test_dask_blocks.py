"""The block fills behind tensorlite.dask (DESIGN §11): any block of a C-ordered random
array, computed from its own words only, equals that block of the whole array.

``_cpu_random.fill_block`` takes one of several paths by the block's layout (one run
of whole rows; wide runs filled one by one; narrow runs grouped, Box–Muller runs
widened to whole pairs by their parity; runs far apart drawn one by one): small
``chunk`` values and chosen shapes reach every path on small arrays.
"""

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _common
from tensorlite._backends import _cpu_random as cpu
from tensorlite.random import philox

KINDS = [
    ("normal", {"mean": 1.5, "std": 0.25}),
    ("uniform", {"low": -2.0, "high": 3.0}),
    ("exponential", {"lambd": 2.0}),
    ("randint", {"low": -5, "high": 1000}),
]

# (shape, box): whole rows at an odd start; runs of even length at even starts (the
# Box–Muller values go straight into the block); even width with odd start or length
# (widened on one side); odd width (rows alternate parity); 3-D; runs more than a
# thousand words apart (each drawn alone).
BOXES = [
    ((9, 13), ((3, 8), (0, 13))),
    ((6, 8), ((1, 5), (2, 6))),
    ((6, 8), ((0, 6), (3, 8))),
    ((6, 8), ((0, 6), (2, 5))),
    ((9, 13), ((1, 9), (4, 11))),
    ((3, 5, 7), ((0, 3), (1, 4), (1, 6))),
    ((3, 1100), ((0, 3), (2, 41))),
]


@pytest.mark.parametrize("chunk", [2, 6, 2**18], ids=lambda c: f"chunk{c}")
@pytest.mark.parametrize("shape, box", BOXES, ids=[str(b) for _, b in BOXES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind, params", KINDS, ids=[f"{k}{p}" for k, p in KINDS])
def test_block_equals_the_block_of_the_whole_fill(kind, params, dtype, shape, box, chunk):
    if kind == "randint":
        dtype = {np.float32: np.int32, np.float64: np.int64}[dtype]
    whole = cpu.fill(kind, shape, dtype, 7, 12, **params)
    block = cpu.fill_block(kind, shape, box, dtype, 7, 12, chunk=chunk, **params)
    want = whole[tuple(slice(a, b) for a, b in box)]
    assert block.dtype == want.dtype and block.shape == want.shape
    assert block.tobytes() == want.tobytes()


def test_block_of_another_offset_differs():
    """Negative control: the comparison above can fail."""
    shape, box = (6, 8), ((1, 5), (2, 6))
    whole = cpu.fill("normal", shape, np.float32, 7, 12)
    block = cpu.fill_block("normal", shape, box, np.float32, 7, 16, chunk=6)
    assert block.tobytes() != whole[1:5, 2:6].tobytes()


@pytest.mark.parametrize("p_shape", [(), (6, 8)], ids=["scalar-p", "p-per-element"])
def test_bernoulli_block(p_shape):
    shape, box = (6, 8), ((1, 5), (3, 8))
    p = np.random.default_rng(0).random(p_shape) if p_shape else 0.3
    whole = cpu.fill("bernoulli", shape, np.float32, 7, 12, p=p)
    p_block = p if not p_shape else p[1:5, 3:8]
    for chunk in (2, 2**18):
        block = cpu.fill_block("bernoulli", shape, box, np.float32, 7, 12, chunk=chunk,
                               p=p_block)
        assert block.tobytes() == whole[1:5, 3:8].tobytes()


def test_block_runs_of_a_column_block():
    starts, length = _common.block_runs((3, 1100), ((0, 3), (2, 41)))
    assert length == 39 and starts.tolist() == [2, 1102, 2202]  # gaps of 1061 words


@pytest.mark.parametrize("chunks", [((3,), (40, 1061)), ((1, 2), (3, 1098)), ((2, 1), (1101,))],
                         ids=["far-apart-runs", "narrow-and-wide", "rows"])
@pytest.mark.parametrize("fn", ["randn", "rand"])
def test_wide_arrays_through_tl_dask(fn, chunks):
    """Rows of 1101 elements: column blocks whose rows are drawn one by one."""
    dask = pytest.importorskip("dask", reason="tensorlite.dask needs `pip install "
                                              "'tensorlite[dask]'`")
    g_lazy = tl.Generator().manual_seed(5).set_offset(4)
    g_eager = tl.Generator().manual_seed(5).set_offset(4)
    lazy = getattr(tl.dask, fn)(3, 1101, chunks=chunks, generator=g_lazy)
    with dask.config.set(scheduler="threads"):
        got = lazy.compute()
    assert got.tobytes() == getattr(tl, fn)(3, 1101, generator=g_eager).numpy().tobytes()


# ---- one reader per block, every dtype, the float32 rand path (issue 15) --------------------
FLOATS = [np.float16, ml_dtypes.bfloat16, np.float32, np.float64]

# Column blocks that make the grouped Box–Muller path take each of its cases: even
# width, runs even (straight into the block); odd width, even length (rows alternate
# parity: widened by two); odd width, odd length (widened by one, lead alternating);
# irregular (3-D, rows of 1 element); runs that overlap the previous group's
# (width 3: the reader restarts); runs far apart (jumped over).
COLUMN_BOXES = [
    ((6, 10), ((1, 6), (2, 8))),
    ((7, 11), ((0, 7), (3, 7))),
    ((7, 11), ((1, 6), (2, 9))),
    ((4, 3, 5), ((1, 4), (0, 3), (2, 3))),
    ((9, 3), ((0, 9), (0, 2))),
    ((4, 2101), ((0, 4), (7, 1040))),
]


@pytest.mark.parametrize("chunk", [1, 7, 2**16], ids=lambda c: f"chunk{c}")
@pytest.mark.parametrize("shape, box", COLUMN_BOXES, ids=[str(b) for _, b in COLUMN_BOXES])
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("kind, params", [("normal", {}), ("normal", {"mean": -1.0, "std": 3.0}),
                                          ("uniform", {"low": 0.0, "high": 1.0})],
                         ids=["randn", "normal", "rand"])
def test_column_block_every_float_dtype(kind, params, dtype, shape, box, chunk):
    whole = cpu.fill(kind, shape, dtype, 3, 20, **params)
    block = cpu.fill_block(kind, shape, box, dtype, 3, 20, chunk=chunk, **params)
    want = whole[tuple(slice(a, b) for a, b in box)]
    assert block.dtype == want.dtype and block.tobytes() == want.tobytes()


@pytest.mark.parametrize("shape, box", [((5, 9), ((1, 4), (0, 9))), ((5, 9), ((0, 5), (3, 8))),
                                        ((1, 1), ((0, 1), (0, 1)))],
                         ids=["rows", "columns", "one-element"])
@pytest.mark.parametrize("offset", [0, 5, 2**32 * 4 - 3])
def test_float32_rand_path_equals_words_then_uniform(shape, box, offset):
    """float32 rand blocks come from Generator.random(float32): bit for bit the
    uniforms that words plus ``distributions.uniform`` give, at any word offset
    (mid-block, across the 32-bit counter word)."""
    whole = cpu.fill("uniform", shape, np.float32, 11, offset, low=0.0, high=1.0)
    block = cpu.fill_block("uniform", shape, box, np.float32, 11, offset, low=0.0, high=1.0)
    assert block.tobytes() == whole[tuple(slice(a, b) for a, b in box)].tobytes()


def test_float32_rand_path_is_not_the_float64_recipe():
    """Negative control: NumPy's float64 uniforms pair the words the other way round,
    so only float32 may take that path; float64 blocks still match the whole fill."""
    from randomgen import Philox

    g = np.random.Generator(Philox(number=4, width=32, key=11, counter=2**128 - 1))
    numpy_way = g.random(4, dtype=np.float64)
    ours = cpu.fill("uniform", (4,), np.float64, 11, 0)
    assert numpy_way.tobytes() != ours.tobytes()
    block = cpu.fill_block("uniform", (3, 5), ((0, 3), (1, 4)), np.float64, 11, 0,
                           low=0.0, high=1.0)
    assert block.tobytes() == cpu.fill("uniform", (3, 5), np.float64, 11, 0)[:, 1:4].tobytes()


@pytest.mark.parametrize("kind, params, dtype", [
    ("randint", {"low": 0, "high": 3 * 2**30}, np.int64),   # two words per element
    ("randint", {"low": -3, "high": 4}, np.int8),
    ("bernoulli", {"p": 0.25}, np.float16),
    ("exponential", {"lambd": 0.5}, ml_dtypes.bfloat16),
    ("uniform", {"low": -1.0, "high": 2.0}, np.float32),
])
@pytest.mark.parametrize("shape, box", COLUMN_BOXES[:3] + COLUMN_BOXES[4:],
                         ids=[str(b) for _, b in COLUMN_BOXES[:3] + COLUMN_BOXES[4:]])
def test_column_block_other_kinds(kind, params, dtype, shape, box):
    whole = cpu.fill(kind, shape, dtype, 9, 4, **params)
    for chunk in (3, 2**16):
        block = cpu.fill_block(kind, shape, box, dtype, 9, 4, chunk=chunk, **params)
        assert block.tobytes() == whole[tuple(slice(a, b) for a, b in box)].tobytes()


def test_run_reader_reads_in_turn_and_restarts_for_overlaps():
    reader = philox.RunReader(5, 2)
    first = reader.read([2, 9], 6)
    later = reader.read([40, 3000], 6)          # forward: drawn through, then jumped
    again = reader.read([10], 6)                # overlaps what was read: restarts
    for row, s in zip(np.vstack([first, later, again]), [2, 9, 40, 3000, 10]):
        np.testing.assert_array_equal(row, philox.reference_words(5, s, 6))
    u = reader.read_unit_float32([3001, 7000], np.empty((2, 5), np.float32))
    for row, s in zip(u, [3001, 7000]):
        k = (philox.reference_words(5, s, 5) >> 8).astype(np.float32)
        np.testing.assert_array_equal(row, k * np.float32(2**-24))


def test_a_block_runs_on_the_calling_thread(monkeypatch):
    """fill_block never hands work to the pool (Dask runs blocks in parallel); fill()
    alone still does."""
    used = []
    monkeypatch.setattr(cpu, "_THREADS", 2)
    real = cpu._common.thread_pool
    monkeypatch.setattr(cpu._common, "thread_pool", lambda: used.append(1) or real())
    cpu.fill_block("normal", (4, 2**15), ((0, 4), (0, 2**15)), np.float32, 1, 0, chunk=2**10)
    cpu.fill_block("randint", (64, 512), ((0, 64), (1, 500)), np.int64, 1, 0, chunk=2**10,
                   low=0, high=9)
    assert used == []
    cpu.fill("normal", (2**15,), np.float32, 1, 0, chunk=2**10)
    assert used  # negative control: the check sees the pool
