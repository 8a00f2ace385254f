"""Complex gradients of ``prod``, ``linalg.inv``/``det``/``slogdet``/``solve`` and
``logdet`` against PyTorch (complex128, relative 1e-10): PyTorch's convention, the
conjugate Wirtinger derivative (``x.grad`` is the direction of steepest ascent of a real
loss), including the gradient through ``slogdet``'s complex sign.
"""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

_RNG = np.random.default_rng(0)
A = _RNG.standard_normal((2, 3, 3)) + 1j * _RNG.standard_normal((2, 3, 3))
V = _RNG.standard_normal((2, 4)) + 1j * _RNG.standard_normal((2, 4))
V0 = np.array([1 + 1j, 0, 2 - 1j, 3j])  # one zero: no division in the rule

CASES = [
    ("prod", V, lambda lib, x: x.prod()),
    ("prod(dim)", V, lambda lib, x: x.prod(1, keepdim=True)),
    ("prod with a zero", V0, lambda lib, x: x.prod()),
    ("inv", A, lambda lib, x: lib.linalg.inv(x)),
    ("det", A, lambda lib, x: lib.linalg.det(x)),
    ("slogdet sign", A, lambda lib, x: lib.linalg.slogdet(x).sign),
    ("slogdet logabsdet", A, lambda lib, x: lib.linalg.slogdet(x).logabsdet),
    ("slogdet both", A, lambda lib, x: lib.linalg.slogdet(x)[0] * lib.linalg.slogdet(x)[1]),
    ("logdet", A, lambda lib, x: lib.logdet(x)),
    ("solve", A, lambda lib, x: lib.linalg.solve(x, x.sum(-1).conj() + 1)),
]


def _run(lib, device, a, fn):
    x = lib.tensor(a, requires_grad=True, device=device)
    y = fn(lib, x)
    shape = tuple(y.shape)
    w = np.random.default_rng(1).standard_normal(shape) + \
        1j * np.random.default_rng(2).standard_normal(shape)
    w = lib.tensor(w if y.dtype.is_complex else w.real, device=device)
    (y * w).sum().real.backward()
    return y, x.grad


@pytest.mark.parametrize("label, a, fn", CASES, ids=[c[0] for c in CASES])
def test_complex_values_and_gradients_match_torch(label, a, fn, device_or_meta):
    ty, tg = _run(torch, "cpu", a, fn)
    ly, lg = _run(tl, device_or_meta, a, fn)
    assert str(ly.dtype).split(".")[1] == str(ty.dtype).split(".")[1]
    assert tuple(ly.shape) == tuple(ty.shape) and tuple(lg.shape) == tuple(tg.shape)
    assert lg.dtype == tl.complex128
    if device_or_meta == "meta":
        return
    np.testing.assert_allclose(ly.detach().cpu().numpy(), ty.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(lg.cpu().numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


def test_conjugation_is_what_makes_them_match():
    # negative control: the unconjugated (holomorphic chain rule) gradient differs
    _, tg = _run(torch, "cpu", A, lambda lib, x: lib.linalg.det(x))
    x = A
    d = np.linalg.det(x)
    w = np.random.default_rng(1).standard_normal((2,)) + \
        1j * np.random.default_rng(2).standard_normal((2,))
    naive = (w * d)[:, None, None] * np.swapaxes(np.linalg.inv(x), -1, -2)
    assert not np.allclose(naive, tg.numpy(), rtol=1e-3)
    np.testing.assert_allclose(np.conj(naive), tg.numpy(), rtol=1e-10)


def test_complex_prod_keeps_its_dtype(device):
    for lib, dev in ((torch, "cpu"), (tl, device)):
        x = lib.tensor(V.astype(np.complex64), device=dev)
        assert x.prod().dtype == lib.complex64 and x.prod(0).dtype == lib.complex64
    np.testing.assert_allclose(tl.tensor(V, device=device).prod().item(), np.prod(V),
                               rtol=1e-12)


def test_real_slogdet_sign_is_recorded_as_torch():
    for lib in (torch, tl):
        x = lib.tensor(A.real, requires_grad=True)
        s, logabs = lib.linalg.slogdet(x)
        assert s.grad_fn.name() == "LinalgSlogdetBackward0" and s.requires_grad
        (s * logabs).sum().backward()  # a real sign contributes nothing
        np.testing.assert_allclose(x.grad.numpy(), np.sign(np.linalg.det(A.real))[
            :, None, None] * np.linalg.inv(A.real).swapaxes(-1, -2), rtol=1e-10)
