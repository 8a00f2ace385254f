"""Every differentiable operation's gradients against PyTorch's (CPU build).

Each case is an expression of leaf tensors, evaluated once with ``X`` bound to
torch (on float64 CPU tensors) and once to tensorlite (on the device under
test); the outputs and the gradients that a fixed random upstream gradient
produces must match: float64 to 1e-10 relative, float32 within 1e-5, the half
types within their resolution. Every case also runs with non-contiguous
(transposed-storage) inputs, and a float64 central-difference ``gradcheck``.
"""

import zlib

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

P, N = "positive", "nonzero"  # input domains (log, sqrt, division need them)

# (id, expression of X, F and the inputs a, b, c, input shapes, domain)
CASES = [
    ("add", lambda X, F, a, b: a + b, [(3, 4), (4,)], None),
    ("radd_scalar", lambda X, F, a: 2.5 + a, [(3, 4)], None),
    ("sub", lambda X, F, a, b: a - b, [(3, 1), (1, 4)], None),
    ("rsub", lambda X, F, a: 1 - a, [(5,)], None),
    ("mul", lambda X, F, a, b: a * b, [(2, 3, 4), (3, 1)], None),
    ("div", lambda X, F, a, b: a / b, [(3, 4), (4,)], N),
    ("rdiv", lambda X, F, a: 2 / a, [(3, 4)], N),
    ("pow_tensor", lambda X, F, a, b: a ** b, [(3, 4), (3, 4)], P),
    ("pow_scalar", lambda X, F, a: a ** 3, [(3, 4)], None),
    ("rpow", lambda X, F, a: 2 ** a, [(3, 4)], None),
    ("remainder", lambda X, F, a: a % 0.7, [(3, 4)], None),
    ("maximum", lambda X, F, a, b: X.maximum(a, b), [(3, 4), (4,)], None),
    ("minimum", lambda X, F, a, b: X.minimum(a, b), [(3, 4), (3, 4)], None),
    ("neg", lambda X, F, a: -a, [(3, 4)], None),
    ("abs", lambda X, F, a: a.abs(), [(3, 4)], N),
    ("exp", lambda X, F, a: a.exp(), [(3, 4)], None),
    ("log", lambda X, F, a: a.log(), [(3, 4)], P),
    ("sqrt", lambda X, F, a: a.sqrt(), [(3, 4)], P),
    ("sin", lambda X, F, a: a.sin(), [(3, 4)], None),
    ("cos", lambda X, F, a: a.cos(), [(3, 4)], None),
    ("tanh", lambda X, F, a: a.tanh(), [(3, 4)], None),
    ("erf", lambda X, F, a: a.erf(), [(3, 4)], None),
    ("sigmoid", lambda X, F, a: a.sigmoid(), [(3, 4)], None),
    ("relu", lambda X, F, a: a.relu(), [(3, 4)], N),
    ("clamp", lambda X, F, a: a.clamp(-0.5, 0.5), [(3, 4)], None),
    ("clamp_min_tensor", lambda X, F, a, b: a.clamp(min=b), [(3, 4), (4,)], None),
    ("where", lambda X, F, a, b: X.where(a > 0, a, b), [(3, 4), (3, 4)], None),
    ("masked_fill", lambda X, F, a: a.masked_fill(a > 0.5, 2.0), [(3, 4)], None),
    ("floor", lambda X, F, a: a.floor() + a, [(3, 4)], None),
    ("sum", lambda X, F, a: a.sum(), [(3, 4)], None),
    ("sum_dim", lambda X, F, a: a.sum(1), [(3, 4, 2)], None),
    ("sum_dims_keepdim", lambda X, F, a: a.sum((0, 2), keepdim=True), [(3, 4, 2)], None),
    ("mean", lambda X, F, a: a.mean(), [(3, 4)], None),
    ("mean_dim", lambda X, F, a: a.mean(-1, keepdim=True), [(3, 4)], None),
    ("var", lambda X, F, a: a.var(), [(3, 4)], None),
    ("var_dim", lambda X, F, a: a.var(0, unbiased=False), [(3, 4)], None),
    ("std_dim", lambda X, F, a: a.std(1, keepdim=True), [(3, 4)], None),
    ("prod", lambda X, F, a: a.prod(), [(3, 4)], None),
    ("prod_dim", lambda X, F, a: a.prod(1), [(3, 4)], None),
    ("max", lambda X, F, a: a.max(), [(3, 4)], None),
    ("max_dim", lambda X, F, a: a.max(1).values, [(3, 4)], None),
    ("min_dim_keepdim", lambda X, F, a: a.min(0, keepdim=True)[0], [(3, 4)], None),
    ("amax", lambda X, F, a: a.amax(1), [(3, 4)], None),
    ("amin", lambda X, F, a: a.amin((0, 1)), [(3, 4)], None),
    ("matmul_mm", lambda X, F, a, b: a @ b, [(3, 4), (4, 5)], None),
    ("matmul_dot", lambda X, F, a, b: a @ b, [(4,), (4,)], None),
    ("matmul_mv", lambda X, F, a, b: a @ b, [(3, 4), (4,)], None),
    ("matmul_vm", lambda X, F, a, b: a @ b, [(4,), (4, 5)], None),
    ("matmul_batched", lambda X, F, a, b: a @ b, [(2, 3, 4), (2, 4, 5)], None),
    ("matmul_broadcast", lambda X, F, a, b: X.matmul(a, b), [(2, 1, 3, 4), (5, 4, 2)], None),
    ("reshape", lambda X, F, a: a.reshape(4, 3) * 2, [(3, 4)], None),
    ("view", lambda X, F, a: a.contiguous().view(-1) * 2, [(3, 4)], None),
    ("flatten", lambda X, F, a: a.flatten(1) * 2, [(2, 3, 4)], None),
    ("permute", lambda X, F, a: a.permute(2, 0, 1) * X.arange(24.).reshape(4, 2, 3).to(a),
     [(2, 3, 4)], None),
    ("transpose", lambda X, F, a: a.transpose(0, 1) @ a, [(3, 4)], None),
    ("T", lambda X, F, a: a.T * 3, [(3, 4)], None),
    ("unsqueeze", lambda X, F, a: a.unsqueeze(1) * 2, [(3, 4)], None),
    ("squeeze", lambda X, F, a: a.squeeze() * 2, [(3, 1, 4)], None),
    ("expand", lambda X, F, a: a.expand(3, 4) * X.arange(12.).reshape(3, 4).to(a),
     [(1, 4)], None),
    ("getitem_slice", lambda X, F, a: a[1:, ::2] * 2, [(3, 4)], None),
    ("getitem_int", lambda X, F, a: a[1] * 2, [(3, 4)], None),
    ("getitem_index_repeat", lambda X, F, a: a[X.tensor([0, 2, 0])], [(3, 4)], None),
    ("getitem_mask", lambda X, F, a: a[a > 0], [(3, 4)], None),
    ("chunk", lambda X, F, a: a.chunk(2, 1)[1] * 2, [(3, 4)], None),
    ("narrow", lambda X, F, a: a.narrow(0, 1, 2) * 2, [(3, 4)], None),
    ("cat", lambda X, F, a, b: X.cat([a, b], 1), [(3, 4), (3, 2)], None),
    ("stack", lambda X, F, a, b: X.stack([a, b], 1), [(3, 4), (3, 4)], None),
    ("clone", lambda X, F, a: a.clone() * 2, [(3, 4)], None),
    ("to_float32", lambda X, F, a: a.to(X.float32) * 2, [(3, 4)], None),
    ("linear", lambda X, F, a, w, b: F.linear(a, w, b), [(5, 4), (3, 4), (3,)], None),
    ("linear_nobias_3d", lambda X, F, a, w: F.linear(a, w), [(2, 5, 4), (3, 4)], None),
    ("conv2d", lambda X, F, a, w, b: F.conv2d(a, w, b), [(2, 3, 6, 6), (4, 3, 3, 3), (4,)],
     None),
    ("conv2d_stride_pad_dil", lambda X, F, a, w: F.conv2d(a, w, stride=2, padding=2,
                                                          dilation=2),
     [(2, 3, 7, 7), (4, 3, 3, 3)], None),
    ("conv2d_groups", lambda X, F, a, w, b: F.conv2d(a, w, b, groups=2, padding="same"),
     [(2, 4, 5, 5), (6, 2, 3, 2), (6,)], None),
    ("conv2d_unbatched", lambda X, F, a, w: F.conv2d(a, w, padding=(1, 0)),
     [(3, 5, 5), (2, 3, 3, 3)], None),
    ("layer_norm", lambda X, F, a, w, b: F.layer_norm(a, (4,), w, b), [(3, 4), (4,), (4,)],
     None),
    ("layer_norm_2d_noaffine", lambda X, F, a: F.layer_norm(a, (3, 4)), [(2, 3, 4)], None),
    ("gelu", lambda X, F, a: F.gelu(a), [(3, 4)], None),
    ("gelu_tanh", lambda X, F, a: F.gelu(a, approximate="tanh"), [(3, 4)], None),
    ("leaky_relu", lambda X, F, a: F.leaky_relu(a, 0.2), [(3, 4)], N),
    ("relu_functional", lambda X, F, a: F.relu(a), [(3, 4)], N),
    ("tanh_functional", lambda X, F, a: F.tanh(a) + F.sigmoid(a), [(3, 4)], None),
]


def _inputs(shapes, domain, rng):
    arrays = []
    for shape in shapes:
        a = rng.standard_normal(shape)
        if domain == P:
            a = np.abs(a) + 0.5
        elif domain == N:
            a = np.where(np.abs(a) < 0.2, a + np.sign(a + 1e-9) * 0.3, a)
        arrays.append(a)
    return arrays


def _leaf_tl(array, dtype, device, non_contiguous):
    if non_contiguous and array.ndim >= 2:
        t = tl.tensor(np.ascontiguousarray(array.swapaxes(0, 1)), dtype=dtype,
                      device=device).transpose(0, 1)
        assert not t.is_contiguous() or device == "meta" or 1 in array.shape[:2]
        return t.detach().requires_grad_()
    return tl.tensor(array, dtype=dtype, device=device, requires_grad=True)


def _as_np(t):
    return t.detach().to("cpu").to(tl.float64).numpy()


def _run_tl(expr, arrays, dtype, device, non_contiguous, upstream):
    import tensorlite.nn.functional as F

    leaves = [_leaf_tl(a, dtype, device, non_contiguous) for a in arrays]
    out = expr(tl, F, *leaves)
    out.backward(tl.tensor(upstream, dtype=out.dtype, device=device))
    return out, leaves


def _run_torch(expr, arrays, dtype, upstream):
    import torch.nn.functional as F

    leaves = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    out = expr(torch, F, *leaves)
    out.backward(torch.tensor(upstream, dtype=out.dtype))
    return out, leaves


TOLERANCES = {"float64": (1e-10, 1e-12), "float32": (1e-5, 1e-6), "float16": (2e-2, 2e-3),
              "bfloat16": (6e-2, 2e-2)}


@pytest.mark.parametrize("non_contiguous", [False, True], ids=["contiguous", "transposed"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_gradients_match_torch_float64(case, non_contiguous, device):
    name, expr, shapes, domain = case
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = _inputs(shapes, domain, rng)
    ref_out, ref_leaves = None, None
    with torch.no_grad():
        probe = expr(torch, __import__("torch.nn.functional").nn.functional,
                     *[torch.tensor(a) for a in arrays])
    upstream = rng.standard_normal(tuple(probe.shape))
    ref_out, ref_leaves = _run_torch(expr, arrays, torch.float64, upstream)
    out, leaves = _run_tl(expr, arrays, tl.float64, device, non_contiguous, upstream)
    assert tuple(out.shape) == tuple(ref_out.shape)
    assert out.grad_fn is not None
    for leaf, ref in zip(leaves, ref_leaves):
        assert leaf.grad is not None, f"{name}: no gradient reached an input"
        assert leaf.grad.shape == leaf.shape and leaf.grad.dtype is leaf.dtype
        assert leaf.grad.device == leaf.device
    if device == "meta":
        return
    rtol, atol = TOLERANCES["float64"]
    np.testing.assert_allclose(_as_np(out), ref_out.detach().numpy(), rtol=rtol, atol=atol)
    for leaf, ref in zip(leaves, ref_leaves):
        np.testing.assert_allclose(_as_np(leaf.grad), ref.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


LOW_PRECISION = [c for c in CASES if c[0] in {
    "add", "mul", "div", "exp", "tanh", "sigmoid", "relu", "sum_dim", "mean", "var_dim",
    "matmul_mm", "matmul_batched", "linear", "conv2d", "layer_norm", "gelu", "getitem_slice",
    "cat", "max_dim", "to_float32"}]


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("case", LOW_PRECISION, ids=[c[0] for c in LOW_PRECISION])
def test_gradients_match_torch_low_precision(case, dtype, device):
    """Same inputs in each dtype on both sides; gradients have the input's dtype."""
    name, expr, shapes, domain = case
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = _inputs(shapes, domain, rng)
    tdt, ldt = getattr(torch, dtype), getattr(tl, dtype)
    with torch.no_grad():
        probe = expr(torch, __import__("torch.nn.functional").nn.functional,
                     *[torch.tensor(a, dtype=tdt) for a in arrays])
    upstream = rng.standard_normal(tuple(probe.shape))
    ref_out, ref_leaves = _run_torch(expr, arrays, tdt, upstream)
    out, leaves = _run_tl(expr, arrays, ldt, device, False, upstream)
    for leaf in leaves:
        assert leaf.grad.dtype is ldt
    if device == "meta":
        return
    rtol, atol = TOLERANCES[dtype]
    for leaf, ref in zip(leaves, ref_leaves):
        expected = ref.grad.to(torch.float64).numpy()
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(_as_np(leaf.grad), expected, rtol=rtol, atol=atol * scale,
                                   err_msg=f"{name} {dtype}")


META = [c for c in CASES if c[0] != "getitem_mask"]  # a mask's selection needs values


@pytest.mark.parametrize("case", META, ids=[c[0] for c in META])
def test_gradients_on_meta_have_the_inputs_shapes_and_dtypes(case):
    """Shape-only: every rule runs on meta arrays and gives each input a gradient."""
    test_gradients_match_torch_float64(case, False, "meta")


GRADCHECK = [c for c in CASES if c[0] not in {"floor", "max", "amin", "getitem_mask",
                                              "to_float32", "remainder"}]


@pytest.mark.parametrize("case", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_gradcheck_float64(case):
    import tensorlite.nn.functional as F

    name, expr, shapes, domain = case
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 1)
    leaves = [tl.tensor(a, dtype=tl.float64, requires_grad=True)
              for a in _inputs(shapes, domain, rng)]
    assert tl.autograd.gradcheck(lambda *xs: expr(tl, F, *xs), tuple(leaves))


def test_embedding_gradient_with_padding_idx(device_or_meta):
    import torch.nn.functional as TF

    import tensorlite.nn.functional as F

    idx = [[0, 2, 1], [2, 2, 3]]
    rng = np.random.default_rng(5)
    weight = rng.standard_normal((4, 3))
    upstream = rng.standard_normal((2, 3, 3))
    ref = torch.tensor(weight, requires_grad=True)
    TF.embedding(torch.tensor(idx), ref, padding_idx=2).backward(torch.tensor(upstream))
    w = tl.tensor(weight, device=device_or_meta, dtype=tl.float64, requires_grad=True)
    out = F.embedding(tl.tensor(idx, device=device_or_meta), w, padding_idx=2)
    assert out.grad_fn.name() == "EmbeddingBackward0"
    out.backward(tl.tensor(upstream, device=device_or_meta, dtype=tl.float64))
    if device_or_meta != "meta":
        np.testing.assert_allclose(_as_np(w.grad), ref.grad.numpy(), rtol=1e-12)
        assert _as_np(w.grad)[2].tolist() == [0.0, 0.0, 0.0]


def test_dropout_gradient_uses_the_saved_mask(device_or_meta):
    import tensorlite.nn.functional as F

    x = tl.ones(1000, device=device_or_meta, dtype=tl.float64, requires_grad=True)
    tl.manual_seed(3)
    y = F.dropout(x, 0.25)
    y.sum().backward()
    if device_or_meta == "meta":
        return
    kept = _as_np(y) != 0
    assert 600 < kept.sum() < 900  # p = 0.25 of 1000: 750 expected, 4+ sigma bounds
    np.testing.assert_array_equal(_as_np(x.grad), np.where(kept, 1 / 0.75, 0.0))


def test_noise_added_with_randn_like_is_differentiable(device_or_meta):
    x = tl.zeros(4, device=device_or_meta, requires_grad=True)
    (x + tl.randn_like(x)).sum().backward()
    if device_or_meta != "meta":
        assert x.grad.tolist() == [1.0] * 4
