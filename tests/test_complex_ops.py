"""``polar``, ``complex``, ``real``/``imag``, ``angle``, the ``complex32`` dtype and
``pin_memory``/``is_pinned`` against PyTorch: values, dtypes, shapes (meta too),
gradients in float64 to 1e-10, and PyTorch's errors."""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
ABS = np.array([[0.0, 1.5, -2.0], [3.0, 0.25, 1.0]])
ANGLE = np.array([0.3, -1.0, 2.5])  # broadcast against ABS


def _pair(values, device, requires_grad=False, dtype="float64"):
    return (tl.tensor(values, dtype=getattr(tl, dtype), device=device,
                      requires_grad=requires_grad),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad))


def _host(z):
    return z.detach().cpu().numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args", [("polar", (ABS, ANGLE)),
                                        ("complex", (ABS, ANGLE)),
                                        ("polar", (np.array([np.inf, 1.0]), np.array([0.0, 1.0]))),
                                        ("complex", (np.array([0.0, 1.0]), np.array([np.inf, 2.0])))])
def test_complex_constructors_match_torch(device_or_meta, dtype, name, args):
    (a, ta), (b, tb) = (_pair(v, device_or_meta, dtype=dtype) for v in args)
    got, want = getattr(tl, name)(a, b), getattr(torch, name)(ta, tb)
    assert got.shape == tuple(want.shape)
    assert got.dtype == getattr(tl, str(want.dtype).removeprefix("torch."))
    if device_or_meta != "meta":
        np.testing.assert_allclose(_host(got), want.numpy(), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", ["polar", "complex"])
def test_complex_constructor_gradients_match_torch(device, name):
    a, ta = _pair(ABS, device, requires_grad=True)
    b, tb = _pair(ANGLE, device, requires_grad=True)
    got, want = getattr(tl, name)(a, b), getattr(torch, name)(ta, tb)
    assert got.grad_fn.name() == want.grad_fn.name()
    # a real loss of the complex result: weights on the real and imaginary parts
    wr, wi = RNG.standard_normal(ABS.shape), RNG.standard_normal(ABS.shape)
    ((got.real * tl.tensor(wr, device=device)).sum() +
     (got.imag * tl.tensor(wi, device=device)).sum()).backward()
    ((want.real * torch.tensor(wr)).sum() + (want.imag * torch.tensor(wi)).sum()).backward()
    for x, t in ((a, ta), (b, tb)):
        assert x.grad.shape == tuple(t.grad.shape) and x.grad.dtype == tl.float64
        np.testing.assert_allclose(_host(x.grad), t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_polar_gradcheck_away_from_zero():
    r = tl.tensor(RNG.uniform(0.5, 2.0, 5), dtype=tl.float64, requires_grad=True)
    theta = tl.tensor(RNG.uniform(-3, 3, 5), dtype=tl.float64, requires_grad=True)
    assert tl.autograd.gradcheck(lambda r, t: tl.view_as_real(tl.polar(r, t)), (r, theta))


@pytest.mark.parametrize("name", ["polar", "complex"])
def test_complex_constructors_raise_torchs_errors(name):
    fn, tfn = getattr(tl, name), getattr(torch, name)
    cases = [((tl.ones(2), tl.ones(2, dtype=tl.float64)),
              (torch.ones(2), torch.ones(2, dtype=torch.float64))),
             ((tl.ones(2, dtype=tl.int64), tl.ones(2, dtype=tl.int64)),
              (torch.ones(2, dtype=torch.int64), torch.ones(2, dtype=torch.int64))),
             ((1.0, tl.ones(2)), (1.0, torch.ones(2))),
             ((tl.ones(2), tl.ones(3)), (torch.ones(2), torch.ones(3)))]
    for args, targs in cases:
        with pytest.raises(Exception) as want:
            tfn(*targs)
        with pytest.raises(type(want.value)) as got:
            fn(*args)
        assert str(got.value) == str(want.value) or type(want.value) is RuntimeError
    with pytest.raises(NotImplementedError, match=f"{name}\\(\\): complex32"):
        fn(tl.ones(2, dtype=tl.half), tl.ones(2, dtype=tl.half))
    with pytest.raises(RuntimeError, match="same device"):
        fn(tl.ones(2), tl.ones(2, device="meta"))


def test_real_imag_angle_match_torch(device_or_meta):
    values = np.array([1 + 2j, -3 + 0j, 0j, -1 - 1j, 2j])
    z, tz = (tl.tensor(values, device=device_or_meta, requires_grad=True),
             torch.tensor(values, requires_grad=True))
    x, tx = _pair([1.0, -2.0, 0.0, np.nan, -0.0], device_or_meta)
    pairs = [(z.real, tz.real), (z.imag, tz.imag), (tl.angle(z), torch.angle(tz)),
             (tl.angle(x), torch.angle(tx)), (x.real, tx.real), (tl.real(z), torch.real(tz)),
             (tl.imag(z), torch.imag(tz)), (z.angle(), tz.angle()),
             (tl.angle(tl.tensor([1, -2], device=device_or_meta)),
              torch.angle(torch.tensor([1, -2])))]
    for got, want in pairs:
        assert got.shape == tuple(want.shape)
        assert got.dtype == getattr(tl, str(want.dtype).removeprefix("torch."))
        if device_or_meta != "meta":
            np.testing.assert_allclose(_host(got), want.detach().numpy(), equal_nan=True)
    assert x.real is x  # a real tensor is its own real part, as PyTorch
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with "
                                           "non-complex dtypes"):
        x.imag  # noqa: B018
    if device_or_meta != "meta":  # real and imag are views: writes go through
        w = tl.tensor(values, device=device_or_meta)
        w.real[0] = 7.0
        w.imag[1] = 5.0
        assert complex(w[0].item()) == 7 + 2j and complex(w[1].item()) == -3 + 5j


def test_real_imag_angle_gradients_match_torch(device):
    values = np.array([1 + 2j, -3 + 0.5j, 0j, -1 - 1j])
    z, tz = (tl.tensor(values, device=device, requires_grad=True),
             torch.tensor(values, requires_grad=True))
    weights = RNG.standard_normal((3, 4))
    w = tl.tensor(weights, device=device)
    (w[0] * z.real + w[1] * z.imag + w[2] * z.angle()).sum().backward()
    tw = torch.tensor(weights)
    (tw[0] * tz.real + tw[1] * tz.imag + tw[2] * tz.angle()).sum().backward()
    np.testing.assert_allclose(_host(z.grad), tz.grad.numpy(), rtol=1e-10)
    assert tl.angle(z).grad_fn.name() == torch.angle(tz).grad_fn.name()
    x = tl.tensor([1.0, -2.0], dtype=tl.float64, device=device, requires_grad=True)
    assert not tl.angle(x).requires_grad == torch.angle(torch.ones(1, requires_grad=True)
                                                        ).requires_grad


def test_complex32_dtype_matches_torch():
    d, t = tl.complex32, torch.complex32
    assert tl.chalf is d and repr(d) == "tensorlite.complex32" and str(d) == repr(d)
    assert (d.itemsize, d.is_complex, d.is_floating_point, d.is_signed) == (
        t.itemsize, t.is_complex, t.is_floating_point, t.is_signed)
    assert d.to_real() is tl.float16 and tl.float16.to_complex() is d
    names = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
             "float32", "float64", "complex32", "complex64", "complex128"]
    for a in names:  # promotion, complex32 included (float64 + complex64 -> complex128)
        for b in names:
            got = tl.promote_types(getattr(tl, a), getattr(tl, b))
            assert repr(got).split(".")[1] == repr(
                torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
        assert tl.can_cast(d, getattr(tl, a)) == torch.can_cast(t, getattr(torch, a))
    assert repr(tl.finfo(d)) == repr(tl.finfo(tl.float16))
    assert (tl.ones(2, dtype=tl.float64) + tl.ones(2, dtype=tl.complex64)).dtype is tl.complex128
    import pickle

    assert pickle.loads(pickle.dumps(d)) is d


@pytest.mark.parametrize("name, call", [
    ("zeros", lambda d: tl.zeros(2, dtype=d)), ("empty", lambda d: tl.empty(2, dtype=d)),
    ("tensor", lambda d: tl.tensor([1j], dtype=d)), ("to", lambda d: tl.ones(2).to(d)),
    ("full", lambda d: tl.full((2,), 1j, dtype=d)), ("randn", lambda d: tl.randn(2, dtype=d)),
    ("zeros_like", lambda d: tl.zeros_like(tl.ones(2), dtype=d)),
    ("empty", lambda d: tl.empty(2, dtype="complex32"))])
def test_complex32_tensors_raise_a_clear_error(device_or_meta, name, call):
    generator_state = tl.get_rng_state()
    with pytest.raises(NotImplementedError, match=f"^{name}\\(\\): complex32 \\(ComplexHalf\\) "
                                                  "tensors are not supported"):
        call(tl.complex32)
    assert tl.equal(tl.get_rng_state(), generator_state)  # nothing consumed
    with pytest.raises(TypeError, match="only floating-point types"):
        tl.set_default_dtype(tl.complex32)


def test_pin_memory_and_is_pinned(device_or_meta):
    x = tl.ones(3, device=device_or_meta)
    t = torch.ones(3, device="meta" if device_or_meta == "meta" else "cpu")
    assert x.is_pinned() is False and t.is_pinned() is False
    if device_or_meta == "cpu":
        assert x.pin_memory() is x  # tensorlite has no page-locked memory (documented)
    else:
        with pytest.raises(RuntimeError) as got:
            x.pin_memory()
        if device_or_meta == "meta":
            with pytest.raises(RuntimeError) as want:
                t.pin_memory()
            assert str(got.value) == str(want.value)
        assert "only dense CPU tensors can be pinned" in str(got.value)


def test_conjugate_family_matches_torch(device):
    values = np.array([1 + 2j, -3 - 0.5j])
    z = tl.tensor(values, device=device, requires_grad=True)
    tz = torch.tensor(values, requires_grad=True)
    got, want = tl.conj_physical(z), torch.conj_physical(tz)
    np.testing.assert_array_equal(_host(got), want.detach().numpy())
    assert got.grad_fn.name() == want.grad_fn.name() == "ConjPhysicalBackward0"
    wr, wi = np.array([0.5, -1.0]), np.array([2.0, 0.25])  # real weights: see below
    (got.real * tl.tensor(wr, device=device) + got.imag * tl.tensor(wi, device=device)
     ).sum().backward()
    (want.real * torch.tensor(wr) + want.imag * torch.tensor(wi)).sum().backward()
    np.testing.assert_allclose(_host(z.grad), tz.grad.numpy(), rtol=1e-10)
    x, tx = tl.ones(2, device=device), torch.ones(2)
    for name in ("resolve_conj", "resolve_neg", "conj_physical"):
        assert getattr(tl, name)(x) is x and getattr(torch, name)(tx) is tx
    for name in ("is_conj", "is_neg"):
        assert getattr(tl, name)(z) is False and getattr(x, name)() is False
    assert not torch.is_neg(tx)
    assert x.cfloat().dtype is tl.complex64 and x.cdouble().dtype is tl.complex128
    assert tx.cfloat().dtype is torch.complex64
    with pytest.raises(NotImplementedError, match=r"^chalf\(\): complex32"):
        x.chalf()


def test_complex_mul_gradient_conjugates_as_torch():
    z, tz = tl.tensor([1 + 2j], requires_grad=True), torch.tensor([1 + 2j], requires_grad=True)
    (z * tl.tensor([0.5 - 1j])).real.sum().backward()
    (tz * torch.tensor([0.5 - 1j])).real.sum().backward()
    np.testing.assert_allclose(_host(z.grad), tz.grad.numpy())


_HOLOMORPHIC = ["exp", "log", "sqrt", "rsqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
                "sigmoid", "reciprocal", "square", "neg", "expm1", "log1p", "exp2"]


@pytest.mark.parametrize("name", _HOLOMORPHIC + ["abs"])
def test_complex_unary_gradients_match_torch(name):
    """PyTorch's convention for a complex result: ``g * conj(f'(z))``; ``abs`` (a real
    result) gives ``g * z / |z|``, and 0 at 0."""
    values = np.array([0.3 + 0.7j, 1.2 - 0.4j, -0.5 + 0.1j, 0j])
    weights = np.array([1 + 2j, 3 - 1j, 0.5 + 0.5j, -1j])
    grads = []
    for lib in (tl, torch):
        z = lib.tensor(values, requires_grad=True)
        out = getattr(z + 0.5 if name != "abs" else z, name)()
        loss = (out * lib.tensor(weights)).real.sum() if out.dtype.is_complex else out.sum()
        loss.backward()
        grads.append(np.asarray(_host(z.grad) if lib is tl else z.grad.numpy()))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def test_complex_abs_is_real_as_torch():
    z = tl.tensor([3 + 4j, -1j])
    assert z.abs().dtype is tl.float32 and torch.tensor([3 + 4j]).abs().dtype is torch.float32
    np.testing.assert_array_equal(_host(z.abs()), [5.0, 1.0])


@pytest.mark.parametrize("op", ["div", "pow", "matmul", "mv", "rotary", "dot", "vdot", "einsum",
                                "tensordot", "linear"])
def test_complex_binary_and_product_gradients_match_torch(op):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    y = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    real = rng.standard_normal((2, 4, 8))

    def run(lib):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(y, requires_grad=True)
        r = lib.tensor(real, requires_grad=True)
        if op == "div":
            out = a / b
        elif op == "pow":
            out = (a * 0.1 + 1) ** (b * 0.1)
        elif op == "matmul":
            out = a @ b
        elif op == "mv":
            out = a.mv(b[0])
        elif op in ("dot", "vdot"):
            out = getattr(lib, op)(a[0], b[1])
        elif op == "einsum":
            out = lib.einsum("ij,jk->ik", a, b)
        elif op == "tensordot":
            out = lib.tensordot(a, b, dims=1)
        elif op == "linear":
            out = lib.nn.functional.linear(a, b, b[0])
        else:  # LLaMA's rotary embedding: real pairs as complex, times unit phases
            out = lib.view_as_complex(r.reshape(2, 4, 4, 2)) * (b / b.abs())
            out = lib.view_as_real(out).flatten(2)
        (out.abs() if out.dtype.is_complex else out).sum().backward()
        return [np.asarray(_host(t.grad) if lib is tl else t.grad.numpy())
                for t in (a, b, r) if t.grad is not None]

    for mine, theirs in zip(run(tl), run(torch), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)

def test_complex_type_names_as_torch():
    for dtype in ("complex64", "complex128"):
        assert tl.ones(1, dtype=getattr(tl, dtype)).type() == \
            torch.ones(1, dtype=getattr(torch, dtype)).type().replace("torch", "tensorlite")
    with pytest.raises(RuntimeError, match="found ComplexFloat and ComplexDouble"):
        tl.dot(tl.ones(2, dtype=tl.complex64), tl.ones(2, dtype=tl.complex128))
    with pytest.raises(RuntimeError, match=r"c10::complex<double> != c10::complex<float>"):
        tl.ones(2, 2, dtype=tl.complex128) @ tl.ones(2, 2, dtype=tl.complex64)


@pytest.mark.parametrize("values", [[1 + 2j, 3.5 - 4j], [1 + 2j, 3 - 4j], [1e-5 + 2j, 3e3 - 4j],
                                    [float("nan") + 1j, 2j], [[0.1 + 0.2j], [1j]], [-1.5 - 0.25j],
                                    [complex(i, -i / 7) for i in range(30)]])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_repr_as_torch(values, dtype):
    mine = repr(tl.tensor(values, dtype=getattr(tl, dtype)))
    theirs = repr(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert mine == theirs.replace("torch.", "tensorlite.")
