"""``F.ctc_loss`` (one fused forward-backward node, vectorized over the batch) and
``F.embedding_bag`` (``mode="max"`` as one padded block) against PyTorch: values, dtypes,
float64 gradients (relative 1e-10), node names, the edge cases (impossible alignments,
ties, empty bags) and meta shapes.
"""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(3)
LOGITS = _RNG.standard_normal((9, 4, 6))
TARGETS = np.array([[1, 2, 2, 4], [3, 3, 0, 0], [4, 1, 3, 2], [2, 0, 0, 0]])  # blank 0 or 5


def _ctc(lib, device, dtype, **kw):
    x = lib.tensor(LOGITS, dtype=dtype, device=device, requires_grad=True)
    loss = lib.nn.functional.ctc_loss(x.log_softmax(-1), lib.tensor(TARGETS, device=device),
                                      kw.pop("in_len", (9, 7, 9, 3)), (4, 2, 4, 1), **kw)
    w = lib.tensor(np.arange(1.0, 1.0 + loss.numel()).reshape(tuple(loss.shape)),
                   dtype=dtype, device=device)
    (loss * w).sum().backward()
    return loss, x.grad


@pytest.mark.parametrize("kw", [{"reduction": "none"}, {"reduction": "mean"},
                                {"reduction": "sum", "blank": 5},
                                {"reduction": "none", "in_len": (2, 7, 9, 0),
                                 "zero_infinity": True}], ids=["none", "mean", "sum", "zi"])
def test_ctc_loss_matches_torch(kw, device):
    a, ga = _ctc(torch, "cpu", torch.float64, **dict(kw))
    b, gb = _ctc(tl, device, tl.float64, **dict(kw))
    np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gb.cpu().numpy(), ga.numpy(), rtol=1e-10, atol=1e-13)
    if kw["reduction"] == "none":
        assert b.grad_fn.name() == a.grad_fn.name()


def test_ctc_loss_float32_and_impossible_alignments_as_torch(device):
    a, ga = _ctc(torch, "cpu", torch.float32, reduction="none", in_len=(2, 7, 9, 0))
    b, gb = _ctc(tl, device, tl.float32, reduction="none", in_len=(2, 7, 9, 0))
    assert b.dtype == tl.float32 and gb.dtype == tl.float32
    assert a.grad_fn.name() == b.grad_fn.name() == "CtcLossBackward0"
    assert np.isinf(b[0].item()) and np.isinf(b[3].item()) and np.isinf(a[0].item())
    np.testing.assert_allclose(b[1:3].detach().cpu().numpy(), a[1:3].detach().numpy(),
                               rtol=1e-5)
    # an impossible sample's gradient is NaN within its input length, as PyTorch's
    np.testing.assert_array_equal(np.isnan(gb[:, 0].cpu().numpy()), np.isnan(ga[:, 0].numpy()))
    assert np.isnan(ga[:2, 0].numpy()).all() and not np.isnan(ga[2:, 0].numpy()).any()
    np.testing.assert_allclose(gb[:, 1:3].cpu().numpy(), ga[:, 1:3].numpy(), rtol=1e-4,
                               atol=1e-6)


def test_ctc_loss_on_meta_gives_shapes():
    for reduction, shape in (("none", (4,)), ("mean", ())):
        loss, grad = _ctc(tl, "meta", tl.float32, reduction=reduction)
        assert tuple(loss.shape) == shape and loss.device.type == "meta"
        assert tuple(grad.shape) == LOGITS.shape and grad.dtype == tl.float32
    lp = tl.randn(5, 2, 4, device="meta").log_softmax(-1)
    out = tl.nn.functional.ctc_loss(lp, tl.tensor([[1, 2], [3, 3]], device="meta"),
                                    tl.tensor([5, 4], device="meta"), tl.tensor([2, 2]))
    assert tuple(out.shape) == ()


W = _RNG.standard_normal((10, 3))
W[4] = W[2]  # two rows equal: a tie between different rows


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("bags", [
    ((np.array([1, 2, 4, 2, 4, 9, 3]), np.array([0, 3, 3, 5])), {}),  # an empty bag
    ((np.array([[2, 4, 7], [7, 7, 1], [0, 9, 5]]), None), {"padding_idx": 7}),
    ((np.array([4, 2, 1, 5, 4, 3]), np.array([0, 2, 6])), {"include_last_offset": True}),
], ids=["offsets", "2d padding", "last offset"])
def test_embedding_bag_matches_torch(mode, bags, device):
    (indices, offsets), kw = bags
    out, grads = [], []
    for lib, dev in ((torch, "cpu"), (tl, device)):
        w = lib.tensor(W, device=dev, requires_grad=True)
        o = lib.nn.functional.embedding_bag(
            lib.tensor(indices, device=dev), w,
            None if offsets is None else lib.tensor(offsets, device=dev), mode=mode, **kw)
        (o * lib.tensor(np.arange(o.numel()).reshape(tuple(o.shape)) + 1.0,
                        device=dev)).sum().backward()
        out.append(o)
        grads.append(w.grad.cpu().numpy())
    assert out[1].grad_fn.name() == out[0].grad_fn.name() == "EmbeddingBagBackward0"
    np.testing.assert_allclose(out[1].detach().cpu().numpy(), out[0].detach().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_embedding_bag_max_tie_goes_to_the_first_row():
    # rows 2 and 4 are equal: the first in the bag takes the whole gradient
    for lib in (torch, tl):
        w = lib.tensor(W, requires_grad=True)
        lib.nn.functional.embedding_bag(lib.tensor([[4, 2]]), w, mode="max").sum().backward()
        assert w.grad[4].tolist() == [1.0, 1.0, 1.0] and w.grad[2].tolist() == [0.0] * 3


def test_embedding_bag_on_meta_gives_shapes():
    w = tl.randn(10, 3, device="meta", requires_grad=True)
    for mode in ("sum", "max"):
        out = tl.nn.functional.embedding_bag(tl.tensor([1, 2, 3], device="meta"), w,
                                             tl.tensor([0, 1, 1, 2], device="meta"),
                                             mode=mode, include_last_offset=True)
        assert tuple(out.shape) == (3, 3) and out.device.type == "meta"
        out.sum().backward()
        assert tuple(w.grad.shape) == (10, 3)
