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
# # Tensor creation, dtypes and devices
#
# Neural networks start with tensors: some come from data, others are created by
# the program — weights, biases, masks, counters, labels, noise, buffers. Every
# creation function controls **shape**, **dtype**, **device** and **initial values**.
#
# tensorlite speaks PyTorch's vocabulary (`tl.tensor`, `tl.zeros`, `tl.randn`, …)
# on NumPy (`"cpu"`), CuPy (`"cuda"`) and a shape-only `"meta"` device.

# %%
import tensorlite as tl

x = tl.tensor([1.0, 2.0, 3.0])
print(x)
print(x.shape)
print(x.dtype)

# %% [markdown]
# A nested list makes a higher-rank tensor. The dtype is inferred as in PyTorch
# (floats → `float32`, ints → `int64`, bools → `bool`) unless given explicitly.

# %%
A = tl.tensor([
    [1.0, 2.0, 3.0],
    [4.0, 5.0, 6.0],
])
print(A.shape)

labels = tl.tensor([0, 1, 2], dtype=tl.long)   # class labels: 64-bit integers
scores = tl.tensor([0.2, 0.7, 0.1], dtype=tl.float32)
print(labels.dtype, scores.dtype, tl.tensor([True, False]).dtype)

# %% [markdown]
# ## Fixed shapes
#
# `zeros` and `ones` fill; `empty` only allocates — its values are whatever was in
# memory, so overwrite every element before reading it.

# %%
x = tl.zeros(3, 4)
y = tl.ones(3, 4)
z = tl.empty(3, 4).fill_(0.5)   # empty + overwrite

bias = tl.zeros(64)
scale = tl.ones(64)
mask = tl.full((8, 8), float("-inf"))
positions = tl.arange(0, 128)
grid = tl.linspace(-1.0, 1.0, steps=100)
I = tl.eye(4)

for name, t in [("bias", bias), ("scale", scale), ("mask", mask),
                ("positions", positions), ("grid", grid), ("I", I)]:
    print(f"{name:>9}  shape={tuple(t.shape)!s:<8} dtype={t.dtype}")
print(I)

# %% [markdown]
# ## Shape-like creation
#
# `*_like` functions copy shape, dtype **and device** from a reference tensor, which
# is what makes code device-agnostic:

# %%
device = "cuda" if tl.cuda.is_available() else "cpu"
x = tl.randn(32, 64, device=device, dtype=tl.float16)

a = tl.zeros_like(x)
b = tl.ones_like(x)
c = tl.empty_like(x)
r = tl.randn_like(x)
for t in (a, b, c, r):
    assert (t.shape, t.dtype, t.device) == (x.shape, x.dtype, x.device)


def add_noise(x, std):
    noise = tl.randn_like(x) * std
    return x + noise


noisy = add_noise(tl.zeros(10_000, device=device), 0.1)
print(device, noisy.device, f"noise std = {noisy.std().item():.4f}")

# %% [markdown]
# ## Devices
#
# Tensors are created on the CPU unless asked otherwise. Choose the device once:

# %%
print(tl.randn(3, 4).device)
device = "cuda" if tl.cuda.is_available() else "cpu"
x = tl.randn(32, 128, device=device)
print("working on", x.device)

# %% [markdown]
# All tensors in one operation must live on the same device. On a GPU machine
# `cuda + cpu` fails; on a CPU-only machine the `meta` device — tensors with a shape
# and a dtype but no data — shows the same rule:

# %%
other = "cuda" if tl.cuda.is_available() else "meta"
x = tl.randn(3, device=other)
y = tl.randn(3, device="cpu")
try:
    x + y
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# Python scalars never count as a device, and explicit moves fix a mismatch:

# %%
print((y * 2.0).device)
print((x + y.to(other)).device)
big = tl.empty(50_000, 768, device="meta")   # no memory used
print(big.shape, big.dtype, big.device)

# %% [markdown]
# ## Data types
#
# | dtype | use |
# |---|---|
# | `tl.float32` | default training and inference |
# | `tl.float16` | mixed precision on GPUs |
# | `tl.bfloat16` | large-model training |
# | `tl.float64` | high-precision scientific computing |
# | `tl.long` | class labels, token ids |
# | `tl.bool` | masks |

# %%
x = tl.randn(3, 4, dtype=tl.float32)
y = tl.randn(3, 4, dtype=tl.float16)
z = tl.tensor([1, 2, 3], dtype=tl.long)
m = tl.arange(6) % 2 == 0
for t in (x, y, z, m):
    print(f"{str(t.dtype):<20} {t.element_size()} byte(s) per element")
print("float16 + bfloat16 ->", (tl.ones(1, dtype=tl.float16) + tl.ones(1, dtype=tl.bfloat16)).dtype)
print("int tensor * 0.5   ->", (z * 0.5).dtype)
