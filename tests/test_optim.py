"""tl.optim against torch.optim: the same parameters and the same gradient sequence
give the same parameters after every step.

Tolerances: float64 ``rtol=1e-12`` (PyTorch's CPU kernels fuse some multiply-adds,
NumPy rounds each operation: differences of a few ulps per step); float32
``rtol=2e-5, atol=1e-6`` (the same, at float32's ulp, over ten steps). Gradients
are fed directly (``p.grad = ...``), ten steps, with magnitudes that vary from
step to step so that ``amsgrad``'s running maximum and RAdam's two regimes are
exercised.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (3,), (2, 2, 2)]
STEPS = 10
DTYPES = {"float32": (np.float32, torch.float32, dict(rtol=2e-5, atol=1e-6)),
          "float64": (np.float64, torch.float64, dict(rtol=1e-12, atol=1e-14))}


def values(t):
    return np.asarray(t.detach().cpu().numpy())


def make_params(np_dtype, device, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np_dtype) for s in SHAPES]
    ours = [tl.nn.Parameter(tl.tensor(a, device=device)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    return ours, theirs


def grad_sequence(np_dtype, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[(rng.standard_normal(s) * rng.uniform(0.1, 3.0)).astype(np_dtype) for s in SHAPES]
            for _ in range(steps)]


def feed(ours, theirs, grads, device):
    for p, q, g in zip(ours, theirs, grads):
        p.grad = tl.tensor(g, device=device)
        q.grad = torch.tensor(g)


def assert_params_equal(ours, theirs, tol, step=None):
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(values(p), values(q), **tol, err_msg=f"step {step}")


def run_both(opt_ours, opt_theirs, ours, theirs, grads, device, tol):
    for k, gs in enumerate(grads):
        feed(ours, theirs, gs, device)
        opt_ours.step()
        opt_theirs.step()
        assert_params_equal(ours, theirs, tol, k)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),  # lerp's weight >= 0.5 branch
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True, eps=1e-3)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, alpha=0.3)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5, weight_decay=0.1,
                     maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]


def _id(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_matches_torch(case, dtype, device):
    name, kwargs = case
    np_dtype, _, tol = DTYPES[dtype]
    ours, theirs = make_params(np_dtype, device)
    run_both(getattr(tl.optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs),
             ours, theirs, grad_sequence(np_dtype), device, tol)


def test_negative_control_detects_a_wrong_hyperparameter():
    """The comparison can fail: beta2 0.99 against PyTorch's 0.999 is caught."""
    ours, theirs = make_params(np.float64, "cpu")
    with pytest.raises(AssertionError):
        run_both(tl.optim.Adam(ours, betas=(0.9, 0.99)), torch.optim.Adam(theirs),
                 ours, theirs, grad_sequence(np.float64), "cpu", DTYPES["float64"][2])


def test_param_groups_and_missing_grads(device):
    """Per-group options, a group added later, and a parameter without a gradient
    (skipped: no state, unchanged), as in PyTorch."""
    ours, theirs = make_params(np.float64, device)
    opt = tl.optim.SGD([{"params": ours[:1], "lr": 0.5}, {"params": ours[1:2]}],
                       lr=0.1, momentum=0.9)
    ref = torch.optim.SGD([{"params": theirs[:1], "lr": 0.5}, {"params": theirs[1:2]}],
                          lr=0.1, momentum=0.9)
    opt.add_param_group({"params": ours[2], "momentum": 0.0})
    ref.add_param_group({"params": theirs[2], "momentum": 0.0})
    grads = grad_sequence(np.float64, 4)
    for k, gs in enumerate(grads):
        feed(ours, theirs, gs, device)
        if k == 0:
            ours[1].grad, theirs[1].grad = None, None
        opt.step()
        ref.step()
        assert_params_equal(ours, theirs, DTYPES["float64"][2], k)
    assert [len(opt.state[p]) for p in ours] == [len(ref.state[p]) for p in theirs]
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0


def test_zero_grad():
    w = tl.nn.Parameter(tl.ones(3))
    opt = tl.optim.SGD([w])
    w.grad = tl.ones(3)
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and values(w.grad).tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


# ---- validation ----------------------------------------------------------------------------
BAD = [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(momentum=-0.1)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.5)),
    ("Adam", dict(betas=(0.9, 1))),
    ("AdamW", dict(lr=-0.1)), ("RMSprop", dict(alpha=-0.1)), ("RMSprop", dict(momentum=-1.0)),
    ("Adagrad", dict(lr_decay=-1.0)), ("Adagrad", dict(initial_accumulator_value=-1.0)),
    ("Adadelta", dict(rho=1.5)), ("Adamax", dict(betas=(0.9, 1.0))),
    ("NAdam", dict(momentum_decay=-1.0)), ("RAdam", dict(eps=-1.0)), ("LBFGS", dict(lr=-1.0)),
]


@pytest.mark.parametrize("case", BAD, ids=[_id(c) for c in BAD])
def test_invalid_arguments_match_torch(case):
    name, kwargs = case
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(tl.optim, name)([tl.nn.Parameter(tl.ones(2))], **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_group_errors_match_torch():
    w = tl.nn.Parameter(tl.ones(2))
    with pytest.raises(ValueError, match="empty parameter list"):
        tl.optim.SGD([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        tl.optim.SGD(w)
    with pytest.raises(TypeError, match="ordered collections"):
        tl.optim.SGD([{"params": {w}}])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        tl.optim.SGD([w * 2])
    opt = tl.optim.SGD([w])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(NotImplementedError, match="capturable=True"):
        tl.optim.Adam([w], capturable=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        tl.optim.LBFGS([{"params": [w]}, {"params": [tl.nn.Parameter(tl.ones(1))]}])


def test_repr_matches_torch():
    ours = tl.optim.AdamW([{"params": [tl.nn.Parameter(tl.ones(2))], "lr": 0.1}], amsgrad=True)
    theirs = torch.optim.AdamW([{"params": [torch.nn.Parameter(torch.ones(2))], "lr": 0.1}],
                               amsgrad=True)
    assert repr(ours) == repr(theirs)


# ---- state dicts ---------------------------------------------------------------------------
SD_CASES = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
            ("AdamW", dict(lr=0.01)), ("RMSprop", dict(momentum=0.5, centered=True)),
            ("Adagrad", dict()), ("Adadelta", dict()), ("Adamax", dict()), ("NAdam", dict()),
            ("RAdam", dict())]


def _started(name, kwargs, device, steps=3):
    ours, theirs = make_params(np.float64, device)
    opt = getattr(tl.optim, name)([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.05}],
                                  **kwargs)
    ref = getattr(torch.optim, name)([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.05}],
                                     **kwargs)
    grads = grad_sequence(np.float64, 2 * steps)
    run_both(opt, ref, ours, theirs, grads[:steps], device, DTYPES["float64"][2])
    return opt, ref, ours, theirs, grads[steps:]


@pytest.mark.parametrize("case", SD_CASES, ids=[_id(c) for c in SD_CASES])
def test_state_dict_layout_matches_torch(case):
    opt, ref, *_ = _started(*case, "cpu")
    ours, theirs = opt.state_dict(), ref.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for index, state in theirs["state"].items():
        assert list(ours["state"][index]) == list(state)
        for key, value in state.items():
            mine = ours["state"][index][key]
            assert mine.shape == tuple(value.shape) and mine.dtype.name == str(value.dtype)[6:]
            np.testing.assert_allclose(values(mine), values(value), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("source", ["tensorlite", "torch"])
@pytest.mark.parametrize("case", SD_CASES, ids=[_id(c) for c in SD_CASES])
def test_state_dict_round_trip_continues_identically(case, source, device):
    """A fresh optimizer loaded with the state dict (ours, or PyTorch's own) continues
    exactly as a fresh PyTorch optimizer loaded with PyTorch's (loading casts floating
    state such as NAdam's ``mu_product`` to the parameter's dtype, in both)."""
    name, kwargs = case
    opt, ref, ours, theirs, later = _started(name, kwargs, device)
    state = copy.deepcopy(opt.state_dict()) if source == "tensorlite" else ref.state_dict()
    fresh = [tl.nn.Parameter(tl.tensor(values(p), device=device)) for p in ours]
    resumed = getattr(tl.optim, name)([{"params": fresh[:2]}, {"params": fresh[2:]}], lr=123.0)
    resumed.load_state_dict(state)
    assert resumed.param_groups[1]["lr"] == 0.05
    fresh_theirs = [torch.nn.Parameter(q.detach().clone()) for q in theirs]
    ref_resumed = getattr(torch.optim, name)([{"params": fresh_theirs[:2]},
                                              {"params": fresh_theirs[2:]}], lr=123.0)
    ref_resumed.load_state_dict(ref.state_dict())
    run_both(resumed, ref_resumed, fresh, fresh_theirs, later, device, DTYPES["float64"][2])


def test_load_state_dict_rejects_mismatch_and_changes_nothing():
    opt, *_ = _started("Adam", {}, "cpu")
    other = tl.optim.Adam([tl.nn.Parameter(tl.ones(2))])
    before = other.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        other.load_state_dict(opt.state_dict())
    single = tl.optim.Adam([{"params": [tl.nn.Parameter(tl.ones(2))]},
                            {"params": [tl.nn.Parameter(tl.ones(2))]}])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        single.load_state_dict(opt.state_dict())
    assert other.state_dict() == before and len(single.state) == 0


def test_state_follows_parameter_dtype_but_step_does_not():
    _, ref, *_ = _started("Adam", {}, "cpu")
    target = tl.optim.Adam([{"params": [tl.nn.Parameter(tl.ones(s, dtype=tl.float32))
                                        for s in SHAPES[:2]]},
                            {"params": [tl.nn.Parameter(tl.ones(SHAPES[2], dtype=tl.float32))]}])
    target.load_state_dict(ref.state_dict())
    state = target.state_dict()["state"][0]
    assert state["exp_avg"].dtype == tl.float32 and state["step"].dtype == tl.float32
    assert state["step"].item() == 3.0


# ---- LBFGS ---------------------------------------------------------------------------------
def _rosenbrock(x, data):
    a, b = x[:-1], x[1:]
    return (100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a)).sum()


def _logistic(w, data):
    X, y = data
    return (1 + (-y * (X @ w)).exp()).log().mean() + 0.01 * (w * w).sum()


def _lbfgs_pair(fn, start, data, device, **kwargs):
    x = tl.nn.Parameter(tl.tensor(start, device=device))
    y = torch.nn.Parameter(torch.tensor(start))
    opt, ref = tl.optim.LBFGS([x], **kwargs), torch.optim.LBFGS([y], **kwargs)
    ours = [tl.tensor(a, device=device) for a in data]
    theirs = [torch.tensor(a) for a in data]

    def closure_for(param, optimizer, arrays):
        def closure():
            optimizer.zero_grad()
            loss = fn(param, arrays)
            loss.backward()
            return loss
        return closure

    def step():
        return (opt.step(closure_for(x, opt, ours)).item(),
                ref.step(closure_for(y, ref, theirs)).item())

    return x, y, opt, ref, step


@pytest.mark.parametrize("line_search", ["strong_wolfe", None])
def test_lbfgs_matches_torch(line_search, device):
    """Regularized logistic regression (well conditioned), several ``step`` calls:
    the same losses, evaluation counts and parameters to 1e-12."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    y = np.sign(X @ rng.standard_normal(5) + 0.5 * rng.standard_normal(40))
    x, w, opt, ref, step = _lbfgs_pair(_logistic, np.zeros(5), (X, y), device,
                                       lr=1 if line_search else 0.5, max_iter=6,
                                       history_size=4, line_search_fn=line_search)
    for k in range(4):
        ours, theirs = step()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        np.testing.assert_allclose(values(x), values(w), rtol=1e-12, atol=1e-14,
                                   err_msg=f"step {k}")
        state, expected = opt.state[x], ref.state[w]
        assert list(state) == list(expected)
        assert (state["func_evals"], state["n_iter"]) == (expected["func_evals"],
                                                          expected["n_iter"])


def test_lbfgs_strong_wolfe_brackets_and_zooms_like_torch(device, monkeypatch):
    """Rosenbrock's valley makes the line search extrapolate, bracket and zoom; two
    steps of 15 iterations agree to 1e-9 (its ill-conditioning amplifies rounding:
    1e-13 after one step, 1e-11 after two) and take the same number of evaluations."""
    from tensorlite.optim import lbfgs

    calls = []
    cubic = lbfgs._cubic_minimum

    def counting(*args, bounds=None):
        calls.append(bounds is None)
        return cubic(*args, bounds=bounds)

    monkeypatch.setattr(lbfgs, "_cubic_minimum", counting)
    start = np.array([-1.2, 1.0, -0.5, 0.8, 1.5, -1.0])
    x, y, opt, ref, step = _lbfgs_pair(_rosenbrock, start, (), device, max_iter=15,
                                       history_size=5, line_search_fn="strong_wolfe")
    for k in range(2):
        ours, theirs = step()
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)
        np.testing.assert_allclose(values(x), values(y), rtol=1e-9, atol=1e-12)
        assert opt.state[x]["func_evals"] == ref.state[y]["func_evals"]
    assert calls.count(True) > 0 and calls.count(False) > 0  # zoomed and extrapolated
    assert _rosenbrock(x, ()).item() < 1e-2 * _rosenbrock(tl.tensor(start), ()).item()


def test_lbfgs_rejects_unknown_line_search():
    x = tl.nn.Parameter(tl.ones(2))
    opt = tl.optim.LBFGS([x], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam"])
def test_steps_on_meta_keep_state_on_the_parameters_device(name):
    """Shape-only parameters step (no values), their buffers on ``meta`` and with their
    shape; the ``step`` counter stays a CPU scalar, as PyTorch keeps it."""
    w = tl.nn.Parameter(tl.ones(3, 2, device="meta"))
    opt = getattr(tl.optim, name)([w], **({"momentum": 0.9} if name in ("SGD", "RMSprop")
                                          else {}))
    for _ in range(2):
        w.grad = tl.ones(3, 2, device="meta")
        opt.step()
    assert w.device.type == "meta" and w.shape == (3, 2)
    assert opt.state[w]
    for key, value in opt.state[w].items():
        expected = ("cpu", ()) if key in ("step", "mu_product") else ("meta", (3, 2))
        assert (value.device.type, tuple(value.shape)) == expected, key
