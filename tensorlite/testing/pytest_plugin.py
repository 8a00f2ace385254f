"""tensorlite's pytest plugin, registered through the ``pytest11`` entry point.

Any project that installs tensorlite gets:

* a ``device`` fixture parametrized over the devices this machine has (``cpu``
  always, ``cuda`` when a GPU is present; test ids ``cpu`` / ``cuda``);
* a ``device_or_meta`` fixture: the same devices plus ``meta`` (test id
  ``meta``), for tests of what a shape-only tensor must get right too —
  shapes, dtypes, errors and generator offsets (values are not computed on
  ``meta``, so a test using it checks values only where
  ``device_or_meta != "meta"``);
* ``--devices=cpu,cuda`` to choose them (a requested device that is missing
  skips with the reason; ``device_or_meta`` always adds ``meta``);
* a ``cuda`` marker: such tests skip with a reason when no GPU is present;
* a ``seed`` fixture that seeds every generator with 0 and restores their
  state afterwards.

Example::

    def test_noise_is_zero_mean(device, seed):
        x = tl.randn(10_000, device=device)
        assert abs(x.mean().item()) < 0.05

    def test_noise_keeps_shape_and_dtype(device_or_meta, seed):
        x = tl.randn(8, 16, dtype=tl.float16, device=device_or_meta)
        assert x.shape == (8, 16) and x.dtype is tl.float16
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
    devices = _requested(metafunc.config)
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", devices, indirect=True)
    if "device_or_meta" in metafunc.fixturenames:
        with_meta = devices + ([] if "meta" in devices else ["meta"])
        metafunc.parametrize("device_or_meta", with_meta, indirect=True)


def _checked(request):
    """The parametrized device name; skips (with the reason) a cuda device this machine lacks."""
    import tensorlite as tl

    name = getattr(request, "param", "cpu")
    if tl.device(name).type == "cuda" and not tl.cuda.is_available():
        pytest.skip(f"device {name}: {tl._backends.cuda.backend.unavailable_reason()}")
    return name


@pytest.fixture
def device(request):
    """A device name this machine has: ``"cpu"``, ``"cuda"`` (see ``--devices``)."""
    return _checked(request)


@pytest.fixture
def device_or_meta(request):
    """``device``'s names plus ``"meta"``: for shapes, dtypes, errors and generator offsets."""
    return _checked(request)


def pytest_collection_modifyitems(config, items):
    import tensorlite as tl

    if tl.cuda.is_available():
        return
    reason = tl._backends.cuda.backend.unavailable_reason()
    for item in items:
        if "cuda" in item.keywords and item.get_closest_marker("cuda"):
            item.add_marker(pytest.mark.skip(reason=f"needs a CUDA GPU: {reason}"))
        elif any(str(item.callspec.params.get(name, "")).startswith("cuda")
                 for name in ("device", "device_or_meta") if hasattr(item, "callspec")):
            item.add_marker(pytest.mark.cuda)


@pytest.fixture
def seed():
    """Seed every generator with 0 for the test and restore their state afterwards."""
    import tensorlite as tl

    with tl.random.fork_rng():
        tl.manual_seed(0)
        yield 0
