"""Gradients of the API-breadth functions on inputs chosen for their corner cases
(ties, zeros, repeated subscripts), against PyTorch's CPU build in float64 to 1e-10."""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")


def _grads(lib, fn, arrays, device):
    """``fn(lib, *leaves)``'s gradients with a fixed non-uniform output gradient."""
    leaves = [lib.tensor(a, dtype=lib.float64, device=device, requires_grad=True)
              for a in arrays]
    out = fn(lib, *leaves)
    weight = np.linspace(0.5, 2.0, out.numel()).reshape(tuple(out.shape))
    (out * lib.tensor(weight, dtype=lib.float64, device=device)).sum().backward()
    return out, [t.grad for t in leaves]


def _check(fn, arrays, device):
    expected_out, expected = _grads(torch, fn, arrays, "cpu")
    out, got = _grads(tl, fn, arrays, device)
    if device == "meta":
        assert tuple(out.shape) == tuple(expected_out.shape)
        assert [tuple(g.shape) for g in got] == [tuple(e.shape) for e in expected]
        return
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected_out.detach().numpy(),
                               rtol=1e-10)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.cpu().numpy(), e.numpy(), rtol=1e-10, atol=1e-12)


_rng = np.random.default_rng(5)
_SQ = _rng.standard_normal((4, 4))
_CUBE = _rng.standard_normal((3, 3, 2))
_M = _rng.standard_normal((4, 5))
_B = _rng.standard_normal((2, 3, 3))


@pytest.mark.parametrize("equation, arrays", [
    ("ii->i", [_SQ]), ("ii", [_SQ]), ("ii->", [_SQ]), ("iij->j", [_CUBE]),
    ("iij->ij", [_CUBE]), ("iji->j", [_CUBE.transpose(0, 2, 1)[:2, :, :2]]),
    ("bii->bi", [_B]), ("ii,ij->j", [_SQ, _M]), ("ij,ii->ij", [_M[:, :4], _SQ]),
    ("iij,k->jk", [_CUBE, _rng.standard_normal(3)]), ("ij,jk", [_SQ, _M]),
])
def test_einsum_gradients_with_repeated_subscripts(equation, arrays, device):
    _check(lambda X, *t: X.einsum(equation, *t), arrays, device)


# index: repeated targets in every row; src ties with each other and with self
_SELF = np.array([[1., 2., 0., 4., 5.], [3., 3., 3., 0., 1.], [0., -1., 2., 2., 6.]])
_INDEX = np.array([[0, 0, 1, 3], [2, 2, 2, 4], [1, 1, 0, 0]])
_SRC = np.array([[1., 1., 0., 4.], [3., 0., 0., 0.], [0., 2., -1., 0.]])


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin", "sum", "mean"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients_with_ties_and_zeros(reduce, include_self, device):
    _check(lambda X, s, src: X.scatter_reduce(s, 1, X.tensor(_INDEX, device=s.device), src,
                                              reduce, include_self=include_self),
           [_SELF, _SRC], device)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_scatter_reduce_gradients_random(reduce, device):
    rng = np.random.default_rng(9)
    index = rng.integers(0, 4, (5, 4))  # (PyTorch's rule needs src shaped as index)
    _check(lambda X, s, src: X.scatter_reduce(s, 0, X.tensor(index, device=s.device), src,
                                              reduce),
           [rng.standard_normal((4, 4)), rng.standard_normal((5, 4))], device)


def test_gradient_checks_fail_on_a_wrong_rule():
    # negative control: the comparison above notices a gradient that is off
    _, expected = _grads(torch, lambda X, a: X.einsum("ii->i", a), [_SQ], "cpu")
    _, got = _grads(tl, lambda X, a: X.einsum("ii->i", a) * (1 + 1e-9), [_SQ], "cpu")
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(got[0].numpy(), expected[0].numpy(), rtol=1e-10)


def test_scatter_with_reduce_has_no_derivative():
    # PyTorch: "derivative for aten::scatter is not implemented" (at backward)
    x = tl.zeros(2, 3, dtype=tl.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="not implemented"):
        x.scatter(1, tl.tensor([[0, 1]]), x[:, :2], reduce="add")
