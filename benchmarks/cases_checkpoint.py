"""Checkpoint case: ``tl.save`` + ``tl.load`` of a model-shaped state dict against
``torch.save`` + ``torch.load`` (target 1.25x, issue 14).

The state dict is a transformer-like stack of float32 matrices and vectors
(100M parameters in the full run, 10M in the quick one), written to and read
back from a file per library in the system's temporary directory; each timed
call saves and loads once, so the page cache serves both libraries alike.
Timings on a shared 2-core machine jitter by seconds when the kernel throttles
writers of dirty pages: read the median over several repetitions.
"""

from __future__ import annotations

import atexit
import os
import tempfile

import numpy as np

import tensorlite as tl

from ._timing import Case

try:
    import torch
except ImportError:
    torch = None


def _arrays(params):
    """Float32 arrays totalling ``params`` elements: blocks of a 1024-wide layer."""
    rng = np.random.default_rng(0)
    width, out, n = 1024, [], 0
    while n < params:
        rows = min(4 * width, (params - n) // width) or 1
        size = min(rows * width, params - n)
        out.append(rng.standard_normal(size, dtype=np.float32).reshape(-1, width)
                   if size % width == 0 else rng.standard_normal(size, dtype=np.float32))
        n += size
        if n < params:  # a bias vector, as layers have
            bias = min(width, params - n)
            out.append(rng.standard_normal(bias, dtype=np.float32))
            n += bias
    return out


def _save_load(lib, params):
    state = {f"layers.{i}.weight": lib.from_numpy(a) for i, a in enumerate(_arrays(params))}
    name = f"tensorlite-bench-{os.getpid()}-{lib.__name__}.ckpt"  # one file per library
    path = os.path.join(tempfile.gettempdir(), name)
    atexit.register(lambda: os.path.exists(path) and os.remove(path))

    def step():
        lib.save(state, path)
        lib.load(path, weights_only=True) if lib is torch else lib.load(path)

    return step


def cpu_cases(s):
    params = 10 * s.bulk  # 100M parameters in the full run
    impls = {"tensorlite": lambda: _save_load(tl, params)}
    if torch is not None:
        impls["torch"] = lambda: _save_load(torch, params)
    return [Case(f"save+load state dict, {params // 1_000_000}M float32 params", "checkpoint", impls, 1.25, 1,
                 "cpu")]
