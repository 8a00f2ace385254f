"""Every name in tests/api_names.txt exists as tl.<name> and/or Tensor.<name> exactly where
PyTorch has it, so a regression in API coverage fails CI."""

import subprocess
import sys

import pytest

from tensorlite import _api_coverage

pytest.importorskip("torch")

NAMES = _api_coverage.read_names()


def test_the_list_is_substantial():
    assert len(NAMES) > 400 and len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_name_exists_where_torch_has_it(name):
    (_, expected, found), = _api_coverage.coverage([name])
    assert any(expected), f"{name} is not a PyTorch name"
    assert found == expected, f"{name}: torch (function, method) {expected}, tensorlite {found}"


def test_a_missing_name_is_reported():
    # negative control: a name tensorlite lacks shows up in the comparison
    (_, expected, found), = _api_coverage.coverage(["stft"])
    assert expected != found


def test_cli_prints_coverage():
    out = subprocess.run([sys.executable, "-m", "tensorlite", "api"], capture_output=True,
                         text=True, check=True).stdout
    assert f"{len(NAMES)}/{len(NAMES)} names exist exactly where PyTorch has them" in out
