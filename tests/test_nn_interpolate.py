"""``F.interpolate`` and ``nn.Upsample`` against PyTorch: every mode (nearest,
nearest-exact, linear, bilinear, bicubic, trilinear, area, lanczos), ``align_corners``
both ways, ``antialias=True``, the ``size`` and ``scale_factor`` forms and
``recompute_scale_factor``. Values and input gradients (for a random upstream gradient)
agree in float64 to 1e-10 relative (``compare`` of test_nn_functional); bad arguments
raise PyTorch's exception types.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn.functional as F

torch = pytest.importorskip("torch")
from test_nn_functional import R, compare  # noqa: E402

TF = torch.nn.functional

# (input shape, size or None, scale_factor or None, recompute_scale_factor)
SIZES = [
    ((2, 3, 5, 6), (9, 11), None, None),      # upsample
    ((2, 3, 9, 8), (5, 3), None, None),       # downsample
    ((1, 2, 20, 16), (3, 5), None, None),     # strong downsample (wide antialias filter)
    ((1, 2, 4, 4), (4, 4), None, None),       # same size
    ((1, 2, 3, 1), (1, 4), None, None),       # one-pixel sides
    ((1, 2, 7, 6), None, (1.5, 0.37), None),  # the given factors enter the source formula
    ((1, 2, 7, 6), None, 2.25, True),         # recomputed from the sizes
    ((1, 2, 7, 6), None, (0.5, 3.0), False),
]
CASES = [(mode, ac, aa) + s for mode in ("bilinear", "bicubic") for ac in (False, True)
         for aa in (False, True) for s in SIZES]
CASES += [("lanczos", None, True) + s for s in SIZES]
CASES += [(mode, ac, False, shape, size, sf, rc)
          for mode, shape in (("linear", (2, 3, 7)), ("trilinear", (1, 2, 4, 3, 5)))
          for ac in (False, True)
          for size, sf, rc in ((9, None, None), (None, 0.37, None), (None, 2.6, True),
                               (None, 1.5, False))]
CASES += [(mode, None, False, shape, None, sf, rc)
          for mode in ("nearest", "nearest-exact", "area")
          for shape in ((2, 3, 7), (1, 2, 6, 5), (1, 1, 4, 5, 3))
          for sf, rc in ((0.37, None), (2.6, None), (1.5, True))]


def _id(case):
    mode, ac, aa, shape, size, sf, rc = case
    return (f"{mode}-{len(shape)}d-ac{ac}-aa{aa}-" +
            (f"size{size}" if size is not None else f"sf{sf}-rc{rc}"))


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_interpolate_matches_torch(case, device):
    mode, ac, aa, shape, size, sf, rc = case
    kwargs = dict(size=size, scale_factor=sf, mode=mode, recompute_scale_factor=rc)
    if ac is not None:
        kwargs["align_corners"] = ac
    if aa:
        kwargs["antialias"] = True
    compare(F.interpolate, TF.interpolate, (R(*shape),), kwargs, device=device)


@pytest.mark.parametrize("mode", ["bicubic", "bilinear"])
def test_interpolate_float32(mode, device):
    compare(F.interpolate, TF.interpolate, (R(2, 3, 9, 7),),
            dict(size=(4, 10), mode=mode, antialias=True), device=device, dtype="float32")
    compare(F.interpolate, TF.interpolate, (R(2, 3, 5, 7),),
            dict(scale_factor=1.7, mode=mode), device=device, dtype="float32")


def test_bicubic_is_keys_cubic_not_linear(device):
    """Negative control: bicubic of a ramp with a kink differs from bilinear (the test
    above could otherwise pass with one shared kernel), and reproduces cubics' overshoot."""
    x = tl.tensor([[[[0.0, 0.0, 1.0, 1.0]]]], device=device)
    cub = F.interpolate(x, size=(1, 8), mode="bicubic").cpu().numpy()
    lin = F.interpolate(x, size=(1, 8), mode="bilinear").cpu().numpy()
    assert np.abs(cub - lin).max() > 0.01
    assert cub.min() < 0 and cub.max() > 1  # A = -0.75 rings at a step


def test_antialias_is_a_normalized_average(device):
    """Downsampling a constant with antialias gives the constant (weights sum to 1), and
    a checkerboard averages out instead of aliasing as plain bilinear does."""
    ones = tl.ones(1, 1, 16, 16, dtype=tl.float64, device=device)
    out = F.interpolate(ones, size=(3, 5), mode="bicubic", antialias=True)
    np.testing.assert_allclose(out.cpu().numpy(), 1.0, rtol=1e-12)
    board = tl.tensor((np.indices((32, 32)).sum(0) % 2)[None, None] * 1.0, device=device)
    smooth = F.interpolate(board, size=(4, 4), mode="bilinear", antialias=True).cpu().numpy()
    np.testing.assert_allclose(smooth, 0.5, atol=0.05)


def test_meta_shapes():
    x = tl.empty(2, 3, 9, 7, device="meta")
    for mode, kw in (("bicubic", {}), ("bilinear", dict(antialias=True)),
                     ("lanczos", dict(antialias=True))):
        assert F.interpolate(x, scale_factor=0.5, mode=mode, **kw).shape == (2, 3, 4, 3)


ERRORS = [
    ((2, 3, 4), dict(size=4, mode="bicubic")),
    ((2, 3, 4, 4), dict(size=4, mode="linear")),
    ((2, 3, 4), dict(size=4, mode="bilinear")),
    ((2, 3, 4), dict(size=4, mode="linear", antialias=True)),
    ((2, 3, 4, 4), dict(size=4, mode="nearest", antialias=True)),
    ((2, 3, 4, 4), dict(size=4, mode="foo")),
    ((4, 4), dict(size=4)),
    ((4, 4), dict(size=(4, 4))),
    ((2, 3, 4, 4), dict(size=4, scale_factor=2)),
    ((2, 3, 4, 4), dict()),
    ((2, 3, 4, 4), dict(size=4, recompute_scale_factor=True)),
    ((2, 3, 4, 4), dict(size=(4.0, 3))),
    ((2, 3, 4, 4), dict(size=(4, 3, 2))),
    ((2, 3, 4, 4), dict(scale_factor=(2, 3, 2))),
    ((2, 3, 4, 4), dict(size=4, mode="nearest", align_corners=True)),
    ((2, 3, 4, 4), dict(size=4, mode="lanczos")),
    ((2, 3, 4, 4), dict(size=4, mode="lanczos", antialias=True, align_corners=True)),
    ((2, 3, 4, 4), dict(size=0)),
    ((2, 3, 4, 4), dict(scale_factor=0.1, mode="bilinear")),
]


@pytest.mark.parametrize("shape,kwargs", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_interpolate_errors_match_torch(shape, kwargs):
    with pytest.raises(Exception) as theirs:
        TF.interpolate(torch.zeros(shape, dtype=torch.float64), **kwargs)
    with pytest.raises(type(theirs.value)):
        F.interpolate(tl.zeros(*shape, dtype=tl.float64), **kwargs)


@pytest.mark.parametrize("kwargs", [
    dict(scale_factor=2, mode="bicubic", align_corners=True),
    dict(size=(3, 5), mode="bilinear", align_corners=False),
    dict(scale_factor=(0.5, 1.5), mode="nearest-exact", recompute_scale_factor=True),
])
def test_upsample_module(kwargs, device):
    ours, theirs = tl.nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(ours) == repr(theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(ours, theirs, (R(2, 3, 6, 4),), device=device)
