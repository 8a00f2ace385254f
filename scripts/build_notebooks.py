"""Execute the example notebooks and write them with their outputs.

Each notebook is kept twice, paired by jupytext: ``examples/NN_name.py`` (the
percent format: reviewable Python, the source of truth) and
``examples/NN_name.ipynb`` (what GitHub and Jupyter show, committed with its
outputs so plots are visible without running anything). After editing a
``.py``, run

    python scripts/build_notebooks.py            # every notebook
    python scripts/build_notebooks.py 04         # the ones whose name contains 04

``tests/test_notebooks.py`` checks that each ``.ipynb`` holds exactly the cells
of its ``.py`` and re-executes it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbclient
import nbformat

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def paired_sources():
    """The percent-format sources of the notebooks (``examples/NN_*.py``)."""
    return sorted(p for p in EXAMPLES.glob("[0-9][0-9]_*.py"))


def build(source, timeout=1800):
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    target = source.with_suffix(".ipynb")
    nbformat.write(notebook, target)
    return target


def main(argv):
    chosen = [p for p in paired_sources() if not argv or any(a in p.name for a in argv)]
    for source in chosen:
        print(f"executing {source.name} ...", flush=True)
        print(f"  wrote {build(source).relative_to(EXAMPLES.parent)}")


if __name__ == "__main__":
    main(sys.argv[1:])
