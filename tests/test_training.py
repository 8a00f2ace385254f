"""Training pieces against PyTorch: gradient clipping, parameter vectors, the
optimizer support ops (addcmul, addcdiv, lerp, dot), and end-to-end training of a
small model whose losses must match PyTorch's at every step.

Tolerances: float64 ``rtol=1e-12`` for single operations; the end-to-end losses
``1e-9`` relative over 20 steps (the issue's bound); float32 ``rtol=1e-6`` for a
norm (a different summation order).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorlite as tl
from tensorlite import nn

torch = pytest.importorskip("torch")


def values(t):
    return np.asarray(t.detach().cpu().numpy())


def _with_grads(np_dtype, device, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 3, 2)]
    grads = [(rng.standard_normal(s) * scale).astype(np_dtype) for s in shapes]
    ours, theirs = [], []
    for s, g in zip(shapes, grads):
        p, q = tl.nn.Parameter(tl.zeros(s, dtype=tl.float64 if np_dtype == np.float64
                                        else tl.float32, device=device)), \
            torch.nn.Parameter(torch.zeros(s, dtype=torch.float64 if np_dtype == np.float64
                                           else torch.float32))
        p.grad, q.grad = tl.tensor(g, device=device), torch.tensor(g)
        ours.append(p)
        theirs.append(q)
    return ours, theirs


# ---- clipping ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf, 3.5, -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype, device):
    ours, theirs = _with_grads(dtype, device)
    total = tl.nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type, foreach=False)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type,
                                              foreach=False)
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(values(total), values(expected), rtol=rtol)
    assert total.dtype.name == str(expected.dtype)[6:] and total.shape == ()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(values(p.grad), values(q.grad), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_error_if_nonfinite_changes_nothing(device):
    ours, theirs = _with_grads(np.float64, device)
    ours[1].grad[0] = math.nan
    theirs[1].grad[0] = math.nan
    before = [values(p.grad).copy() for p in ours]
    with pytest.raises(RuntimeError) as expected:
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as raised:
        tl.nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert str(raised.value) == str(expected.value)
    for p, b in zip(ours, before):
        np.testing.assert_array_equal(values(p.grad), b)
    # without the flag the nan norm scales every gradient to nan, as in PyTorch
    assert math.isnan(tl.nn.utils.clip_grad_norm_(ours, 1.0, foreach=True).item())
    assert np.isnan(values(ours[0].grad)).all()


def test_clip_grad_norm_edge_cases():
    assert tl.nn.utils.clip_grad_norm_([tl.nn.Parameter(tl.ones(2))], 1.0).item() == 0.0
    w = tl.nn.Parameter(tl.zeros(2))
    w.grad = tl.tensor([3.0, 4.0])
    assert tl.nn.utils.clip_grad_norm_(w, 10.0).item() == 5.0  # a single tensor
    np.testing.assert_array_equal(values(w.grad), [3.0, 4.0])  # under the limit: unchanged
    with pytest.warns(UserWarning, match="empty generator"):
        tl.nn.utils.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("clip", [0.3, 2.0])
def test_clip_grad_value_matches_torch(clip, device):
    ours, theirs = _with_grads(np.float32, device, scale=2.0)
    assert tl.nn.utils.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(theirs, clip)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(values(p.grad), values(q.grad))


def test_parameters_vector_round_trip_matches_torch(device):
    torch.manual_seed(0)
    ref = torch.nn.Linear(3, 2)
    lin = nn.Linear(3, 2, device=device)
    with tl.no_grad():
        lin.weight.copy_(tl.tensor(values(ref.weight)))
        lin.bias.copy_(tl.tensor(values(ref.bias)))
    vec = tl.nn.utils.parameters_to_vector(lin.parameters())
    np.testing.assert_array_equal(values(vec),
                                  values(torch.nn.utils.parameters_to_vector(ref.parameters())))
    assert vec.requires_grad  # differentiable, as PyTorch's
    new = tl.arange(8, dtype=tl.float32, device=device)
    tl.nn.utils.vector_to_parameters(new, lin.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8, dtype=torch.float32), ref.parameters())
    np.testing.assert_array_equal(values(lin.weight), values(ref.weight))
    np.testing.assert_array_equal(values(lin.bias), values(ref.bias))
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        tl.nn.utils.vector_to_parameters([0.0] * 8, lin.parameters())


# ---- the support ops -----------------------------------------------------------------------
def _pair(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(0.5, 2.0, s) for s in shapes]
    return ([tl.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("op, args", [
    ("addcmul", dict(value=-0.3)), ("addcdiv", dict(value=2.5)), ("addcmul", {}),
    ("lerp", dict(weight=0.2)), ("lerp", dict(weight=0.8)), ("lerp", dict(weight="tensor"))])
def test_support_ops_and_gradients_match_torch(op, args):
    """Values and gradients (broadcasting operands) to 1e-12 in float64."""
    n = 2 if op == "lerp" else 3
    ours, theirs = _pair((2, 3), (3,), (2, 1), (2, 3), seed=1)
    kw_ours, kw_theirs = dict(args), dict(args)
    if args.get("weight") == "tensor":
        kw_ours["weight"], kw_theirs["weight"] = ours[3], theirs[3]
        ours[3] = theirs[3] = None
    out = getattr(ours[0], op)(*ours[1:n], **kw_ours)
    expected = getattr(theirs[0], op)(*theirs[1:n], **kw_theirs)
    np.testing.assert_allclose(values(out), values(expected), rtol=1e-12)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    for a, b in zip(ours, theirs):
        if b is not None and b.grad is not None:
            np.testing.assert_allclose(values(a.grad), values(b.grad), rtol=1e-12)


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64, tl.float16])
def test_inplace_support_ops_match_torch(dtype, device):
    rng = np.random.default_rng(2)
    a, b, c = (rng.uniform(0.5, 2.0, 7) for _ in range(3))
    tdtype = getattr(torch, dtype.name)
    for op, extra in (("addcmul_", dict(value=0.7)), ("addcdiv_", dict(value=-1.5)),
                      ("lerp_", dict(weight=0.1)), ("lerp_", dict(weight=0.9))):
        mine = tl.tensor(a, dtype=dtype, device=device)
        ref = torch.tensor(a, dtype=tdtype)
        others = (b, c) if op != "lerp_" else (b,)
        result = getattr(mine, op)(*(tl.tensor(o, dtype=dtype, device=device) for o in others),
                                   **extra)
        getattr(ref, op)(*(torch.tensor(o, dtype=tdtype) for o in others), **extra)
        assert result is mine
        # one float32 rounding (PyTorch fuses lerp's multiply-add), float16: one half ulp
        rtol = {"float64": 1e-15, "float32": 2e-7, "float16": 1e-3}[dtype.name]
        np.testing.assert_allclose(values(mine).astype(np.float64),
                                   values(ref).astype(np.float64), rtol=rtol)


def test_inplace_fast_path_still_bumps_versions():
    """Negative control for the direct write: a tensor saved for backward and then
    changed by addcmul_ under no_grad makes backward raise."""
    x = tl.tensor([1.0, 2.0], requires_grad=True)
    w = tl.tensor([3.0, 4.0])
    y = (x * w).sum()
    with tl.no_grad():
        w.addcmul_(w, w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    leaf = tl.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.lerp_(tl.tensor([2.0]), 0.5)


def test_dot_matches_torch_and_checks_arguments():
    ours, theirs = _pair((5,), (5,))
    out, expected = ours[0].dot(ours[1]), theirs[0].dot(theirs[1])
    np.testing.assert_allclose(out.item(), expected.item(), rtol=1e-15)
    assert out.grad_fn.name() == "DotBackward0"
    out.backward()
    expected.backward()
    np.testing.assert_allclose(values(ours[0].grad), values(theirs[0].grad), rtol=1e-15)
    for a, b in (((2, 2), (2,)), ((3,), (4,))):
        with pytest.raises(RuntimeError) as expected_err:
            torch.ones(a).dot(torch.ones(b))
        with pytest.raises(RuntimeError) as err:
            tl.ones(a).dot(tl.ones(b))
        assert str(err.value) == str(expected_err.value)
    with pytest.raises(RuntimeError, match="expected both vectors to have same dtype"):
        tl.ones(2).dot(tl.ones(2, dtype=tl.float64))


# ---- end to end ----------------------------------------------------------------------------
def _models(seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 8),
                              torch.nn.ReLU(), torch.nn.Linear(8, 2)).double()
    ours = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                         nn.Linear(8, 2)).double()
    with tl.no_grad():
        for p, q in zip(ours.parameters(), ref.parameters()):
            p.copy_(tl.tensor(values(q)))
    return ours, ref


def _train(model, opt, sched, x, y, steps=20):
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("recipe", ["adam", "sgd-momentum-steplr"])
def test_training_matches_torch_loss_at_every_step(recipe):
    ours, ref = _models()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)), rng.standard_normal((32, 2))

    def setup(lib, model):
        if recipe == "adam":
            return lib.optim.Adam(model.parameters(), lr=1e-2), None
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return opt, lib.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)

    mine = _train(ours, *setup(tl, ours), tl.tensor(x), tl.tensor(y))
    expected = _train(ref, *setup(torch, ref), torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(mine, expected, rtol=1e-9)
    assert expected[-1] < 0.8 * expected[0]  # it learned, so the comparison means something
