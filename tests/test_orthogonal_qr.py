"""The QR behind ``nn.init.orthogonal_``: ``tensorlite.linalg._positive_q`` (a blocked
Householder QR on the CPU) and ``orthogonal_``'s values, against PyTorch's QR of the same
matrix with the same sign fix.

The oracle is ``torch.linalg.qr`` in float64 of the (float32 or float64) matrix, its ``Q``
times the signs of ``diag(R)``: for a full-rank matrix that ``Q`` is unique, so any stable
QR agrees with it up to rounding. Thresholds (maximum absolute differences; the Gaussian
test matrices have condition numbers of about their size, and a float32 QR's error against
the exact ``Q`` is about ``cond * eps``; measured: at most 3e-6 for ours and PyTorch's
float32 QR alike, 1.3e-14 in float64):

* distance to the oracle: ``1e-12`` in float64, ``2e-5`` in float32 (half types: plus their
  rounding, ``eps(dtype)`` relative);
* orthogonality ``|Q^T Q - I|``: ``1e-13`` in float64, ``2e-6`` in float32, ``4 eps`` for
  half types.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorlite as tl
from tensorlite.linalg import _positive_q
from tensorlite.nn import init

torch = pytest.importorskip("torch")

TOL = {np.float64: (1e-12, 1e-13), np.float32: (2e-5, 2e-6)}


def oracle(a, gain=1.0):
    """``gain * Q diag(sign(diag R))`` of ``a`` by PyTorch's float64 QR."""
    q, r = torch.linalg.qr(torch.from_numpy(np.asarray(a, np.float64)))
    return (gain * q * torch.diagonal(r).sign()).numpy()


def orthogonality(q, gain=1.0):
    q = q.astype(np.float64) / gain
    return np.abs(q.T @ q - np.eye(q.shape[1])).max()


# (block, leaf): the default; several panels with a remainder and recursive leaves; odd
# splits down to one- and two-column leaves
PARAMS = [(128, 32), (16, 4), (8, 3), (5, 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block, leaf", PARAMS)
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (5, 5), (64, 64), (97, 60), (300, 7),
                                   (130, 130)])
def test_positive_q_is_the_sign_fixed_q_of_torch(shape, block, leaf, dtype):
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(dtype)
    q = _positive_q(np, a, 1.5, block, leaf)
    assert q.dtype == dtype and q.shape == shape
    close, orthonormal = TOL[dtype]
    np.testing.assert_allclose(q, oracle(a, 1.5), rtol=0, atol=close * 1.5)
    assert orthogonality(q, 1.5) < orthonormal


def test_positive_q_at_the_default_block_over_several_panels():
    a = np.random.default_rng(3).standard_normal((300, 300), dtype=np.float32)
    q = _positive_q(np, a)  # 128-column panels: 128 + 128 + 44, each 4 leaves deep
    np.testing.assert_allclose(q, oracle(a), rtol=0, atol=2e-5)
    assert orthogonality(q) < 2e-6


@pytest.mark.parametrize("block, leaf", PARAMS)
def test_positive_q_of_columns_already_reduced(block, leaf):
    """LAPACK returns ``tau = 0`` (the reflector is the identity) for a column already zero
    below the diagonal: an upper-triangular matrix is its own ``R``, so ``Q`` is the signs
    of its diagonal; with random columns after such ones, the oracle's ``Q``."""
    rng = np.random.default_rng(4)
    a = np.triu(rng.standard_normal((40, 40)))
    np.testing.assert_array_equal(_positive_q(np, a, 1.0, block, leaf),
                                  np.diag(np.sign(np.diagonal(a))))
    a[:, 9:] = rng.standard_normal((40, 31))  # columns 0-8 reduced, the rest not
    np.testing.assert_allclose(_positive_q(np, a, 1.0, block, leaf), oracle(a), atol=1e-12)


def test_oracle_comparison_sees_a_missing_sign_fix():
    """Negative control: LAPACK's own ``Q`` (some ``r_ii < 0``) fails the comparison."""
    a = np.random.default_rng(5).standard_normal((64, 64))
    q, r = np.linalg.qr(a)
    assert (np.diagonal(r) < 0).any()
    assert np.abs(q - oracle(a)).max() > 0.1
    np.testing.assert_allclose(q * np.sign(np.diagonal(r)), oracle(a), atol=1e-12)


@pytest.mark.parametrize("dtype", [tl.float16, tl.bfloat16, tl.float32, tl.float64])
@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100), (1, 50), (50, 1),
                                   (16, 4, 3)])
def test_orthogonal_matches_torch_qr_of_its_normals(device, shape, dtype):
    gain = 2.0
    w = init.orthogonal_(tl.empty(shape, dtype=dtype, device=device), gain=gain,
                         generator=tl.Generator(device).manual_seed(6))
    assert w.shape == shape and w.dtype is dtype
    rows = shape[0]
    work = dtype if dtype.itemsize >= 4 else tl.float32
    normals = tl.randn(rows, w.numel() // rows, dtype=work, device=device,
                       generator=tl.Generator(device).manual_seed(6)).cpu().numpy()
    wide = normals.shape[0] < normals.shape[1]
    expected = oracle(normals.T if wide else normals, gain)
    expected = expected.T if wide else expected
    got = w.cpu().double().numpy().reshape(expected.shape)
    close, orthonormal = TOL[work._np.type]
    eps = 0.0 if dtype.itemsize >= 4 else float(tl.finfo(dtype).eps)
    np.testing.assert_allclose(got, expected, rtol=eps, atol=close * gain)
    assert orthogonality(got.T if wide else got, gain) < max(orthonormal, 4 * eps)
