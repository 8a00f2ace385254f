"""The losses of DESIGN §10 against PyTorch for every argument form: ``reduction``
(``"mean"``, ``"sum"``, ``"none"``, ``"batchmean"``), ``weight``, ``ignore_index``,
``label_smoothing``, class-index and probability targets, ``pos_weight``,
``log_target``, ``beta``/``delta``; values and gradients with respect to the input and,
wherever PyTorch differentiates it, the target (probability targets of
``cross_entropy``, the regression targets, ``binary_cross_entropy``'s, ``kl_div``'s).
Float64 to 1e-10 relative (``compare`` of test_nn_functional).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn.functional as F

torch = pytest.importorskip("torch")
from test_nn_functional import LONG, C, P, R, compare  # noqa: E402

TF = torch.nn.functional
REDUCTIONS = ("mean", "sum", "none")


def _probs(*shape, seed=0):
    """Rows of class probabilities (classes on dim 1, or dim 0 when unbatched)."""
    p = P(*shape, seed=seed)
    return p / p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)


CE_SHAPES = [(4,), (5, 4), (3, 4, 2, 2)]


def _ce_cases():
    for red, ls, weighted, shape in itertools.product(REDUCTIONS, (0.0, 0.25), (False, True),
                                                      CE_SHAPES):
        kw = dict(reduction=red, label_smoothing=ls)
        if weighted:
            kw["weight"] = C(P(4, seed=7))
        name = f"{red}-ls{ls}-w{weighted}-{len(shape)}d"
        # probability targets: both arguments are differentiable
        yield "probs-" + name, (R(*shape), _probs(*shape, seed=1)), kw
        batch = shape[:1] + shape[2:] if len(shape) > 1 else ()
        yield "index-" + name, (R(*shape), LONG(4, *batch, seed=2)), dict(kw, ignore_index=2)


CE_CASES = list(_ce_cases())


@pytest.mark.parametrize("case", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy(case, device):
    _, args, kwargs = case
    compare(F.cross_entropy, TF.cross_entropy, args, kwargs, device=device)


NLL_CASES = [(red, w, shape) for red in REDUCTIONS for w in (False, True)
             for shape in ((5, 4), (3, 4, 2, 2))]


@pytest.mark.parametrize("red,weighted,shape", NLL_CASES)
def test_nll_loss(red, weighted, shape, device):
    kw = dict(reduction=red, ignore_index=1)
    if weighted:
        kw["weight"] = C(P(4, seed=7))
    compare(F.nll_loss, TF.nll_loss, (R(*shape), LONG(4, *(shape[:1] + shape[2:]))), kw,
            device=device)


def test_all_targets_ignored(device):
    """PyTorch: the mean is 0/0 = nan, but the ignored rows' gradient is exactly 0."""
    target = ("long", np.array([1, 1, 1]))
    for ls in (0.0, 0.2):
        x = tl.randn(3, 4, dtype=tl.float64, device=device, requires_grad=True)
        loss = F.cross_entropy(x, tl.tensor(target[1], device=device), ignore_index=1,
                               label_smoothing=ls)
        assert np.isnan(loss.item())
        loss.backward()
        assert np.all(x.grad.cpu().numpy() == 0)


PAIR_CASES = (
    [(fn, dict(reduction=r)) for fn in ("mse_loss", "l1_loss") for r in REDUCTIONS]
    + [("smooth_l1_loss", dict(reduction=r, beta=b)) for r in REDUCTIONS for b in (0.0, 0.5, 2.0)]
    + [("huber_loss", dict(reduction=r, delta=d)) for r in REDUCTIONS for d in (0.5, 2.0)]
    + [(fn, dict(reduction=r, weight=C(P(3, 4, seed=5)))) for fn in ("mse_loss", "l1_loss",
                                                                     "huber_loss")
       for r in REDUCTIONS]
)


@pytest.mark.parametrize("name,kwargs", PAIR_CASES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(PAIR_CASES)])
def test_regression_losses(name, kwargs, device):
    """Both the input and the target get gradients."""
    compare(getattr(F, name), getattr(TF, name), (R(3, 4) * 2, R(3, 4, seed=1)), kwargs,
            device=device)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weight_of_the_wrong_size(name):
    x = tl.zeros(3, 4)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(F, name)(x, x, weight=tl.ones(4))


def test_regression_broadcast_target_warns(device):
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(tl.zeros(3, 4, device=device), tl.zeros(4, device=device))
    compare(F.mse_loss, TF.mse_loss, (R(3, 4), R(4, seed=1)), {}, device=device)


BCE_CASES = [(r, w) for r in REDUCTIONS for w in (None, "full", "row")]


def _weight(kind):
    return None if kind is None else C(P(3, 4, seed=4) if kind == "full" else P(4, seed=4))


@pytest.mark.parametrize("red,weight", BCE_CASES)
def test_binary_cross_entropy(red, weight, device):
    kw = dict(reduction=red, weight=_weight(weight))
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, (P(3, 4), P(3, 4, seed=1)), kw,
            device=device)


@pytest.mark.parametrize("red,weight,pos", [(r, w, p) for r, w in BCE_CASES
                                            for p in (None, "class", "full")])
def test_binary_cross_entropy_with_logits(red, weight, pos, device):
    kw = dict(reduction=red, weight=_weight(weight))
    if pos is not None:
        kw["pos_weight"] = C(P(4, seed=6) * 3 if pos == "class" else P(3, 4, seed=6) * 3)
    compare(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
            (R(3, 4) * 5, P(3, 4, seed=1)), kw, device=device)


@pytest.mark.parametrize("red", REDUCTIONS + ("batchmean",))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(red, log_target, device):
    target = R(3, 4, seed=1) if log_target else P(3, 4, seed=1)
    compare(F.kl_div, TF.kl_div, (R(3, 4), target), dict(reduction=red, log_target=log_target),
            device=device)


def test_soft_target_gradient_is_not_zero(device):
    """Negative control for the target gradient: it is -(1 - eps) w log p, so it changes
    with the logits (a rule returning None or zeros would fail compare's checks)."""
    x = tl.tensor([[0.0, 1.0, 3.0]], dtype=tl.float64, device=device)
    q = tl.tensor([[0.2, 0.3, 0.5]], dtype=tl.float64, device=device, requires_grad=True)
    F.cross_entropy(x, q, label_smoothing=0.1).backward()
    logp = x.log_softmax(1).cpu().numpy()
    np.testing.assert_allclose(q.grad.cpu().numpy(), -0.9 * logp, rtol=1e-12)


@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
                                  "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
                                  "KLDivLoss"])
def test_loss_module_repr_and_defaults(name):
    ours, theirs = getattr(tl.nn, name)(), getattr(torch.nn, name)()
    assert repr(ours) == repr(theirs)
    assert ours.reduction == theirs.reduction


# ---- the other PyTorch losses ------------------------------------------------------------------
def _signs(*shape, seed=0):
    return C(np.where(np.random.default_rng(seed).random(shape) < 0.5, -1.0, 1.0))


MORE = [
    ("soft_margin_loss", (R(3, 4), _signs(3, 4)), {}),
    ("margin_ranking_loss", (R(5), R(5, seed=1), _signs(5)), dict(margin=0.3)),
    ("hinge_embedding_loss", (R(3, 4), _signs(3, 4)), dict(margin=0.8)),
    ("cosine_embedding_loss", (R(4, 5), R(4, 5, seed=1), _signs(4)), dict(margin=0.2)),
    ("cosine_embedding_loss", (R(5), R(5, seed=1), _signs()), {}),
    ("poisson_nll_loss", (R(3, 4), P(3, 4, seed=1) * 4), dict(full=True)),
    ("poisson_nll_loss", (P(3, 4), P(3, 4, seed=1) * 4), dict(log_input=False)),
    ("gaussian_nll_loss", (R(3, 4), R(3, 4, seed=1), P(3, 4, seed=2)), dict(full=True)),
    ("gaussian_nll_loss", (R(3, 4), R(3, 4, seed=1), P(3, seed=2)), {}),  # homoscedastic
    ("gaussian_nll_loss", (R(3, 4), R(3, 4, seed=1), P(3, 1, seed=2) * 1e-8), {}),  # clamped
    ("triplet_margin_loss", (R(4, 5), R(4, 5, seed=1), R(4, 5, seed=2)), dict(margin=2.0)),
    ("triplet_margin_loss", (R(4, 5), R(4, 5, seed=1), R(4, 5, seed=2)),
     dict(p=1.0, swap=True)),
    ("multilabel_soft_margin_loss", (R(3, 4), P(3, 4, seed=1)),
     dict(weight=C(P(4, seed=2)))),
]


@pytest.mark.parametrize("red", REDUCTIONS)
@pytest.mark.parametrize("name,args,kwargs", MORE, ids=[f"{c[0]}-{i}" for i, c in
                                                      enumerate(MORE)])
def test_more_losses(name, args, kwargs, red, device):
    compare(getattr(F, name), getattr(TF, name), args, dict(kwargs, reduction=red),
            device=device)


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.gaussian_nll_loss(L.zeros(3, 4), L.zeros(3, 4), -L.ones(3, 4)),
    lambda L: L.nn.functional.gaussian_nll_loss(L.zeros(3, 4), L.zeros(3, 4), L.ones(2, 4)),
    lambda L: L.nn.functional.gaussian_nll_loss(L.zeros(3), L.zeros(3), 1.0, reduction="x"),
    lambda L: L.nn.functional.margin_ranking_loss(L.zeros(3), L.zeros(3, 1), L.zeros(3)),
    lambda L: L.nn.functional.triplet_margin_loss(L.zeros(3, 2), L.zeros(3, 2), L.zeros(2)),
    lambda L: L.nn.TripletMarginLoss(margin=0),
    lambda L: L.nn.functional.soft_margin_loss(L.zeros(3), L.zeros(3), reduction="x"),
], ids=["negative_var", "var_size", "gnll_reduction", "ranking_dims", "triplet_dims",
        "triplet_margin", "reduction"])
def test_more_losses_bad_input(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tl)


@pytest.mark.parametrize("name,args", [("SoftMarginLoss", ()), ("MarginRankingLoss", (0.5,)),
                                       ("HingeEmbeddingLoss", ()), ("CosineEmbeddingLoss", ()),
                                       ("PoissonNLLLoss", (False, True)),
                                       ("GaussianNLLLoss", ()), ("TripletMarginLoss", (2.0,)),
                                       ("MultiLabelSoftMarginLoss", ())])
def test_more_loss_modules(name, args):
    ours, theirs = getattr(tl.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert {k: v for k, v in vars(ours).items() if not k.startswith("_")} == \
        {k: v for k, v in vars(theirs).items() if not k.startswith("_")}


@pytest.mark.parametrize("legacy", [dict(size_average=False), dict(reduce=False),
                                    dict(size_average=True, reduce=True)])
@pytest.mark.parametrize("name,args", [
    ("cross_entropy", (R(5, 4), LONG(4, 5))),
    ("nll_loss", (R(5, 4), LONG(4, 5))),
    ("mse_loss", (R(3, 4), R(3, 4, seed=1))),
    ("binary_cross_entropy_with_logits", (R(3, 4), P(3, 4, seed=1))),
    ("kl_div", (R(3, 4), P(3, 4, seed=1))),
])
def test_legacy_size_average_and_reduce(name, args, legacy, device):
    """PyTorch's deprecated pair maps to a reduction (with its warning)."""
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        getattr(F, name)(*[tl.tensor(a[1] if isinstance(a, tuple) else a) for a in args],
                         **legacy)
    compare(getattr(F, name), getattr(TF, name), args, legacy, device=device)
