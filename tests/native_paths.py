"""What the tests of the native C libraries (:mod:`tensorlite._native`) share: whether
there is a C compiler, and the fixture that runs a test through a library and again with
it unavailable."""

import pytest

from tensorlite import _native

HAVE_CC = bool(_native.compiler())
needs_cc = pytest.mark.skipif(not HAVE_CC, reason="no C compiler (cc/gcc) on the PATH")


def native_or_fallback(module):
    """A fixture running each test twice: through ``module.library()``, which must load
    where there is a compiler (CI has one: its tests exercise the C code), then with
    ``module.library`` returning ``None``, the NumPy path that must give the same values.
    """

    @pytest.fixture(params=["native", "fallback"])
    def path(request, monkeypatch):
        if request.param == "native":
            if not HAVE_CC:
                pytest.skip("no C compiler (cc/gcc) on the PATH")
            assert module.library() is not None
        else:
            monkeypatch.setattr(module, "library", lambda: None)
        return request.param

    return path
