"""API coverage against PyTorch: where each name of a list exists.

A name ``n`` is looked up as ``tl.n`` and ``tl.Tensor.n`` (dotted names such as
``linalg.inv`` or ``backends.cudnn.allow_tf32`` as attribute paths from the
package); with PyTorch installed, the same lookups on ``torch`` say where it
should exist. ``python -m tensorlite api [names_file]`` prints the table's
summary; ``tests/test_api_names.py`` requires an exact match.
"""

from __future__ import annotations

import os

DEFAULT_NAMES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "tests", "api_names.txt")


def read_names(path=DEFAULT_NAMES):
    """The names in ``path``: one per line, ``#`` starts a comment."""
    with open(path, encoding="utf-8") as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


def _has(root, dotted):
    obj = root
    for part in dotted.split("."):
        try:
            obj = getattr(obj, part)
        except Exception:  # AttributeError, or a property that raises
            return False
    return True


def where(module, name):
    """``(as a module-level name, as a Tensor attribute)`` for ``module`` (tl or torch)."""
    if "." in name:
        return _has(module, name), False
    return _has(module, name), _has(module.Tensor, name)


def coverage(names):
    """Rows ``(name, expected, found)``; ``expected`` is None without PyTorch."""
    import tensorlite as tl

    try:
        import torch
    except ImportError:
        torch = None
    return [(n, where(torch, n) if torch is not None else None, where(tl, n)) for n in names]


def report(path=DEFAULT_NAMES):
    rows = coverage(read_names(path))
    lines = [f"API coverage against {path}: {len(rows)} names"]
    if rows and rows[0][1] is None:
        found = sum(any(f) for _, _, f in rows)
        lines.append(f"PyTorch not installed: {found}/{len(rows)} names exist in tensorlite")
        return "\n".join(lines)
    wanted = [(n, e, f) for n, e, f in rows if any(e)]
    exact = [r for r in wanted if r[1] == r[2]]
    lines.append(f"{len(exact)}/{len(wanted)} names exist exactly where PyTorch has them "
                 f"({100 * len(exact) / max(len(wanted), 1):.1f}%)")
    for n, e, f in rows:
        if e != f:
            lines.append(f"  {n}: torch has (function={e[0]}, method={e[1]}), tensorlite has "
                         f"(function={f[0]}, method={f[1]})")
    return "\n".join(lines)
