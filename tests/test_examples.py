"""The example scripts run to the end in a fresh interpreter and print what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_runs_and_tells_the_story():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py")],
                            capture_output=True, text=True, timeout=120, env=env,
                            cwd=EXAMPLES)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "tensor([1., 2., 3.])\ntensorlite.Size([3])\ntensorlite.float32\n" in out
    assert "Expected all tensors to be on the same device, but found at least two devices" in out
    assert "same again after reseeding: True" in out
    assert "bit for bit" in out
    assert "Linear(in_features=128, out_features=64, bias=True)" in out
    assert "model(randn(4, 128)).shape: tensorlite.Size([4, 10])" in out
    assert "a leaf Variable that requires grad is being used in an in-place operation" in out
    assert out.rstrip().endswith("quickstart finished")


def test_environment_report_without_cupy():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tensorlite"], capture_output=True, text=True,
                         check=True).stdout
    assert "tensorlite 0.1.0" in out and "NumPy" in out and "CUDA kernels:" in out
    try:
        import cupy  # noqa: F401
    except ImportError:
        assert "CUDA available: no (CuPy is not installed" in out
        assert "tensorlite[cuda12]" in out


def test_demo_shows_a_model_learning(capsys):
    from tensorlite.__main__ import train_demo

    final = train_demo("cpu", steps=100)
    out = capsys.readouterr().out
    first = float(out.split("step    1  loss ")[1].split()[0])
    assert final < first / 20, (first, final)   # measured: 0.62 -> 0.006 in 100 steps
    assert train_demo("cpu", steps=100) == final  # the same seed, the same run
