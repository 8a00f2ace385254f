"""Autograd cases: forward + backward in tensorlite and PyTorch's CPU build.

* an MLP 784→1024→1024→10 with ReLU on a batch of 256 (float32): matrix
  products dominate, so the ratio shows what the graph and the derivative rules
  add around them (target 1.25x, issue 11);
* ``((x * w).relu() + b).sum()`` on 32×64 tensors: four tiny ops, so the ratio
  is the per-op overhead of recording and walking the graph (target 3x).
"""

from __future__ import annotations

import numpy as np

import tensorlite as tl

from ._timing import Case

try:
    import torch
except ImportError:
    torch = None


def _mlp(lib, batch):
    rng = np.random.default_rng(0)
    sizes = [(784, 1024), (1024, 1024), (1024, 10)]
    params = []
    for fan_in, fan_out in sizes:
        bound = 1 / np.sqrt(fan_in)
        params.append(lib.tensor(rng.uniform(-bound, bound, (fan_out, fan_in)),
                                 dtype=lib.float32, requires_grad=True))
        params.append(lib.tensor(rng.uniform(-bound, bound, fan_out), dtype=lib.float32,
                                 requires_grad=True))
    x = lib.tensor(rng.standard_normal((batch, 784)), dtype=lib.float32)
    linear = lib.nn.functional.linear

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = linear(h, params[i], params[i + 1])
            if i < len(params) - 2:
                h = h.relu()
        h.sum().backward()
        for p in params:
            p.grad = None

    return step


def _small(lib):
    rng = np.random.default_rng(0)
    x, w, b = (lib.tensor(rng.standard_normal((32, 64)), dtype=lib.float32,
                          requires_grad=True) for _ in range(3))

    def step():
        ((x * w).relu() + b).sum().backward()

    return step


def cpu_cases(s):
    batch = 256 if s.bulk >= 10_000_000 else 64
    cases = []
    for name, make, target, inner in (
            (f"MLP 784-1024-1024-10 fwd+bwd, batch {batch}", lambda lib: _mlp(lib, batch),
             1.25, 1),
            ("((x * w).relu() + b).sum() fwd+bwd, 32x64", _small, 3.0, s.small_calls // 4)):
        impls = {"tensorlite": (lambda m=make: m(tl))}
        if torch is not None:
            impls["torch"] = lambda m=make: m(torch)
        cases.append(Case(name, "autograd", impls, target, max(inner, 1), "cpu"))
    return cases
