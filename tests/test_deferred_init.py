"""Deferred initialization (DESIGN §12): build on meta, materialize with the eager values.

Every comparison is against the same construction run eagerly after the same
``tl.manual_seed``: generator offsets must match after building, and
materialized values must be bit-identical on cpu (within ``assert_close``'s
defaults for normal-based values on cuda, DESIGN §4.4).
"""

import time
import tracemalloc

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn as nn
from benchmarks.cases_deferred import gpt
from tensorlite import _recipe
from tensorlite.random.generator import default_for

META = tl.device("meta")


def _meta_offset():
    return default_for(META).offset


def _eager_offset(device):
    return default_for(tl.device(device)).offset


def _state(module):
    return {k: v.detach() for k, v in module.state_dict().items()}


def _assert_same(actual, expected, device):
    """Bit-identical on cpu; DESIGN §4.4's tolerance for normal-based values on cuda."""
    assert actual.device == expected.device and actual.dtype == expected.dtype
    if tl.device(device).type == "cpu":
        a, e = actual.cpu().numpy(), expected.cpu().numpy()
        assert a.tobytes() == e.tobytes(), (a, e)
    else:
        tl.testing.assert_close(actual, expected)


def _build_both(factory, device, seed=11, use_context=False):
    """``factory(device)`` eagerly on ``device`` and on meta, after the same seed; the
    generator offsets after each build."""
    tl.manual_seed(seed)
    eager = factory(device)
    eager_offset = _eager_offset(device)
    tl.manual_seed(seed)
    if use_context:
        with tl.device("meta"):
            meta = factory(None)
    else:
        meta = factory("meta")
    return eager, eager_offset, meta, _meta_offset()


# ---- every module type ------------------------------------------------------------------------
MODULES = {
    "linear": lambda d: nn.Linear(7, 5, device=d),
    "linear-nobias-f64": lambda d: nn.Linear(6, 4, bias=False, device=d, dtype=tl.float64),
    "linear-f16": lambda d: nn.Linear(6, 4, device=d, dtype=tl.float16),
    "conv2d": lambda d: nn.Conv2d(3, 4, 3, device=d),
    "conv2d-groups-nobias": lambda d: nn.Conv2d(4, 6, (3, 2), groups=2, bias=False, device=d),
    "embedding": lambda d: nn.Embedding(9, 5, device=d),
    "embedding-padding": lambda d: nn.Embedding(9, 5, padding_idx=-2, device=d),
    "layernorm": lambda d: nn.LayerNorm((3, 4), device=d),
    "layernorm-nobias": lambda d: nn.LayerNorm(5, bias=False, device=d),
    "sequential": lambda d: nn.Sequential(nn.Linear(4, 8, device=d), nn.ReLU(), nn.Tanh(),
                                          nn.Sigmoid(), nn.GELU(), nn.LeakyReLU(),
                                          nn.Dropout(0.1), nn.Identity(),
                                          nn.Linear(8, 3, device=d)),
}


@pytest.mark.parametrize("use_context", [False, True], ids=["device=meta", "with-device"])
@pytest.mark.parametrize("name", MODULES)
def test_every_module_materializes_to_its_eager_values(name, use_context, device):
    eager, eager_offset, meta, meta_offset = _build_both(MODULES[name], device,
                                                         use_context=use_context)
    assert meta_offset == eager_offset
    assert all(t.is_meta for t in meta.state_dict().values())
    params_before = list(meta.parameters())
    assert nn.utils.materialize(meta, device) is meta
    assert list(meta.parameters()) == params_before  # same Parameter objects
    expected = _state(eager)
    actual = _state(meta)
    assert actual.keys() == expected.keys()
    for key in expected:
        _assert_same(actual[key], expected[key], device)
    assert all(p.requires_grad for p in meta.parameters())


# ---- every initializer --------------------------------------------------------------------------
INITS = {
    "uniform_": (lambda t, g: nn.init.uniform_(t, -0.3, 0.7, generator=g), (5, 6)),
    "normal_": (lambda t, g: nn.init.normal_(t, 0.5, 2.0, generator=g), (5, 7)),
    "trunc_normal_": (lambda t, g: nn.init.trunc_normal_(t, 0.1, 0.5, -0.4, 0.9, generator=g),
                      (6, 5)),
    "constant_": (lambda t, g: nn.init.constant_(t, 0.25), (3, 4)),
    "ones_": (lambda t, g: nn.init.ones_(t), (3, 4)),
    "zeros_": (lambda t, g: nn.init.zeros_(t), (3, 4)),
    "eye_": (lambda t, g: nn.init.eye_(t), (4, 6)),
    "dirac_": (lambda t, g: nn.init.dirac_(t, groups=2), (4, 3, 3, 3)),
    "xavier_uniform_": (lambda t, g: nn.init.xavier_uniform_(t, gain=1.5, generator=g), (5, 6)),
    "xavier_normal_": (lambda t, g: nn.init.xavier_normal_(t, generator=g), (5, 6)),
    "kaiming_uniform_": (lambda t, g: nn.init.kaiming_uniform_(t, a=0.2, generator=g),
                         (4, 3, 2)),
    "kaiming_normal_": (lambda t, g: nn.init.kaiming_normal_(t, mode="fan_out",
                                                             nonlinearity="relu", generator=g),
                        (4, 3, 2)),
    "orthogonal_": (lambda t, g: nn.init.orthogonal_(t, gain=2.0, generator=g), (4, 7)),
    "sparse_": (lambda t, g: nn.init.sparse_(t, 0.4, std=0.1, generator=g), (6, 5)),
}
NORMAL_BASED = {"normal_", "trunc_normal_", "xavier_normal_", "kaiming_normal_",
                "orthogonal_", "sparse_"}


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64, tl.float16], ids=str)
@pytest.mark.parametrize("name", INITS)
def test_every_initializer_replays_exactly(name, dtype, device):
    init, shape = INITS[name]

    def factory(d):
        return init(tl.empty(shape, dtype=dtype, device=d), None)

    eager, eager_offset, meta, meta_offset = _build_both(factory, device)
    assert meta_offset == eager_offset
    assert (eager_offset > 0) == (name not in ("constant_", "ones_", "zeros_", "eye_",
                                               "dirac_"))
    _assert_same(nn.utils.materialize(meta, device), eager, device)


@pytest.mark.parametrize("name", INITS)
def test_initializers_with_a_generator_leave_the_default_stream_alone(name, device):
    init, shape = INITS[name]
    g_meta, g_eager = tl.Generator().manual_seed(5), tl.Generator().manual_seed(5)
    tl.manual_seed(0)
    meta = init(tl.empty(shape, device="meta"), g_meta)
    eager = init(tl.empty(shape, device=device), g_eager)
    assert _meta_offset() == 0 and _eager_offset(device) == 0
    assert g_meta.offset == g_eager.offset
    _assert_same(nn.utils.materialize(meta, device), eager, device)


def test_a_rejected_call_on_meta_draws_nothing():
    w = tl.empty(5, device="meta")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.kaiming_uniform_(w)
    with pytest.raises(ValueError, match="sparsity"):
        nn.init.sparse_(tl.empty(3, 3, device="meta"), 1.5)
    assert _meta_offset() == 0
    assert _recipe.describe(w) == []  # still just `empty`


def test_user_init_through_apply_and_random_constructors(device):
    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.trunc_normal_(m.weight, std=0.02)

    def factory(d):
        model = nn.Sequential(nn.Embedding(10, 4, device=d), nn.Linear(4, 4, device=d))
        model.apply(init_weights)
        model.register_buffer("noise", tl.randn(3, 2, device=d))
        model.register_buffer("u", tl.rand(5, dtype=tl.float64, device=d) * 1)  # computed
        model.register_buffer("perm", tl.randperm(7, device=d))
        model.register_buffer("ints", tl.randint(-3, 9, (2, 5), device=d))
        model.register_buffer("full", tl.full((2, 2), 1.5, device=d))
        model.register_buffer("coins", tl.bernoulli(tl.empty(4, device=d), 0.3))
        return model

    eager, eager_offset, meta, meta_offset = _build_both(factory, device)
    assert meta_offset == eager_offset
    with pytest.raises(RuntimeError, match="'u' has no recipe"):
        nn.utils.materialize(meta, device)
    del meta._buffers["u"], eager._buffers["u"]
    nn.utils.materialize(meta, device)
    for key, value in _state(eager).items():
        _assert_same(_state(meta)[key], value, device)


# ---- in-place writes --------------------------------------------------------------------------
def _writes(d):
    w = tl.empty(6, 8, device=d).normal_(generator=tl.Generator().manual_seed(2))
    with tl.no_grad():
        w.mul_(0.5)
        w[0].zero_()
        w[1, 2:7:2].fill_(3)
        w[2:4] *= 2
        w[-1, None, 6:1:-2] += 1.5
        w[..., 0].div_(4)
        w[4].sub_(0.25, alpha=2)
        w[3, :3] = 7
        w[5, 1:].copy_(tl.arange(7.0, device="cpu"))
        w[:, ::3][1:].add_(-1)
    return w


def test_replayed_in_place_writes(device):
    expected = _writes(device)
    meta = _writes("meta")
    steps = _recipe.describe(meta)
    assert steps[0].startswith("normal_ on [...]") and len(steps) == 11
    assert "copy_ on [5, 1:]" in steps and "add_ on [:, ::3][1:]" in steps
    _assert_same(nn.utils.materialize(meta, device), expected, device)


def test_copy_is_taken_when_copy__runs():
    source = tl.ones(3, 2)
    meta = tl.empty(3, 2, device="meta").copy_(source)
    source.fill_(5.0)
    assert nn.utils.materialize(meta).tolist() == [[1.0, 1.0]] * 3


# ---- what cannot be replayed --------------------------------------------------------------------
UNKNOWN = {
    "exp_": lambda w: w.exp_(),
    "mul_": lambda w: w.mul_(tl.ones(4, device="meta")),  # by a tensor, not a Python scalar
    "__setitem__": lambda w: w.__setitem__(tl.tensor([0, 2]), 1.0),  # advanced indexing
    "fill_": lambda w: w.t().fill_(1.0),  # through a view that is not basic indexing
    "copy_": lambda w: w.copy_(tl.zeros(3, 4, device="meta")),  # from a meta tensor
    "bernoulli_": lambda w: w.bernoulli_(tl.full((3, 4), 0.5, device="meta")),
}


@pytest.mark.parametrize("op", UNKNOWN)
def test_unknown_recipe_names_the_parameter_and_operation(op):
    model = nn.Sequential(nn.Linear(2, 4, device="meta"), nn.Linear(4, 3, device="meta"))
    with tl.no_grad():
        UNKNOWN[op](model[1].weight)
    with pytest.raises(RuntimeError, match=rf"'1\.weight'.*'{op}'"):
        nn.utils.materialize(model)
    assert all(t.is_meta for t in model.state_dict().values())  # nothing changed
    with pytest.raises(RuntimeError, match=rf"'1\.weight'.*'{op}'"):
        tl.dask.materialize(model) if _has_dask() else nn.utils.materialize(model)


def test_negative_control_a_replayable_write_is_not_an_error():
    model = nn.Sequential(nn.Linear(2, 4, device="meta"))
    with tl.no_grad():
        model[0].weight.mul_(2.0)
    assert nn.utils.materialize(model)[0].weight.device.type == "cpu"


def test_materialize_arguments():
    with pytest.raises(ValueError, match="expected a meta tensor"):
        nn.utils.materialize(tl.zeros(2))
    with pytest.raises(RuntimeError, match="device must hold data"):
        nn.utils.materialize(tl.zeros(2, device="meta"), "meta")
    with pytest.raises(TypeError, match="Module or Tensor"):
        nn.utils.materialize([1, 2])
    p = nn.Parameter(tl.ones(2, device="meta"))
    out = nn.utils.materialize(p)
    assert isinstance(out, nn.Parameter) and out.requires_grad and out.tolist() == [1.0, 1.0]
    assert p.is_meta  # a tensor is not changed: a new one is returned


# ---- generator= and tied weights --------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda d, g: nn.Linear(5, 3, device=d, generator=g),
    lambda d, g: nn.Conv2d(2, 3, 2, device=d, generator=g),
    lambda d, g: nn.Embedding(6, 3, padding_idx=1, device=d, generator=g),
], ids=["Linear", "Conv2d", "Embedding"])
def test_generator_isolates_module_initialization(make, device):
    tl.manual_seed(0)
    eager = make(device, tl.Generator().manual_seed(9))
    meta = make("meta", tl.Generator().manual_seed(9))
    assert _eager_offset(device) == 0 and _meta_offset() == 0  # the global streams untouched
    other = make(device, tl.Generator().manual_seed(10))
    nn.utils.materialize(meta, device)
    for key, value in _state(eager).items():
        _assert_same(_state(meta)[key], value, device)
    assert not (other.weight == eager.weight).all()  # negative control: another seed differs


class TiedLM(nn.Module):
    def __init__(self, vocab, dim, device=None):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, device=device)
        self.norm = nn.LayerNorm(dim, device=device)
        self.head = nn.Linear(dim, vocab, bias=False, device=device)
        self.head.weight = self.embed.weight


def test_tied_parameters_stay_tied_and_are_computed_once(device):
    eager, eager_offset, meta, meta_offset = _build_both(lambda d: TiedLM(11, 4, d), device)
    assert meta_offset == eager_offset
    nn.utils.materialize(meta, device)
    assert meta.head.weight is meta.embed.weight
    assert len(list(meta.parameters())) == 3
    _assert_same(meta.head.weight.detach(), eager.embed.weight.detach(), device)


# ---- Dask ----------------------------------------------------------------------------------------
def _has_dask():
    try:
        import dask.array  # noqa: F401
    except ImportError:
        return False
    return True


def _everything(d):
    model = nn.Sequential(nn.Linear(5, 7, device=d), nn.Conv2d(3, 4, 3, device=d),
                          nn.Embedding(11, 6, padding_idx=2, device=d), nn.LayerNorm(6, device=d))
    for name, (init, shape) in INITS.items():
        model.register_buffer(name, init(tl.empty(shape, device=d), None))
    model.register_buffer("writes", _writes(d))
    model.register_buffer("perm", tl.randperm(9, device=d))
    model.register_buffer("cplx", tl.randn(3, 4, dtype=tl.complex64, device=d))
    model.register_buffer("tied", model[0].weight)
    return model


@pytest.mark.parametrize("chunks", [1, 2, 3, "auto", {"writes": ((1, 5), (3, 2, 3)),
                                                       "2.weight": (4, 6)}],
                         ids=["1", "2", "3", "auto", "irregular"])
def test_dask_state_dict_equals_eager(chunks, device):
    pytest.importorskip("dask.array")
    eager, eager_offset, meta, meta_offset = _build_both(_everything, device)
    assert meta_offset == eager_offset
    state = tl.dask.materialize(meta, chunks=chunks, device=device)
    expected = _state(eager)
    assert state.keys() == expected.keys()
    assert state["tied"] is state["0.weight"]
    if chunks == 2:
        assert state["0.weight"].numblocks == (4, 3)
    for key, value in expected.items():
        block = state[key].compute()
        if tl.device(device).type == "cpu":
            assert block.tobytes() == value.numpy().tobytes(), key
        else:
            tl.testing.assert_close(tl.as_tensor(block), value)
    assert all(t.is_meta for t in meta.state_dict().values())  # the module is not changed


def test_dask_blocks_compute_only_their_slice():
    pytest.importorskip("dask.array")
    w = nn.init.normal_(tl.empty(4000, 3000, device="meta"))
    array = tl.dask.materialize(w, chunks=(1000, 3000))
    graph = dict(array.__dask_graph__())
    assert len(graph) == 4  # one task per block, no whole-tensor task
    assert len(__import__("pickle").dumps(graph)) < 10_000  # no arrays in the graph
    part = array[1000:2000].compute()
    tl.manual_seed(0)
    assert np.array_equal(part, nn.init.normal_(tl.empty(4000, 3000))[1000:2000].numpy())


def test_dask_orthogonal_is_one_task():
    pytest.importorskip("dask.array")
    w = nn.init.orthogonal_(tl.empty(6, 4, device="meta"))
    graph = dict(tl.dask.materialize(w, chunks=2).__dask_graph__())
    assert len(graph) == 6 + 1  # six slices of one whole-tensor task


# ---- scale -------------------------------------------------------------------------------------
def test_a_billion_parameters_on_meta_in_under_100_mb():
    tracemalloc.start()
    try:
        start = time.perf_counter()
        model = gpt(tl, 50304, 1024, 2048, 20, device="meta")  # GPT-2's layout and init
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    count = sum(p.numel() for p in model.parameters())
    assert count > 1.0e9
    assert peak < 100 * 2**20, peak
    assert elapsed < 30  # a sanity bound only (speed is measured in benchmarks/)
    layer = nn.utils.materialize(model[2][2])  # one layer, alone
    assert layer.weight.device.type == "cpu" and model[3][2].weight.is_meta
