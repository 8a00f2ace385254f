"""Parameter-free modules beyond the issue's list — padding (``ZeroPad``,
``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``, ``CircularPad`` in 1-3 D),
``CosineSimilarity``, ``PairwiseDistance``, ``Fold``, ``Unfold``,
``UpsamplingNearest2d``, ``UpsamplingBilinear2d``, ``ChannelShuffle``, ``Softmax2d``,
``Hardshrink``, ``Softshrink`` — and their functional forms: reprs string-compared with
PyTorch's, outputs and input gradients equal in float64 (``compare`` of
test_nn_functional), bad arguments with PyTorch's exception types.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn.functional as F

torch = pytest.importorskip("torch")
from test_nn_functional import R, compare  # noqa: E402

TF = torch.nn.functional

# (module name, constructor args, input shapes)
CASES = [
    ("ZeroPad1d", (2,), [(2, 3, 4)]),
    ("ZeroPad2d", ((1, 1, 2, 0),), [(2, 3, 4, 5)]),
    ("ZeroPad3d", (1,), [(1, 2, 3, 4, 2)]),
    ("ConstantPad1d", (2, 3.5), [(2, 3, 4)]),
    ("ConstantPad2d", ((1, 2, 0, 1), -1.0), [(3, 4, 5)]),
    ("ConstantPad3d", (1, 0.5), [(1, 2, 3, 4, 2)]),
    ("ReflectionPad1d", (2,), [(2, 3, 4)]),
    ("ReflectionPad2d", ((1, 2, 0, 2),), [(2, 3, 4, 5)]),
    ("ReflectionPad3d", (1,), [(1, 2, 3, 4, 2)]),
    ("ReplicationPad1d", ((3, 1),), [(2, 3, 4)]),
    ("ReplicationPad2d", (2,), [(2, 3, 4, 5)]),
    ("ReplicationPad3d", (1,), [(1, 2, 3, 4, 2)]),
    ("CircularPad1d", (2,), [(2, 3, 4)]),
    ("CircularPad2d", ((1, 0, 2, 1),), [(2, 3, 4, 5)]),
    ("CircularPad3d", (1,), [(1, 2, 3, 4, 2)]),
    ("CosineSimilarity", (), [(4, 5), (4, 5)]),
    ("PairwiseDistance", (3.0, 1e-4, True), [(4, 5), (4, 5)]),
    ("Unfold", ((2, 3), 1, 1, (1, 2)), [(2, 3, 5, 6)]),
    ("Fold", ((4, 5), 2), [(2, 12, 12)]),
    ("UpsamplingNearest2d", (None, 2), [(2, 3, 4, 5)]),
    ("UpsamplingBilinear2d", ((7, 3),), [(2, 3, 4, 5)]),
    ("ChannelShuffle", (3,), [(2, 6, 4, 5)]),
    ("Softmax2d", (), [(2, 3, 4, 5)]),
    ("Hardshrink", (), [(3, 7)]),
    ("Softshrink", (0.3,), [(3, 7)]),
]


@pytest.mark.parametrize("name,args,shapes", CASES, ids=[c[0] for c in CASES])
def test_module_matches_torch(name, args, shapes, device):
    ours, theirs = getattr(tl.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    inputs = [R(*shape, seed=i) * 2 for i, shape in enumerate(shapes)]
    compare(ours, theirs, inputs, device=device)


@pytest.mark.parametrize("name,args", [("hardshrink", (0.7,)), ("softshrink", (0.0,)),
                                       ("channel_shuffle", (2,))])
def test_functional_matches_torch(name, args, device):
    compare(getattr(F, name), getattr(TF, name), (R(2, 4, 3) * 2,) + args, device=device)


def test_shrinks_are_not_identities(device):
    """Negative control: both shrinks zero the band and differ outside it."""
    x = tl.tensor([-2.0, -0.2, 0.0, 0.3, 1.0], device=device)
    assert F.hardshrink(x).tolist() == [-2.0, 0.0, 0.0, 0.0, 1.0]
    assert F.softshrink(x).tolist() == [-1.5, 0.0, 0.0, 0.0, 0.5]


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.channel_shuffle(L.zeros(1, 3, 2, 2), 2),
    lambda L: L.nn.functional.channel_shuffle(L.zeros(1, 4, 2, 2), 0),
    lambda L: L.nn.functional.channel_shuffle(L.zeros(1, 4), 2),
    lambda L: L.nn.functional.softshrink(L.zeros(3), -1.0),
    lambda L: L.nn.Softmax2d()(L.zeros(2, 3)),
    lambda L: L.nn.ReflectionPad1d(3)(L.zeros(1, 2, 3)),
], ids=["shuffle_divides", "shuffle_groups", "shuffle_rank", "softshrink_lambda",
        "softmax2d_rank", "reflection_too_wide"])
def test_bad_arguments(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tl)


@pytest.mark.parametrize("name,args", [("elu_", (0.7,)), ("selu_", ()), ("celu_", (1.3,)),
                                       ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.8)),
                                       ("threshold_", (0.1, -2.0))])
def test_inplace_activations(name, args, device):
    x = R(3, 4) * 2
    ours, theirs = tl.tensor(x, device=device), torch.tensor(x)
    out = getattr(F, name)(ours, *args)
    getattr(TF, name)(theirs, *args)
    assert out is ours
    np.testing.assert_allclose(ours.cpu().numpy(), theirs.numpy(), rtol=1e-12)
    assert not (ours.cpu().numpy() == x).all()  # it did write


@pytest.mark.parametrize("name,kwargs", [("upsample", dict(scale_factor=2, mode="bilinear")),
                                         ("upsample_nearest", dict(size=(5, 3))),
                                         ("upsample_bilinear", dict(scale_factor=1.5))])
def test_deprecated_upsample_forms(name, kwargs, device):
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
        getattr(F, name)(tl.zeros(1, 2, 3, 4, device=device), **kwargs)
    compare(getattr(F, name), getattr(TF, name), (R(1, 2, 3, 4),), kwargs, device=device)
