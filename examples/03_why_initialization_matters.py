# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Why initialization matters
#
# Each layer multiplies the signal by a weight matrix. If the weights are too small
# the activations shrink layer after layer; if they are too large they explode — and
# the effect compounds with depth. A good initialization keeps the **variance of the
# activations stable** from layer to layer.
#
# Experiment: push a batch of 256 random inputs through a 50-layer MLP of width 1024
# (`h ← act(h @ W.T)`, no biases) and record the standard deviation of the
# activations after every layer, for tanh and ReLU, under four initializations:
#
# | init | weights |
# |---|---|
# | too small | `normal_(std=0.01)` |
# | too large | `normal_(std=0.2)` |
# | Xavier | `xavier_uniform_`: `U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))` |
# | Kaiming | `kaiming_normal_(nonlinearity=act)`: `N(0, gain² / fan_in)` |

# %%
import time

import matplotlib.pyplot as plt

import tensorlite as tl
from tensorlite.nn import init

DEPTH, WIDTH, BATCH = 50, 1024, 256

INITS = {
    "too small: N(0, 0.01²)": lambda w, act: init.normal_(w, 0.0, 0.01),
    "too large: N(0, 0.2²)": lambda w, act: init.normal_(w, 0.0, 0.2),
    "Xavier uniform": lambda w, act: init.xavier_uniform_(w),
    "Kaiming normal": lambda w, act: init.kaiming_normal_(w, nonlinearity=act),
}
ACTIVATIONS = {"tanh": lambda h: h.tanh(), "relu": lambda h: h.relu()}


def activation_stds(make_weight, act, seed=0):
    """Std of the activations after each of DEPTH layers (computed in float64,
    since exploding float32 activations would overflow a float32 sum of squares)."""
    tl.manual_seed(seed)
    h = tl.randn(BATCH, WIDTH)
    stds = []
    for _ in range(DEPTH):
        w = tl.empty(WIDTH, WIDTH)       # (out_features, in_features), as nn.Linear
        make_weight(w, act)
        h = ACTIVATIONS[act](h @ w.T)
        stds.append(h.double().std().item())
    return stds


start = time.perf_counter()
results = {(act, name): activation_stds(fn, act)
           for act in ACTIVATIONS for name, fn in INITS.items()}
print(f"{len(results)} runs of {DEPTH} layers in {time.perf_counter() - start:.1f} s")

# %%
print(f"{'activation':<10} {'init':<24} {'layer 1':>10} {'layer 25':>10} {'layer 50':>10}")
for (act, name), stds in results.items():
    print(f"{act:<10} {name:<24} {stds[0]:>10.3g} {stds[24]:>10.3g} {stds[-1]:>10.3g}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
for ax, act in zip(axes, ACTIVATIONS):
    for name in INITS:
        ax.plot(range(1, DEPTH + 1), results[(act, name)], label=name)
    ax.set_yscale("log")
    ax.set_title(f"{act}: std of activations per layer")
    ax.set_xlabel("layer")
    ax.grid(True, which="major", alpha=0.3)
axes[0].set_ylabel("std")
axes[1].legend()
fig.tight_layout()
plt.show()


# %% [markdown]
# ## What the numbers say (checked, not eyeballed)
#
# * **Kaiming with ReLU** keeps the scale: every layer's std stays within a factor 2
#   of the first layer's, across all 50 layers. Its `sqrt(2 / fan_in)` compensates
#   for ReLU zeroing half of the signal.
# * **Too small** collapses: by layer 50 the signal is more than 1000× smaller
#   (each layer multiplies the std by about `0.01·sqrt(1024)·sqrt(1/2) ≈ 0.23`).
# * **Too large** explodes with ReLU (about `×4.5` per layer) and, with tanh,
#   saturates: almost every unit sits at ±1, where tanh's gradient is zero.
# * **Xavier** (gain 1) suits tanh — the signal decays only slowly — but with ReLU it
#   loses a factor `sqrt(2)` per layer, so it also collapses over 50 layers.

# %%
def within_factor(stds, factor):
    first = stds[0]
    return all(first / factor <= s <= first * factor for s in stds)


relu_kaiming = results[("relu", "Kaiming normal")]
assert within_factor(relu_kaiming, 2.0), relu_kaiming
for act in ACTIVATIONS:
    small = results[(act, "too small: N(0, 0.01²)")]
    assert small[-1] < 1e-3 * small[0], (act, small[0], small[-1])
large_relu = results[("relu", "too large: N(0, 0.2²)")]
assert large_relu[-1] > 1e3 * large_relu[0], large_relu[-1]
xavier_relu = results[("relu", "Xavier uniform")]
assert xavier_relu[-1] < 1e-3 * xavier_relu[0]
tanh_kaiming = results[("tanh", "Kaiming normal")]
assert tanh_kaiming[-1] > 0.1 * tanh_kaiming[0]

ratio = max(relu_kaiming) / min(relu_kaiming)
print(f"Kaiming/ReLU: std stays in [{min(relu_kaiming):.3f}, {max(relu_kaiming):.3f}] "
      f"(max/min = {ratio:.2f}) over {DEPTH} layers")
print(f"too small:    ReLU std falls {small[0] / small[-1]:.1e}x")
print(f"too large:    ReLU std grows {large_relu[-1] / large_relu[0]:.1e}x")


# %% [markdown]
# With tanh, "too large" does not explode — it saturates:

# %%
def saturated_fraction(make_weight, act="tanh", seed=0):
    tl.manual_seed(seed)
    h = tl.randn(BATCH, WIDTH)
    for _ in range(DEPTH):
        w = tl.empty(WIDTH, WIDTH)
        make_weight(w, act)
        h = (h @ w.T).tanh()
    return (h.abs() > 0.99).float().mean().item()


too_large = saturated_fraction(INITS["too large: N(0, 0.2²)"])
kaiming = saturated_fraction(INITS["Kaiming normal"])
print(f"tanh units with |h| > 0.99 at layer {DEPTH}: too large {too_large:.0%}, "
      f"Kaiming {kaiming:.0%}")
assert too_large > 0.5 > kaiming

# %% [markdown]
# Initialization is part of the model's design: it interacts with the activation
# function, normalization, residual connections, depth and learning rate. Defaults:
# Kaiming for ReLU layers, Xavier for tanh/sigmoid layers, zeros for biases, ones for
# normalization scales, a small normal for embeddings.
