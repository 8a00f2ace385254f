"""tensorlite.nn.functional against torch.nn.functional: forward values and gradients.

Every case runs in float64 on the same inputs; outputs and input gradients (for a
random upstream gradient) must agree to 1e-10 relative (plus 1e-12 absolute for values
near zero). A float32 pass checks the same cases to rtol=atol=1e-4 (different
summation orders). Bad input raises PyTorch's exception type.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL64, ATOL64 = 1e-10, 1e-12
RTOL32, ATOL32 = 1e-4, 1e-4


def _rng(seed):
    return np.random.default_rng(seed)


def _convert(arg, device, dtype, lib):
    """Arrays become tensors of ``lib``; ``("long", array)`` integer tensors; ``("bool",
    array)`` boolean tensors; anything else passes through."""
    if isinstance(arg, tuple) and len(arg) == 2 and arg[0] in ("long", "bool", "const"):
        kind, a = arg
        if lib == "tl":
            t = tl.tensor(a, device=device)
            return t.to(dtype) if kind == "const" else t
        t = torch.from_numpy(np.asarray(a))
        return t.to({"float64": torch.float64, "float32": torch.float32}[dtype]) \
            if kind == "const" else t
    if isinstance(arg, np.ndarray):
        if lib == "tl":
            return tl.tensor(arg, device=device).to(dtype).requires_grad_()
        tdt = {"float64": torch.float64, "float32": torch.float32}[dtype]
        return torch.from_numpy(arg).to(tdt).requires_grad_()
    return arg


def compare(ours, theirs, args, kwargs=None, device="cpu", dtype="float64", seed=1):
    kwargs = kwargs or {}
    rtol, atol = (RTOL64, ATOL64) if dtype == "float64" else (RTOL32, ATOL32)
    tl_dtype = getattr(tl, dtype)
    a_tl = [_convert(a, device, tl_dtype, "tl") for a in args]
    a_th = [_convert(a, device, dtype, "torch") for a in args]
    k_tl = {k: _convert(v, device, tl_dtype, "tl") for k, v in kwargs.items()}
    k_th = {k: _convert(v, device, dtype, "torch") for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out_tl, out_th = ours(*a_tl, **k_tl), theirs(*a_th, **k_th)
    if isinstance(out_th, tuple):
        out_tl, out_th = out_tl[0], out_th[0]
    got = out_tl.detach().cpu().numpy().astype(np.float64)
    want = out_th.detach().numpy().astype(np.float64)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    if not out_th.requires_grad:
        return
    g = _rng(seed).standard_normal(want.shape)
    out_tl.backward(tl.tensor(g, device=device).to(tl_dtype))
    out_th.backward(torch.from_numpy(g).to(out_th.dtype))
    leaves = [(x, y) for x, y in zip(a_tl + list(k_tl.values()), a_th + list(k_th.values()))
              if isinstance(y, torch.Tensor) and y.requires_grad]
    for x, y in leaves:
        assert x.grad is not None, "no gradient reached an input"
        np.testing.assert_allclose(x.grad.cpu().numpy().astype(np.float64),
                                   y.grad.numpy().astype(np.float64), rtol=rtol,
                                   atol=atol * 10)


def R(*shape, seed=0, low=None):
    x = _rng(seed).standard_normal(shape)
    return np.abs(x) + low if low is not None else x


def P(*shape, seed=0):
    """Probabilities strictly inside (0, 1)."""
    return _rng(seed).uniform(0.05, 0.95, shape)


def LONG(high, *shape, seed=0):
    return ("long", _rng(seed).integers(0, high, shape))


def C(a):
    return ("const", a)


CASES = [
    # convolutions
    ("conv1d", F.conv1d, TF.conv1d, (R(2, 4, 9), R(6, 2, 3, seed=1), R(6, seed=2)),
     dict(stride=2, padding=1, dilation=1, groups=2)),
    ("conv1d_same", F.conv1d, TF.conv1d, (R(2, 3, 8), R(5, 3, 4, seed=1)),
     dict(padding="same", dilation=2)),
    ("conv2d", F.conv2d, TF.conv2d, (R(2, 3, 7, 6), R(4, 3, 3, 2, seed=1), R(4, seed=2)),
     dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ("conv2d_unbatched", F.conv2d, TF.conv2d, (R(3, 5, 5), R(2, 3, 3, 3, seed=1)), {}),
    ("conv3d", F.conv3d, TF.conv3d, (R(1, 2, 5, 4, 6), R(4, 1, 2, 3, 2, seed=1), R(4, seed=2)),
     dict(stride=(1, 2, 1), padding=1, groups=2)),
    ("conv_transpose1d", F.conv_transpose1d, TF.conv_transpose1d,
     (R(2, 4, 5), R(4, 3, 3, seed=1), R(6, seed=2)),
     dict(stride=3, padding=1, output_padding=2, groups=2, dilation=1)),
    ("conv_transpose2d", F.conv_transpose2d, TF.conv_transpose2d,
     (R(2, 3, 4, 5), R(3, 2, 3, 2, seed=1), R(2, seed=2)),
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 0), dilation=(2, 1))),
    ("conv_transpose3d", F.conv_transpose3d, TF.conv_transpose3d,
     (R(1, 2, 3, 3, 2), R(2, 2, 2, 2, 2, seed=1)), dict(stride=2)),
    ("unfold", F.unfold, TF.unfold, (R(2, 3, 6, 5),),
     dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))),
    ("fold", F.fold, TF.fold, (R(2, 12, 9),),
     dict(output_size=(5, 6), kernel_size=(2, 3), padding=1, stride=(2, 2))),
    # pooling
    ("max_pool1d", F.max_pool1d, TF.max_pool1d, (R(2, 3, 11),),
     dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", F.max_pool2d, TF.max_pool2d, (R(2, 3, 7, 8),),
     dict(kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2))),
    ("max_pool2d_ceil", F.max_pool2d, TF.max_pool2d, (R(1, 2, 6, 7),),
     dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("max_pool3d", F.max_pool3d, TF.max_pool3d, (R(1, 2, 4, 5, 4),), dict(kernel_size=2)),
    ("avg_pool1d", F.avg_pool1d, TF.avg_pool1d, (R(2, 3, 10),),
     dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    ("avg_pool2d", F.avg_pool2d, TF.avg_pool2d, (R(2, 3, 7, 7),),
     dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d_ceil", F.avg_pool2d, TF.avg_pool2d, (R(2, 3, 7, 6),),
     dict(kernel_size=(3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d_div", F.avg_pool2d, TF.avg_pool2d, (R(1, 2, 6, 6),),
     dict(kernel_size=2, divisor_override=3)),
    ("avg_pool3d", F.avg_pool3d, TF.avg_pool3d, (R(1, 2, 4, 4, 5),),
     dict(kernel_size=2, stride=(1, 2, 2))),
    ("adaptive_avg_pool1d", F.adaptive_avg_pool1d, TF.adaptive_avg_pool1d, (R(2, 3, 10),),
     dict(output_size=4)),
    ("adaptive_avg_pool2d", F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, (R(2, 3, 7, 9),),
     dict(output_size=(3, 4))),
    ("adaptive_avg_pool2d_none", F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d,
     (R(2, 3, 7, 9),), dict(output_size=(None, 2))),
    ("adaptive_avg_pool3d", F.adaptive_avg_pool3d, TF.adaptive_avg_pool3d, (R(1, 2, 5, 4, 3),),
     dict(output_size=2)),
    ("adaptive_max_pool1d", F.adaptive_max_pool1d, TF.adaptive_max_pool1d, (R(2, 3, 10),),
     dict(output_size=3)),
    ("adaptive_max_pool2d", F.adaptive_max_pool2d, TF.adaptive_max_pool2d, (R(2, 3, 7, 9),),
     dict(output_size=(3, 4))),
    # activations
    ("softmax", F.softmax, TF.softmax, (R(3, 4, 5),), dict(dim=1)),
    ("softmax_last", F.softmax, TF.softmax, (R(3, 7) * 50,), dict(dim=-1)),
    ("log_softmax", F.log_softmax, TF.log_softmax, (R(3, 4, 5) * 30,), dict(dim=2)),
    ("softmin", F.softmin, TF.softmin, (R(3, 4),), dict(dim=0)),
    ("silu", F.silu, TF.silu, (R(4, 5),), {}),
    ("elu", F.elu, TF.elu, (R(4, 5),), dict(alpha=0.7)),
    ("selu", F.selu, TF.selu, (R(4, 5),), {}),
    ("celu", F.celu, TF.celu, (R(4, 5),), dict(alpha=1.5)),
    ("softplus", F.softplus, TF.softplus, (R(4, 5) * 10,), dict(beta=2.0, threshold=5.0)),
    ("mish", F.mish, TF.mish, (R(4, 5) * 3,), {}),
    ("hardswish", F.hardswish, TF.hardswish, (R(4, 5) * 4,), {}),
    ("hardsigmoid", F.hardsigmoid, TF.hardsigmoid, (R(4, 5) * 4,), {}),
    ("hardtanh", F.hardtanh, TF.hardtanh, (R(4, 5) * 2,), dict(min_val=-0.5, max_val=1.5)),
    ("relu6", F.relu6, TF.relu6, (R(4, 5) * 5,), {}),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid, (R(4, 5) * 10,), {}),
    ("softsign", F.softsign, TF.softsign, (R(4, 5),), {}),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink, (R(4, 5),), {}),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, (R(4, 5),), dict(negative_slope=0.2)),
    ("prelu", F.prelu, TF.prelu, (R(2, 3, 4), R(3, seed=1)), {}),
    ("prelu_shared", F.prelu, TF.prelu, (R(2, 3, 4), R(1, seed=1)), {}),
    ("glu", F.glu, TF.glu, (R(3, 6, 2),), dict(dim=1)),
    # normalization
    ("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
     (R(4, 3, 5, 2), R(3, seed=1), R(3, seed=2)), {}),
    ("batch_norm_eval", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, eps=1e-3),
     lambda x, m, v, w, b: TF.batch_norm(x, m, v, w, b, eps=1e-3),
     (R(4, 3, 5), C(R(3, seed=3)), C(P(3, seed=4)), R(3, seed=1), R(3, seed=2)), {}),
    ("group_norm", F.group_norm, TF.group_norm, (R(2, 6, 4, 3), 3, R(6, seed=1), R(6, seed=2)),
     {}),
    ("instance_norm", F.instance_norm, TF.instance_norm, (R(2, 3, 4, 5),),
     dict(weight=R(3, seed=1), bias=R(3, seed=2))),
    ("layer_norm", F.layer_norm, TF.layer_norm, (R(2, 3, 4), (3, 4), R(3, 4, seed=1),
                                                 R(3, 4, seed=2)), {}),
    ("rms_norm", F.rms_norm, TF.rms_norm, (R(2, 3, 4), (4,), R(4, seed=1)), dict(eps=1e-6)),
    ("rms_norm_default_eps", F.rms_norm, TF.rms_norm, (R(2, 5), (5,)), {}),
    ("normalize", F.normalize, TF.normalize, (R(3, 4),), dict(p=2.0, dim=1)),
    ("normalize_p1", F.normalize, TF.normalize, (R(3, 4),), dict(p=1.0, dim=0)),
    ("cosine_similarity", F.cosine_similarity, TF.cosine_similarity,
     (R(3, 5), R(3, 5, seed=1)), {}),
    ("pairwise_distance", F.pairwise_distance, TF.pairwise_distance,
     (R(3, 5), R(3, 5, seed=1)), dict(p=3.0)),
    # losses
    ("cross_entropy", F.cross_entropy, TF.cross_entropy, (R(5, 4), LONG(4, 5)), {}),
    ("cross_entropy_all", F.cross_entropy, TF.cross_entropy,
     (R(4, 5, 3) * 5, ("long", np.array([[0, 1, -1], [4, -1, 2], [3, 3, 3], [1, 0, 2]]))),
     dict(weight=C(P(5, seed=3)), ignore_index=-1, label_smoothing=0.2)),
    ("cross_entropy_sum", F.cross_entropy, TF.cross_entropy, (R(5, 4), LONG(4, 5)),
     dict(reduction="sum", label_smoothing=0.1)),
    ("cross_entropy_none", F.cross_entropy, TF.cross_entropy, (R(5, 4), LONG(4, 5)),
     dict(reduction="none", weight=C(P(4, seed=3)))),
    ("cross_entropy_unbatched", F.cross_entropy, TF.cross_entropy, (R(4), LONG(4)), {}),
    ("cross_entropy_probs", F.cross_entropy, TF.cross_entropy, (R(3, 4, 2), C(P(3, 4, 2))),
     dict(weight=C(P(4, seed=3)), label_smoothing=0.3)),
    ("nll_loss", F.nll_loss, TF.nll_loss, (R(5, 4), LONG(4, 5)),
     dict(weight=C(P(4, seed=3)))),
    ("nll_loss_ignore", F.nll_loss, TF.nll_loss, (R(3, 4, 2), LONG(4, 3, 2)),
     dict(ignore_index=1, reduction="sum")),
    ("mse_loss", F.mse_loss, TF.mse_loss, (R(3, 4), R(3, 4, seed=1)), {}),
    ("l1_loss", F.l1_loss, TF.l1_loss, (R(3, 4), R(3, 4, seed=1)), dict(reduction="sum")),
    ("smooth_l1_loss", F.smooth_l1_loss, TF.smooth_l1_loss, (R(3, 4) * 2, R(3, 4, seed=1)),
     dict(beta=0.5, reduction="none")),
    ("huber_loss", F.huber_loss, TF.huber_loss, (R(3, 4) * 2, R(3, 4, seed=1)),
     dict(delta=0.7)),
    ("bce", F.binary_cross_entropy, TF.binary_cross_entropy, (P(3, 4), C(P(3, 4, seed=1))),
     dict(weight=C(P(3, 4, seed=2)))),
    ("bce_logits", F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
     (R(3, 4) * 20, C(P(3, 4, seed=1))), dict(pos_weight=C(P(4, seed=2) * 3),
                                             weight=C(P(3, 4, seed=3)))),
    ("kl_div", F.kl_div, TF.kl_div, (R(3, 4), C(P(3, 4, seed=1))), dict(reduction="batchmean")),
    ("kl_div_log", F.kl_div, TF.kl_div, (R(3, 4), C(R(3, 4, seed=1))),
     dict(reduction="sum", log_target=True)),
    # vision
    ("pad_constant", F.pad, TF.pad, (R(2, 3, 4), (1, 2, -1, 1)), dict(value=0.5)),
    ("pad_reflect", F.pad, TF.pad, (R(2, 3, 4, 5), (2, 1, 3, 0)), dict(mode="reflect")),
    ("pad_replicate", F.pad, TF.pad, (R(2, 3, 4), (2, 3)), dict(mode="replicate")),
    ("pad_circular", F.pad, TF.pad, (R(1, 2, 3, 4, 5), (1, 2, 3, 1, 0, 2)),
     dict(mode="circular")),
    ("interp_nearest", F.interpolate, TF.interpolate, (R(2, 3, 5, 4),), dict(size=(7, 3))),
    ("interp_nearest_scale", F.interpolate, TF.interpolate, (R(2, 3, 5),),
     dict(scale_factor=1.7)),
    ("interp_nearest_exact", F.interpolate, TF.interpolate, (R(2, 3, 5, 4),),
     dict(size=(8, 3), mode="nearest-exact")),
    ("interp_linear", F.interpolate, TF.interpolate, (R(2, 3, 5),),
     dict(size=9, mode="linear")),
    ("interp_bilinear", F.interpolate, TF.interpolate, (R(2, 3, 5, 4),),
     dict(scale_factor=(1.5, 2.25), mode="bilinear")),
    ("interp_bilinear_ac", F.interpolate, TF.interpolate, (R(2, 3, 5, 4),),
     dict(size=(3, 7), mode="bilinear", align_corners=True)),
    ("interp_trilinear", F.interpolate, TF.interpolate, (R(1, 2, 3, 4, 2),),
     dict(size=(5, 3, 4), mode="trilinear")),
    ("interp_area", F.interpolate, TF.interpolate, (R(1, 2, 7, 5),),
     dict(size=(3, 2), mode="area")),
    ("pixel_shuffle", F.pixel_shuffle, TF.pixel_shuffle, (R(2, 8, 3, 4),), dict(upscale_factor=2)),
    ("pixel_unshuffle", F.pixel_unshuffle, TF.pixel_unshuffle, (R(2, 2, 6, 9),),
     dict(downscale_factor=3)),
    # linear, attention
    ("bilinear", F.bilinear, TF.bilinear, (R(4, 3), R(4, 5, seed=1), R(2, 3, 5, seed=2),
                                           R(2, seed=3)), {}),
    ("sdpa", F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
     (R(2, 3, 4, 8), R(2, 3, 6, 8, seed=1), R(2, 3, 6, 5, seed=2)), {}),
    ("sdpa_causal", F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
     (R(2, 5, 8), R(2, 5, 8, seed=1), R(2, 5, 8, seed=2)), dict(is_causal=True, scale=0.3)),
    ("sdpa_bool_mask", F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
     (R(2, 4, 8), R(2, 6, 8, seed=1), R(2, 6, 3, seed=2)),
     dict(attn_mask=("bool", _rng(5).random((4, 6)) < 0.7))),
    ("sdpa_float_mask", F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
     (R(2, 4, 8), R(2, 6, 8, seed=1), R(2, 6, 3, seed=2)), dict(attn_mask=C(R(2, 4, 6)))),
    # the fused attention node's mask gradient, the mask broadcast over the batch
    ("sdpa_float_mask_grad", F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
     (R(2, 3, 4, 8), R(2, 3, 6, 8, seed=1), R(2, 3, 6, 3, seed=2)),
     dict(attn_mask=R(4, 6, seed=3))),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_torch_float64(case, device):
    _, ours, theirs, args, kwargs = case
    compare(ours, theirs, args, kwargs, device=device)


@pytest.mark.parametrize("case", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_matches_torch_float32(case, device):
    _, ours, theirs, args, kwargs = case
    compare(ours, theirs, args, kwargs, device=device, dtype="float32")


def test_sdpa_dropout_gradcheck():
    """The fused attention node's backward through the dropout keep-mask (the same
    mask on every call: the generator is re-seeded)."""
    rng = _rng(11)
    q, k, v = (tl.tensor(rng.standard_normal(s)).requires_grad_() for s in
               ((2, 3, 4), (2, 5, 4), (2, 5, 3)))

    def fn(q, k, v):
        gen = tl.Generator().manual_seed(3)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.4, generator=gen)

    out = fn(q, k, v)
    assert (fn(q, k, v) == out).all() and (out != F.scaled_dot_product_attention(q, k, v)).any()
    assert tl.autograd.gradcheck(fn, (q, k, v))
