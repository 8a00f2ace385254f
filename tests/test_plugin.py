"""The pytest plugin as a user gets it: tensorlite installed from a wheel into a fresh venv.

A temporary project with tests using the ``device`` and ``seed`` fixtures and the
``cuda`` marker is run with pytest in that venv, so what is checked is the
``pytest11`` entry point of the built wheel, not this checkout's conftest or the
editable install.

How the fresh venv gets its dependencies, and why: ``python -m venv --without-pip``
(40 ms) plus the wheel installed with *this* interpreter's pip (``pip --python``,
``--no-deps --no-index``: no network, no resolver). numpy, ml_dtypes, randomgen
and pytest are not reinstalled (that would need a network or a wheel cache and take
tens of seconds); a ``.pth`` file in the new venv lists this venv's site-packages
directories instead. A ``.pth`` line that names a directory only appends it to
``sys.path`` -- the ``.pth`` files *inside* it are not executed -- so this venv's
editable-install hook for tensorlite stays inactive, and the new venv's own
site-packages (holding the wheel) comes first on ``sys.path``. The tests assert
that the imported tensorlite really is the installed copy.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tensorlite as tl

REPO = Path(__file__).resolve().parents[1]
# Not marked slow: building the wheel and the venv once and running pytest five times
# takes about 3 s.

_IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                  ".pytest_cache", ".ipynb_checkpoints", "results")


def _has_pip():
    return subprocess.run([sys.executable, "-m", "pip", "--version"],
                          capture_output=True).returncode == 0


def _copy_source(dest):
    """The checkout's files (tracked, or untracked and not ignored) without build outputs,
    so building the wheel never writes into the checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], cwd=REPO, capture_output=True,
                                check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        shutil.copytree(REPO, dest, ignore=_IGNORED)
        return
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _clean_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
                        "VIRTUAL_ENV")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory):
    """A fresh venv's interpreter with tensorlite installed from a freshly built wheel."""
    if not _has_pip():
        pytest.skip("pip is not available to this interpreter")
    root = tmp_path_factory.mktemp("installed")
    src, dist, venv = root / "src", root / "dist", root / "venv"
    src.mkdir()
    _copy_source(src)
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(dist), str(src)],
                   check=True, capture_output=True, env=env)
    wheel, = dist.glob("tensorlite-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   env=env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True,
                   env=env)
    target = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, env=env).stdout.strip())
    (target / "zz_project_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n")
    return python, target


@pytest.fixture
def project(tmp_path):
    """A user's project: no conftest, nothing but tests that use the plugin."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent("""
        import pytest
        import tensorlite as tl


        def test_where_from(device):
            print("TENSORLITE_FILE", tl.__file__)
            x = tl.ones(3, device=device)
            assert str(x.device).startswith(device)


        def test_shape_on(device_or_meta):
            assert tl.zeros(2, 3, device=device_or_meta).shape == (2, 3)


        @pytest.mark.cuda
        def test_needs_gpu():
            assert tl.cuda.is_available()


        tl.manual_seed(123)
        tl.rand(5)
        BEFORE = (tl.initial_seed(), tl.default_generator.offset)


        def test_seed_fixture(seed):
            assert seed == 0
            assert (tl.initial_seed(), tl.default_generator.offset) == (0, 0)
            first = tl.rand(4)
            tl.manual_seed(0)
            assert (tl.rand(4) == first).all()
            tl.rand(100)


        def test_after_seed_fixture():
            assert (tl.initial_seed(), tl.default_generator.offset) == BEFORE
    """))
    return tmp_path


def _pytest(installed, project, *args):
    python, _ = installed
    # -p no:randomly: collection order is what these tests read (pytest-randomly, when
    # the environment has it, would shuffle it)
    return subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider",
                           "-p", "no:randomly", "-rs", *args], cwd=project,
                          capture_output=True, text=True, env=_clean_env(), timeout=300)


def _collected(result):
    return [line.strip() for line in result.stdout.splitlines() if "::test_where_from" in line]


def test_the_installed_copy_is_what_runs(installed_python, project):
    result = _pytest(installed_python, project, "-k", "where_from", "--devices=cpu", "-s")
    assert result.returncode == 0, result.stdout + result.stderr
    where, = re.findall(r"TENSORLITE_FILE (\S+)", result.stdout)
    assert Path(where).resolve().is_relative_to(installed_python[1].resolve()), where
    # the wheel ships the CUDA sources inside the package (DESIGN §5)
    shipped = {p.name for p in (installed_python[1] / "tensorlite" / "kernels").glob("*.cu*")}
    assert shipped == {p.name for p in (REPO / "kernels").glob("*.cu*")}


def test_device_fixture_collects_one_case_per_available_device(installed_python, project):
    result = _pytest(installed_python, project, "--collect-only", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    expected = ["cpu"] + (["cuda"] if tl.cuda.is_available() else [])
    assert _collected(result) == [f"test_user.py::test_where_from[{d}]" for d in expected]
    with_meta = [line.strip() for line in result.stdout.splitlines() if "::test_shape_on" in line]
    assert with_meta == [f"test_user.py::test_shape_on[{d}]" for d in expected + ["meta"]]


def test_devices_option_selects_cpu_only(installed_python, project):
    result = _pytest(installed_python, project, "--collect-only", "-q", "--devices=cpu")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _collected(result) == ["test_user.py::test_where_from[cpu]"]


def test_requested_missing_gpu_is_collected_and_skipped_with_reason(installed_python, project):
    result = _pytest(installed_python, project, "-k", "where_from", "--devices=cpu,cuda", "-v")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_where_from[cpu] PASSED" in result.stdout
    if tl.cuda.is_available():
        assert "test_where_from[cuda] PASSED" in result.stdout
    else:
        assert "test_where_from[cuda] SKIPPED" in result.stdout
        reason = tl._backends.cuda.backend.unavailable_reason()
        assert re.search(r"SKIPPED \[1\] .*device cuda: " + re.escape(reason), result.stdout)


def test_cuda_marker_skips_with_reason_and_seed_fixture_restores_state(installed_python,
                                                                      project):
    result = _pytest(installed_python, project, "-v", "--devices=cpu")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_seed_fixture PASSED" in result.stdout
    assert "test_after_seed_fixture PASSED" in result.stdout
    if tl.cuda.is_available():
        assert "test_needs_gpu PASSED" in result.stdout
    else:
        assert "test_needs_gpu SKIPPED" in result.stdout
        assert re.search(r"SKIPPED \[1\] .*needs a CUDA GPU: \S", result.stdout), result.stdout
