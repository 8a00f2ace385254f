"""Lazy modules and their placeholders (``nn.UninitializedParameter``,
``nn.UninitializedBuffer``) against PyTorch: what exists before the first forward
(types, ``is_lazy``, reprs, ``state_dict``, errors on use, conversions,
``materialize``), and after it the eager class with parameters equal to the eager
layer's built from the same generator state (same words drawn in the same order).
"""

import copy
import pickle

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

# (name, constructor args, a first input's shape, the eager class, its args after inference)
LAZY = [
    ("LazyLinear", (4,), (2, 3), "Linear", (3, 4)),
    ("LazyConv1d", (4, 3), (2, 6, 9), "Conv1d", (6, 4, 3)),
    ("LazyConv2d", (4, 3), (6, 7, 7), "Conv2d", (6, 4, 3)),  # unbatched input
    ("LazyConv3d", (2, 2), (1, 3, 4, 4, 4), "Conv3d", (3, 2, 2)),
    ("LazyConvTranspose1d", (4, 3), (2, 6, 9), "ConvTranspose1d", (6, 4, 3)),
    ("LazyConvTranspose2d", (4, 3), (2, 6, 5, 5), "ConvTranspose2d", (6, 4, 3)),
    ("LazyConvTranspose3d", (2, 2), (1, 3, 4, 4, 4), "ConvTranspose3d", (3, 2, 2)),
    ("LazyBatchNorm1d", (), (4, 5), "BatchNorm1d", (5,)),
    ("LazyBatchNorm2d", (), (2, 3, 4, 4), "BatchNorm2d", (3,)),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2), "BatchNorm3d", (3,)),
    ("LazyInstanceNorm1d", (), (2, 5, 6), "InstanceNorm1d", (5,)),
    ("LazyInstanceNorm2d", (), (2, 3, 4, 4), "InstanceNorm2d", (3,)),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 2, 2), "InstanceNorm3d", (3,)),
]
IDS = [c[0] for c in LAZY]
# PyTorch's LazyInstanceNorm defaults to affine=True, track_running_stats=True
EAGER_KW = {"InstanceNorm1d": {"affine": True, "track_running_stats": True},
            "InstanceNorm2d": {"affine": True, "track_running_stats": True},
            "InstanceNorm3d": {"affine": True, "track_running_stats": True}}


def _kinds(module):
    return [(k, type(v).__name__) for k, v in module.state_dict(keep_vars=True).items()]


@pytest.mark.parametrize("name, args, shape, eager, eager_args", LAZY, ids=IDS)
def test_placeholders_before_the_first_forward_match_torch(name, args, shape, eager,
                                                           eager_args):
    ours, theirs = getattr(tl.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()
    assert _kinds(ours) == _kinds(theirs)
    for (k, p), (_, q) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert repr(p) == repr(q)
        assert tl.nn.parameter.is_lazy(p) == torch.nn.parameter.is_lazy(q)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, tl.nn.parameter.UninitializedParameter) for p in ours.parameters())
    # after the first forward: the eager class, with materialized ordinary tensors
    ours(tl.ones(*shape))
    theirs(torch.ones(*shape))
    assert type(ours).__name__ == type(theirs).__name__ == eager
    assert repr(ours) == repr(theirs)
    assert not hasattr(ours, "has_uninitialized_params")  # as torch: the mixin is gone
    assert _kinds(ours) == _kinds(theirs)
    for (k, p), (_, q) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert tuple(p.shape) == tuple(q.shape) and not tl.nn.parameter.is_lazy(p), k


@pytest.mark.parametrize("name, args, shape, eager, eager_args", LAZY, ids=IDS)
def test_first_forward_initializes_exactly_as_the_eager_layer(name, args, shape, eager,
                                                              eager_args, device_or_meta):
    dev = device_or_meta
    models, offsets = [], []
    for cls, cls_args, kw in ((getattr(tl.nn, name), args, {}),
                              (getattr(tl.nn, eager), eager_args, EAGER_KW.get(eager, {}))):
        tl.manual_seed(11)  # one model from the default stream, one from its own generator
        g = tl.Generator(device=dev).manual_seed(3)
        built = [cls(*cls_args, device=dev, dtype=tl.float64, **kw)]
        if "Norm" not in name:  # norm layers draw nothing and take no generator
            built.append(cls(*cls_args, device=dev, dtype=tl.float64, generator=g, **kw))
        for model in built:
            # eval: the running statistics keep their initial values (comparable on meta too)
            y = model.eval()(tl.ones(*shape, device=dev, dtype=tl.float64))
        models.append((built, tuple(y.shape)))
        offsets.append(g.offset)
    assert models[0][1] == models[1][1] and offsets[0] == offsets[1]
    for lazy, ref in zip(models[0][0], models[1][0]):
        if dev == "meta":
            if "Norm" in name:  # tl.tensor(0) (num_batches_tracked) has no recipe on meta
                assert _kinds(lazy) == _kinds(ref)
                continue
            # the recorded initialization materializes to the eager values
            lazy, ref = tl.nn.utils.materialize(lazy), tl.nn.utils.materialize(ref)
        a, b = lazy.state_dict(), ref.state_dict()
        assert list(a) == list(b)
        for k in a:
            assert a[k].dtype == b[k].dtype and tuple(a[k].shape) == tuple(b[k].shape)
            np.testing.assert_array_equal(a[k].cpu().numpy(), b[k].cpu().numpy(), err_msg=k)


USES = [  # (label, call on a placeholder, exception, message)
    ("add", lambda lib, p: p + 1, ValueError, "Attempted to use an uninitialized parameter"),
    ("sum", lambda lib, p: p.sum(), ValueError, "Attempted to use an uninitialized parameter"),
    ("linear", lambda lib, p: lib.nn.functional.linear(lib.ones(2, 3), p), ValueError,
     "Attempted to use an uninitialized parameter"),
    ("numel", lambda lib, p: p.numel(), ValueError,
     "Attempted to use an uninitialized parameter"),
    ("getitem", lambda lib, p: p[0], ValueError, "Attempted to use an uninitialized parameter"),
    ("shape", lambda lib, p: p.shape, RuntimeError,
     "Can't access the shape of an uninitialized parameter or buffer"),
    ("share_memory_", lambda lib, p: p.share_memory_(), RuntimeError,
     "Can't share memory on an uninitialized parameter or buffer"),
]


@pytest.mark.parametrize("label, call, exc, message", USES, ids=[u[0] for u in USES])
@pytest.mark.parametrize("kind", ["UninitializedParameter", "UninitializedBuffer"])
def test_using_a_placeholder_raises_as_torch(label, call, exc, message, kind):
    for lib in (torch, tl):
        with pytest.raises(exc, match=message):
            call(lib, getattr(lib.nn, kind)())


def test_what_works_on_a_placeholder_matches_torch(device_or_meta):
    for lib, dev in ((torch, "cpu"), (tl, device_or_meta)):
        p = lib.nn.UninitializedParameter(device=dev, dtype=lib.float64)
        b = lib.nn.UninitializedBuffer(device=dev)
        assert repr(p) == "<UninitializedParameter>" and str(b) == "<UninitializedBuffer>"
        assert isinstance(p, lib.nn.Parameter) and isinstance(p, lib.Tensor)
        assert not isinstance(b, lib.nn.Parameter) and isinstance(b, lib.Tensor)
        assert p.requires_grad and not b.requires_grad and b.persistent
        assert p.dtype == lib.float64 and p.device.type == lib.device(dev).type
        assert tuple(p.size()) == (0,) and p.size(0) == 0 and p.ndim == 1
        assert p.is_floating_point() and not p.is_complex()
        assert tuple(p.data.shape) == (0,) and p.grad is None and p.is_leaf
        assert p.double() is p and p.to(dev) is p  # nothing to convert
        assert type(b.double()) is lib.nn.UninitializedBuffer and b.double().dtype == lib.float64
        assert lib.nn.parameter.is_lazy(p) and lib.nn.parameter.is_lazy(b)
        assert not lib.nn.parameter.is_lazy(lib.nn.Parameter(lib.ones(1)))
        q = copy.deepcopy(p)
        assert type(q) is type(p) and q is not p and q.dtype == lib.float64
        assert type(pickle.loads(pickle.dumps(b))) is lib.nn.UninitializedBuffer


def test_materialize_turns_placeholders_into_ordinary_tensors(device_or_meta):
    for lib, dev in ((torch, "cpu"), (tl, device_or_meta)):
        p = lib.nn.UninitializedParameter(requires_grad=False, device=dev, dtype=lib.float64)
        p.materialize((2, 3), dtype=lib.float32)
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3)
        assert p.dtype == lib.float32 and not p.requires_grad
        b = lib.nn.UninitializedBuffer(dtype=lib.float64)
        b.materialize((4,))
        assert type(b) is lib.Tensor and tuple(b.shape) == (4,) and b.dtype == lib.float64
        p = lib.nn.UninitializedParameter()
        p.materialize((3,))
        assert p + 1 is not None  # usable now: the negative control of the errors above


def test_module_conversions_keep_a_lazy_module_lazy():
    for lib in (torch, tl):
        m = lib.nn.LazyBatchNorm1d().double()
        assert [(k, type(v).__name__, str(v.dtype).split(".")[1])
                for k, v in m.state_dict(keep_vars=True).items()] == [
            ("weight", "UninitializedParameter", "float64"),
            ("bias", "UninitializedParameter", "float64"),
            ("running_mean", "UninitializedBuffer", "float64"),
            ("running_var", "UninitializedBuffer", "float64"),
            ("num_batches_tracked", "Tensor", "int64")]
        m(lib.ones(2, 3, dtype=lib.float64))
        assert m.weight.dtype == m.running_mean.dtype == lib.float64


def test_load_state_dict_materializes_a_lazy_module():
    for lib in (torch, tl):
        lazy, src = lib.nn.LazyLinear(3), lib.nn.Linear(5, 3)
        lazy.load_state_dict(src.state_dict())
        assert type(lazy).__name__ == "LazyLinear" and type(lazy.weight) is lib.nn.Parameter
        np.testing.assert_array_equal(lazy.weight.detach().numpy(),
                                      src.weight.detach().numpy())
        lazy(lib.ones(1, 5))
        assert type(lazy) is lib.nn.Linear  # initialized from the checkpoint, not redrawn
        np.testing.assert_array_equal(lazy.weight.detach().numpy(),
                                      src.weight.detach().numpy())
        lib.nn.LazyLinear(3).load_state_dict(lib.nn.LazyLinear(3).state_dict())
        with pytest.raises(RuntimeError, match="Can't access the shape"):
            lib.nn.Linear(5, 3).load_state_dict(lib.nn.LazyLinear(3).state_dict())


def test_lazy_input_errors_match_torch():
    for lib in (torch, tl):
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            lib.nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5))
        with pytest.raises(RuntimeError, match="Expected 2D \\(unbatched\\) or 3D"):
            lib.nn.LazyConvTranspose1d(4, 3)(lib.ones(5))
