"""One epoch of ``examples/train_digits.py`` in tensorlite and in PyTorch.

The same loop as the example (Adam, cross-entropy, batches of 64 from a shuffled
``DataLoader`` over scikit-learn's 1 437 training digits), written once against a
library namespace ``lib`` so both libraries run the identical script (target
1.5x, issue 14). Skipped when scikit-learn is not installed.
"""

from __future__ import annotations

import numpy as np

import tensorlite as tl

from ._timing import Case

try:
    import torch
except ImportError:
    torch = None


def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))[:1437]
    return digits.data[order] / 16.0, digits.target[order]


def _model(lib, kind):
    nn = lib.nn
    if kind == "mlp":
        return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                             nn.Linear(256, 10))
    return nn.Sequential(nn.Unflatten(1, (1, 8, 8)),
                         nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


def epoch_factory(lib, kind):
    def factory():
        images, labels = _digits()
        lib.manual_seed(0)
        data = lib.utils.data.TensorDataset(lib.tensor(images, dtype=lib.float32),
                                            lib.tensor(labels))
        loader = lib.utils.data.DataLoader(data, batch_size=64, shuffle=True,
                                           generator=lib.Generator().manual_seed(0))
        model = _model(lib, kind)
        optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
        cross_entropy = lib.nn.functional.cross_entropy

        def epoch():
            for x, y in loader:
                loss = cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        return epoch

    return factory


def cpu_cases(s):
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return []
    cases = []
    for kind in ("mlp", "cnn"):
        impls = {"tensorlite": epoch_factory(tl, kind)}
        if torch is not None:
            impls["torch"] = epoch_factory(torch, kind)
        cases.append(Case(f"train_digits.py epoch, {kind.upper()} (23 Adam steps)", "training",
                          impls, 1.5, 1, "cpu", "batch 64 from a shuffled DataLoader"))
    return cases
