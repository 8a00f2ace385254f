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
# # Initialization and training: gradients, then learning
#
# Notebook 03 showed the **forward** half of the story: under a poor initialization
# the activations of a deep network shrink or explode layer after layer. This
# notebook shows the other half on real data — scikit-learn's 8×8 digits:
#
# 1. the **gradients** at initialization, layer by layer, for a 20-layer MLP of
#    width 512 under four initializations, with tanh and with ReLU;
# 2. **training curves** of that network under each initialization — same seed,
#    same data order, same optimizer;
# 3. the conclusions, **checked by assertions**, not eyeballed.
#
# The user guide's claims under test: a poor initialization "can make a network
# train slowly, diverge, or produce useless gradients"; a good one keeps "the
# variance of gradients stable during backpropagation".

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn
from tensorlite.nn import init
from tensorlite.utils.data import DataLoader, TensorDataset

DEPTH, WIDTH, SEED = 20, 512, 0
device = "cuda" if tl.cuda.is_available() else "cpu"

digits = load_digits()
images = tl.tensor(digits.data, dtype=tl.float32, device=device) / 16.0
labels = tl.tensor(digits.target, device=device)
images = (images - images.mean()) / images.std()   # zero mean, unit variance inputs
print(images.shape, labels.shape, device)

INITS = {
    "too small: N(0, 0.01²)": lambda w, act: init.normal_(w, 0.0, 0.01),
    "too large: N(0, 0.2²)": lambda w, act: init.normal_(w, 0.0, 0.2),
    "Xavier normal": lambda w, act: init.xavier_normal_(w, gain=init.calculate_gain(act)),
    "Kaiming normal": lambda w, act: init.kaiming_normal_(w, nonlinearity=act),
}
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


def deep_mlp(init_fn, act):
    """DEPTH hidden layers of WIDTH units, then a 10-way classifier; biases zero."""
    layers, width_in = [], 64
    for _ in range(DEPTH):
        layers += [nn.Linear(width_in, WIDTH), ACTIVATIONS[act]()]
        width_in = WIDTH
    layers.append(nn.Linear(WIDTH, 10))
    model = nn.Sequential(*layers).to(device)
    for module in model:
        if isinstance(module, nn.Linear):
            init_fn(module.weight, act)
            init.zeros_(module.bias)
    return model


# %% [markdown]
# ## 1. Gradients at initialization
#
# One forward and backward pass of the cross-entropy loss on a batch of 256 digits.
# Two gradients per hidden layer: the **backpropagated signal** `dL/dh` at the
# layer's output (kept with `retain_grad()`), which is what travels from the loss
# back to the input, and the **weight gradient** `dL/dW`, which is what the
# optimizer gets.

# %%
def gradient_stds(init_fn, act):
    tl.manual_seed(SEED)
    model = deep_mlp(init_fn, act)
    h, outputs = images[:256], []
    for module in model:
        h = module(h)
        if isinstance(module, nn.Linear):
            h.retain_grad()
            outputs.append(h)
    F.cross_entropy(h, labels[:256]).backward()
    linears = [m for m in model if isinstance(m, nn.Linear)][:DEPTH]
    signal = [out.grad.double().std().item() for out in outputs[:DEPTH]]
    weight = [m.weight.grad.double().std().item() for m in linears]
    return signal, weight


start = time.perf_counter()
grads = {(act, name): gradient_stds(fn, act)
         for act in ACTIVATIONS for name, fn in INITS.items()}
print(f"{len(grads)} backward passes in {time.perf_counter() - start:.1f} s")
print(f"{'activation':<10} {'init':<24} {'dL/dh: layer 1':>15} {'layer 20':>10} "
      f"{'dL/dW: layer 1':>15} {'layer 20':>10}")
for (act, name), (signal, weight) in grads.items():
    print(f"{act:<10} {name:<24} {signal[0]:>15.3g} {signal[-1]:>10.3g} "
          f"{weight[0]:>15.3g} {weight[-1]:>10.3g}")

# %%
fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
for column, act in enumerate(ACTIVATIONS):
    for row, (what, label) in enumerate((("signal", "std of dL/dh"),
                                         ("weight", "std of dL/dW"))):
        ax = axes[row, column]
        for name in INITS:
            values = grads[(act, name)][row]
            ax.plot(range(1, DEPTH + 1), values, marker=".", label=name)
        ax.set_yscale("log")
        ax.set_title(f"{act}: {label} per layer")
        ax.grid(True, which="major", alpha=0.3)
        ax.set_ylabel(label)
for ax in axes[1]:
    ax.set_xlabel("layer (1 = nearest the input)")
axes[0, 1].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Read the top row from the right (the loss) to the left (the input), as
# backpropagation does. Under **Kaiming/ReLU** the backpropagated gradient keeps its
# scale through all 20 layers; under the **too small** initialization it shrinks by
# orders of magnitude on the way back, and the **too large** one inflates it — the
# mechanism of notebook 03 run in reverse: each layer multiplies the gradient by
# `Wᵀ` (and the activation's slope).
#
# The bottom row is what the optimizer sees. A weight gradient is the product of
# the backpropagated signal and the layer's input activation; under the too-small
# initialization *both* have collapsed, so every layer's gradient is some 15
# orders of magnitude below Kaiming's: useless gradients, as the guide says.

# %%
def spread(stds):
    return max(stds) / min(stds)


for act in ACTIVATIONS:
    good = "Kaiming normal" if act == "relu" else "Xavier normal"
    signal, weight = grads[(act, good)]
    small_signal, small_weight = grads[(act, "too small: N(0, 0.01²)")]
    assert spread(signal) < 10, (act, signal)
    assert small_signal[0] < 1e-6 * small_signal[-1], (act, small_signal)
    assert max(small_weight) < 1e-6 * min(weight), (act, small_weight, weight)
    print(f"{act}: {good} keeps dL/dh within a factor {spread(signal):.2f} over {DEPTH} "
          f"layers; too small shrinks it {small_signal[-1] / small_signal[0]:.1e}x")

# %% [markdown]
# ## 2. Training curves
#
# The same ReLU network, trained for 300 steps of SGD with momentum (learning rate
# 0.01, batch 64) from each initialization. Same seed, so the same data order.

# %%
STEPS = 300


def train(init_fn, act="relu", steps=STEPS):
    tl.manual_seed(SEED)
    model = deep_mlp(init_fn, act)
    optimizer = tl.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True,
                        generator=tl.Generator().manual_seed(SEED))
    losses = []
    while len(losses) < steps:
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return losses


start = time.perf_counter()
curves = {name: train(fn) for name, fn in INITS.items()}
print(f"{len(curves)} runs of {STEPS} steps in {time.perf_counter() - start:.1f} s")

# %%
fig, ax = plt.subplots(figsize=(8, 4.5))
for name, losses in curves.items():
    finite = [v if v == v and v < 1e3 else float("nan") for v in losses]
    ax.plot(range(1, STEPS + 1), finite, label=name)
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("training loss (cross-entropy)")
ax.set_title(f"{DEPTH}-layer ReLU MLP on digits, SGD + momentum")
ax.grid(True, which="major", alpha=0.3)
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Conclusions, checked

# %%
def final(losses, last=20):
    tail = losses[-last:]
    return sum(tail) / len(tail)


kaiming_loss = final(curves["Kaiming normal"])
small_loss = final(curves["too small: N(0, 0.01²)"])
large_loss = final(curves["too large: N(0, 0.2²)"])
print(f"mean loss of the last 20 steps: Kaiming {kaiming_loss:.3f}, too small "
      f"{small_loss:.3f}, too large {large_loss:.3g}")
assert kaiming_loss < 0.5, kaiming_loss                 # it learns
assert small_loss > 2.0, small_loss                      # stuck near log(10) = 2.30
assert not large_loss < kaiming_loss                     # diverges or lags behind
assert kaiming_loss < small_loss / 4
