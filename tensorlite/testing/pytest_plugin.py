"""tensorlite's pytest plugin, registered through the ``pytest11`` entry point.

Any project that installs tensorlite gets:

* a ``device`` fixture parametrized over the devices this machine has (``cpu``
  always, ``cuda`` when a GPU is present; test ids ``cpu`` / ``cuda``);
* ``--devices=cpu,cuda`` to choose them (a requested device that is missing
  skips with the reason);
* a ``cuda`` marker: such tests skip with a reason when no GPU is present;
* a ``seed`` fixture that seeds every generator with 0 and restores their
  state afterwards.

Example::

    def test_noise_is_zero_mean(device, seed):
        x = tl.randn(10_000, device=device)
        assert abs(x.mean().item()) < 0.05
"""

from __future__ import annotations

import pytest


def _available():
    import tensorlite as tl

    return ["cpu"] + (["cuda"] if tl.cuda.is_available() else [])


def pytest_addoption(parser):
    group = parser.getgroup("tensorlite")
    group.addoption("--devices", default=None,
                    help="comma-separated devices for the `device` fixture "
                         "(default: every available one, e.g. cpu,cuda)")


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU (skipped when none is present)")


def _requested(config):
    text = config.getoption("--devices")
    if not text:
        return _available()
    return [d.strip() for d in text.split(",") if d.strip()]


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", _requested(metafunc.config), indirect=True)


@pytest.fixture
def device(request):
    import tensorlite as tl

    name = getattr(request, "param", "cpu")
    dev = tl.device(name)
    if dev.type == "cuda" and not tl.cuda.is_available():
        pytest.skip(f"device {name}: {tl._backends.cuda.backend.unavailable_reason()}")
    return name


def pytest_collection_modifyitems(config, items):
    import tensorlite as tl

    if tl.cuda.is_available():
        return
    reason = tl._backends.cuda.backend.unavailable_reason()
    for item in items:
        if "cuda" in item.keywords and item.get_closest_marker("cuda"):
            item.add_marker(pytest.mark.skip(reason=f"needs a CUDA GPU: {reason}"))
        elif getattr(item, "callspec", None) and item.callspec.params.get("device", "").startswith("cuda"):
            item.add_marker(pytest.mark.cuda)


@pytest.fixture
def seed():
    """Seed every generator with 0 for the test and restore their state afterwards."""
    import tensorlite as tl

    with tl.random.fork_rng():
        tl.manual_seed(0)
        yield 0
