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
# One forward and backward pass of the cross-entropy loss on a batch of 256 digits;
# then the standard deviation of each hidden layer's weight gradient.

# %%
def gradient_stds(init_fn, act):
    tl.manual_seed(SEED)
    model = deep_mlp(init_fn, act)
    loss = F.cross_entropy(model(images[:256]), labels[:256])
    loss.backward()
    linears = [m for m in model if isinstance(m, nn.Linear)][:DEPTH]
    return [m.weight.grad.double().std().item() for m in linears]


start = time.perf_counter()
grad_stds = {(act, name): gradient_stds(fn, act)
             for act in ACTIVATIONS for name, fn in INITS.items()}
print(f"{len(grad_stds)} backward passes in {time.perf_counter() - start:.1f} s")
print(f"{'activation':<10} {'init':<24} {'layer 1':>10} {'layer 10':>10} {'layer 20':>10}")
for (act, name), stds in grad_stds.items():
    print(f"{act:<10} {name:<24} {stds[0]:>10.3g} {stds[9]:>10.3g} {stds[-1]:>10.3g}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
for ax, act in zip(axes, ACTIVATIONS):
    for name in INITS:
        ax.plot(range(1, DEPTH + 1), grad_stds[(act, name)], marker=".", label=name)
    ax.set_yscale("log")
    ax.set_title(f"{act}: std of the weight gradient per layer")
    ax.set_xlabel("layer (1 = nearest the input)")
    ax.grid(True, which="major", alpha=0.3)
axes[0].set_ylabel("std of dL/dW")
axes[1].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Read from the right (the loss) to the left (the input), as backpropagation does.
# Under **Kaiming/ReLU** the gradient keeps its scale through all 20 layers; under
# the **too small** initialization it shrinks by orders of magnitude on the way
# back — the first layers receive almost nothing to learn from — and the **too
# large** one inflates it. The same mechanism as the activations of notebook 03,
# run in reverse: each layer multiplies the gradient by `Wᵀ` (and the activation's
# slope).

# %%
def spread(stds):
    return max(stds) / min(stds)


kaiming_relu = grad_stds[("relu", "Kaiming normal")]
small_relu = grad_stds[("relu", "too small: N(0, 0.01²)")]
small_tanh = grad_stds[("tanh", "too small: N(0, 0.01²)")]
assert spread(kaiming_relu) < 10, kaiming_relu
assert small_relu[0] < 1e-6 * small_relu[-1], (small_relu[0], small_relu[-1])
assert small_tanh[0] < 1e-6 * small_tanh[-1], (small_tanh[0], small_tanh[-1])
assert spread(grad_stds[("tanh", "Xavier normal")]) < 10
print(f"Kaiming/ReLU: gradient std within a factor {spread(kaiming_relu):.2f} over "
      f"{DEPTH} layers")
print(f"too small/ReLU: layer 1 gets {small_relu[0] / small_relu[-1]:.1e} of layer "
      f"{DEPTH}'s gradient")

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
