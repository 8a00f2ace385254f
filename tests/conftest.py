"""Every test starts from the same random state (seed 0) and leaves none behind, so
statistical thresholds meet the same numbers on every run and in any order.

``TENSORLITE_HIDE_TORCH=1 python -m pytest -q`` runs the suite as if PyTorch were
not installed (CI does, to prove every PyTorch-dependent test skips with a reason):
``tests/no_torch`` goes first on ``sys.path`` and on ``PYTHONPATH`` (for the
subprocesses that run examples, notebooks and benchmarks), and its ``torch``
package raises ``ModuleNotFoundError`` when imported.
"""

import os
import pathlib
import sys

import pytest

if os.environ.get("TENSORLITE_HIDE_TORCH") == "1":
    if "torch" in sys.modules:  # a plugin imported it before this file: hiding would be a lie
        raise pytest.UsageError("TENSORLITE_HIDE_TORCH=1, but torch was imported before tests/conftest.py")
    _shadow = str(pathlib.Path(__file__).parent / "no_torch")
    sys.path.insert(0, _shadow)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_shadow, os.environ.get("PYTHONPATH")) if p)

import tensorlite as tl  # noqa: E402  (after the hiding, so nothing imports torch first)
from native_paths import native_or_fallback  # noqa: E402
from tensorlite._backends import _cpu_reduce  # noqa: E402
from tensorlite.random import _multinomial_native  # noqa: E402


@pytest.fixture(autouse=True)
def _fixed_random_state():
    with tl.random.fork_rng():
        tl.manual_seed(0)
        yield


# CPU multinomial and large reductions through their C libraries, or with them
# unavailable (NumPy): the same values either way
multinomial_path = native_or_fallback(_multinomial_native)
reduce_path = native_or_fallback(_cpu_reduce)
