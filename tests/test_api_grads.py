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
def test_einsum_gradients_with_repeated_subscripts(equation, arrays, device_or_meta):
    _check(lambda X, *t: X.einsum(equation, *t), arrays, device_or_meta)


# index: repeated targets in every row; src ties with each other and with self
_SELF = np.array([[1., 2., 0., 4., 5.], [3., 3., 3., 0., 1.], [0., -1., 2., 2., 6.]])
_INDEX = np.array([[0, 0, 1, 3], [2, 2, 2, 4], [1, 1, 0, 0]])
_SRC = np.array([[1., 1., 0., 4.], [3., 0., 0., 0.], [0., 2., -1., 0.]])


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin", "sum", "mean"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients_with_ties_and_zeros(reduce, include_self, device_or_meta):
    _check(lambda X, s, src: X.scatter_reduce(s, 1, X.tensor(_INDEX, device=s.device), src,
                                              reduce, include_self=include_self),
           [_SELF, _SRC], device_or_meta)


@pytest.mark.parametrize("reduce", ["prod", "amax", "amin"])
def test_scatter_reduce_gradients_random(reduce, device_or_meta):
    rng = np.random.default_rng(9)
    index = rng.integers(0, 4, (5, 4))  # (PyTorch's rule needs src shaped as index)
    _check(lambda X, s, src: X.scatter_reduce(s, 0, X.tensor(index, device=s.device), src,
                                              reduce),
           [rng.standard_normal((4, 4)), rng.standard_normal((5, 4))], device_or_meta)


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


# ---- views and memory formats ---------------------------------------------------------------
@pytest.mark.parametrize("offset, dim1, dim2", [(0, 0, 1), (1, 0, 1), (-1, 1, 0), (2, 0, 2),
                                                (0, -1, 0)])
def test_diagonal_is_a_view(offset, dim1, dim2, device_or_meta):
    device = device_or_meta
    data = np.arange(60.0).reshape(3, 4, 5)
    x, t = tl.tensor(data, device=device), torch.tensor(data)
    d, e = x.diagonal(offset, dim1, dim2), t.diagonal(offset, dim1, dim2)
    assert tuple(d.shape) == tuple(e.shape) and d._base is x
    d.mul_(-2)
    e.mul_(-2)
    tl.diagonal(x, offset, dim1, dim2).add_(0.5)
    torch.diagonal(t, offset, dim1, dim2).add_(0.5)
    if device != "meta":
        np.testing.assert_array_equal(x.cpu().numpy(), t.numpy())
        x[0] = 7.0  # and writes to the base show in the view
        t[0] = 7.0
        np.testing.assert_array_equal(d.cpu().numpy(), e.numpy())


def test_writes_through_a_diagonal_keep_gradients_right(device_or_meta):
    def fn(X, a, b):
        y = a * 1
        y.diagonal().mul_(b)  # in place through the view
        y.diagonal(1).copy_(b[:3] ** 2)
        return y.diagonal(-1) + y.sum(0)[:3]

    _check(fn, [_SQ, _rng.standard_normal(4)], device_or_meta)


def test_diagonal_of_a_read_only_array_stays_read_only():
    data = np.arange(4.0).reshape(2, 2)
    data.flags.writeable = False
    x = tl.from_numpy(data) if hasattr(tl, "from_numpy") else tl.as_tensor(data)
    assert np.shares_memory(x.numpy(), data)
    with pytest.raises(ValueError):
        x.diagonal().numpy()[0] = 1.0


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 4), (1, 2, 3, 4, 5)])
@pytest.mark.parametrize("fmt", ["channels_last", "channels_last_3d", "contiguous_format",
                                 "preserve_format"])
def test_memory_format_arguments(shape, fmt, device_or_meta):
    device = device_or_meta
    data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    x, t = tl.tensor(data, device=device), torch.tensor(data)
    for call in (lambda X, a: a.to(memory_format=getattr(X, fmt)),
                 lambda X, a: a.to(X.float64, memory_format=getattr(X, fmt)),
                 lambda X, a: a.contiguous(memory_format=getattr(X, fmt))):
        try:
            expected = call(torch, t)
        except RuntimeError as exc:
            with pytest.raises(RuntimeError, match=str(exc)):
                call(tl, x)
            continue
        got = call(tl, x)
        assert tuple(got.shape) == tuple(expected.shape)
        assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
        if device != "meta":
            np.testing.assert_array_equal(got.cpu().numpy(), expected.numpy())
    with pytest.raises(TypeError, match="memory_format"):
        x.to(memory_format="channels_last")


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular(upper, left, unitriangular, device_or_meta):
    # only the triangle read gets a gradient; batches broadcast
    a = _rng.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    b = _rng.standard_normal((4, 3) if left else (3, 4))
    _check(lambda X, a, b: X.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                      unitriangular=unitriangular),
           [a, b], device_or_meta)


def test_lgamma_values_and_gradient(device_or_meta):
    x = np.concatenate([np.linspace(0.05, 30, 40), [-2.5, -0.3, 1.5]])
    _check(lambda X, a: X.lgamma(a), [x], device_or_meta)


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_gamma_functions_in_place(name, device_or_meta):
    x = np.concatenate([np.linspace(0.05, 30, 40), [-2.5, -0.3, 1.5]])
    expected = getattr(torch, name)(torch.tensor(x))
    got = getattr(tl.tensor(x, device=device_or_meta), name + "_")()
    assert tuple(got.shape) == tuple(expected.shape) and got.dtype == tl.float64
    if device_or_meta != "meta":
        np.testing.assert_allclose(got.cpu().numpy(), expected.numpy(), rtol=1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_view_as_complex_and_real(dtype, device_or_meta):
    device = device_or_meta
    data = _rng.standard_normal((2, 3, 2)).astype(dtype)
    x, t = tl.tensor(data, device=device), torch.tensor(data)
    z, w = tl.view_as_complex(x), torch.view_as_complex(t)
    assert tuple(z.shape) == tuple(w.shape) and z._base is x
    assert str(z.dtype).split(".")[1] == str(w.dtype).split(".")[1]
    r, s = tl.view_as_real(z), torch.view_as_real(w)
    assert tuple(r.shape) == tuple(s.shape) and r.dtype == x.dtype and r._base is x
    if device != "meta":
        np.testing.assert_array_equal(z.cpu().numpy(), w.numpy())
        x.mul_(2)  # views: a write to the base shows in both
        t.mul_(2)
        np.testing.assert_array_equal(z.cpu().numpy(), w.numpy())
        np.testing.assert_array_equal(r.cpu().numpy(), s.numpy())
    for bad in (lambda X: X.view_as_complex(X.ones(3, dtype=getattr(X, dtype))),
                lambda X: X.view_as_complex(X.ones(2, 3, dtype=getattr(X, dtype)).T),
                lambda X: X.view_as_complex(X.ones(3, 2, dtype=X.int64)),
                lambda X: X.view_as_real(X.ones(3))):
        with pytest.raises(RuntimeError) as expected:
            bad(torch)
        with pytest.raises(RuntimeError, match=str(expected.value)):
            bad(tl)


def test_view_as_complex_gradients(device_or_meta):
    # through the views and back: d/dx of sum(w * view_as_real(view_as_complex(x)))
    _check(lambda X, a: X.view_as_real(X.view_as_complex(a * 1)) * 3, [_B[..., :2]],
           device_or_meta)
