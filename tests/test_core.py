"""Tensor, dtype and device behaviour on every available device (and meta)."""

import pickle
import threading

import ml_dtypes
import numpy as np
import pytest

import tensorlite as tl

ALL_DTYPES = [tl.bool, tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64, tl.float16,
              tl.bfloat16, tl.float32, tl.float64]


# ---- dtypes -------------------------------------------------------------------------------
def test_dtype_objects_print_and_alias():
    assert repr(tl.float32) == "tensorlite.float32" and str(tl.int64) == "tensorlite.int64"
    assert tl.long is tl.int64 and tl.half is tl.float16 and tl.float is tl.float32
    assert tl.double is tl.float64 and tl.int is tl.int32
    assert pickle.loads(pickle.dumps(tl.bfloat16)) is tl.bfloat16
    assert tl.float16.is_floating_point and not tl.int8.is_floating_point
    assert [d.itemsize for d in (tl.bool, tl.int16, tl.bfloat16, tl.float64)] == [1, 2, 2, 8]


def test_default_dtype_drives_inference():
    assert tl.get_default_dtype() is tl.float32
    tl.set_default_dtype(tl.float64)
    try:
        assert tl.tensor([1.5]).dtype is tl.float64
        assert tl.zeros(2).dtype is tl.float64
        assert (tl.tensor([1, 2]) * 0.5).dtype is tl.float64
    finally:
        tl.set_default_dtype(tl.float32)
    with pytest.raises(TypeError, match="floating-point"):
        tl.set_default_dtype(tl.int64)


@pytest.mark.parametrize("data,expected", [
    ([True, False], tl.bool), ([1, 2], tl.int64), ([1.0, 2], tl.float32),
    ([[True, 1]], tl.int64), ([1, 2.5, True], tl.float32), (np.float64(2.0), tl.float64),
    (np.zeros(2, np.int16), tl.int16), ([], tl.float32),
])
def test_inference(data, expected):
    assert tl.tensor(data).dtype is expected


def test_promotion_table():
    assert tl.promote_types(tl.float16, tl.bfloat16) is tl.float32
    assert tl.promote_types(tl.uint8, tl.int8) is tl.int16
    assert tl.promote_types(tl.bool, tl.uint8) is tl.uint8
    assert tl.promote_types(tl.int64, tl.float16) is tl.float16
    assert tl.promote_types(tl.int32, tl.int64) is tl.int64


def test_half_conversion_goes_through_float32():
    # 1 + 2**-11 + 2**-40 rounds to 1 directly in float16 but double rounding via
    # float32 (PyTorch's route) first keeps 1 + 2**-11 and then ties to even: 1.0.
    # Pick a value where the two routes differ: halfway + a tiny bit.
    v = 1 + 2**-11 + 2**-30
    direct = np.float16(np.float64(v))
    via32 = np.float16(np.float32(v))
    assert direct != via32  # the trap exists
    assert tl.tensor([v], dtype=tl.float16).item() == float(via32)
    assert tl.tensor(np.array([v]), dtype=tl.float16).item() == float(via32)


# ---- devices -----------------------------------------------------------------------------
def test_device_parsing_and_printing():
    assert repr(tl.device("cuda:1")) == "device(type='cuda', index=1)"
    assert repr(tl.device("cpu")) == "device(type='cpu')"
    assert str(tl.device("cuda")) == "cuda" and tl.device("cuda").index is None
    assert tl.device(2) == tl.device("cuda:2") and tl.device(tl.device("meta")).type == "meta"
    assert tl.device("cuda", 0) == "cuda:0"
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda, meta"):
        tl.device("tpu")
    with pytest.raises(RuntimeError, match="Invalid device string"):
        tl.device("cuda:x")
    with pytest.raises(TypeError):
        tl.device(1.5)


def test_default_device_context_manager():
    assert tl.get_default_device() == tl.device("cpu")
    with tl.device("meta"):
        assert tl.zeros(2).device.type == "meta"
        assert tl.tensor([1.0]).device.type == "meta"
        with tl.device("cpu"):
            assert tl.ones(1).device.type == "cpu"
        assert tl.arange(3).device.type == "meta"
    assert tl.zeros(2).device.type == "cpu"
    tl.set_default_device("meta")
    try:
        assert tl.empty(3).is_meta
    finally:
        tl.set_default_device(None)


def test_cuda_unavailable_is_a_clear_runtime_error():
    if tl.cuda.is_available():
        pytest.skip("a GPU is present")
    assert tl.cuda.device_count() == 0
    reason = tl._backends.cuda.backend.unavailable_reason()
    for call in (lambda: tl.zeros(2, device="cuda"), lambda: tl.ones(2).cuda(),
                 lambda: tl.tensor([1.0]).to("cuda:0"), lambda: tl.cuda.current_device()):
        with pytest.raises(RuntimeError, match="CUDA is not available") as err:
            call()
        assert reason in str(err.value)
    assert "tensorlite[cuda12]" in reason or "driver" in reason or "GPU" in reason


@pytest.mark.cuda
def test_cuda_index_out_of_range():
    n = tl.cuda.device_count()
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        tl.zeros(1, device=f"cuda:{n}")


# ---- the mismatch rule --------------------------------------------------------------------
def _mismatch_ops():
    return {
        "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "lt": lambda a, b: a < b,
        "matmul": lambda a, b: a @ b, "cat": lambda a, b: tl.cat([a, b]),
        "stack": lambda a, b: tl.stack([a, b]), "where": lambda a, b: tl.where(a > 0, a, b),
        "copy_into_setitem": lambda a, b: a.__setitem__(slice(None), b),
        "maximum": lambda a, b: tl.maximum(a, b),
    }


@pytest.mark.parametrize("op", sorted(_mismatch_ops()))
def test_mismatch_rule_meta_vs_cpu(op):
    fn = _mismatch_ops()[op]
    m, c = tl.ones(2, 2, device="meta"), tl.ones(2, 2)
    with pytest.raises(RuntimeError) as err:
        fn(m, c)
    assert str(err.value) == ("Expected all tensors to be on the same device, but found at "
                              "least two devices, meta and cpu!")
    if op != "where":  # where's first operand is the condition on `a`'s device
        with pytest.raises(RuntimeError, match="cpu and meta!"):
            fn(c, m)


def test_scalars_and_zero_dim_cpu_tensors_combine_with_any_device():
    m = tl.ones(3, device="meta")
    assert (m + 1).is_meta and (m * 2.5).dtype is tl.float32
    assert (m + tl.tensor(2.0)).is_meta


# ---- tensors on each device ---------------------------------------------------------------
def test_metadata(device_or_meta):
    x = tl.zeros(2, 3, device=device_or_meta)
    assert x.shape == (2, 3) and repr(x.shape) == "tensorlite.Size([2, 3])"
    assert x.size() == tl.Size([2, 3]) and x.size(1) == 3 and x.size(-1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.device.type == device_or_meta and x.is_cuda == (device_or_meta == "cuda")
    assert x.T.shape == (3, 2) and not x.requires_grad
    if device_or_meta == "cuda":
        assert x.device == tl.device("cuda:0")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_roundtrip_every_dtype(device, dtype):
    x = tl.tensor([0, 1, 1], dtype=dtype, device=device)
    back = x.to("cpu")
    assert back.dtype is dtype and back.tolist() == [0, 1, 1] if dtype is not tl.bool else \
        back.tolist() == [False, True, True]
    assert x.to(tl.float64).cpu().tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("fn,value", [(tl.zeros, 0), (tl.ones, 1)])
def test_constant_fills(device, fn, value):
    for size in [(2, 3), ((2, 3),), ([2, 3],), (tl.Size([2, 3]),)]:
        x = fn(*size, device=device, dtype=tl.int32)
        assert x.shape == (2, 3) and x.dtype is tl.int32
        assert x.cpu().tolist() == [[value] * 3] * 2


def test_full_infers_dtype(device):
    assert tl.full((2,), 3, device=device).dtype is tl.int64
    assert tl.full((2,), 3.0, device=device).dtype is tl.float32
    assert tl.full((2,), True, device=device).dtype is tl.bool
    assert tl.full((2,), float("-inf"), device=device).cpu().tolist() == [float("-inf")] * 2


def test_like_functions_keep_shape_dtype_device(device_or_meta):
    x = tl.ones(3, 4, dtype=tl.float16, device=device_or_meta)
    for f in (tl.zeros_like, tl.ones_like, tl.empty_like, lambda t: tl.full_like(t, 7)):
        y = f(x)
        assert (y.shape, y.dtype, y.device) == (x.shape, x.dtype, x.device)
    if device_or_meta != "meta":
        assert tl.full_like(x, 7).cpu().tolist() == [[7.0] * 4] * 3
    assert tl.zeros_like(x, dtype=tl.int64).dtype is tl.int64
    assert tl.zeros_like(x, device="meta").is_meta


def test_empty_does_not_initialize(monkeypatch):
    # np.empty hands out memory holding a marker: empty() must return that very memory
    # with the marker untouched (no fill, no copy after allocating).
    real_empty = np.empty

    def marked_empty(*args, **kwargs):
        out = real_empty(*args, **kwargs)
        out.fill(7)
        return out

    monkeypatch.setattr(np, "empty", marked_empty)
    monkeypatch.setattr(np, "zeros", lambda *a, **k: pytest.fail("empty() used zeros"))
    x = tl.empty(1000, 1000)
    assert x.shape == (1000, 1000) and (x == 7).all().item()


def test_meta_tensors_allocate_nothing():
    import tracemalloc

    tracemalloc.start()
    x = tl.empty(50_000, 768, device="meta")
    y = tl.zeros(100_000, 100_000, device="meta")
    z = (x.T).reshape(-1)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000, peak
    assert repr(y) == "tensor(..., device='meta', size=(100000, 100000))"
    assert z.shape == (50_000 * 768,)
    with pytest.raises(NotImplementedError, match="meta"):
        x.tolist()
    x.fill_(3)  # writes are accepted and ignored
    assert x.to("meta") is x


def test_item_tolist_numpy(device):
    x = tl.tensor([[1.5, 2.0]], device=device)
    assert x[0, 1].item() == 2.0 and isinstance(tl.tensor(3, device=device).item(), int)
    assert x.tolist() == [[1.5, 2.0]]
    if device == "cpu":
        a = x.numpy()
        a[0, 0] = 9
        assert x[0, 0].item() == 9  # numpy() shares memory
    else:
        with pytest.raises(TypeError, match="Use Tensor.cpu"):
            x.numpy()
    with pytest.raises(RuntimeError, match="2 elements cannot be converted"):
        x.item()


def test_to_variants(device):
    x = tl.tensor([1.0, 2.0], device=device)
    assert x.to(device) is x and x.to(device, copy=True) is not x
    assert x.to(tl.float64).dtype is tl.float64
    y = tl.zeros(1, dtype=tl.int32)
    z = x.to(y)
    assert z.dtype is tl.int32 and z.device.type == "cpu"
    assert x.to(device=device, dtype=tl.float16).dtype is tl.float16
    assert x.double().dtype is tl.float64 and x.half().dtype is tl.float16
    assert x.bfloat16().dtype is tl.bfloat16 and x.long().dtype is tl.int64
    assert x.int().dtype is tl.int32 and x.bool().dtype is tl.bool and x.float() is x


def test_clone_detach_copy_fill(device):
    x = tl.tensor([1.0, 2.0], device=device)
    c = x.clone()
    c.fill_(5)
    assert x.tolist() == [1.0, 2.0] and c.tolist() == [5.0, 5.0]
    d = x.detach()
    d.zero_()
    assert x.tolist() == [0.0, 0.0]  # detach shares storage
    x.copy_(tl.tensor([3, 4]))
    assert x.tolist() == [3.0, 4.0]
    x.copy_(tl.tensor([7.0]).to(device))  # broadcast
    assert x.tolist() == [7.0, 7.0]
    with pytest.raises(RuntimeError, match="broadcastable"):
        x.copy_(tl.ones(3))


def test_indexing_and_assignment(device):
    x = tl.arange(12, device=device).reshape(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7] and x[:, 1].tolist() == [1, 5, 9]
    assert x[x > 9].tolist() == [10, 11]
    assert x[tl.tensor([0, 2], device=device)].shape == (2, 4)
    x[0] = 100
    x[1, 1:3] = tl.tensor([-1, -2], device=device)
    x[x == 11] = 0
    assert x.tolist() == [[100] * 4, [4, -1, -2, 7], [8, 9, 10, 0]]


def test_arithmetic_and_inplace(device):
    x = tl.tensor([1.0, 2.0, 3.0], device=device)
    y = tl.tensor([2, 2, 2], device=device)
    assert (x + y).tolist() == [3, 4, 5] and (x - 1).tolist() == [0, 1, 2]
    assert (2 * x).tolist() == [2, 4, 6] and (x / y).tolist() == [0.5, 1, 1.5]
    assert (y // 2).dtype is tl.int64 and (x ** 2).tolist() == [1, 4, 9]
    assert (-x).tolist() == [-1, -2, -3] and abs(-x).tolist() == [1, 2, 3]
    x += 1
    x *= y
    assert x.tolist() == [4, 6, 8]
    with pytest.raises(RuntimeError, match="can't be cast"):
        y += 1.5
    assert ((x > 5) & (x < 8)).tolist() == [False, True, False]
    assert (~(x > 5)).tolist() == [True, False, False]


def test_unary_and_reductions(device):
    x = tl.tensor([[0.0, 1.0], [2.0, 3.0]], device=device)
    np.testing.assert_allclose(x.exp().cpu().numpy(), np.exp([[0, 1], [2, 3]]), rtol=1e-6)
    assert x.sum().item() == 6 and x.sum(0).tolist() == [2, 4]
    assert x.mean(1, keepdim=True).shape == (2, 1)
    assert x.max().item() == 3 and x.argmin().item() == 0
    values, indices = x.max(dim=1)
    assert values.tolist() == [1, 3] and indices.tolist() == [1, 1]
    assert abs(x.std().item() - np.std([0, 1, 2, 3], ddof=1)) < 1e-6
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert (x > 0).all().item() is False and (x > 0).any(1).tolist() == [True, True]
    assert x.clamp(min=1, max=2).tolist() == [[1, 1], [2, 2]]
    assert x.relu().sigmoid().shape == (2, 2) and x.sqrt().log().shape == (2, 2)


def test_shape_ops(device_or_meta):
    x = tl.arange(24, device=device_or_meta).reshape(2, 3, 4)
    assert x.view(6, 4).shape == (6, 4) and x.reshape(-1).shape == (24,)
    assert x.flatten().shape == (24,) and x.flatten(0, 1).shape == (6, 4)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.transpose(0, 2).shape == (4, 3, 2)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4) and x[:, :1].squeeze(1).shape == (2, 4)
    assert tl.ones(3, 1, device=device_or_meta).expand(3, 5).shape == (3, 5)
    assert tl.ones(3, 1, device=device_or_meta).expand(-1, 2).shape == (3, 2)
    assert tl.cat([x, x], dim=2).shape == (2, 3, 8) and tl.stack([x, x]).shape == (2, 2, 3, 4)
    assert x.permute(2, 1, 0).contiguous().is_contiguous()


def test_matmul(device):
    a = tl.arange(6, dtype=tl.float32, device=device).reshape(2, 3)
    b = tl.ones(3, 2, device=device)
    assert (a @ b).tolist() == [[3, 3], [12, 12]] and tl.matmul(a, b).shape == (2, 2)
    h = a.half() @ b.half()
    assert h.dtype is tl.float16 and h.tolist() == [[3, 3], [12, 12]]


# ---- interop -----------------------------------------------------------------------------
def test_numpy_sharing():
    a = np.arange(4, dtype=np.float32)
    t = tl.from_numpy(a)
    a[0] = 10
    assert t[0].item() == 10
    assert tl.as_tensor(a).numpy() is a and tl.asarray(a).numpy() is a
    assert tl.tensor(a).numpy() is not a
    assert tl.as_tensor(a, dtype=tl.float64).numpy() is not a
    assert np.asarray(t) is a or np.shares_memory(np.asarray(t), a)
    bf = np.ones(2, dtype=ml_dtypes.bfloat16)
    assert tl.from_numpy(bf).dtype is tl.bfloat16
    with pytest.raises(TypeError):
        tl.from_numpy([1, 2])


def test_dlpack_roundtrip_with_numpy_and_torch():
    x = tl.arange(5, dtype=tl.float32)
    y = tl.from_dlpack(x.numpy())
    assert np.shares_memory(y.numpy(), x.numpy())
    torch = pytest.importorskip("torch")
    t = torch.from_dlpack(x)
    t[0] = 42
    assert x[0].item() == 42
    back = tl.from_dlpack(torch.ones(3))
    assert back.tolist() == [1, 1, 1] and back.device.type == "cpu"


def test_cuda_array_interface_only_on_cuda(device_or_meta):
    x = tl.arange(6, dtype=tl.float32, device=device_or_meta).reshape(2, 3)
    if x.device.type != "cuda":
        assert not hasattr(x, "__cuda_array_interface__")
        return
    iface = x.__cuda_array_interface__  # the CuPy array's: same memory, shape and dtype
    assert iface["shape"] == (2, 3) and iface["typestr"] == "<f4"
    assert iface["data"][0] == x._data.data.ptr


# ---- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc,text", [
    (lambda: tl.zeros(-1), RuntimeError, "negative dimension -1"),
    (lambda: tl.ones(2.5), TypeError, "tuple of ints"),
    (lambda: tl.empty((2, "a")), TypeError, "'a'"),
    (lambda: tl.zeros(2, dtype="float33"), TypeError, "float33"),
    (lambda: tl.zeros(2, device="gpu"), RuntimeError, "'gpu'"),
    (lambda: tl.linspace(0, 1, -3), RuntimeError, "non-negative, got -3"),
    (lambda: tl.arange(0, 5, 0), RuntimeError, "step must be nonzero"),
    (lambda: tl.arange(5, 0, 1), RuntimeError, "inconsistent with step sign"),
    (lambda: tl.tensor([[1, 2], [3]]), ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    (lambda: tl.tensor([object()]), TypeError, "object"),
    (lambda: tl.tensor("abc"), TypeError, "str"),
    (lambda: tl.zeros(2**40, 2**30), RuntimeError, "bytes"),
    (lambda: tl.full((2,), "x"), TypeError, "fill_value"),
])
def test_bad_input_errors(call, exc, text):
    with pytest.raises(exc) as err:
        call()
    assert text in str(err.value)


def test_huge_allocation_names_bytes():
    with pytest.raises(RuntimeError) as err:
        tl.empty(2**31, 2**31, dtype=tl.float32)
    assert str(2**62 * 4) in str(err.value) and "empty" in str(err.value)


def test_threads_see_their_own_default_device():
    seen = []

    def worker():
        seen.append(tl.zeros(1).device.type)

    with tl.device("meta"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == ["cpu"]


def test_data_shares_storage_without_grad_flag(device):
    w = tl.zeros(3, device=device, requires_grad=True)
    w.data.fill_(2.0)  # allowed: .data does not require grad
    assert w.tolist() == [2.0, 2.0, 2.0] and w.requires_grad
    w.data = tl.ones(2, device=device)
    assert w.shape == (2,) and w.requires_grad
