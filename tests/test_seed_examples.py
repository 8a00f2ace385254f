"""The user's specification (shared/seed/tensor-creation-and-initialization.txt):
its creation, dtype, device, random and reproducibility snippets, with ``torch``
spelled ``tensorlite``, run and print what the text says. Snippets that need a GPU
run on one, and raise the clear CUDA error elsewhere. (The nn snippets are in
test_seed_nn.py.)"""

import pytest

import tensorlite as torch  # the snippets below are the text's, unchanged but for this

CUDA = torch.cuda.is_available()


def test_tensor_from_python_data(capsys):
    x = torch.tensor([1.0, 2.0, 3.0])
    print(x)
    print(x.shape)
    print(x.dtype)
    assert capsys.readouterr().out == "tensor([1., 2., 3.])\ntensorlite.Size([3])\ntensorlite.float32\n"

    A = torch.tensor([
        [1.0, 2.0, 3.0],
        [4.0, 5.0, 6.0],
    ])
    assert str(A.shape) == "tensorlite.Size([2, 3])"

    labels = torch.tensor([0, 1, 2], dtype=torch.long)
    scores = torch.tensor([0.2, 0.7, 0.1], dtype=torch.float32)
    assert labels.dtype is torch.int64 and scores.dtype is torch.float32


def test_fixed_shape_constructors(capsys):
    x = torch.zeros(3, 4)
    y = torch.ones(3, 4)
    z = torch.empty(3, 4)
    assert x.tolist() == [[0.0] * 4] * 3 and y.tolist() == [[1.0] * 4] * 3
    assert z.shape == (3, 4)
    print(torch.empty(2, 3))
    out = capsys.readouterr().out
    assert out.startswith("tensor([[") and out.count("\n") == 2  # arbitrary values, 2 rows

    bias = torch.zeros(64)
    scale = torch.ones(64)
    mask = torch.full((8, 8), float("-inf"))
    positions = torch.arange(0, 128)
    grid = torch.linspace(-1.0, 1.0, steps=100)
    I = torch.eye(4)
    assert bias.shape == (64,) and scale.sum().item() == 64
    assert mask.shape == (8, 8) and mask.max().item() == float("-inf")
    assert positions.dtype is torch.int64 and positions.tolist() == list(range(128))
    assert grid[0].item() == -1.0 and grid[-1].item() == 1.0 and grid.shape == (100,)
    assert I.tolist() == [[float(i == j) for j in range(4)] for i in range(4)]


def _like_snippet():
    x = torch.randn(32, 64, device="cuda", dtype=torch.float16)

    a = torch.zeros_like(x)
    b = torch.ones_like(x)
    c = torch.empty_like(x)
    r = torch.randn_like(x)
    return x, a, b, c, r


def test_shape_like_creation():
    if not CUDA:
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            _like_snippet()
        return
    x, a, b, c, r = _like_snippet()
    for t in (a, b, c, r):
        assert (t.shape, t.dtype, t.device) == (x.shape, x.dtype, x.device)


def test_like_functions_on_this_machine(device):
    # The same snippet with the device this machine has.
    x = torch.randn(32, 64, device=device, dtype=torch.float16)
    for t in (torch.zeros_like(x), torch.ones_like(x), torch.empty_like(x), torch.randn_like(x)):
        assert (t.shape, t.dtype, t.device) == (x.shape, x.dtype, x.device)


def add_noise(x, std):
    noise = torch.randn_like(x) * std
    return x + noise


def test_add_noise_stays_on_device(device):
    x = torch.zeros(1000, device=device)
    y = add_noise(x, 0.5)
    assert y.device == x.device and y.dtype is torch.float32
    assert 0.45 < y.std().item() < 0.55  # n=1000: sd of the sample sd ~ 0.011


def test_random_constructors():
    u = torch.rand(3, 4)
    n = torch.randn(3, 4)
    ids = torch.randint(0, 1000, (32,))
    keep = torch.bernoulli(torch.full((10,), 0.8))
    assert u.shape == (3, 4) and ((u >= 0) & (u < 1)).all().item()
    assert n.shape == (3, 4) and n.dtype is torch.float32
    assert ids.dtype is torch.int64 and ((ids >= 0) & (ids < 1000)).all().item()
    assert keep.dtype is torch.float32 and set(keep.tolist()) <= {0.0, 1.0}
    probs = torch.tensor([0.1, 0.2, 0.7])
    assert torch.multinomial(probs, 2).shape == (2,)


def test_reproducibility_with_seeds():
    torch.manual_seed(42)

    x1 = torch.randn(3)
    x2 = torch.randn(3)

    torch.manual_seed(42)
    assert torch.randn(3).tolist() == x1.tolist() and torch.randn(3).tolist() == x2.tolist()
    assert x1.tolist() != x2.tolist()


def test_full_reproducibility_settings_run_without_gpu():
    torch.manual_seed(42)
    torch.cuda.manual_seed_all(42)

    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.benchmark is False
        a = torch.randn(4)
        torch.manual_seed(42)
        assert torch.randn(4).tolist() == a.tolist()
    finally:
        torch.backends.cudnn.deterministic = False


def test_devices(capsys):
    x = torch.randn(3, 4)
    print(x.device)  # cpu
    assert capsys.readouterr().out == "cpu\n"

    if CUDA:
        x = torch.randn(3, 4, device="cuda")
        x = x.to("cuda")
        assert x.is_cuda
    else:
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            torch.randn(3, 4, device="cuda")
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            x.to("cuda")

    device = "cuda" if torch.cuda.is_available() else "cpu"

    x = torch.randn(32, 128, device=device)
    assert x.device.type == device


def test_mixing_devices_fails():
    if CUDA:
        x = torch.randn(3, device="cuda")
        y = torch.randn(3, device="cpu")
        with pytest.raises(RuntimeError, match="cuda:0 and cpu!"):
            x + y
    # The same rule, checked on every machine with the shape-only meta device:
    x = torch.randn(3, device="meta")
    y = torch.randn(3, device="cpu")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, "
                                           "but found at least two devices, meta and cpu!"):
        x + y


def test_dtypes_during_creation():
    x = torch.randn(3, 4, dtype=torch.float32)
    y = torch.randn(3, 4, dtype=torch.float16)
    z = torch.tensor([1, 2, 3], dtype=torch.long)
    assert (x.dtype, y.dtype, z.dtype) == (torch.float32, torch.float16, torch.int64)
    for dtype in (torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.long,
                  torch.bool):
        assert torch.zeros(2, dtype=dtype).dtype is dtype
