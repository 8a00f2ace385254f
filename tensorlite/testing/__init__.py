"""Testing helpers: ``assert_close`` and the pytest plugin (``device``/``seed`` fixtures,
``--devices``, the ``cuda`` marker; see :mod:`tensorlite.testing.pytest_plugin`).

``assert_close`` is loaded on first use, so that pytest loading the plugin (an
entry point every pytest run in the environment imports) stays cheap.

>>> import tensorlite as tl
>>> import tensorlite.testing
>>> tl.testing.assert_close(tl.ones(2), [1.0, 1.0])
"""

from __future__ import annotations

__all__ = ["assert_close", "default_tolerances"]


def __getattr__(name):
    if name in __all__:
        from . import _comparison

        return getattr(_comparison, name)
    raise AttributeError(f"module 'tensorlite.testing' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
