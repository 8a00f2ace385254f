"""The nn snippets of shared/seed/tensor-creation-and-initialization.txt, run as
written with ``tensorlite`` in place of ``torch``, plus checks that they do what
the text says.

Statistical thresholds: sample std within ``6 / sqrt(2 n)`` relative of the
stated std, sample mean within ``6 std / sqrt(n)`` of zero (fixed seeds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tensorlite


def values(t):
    return np.asarray(t.numpy(force=True), dtype=np.float64)


def check_std(t, std):
    x = values(t)
    n = x.size
    assert abs(x.mean()) < 6 * std / math.sqrt(n), x.mean()
    assert abs(x.std() / std - 1) < 6 / math.sqrt(2 * n), (x.std(), std)


def test_linear_shapes(capsys):
    layer = tensorlite.nn.Linear(128, 64)

    print(layer.weight.shape)  # torch.Size([64, 128])
    print(layer.bias.shape)    # torch.Size([64])

    assert capsys.readouterr().out == "tensorlite.Size([64, 128])\ntensorlite.Size([64])\n"


def test_explicit_initialization():
    import tensorlite.nn as nn

    layer = nn.Linear(128, 64)

    nn.init.zeros_(layer.bias)
    nn.init.normal_(layer.weight, mean=0.0, std=0.02)

    assert (values(layer.bias) == 0).all()
    check_std(layer.weight, 0.02)


def test_xavier():
    layer = tensorlite.nn.Linear(128, 64)

    tensorlite.nn.init.xavier_uniform_(layer.weight)
    tensorlite.nn.init.zeros_(layer.bias)

    a = math.sqrt(6 / (128 + 64))
    w = values(layer.weight)
    assert w.min() >= -a and w.max() < a and np.abs(w).max() > a * (1 - 20 / w.size)
    check_std(layer.weight, a / math.sqrt(3))
    assert (values(layer.bias) == 0).all()

    tensorlite.nn.init.xavier_normal_(layer.weight)

    check_std(layer.weight, math.sqrt(2 / (128 + 64)))


def test_kaiming_linear_and_conv():
    layer = tensorlite.nn.Linear(128, 64)

    tensorlite.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    tensorlite.nn.init.zeros_(layer.bias)

    check_std(layer.weight, math.sqrt(2 / 128))
    assert (values(layer.bias) == 0).all()

    conv = tensorlite.nn.Conv2d(3, 64, kernel_size=3, padding=1)

    tensorlite.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    tensorlite.nn.init.zeros_(conv.bias)

    assert conv.weight.shape == (64, 3, 3, 3)
    check_std(conv.weight, math.sqrt(2 / (3 * 3 * 3)))
    assert (values(conv.bias) == 0).all()


def test_embedding(capsys):
    embedding = tensorlite.nn.Embedding(num_embeddings=50_000, embedding_dim=768)

    print(embedding.weight.shape)
    # torch.Size([50000, 768])

    tensorlite.nn.init.normal_(embedding.weight, mean=0.0, std=0.02)

    assert capsys.readouterr().out == "tensorlite.Size([50000, 768])\n"
    check_std(embedding.weight, 0.02)


def test_layer_norm(capsys):
    norm = tensorlite.nn.LayerNorm(768)

    print(norm.weight.shape)
    print(norm.bias.shape)

    tensorlite.nn.init.ones_(norm.weight)
    tensorlite.nn.init.zeros_(norm.bias)

    assert capsys.readouterr().out == "tensorlite.Size([768])\ntensorlite.Size([768])\n"
    assert (values(norm.weight) == 1).all() and (values(norm.bias) == 0).all()


def test_init_weights_apply():
    import tensorlite
    import tensorlite.nn as nn

    def init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)

        elif isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)

        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    model = nn.Sequential(
        nn.Linear(128, 256),
        nn.ReLU(),
        nn.Linear(256, 10),
    )

    model.apply(init_weights)

    # every Linear got Kaiming normal weights (std sqrt(2 / fan_in)) and zero biases
    for layer, fan_in in ((model[0], 128), (model[2], 256)):
        check_std(layer.weight, math.sqrt(2 / fan_in))
        assert (values(layer.bias) == 0).all()

    # the same function on a model with convolutions and normalization
    visited = []
    mixed = nn.Sequential(nn.Conv2d(3, 16, 3), nn.LayerNorm(16), nn.Linear(16, 4))
    with tensorlite.no_grad():
        for p in mixed.parameters():
            p.fill_(5.0)
    mixed.apply(lambda m: (visited.append(type(m).__name__), init_weights(m)))
    assert visited == ["Conv2d", "LayerNorm", "Linear", "Sequential"]
    check_std(mixed[0].weight, math.sqrt(2 / 27))
    assert (values(mixed[0].bias) == 0).all()
    assert (values(mixed[1].weight) == 1).all() and (values(mixed[1].bias) == 0).all()


def test_manual_initialization_under_no_grad():
    layer = tensorlite.nn.Linear(128, 64)

    with tensorlite.no_grad():
        layer.weight.normal_(0.0, 0.02)
        layer.bias.zero_()

    check_std(layer.weight, 0.02)
    assert (values(layer.bias) == 0).all()


def test_manual_initialization_outside_no_grad_raises():
    layer = tensorlite.nn.Linear(128, 64)
    message = "a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError, match=message):
        layer.weight.normal_(0.0, 0.02)
    with pytest.raises(RuntimeError, match=message):
        layer.bias.zero_()


def test_same_seed_same_model():
    def build():
        tensorlite.manual_seed(42)
        return tensorlite.nn.Sequential(tensorlite.nn.Linear(128, 256), tensorlite.nn.ReLU(),
                                        tensorlite.nn.Linear(256, 10))

    a, b = build(), build()
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(values(p), values(q), err_msg=name)
