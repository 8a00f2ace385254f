"""The fast paths of small calls (issue 17) give what the general paths give.

Elementwise ops, ``linear``, 2-D ``matmul``, ``sum(dim=int)`` and ``zeros`` take a
shortcut for CPU tensors of a native float dtype; each test runs the same call
through the shortcut and through the general code (``op._general``, or arguments
the shortcut does not take) and asserts identical bits, dtypes and gradients.
"""

import warnings

import numpy as np
import pytest

import tensorlite as tl
from tensorlite._ops import elementwise as E

BINARY = [E.add, E.sub, E.mul, E.div, E.pow_, E.maximum, E.minimum, E.remainder,
          E.COMPARISONS["lt"], E.COMPARISONS["eq"]]
UNARY = [E.relu, E.neg, E.abs_, E.exp, E.log, E.sqrt, E.tanh, E.sigmoid, E.floor,
         E.isnan]


def _same(fast, general):
    assert fast.dtype is general.dtype
    assert fast.shape == general.shape
    np.testing.assert_array_equal(fast.numpy(force=True), general.numpy(force=True),
                                  strict=True)


def _leaf(values, dtype):
    return tl.tensor(values, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
def test_binary_fast_matches_general(device, op, dtype):
    if device != "cpu":
        pytest.skip("the fast path is CPU-only")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 5)) * 3
    b = rng.normal(size=(5,)) + 0.5  # broadcast
    for other in (b, 2.5, 3):        # a tensor, a Python float, a Python int
        fast_x, slow_x = _leaf(a, dtype), _leaf(a, dtype)
        fast_y = _leaf(other, dtype) if isinstance(other, np.ndarray) else other
        slow_y = _leaf(other, dtype) if isinstance(other, np.ndarray) else other
        for args_fast, args_slow in (((fast_x, fast_y), (slow_x, slow_y)),
                                     ((fast_y, fast_x), (slow_y, slow_x))):
            fast, slow = op(*args_fast), op._general(*args_slow)
            _same(fast, slow)
            if fast.requires_grad:
                fast.sum().backward()
                slow.sum().backward()
        if fast_x.grad is not None:
            _same(fast_x.grad, slow_x.grad)
        else:  # comparisons record nothing, on either path
            assert slow_x.grad is None


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
def test_unary_fast_matches_general(device, op):
    if device != "cpu":
        pytest.skip("the fast path is CPU-only")
    special = tl.tensor([[-2.0, -0.0, 0.0, 0.5], [3.0, np.nan, np.inf, -np.inf]])
    with np.errstate(all="ignore"):
        _same(op(special), op._general(special, special.dtype, ()))
    values = np.array([[0.25, 1.5], [2.0, 3.0]])  # finite gradients everywhere
    fast_x, slow_x = _leaf(values, tl.float32), _leaf(values, tl.float32)
    fast, slow = op(fast_x), op._general(slow_x, slow_x.dtype, ())
    _same(fast, slow)
    if fast.requires_grad:
        fast.sum().backward()
        slow.sum().backward()
        _same(fast_x.grad, slow_x.grad)


def test_relu_keeps_layout_and_sign_of_zero(device):
    x = tl.tensor([[-1.0, 2.0, -0.0], [0.0, -3.0, 4.0]], device=device)
    assert x.t().relu().is_contiguous() == x.t().exp().is_contiguous()
    np.testing.assert_array_equal(x.relu().numpy(force=True), np.maximum(x.numpy(force=True), 0))
    with pytest.raises(AssertionError):  # negative control: relu is not the identity
        np.testing.assert_array_equal(x.relu().numpy(force=True), x.numpy(force=True))


@pytest.mark.parametrize("dtype", [tl.float32, tl.float64])
def test_relu_cpu_forward_matches_general_on_every_layout(device, dtype):
    # relu's fast path looks a cached zero array up by shape and dtype: it must not
    # serve a zero of another dtype, or a C-ordered zero to a transposed input
    if device != "cpu":
        pytest.skip("the fast path is CPU-only")
    rng = np.random.default_rng(2)
    base = tl.tensor(rng.normal(size=(3, 4)), dtype=dtype)
    for x in (base, base.t(), base[:, ::2], base[:1], tl.tensor(-1.5, dtype=dtype),
              tl.tensor([[0.5]], dtype=dtype), base.reshape(3, 1, 4)):
        fast, slow = x.relu(), E.relu._general(x, x.dtype, ())
        _same(fast, slow)
        assert fast.stride() == slow.stride()
    assert E.relu(base).dtype is dtype  # after the other dtype's zero of this shape was cached
    with pytest.raises(AssertionError):  # negative control: different inputs differ
        _same(base.relu(), (-base).relu())


def test_scalar_overflow_is_quiet(device):
    x = tl.ones(2, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (1e40, 10**40):
            assert (x * value).isinf().all()
            assert (value - x).isinf().all()


def test_fast_linear_matmul_sum_match_general(device):
    if device != "cpu":
        pytest.skip("the fast paths are CPU-only")
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)
    grads = []
    for dev in ("cpu", tl.device("cpu")):  # a second cpu device object: the general path
        tx, tw, tb = (tl.tensor(v, dtype=tl.float32, device=dev, requires_grad=True)
                      for v in (x, w, b))
        out = tl.nn.functional.linear(tx, tw, tb) + (tx @ tw.t().contiguous()).sum(dim=1,
                                                                                 keepdim=True)
        out.sum().backward()
        grads.append([out] + [t.grad for t in (tx, tw, tb)])
    for fast, general in zip(*grads):
        _same(fast, general)


def test_zeros_fast_matches_checked(device):
    fast = tl.zeros(3, 4)
    checked = tl.zeros(3, 4, device="cpu")  # an explicit device takes the checked path
    _same(fast, checked)
    assert fast.device == tl.device("cpu")
    assert tl.zeros(0, 3).shape == (0, 3)
    assert tl.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="negative dimension"):
        tl.zeros(-1, 3)
    with pytest.raises(TypeError, match="must be a tuple of ints"):
        tl.zeros(2.0, 3)
