"""The layers of issue 13 against PyTorch's: parameter names, order, shapes and reprs;
forward outputs and gradients (inputs and parameters) with weights copied from ours,
in float64 to 1e-10 relative (float32: rtol=atol=1e-4, different summation orders);
BatchNorm running statistics after several batches; default-init distributions (KS,
fixed seeds, threshold 1.95/sqrt(n), about the 0.1% level, with a negative control);
hooks and containers; PyTorch's exception types for bad input.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn as nn
import tensorlite.nn.functional as F
from stats_helpers import ks_distance

torch = pytest.importorskip("torch")
TNN = torch.nn

RTOL, ATOL = 1e-10, 1e-12


def as_np(t):
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float64)


def th_repr(text):
    return text.replace("torch.", "tensorlite.")


def copy_into_torch(ours, theirs):
    """Our parameters and buffers into the torch twin (same names, same order)."""
    mine, other = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(other)
    with torch.no_grad():
        for key, value in other.items():
            assert tuple(mine[key].shape) == tuple(value.shape), key
            value.copy_(torch.from_numpy(as_np(mine[key])).to(value.dtype))


def flat(out):
    if isinstance(out, tuple):
        return [t for o in out for t in flat(o)]
    return [out] if out is not None else []


def run_pair(ours, theirs, inputs, device, dtype="float64", rtol=RTOL, atol=ATOL, call=None):
    """Forward both on the same inputs, backward a random cotangent, compare all."""
    tdt = getattr(torch, dtype)
    a = [tl.tensor(x, device=device).to(getattr(tl, dtype)).requires_grad_()
         if isinstance(x, np.ndarray) and x.dtype.kind == "f" else
         (tl.tensor(x, device=device) if isinstance(x, np.ndarray) else x) for x in inputs]
    b = [torch.from_numpy(x).to(tdt).requires_grad_() if isinstance(x, np.ndarray) and
         x.dtype.kind == "f" else (torch.from_numpy(x) if isinstance(x, np.ndarray) else x)
         for x in inputs]
    call = call or (lambda m, *xs: m(*xs))
    outs_a, outs_b = flat(call(ours, *a)), flat(call(theirs, *b))
    assert len(outs_a) == len(outs_b)
    rng = np.random.default_rng(7)
    total_a, total_b = 0, 0
    for oa, ob in zip(outs_a, outs_b):
        np.testing.assert_allclose(as_np(oa), ob.detach().double().numpy(), rtol=rtol,
                                   atol=atol)
        if ob.requires_grad:
            g = rng.standard_normal(tuple(ob.shape))
            total_a = total_a + (oa * tl.tensor(g, device=device).to(oa.dtype)).sum()
            total_b = total_b + (ob * torch.from_numpy(g).to(ob.dtype)).sum()
    if isinstance(total_b, int):
        return
    total_a.backward()
    total_b.backward()
    for (name, pa), (_, pb) in zip(ours.named_parameters(), theirs.named_parameters()):
        if pb.grad is None:
            continue
        assert pa.grad is not None, name
        np.testing.assert_allclose(as_np(pa.grad), pb.grad.double().numpy(), rtol=rtol,
                                   atol=atol * 100, err_msg=name)
    for xa, xb in zip(a, b):
        if isinstance(xb, torch.Tensor) and xb.grad is not None:
            np.testing.assert_allclose(as_np(xa.grad), xb.grad.double().numpy(), rtol=rtol,
                                       atol=atol * 100)


def R(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# name, our constructor, torch's, inputs, call
LAYERS = [
    ("Conv1d", lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2),
     lambda: TNN.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [R(2, 4, 9)], None),
    ("Conv1d_reflect", lambda: nn.Conv1d(3, 2, 4, padding="same", padding_mode="reflect"),
     lambda: TNN.Conv1d(3, 2, 4, padding="same", padding_mode="reflect"), [R(2, 3, 7)], None),
    ("Conv2d_circular", lambda: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="circular"),
     lambda: TNN.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="circular"), [R(2, 3, 5, 6)],
     None),
    ("Conv2d_replicate", lambda: nn.Conv2d(2, 2, 3, padding=1, padding_mode="replicate",
                                           bias=False, dilation=2),
     lambda: TNN.Conv2d(2, 2, 3, padding=1, padding_mode="replicate", bias=False, dilation=2),
     [R(1, 2, 6, 6)], None),
    ("Conv3d", lambda: nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1),
     lambda: TNN.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1), [R(1, 2, 4, 5, 3)],
     None),
    ("ConvTranspose1d", lambda: nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1,
                                                   groups=2),
     lambda: TNN.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1, groups=2),
     [R(2, 4, 5)], None),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1),
     lambda: TNN.ConvTranspose2d(3, 4, 3, stride=2, padding=1), [R(2, 3, 4, 4)],
     lambda m, x: m(x, output_size=[8, 8])),
    ("Bilinear", lambda: nn.Bilinear(3, 4, 5), lambda: TNN.Bilinear(3, 4, 5),
     [R(6, 3), R(6, 4, seed=1)], None),
    ("PReLU", lambda: nn.PReLU(3), lambda: TNN.PReLU(3), [R(2, 3, 4)], None),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(3), lambda: TNN.BatchNorm1d(3), [R(5, 3, 4)], None),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(3, momentum=None), lambda: TNN.BatchNorm2d(
        3, momentum=None), [R(4, 3, 2, 3)], None),
    ("BatchNorm3d_noaffine", lambda: nn.BatchNorm3d(2, affine=False),
     lambda: TNN.BatchNorm3d(2, affine=False), [R(2, 2, 2, 3, 2)], None),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4), lambda: TNN.GroupNorm(2, 4), [R(3, 4, 5)], None),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
     lambda: TNN.InstanceNorm2d(3, affine=True, track_running_stats=True), [R(2, 3, 4, 5)],
     None),
    ("RMSNorm", lambda: nn.RMSNorm([3, 4], eps=1e-5), lambda: TNN.RMSNorm([3, 4], eps=1e-5),
     [R(2, 3, 4)], None),
    ("MaxPool2d", lambda: nn.MaxPool2d(3, 2, 1), lambda: TNN.MaxPool2d(3, 2, 1),
     [R(2, 3, 7, 7)], None),
    ("MaxPool1d_indices", lambda: nn.MaxPool1d(3, 2, 1, return_indices=True),
     lambda: TNN.MaxPool1d(3, 2, 1, return_indices=True), [R(2, 3, 9)],
     lambda m, x: m(x)[1].double() if isinstance(x, torch.Tensor) else m(x)[1].double()),
    ("AvgPool1d", lambda: nn.AvgPool1d(3, 2, 1), lambda: TNN.AvgPool1d(3, 2, 1), [R(2, 3, 9)],
     None),
    ("AvgPool2d", lambda: nn.AvgPool2d(2), lambda: TNN.AvgPool2d(2), [R(2, 3, 6, 5)], None),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)),
     lambda: TNN.AdaptiveAvgPool2d((2, 3)), [R(2, 3, 7, 8)], None),
    ("AdaptiveMaxPool2d", lambda: nn.AdaptiveMaxPool2d(2, return_indices=True),
     lambda: TNN.AdaptiveMaxPool2d(2, return_indices=True), [R(2, 3, 5, 7)],
     lambda m, x: (m(x)[0], m(x)[1].double())),
    ("Softmax", lambda: nn.Softmax(dim=1), lambda: TNN.Softmax(dim=1), [R(3, 4)], None),
    ("LogSoftmax", lambda: nn.LogSoftmax(-1), lambda: TNN.LogSoftmax(-1), [R(3, 4)], None),
    ("SiLU", lambda: nn.SiLU(), lambda: TNN.SiLU(), [R(3, 4)], None),
    ("ELU", lambda: nn.ELU(0.5), lambda: TNN.ELU(0.5), [R(3, 4)], None),
    ("SELU", lambda: nn.SELU(), lambda: TNN.SELU(), [R(3, 4)], None),
    ("Softplus", lambda: nn.Softplus(2.0, 3.0), lambda: TNN.Softplus(2.0, 3.0), [R(3, 4)], None),
    ("Mish", lambda: nn.Mish(), lambda: TNN.Mish(), [R(3, 4)], None),
    ("Hardswish", lambda: nn.Hardswish(), lambda: TNN.Hardswish(), [R(3, 4) * 4], None),
    ("Hardtanh", lambda: nn.Hardtanh(-0.5, 0.5), lambda: TNN.Hardtanh(-0.5, 0.5), [R(3, 4)],
     None),
    ("ReLU6", lambda: nn.ReLU6(), lambda: TNN.ReLU6(), [R(3, 4) * 5], None),
    ("GLU", lambda: nn.GLU(0), lambda: TNN.GLU(0), [R(4, 3)], None),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), lambda: TNN.LeakyReLU(0.2), [R(3, 4)], None),
    ("Flatten", lambda: nn.Flatten(), lambda: TNN.Flatten(), [R(2, 3, 4)], None),
    ("Unflatten", lambda: nn.Unflatten(1, (2, 3)), lambda: TNN.Unflatten(1, (2, 3)),
     [R(4, 6)], None),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), lambda: TNN.PixelShuffle(2),
     [R(1, 8, 2, 3)], None),
    ("PixelUnshuffle", lambda: nn.PixelUnshuffle(2), lambda: TNN.PixelUnshuffle(2),
     [R(1, 2, 4, 6)], None),
    ("Upsample", lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
     lambda: TNN.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
     [R(1, 2, 3, 4)], None),
    ("Upsample_nearest", lambda: nn.Upsample(size=(5, 7)), lambda: TNN.Upsample(size=(5, 7)),
     [R(1, 2, 3, 4)], None),
    ("RNN", lambda: nn.RNN(3, 5, 2, nonlinearity="relu", bidirectional=True),
     lambda: TNN.RNN(3, 5, 2, nonlinearity="relu", bidirectional=True), [R(4, 2, 3)], None),
    ("RNN_unbatched_hx", lambda: nn.RNN(3, 5), lambda: TNN.RNN(3, 5),
     [R(4, 3), R(1, 5, seed=1)], None),
    ("LSTM", lambda: nn.LSTM(3, 5, 2, batch_first=True), lambda: TNN.LSTM(
        3, 5, 2, batch_first=True), [R(2, 4, 3)], None),
    ("LSTM_proj_bi", lambda: nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2, bias=False),
     lambda: TNN.LSTM(3, 5, 2, bidirectional=True, proj_size=2, bias=False),
     [R(4, 2, 3)], None),
    ("LSTM_hx", lambda: nn.LSTM(3, 4), lambda: TNN.LSTM(3, 4), [R(5, 2, 3)],
     lambda m, x: m(x, (x[:1, :, :1].expand(1, 2, 4) * 0.5, x[:1, :, 1:2].expand(1, 2, 4)))),
    # the fused recurrence node (nnperf): bidirectional, two layers, biases, given states
    ("LSTM_bi_hx", lambda: nn.LSTM(3, 5, 2, bidirectional=True),
     lambda: TNN.LSTM(3, 5, 2, bidirectional=True), [R(6, 2, 3), R(4, 2, 5, seed=1),
                                                      R(4, 2, 5, seed=2)],
     lambda m, x, h, c: m(x, (h, c))),
    ("GRU", lambda: nn.GRU(3, 5, 2, bidirectional=True, batch_first=True),
     lambda: TNN.GRU(3, 5, 2, bidirectional=True, batch_first=True), [R(2, 4, 3)], None),
    ("RNNCell", lambda: nn.RNNCell(3, 4), lambda: TNN.RNNCell(3, 4), [R(2, 3), R(2, 4, seed=1)],
     None),
    ("LSTMCell", lambda: nn.LSTMCell(3, 4), lambda: TNN.LSTMCell(3, 4), [R(2, 3)], None),
    ("GRUCell", lambda: nn.GRUCell(3, 4, bias=False), lambda: TNN.GRUCell(3, 4, bias=False),
     [R(3), R(4, seed=1)], None),
    ("MultiheadAttention", lambda: nn.MultiheadAttention(8, 2), lambda: TNN.MultiheadAttention(
        8, 2), [R(3, 2, 8), R(5, 2, 8, seed=1), R(5, 2, 8, seed=2)], None),
    ("MultiheadAttention_kv", lambda: nn.MultiheadAttention(8, 4, kdim=3, vdim=5,
                                                            batch_first=True),
     lambda: TNN.MultiheadAttention(8, 4, kdim=3, vdim=5, batch_first=True),
     [R(2, 3, 8), R(2, 4, 3, seed=1), R(2, 4, 5, seed=2)],
     lambda m, q, k, v: m(q, k, v, average_attn_weights=False)),
    ("MultiheadAttention_masks", lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True),
     lambda: TNN.MultiheadAttention(8, 2, add_bias_kv=True),
     [R(3, 2, 8), R(4, 2, 8, seed=1), R(4, 2, 8, seed=2),
      np.array([[False, False, True, False], [False, True, False, False]]),
      np.triu(np.ones((3, 4), dtype=bool), 2)],
     lambda m, q, k, v, kpm, am: m(q, k, v, key_padding_mask=kpm, attn_mask=am)),
    ("TransformerEncoderLayer", lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
     lambda: TNN.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [R(4, 2, 8)], None),
    ("TransformerEncoderLayer_nf", lambda: nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation="gelu", norm_first=True, batch_first=True),
     lambda: TNN.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu",
                                         norm_first=True, batch_first=True),
     [R(2, 4, 8)], lambda m, x: m(x, is_causal=True, src_mask=(
         TNN.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
         if isinstance(x, torch.Tensor) else nn.Transformer.generate_square_subsequent_mask(
             4, dtype=tl.float64)))),
    ("TransformerDecoderLayer", lambda: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
     lambda: TNN.TransformerDecoderLayer(8, 2, 16, dropout=0.0), [R(3, 2, 8), R(4, 2, 8)],
     None),
    ("Transformer", lambda: nn.Transformer(8, 2, 2, 1, 16, dropout=0.0),
     lambda: TNN.Transformer(8, 2, 2, 1, 16, dropout=0.0), [R(4, 2, 8), R(3, 2, 8, seed=1)],
     None),
    ("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1),
     lambda: TNN.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1),
     [R(4, 3), np.array([0, 1, 2, 2])], None),
    ("BCEWithLogitsLoss", lambda: nn.BCEWithLogitsLoss(pos_weight=tl.tensor(
        [2.0, 0.5], dtype=tl.float64)), lambda: TNN.BCEWithLogitsLoss(pos_weight=torch.tensor(
            [2.0, 0.5], dtype=torch.float64)), [R(3, 2), np.abs(R(3, 2, seed=1)) / 3], None),
    ("MSELoss", lambda: nn.MSELoss(reduction="sum"), lambda: TNN.MSELoss(reduction="sum"),
     [R(3, 2), R(3, 2, seed=1)], None),
]


def _build(factory, lib_dtype, device=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factory()


@pytest.mark.parametrize("case", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_torch(case, device):
    name, ours_f, theirs_f, inputs, call = case
    ours = _build(ours_f, tl.float64).to(device=device, dtype=tl.float64)
    theirs = _build(theirs_f, torch.float64).double()
    # names, order and shapes of parameters and buffers; the repr
    assert [(k, tuple(v.shape)) for k, v in ours.named_parameters()] == \
        [(k, tuple(v.shape)) for k, v in theirs.named_parameters()]
    assert [(k, tuple(v.shape)) for k, v in ours.named_buffers()] == \
        [(k, tuple(v.shape)) for k, v in theirs.named_buffers()]
    assert repr(ours) == th_repr(repr(theirs))
    copy_into_torch(ours, theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_pair(ours, theirs, inputs, device, call=call)
    for (k, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(as_np(a), b.double().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=k)


@pytest.mark.parametrize("case", [c for c in LAYERS if c[0] in (
    "Conv2d_circular", "LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer",
    "BatchNorm1d", "GroupNorm", "ConvTranspose2d")], ids=lambda c: c[0])
def test_layer_matches_torch_float32(case, device):
    name, ours_f, theirs_f, inputs, call = case
    ours = _build(ours_f, tl.float32).to(device)
    theirs = _build(theirs_f, torch.float32)
    copy_into_torch(ours, theirs)
    run_pair(ours, theirs, inputs, device, dtype="float32", rtol=1e-4, atol=1e-4, call=call)


@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d", "InstanceNorm1d"])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_running_stats_after_batches(cls, momentum, device):
    ours = getattr(nn, cls)(3, momentum=momentum, track_running_stats=True).to(
        device=device, dtype=tl.float64)
    theirs = getattr(TNN, cls)(3, momentum=momentum, track_running_stats=True).double()
    shape = (4, 3) if cls == "BatchNorm1d" else ((4, 3, 5, 2) if cls == "BatchNorm2d"
                                                  else (4, 3, 6))
    for step in range(4):
        x = R(*shape, seed=step) * (step + 1) + step
        ours(tl.tensor(x, device=device))
        theirs(torch.from_numpy(x))
    for (k, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(as_np(a), b.double().numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=k)
    x = R(*shape, seed=9)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(as_np(ours(tl.tensor(x, device=device))),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=RTOL,
                               atol=ATOL)


# ---- default initialization -----------------------------------------------------------------
def _uniform_cdf(bound):
    return lambda x: np.clip((x + bound) / (2 * bound), 0, 1)


def _normal_cdf(std):
    from scipy.special import ndtr

    return lambda x: ndtr(x / std)


INITS = [
    ("Conv1d.weight", lambda g: nn.Conv1d(16, 32, 5, generator=g).weight, 1 / math.sqrt(80)),
    ("Conv3d.bias", lambda g: nn.Conv3d(4, 600, 3, generator=g).bias, 1 / math.sqrt(108)),
    ("ConvTranspose2d.weight", lambda g: nn.ConvTranspose2d(8, 12, 3, groups=2,
                                                            generator=g).weight,
     1 / math.sqrt(6 * 9)),
    ("Bilinear.weight", lambda g: nn.Bilinear(10, 20, 30, generator=g).weight,
     1 / math.sqrt(10)),
    ("LSTM.weight_hh_l0", lambda g: nn.LSTM(16, 40, generator=g).weight_hh_l0,
     1 / math.sqrt(40)),
    ("GRU.bias_ih_l1_reverse", lambda g: nn.GRU(8, 300, 2, bidirectional=True,
                                                generator=g).bias_ih_l1_reverse,
     1 / math.sqrt(300)),
    ("RNNCell.weight_ih", lambda g: nn.RNNCell(50, 60, generator=g).weight_ih, 1 / math.sqrt(60)),
    ("MHA.in_proj_weight", lambda g: nn.MultiheadAttention(64, 4, generator=g).in_proj_weight,
     math.sqrt(6 / (64 + 192))),
    ("Linear.weight", lambda g: nn.Linear(100, 30, generator=g).weight, 0.1),
]


@pytest.mark.parametrize("case", INITS, ids=[c[0] for c in INITS])
def test_default_init_is_uniform(case):
    _, make, bound = case
    x = as_np(make(tl.Generator().manual_seed(3))).ravel()
    n = x.size
    assert np.abs(x).max() <= bound
    assert ks_distance(x, _uniform_cdf(bound)) < 1.95 / math.sqrt(n)
    # negative control: the same sample is not U(-bound/2, bound/2)... nor N(0, bound)
    assert ks_distance(x, _uniform_cdf(bound * 0.8)) > 1.95 / math.sqrt(n)


def test_default_init_normal_and_constants():
    m = nn.MultiheadAttention(32, 4, add_bias_kv=True, generator=tl.Generator().manual_seed(1))
    std = math.sqrt(2 / (1 + 32))  # xavier_normal_ on (1, 1, 32): fan_in = 1, fan_out = 32
    both = np.concatenate([as_np(m.bias_k).ravel(), as_np(m.bias_v).ravel()])
    assert ks_distance(both, _normal_cdf(std)) < 1.95 / math.sqrt(both.size) * 1.5
    assert (as_np(m.in_proj_bias) == 0).all() and (as_np(m.out_proj.bias) == 0).all()
    assert (as_np(nn.PReLU(4).weight) == 0.25).all()
    bn = nn.BatchNorm2d(5)
    assert (as_np(bn.weight) == 1).all() and (as_np(bn.bias) == 0).all()
    assert (as_np(bn.running_var) == 1).all() and bn.num_batches_tracked.item() == 0
    t = nn.Transformer(16, 2, 1, 1, 32, generator=tl.Generator().manual_seed(2))
    w = as_np(t.encoder.layers[0].linear1.weight).ravel()  # xavier_uniform_ after building
    assert ks_distance(w, _uniform_cdf(math.sqrt(6 / 48))) < 1.95 / math.sqrt(w.size)


def test_generator_argument_only_draws_from_it():
    state = tl.random.get_rng_state()
    a = nn.LSTM(4, 8, 2, generator=tl.Generator().manual_seed(5))
    b = nn.LSTM(4, 8, 2, generator=tl.Generator().manual_seed(5))
    assert (tl.random.get_rng_state() == state).all()  # the default stream did not move
    for (ka, pa), (kb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert (as_np(pa) == as_np(pb)).all(), ka
    c = nn.LSTM(4, 8, 2, generator=tl.Generator().manual_seed(6))
    assert not (as_np(c.weight_ih_l0) == as_np(a.weight_ih_l0)).all()
    # the documented order: weight_ih, weight_hh, bias_ih, bias_hh per layer, one stream
    g = tl.Generator().manual_seed(5)
    first = tl.empty(32, 4).uniform_(-1 / math.sqrt(8), 1 / math.sqrt(8), generator=g)
    assert (as_np(first) == as_np(a.weight_ih_l0)).all()


# ---- module features --------------------------------------------------------------------------
def test_forward_hooks_and_pre_hooks():
    layer = nn.Linear(3, 2)
    seen = []
    h1 = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    h2 = layer.register_forward_hook(lambda m, args, out: seen.append(out) or out + 1)
    x = tl.ones(4, 3)
    y = layer(x)
    expect = as_np(F.linear(x * 2, layer.weight, layer.bias)) + 1
    np.testing.assert_allclose(as_np(y), expect, rtol=1e-6)
    assert len(seen) == 1
    h1.remove(), h2.remove()
    np.testing.assert_allclose(as_np(layer(x)), as_np(F.linear(x, layer.weight, layer.bias)))
    assert len(seen) == 1
    with layer.register_forward_hook(lambda m, a, k, out: out * 0, with_kwargs=True):
        assert (as_np(layer(x)) == 0).all()
    assert not (as_np(layer(x)) == 0).all()


def test_full_backward_hook_matches_torch():
    ours, theirs = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), \
        TNN.Sequential(TNN.Linear(3, 4), TNN.Tanh(), TNN.Linear(4, 2)).double()
    ours = ours.to(tl.float64)
    copy_into_torch(ours, theirs)
    got, want = [], []
    ours[1].register_full_backward_hook(lambda m, gi, go: got.append((gi, go)))
    theirs[1].register_full_backward_hook(lambda m, gi, go: want.append((gi, go)))
    ours[2].register_full_backward_hook(lambda m, gi, go: tuple(g * 3 for g in gi))
    theirs[2].register_full_backward_hook(lambda m, gi, go: tuple(g * 3 for g in gi))
    x = R(5, 3)
    xa = tl.tensor(x).requires_grad_()
    xb = torch.from_numpy(x).requires_grad_()
    ours(xa).sum().backward()
    theirs(xb).sum().backward()
    assert len(got) == len(want) == 1
    for a, b in zip(got[0][0] + got[0][1], want[0][0] + want[0][1]):
        np.testing.assert_allclose(as_np(a), b.numpy(), rtol=1e-12)
    np.testing.assert_allclose(as_np(xa.grad), xb.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(as_np(ours[0].weight.grad), theirs[0].weight.grad.numpy(),
                               rtol=1e-12)


def test_backward_hook_without_input_grad():
    layer = nn.Linear(3, 2)
    calls = []
    layer.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go)))
    layer(tl.ones(2, 3)).sum().backward()
    assert len(calls) == 1 and calls[0][0] == (None,) and calls[0][1][0].shape == (2, 2)


def test_containers_match_torch():
    ours = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    theirs = TNN.ModuleList([TNN.Linear(2, 2) for _ in range(3)] + [TNN.ReLU()])
    assert repr(ours) == repr(theirs)
    ours.insert(1, nn.Tanh())
    theirs.insert(1, TNN.Tanh())
    del ours[0], theirs[0]
    assert repr(ours) == repr(theirs) and len(ours) == 4
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    d = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.ReLU()})
    td = TNN.ModuleDict({"a": TNN.Linear(2, 3), "b": TNN.ReLU()})
    assert repr(d) == repr(td) and list(d.keys()) == ["a", "b"]
    pl = nn.ParameterList([nn.Parameter(tl.zeros(2, 3)), tl.ones(4)])
    tpl = TNN.ParameterList([TNN.Parameter(torch.zeros(2, 3)), torch.ones(4)])
    assert repr(pl) == th_repr(repr(tpl))
    assert [k for k, _ in pl.named_parameters()] == ["0", "1"]
    pd = nn.ParameterDict({"w": nn.Parameter(tl.zeros(2))})
    tpd = TNN.ParameterDict({"w": TNN.Parameter(torch.zeros(2))})
    assert repr(pd) == th_repr(repr(tpd)) and "w" in pd


def test_get_parameter_buffer_and_tied_weights():
    model = nn.Sequential(nn.Embedding(10, 4), nn.BatchNorm1d(4), nn.Linear(4, 10, bias=False))
    model[2].weight = model[0].weight  # tied, as a GPT's lm_head and wte
    names = [k for k, _ in model.named_parameters()]
    assert names == ["0.weight", "1.weight", "1.bias"]
    assert len(list(model.parameters())) == 3
    assert model.get_parameter("2.weight") is model[0].weight
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    with pytest.raises(AttributeError, match="is not an nn.Parameter"):
        model.get_parameter("1.running_mean")
    with pytest.raises(AttributeError, match="is not a buffer"):
        model.get_buffer("1.weight")
    with pytest.raises(AttributeError, match="has no attribute"):
        model.get_parameter("0.nothing")


def test_deprecated_init_aliases_and_zero_element_warning():
    w = tl.empty(3, 4)
    for old in ("uniform", "normal", "xavier_uniform", "kaiming_normal", "orthogonal"):
        with pytest.warns(FutureWarning, match=f"`nn.init.{old}` is now deprecated in favor "
                                               f"of `nn.init.{old}_`"):
            assert getattr(nn.init, old)(w) is w
    with pytest.warns(FutureWarning):
        nn.init.constant(w, 0.5)
    assert (as_np(w) == 0.5).all()
    for fn in (nn.init.kaiming_uniform_, nn.init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            fn(tl.empty(0, 3))
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            fn(tl.empty(0))  # checked before the fan: no ValueError, as PyTorch


# ---- bad input ----------------------------------------------------------------------------------
def _raises_like(fn_ours, fn_theirs):
    with pytest.raises(Exception) as theirs:
        fn_theirs()
    with pytest.raises(theirs.type):
        fn_ours()


BAD = [
    ("mha_heads", lambda: nn.MultiheadAttention(10, 3), lambda: TNN.MultiheadAttention(10, 3)),
    ("conv_channels", lambda: nn.Conv2d(3, 4, 3)(tl.zeros(1, 2, 5, 5)),
     lambda: TNN.Conv2d(3, 4, 3)(torch.zeros(1, 2, 5, 5))),
    ("conv_rank", lambda: nn.Conv1d(3, 4, 3)(tl.zeros(1, 1, 3, 5, 5)),
     lambda: TNN.Conv1d(3, 4, 3)(torch.zeros(1, 1, 3, 5, 5))),
    ("conv_groups", lambda: nn.Conv2d(3, 4, 3, groups=2), lambda: TNN.Conv2d(3, 4, 3, groups=2)),
    ("lstm_rank", lambda: nn.LSTM(3, 4)(tl.zeros(1, 2, 3, 4)),
     lambda: TNN.LSTM(3, 4)(torch.zeros(1, 2, 3, 4))),
    ("lstm_features", lambda: nn.LSTM(3, 4)(tl.zeros(5, 2, 2)),
     lambda: TNN.LSTM(3, 4)(torch.zeros(5, 2, 2))),
    ("lstm_hidden", lambda: nn.GRU(3, 4)(tl.zeros(5, 2, 3), tl.zeros(1, 3, 4)),
     lambda: TNN.GRU(3, 4)(torch.zeros(5, 2, 3), torch.zeros(1, 3, 4))),
    ("proj_size", lambda: nn.LSTM(3, 4, proj_size=4), lambda: TNN.LSTM(3, 4, proj_size=4)),
    ("mha_kpm_shape", lambda: nn.MultiheadAttention(4, 2)(
        tl.zeros(3, 2, 4), tl.zeros(5, 2, 4), tl.zeros(5, 2, 4),
        key_padding_mask=tl.zeros(2, 4, dtype=tl.bool)),
     lambda: TNN.MultiheadAttention(4, 2)(
         torch.zeros(3, 2, 4), torch.zeros(5, 2, 4), torch.zeros(5, 2, 4),
         key_padding_mask=torch.zeros(2, 4, dtype=torch.bool))),
    ("mha_mask_shape", lambda: nn.MultiheadAttention(4, 2)(
        tl.zeros(3, 2, 4), tl.zeros(5, 2, 4), tl.zeros(5, 2, 4), attn_mask=tl.zeros(3, 4)),
     lambda: TNN.MultiheadAttention(4, 2)(
         torch.zeros(3, 2, 4), torch.zeros(5, 2, 4), torch.zeros(5, 2, 4),
         attn_mask=torch.zeros(3, 4))),
    ("mha_mask_dtype", lambda: nn.MultiheadAttention(4, 2)(
        tl.zeros(3, 2, 4), tl.zeros(5, 2, 4), tl.zeros(5, 2, 4),
        attn_mask=tl.zeros(3, 5, dtype=tl.int64)),
     lambda: TNN.MultiheadAttention(4, 2)(
         torch.zeros(3, 2, 4), torch.zeros(5, 2, 4), torch.zeros(5, 2, 4),
         attn_mask=torch.zeros(3, 5, dtype=torch.int64))),
    ("bn_rank", lambda: nn.BatchNorm2d(3)(tl.zeros(2, 3, 4)),
     lambda: TNN.BatchNorm2d(3)(torch.zeros(2, 3, 4))),
    ("bn_one_value", lambda: nn.BatchNorm1d(3)(tl.zeros(1, 3)),
     lambda: TNN.BatchNorm1d(3)(torch.zeros(1, 3))),
    ("groupnorm_groups", lambda: nn.GroupNorm(4, 6), lambda: TNN.GroupNorm(4, 6)),
    ("ce_target_range", lambda: F.cross_entropy(tl.zeros(2, 3), tl.tensor([0, 3])),
     lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 3]))),
    ("ce_batch", lambda: F.cross_entropy(tl.zeros(2, 3), tl.tensor([0, 1, 2])),
     lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1, 2]))),
    ("bce_range", lambda: F.binary_cross_entropy(tl.tensor([1.5]), tl.tensor([1.0])),
     lambda: torch.nn.functional.binary_cross_entropy(torch.tensor([1.5]),
                                                      torch.tensor([1.0]))),
    ("bce_logits_shape", lambda: F.binary_cross_entropy_with_logits(tl.zeros(2), tl.zeros(3)),
     lambda: torch.nn.functional.binary_cross_entropy_with_logits(torch.zeros(2),
                                                                  torch.zeros(3))),
    ("reduction", lambda: F.mse_loss(tl.zeros(2), tl.zeros(2), reduction="avg"),
     lambda: torch.nn.functional.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")),
    ("pad_reflect", lambda: F.pad(tl.zeros(1, 2, 3), (3, 0), mode="reflect"),
     lambda: torch.nn.functional.pad(torch.zeros(1, 2, 3), (3, 0), mode="reflect")),
    ("pool_pad", lambda: F.max_pool2d(tl.zeros(1, 1, 5, 5), 2, padding=2),
     lambda: torch.nn.functional.max_pool2d(torch.zeros(1, 1, 5, 5), 2, padding=2)),
    ("sdpa_causal_mask", lambda: F.scaled_dot_product_attention(
        tl.zeros(2, 3, 4), tl.zeros(2, 3, 4), tl.zeros(2, 3, 4), attn_mask=tl.zeros(3, 3),
        is_causal=True),
     lambda: torch.nn.functional.scaled_dot_product_attention(
         torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.zeros(2, 3, 4),
         attn_mask=torch.zeros(3, 3), is_causal=True)),
    ("one_hot", lambda: F.one_hot(tl.tensor([0, 4]), 3),
     lambda: torch.nn.functional.one_hot(torch.tensor([0, 4]), 3)),
    ("pixel_shuffle", lambda: F.pixel_shuffle(tl.zeros(1, 3, 2, 2), 2),
     lambda: torch.nn.functional.pixel_shuffle(torch.zeros(1, 3, 2, 2), 2)),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_torch_type(case):
    _, ours, theirs = case
    _raises_like(ours, theirs)


def test_one_hot_and_meta_shapes():
    oh = F.one_hot(tl.tensor([[0, 2], [1, 1]]))
    np.testing.assert_array_equal(as_np(oh), torch.nn.functional.one_hot(
        torch.tensor([[0, 2], [1, 1]])).numpy())
    m = nn.Conv2d(3, 8, 3, padding=1, device="meta")
    assert m(tl.empty(2, 3, 16, 16, device="meta")).shape == (2, 8, 16, 16)
    lstm = nn.LSTM(4, 6, device="meta")
    assert lstm(tl.empty(5, 2, 4, device="meta"))[0].shape == (5, 2, 6)
    assert nn.MaxPool2d(2)(tl.empty(1, 3, 8, 8, device="meta")).shape == (1, 3, 4, 4)


def test_lstm_fused_recurrence_gradcheck():
    """The fused LSTM node's BPTT against finite differences (projection, both
    directions, gradients reaching the sequence, h_n and c_n)."""
    lstm = nn.LSTM(2, 3, bidirectional=True, proj_size=2, dtype=tl.float64)
    rng = np.random.default_rng(3)
    x = tl.tensor(rng.standard_normal((4, 2, 2))).requires_grad_()
    h = tl.tensor(rng.standard_normal((2, 2, 2))).requires_grad_()
    c = tl.tensor(rng.standard_normal((2, 2, 3))).requires_grad_()

    def fn(x, h, c):  # one output: gradcheck re-runs fn between outputs, bumping versions
        out, (hn, cn) = lstm(x, (h, c))
        return tl.cat([out.reshape(-1), hn.reshape(-1), cn.reshape(-1)])

    assert tl.autograd.gradcheck(fn, (x, h, c))
