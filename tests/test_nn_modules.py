"""tensorlite.nn: Parameter, Module, layers — init, repr, state, devices, forward.

Forward passes are compared with PyTorch's CPU modules holding the same weights
(copied from ours). Tolerances: float32 ``rtol=1e-5, atol=1e-5`` (different
summation orders in matmul/im2col), float16/bfloat16 against a float32
reference ``rtol=atol=1e-2`` / ``3e-2`` (one rounding of the result, plus the
rounding of the inputs). Statistical thresholds are those of test_nn_init.py:
``6 sigma / sqrt(n)`` for means, ``6 / sqrt(2 n)`` relative for standard
deviations.
"""

from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import tensorlite as tl
from stats_helpers import check_std, check_uniform
import tensorlite.nn as nn
import tensorlite.nn.functional as F

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def values(t):
    return np.asarray(t.cpu().numpy(force=True), dtype=np.float64)


def torch_twin(module, torch_module):
    """Copy our parameters and buffers into the equivalent torch module."""
    ours = module.state_dict()
    theirs = torch_module.state_dict()
    assert list(ours) == list(theirs)
    with torch.no_grad():
        for key, value in theirs.items():
            value.copy_(torch.from_numpy(values(ours[key])))
    return torch_module


def rand_input(shape, device, dtype=tl.float32, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return tl.tensor(x, device=device).to(dtype), torch.from_numpy(x)


# ---- Parameter -----------------------------------------------------------------------------
def test_parameter_basics(device):
    x = tl.ones(2, 3, device=device)
    p = nn.Parameter(x)
    assert isinstance(p, tl.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.shape == x.shape and p.device == x.device
    with tl.no_grad():
        x.fill_(3.0)  # shares the array
    assert (values(p) == 3).all()
    assert not nn.Parameter(x, requires_grad=False).requires_grad
    assert not isinstance(p + 1, nn.Parameter)  # results are plain tensors
    assert nn.Parameter().shape == (0,)


@needs_torch
def test_parameter_repr_matches_torch():
    data = [[1.0, -2.5], [0.125, 4.0]]
    assert repr(nn.Parameter(tl.tensor(data))) == repr(torch.nn.Parameter(torch.tensor(data)))
    assert repr(nn.Parameter(tl.tensor(data), requires_grad=False)) == \
        repr(torch.nn.Parameter(torch.tensor(data), requires_grad=False))


def test_parameter_errors_and_meta():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
        nn.Parameter(tl.tensor([1, 2]))
    assert not nn.Parameter(tl.tensor([1, 2]), requires_grad=False).requires_grad
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])
    p = nn.Parameter(tl.empty(1000, 1000, device="meta"))
    assert p.is_meta and p.shape == (1000, 1000)


def test_parameter_copy_and_pickle():
    p = nn.Parameter(tl.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and values(q).tolist() == [1.0, 2.0]
    with tl.no_grad():
        q.zero_()
    assert values(p).tolist() == [1.0, 2.0]
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter) and r.requires_grad and values(r).tolist() == [1.0, 2.0]


# ---- registration and traversal ------------------------------------------------------------
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.norm = nn.LayerNorm(3)
        self.scale = nn.Parameter(tl.ones(3))
        self.register_buffer("steps", tl.zeros(1, dtype=tl.int64))
        self.register_buffer("cache", tl.zeros(3), persistent=False)

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


if torch is not None:
    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 3)
            self.norm = torch.nn.LayerNorm(3)
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.register_buffer("steps", torch.zeros(1, dtype=torch.int64))
            self.register_buffer("cache", torch.zeros(3), persistent=False)

        def forward(self, x):
            return self.norm(self.fc(x)) * self.scale


def make_model(reference=False):
    """Our three-layer model, or (``reference=True``) PyTorch's twin of it."""
    if reference:
        return torch.nn.Sequential(TorchBlock(), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    return nn.Sequential(Block(), nn.ReLU(), nn.Linear(3, 2))


@needs_torch
def test_names_and_traversal_match_torch():
    ours, theirs = make_model(), make_model(reference=True)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("Block", "TorchBlock") == repr(theirs)
    assert len(list(ours.parameters())) == 7
    assert len(list(ours.buffers())) == 2
    assert len(list(ours.modules())) == 6
    assert [type(m).__name__ for m in ours.children()] == ["Block", "ReLU", "Linear"]


def test_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(tl.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("b", tl.zeros(2))
    m.plain = 5
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["b"] and m.plain == 5
    with pytest.raises(TypeError, match=r"cannot assign 'tensorlite.FloatTensor' as parameter "
                                        r"'w' \(torch.nn.Parameter or None expected\)"):
        m.w = tl.ones(2)
    m.w = None
    assert m.w is None and list(m.named_parameters())[0][0] == "sub.weight"
    with pytest.raises(TypeError, match="cannot assign 'int' as child module 'sub'"):
        m.sub = 3
    with pytest.raises(TypeError, match="cannot assign 'str' as buffer 'b'"):
        m.b = "x"
    m.b = tl.ones(2)
    assert (values(m.b) == 1).all()
    for call, message in ((lambda: m.register_buffer("plain", tl.ones(1)),
                           "attribute 'plain' already exists"),
                          (lambda: m.register_parameter("a.b", None),
                           'parameter name can\'t contain "."'),
                          (lambda: m.register_buffer("", None),
                           'buffer name can\'t be empty string ""'),
                          (lambda: m.add_module("a.b", None),
                           'module name can\'t contain ".", got: a.b')):
        with pytest.raises(KeyError) as exc:
            call()
        assert exc.value.args[0] == message
    with pytest.raises(TypeError, match="parameter name should be a string. Got int"):
        m.register_parameter(1, None)
    with pytest.raises(TypeError, match="cannot assign 'tensorlite.FloatTensor' object to "
                                        "parameter 'q'"):
        m.register_parameter("q", tl.ones(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        m.missing
    del m.sub
    assert "sub" not in m._modules
    assert m.get_submodule("") is m


def test_assign_before_init():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tl.ones(1))

    with pytest.raises(AttributeError, match="cannot assign parameters before Module.__init__"):
        Broken()


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, lin)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_modules()] == ["", "0"]


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


@needs_torch
def test_apply_visits_children_first():
    ours, theirs = [], []
    make_model().apply(lambda m: ours.append(type(m).__name__))
    make_model(reference=True).apply(lambda m: theirs.append(type(m).__name__))
    assert ours == [n.replace("TorchBlock", "Block") for n in theirs]
    assert ours == ["Linear", "LayerNorm", "Block", "ReLU", "Linear", "Sequential"]
    model = make_model()
    assert model.apply(lambda m: None) is model


def test_train_eval():
    model = make_model()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="^training mode is expected to be boolean$"):
        model.train("no")


def test_requires_grad_and_zero_grad():
    model = make_model()
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


# ---- state dicts ---------------------------------------------------------------------------
def test_state_dict_round_trip(device):
    tl.manual_seed(0)
    a = make_model().to(device)
    tl.manual_seed(1)
    b = make_model().to(device)
    with tl.no_grad():
        a[0].steps.fill_(7)
    sd = a.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["0.scale", "0.steps", "0.fc.weight", "0.fc.bias", "0.norm.weight",
                        "0.norm.bias", "2.weight", "2.bias"]
    assert not any(v.requires_grad for v in sd.values())
    weight = b[2].weight
    result = b.load_state_dict(sd)
    assert repr(result) == "<All keys matched successfully>"
    assert b[2].weight is weight  # loaded in place
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(values(value), values(sd[key]))
    # the state dict shares memory with the model
    with tl.no_grad():
        a[2].bias.fill_(0.5)
    assert (values(sd["2.bias"]) == 0.5).all()
    # keep_vars keeps the Parameters themselves
    assert a.state_dict(keep_vars=True)["2.bias"] is a[2].bias


def test_load_state_dict_across_devices():
    src = nn.Linear(3, 2)
    dst = nn.Linear(3, 2, device="meta")
    dst.load_state_dict(src.state_dict())  # copy onto meta: shapes only
    assert dst.weight.is_meta
    dst.load_state_dict(src.state_dict(), assign=True)
    assert not dst.weight.is_meta and isinstance(dst.weight, nn.Parameter)
    np.testing.assert_array_equal(values(dst.weight), values(src.weight))


def torch_error(fn):
    with pytest.raises(RuntimeError) as exc:
        fn()
    return str(exc.value).replace("torch.Size", "tensorlite.Size")


@needs_torch
@pytest.mark.parametrize("edit", ["missing", "unexpected", "both", "size", "nested"])
def test_load_state_dict_errors_match_torch(edit):
    def prepare(lib_model, sd, size):
        sd = OrderedDict(sd)
        if edit in ("missing", "both"):
            del sd["bias"]
        if edit in ("unexpected", "both"):
            sd["running_mean"] = size(3)
        if edit == "size":
            sd["weight"] = size(4, 4)
        return sd

    if edit == "nested":
        ours, theirs = make_model(), make_model(reference=True)
        sd_o, sd_t = ours.state_dict(), theirs.state_dict()
        del sd_o["0.fc.bias"], sd_t["0.fc.bias"]
        sd_o["0.extra.w"], sd_t["0.extra.w"] = tl.zeros(1), torch.zeros(1)
        sd_o["2.weight"], sd_t["2.weight"] = tl.zeros(5), torch.zeros(5)
    else:
        ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2)
        sd_o = prepare(ours, ours.state_dict(), tl.zeros)
        sd_t = prepare(theirs, theirs.state_dict(), torch.zeros)
    mine = torch_error(lambda: ours.load_state_dict(sd_o))
    ref = torch_error(lambda: theirs.load_state_dict(sd_t))
    assert mine == ref
    assert mine.startswith(f"Error(s) in loading state_dict for {type(ours).__name__}:\n\t")


def test_load_state_dict_messages_and_non_strict():
    layer = nn.Linear(3, 2)
    sd = layer.state_dict()
    del sd["bias"]
    with pytest.raises(RuntimeError) as exc:
        layer.load_state_dict(sd)
    assert str(exc.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in '
                              'state_dict: "bias". ')
    sd["extra"] = tl.zeros(1)
    result = layer.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    sd["weight"] = tl.zeros(3, 3)
    with pytest.raises(RuntimeError, match="size mismatch for weight: copying a param with shape "
                                           r"tensorlite.Size\(\[3, 3\]\) from checkpoint"):
        layer.load_state_dict(sd, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        layer.load_state_dict([1, 2])


# ---- devices and dtypes --------------------------------------------------------------------
def test_to_moves_every_parameter_and_buffer():
    model = make_model()
    params = list(model.parameters())
    assert model.to("meta") is model
    assert all(t.is_meta for t in model.parameters())
    assert all(t.is_meta for t in model.buffers())
    assert all(a is b for a, b in zip(model.parameters(), params))  # identity kept
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    model.to_empty(device="cpu")
    assert all(t.device.type == "cpu" for t in model.parameters())


@pytest.mark.parametrize("call, dtype", [(lambda m: m.to(tl.float64), tl.float64),
                                         (lambda m: m.double(), tl.float64),
                                         (lambda m: m.half(), tl.float16),
                                         (lambda m: m.bfloat16(), tl.bfloat16),
                                         (lambda m: m.to(dtype=tl.float16).float(), tl.float32),
                                         (lambda m: m.to("meta", tl.float64), tl.float64),
                                         (lambda m: m.to(tl.zeros(1, dtype=tl.float16,
                                                                  device="meta")), tl.float16)])
def test_to_dtype_casts_floating_tensors_only(call, dtype):
    model = make_model()
    weight = model[2].weight
    before = values(weight)
    assert call(model) is model
    assert model[2].weight is weight
    assert all(p.dtype is dtype for p in model.parameters())
    assert model[0].steps.dtype is tl.int64  # integer buffers keep their dtype
    assert model[0].cache.dtype is dtype
    if not weight.is_meta:
        np.testing.assert_allclose(values(weight), before, rtol=1e-2)


def test_to_errors():
    model = make_model()
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point or complex "
                                        "dtypes, but got desired dtype=tensorlite.int64"):
        model.to(tl.int64)
    if not tl.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA"):
            model.cuda()
        assert all(p.device.type == "cpu" for p in model.parameters())  # nothing moved


def test_device_and_dtype_arguments(device_or_meta):
    for layer in (nn.Linear(4, 3, device=device_or_meta, dtype=tl.float64),
                  nn.Conv2d(2, 4, 3, device=device_or_meta, dtype=tl.float64),
                  nn.Embedding(5, 3, device=device_or_meta, dtype=tl.float64),
                  nn.LayerNorm(3, device=device_or_meta, dtype=tl.float64)):
        for p in layer.parameters():
            assert p.device == tl.device(device_or_meta) or p.device.type == tl.device(device_or_meta).type
            assert p.dtype is tl.float64


def test_layers_on_meta():
    model = nn.Sequential(nn.Embedding(50_000, 768, device="meta"),
                          nn.LayerNorm(768, device="meta"),
                          nn.Linear(768, 4096, device="meta"), nn.GELU(), nn.Dropout(0.1),
                          nn.Linear(4096, 768, device="meta"))
    assert all(p.is_meta for p in model.parameters())
    out = model(tl.zeros(2, 7, dtype=tl.int64, device="meta"))
    assert out.is_meta and out.shape == (2, 7, 768)
    conv = nn.Conv2d(3, 64, 3, stride=2, padding=1, device="meta")
    assert conv(tl.empty(8, 3, 32, 32, device="meta")).shape == (8, 64, 16, 16)


def test_device_mismatch_in_forward():
    layer = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        layer(tl.zeros(1, 3, device="meta"))


# ---- default initialization ----------------------------------------------------------------
def test_linear_default_init(device):
    tl.manual_seed(0)
    layer = nn.Linear(512, 256, device=device)
    bound = 1 / math.sqrt(512)
    check_uniform(values(layer.weight), bound)
    b = values(layer.bias)
    assert b.min() >= -bound and b.max() < bound
    assert layer.weight.requires_grad and isinstance(layer.bias, nn.Parameter)
    assert nn.Linear(3, 2, bias=False).bias is None


def test_conv2d_default_init(device):
    tl.manual_seed(0)
    conv = nn.Conv2d(64, 32, 3, device=device)
    bound = 1 / math.sqrt(64 * 9)
    check_uniform(values(conv.weight), bound)
    b = values(conv.bias)
    assert b.min() >= -bound and b.max() < bound
    grouped = nn.Conv2d(64, 32, (3, 5), groups=4)
    assert grouped.weight.shape == (32, 16, 3, 5)
    check_uniform(values(grouped.weight), 1 / math.sqrt(16 * 15))


def test_embedding_default_init(device):
    tl.manual_seed(0)
    emb = nn.Embedding(1000, 64, device=device)
    check_std(values(emb.weight), 0.0, 1.0)
    for padding_idx, row in ((3, 3), (-1, 999), (-1000, 0)):
        emb = nn.Embedding(1000, 64, padding_idx=padding_idx, device=device)
        assert emb.padding_idx == row
        w = values(emb.weight)
        assert (w[row] == 0).all() and (w[row + 1 if row < 999 else 0] != 0).all()
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(10, 3, padding_idx=-11)


def test_layernorm_default_init(device):
    norm = nn.LayerNorm((4, 8), device=device)
    assert norm.weight.shape == (4, 8)
    assert (values(norm.weight) == 1).all() and (values(norm.bias) == 0).all()
    assert nn.LayerNorm(8, bias=False).bias is None
    plain = nn.LayerNorm(8, elementwise_affine=False)
    assert plain.weight is None and list(plain.parameters()) == []


def test_same_seed_same_model_on_every_device(device):
    tl.manual_seed(123)
    here = nn.Sequential(nn.Linear(16, 8, device=device), nn.Conv2d(2, 4, 3, device=device))
    tl.manual_seed(123)
    cpu = nn.Sequential(nn.Linear(16, 8), nn.Conv2d(2, 4, 3))
    for (name, a), (_, b) in zip(here.named_parameters(), cpu.named_parameters()):
        np.testing.assert_array_equal(values(a), values(b), err_msg=name)


# ---- reprs ---------------------------------------------------------------------------------
REPR_CASES = [
    ("Linear", (128, 64), {}), ("Linear", (128, 256), {"bias": False}),
    ("Conv2d", (3, 64), {"kernel_size": 3, "padding": 1}),
    ("Conv2d", (3, 64, 3), {}),
    ("Conv2d", (4, 8, (3, 5)), {"stride": 2, "dilation": (2, 1), "groups": 2, "bias": False}),
    ("Conv2d", (3, 6, 4), {"padding": "same"}), ("Conv2d", (3, 6, 4), {"padding": "valid"}),
    ("Embedding", (50_000, 768), {}),
    ("Embedding", (10, 3), {"padding_idx": -1, "max_norm": 1.0, "norm_type": 1.0}),
    ("LayerNorm", (768,), {}), ("LayerNorm", ([3, 4],), {"eps": 1e-6, "bias": False}),
    ("LayerNorm", (5,), {"elementwise_affine": False}),
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}),
    ("Tanh", (), {}), ("Sigmoid", (), {}), ("GELU", (), {}), ("GELU", ("tanh",), {}),
    ("Dropout", (), {}), ("Dropout", (0.1, True), {}), ("Dropout", (1,), {}),
    ("Identity", (3,), {"x": 1}),
]


@needs_torch
@pytest.mark.parametrize("name, args, kwargs", REPR_CASES)
def test_repr_matches_torch(name, args, kwargs):
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


@needs_torch
def test_nested_repr_matches_torch():
    def build(lib):
        inner = lib.nn.Sequential(lib.nn.Linear(8, 8), lib.nn.GELU())
        return lib.nn.Sequential(lib.nn.Conv2d(3, 8, 3, padding=1), lib.nn.ReLU(), inner,
                                 lib.nn.Sequential(), lib.nn.Dropout(0.5))

    assert repr(build(tl)) == repr(build(torch))


def test_seed_reprs():
    model = nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 10))
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=128, out_features=256, "
                           "bias=True)\n  (1): ReLU()\n  (2): Linear(in_features=256, "
                           "out_features=10, bias=True)\n)")
    assert repr(nn.Conv2d(3, 64, kernel_size=3, padding=1)) == \
        "Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Embedding(50_000, 768)) == "Embedding(50000, 768)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Dropout(p=0.5)) == "Dropout(p=0.5, inplace=False)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"


# ---- Sequential ----------------------------------------------------------------------------
@needs_torch
def test_sequential_container_matches_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 4),
                                 lib.nn.Tanh())

    ours, theirs = build(tl), build(torch)
    assert len(ours) == 4
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    for idx in (0, -1, 2, slice(1, 3), slice(None, None, 2), slice(-2, None)):
        assert repr(ours[idx]) == repr(theirs[idx])
    assert isinstance(ours[1:], nn.Sequential)
    for bad in (4, -5):
        with pytest.raises(IndexError) as exc:
            ours[bad]
        with pytest.raises(IndexError) as ref:
            theirs[bad]
        assert str(exc.value) == str(ref.value)
    ours.append(nn.Sigmoid())
    theirs.append(torch.nn.Sigmoid())
    del ours[1]
    del theirs[1]
    ours[0] = nn.Identity()
    theirs[0] = torch.nn.Identity()
    ours.insert(1, nn.ReLU())
    theirs.insert(1, torch.nn.ReLU())
    assert repr(ours) == repr(theirs)
    assert repr(ours.pop(-1)) == repr(theirs.pop(-1))
    assert repr(ours.extend([nn.GELU()])) == repr(theirs.extend([torch.nn.GELU()]))
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_children()] == ["fc", "act"]
    assert named.fc is named[0]


# ---- forward passes vs PyTorch ---------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("shape", [(5, 16), (2, 3, 16), (16,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward(device, shape, bias):
    layer = nn.Linear(16, 8, bias=bias, device=device)
    ref = torch_twin(layer, torch.nn.Linear(16, 8, bias=bias))
    x, xt = rand_input(shape, device)
    y = layer(x)
    assert y.device == x.device and y.shape == tuple(ref(xt).shape)
    np.testing.assert_allclose(values(y), ref(xt).detach().numpy(), rtol=1e-5, atol=1e-5)


CONV_CASES = [
    dict(in_channels=3, out_channels=8, kernel_size=3),
    dict(in_channels=3, out_channels=8, kernel_size=3, padding=1),
    dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(in_channels=4, out_channels=8, kernel_size=3, dilation=2, padding=2),
    dict(in_channels=4, out_channels=8, kernel_size=3, groups=2, bias=False),
    dict(in_channels=6, out_channels=6, kernel_size=3, groups=6, stride=2, padding=1),
    dict(in_channels=3, out_channels=5, kernel_size=4, padding="same"),
    dict(in_channels=3, out_channels=5, kernel_size=(2, 3), dilation=(1, 2), padding="same"),
    dict(in_channels=3, out_channels=5, kernel_size=3, padding="valid"),
    dict(in_channels=2, out_channels=4, kernel_size=1, stride=3),
]


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("cfg", CONV_CASES, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("batched", [True, False])
def test_conv2d_forward(device, cfg, batched):
    conv = nn.Conv2d(**cfg, device=device)
    ref = torch_twin(conv, torch.nn.Conv2d(**cfg))
    shape = (2, cfg["in_channels"], 11, 9) if batched else (cfg["in_channels"], 11, 9)
    x, xt = rand_input(shape, device)
    expected = ref(xt).detach().numpy()
    y = conv(x)
    assert y.shape == expected.shape
    np.testing.assert_allclose(values(y), expected, rtol=1e-5, atol=1e-5)


def test_conv2d_errors():
    with pytest.raises(ValueError, match="^in_channels must be divisible by groups$"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="^out_channels must be divisible by groups$"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="^groups must be a positive integer$"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(3, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 4, 3, padding_mode="wrap")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(RuntimeError, match="expected input\\[1, 2, 5, 5\\] to have 3 channels, "
                                           "but got 2 channels instead"):
        conv(tl.zeros(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\)"):
        conv(tl.zeros(5, 5))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        conv(tl.zeros(1, 3, 2, 2))


@needs_torch
@pytest.mark.parametrize("padding_idx, max_norm", [(None, None), (0, None), (None, 1.5)])
def test_embedding_forward(device, padding_idx, max_norm):
    emb = nn.Embedding(20, 6, padding_idx=padding_idx, max_norm=max_norm, device=device)
    ref = torch_twin(emb, torch.nn.Embedding(20, 6, padding_idx=padding_idx, max_norm=max_norm))
    ids = np.array([[0, 3, 19, 3], [7, 7, 1, 0]])
    for dtype, tdtype in ((tl.int64, torch.int64), (tl.int32, torch.int32)):
        y = emb(tl.tensor(ids, dtype=dtype, device=device))
        expected = ref(torch.tensor(ids, dtype=tdtype)).detach().numpy()
        np.testing.assert_allclose(values(y), expected, rtol=1e-6, atol=1e-7)
    # max_norm renormalized the same rows in place
    np.testing.assert_allclose(values(emb.weight), ref.weight.detach().numpy(), rtol=1e-6,
                               atol=1e-7)


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(tl.tensor([5]))
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(tl.tensor([-1]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have "
                                           "one of the following scalar types: Long, Int"):
        emb(tl.tensor([1.0]))
    assert emb(tl.tensor(3)).shape == (2,)


@needs_torch
@pytest.mark.parametrize("normalized_shape, kwargs", [(8, {}), ((4, 8), {"eps": 1e-3}),
                                                      (8, {"bias": False}),
                                                      (8, {"elementwise_affine": False})])
def test_layernorm_forward(device, normalized_shape, kwargs):
    norm = nn.LayerNorm(normalized_shape, **kwargs, device=device)
    with tl.no_grad():  # non-trivial affine parameters
        for p in norm.parameters():
            p.uniform_(0.5, 1.5)
    ref = torch_twin(norm, torch.nn.LayerNorm(normalized_shape, **kwargs))
    x, xt = rand_input((3, 4, 8), device)
    np.testing.assert_allclose(values(norm(x)), ref(xt).detach().numpy(), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="expected input with shape"):
        norm(tl.zeros(3, 5, device=device))


@needs_torch
@pytest.mark.parametrize("name, args", [("ReLU", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.2,)),
                                        ("Tanh", ()), ("Sigmoid", ()), ("GELU", ()),
                                        ("GELU", ("tanh",)), ("Identity", ())])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_forward(device, name, args, dtype):
    x = np.concatenate([np.linspace(-8, 8, 1001), [0.0, -0.0, 30.0, -30.0]])
    ours = getattr(nn, name)(*args)(tl.tensor(x, dtype=getattr(tl, dtype), device=device))
    theirs = getattr(torch.nn, name)(*args)(torch.tensor(x, dtype=getattr(torch, dtype)))
    assert ours.dtype is getattr(tl, dtype)
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(values(ours), theirs.numpy(), rtol=tol, atol=tol)


@needs_torch
@pytest.mark.parametrize("dtype, tol", [("float16", 1e-2), ("bfloat16", 3e-2)])
def test_half_precision_forward(device, dtype, tol):
    """Half types compute in float32 and round once: compare with a float32 reference."""
    tl.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 4))
    ref = torch_twin(model, torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.LayerNorm(8),
                                                torch.nn.GELU(), torch.nn.Linear(8, 4)))
    x, xt = rand_input((5, 16), device)
    half = getattr(tl, dtype)
    model.to(device, half)
    with torch.no_grad():
        for p in ref.parameters():  # the reference sees the same rounded weights
            p.copy_(p.to(getattr(torch, dtype)).float())
        expected = ref(xt.to(getattr(torch, dtype)).float()).numpy()
    y = model(x.to(half))
    assert y.dtype is half
    np.testing.assert_allclose(values(y), expected, rtol=tol, atol=tol)


def test_relu_inplace():
    x = tl.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x
    assert values(x).tolist() == [0.0, 2.0]
    x = tl.tensor([-1.0, 2.0])
    assert nn.LeakyReLU(0.5, inplace=True)(x) is x and values(x).tolist() == [-0.5, 2.0]


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        nn.GELU("exact")
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        F.gelu(tl.zeros(1), approximate="fast")


# ---- dropout ---------------------------------------------------------------------------------
def test_dropout_eval_is_identity(device):
    x = tl.randn(100, device=device)
    drop = nn.Dropout(0.5).eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_train(device, p):
    tl.manual_seed(0)
    n = 200_000
    x = tl.rand(n, device=device) + 0.5  # no zeros in the input
    y = values(nn.Dropout(p)(x))
    zeros = (y == 0).mean()
    assert abs(zeros - p) < 6 * math.sqrt(p * (1 - p) / n)
    kept = y != 0
    np.testing.assert_allclose(y[kept], values(x)[kept] * np.float32(1 / (1 - p)), rtol=1e-6)


def test_dropout_edges_and_determinism(device):
    x = tl.ones(1000, device=device)
    assert (values(nn.Dropout(1.0)(x)) == 0).all()
    g1, g2 = tl.Generator().manual_seed(3), tl.Generator().manual_seed(3)
    a = F.dropout(x, 0.3, generator=g1)
    b = F.dropout(x, 0.3, generator=g2)
    np.testing.assert_array_equal(values(a), values(b))
    y = tl.ones(10, device=device)
    assert nn.Dropout(0.5, inplace=True)(y) is y


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_dropout_probability_error(p):
    message = f"dropout probability has to be between 0 and 1, but got {p}"
    with pytest.raises(ValueError) as exc:
        nn.Dropout(p)
    assert str(exc.value) == message
    if torch is not None:
        with pytest.raises(ValueError) as ref:
            torch.nn.Dropout(p)
        assert str(ref.value) == message
