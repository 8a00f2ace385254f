"""Every test starts from the same random state (seed 0) and leaves none behind, so
statistical thresholds meet the same numbers on every run and in any order."""

import pytest

import tensorlite as tl


@pytest.fixture(autouse=True)
def _fixed_random_state():
    with tl.random.fork_rng():
        tl.manual_seed(0)
        yield
