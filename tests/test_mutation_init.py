"""Tests written to kill surviving mutants of ``tensorlite.nn.init`` (issue 18).

Each pins a behaviour a mutant changed unnoticed (reports/mutation.md lists them):
argument checks and their messages, the device the helpers allocate on, and the
exact values of the composite initializers, re-derived from their documented
recipes (same generator words, then NumPy).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import tensorlite as tl
from tensorlite.nn import init

try:
    import torch
except ImportError:  # the PyTorch comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


@pytest.mark.parametrize("groups", [0, -1, True, 1.5, "2"])
def test_dirac_groups_must_be_a_positive_int(groups):
    message = f"dirac_(): groups must be a positive int, got {groups!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        init.dirac_(tl.empty(2, 2, 3), groups=groups)


def test_dirac_of_an_empty_kernel_writes_nothing(device):
    """A zero-size spatial dimension has no centre: nothing to set (PyTorch raises an
    IndexError there; tensorlite returns the empty tensor)."""
    w = tl.empty(2, 2, 0, device=device)
    assert init.dirac_(w) is w and tuple(w.shape) == (2, 2, 0)


def test_sparse_with_zero_std_is_all_zeros(device):
    w = tl.full((6, 4), 3.0, device=device)
    assert init.sparse_(w, 0.5, std=0.0) is w
    assert (w.cpu().numpy() == 0).all()
    if torch is not None:
        assert (torch.nn.init.sparse_(torch.full((6, 4), 3.0), 0.5, std=0.0) == 0).all()


def test_sparse_rejects_negative_std_before_drawing():
    g = tl.Generator().manual_seed(0)
    with pytest.raises(RuntimeError, match=r"^normal expects std >= 0.0, but found std -1.0$"):
        init.sparse_(tl.empty(4, 3), 0.5, std=-1.0, generator=g)
    assert g.offset == 0


def test_orthogonal_rejects_integer_tensors_by_name():
    with pytest.raises(RuntimeError, match=r"^orthogonal_\(\): expected a floating-point "
                                           r"tensor, got tensorlite.int64$"):
        init.orthogonal_(tl.empty(3, 3, dtype=tl.int64))


@pytest.mark.parametrize("rows, cols", [(5, 3), (3, 5), (4, 4)])
def test_orthogonal_is_the_signed_q_of_the_generators_normals(rows, cols):
    """The documented recipe, re-derived: Q of the QR of ``randn(rows, cols)`` (of its
    transpose when rows < cols) times the signs of R's diagonal, times gain."""
    w = init.orthogonal_(tl.empty(rows, cols, dtype=tl.float64), gain=3.0,
                         generator=tl.Generator().manual_seed(8))
    m = tl.randn(rows, cols, dtype=tl.float64, generator=tl.Generator().manual_seed(8)).numpy()
    q, r = np.linalg.qr(m.T if rows < cols else m)
    q = q * np.sign(np.diagonal(r))
    expected = 3.0 * (q.T if rows < cols else q)
    np.testing.assert_allclose(w.numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name, kwargs", [
    ("eye_", {}), ("dirac_", {}), ("orthogonal_", {}), ("sparse_", {"sparsity": 0.5}),
])
def test_helpers_allocate_on_the_tensors_device_not_the_default(name, kwargs):
    """With the default device set to meta, initializing a CPU tensor still computes
    on the CPU (the initializers' scratch follows ``tensor.device``)."""
    shape = (4, 4, 3) if name == "dirac_" else (4, 4)
    expected = getattr(init, name)(tl.empty(shape), generator=tl.Generator().manual_seed(2),
                                   **kwargs) if name in ("orthogonal_", "sparse_") else \
        getattr(init, name)(tl.empty(shape), **kwargs)
    before = tl.get_default_device()
    tl.set_default_device("meta")
    try:
        w = tl.empty(shape, device="cpu")
        if name in ("orthogonal_", "sparse_"):
            kwargs = dict(kwargs, generator=tl.Generator().manual_seed(2))
        getattr(init, name)(w, **kwargs)
    finally:
        tl.set_default_device(before)
    assert w.device == tl.device("cpu")
    np.testing.assert_array_equal(w.numpy(), expected.numpy())


DEFAULTS = [  # initializer, the keyword arguments PyTorch's defaults spell out
    ("uniform_", {"a": 0.0, "b": 1.0}), ("normal_", {"mean": 0.0, "std": 1.0}),
    ("trunc_normal_", {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0}),
    ("xavier_uniform_", {"gain": 1.0}), ("xavier_normal_", {"gain": 1.0}),
    ("kaiming_uniform_", {"a": 0, "mode": "fan_in", "nonlinearity": "leaky_relu"}),
    ("kaiming_normal_", {"a": 0, "mode": "fan_in", "nonlinearity": "leaky_relu"}),
    ("orthogonal_", {"gain": 1}), ("sparse_", {"std": 0.01}),
]


@pytest.mark.parametrize("name, explicit", DEFAULTS)
def test_defaults_give_the_same_values_as_spelled_out(name, explicit):
    """Behaviour, not signatures: omitting an argument equals passing PyTorch's default."""
    extra = {"sparsity": 0.3} if name == "sparse_" else {}
    a = getattr(init, name)(tl.empty(6, 5), generator=tl.Generator().manual_seed(3), **extra)
    b = getattr(init, name)(tl.empty(6, 5), generator=tl.Generator().manual_seed(3), **extra,
                            **explicit)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_zero_element_warning_text():
    with pytest.warns(UserWarning, match="^Initializing zero-element tensors is a no-op$"):
        init.kaiming_uniform_(tl.empty(0, 3))


def test_deprecated_aliases_warn_at_the_caller():
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        init.uniform(tl.empty(2, 2))
    (w,) = caught
    assert w.category is FutureWarning and w.filename == __file__
    assert str(w.message) == "`nn.init.uniform` is now deprecated in favor of `nn.init.uniform_`."
    assert init.uniform.__name__ == "uniform"


@pytest.mark.parametrize("dtype, uniform_dtype", [
    (tl.float32, tl.float32), (tl.float16, tl.float32), (tl.bfloat16, tl.float32),
    (tl.float64, tl.float64)])
def test_trunc_normal_draws_one_uniform_word_per_element(dtype, uniform_dtype):
    """trunc_normal_ consumes the words of ``rand`` in its working dtype: float32 uniforms
    (one word each) for float32 and the half types, float64 (two words) only for float64
    (kills the mutant that always works in float64)."""
    for n in (10, 37):
        g = tl.Generator().manual_seed(1)
        tl.nn.init.trunc_normal_(tl.empty(n, dtype=dtype), generator=g)
        h = tl.Generator().manual_seed(1)
        tl.rand(n, dtype=uniform_dtype, generator=h)
        assert g.get_offset() == h.get_offset()
    g = tl.Generator().manual_seed(1)
    tl.nn.init.trunc_normal_(tl.empty(10, dtype=dtype), generator=g)
    assert (g.get_offset() == 12) == (uniform_dtype is tl.float32)  # 10 words, rounded to 4


@pytest.mark.parametrize("dtype", [tl.float32, tl.float16])
def test_trunc_normal_dask_blocks_with_default_arguments_equal_eager(dtype):
    """Blockwise replay of ``trunc_normal_`` called with its defaults (mean 0, std 1,
    [-2, 2]): every Dask block equals the eager values bit for bit, in the tensor's dtype."""
    pytest.importorskip("dask.array")
    tl.manual_seed(7)
    w = tl.nn.init.trunc_normal_(tl.empty(30, 20, dtype=dtype, device="meta"))
    blocks = tl.dask.materialize(w, chunks=(7, 9)).compute()
    tl.manual_seed(7)
    eager = tl.nn.init.trunc_normal_(tl.empty(30, 20, dtype=dtype)).numpy()
    assert blocks.dtype == eager.dtype
    assert blocks.tobytes() == eager.tobytes()
