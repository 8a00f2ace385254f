"""The block fills behind tensorlite.dask (DESIGN §11): any block of a C-ordered random
array, computed from its own words only, equals that block of the whole array.

``_cpu_random.fill_block`` takes one of several paths by the block's layout (one run
of whole rows; wide runs filled one by one; narrow runs grouped, Box–Muller runs
widened to whole pairs by their parity; runs far apart drawn one by one): small
``chunk`` values and chosen shapes reach every path on small arrays.
"""

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._backends import _common
from tensorlite._backends import _cpu_random as cpu

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
