"""Deferred initialization cases (DESIGN §12, issue 16).

A GPT-style model (token and position embeddings, blocks of LayerNorm, attention
and MLP Linears, a head tied to the token embedding; GPT-2's init through
``Module.apply``) built three ways on the CPU:

* **tensorlite, meta + materialize** -- built on ``meta`` (recipes only), then
  ``tl.nn.utils.materialize(model, "cpu")``; the time includes the meta build;
* **tensorlite eager** -- built directly on ``cpu`` (the reference: target 1.1x);
* **torch** -- the same construction in PyTorch's CPU build, for context.
"""

from __future__ import annotations

import math

import tensorlite as tl

from ._timing import Case

try:
    import torch
except ImportError:
    torch = None


def gpt(lib, vocab, context, dim, layers, device=None):
    """The model (``lib`` is tensorlite or torch; same layout and init in both)."""
    nn = lib.nn
    blocks = [nn.Sequential(nn.LayerNorm(dim, device=device),
                            nn.Linear(dim, 3 * dim, device=device),
                            nn.Linear(dim, dim, device=device),
                            nn.LayerNorm(dim, device=device),
                            nn.Linear(dim, 4 * dim, device=device), nn.GELU(),
                            nn.Linear(4 * dim, dim, device=device)) for _ in range(layers)]
    model = nn.Sequential(nn.Embedding(vocab, dim, device=device),
                          nn.Embedding(context, dim, device=device), *blocks,
                          nn.LayerNorm(dim, device=device),
                          nn.Linear(dim, vocab, bias=False, device=device))

    def init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    model.apply(init)
    model[-1].weight = model[0].weight  # the head is tied to the token embedding
    with lib.no_grad():
        for block in blocks:  # GPT-2: residual projections scaled by 1/sqrt(2 * layers)
            block[2].weight.mul_(1 / math.sqrt(2 * layers))
            block[6].weight.mul_(1 / math.sqrt(2 * layers))
    return model


def cpu_cases(s):
    dims = (8192, 256, 512, 4) if s.bulk >= 10_000_000 else (1024, 64, 128, 2)
    label = "GPT vocab {} ctx {} dim {} x{} layers".format(*dims)

    def materialized():
        return tl.nn.utils.materialize(gpt(tl, *dims, device="meta"), "cpu")

    impls = {"tensorlite": lambda: materialized,
             "tensorlite eager": lambda: (lambda: gpt(tl, *dims, device="cpu"))}
    if torch is not None:
        impls["torch"] = lambda: (lambda: gpt(torch, *dims, device="cpu"))
    return [Case(f"meta build + materialize to cpu, {label} (ref: tensorlite eager)",
                 "deferred init", impls, 1.1, 1, "cpu", ref="tensorlite eager")]
