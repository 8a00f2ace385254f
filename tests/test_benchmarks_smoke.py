"""``python -m benchmarks --quick`` runs end to end and prints its tables.

No wall-clock time is asserted (DESIGN §8): the quick run's sizes are too small for
its numbers to mean anything; this only keeps the entry point from rotting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_quick_benchmark_prints_the_tables(tmp_path):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--no-write",
                             "--no-progress"], cwd=REPO, capture_output=True, text=True,
                            timeout=600, env=env)  # ~1 min alone; slower under coverage
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for text in ["tl/torch", "tl/numpy", "target (tl/torch)", "zeros(3, 4)",
                 "tensor([1., 2., 3.])", "randn(1M) float32", "init.kaiming_normal_",
                 "nn.Linear(512, 512)", "multinomial", "randperm", "Peak scratch memory",
                 "targets met:"]:
        assert text in out, text
    assert "could not run:" not in out, out  # every implementation ran
    assert not any(tmp_path.iterdir())


def test_quick_benchmark_writes_markdown(tmp_path):
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--no-progress",
                             "--only", "zeros(3, 4)", "--out", str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    written, = tmp_path.glob("*-quick.md")
    text = written.read_text()
    assert text.startswith("# tensorlite benchmarks: ")
    for text_part in ["| CPU |", "| Python |", "| NumPy |", "| PyTorch |", "| tensorlite |",
                      "| zeros(3, 4) |", "## Targets"]:
        assert text_part in text, text_part


# ---- the GPU code paths, run on the CPU with NumPy standing in for CuPy ------------------
# CuPy mirrors NumPy's API, so this catches typos and API misuse in code that otherwise
# runs only on GPU machines. It says nothing about GPU speed.
def _benchmarks():
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks import _gpu, cases, runner
        from benchmarks._timing import measure
    finally:
        sys.path.remove(str(REPO))
    return _gpu, cases, runner, measure


def test_gpu_cases_code_path_runs_with_a_numpy_stand_in():
    import numpy as np

    _gpu, cases, runner, measure = _benchmarks()
    gpu = cases.gpu_cases(cases.QUICK, np, dev="cpu")
    assert {c.device for c in gpu} == {"cuda"}
    for case in gpu:
        case.inner = min(case.inner, 2)
        result = measure(case, 1, {})
        assert not result.errors, (case.name, result.errors)
        assert set(result.times) == set(case.impls)


def test_gpu_bandwidth_code_path_runs_with_a_numpy_stand_in():
    import numpy as np

    _gpu, cases, runner, measure = _benchmarks()
    rows, errors = _gpu.fill_bandwidth(np, 2**16, reps=2, inner=1, device="cpu",
                                       sync=lambda: None)
    assert errors == {}
    names = [r[0] for r in rows]
    assert names[0] == "copy (reference)" and "randn (new tensor)" in names
    assert "init.kaiming_normal_" in names
    copy = rows[0]
    assert copy[3] == 1.0 and all(r[3] > 0 for r in rows)
    report = runner.Report([("Date", "2000-01-01"), ("CPU", "x"), ("GPU", "y")], 2, True, [],
                           [], rows, errors, 2**16)
    assert "fraction of copy" in report.text()
    assert "## GPU fill bandwidth" in report.markdown()
