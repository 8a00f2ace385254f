"""Every docstring example in the package runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import tensorlite as tl


def _modules():
    names = ["tensorlite"]
    for info in pkgutil.walk_packages(tl.__path__, "tensorlite."):
        if info.name.endswith("__main__") or "pytest_plugin" in info.name:
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with tl.random.fork_rng():
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
