"""Calls that real third-party PyTorch scripts make, checked against torch.

Each test is a pattern found failing while running nanoGPT's ``model.py`` /
``train.py`` idioms and pytorch/examples' MNIST script with ``import tensorlite
as torch`` (see ``scripts/third_party_check.py``); the third-party code itself is
not in the repository.
"""

import importlib.util
import pathlib
import warnings

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

_SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "third_party_check.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("third_party_check", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------ Tensor.log_softmax (MNIST-style)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_methods_match_torch(name, device):
    x = np.random.default_rng(0).standard_normal((4, 10))
    ours = tl.tensor(x, device=device, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    a, b = getattr(ours, name)(1), getattr(theirs, name)(1)
    assert a.grad_fn.name() == b.grad_fn.name()
    if device == "meta":
        assert tuple(a.shape) == tuple(b.shape)
        return
    np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-12)
    w = np.arange(40.0).reshape(4, 10)
    (a * tl.tensor(w, device=device)).sum().backward()
    (b * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.cpu().numpy(), theirs.grad.numpy(), rtol=1e-10)
    # the function forms and dtype= agree with the method
    f = getattr(tl, name)(ours, 1, dtype=tl.float32)
    assert f.dtype == tl.float32
    np.testing.assert_allclose(f.detach().cpu().numpy(), a.detach().cpu().numpy(), rtol=1e-6)


def test_softmax_method_requires_dim():
    with pytest.raises(TypeError, match="dim"):
        tl.ones(2).softmax()


def test_nll_loss_of_log_softmax_method_legacy_size_average():
    # the classic MNIST test loop: F.nll_loss(output, target, size_average=False)
    x = np.random.default_rng(1).standard_normal((5, 10))
    t = np.array([1, 2, 3, 0, 9])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = tl.nn.functional.nll_loss(tl.tensor(x).log_softmax(1), tl.tensor(t),
                                         size_average=False)
        theirs = torch.nn.functional.nll_loss(torch.tensor(x).log_softmax(1), torch.tensor(t),
                                              size_average=False)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


# ---------------------------------------------------------- GradScaler (train.py)
def _scaled_steps(lib, grads, scaler_kwargs):
    w = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", **scaler_kwargs)
    record = []
    for g in grads:
        loss = scaler.scale((w * lib.tensor(g)).sum())
        loss.backward()
        scaler.unscale_(opt)  # nanoGPT unscales before clip_grad_norm_
        lib.nn.utils.clip_grad_norm_([w], 10.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        record.append((loss.item(), scaler.get_scale(), w.tolist()))
    return record, scaler.state_dict()


def test_grad_scaler_matches_torch_with_skips_and_growth():
    # an inf gradient skips the step and halves the scale; growth after 2 good steps
    grads = [[1.0, 1.0], [float("inf"), 1.0], [0.5, 2.0], [1.0, -1.0], [3.0, 0.0]]
    kwargs = {"init_scale": 1024.0, "growth_interval": 2}
    ours, our_state = _scaled_steps(tl, grads, kwargs)
    theirs, their_state = _scaled_steps(torch, grads, kwargs)
    assert [r[1] for r in ours] == [r[1] for r in theirs] == [1024, 512, 512, 1024, 1024]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
    assert our_state == {k: (v.item() if hasattr(v, "item") else v)
                         for k, v in their_state.items()}


def test_grad_scaler_disabled_is_a_pass_through():
    # nanoGPT: torch.cuda.amp.GradScaler(enabled=(dtype == 'float16')) on any device
    scaler = tl.cuda.amp.GradScaler(enabled=False)
    x = tl.ones(2)
    assert not scaler.is_enabled() and scaler.scale(x) is x
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}


def test_grad_scaler_cuda_without_cuda_warns_and_disables():
    if tl.cuda.is_available():
        pytest.skip("CUDA is available: the scaler stays enabled")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        scaler = tl.amp.GradScaler("cuda")
    assert not scaler.is_enabled()


def test_grad_scaler_errors_match_torch():
    for lib in (tl, torch):
        w = lib.nn.Parameter(lib.ones(1))
        opt = lib.optim.SGD([w], lr=0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale(w.sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        with pytest.raises(AssertionError, match="growth factor"):
            lib.amp.GradScaler("cpu", growth_factor=1.0)


def test_autocast_disabled_is_a_no_op_and_enabled_refuses():
    with tl.autocast("cpu", enabled=False):
        assert (tl.ones(2) @ tl.ones(2)).dtype == tl.float32
    assert not tl.is_autocast_enabled()
    with pytest.raises(NotImplementedError, match="autocast"), \
            tl.amp.autocast(device_type="cpu", dtype=tl.bfloat16):
        pass


# ------------------------------------------------- AdamW(fused=True) (nanoGPT)
def test_fused_adamw_accepted_and_same_update():
    x = np.random.default_rng(2).standard_normal(3)
    results = []
    for lib, fused in ((tl, True), (tl, None), (torch, True)):
        w = lib.nn.Parameter(lib.tensor(x))
        opt = lib.optim.AdamW([w], lr=0.1, betas=(0.9, 0.95), fused=fused)
        for _ in range(3):
            (w * w).sum().backward()
            opt.step()
            opt.zero_grad()
        results.append(w.detach().numpy())
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[0], results[2], rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"fused": True, "foreach": True}, "`fused` and `foreach` cannot be `True` together."),
    ({"fused": True, "differentiable": True}, "`fused` does not support `differentiable`"),
])
def test_fused_flag_errors_match_torch(kwargs, message):
    for lib in (tl, torch):
        for opt in (lib.optim.AdamW, lib.optim.SGD, lib.optim.Adagrad):
            with pytest.raises(RuntimeError, match=message):
                opt([lib.nn.Parameter(lib.ones(2))], **kwargs)


# ------------------------------------------------------------ the check script
def test_import_substitution():
    sub = _load_script().substitute
    src = ("import math\nimport torch\nimport torch.nn as nn\n"
           "from torch.nn import functional as F\nimport torch.nn.functional as F\n"
           "from torch.optim.lr_scheduler import StepLR\n    import torch\n"
           "x = torch.ones(2)  # import torch\n")
    assert sub(src) == ("import math\nimport tensorlite as torch\nimport tensorlite.nn as nn\n"
                        "from tensorlite.nn import functional as F\n"
                        "import tensorlite.nn.functional as F\n"
                        "from tensorlite.optim.lr_scheduler import StepLR\n"
                        "    import tensorlite as torch\n"
                        "x = torch.ones(2)  # import torch\n")
    # a negative control: names that only start with "torch" are left alone
    assert sub("import torchvision\nfrom torchvision import datasets\n") == \
        "import torchvision\nfrom torchvision import datasets\n"
