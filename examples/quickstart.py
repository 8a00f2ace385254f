"""tensorlite in five minutes: creation, dtypes, devices, random numbers, initialization.

The story of the user's guide ("Tensor Creation and Initialization") in runnable
form, with ``torch`` replaced by ``tensorlite``. It runs on a CPU-only machine
(devices: ``cpu`` and the shape-only ``meta``) and, unchanged, on a GPU one.

    python examples/quickstart.py
"""

from __future__ import annotations

import tensorlite as tl
import tensorlite.nn as nn
import tensorlite.testing  # noqa: F401 - tl.testing.assert_close


def section(title):
    print(f"\n=== {title} " + "=" * max(0, 60 - len(title)))


# ---- 1. From Python data -----------------------------------------------------------------
section("Creating tensors from Python data")
x = tl.tensor([1.0, 2.0, 3.0])
print(x)
print(x.shape)
print(x.dtype)

A = tl.tensor([
    [1.0, 2.0, 3.0],
    [4.0, 5.0, 6.0],
])
print("A.shape:", A.shape)
labels = tl.tensor([0, 1, 2], dtype=tl.long)
scores = tl.tensor([0.2, 0.7, 0.1], dtype=tl.float32)
print("labels:", labels, labels.dtype, "| scores:", scores, scores.dtype)

# ---- 2. Fixed shapes ---------------------------------------------------------------------
section("Creating tensors with a fixed shape")
print("zeros(3, 4):\n", tl.zeros(3, 4), sep="")
print("ones(3, 4).sum():", tl.ones(3, 4).sum())
z = tl.empty(3, 4)
z.fill_(7.0)  # empty() gives arbitrary values: overwrite every element before reading
print("empty(3, 4) after fill_(7):", z[0])
bias = tl.zeros(64)
scale = tl.ones(64)
mask = tl.full((8, 8), float("-inf"))
positions = tl.arange(0, 128)
grid = tl.linspace(-1.0, 1.0, steps=100)
I = tl.eye(4)
for name, t in [("bias", bias), ("scale", scale), ("mask", mask), ("positions", positions),
                ("grid", grid), ("I", I)]:
    print(f"{name:>9}: shape {tuple(t.shape)!s:<8} dtype {t.dtype}")
print("grid[:3]:", grid[:3], "| positions[-3:]:", positions[-3:])

# ---- 3. Devices --------------------------------------------------------------------------
section("Devices")
device = "cuda" if tl.cuda.is_available() else "cpu"
print("chosen device:", device)
x = tl.randn(32, 128, device=device)
print("x.device:", x.device)
print("by default tensors are created on:", tl.randn(3, 4).device)

# "meta" tensors have a shape and a dtype and no data: a stand-in for a second device
# that costs nothing, so the mismatch rule can be shown on any machine.
other = "cuda" if tl.cuda.is_available() else "meta"
a = tl.randn(3, device=other)
b = tl.randn(3, device="cpu")
try:
    a + b
except RuntimeError as err:
    print(f"{other} + cpu ->", type(err).__name__ + ":", err)
fixed = a.to("cpu") + b if other == "cuda" else a + b.to("meta")
print("after an explicit .to(...) it works; the result is on", fixed.device)

# ---- 4. Dtypes ---------------------------------------------------------------------------
section("Data types during creation")
for dt in (tl.float32, tl.float16, tl.bfloat16, tl.float64):
    t = tl.randn(3, 4, dtype=dt)
    print(f"randn(3, 4, dtype={dt}) -> {t.dtype}, {t.element_size()} bytes/element")
print("tensor([1, 2, 3], dtype=tl.long):", tl.tensor([1, 2, 3], dtype=tl.long).dtype)
print("a mask:", (tl.arange(5) % 2 == 0), (tl.arange(5) % 2 == 0).dtype)

# ---- 5. Random tensors and shape-like creation ------------------------------------------
section("Random tensors and *_like")
tl.manual_seed(0)
u = tl.rand(3, 4)
n = tl.randn(3, 4)
ids = tl.randint(0, 1000, (32,))
keep = tl.bernoulli(tl.full((10,), 0.8))
draws = tl.multinomial(tl.tensor([0.1, 0.2, 0.7]), 5, replacement=True)
print(f"rand in [{u.min().item():.3f}, {u.max().item():.3f}]; randn mean {n.mean().item():+.3f}")
print("randint(0, 1000, (32,))[:8]:", ids[:8])
print("bernoulli(0.8):", keep)
print("multinomial([.1, .2, .7], 5):", draws)

x = tl.randn(32, 64, device=device, dtype=tl.float16)
like = [tl.zeros_like(x), tl.ones_like(x), tl.empty_like(x), tl.randn_like(x)]
print("*_like keep shape, dtype and device:",
      all(t.shape == x.shape and t.dtype == x.dtype and t.device == x.device for t in like))


def add_noise(x, std):
    noise = tl.randn_like(x) * std
    return x + noise


clean = tl.zeros(10_000, device=device)
noisy = add_noise(clean, 0.1)
print(f"add_noise(zeros, 0.1): device {noisy.device}, std {noisy.std().item():.4f}")

# ---- 6. Reproducibility ------------------------------------------------------------------
section("Reproducibility and random seeds")
tl.manual_seed(42)
x1 = tl.randn(3)
x2 = tl.randn(3)
tl.manual_seed(42)
assert (tl.randn(3) == x1).all() and (tl.randn(3) == x2).all()
print("manual_seed(42): x1 =", x1, "| x2 =", x2, "| same again after reseeding: True")

tl.manual_seed(42)
tl.cuda.manual_seed_all(42)  # does nothing (and raises nothing) without a GPU
tl.backends.cudnn.deterministic = True
tl.backends.cudnn.benchmark = False
# The promise beyond PyTorch: the same seed gives the same tensor on every device.
tl.manual_seed(7)
here = tl.rand(5, device=device)
tl.manual_seed(7)
on_cpu = tl.rand(5)
tl.testing.assert_close(here, on_cpu, rtol=0, atol=0, check_device=False)
if device == "cuda":
    print("manual_seed(7); rand(5) on cuda == on cpu, bit for bit:", on_cpu)
else:
    print("manual_seed(7); rand(5) on cpu:", on_cpu)
    print("(no GPU here: on a GPU, tl.rand(5, device='cuda') after tl.manual_seed(7) "
          "gives exactly these values, bit for bit)")

# ---- 7. Parameters and initialization ----------------------------------------------------
section("Parameter initialization")
layer = nn.Linear(128, 64)
print(layer)
print("weight:", layer.weight.shape, "| bias:", layer.bias.shape)
nn.init.zeros_(layer.bias)
nn.init.normal_(layer.weight, mean=0.0, std=0.02)
print(f"normal_(std=0.02): weight std {layer.weight.std().item():.4f}")
nn.init.xavier_uniform_(layer.weight)
bound = (6 / (128 + 64)) ** 0.5
print(f"xavier_uniform_: |w| <= {layer.weight.abs().max().item():.4f} "
      f"(bound sqrt(6/(fan_in+fan_out)) = {bound:.4f})")
nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
print(f"kaiming_normal_(relu): std {layer.weight.std().item():.4f} "
      f"(expected sqrt(2/fan_in) = {(2 / 128) ** 0.5:.4f})")


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
print(model)
out = model(tl.randn(4, 128))
print("model(randn(4, 128)).shape:", out.shape)

layer = nn.Linear(128, 64)
try:
    layer.weight.normal_(0.0, 0.02)
except RuntimeError as err:
    print("in-place change of a parameter outside no_grad ->", err)
with tl.no_grad():
    layer.weight.normal_(0.0, 0.02)
    layer.bias.zero_()
print(f"inside no_grad: weight std {layer.weight.std().item():.4f}, "
      f"bias all zero: {bool((layer.bias == 0).all())}")

print("\nquickstart finished")
