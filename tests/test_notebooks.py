"""Execute every example notebook top to bottom; a cell that raises fails the test.

The kernel is this interpreter, pinned explicitly: a kernel spec written to a
temporary directory whose argv is ``sys.executable`` (a ``python3`` spec elsewhere
on the Jupyter path, e.g. in ``~/.local/share/jupyter``, could otherwise point at a
different Python). An extra cell appended to each notebook prints the kernel's
``sys.executable`` and ``tensorlite.__file__``, and the test checks both.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

import tensorlite  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
SLOW = {"03_why_initialization_matters",  # 8 configurations x 50 matmuls: ~8 s on 2 cores
        "05_scale_out_with_dask"}  # a LocalCluster and a 0.4 GB reduction
KERNEL = "tensorlite-tests"


@pytest.fixture(scope="module")
def kernel_manager_factory(tmp_path_factory):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path_factory.mktemp("kernels")
    spec_dir = kernels / KERNEL
    spec_dir.mkdir()
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tensorlite tests", "language": "python",
        # the inline backend renders with Agg: no display needed
        "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
    }))

    def make():
        return KernelManager(kernel_name=KERNEL,
                             kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))

    return make


def _execute(nb, make_km, timeout=600):
    client = nbclient.NotebookClient(nb, km=make_km(), timeout=timeout, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    return client.execute()


def _text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def test_every_numbered_notebook_is_here():
    names = [p.name for p in NOTEBOOKS]
    assert names[:3] == ["01_creation_dtypes_devices.ipynb", "02_reproducibility.ipynb",
                         "03_why_initialization_matters.ipynb"]
    assert names == sorted(names)


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p for p in NOTEBOOKS
], ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, kernel_manager_factory):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, tensorlite\nprint(sys.executable)\nprint(tensorlite.__file__)"))
    executed = _execute(nb, kernel_manager_factory)
    executable, package = _text(executed.cells[-1]).split()
    assert executable == sys.executable
    assert Path(package) == Path(tensorlite.__file__)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


def test_a_broken_notebook_fails(kernel_manager_factory):
    """Negative control: an exception in a cell must surface as a failure."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import tensorlite as tl\nx = tl.ones(3)"),
        nbformat.v4.new_code_cell("assert x.sum().item() == 4, 'deliberately wrong'"),
        nbformat.v4.new_code_cell("print('never reached')"),
    ])
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="deliberately wrong"):
        _execute(nb, kernel_manager_factory)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_match_their_paired_source_and_keep_outputs(path):
    """Each ``.ipynb`` holds exactly the cells of its jupytext ``.py`` (edit the ``.py``,
    then run ``python scripts/build_notebooks.py``), with every code cell executed."""
    jupytext = pytest.importorskip("jupytext")
    source = path.with_suffix(".py")
    assert source.exists(), f"{path.name} has no paired percent-format source {source.name}"
    expected = jupytext.read(source)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert [(c.cell_type, c.source) for c in nb.cells] == \
        [(c.cell_type, c.source) for c in expected.cells], \
        "run `python scripts/build_notebooks.py` after editing the .py"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), \
        "committed notebooks keep their outputs: run `python scripts/build_notebooks.py`"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
