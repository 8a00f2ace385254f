"""tensorlite.dask: every function equals its eager call bit for bit, for any chunking,
scheduler and cluster (DESIGN §11); the generator advances exactly as eagerly."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorlite as tl

da = pytest.importorskip("dask.array", reason="tensorlite.dask needs `pip install "
                                              "'tensorlite[dask]'`")
import dask  # noqa: E402

FLOATS = [tl.float16, tl.bfloat16, tl.float32, tl.float64]
ALL = [tl.bool, tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64] + FLOATS

# (shape, chunks): 1-D irregular, 2-D row, column and irregular blocks, 3-D; sizes that
# are not multiples of 4 (odd row lengths make Box–Muller pairs straddle rows).
CHUNKINGS = [
    ((37,), ((5, 11, 21),)),
    ((9, 13), ((4, 5), (13,))),
    ((9, 13), ((9,), (3, 6, 4))),
    ((9, 13), ((2, 6, 1), (5, 1, 7))),
    ((3, 5, 7), ((1, 2), (5,), (3, 4))),
]
IDS = ["1d-irregular", "2d-rows", "2d-columns", "2d-irregular", "3d"]


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="sync"):
        yield


def _gen(seed=11, offset=40):
    return tl.Generator().manual_seed(seed).set_offset(offset)


def _same(lazy, eager, device):
    """Bit-identical values, dtype and shape; the blocks are on ``device``."""
    got = lazy.compute()
    assert type(got) is type(lazy._meta)
    if device != "cpu":
        got = got.get()
    want = eager.cpu().numpy()
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def _check(fn, args, kwargs, device, chunks, shape_from_args=True):
    """``tl.dask.fn`` equals eager ``fn`` and leaves the generator where eager leaves it."""
    g_lazy, g_eager = _gen(), _gen()
    lazy = getattr(tl.dask, fn)(*args, chunks=chunks, generator=g_lazy, device=device, **kwargs)
    eager = getattr(tl, fn)(*args, generator=g_eager, device=device, **kwargs)
    assert lazy.chunks == chunks
    assert g_lazy.offset == g_eager.offset  # reserved at call time, before computing
    _same(lazy, eager, device)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_randn(device, fn, dtype, shape, chunks):
    _check(fn, shape, {"dtype": dtype}, device, chunks)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_randint(device, dtype, shape, chunks):
    high = 2 if dtype is tl.bool else 100
    _check("randint", (-3 if dtype.is_signed else 0, high, shape), {"dtype": dtype}, device,
           chunks)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS[1:4], ids=IDS[1:4])
def test_randint_two_word_range(device, shape, chunks):
    _check("randint", (0, 3 * 2**30, shape), {}, device, chunks)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_normal(device, dtype, shape, chunks):
    _check("normal", (2.0, 0.5), {"size": shape, "dtype": dtype}, device, chunks)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("fn, args", [("uniform", (-2.0, 3.0)), ("exponential", (1.5,))])
def test_uniform_exponential(device, fn, args, dtype, shape, chunks):
    g_lazy, g_eager = _gen(), _gen()
    lazy = getattr(tl.dask, fn)(*args, size=shape, chunks=chunks, generator=g_lazy,
                                dtype=dtype, device=device)
    eager = getattr(tl.empty(shape, dtype=dtype, device=device), fn + "_")(*args,
                                                                          generator=g_eager)
    assert g_lazy.offset == g_eager.offset
    _same(lazy, eager, device)


def _dask_input(values, chunks, device):
    x = da.from_array(values, chunks=chunks)
    if device != "cpu":
        import cupy

        x = x.map_blocks(cupy.asarray)
    return x


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_bernoulli_scalar_p(device, dtype, shape, chunks):
    x = _dask_input(np.zeros(shape, tl.empty(0, dtype=dtype).numpy().dtype), chunks, device)
    g_lazy, g_eager = _gen(), _gen()
    lazy = tl.dask.bernoulli(x, 0.3, generator=g_lazy)
    eager = tl.bernoulli(tl.zeros(shape, dtype=dtype, device=device), 0.3, generator=g_eager)
    assert lazy.chunks == chunks and g_lazy.offset == g_eager.offset
    _same(lazy, eager, device)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_bernoulli_dask_probabilities(device, dtype, shape, chunks):
    p = tl.rand(shape, dtype=dtype, generator=_gen(3))
    g_lazy, g_eager = _gen(), _gen()
    lazy = tl.dask.bernoulli(_dask_input(p.numpy(), chunks, device), generator=g_lazy)
    eager = tl.bernoulli(p.to(device), generator=g_eager)
    assert lazy.chunks == chunks and g_lazy.offset == g_eager.offset
    _same(lazy, eager, device)


@pytest.mark.parametrize("replacement", [True, False])
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("rows, row_chunks, col_chunks", [(7, (3, 4), (6,)), (9, (2, 1, 6), (2, 4)),
                                                          (None, None, (3, 3))])
def test_multinomial(device, dtype, replacement, rows, row_chunks, col_chunks):
    shape = (6,) if rows is None else (rows, 6)
    w = tl.rand(shape, dtype=dtype, generator=_gen(5))
    w[..., 2] = 0  # a zero weight: never drawn, and last without replacement
    chunks = (col_chunks,) if rows is None else (row_chunks, col_chunks)
    g_lazy, g_eager = _gen(), _gen()
    lazy = tl.dask.multinomial(_dask_input(w.numpy(), chunks, device), 4, replacement,
                               generator=g_lazy)
    eager = tl.multinomial(w.to(device), 4, replacement, generator=g_eager)
    assert g_lazy.offset == g_eager.offset
    if rows is not None:
        assert lazy.chunks == (row_chunks, (4,))  # keeps the row chunks
    _same(lazy, eager, device)


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=IDS)
@pytest.mark.parametrize("dtype", ALL, ids=str)
def test_constant_fills(device, dtype, shape, chunks):
    for fn, args in (("zeros", shape), ("ones", shape), ("full", (shape, 7))):
        lazy = getattr(tl.dask, fn)(*args, chunks=chunks, dtype=dtype, device=device)
        _same(lazy, getattr(tl, fn)(*args, dtype=dtype, device=device), device)
    lazy = tl.dask.empty(*shape, chunks=chunks, dtype=dtype, device=device)
    assert lazy.compute().shape == shape and lazy.dtype == tl.empty(0, dtype=dtype).numpy().dtype


def test_full_infers_dtype_like_eager(device):
    for value in (True, 3, 2.5):
        lazy = tl.dask.full((5,), value, chunks=2, device=device)
        _same(lazy, tl.full((5,), value, device=device), device)


@pytest.mark.parametrize("dtype", [None, tl.int32, tl.int64] + FLOATS, ids=str)
@pytest.mark.parametrize("args", [(37,), (1.5, 40.0, 0.7), (10, -31, -3)], ids=str)
def test_arange(device, args, dtype):
    if dtype is not None and not dtype.is_floating_point and isinstance(args[-1], float):
        args = (1, 40, 3)
    lazy = tl.dask.arange(*args, chunks=(5,), dtype=dtype, device=device)
    _same(lazy, tl.arange(*args, dtype=dtype, device=device), device)


@pytest.mark.parametrize("dtype", [tl.int64, tl.complex64] + FLOATS, ids=str)
@pytest.mark.parametrize("steps, chunks", [(37, ((5, 11, 21),)), (1, ((1,),)), (0, ((0,),))])
def test_linspace(device, dtype, steps, chunks):
    lazy = tl.dask.linspace(-3.7, 11.2, steps, chunks=chunks, dtype=dtype, device=device)
    _same(lazy, tl.linspace(-3.7, 11.2, steps, dtype=dtype, device=device), device)


@pytest.mark.parametrize("dtype", ALL, ids=str)
@pytest.mark.parametrize("n, m, chunks", [(9, 13, ((2, 6, 1), (5, 1, 7))), (5, None, 2)])
def test_eye(device, dtype, n, m, chunks):
    lazy = tl.dask.eye(n, m, chunks=chunks, dtype=dtype, device=device)
    _same(lazy, tl.eye(n, m, dtype=dtype, device=device), device)


def test_every_chunking_gives_the_same_array():
    arrays = [tl.dask.randn(30, 17, chunks=c, generator=_gen()).compute()
              for c in ((30, 17), (1, 17), (30, 1), (7, 5), ((29, 1), (16, 1)), "auto")]
    for a in arrays[1:]:
        assert a.tobytes() == arrays[0].tobytes()
    # negative control: another seed is another array
    other = tl.dask.randn(30, 17, chunks=(7, 5), generator=_gen(seed=12)).compute()
    assert other.tobytes() != arrays[0].tobytes()


def test_calls_interleave_with_eager_calls_in_one_stream():
    g_mixed, g_eager = _gen(), _gen()
    first = tl.dask.rand(5, 3, chunks=(2, 2), generator=g_mixed)
    second = tl.randn(7, generator=g_mixed)
    third = tl.dask.randint(0, 9, (6,), chunks=4, generator=g_mixed)
    fourth = tl.rand(3, generator=g_mixed)
    want = [tl.rand(5, 3, generator=g_eager), tl.randn(7, generator=g_eager),
            tl.randint(0, 9, (6,), generator=g_eager), tl.rand(3, generator=g_eager)]
    assert g_mixed.offset == g_eager.offset
    assert first.compute().tobytes() == want[0].numpy().tobytes()
    assert second.numpy().tobytes() == want[1].numpy().tobytes()
    assert third.compute().tobytes() == want[2].numpy().tobytes()
    assert fourth.numpy().tobytes() == want[3].numpy().tobytes()


def test_default_generator_is_the_devices():
    tl.manual_seed(3)
    lazy = tl.dask.rand(10, chunks=3)
    after_lazy = tl.random.default_generator.offset
    tl.manual_seed(3)
    eager = tl.rand(10)
    assert after_lazy == tl.random.default_generator.offset
    assert lazy.compute().tobytes() == eager.numpy().tobytes()


def test_tasks_are_pure_and_keys_deterministic():
    a = tl.dask.randn(20, 9, chunks=(6, 4), generator=_gen())
    b = tl.dask.randn(20, 9, chunks=(6, 4), generator=_gen())
    assert a.name == b.name  # same call, same state: same keys
    assert a.compute().tobytes() == a.compute().tobytes()
    assert tl.dask.randn(20, 9, chunks=(6, 4), generator=_gen(offset=44)).name != a.name


def test_graph_holds_no_arrays_and_pickles_small():
    x = tl.dask.randn(1000, 1000, chunks=(10, 100), generator=_gen())
    graph = dict(x.__dask_graph__())
    assert len(graph) == 1000
    sizes = [len(pickle.dumps(task)) for task in list(graph.values())[:50]]
    assert max(sizes) < 400, sizes
    for task in list(graph.values())[:50]:
        assert not any(isinstance(v, np.ndarray) for v in pickle.loads(pickle.dumps(task)).args) \
            if hasattr(task, "args") else True


@pytest.mark.parametrize("scheduler", ["threads", "processes"])
def test_schedulers_agree(scheduler):
    x = tl.dask.randn(64, 45, chunks=(10, 7), generator=_gen())
    y = tl.dask.multinomial(da.from_array(np.arange(1.0, 13.0).reshape(4, 3), chunks=(1, 3)), 5,
                            True, generator=_gen(2))
    want_x = tl.randn(64, 45, generator=_gen()).numpy()
    want_y = tl.multinomial(tl.arange(1.0, 13.0, dtype=tl.float64).reshape(4, 3), 5, True,
                            generator=_gen(2)).numpy()
    with dask.config.set(scheduler=scheduler, num_workers=2):
        got_x, got_y = dask.compute(x, y)
    assert got_x.tobytes() == want_x.tobytes() and got_y.tobytes() == want_y.tobytes()


@pytest.mark.slow
def test_local_cluster_agrees():
    distributed = pytest.importorskip("distributed")
    x = tl.dask.rand(40, 33, chunks=(9, 8), generator=_gen())
    want = tl.rand(40, 33, generator=_gen()).numpy()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = client.compute(x).result()
    assert got.tobytes() == want.tobytes()


# ---- bad input: raised at call time, before any word is reserved ----------------------------
BAD = [
    (lambda g: tl.dask.rand(3, -1, generator=g), RuntimeError, "negative dimension"),
    (lambda g: tl.dask.rand(3, dtype=tl.int32, generator=g), RuntimeError, "not implemented for 'Int'"),
    (lambda g: tl.dask.randn(4, chunks=0, generator=g), ValueError, "chunks"),
    (lambda g: tl.dask.randn(4, 4, chunks=((2, 2), (2, 0, 2)), generator=g), ValueError,
     "chunks"),
    (lambda g: tl.dask.randn(4, 4, chunks=(2,), generator=g), ValueError, "dimensions"),
    (lambda g: tl.dask.randn(4, chunks=((1, 2),), generator=g), ValueError, None),
    (lambda g: tl.dask.randint(5, 5, (3,), generator=g), RuntimeError, "from=5 >= to=5"),
    (lambda g: tl.dask.randint(0, 300, (3,), dtype=tl.uint8, generator=g), RuntimeError,
     "out of bounds"),
    (lambda g: tl.dask.normal(0.0, -1.0, size=(3,), generator=g), RuntimeError, "std >= 0.0"),
    (lambda g: tl.dask.uniform(2.0, 1.0, size=(3,), generator=g), RuntimeError, "from=2.0"),
    (lambda g: tl.dask.exponential(0.0, size=(3,), generator=g), RuntimeError, "lambda > 0.0"),
    (lambda g: tl.dask.bernoulli(da.zeros(3, chunks=2), 1.5, generator=g), RuntimeError,
     "p=1.5"),
    (lambda g: tl.dask.bernoulli(np.zeros(3), 0.5, generator=g), TypeError, "dask.array"),
    (lambda g: tl.dask.multinomial(da.ones((2, 3), chunks=1), 4, generator=g), RuntimeError,
     "without replacement"),
    (lambda g: tl.dask.multinomial(da.ones((2, 3), dtype=int, chunks=1), 2, generator=g),
     RuntimeError, "floating-point"),
    (lambda g: tl.dask.rand(3, device="meta", generator=g), RuntimeError, "'cpu' or 'cuda'"),
    (lambda g: tl.dask.rand(3, device="tpu", generator=g), RuntimeError, None),
    (lambda g: tl.dask.rand(3, generator=object()), TypeError, "generator"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_raises_before_reserving(call, error, message):
    g = _gen()
    with pytest.raises(error, match=message):
        call(g)
    assert g.offset == 40  # nothing reserved


def test_bad_values_in_dask_inputs_raise_the_eager_error_at_compute_time():
    g = _gen()
    p = tl.dask.bernoulli(da.from_array(np.array([0.5, 2.0, 0.1]), chunks=1), generator=g)
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        p.compute()
    w = tl.dask.multinomial(da.from_array(np.array([[1.0, -1.0], [1.0, 1.0]]), chunks=1), 1,
                            generator=g)
    with pytest.raises(RuntimeError, match="probability tensor contains"):
        w.compute()
    w = tl.dask.multinomial(da.zeros((2, 3), chunks=1), 1, generator=g)
    with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
        w.compute()


def test_chunk_forms():
    for chunks, want in ((5, ((5, 5), (5, 2))), (-1, ((10,), (7,))), ((None, 3), ((10,), (3, 3, 1))),
                         (((4, 6), (7,)), ((4, 6), (7,)))):
        assert tl.dask.zeros(10, 7, chunks=chunks).chunks == want
    assert sum(tl.dask.zeros(10, 7).chunks[0]) == 10  # "auto"


def _run(code, timeout=120):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout)


def test_import_tensorlite_never_imports_dask():
    result = _run("""
        import sys, tensorlite as tl
        assert 'dask' not in sys.modules, 'import tensorlite imported dask'
        tl.rand(3); tl.dask  # the submodule loads lazily, still without dask
        assert 'dask' not in sys.modules, 'tl.dask imported dask'
        print('ok')
    """)
    assert result.stdout.strip() == "ok", result.stderr


def test_missing_dask_names_the_extra():
    result = _run("""
        import sys
        sys.modules['dask'] = None  # as if Dask were not installed
        import tensorlite as tl
        try:
            tl.dask.randn(3)
        except ImportError as exc:
            print(exc)
    """)
    assert "pip install 'tensorlite[dask]'" in result.stdout, result.stderr
    assert "randn" in result.stdout


@pytest.mark.slow
def test_reducing_a_4gb_array_keeps_memory_bounded():
    """4 GiB of float32 uniforms, summed on the synchronous scheduler: the process
    grows by far less than the array (DESIGN §11: under 1.5 GB)."""
    result = _run("""
        import resource, dask, tensorlite as tl
        with dask.config.set(scheduler="sync"):
            tl.dask.rand(2**20, chunks=2**18).sum().compute()  # warm up: imports, pools
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            total = tl.dask.rand(2**30, chunks=2**24).sum().compute()
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(after - before, float(total))
    """, timeout=900)  # ~1 min alone; far longer on a loaded machine or under coverage
    assert result.returncode == 0, result.stderr
    growth, total = result.stdout.split()
    assert int(growth) < 1.5e9, f"peak RSS grew by {int(growth) / 1e9:.2f} GB"
    assert abs(float(total) / 2**30 - 0.5) < 0.01  # the values were really drawn
