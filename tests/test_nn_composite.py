"""The composite layers and losses (``tensorlite.nn._functional.composite``) and the
lazy layers, against PyTorch: values and float64 gradients (relative 1e-10),
errors, reprs, and for the random ones (``alpha_dropout``, ``rrelu``) the
distribution with stated thresholds.
"""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")
TF, LF = torch.nn.functional, tl.nn.functional


def _both(fn, arrays, device, weight_seed=9):
    """Run ``fn(lib, F, *tensors)`` in both libraries; float64 arrays require grad.

    Returns ((torch value, torch grads), (ours value, our grads)) as NumPy.
    """
    out = []
    for lib, F, dev in ((torch, TF, "cpu"), (tl, LF, device)):
        ts = [lib.tensor(a, device=dev, requires_grad=a.dtype == np.float64) for a in arrays]
        y = fn(lib, F, *ts)
        w = np.random.default_rng(weight_seed).standard_normal(tuple(y.shape))
        (y * lib.tensor(w, device=dev)).sum().backward()
        out.append((y.detach().cpu().numpy(),
                    [t.grad.cpu().numpy() for t in ts if t.requires_grad]))
    return out


def _match(fn, arrays, device, rtol=1e-10, atol=1e-13):
    (a, ga), (b, gb) = _both(fn, arrays, device)
    assert a.shape == b.shape
    np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    assert len(ga) == len(gb)
    for x, y in zip(ga, gb):
        np.testing.assert_allclose(y, x, rtol=rtol, atol=atol)


rng = np.random.default_rng(0)
_X4 = rng.standard_normal((2, 5, 4, 3))
_POS = rng.random((2, 3, 6, 5)) + 0.1
_SCORES = rng.standard_normal((4, 6))
_LABELS = np.array([0, 5, 2, 2])
_W = rng.standard_normal((10, 3))
_LOGP = np.log(np.random.default_rng(3).dirichlet(np.ones(5), size=(12, 3)))


def _unpool2d(lib, F, x):
    y, i = F.max_pool2d(x, 2, return_indices=True)
    return F.max_unpool2d(y * 2, i, 2)


def _unpool1d(lib, F, x):
    y, i = F.max_pool1d(x, 3, 2, 1, return_indices=True)
    return F.max_unpool1d(y, i, 3, 2, 1, output_size=[8])


CASES = {
    "lrn 4d": (lambda lib, F, x: F.local_response_norm(x, 3), [_X4]),
    "lrn 3d": (lambda lib, F, x: F.local_response_norm(x, 2, alpha=0.1, beta=0.5, k=2.0),
               [rng.standard_normal((2, 5, 4))]),
    "lrn 5d": (lambda lib, F, x: F.local_response_norm(x, 4), [rng.standard_normal((2, 5, 2, 3, 2))]),
    "lp_pool2d": (lambda lib, F, x: F.lp_pool2d(x, 2, (2, 3), stride=1), [_POS]),
    "lp_pool2d p3": (lambda lib, F, x: F.lp_pool2d(x, 3, 2), [_POS]),
    "lp_pool1d": (lambda lib, F, x: F.lp_pool1d(x, 1.5, 3, 2, ceil_mode=True),
                  [rng.random((2, 3, 8)) + 0.1]),
    "max_unpool2d": (_unpool2d, [rng.standard_normal((2, 3, 4, 6))]),
    "max_unpool1d": (_unpool1d, [rng.standard_normal((2, 3, 8))]),
    "max_unpool2d unbatched": (lambda lib, F, x: F.max_unpool2d(
        *F.max_pool2d(x, 2, return_indices=True), 2, output_size=(5, 5)),
        [rng.standard_normal((3, 4, 4))]),
    "multi_margin p1": (lambda lib, F, x: F.multi_margin_loss(
        x, lib.tensor(_LABELS, device=x.device), margin=0.7, reduction="none"), [_SCORES]),
    "multi_margin p2 weight": (lambda lib, F, x: F.multi_margin_loss(
        x, lib.tensor(_LABELS, device=x.device), p=2,
        weight=lib.tensor(np.arange(1.0, 7.0), device=x.device)), [_SCORES]),
    "multi_margin 1d sum": (lambda lib, F, x: F.multi_margin_loss(
        x, lib.tensor(3, device=x.device), reduction="sum"), [rng.standard_normal(6)]),
    "multilabel_margin": (lambda lib, F, x: F.multilabel_margin_loss(x, lib.tensor(
        [[3, 0, -1, 1, 2, 4], [1, 1, 5, -1, -1, -1], [-1, 0, 0, 0, 0, 0], [0, 1, 2, 3, 4, 5]],
        device=x.device), reduction="none"), [_SCORES]),
    "multilabel_margin 1d": (lambda lib, F, x: F.multilabel_margin_loss(
        x, lib.tensor([2, 0, -1, 3], device=x.device)), [rng.standard_normal(4)]),
    "ctc padded none": (lambda lib, F, x: F.ctc_loss(
        x, lib.tensor([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 4]], device=x.device),
        (12, 10, 12), (3, 2, 4), reduction="none"), [_LOGP]),
    "ctc padded mean": (lambda lib, F, x: F.ctc_loss(
        x, lib.tensor([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 4]], device=x.device),
        lib.tensor([12, 10, 12]), lib.tensor([3, 2, 4])), [_LOGP]),
    "ctc concatenated blank=4": (lambda lib, F, x: F.ctc_loss(
        x, lib.tensor([1, 2, 2, 3, 1, 0], device=x.device), (12, 10, 12), (3, 2, 1), blank=4,
        reduction="sum"), [_LOGP]),
    "ctc impossible zero_infinity": (lambda lib, F, x: F.ctc_loss(
        x, lib.tensor([[1, 2, 3, 1, 2, 3]] * 3, device=x.device), (3, 12, 12), (6, 6, 0),
        reduction="none", zero_infinity=True), [_LOGP]),
    "ctc unbatched": (lambda lib, F, x: F.ctc_loss(
        x[:, 0], lib.tensor([1, 3], device=x.device), (12,), (2,)), [_LOGP]),
}
for _mode in ("sum", "mean", "max"):
    CASES[f"embedding_bag offsets {_mode}"] = (
        lambda lib, F, w, mode=_mode: F.embedding_bag(
            lib.tensor([1, 2, 4, 5, 4, 3, 2, 9], device=w.device), w,
            lib.tensor([0, 3, 3, 5], device=w.device), mode=mode), [_W])
    CASES[f"embedding_bag 2d padding {_mode}"] = (
        lambda lib, F, w, mode=_mode: F.embedding_bag(
            lib.tensor([[1, 2, 4], [2, 2, 2], [0, 9, 2]], device=w.device), w, mode=mode,
            padding_idx=2), [_W])
CASES["embedding_bag per_sample_weights include_last_offset"] = (
    lambda lib, F, w, s: F.embedding_bag(
        lib.tensor([1, 2, 4, 5, 4, 3], device=w.device), w, lib.tensor([0, 2, 6], device=w.device),
        mode="sum", per_sample_weights=s, include_last_offset=True), [_W, rng.random(6)])


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_torch(case, device):
    fn, arrays = CASES[case]
    _match(fn, arrays, device)


def test_ctc_loss_impossible_alignment_is_inf_as_torch():
    (a, _), (b, _) = _both(lambda lib, F, x: F.ctc_loss(
        x, lib.tensor([[1, 2, 3, 1]] * 3), (2, 12, 12), (4, 4, 4), reduction="none"),
        [_LOGP], "cpu")
    assert np.isinf(a[0]) and np.isinf(b[0])
    np.testing.assert_allclose(b[1:], a[1:], rtol=1e-12)


@pytest.mark.parametrize("name", ["local_response_norm", "lp_pool2d", "ctc_loss"])
def test_gradcheck(name):
    x = tl.tensor(np.random.default_rng(1).random((2, 3, 4, 4)) + 0.2, requires_grad=True)
    fn = {"local_response_norm": lambda x: LF.local_response_norm(x, 2, alpha=0.3),
          "lp_pool2d": lambda x: LF.lp_pool2d(x, 2, 2),
          "ctc_loss": lambda x: LF.ctc_loss(x.reshape(4, 2, 12)[..., :5].log_softmax(-1),
                                            tl.tensor([[1, 2], [3, 3]]), (4, 4), (2, 1))}[name]
    assert tl.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["local_response_norm", "lp_pool2d", "max_unpool2d"])
def test_meta_shapes_match_torch(name):
    x = np.ones((2, 3, 4, 4))
    calls = {"local_response_norm": lambda lib, t: lib.nn.functional.local_response_norm(t, 3),
             "lp_pool2d": lambda lib, t: lib.nn.functional.lp_pool2d(t, 2, 2, 1),
             "max_unpool2d": lambda lib, t: lib.nn.functional.max_unpool2d(
                 t, lib.zeros(2, 3, 4, 4, dtype=lib.int64, device=t.device), 2)}[name]
    ours = calls(tl, tl.tensor(x, device="meta"))
    assert ours.device.type == "meta"
    assert tuple(ours.shape) == tuple(calls(torch, torch.tensor(x)).shape)


ERRORS = [
    ("local_response_norm", lambda lib: lib.nn.functional.local_response_norm(lib.ones(2, 3), 2),
     ValueError, "Expected 3D or higher dimensionality"),
    ("multi_margin p", lambda lib: lib.nn.functional.multi_margin_loss(
        lib.ones(2, 3), lib.tensor([0, 1]), p=3), ValueError, "only p == 1 and p == 2"),
    ("multi_margin target", lambda lib: lib.nn.functional.multi_margin_loss(
        lib.ones(2, 3), lib.tensor([0, 3])), RuntimeError, "target out of range"),
    ("max_unpool index", lambda lib: lib.nn.functional.max_unpool2d(
        lib.ones(1, 1, 2, 2), lib.tensor([[[[0, 1], [2, 16]]]]), 2), RuntimeError,
     r"Found an invalid max index: 16 \(output volumes are of size 4x4\)"),
    ("embedding_bag 2d offsets", lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([[1, 2]]), lib.ones(5, 2), lib.tensor([0])), ValueError,
     "if input is 2D, then offsets has to be None"),
    ("embedding_bag weights mode", lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(5, 2), lib.tensor([0]), mode="mean",
        per_sample_weights=lib.ones(2)), NotImplementedError, "only supported for mode='sum'"),
    ("embedding_bag no offsets", lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(5, 2)), ValueError, "offsets has to be a 1D Tensor"),
    ("ctc blank", lambda lib: lib.nn.functional.ctc_loss(
        lib.zeros(5, 1, 3), lib.tensor([[1]]), (5,), (1,), blank=3), RuntimeError,
     "blank must be in label range"),
    ("multilabel shape", lambda lib: lib.nn.functional.multilabel_margin_loss(
        lib.ones(2, 3), lib.tensor([0, 1])), RuntimeError, "inconsistent target size"),
    ("multilabel target range", lambda lib: lib.nn.functional.multilabel_margin_loss(
        lib.ones(2, 3), lib.tensor([[0, 3, -1], [1, -1, 0]])), RuntimeError,
     "argument #2 'target' is out of range"),
    ("feature_alpha_dropout dims", lambda lib: lib.nn.functional.feature_alpha_dropout(
        lib.ones(3), 0.5, True), RuntimeError, "Feature dropout requires at least 2"),
    ("alpha_dropout p", lambda lib: lib.nn.functional.alpha_dropout(lib.ones(3), 1.5, True),
     ValueError, "dropout probability has to be between 0 and 1, but got 1.5"),
    ("rrelu bounds", lambda lib: lib.nn.functional.rrelu(lib.ones(3), 0.5, 0.1, True),
     RuntimeError, "Lower bound should be less than or equal to the upper bound"),
    ("lazy conv dims", lambda lib: lib.nn.LazyConv2d(4, 3)(lib.ones(3, 3)), RuntimeError,
     "Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to LazyConv2d"),
]


@pytest.mark.parametrize("label, call, exc, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(label, call, exc, message):
    for lib in (torch, tl):
        with pytest.raises(exc, match=message):
            call(lib)


def test_rejected_random_calls_do_not_advance_the_generator():
    tl.manual_seed(3)
    before = tl.rand(1)
    tl.manual_seed(3)
    for call in (lambda: LF.alpha_dropout(tl.ones(3), 1.5, True),
                 lambda: LF.rrelu(tl.ones(3), 0.5, 0.1, True)):
        with pytest.raises((ValueError, RuntimeError)):
            call()
    assert tl.rand(1).item() == before.item()


# --------------------------------------------------------------- random layers
def test_alpha_dropout_keeps_selu_statistics(device):
    p, n = 0.2, 200_000
    tl.manual_seed(0)
    x = tl.randn(n, dtype=tl.float64, device=device, requires_grad=True)
    y = LF.alpha_dropout(x, p, training=True)
    y.sum().backward()
    alpha = 1.7580993408473766
    a = 1.0 / np.sqrt((alpha ** 2 * p + 1) * (1 - p))
    xs, ys, g = (t.detach().cpu().numpy() for t in (x, y, x.grad))
    dropped = g == 0
    # kept units: a x + a alpha p; dropped ones: the constant -a alpha (1 - p); gradient a or 0
    np.testing.assert_allclose(ys[~dropped], a * xs[~dropped] + a * alpha * p, rtol=1e-12)
    np.testing.assert_allclose(ys[dropped], -a * alpha * (1 - p), rtol=1e-12)
    np.testing.assert_allclose(g[~dropped], a, rtol=1e-12)
    assert abs(dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)  # 5 sigma
    assert abs(ys.mean()) < 0.02 and abs(ys.var() - 1) < 0.02  # N(0, 1) stays N(0, 1)


def test_alpha_dropout_identity_and_p1_as_torch(device):
    x = np.random.default_rng(2).standard_normal((4, 3))
    for training, p in ((False, 0.5), (True, 0.0), (True, 1.0)):
        a = TF.alpha_dropout(torch.tensor(x), p, training).numpy()
        b = LF.alpha_dropout(tl.tensor(x, device=device), p, training).cpu().numpy()
        np.testing.assert_array_equal(b, a)
    m = tl.nn.FeatureAlphaDropout(0.5)
    tl.manual_seed(1)
    y = m(tl.ones(8, 6, 5, dtype=tl.float64, device=device)).cpu().numpy()
    assert (y == y[:, :, :1]).all()  # whole channels share one draw
    assert len(np.unique(y)) == 2
    np.testing.assert_array_equal(m.eval()(tl.ones(2, 2)).numpy(), np.ones((2, 2)))


def test_rrelu_training_slopes_and_eval_as_torch(device):
    x = np.random.default_rng(4).standard_normal(100_000)
    tl.manual_seed(0)
    xt = tl.tensor(x, device=device, requires_grad=True)
    y = LF.rrelu(xt, 0.1, 0.3, training=True)
    y.sum().backward()
    slope = (y.detach().cpu().numpy() / x)
    neg = x < 0
    np.testing.assert_array_equal(slope[~neg], 1.0)
    assert slope[neg].min() >= 0.1 and slope[neg].max() <= 0.3
    assert abs(slope[neg].mean() - 0.2) < 0.002  # U(0.1, 0.3): sd 0.058 / sqrt(5e4) * 7
    np.testing.assert_allclose(xt.grad.cpu().numpy(), slope, rtol=1e-12)
    # eval: the fixed slope (lower + upper) / 2, as torch
    _match(lambda lib, F, t: F.rrelu(t, 0.1, 0.3), [x[:20]], device)
    m = tl.nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(m(tl.tensor(x[:20])).numpy(),
                               torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor(x[:20])).numpy())


# --------------------------------------------------------------------- modules
REPRS = [("LocalResponseNorm", (2,)), ("LPPool2d", (2, 3)), ("LPPool1d", (1.5, 3, 2)),
         ("MaxUnpool2d", (2,)), ("MaxUnpool1d", (3, 2, 1)), ("AlphaDropout", ()),
         ("FeatureAlphaDropout", (0.2,)), ("RReLU", ()), ("EmbeddingBag", (10, 3)),
         ("MultiMarginLoss", ()), ("MultiLabelMarginLoss", ()), ("CTCLoss", ()),
         ("LazyLinear", (4,)), ("LazyConv2d", (4, 3))]


@pytest.mark.parametrize("name, args", REPRS, ids=[r[0] for r in REPRS])
def test_module_reprs_match_torch(name, args):
    assert repr(getattr(tl.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


def test_modules_compute_their_functions_as_torch(device):
    x = np.random.default_rng(5).random((2, 4, 6, 6)) + 0.1
    for name, args in (("LocalResponseNorm", (3,)), ("LPPool2d", (2, 2)),
                       ("LPPool1d", (2, 3))):
        arr = x if name != "LPPool1d" else x[:, :, 0]
        a = getattr(torch.nn, name)(*args)(torch.tensor(arr)).numpy()
        b = getattr(tl.nn, name)(*args)(tl.tensor(arr, device=device)).cpu().numpy()
        np.testing.assert_allclose(b, a, rtol=1e-12)
    pool_t, pool_l = torch.nn.MaxPool2d(2, return_indices=True), tl.nn.MaxPool2d(2, return_indices=True)
    a = torch.nn.MaxUnpool2d(2)(*pool_t(torch.tensor(x)), output_size=(2, 4, 7, 7)).numpy()
    b = tl.nn.MaxUnpool2d(2)(*pool_l(tl.tensor(x, device=device)), output_size=(2, 4, 7, 7))
    np.testing.assert_array_equal(b.cpu().numpy(), a)
    s, t = _SCORES, _LABELS
    w = np.arange(1.0, 7.0)
    a = torch.nn.MultiMarginLoss(p=2, weight=torch.tensor(w))(torch.tensor(s), torch.tensor(t))
    b = tl.nn.MultiMarginLoss(p=2, weight=tl.tensor(w, device=device))(
        tl.tensor(s, device=device), tl.tensor(t, device=device))
    assert b.item() == pytest.approx(a.item(), rel=1e-12)
    assert "weight" in dict(tl.nn.MultiMarginLoss(weight=tl.ones(3)).named_buffers())
    a = torch.nn.CTCLoss(blank=1)(torch.tensor(_LOGP), torch.tensor([[2, 3], [4, 2], [3, 3]]),
                                  (12, 12, 12), (2, 2, 2))
    b = tl.nn.CTCLoss(blank=1)(tl.tensor(_LOGP, device=device),
                               tl.tensor([[2, 3], [4, 2], [3, 3]], device=device),
                               (12, 12, 12), (2, 2, 2))
    assert b.item() == pytest.approx(a.item(), rel=1e-12)


def test_embedding_bag_module_init_and_forward_as_torch(device):
    tl.manual_seed(0)
    bag = tl.nn.EmbeddingBag(1000, 8, mode="sum", padding_idx=3, device=device,
                             dtype=tl.float64)
    w = bag.weight.detach().cpu().numpy()
    assert (w[3] == 0).all()
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05  # N(0, 1), 8000 draws
    ref = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, mode="sum",
                                                padding_idx=3)
    idx, off = [5, 3, 7, 7, 999, 0], [0, 2, 2]
    a = ref(torch.tensor(idx), torch.tensor(off))
    b = bag(tl.tensor(idx, device=device), tl.tensor(off, device=device))
    np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().numpy(), rtol=1e-12)
    frozen = tl.nn.EmbeddingBag.from_pretrained(tl.tensor(w))
    assert not frozen.weight.requires_grad and frozen.mode == "mean"


# ------------------------------------------------------------------------ lazy
def test_lazy_linear_becomes_linear_and_trains_as_torch(device):
    tl.manual_seed(0)
    lazy = tl.nn.LazyLinear(3, dtype=tl.float64, device=device)
    weight = lazy.weight
    opt = tl.optim.SGD(lazy.parameters(), lr=0.1)  # held before the shape is known
    x = np.random.default_rng(6).standard_normal((5, 7))
    lazy(tl.tensor(x, device=device))
    assert type(lazy) is tl.nn.Linear and lazy.in_features == 7
    assert lazy.weight is weight and tuple(weight.shape) == (3, 7)
    bound = 1 / np.sqrt(7)  # kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(weight.detach().cpu().numpy()).max() <= bound
    assert len(np.unique(weight.detach().cpu().numpy())) == 21  # drawn, not left empty
    ref = torch.nn.Linear(7, 3).double()
    ref.load_state_dict({k: torch.tensor(v.detach().cpu().numpy())
                         for k, v in lazy.state_dict().items()})
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    for lib, m, o, dev in ((torch, ref, ref_opt, "cpu"), (tl, lazy, opt, device)):
        for _ in range(2):
            o.zero_grad()
            (m(lib.tensor(x, device=dev)) ** 2).sum().backward()
            o.step()
    np.testing.assert_allclose(lazy.weight.detach().cpu().numpy(),
                               ref.weight.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 5, 5), (2, 6, 5, 5)])
def test_lazy_conv2d_learns_in_channels_as_torch(shape, device):
    ours = tl.nn.LazyConv2d(4, 3, padding=1, groups=2, device=device)
    theirs = torch.nn.LazyConv2d(4, 3, padding=1, groups=2)
    y = ours(tl.ones(*shape, device=device))
    z = theirs(torch.ones(*shape))
    assert type(ours) is tl.nn.Conv2d and type(theirs) is torch.nn.Conv2d
    assert repr(ours) == repr(theirs)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape) == (4, 3, 3, 3)
    assert tuple(y.shape) == tuple(z.shape)
    bound = 1 / np.sqrt(3 * 9)
    assert np.abs(ours.weight.detach().cpu().numpy()).max() <= bound
