"""``tl.accelerator`` (PyTorch 2.6+'s device-generic API) answers for CUDA: as the PyTorch
CPU build without a GPU, and ``device("cuda")`` with one."""

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")


def test_accelerator_api_matches_torch():
    names = [n for n in tl.accelerator.__all__]
    assert all(hasattr(torch.accelerator, n) for n in names)
    if tl.cuda.is_available():  # a GPU: CUDA is the accelerator
        assert tl.accelerator.is_available() and tl.accelerator.device_count() >= 1
        assert tl.accelerator.current_accelerator() == tl.device("cuda")
        assert tl.accelerator.current_device_index() == tl.cuda.current_device()
        return
    for lib in (torch, tl):  # the CPU build of PyTorch here: no accelerator either
        assert lib.accelerator.is_available() is False
        assert lib.accelerator.current_accelerator() is None
        assert lib.accelerator.current_accelerator(check_available=True) is None
        assert lib.accelerator.device_count() == 0
        for call in (lib.accelerator.current_device_index, lib.accelerator.synchronize,
                     lambda: lib.accelerator.set_device_index(0)):
            with pytest.raises(RuntimeError, match="Cannot access accelerator device when "
                                                   "none is available"):
                call()


def test_scripts_device_choice_runs():
    # pytorch/examples' idiom (gat/main.py, mnist/main.py)
    device = tl.accelerator.current_accelerator() if tl.accelerator.is_available() \
        else tl.device("cpu")
    assert tl.ones(2, device=device).device.type == ("cuda" if tl.cuda.is_available() else "cpu")
