"""The tensor API against PyTorch's CPU build: every expression in tests/api_cases.py
evaluated with ``X = torch`` and ``X = tensorlite`` on the same inputs must agree in
values, dtypes and shapes (on each device; on ``meta`` in shapes and dtypes), in
gradients (float64, relative 1e-10), and in the exception type for bad input.
"""

import math
import warnings

import numpy as np
import pytest

import tensorlite as tl

from api_cases import ERROR_CASES, FLOATS, GRAD_CASES, NO_GRAD, OTHERS, VALUE_CASES

torch = pytest.importorskip("torch")


def _inputs(X, device, dtype, requires_grad=False):
    float_dtype = X.float64 if dtype == "float64" else X.float32
    env = {}
    for name, arr in FLOATS.items():
        t = X.tensor(arr, dtype=float_dtype, device=device)
        if requires_grad and name not in NO_GRAD:
            t.requires_grad_()
        env[name] = t
    for name, arr in OTHERS.items():
        env[name] = X.tensor(arr, device=device)
    return env


def _evaluate(X, expr, env):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(expr, {"X": X, "math": math, "hasattr": hasattr, "isinstance": isinstance},
                    dict(env))


def _leaves(value):
    """Tensors and plain values of a (possibly nested, named-tuple) result, in order."""
    if isinstance(value, (tuple, list)) and not type(value).__name__ in ("Size",):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _dtype_name(d):
    return str(d).split(".")[-1]


def _as_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).cpu().numpy()
    t = t.detach()
    return np.asarray(t.float().cpu().numpy() if t.dtype is tl.bfloat16 else t.cpu().numpy())


def _compare(expected, got, expr, values=True, rtol=2e-5, atol=1e-5):
    exp_leaves, got_leaves = _leaves(expected), _leaves(got)
    assert len(exp_leaves) == len(got_leaves), (expr, len(exp_leaves), len(got_leaves))
    for e, g in zip(exp_leaves, got_leaves):
        if isinstance(e, torch.Tensor):
            assert isinstance(g, tl.Tensor), (expr, type(g))
            assert tuple(g.shape) == tuple(e.shape), (expr, g.shape, e.shape)
            assert _dtype_name(g.dtype) == _dtype_name(e.dtype), (expr, g.dtype, e.dtype)
            if values and e.device.type != "meta":
                np.testing.assert_allclose(_as_numpy(g), _as_numpy(e), rtol=rtol, atol=atol,
                                           equal_nan=True, err_msg=expr)
        elif isinstance(e, torch.dtype):
            assert _dtype_name(g) == _dtype_name(e), expr
        elif isinstance(e, float) and values:
            assert g == pytest.approx(e, rel=1e-6, nan_ok=True), expr
        elif values:
            assert g == e or str(g) == str(e).replace("torch.", "tensorlite."), (expr, g, e)


@pytest.mark.parametrize("expr", VALUE_CASES)
def test_values_match_torch(expr, device):
    expected = _evaluate(torch, expr, _inputs(torch, "cpu", "float32"))
    got = _evaluate(tl, expr, _inputs(tl, device, "float32"))
    _compare(expected, got, expr)


@pytest.mark.parametrize("expr", VALUE_CASES)
def test_meta_shapes_match_torch(expr):
    try:
        expected = _evaluate(torch, expr, _inputs(torch, "meta", "float32"))
    except Exception as exc:  # data-dependent in PyTorch too (nonzero, unique, ...)
        pytest.skip(f"torch on meta: {type(exc).__name__}")
    if any(not isinstance(v, (torch.Tensor, torch.dtype)) for v in _leaves(expected)):
        pytest.skip("the result is a Python value, not a tensor")
    got = _evaluate(tl, expr, _inputs(tl, "meta", "float32"))
    _compare(expected, got, expr, values=False)


def _grads(X, expr, device):
    env = _inputs(X, device, "float64", requires_grad=True)
    out = _evaluate(X, expr, env)
    weights = np.random.default_rng(5).standard_normal(tuple(out.shape))
    (out * X.tensor(weights, dtype=X.float64, device=device)).sum().backward()
    return {name: t.grad for name, t in env.items() if getattr(t, "requires_grad", False)}


def assert_grads_match(expr, device, zero_is_none=False):
    """tensorlite's float64 gradients of ``expr`` equal PyTorch's to 1e-10; a missing
    gradient may be zeros (and, with ``zero_is_none``, a zero one may be missing)."""
    expected = _grads(torch, expr, "cpu")
    got = _grads(tl, expr, device)
    assert any(g is not None for g in expected.values()), expr
    for name, e in expected.items():
        g = got[name]
        if e is None or (zero_is_none and not _as_numpy(e).any()):
            assert g is None or not _as_numpy(g).any(), (expr, name)
            continue
        assert g is not None, (expr, name)
        assert g.dtype is tl.float64 and tuple(g.shape) == tuple(e.shape), (expr, name)
        np.testing.assert_allclose(_as_numpy(g), _as_numpy(e), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{expr}: d/d{name}")


@pytest.mark.parametrize("expr", GRAD_CASES)
def test_gradients_match_torch(expr, device):
    assert_grads_match(expr, device)


def _builtin(exc_type):
    """PyTorch's own exception classes (e.g. torch.linalg.LinAlgError) as the builtin they
    derive from."""
    if exc_type.__module__.startswith("torch"):
        return next(t for t in exc_type.__mro__ if t.__module__ == "builtins")
    return exc_type


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_errors_match_torch_types(expr, device):
    with pytest.raises(Exception) as expected:
        _evaluate(torch, expr, _inputs(torch, "cpu", "float32"))
    with pytest.raises(Exception) as got:
        _evaluate(tl, expr, _inputs(tl, device, "float32"))
    assert issubclass(got.type, _builtin(expected.type)), (expr, got.type, expected.type,
                                                           str(got.value))
