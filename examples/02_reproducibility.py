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
# # One seed, one tensor — on every device
#
# `tl.manual_seed(s)` makes random results repeatable, as in PyTorch. tensorlite
# goes one step further: every random value comes from one counter-based stream
# (Philox4x32-10, the generator cuRAND uses), defined element by element. So
#
# * the same seed gives the **same tensor on the CPU and on every GPU**;
# * generating a tensor **in chunks** gives exactly the tensor generated at once.

# %%
import numpy as np
import tensorlite as tl
import tensorlite.testing

tl.manual_seed(42)
x1 = tl.randn(3)
x2 = tl.randn(3)

tl.manual_seed(42)
assert (tl.randn(3) == x1).all() and (tl.randn(3) == x2).all()
print(x1, x2)

# %% [markdown]
# The settings PyTorch scripts use for reproducibility are accepted as they are
# (tensorlite's random output is deterministic by construction either way):

# %%
tl.manual_seed(42)
tl.cuda.manual_seed_all(42)     # no-op without a GPU, as in PyTorch
tl.backends.cudnn.deterministic = True
tl.backends.cudnn.benchmark = False


# %% [markdown]
# ## CPU and GPU agree
#
# Seed, draw on the CPU; seed again, draw on the GPU; compare with
# `tl.testing.assert_close(..., check_device=False)` (which copies both to the host).
# `rand`, `randint`, `bernoulli`, `randperm` and `multinomial` match bit for bit;
# `randn` matches within the default float32 tolerance, because `log`, `sin` and
# `cos` differ in the last bit between the CPU's libm and CUDA.
#
# On a machine without a GPU the next cell shows the CPU side and says what the GPU
# would give.

# %%
def draw(device):
    tl.manual_seed(0)
    return {
        "rand": tl.rand(4, 4, device=device),
        "randn": tl.randn(4, 4, device=device),
        "randint": tl.randint(0, 1000, (8,), device=device),
        "bernoulli": tl.bernoulli(tl.full((8,), 0.5, device=device)),
    }


cpu = draw("cpu")
print("cpu randn:\n", cpu["randn"], sep="")
if tl.cuda.is_available():
    gpu = draw("cuda")
    for name in cpu:
        exact = {} if name == "randn" else {"rtol": 0, "atol": 0}
        tl.testing.assert_close(gpu[name], cpu[name], check_device=False, **exact)
    print("cuda == cpu: rand, randint, bernoulli bit for bit; randn within float32 tolerance")
else:
    print("No GPU here. On a GPU, draw('cuda') returns these same tensors: "
          "rand, randint and bernoulli bit for bit, randn within float32 tolerance "
          "(tl.testing.assert_close(gpu, cpu, check_device=False) passes).")

# %% [markdown]
# ## The stream contract
#
# A generator's whole state is `(seed, offset)`. Word `j` of the stream is
# `Philox4x32-10(counter=j // 4, key=seed)[j % 4]`. A call that needs `K` words uses
# words `offset … offset+K-1` and then advances the offset by `4·ceil(K/4)` (whole
# Philox blocks). `rand` in float32 uses one word per element.

# %%
g = tl.Generator().manual_seed(1234)
print(g.offset)
tl.rand(3, generator=g)        # 3 words -> offset advances by 4
print(g.offset)
tl.rand(1000, generator=g)     # 1000 words
print(g.offset)

# %% [markdown]
# ## Chunked generation equals whole generation
#
# `rand(1000)` at once, versus `rand(500)` twice: the first call leaves the offset at
# 500, exactly where element 500 of the whole tensor starts.

# %%
seed = 2024
g = tl.Generator().manual_seed(seed)
whole = tl.rand(1000, generator=g)

g.manual_seed(seed)
first = tl.rand(500, generator=g)
print("offset after the first chunk:", g.offset)
second = tl.rand(500, generator=g)

tl.testing.assert_close(tl.cat([first, second]), whole, rtol=0, atol=0)
print("rand: two chunks == whole, bit for bit")

# %% [markdown]
# Chunks whose sizes are not multiples of 4 leave a gap (each call rounds up to a
# whole block), so the second chunk no longer lines up — a negative control:

# %%
g.manual_seed(seed)
a = tl.rand(3, generator=g)      # offset -> 4, not 3
b = tl.rand(997, generator=g)
print("equal?", bool((tl.cat([a, b]) == whole).all()), "| first 3 equal?",
      bool((a == whole[:3]).all()))


# %% [markdown]
# ### Any slice, from its own offset
#
# Element `i` of a float32 `rand` uses word `i`, so any slice starting at a multiple
# of 4 can be generated on its own by starting the stream at that word. The state
# (`get_state`/`set_state`) is the seed and the offset, as two little-endian 64-bit
# integers. This is what makes sharded generation (each worker its own slice) exact.

# %%
def generator_at(seed, offset):
    """A generator positioned at word `offset` of `seed`'s stream."""
    state = np.array([seed, offset], dtype="<u8").view(np.uint8)
    g = tl.Generator()
    g.set_state(tl.from_numpy(state.copy()))
    return g


for start, stop in [(0, 1000), (200, 700), (996, 1000), (512, 513)]:
    part = tl.rand(stop - start, generator=generator_at(seed, start))
    tl.testing.assert_close(part, whole[start:stop], rtol=0, atol=0)
    print(f"rand slice [{start}:{stop}] generated alone == whole[{start}:{stop}]")

# %% [markdown]
# `randn` uses words in pairs (Box–Muller: elements `2p, 2p+1` from words `2p, 2p+1`),
# so in float32 element `i` also sits at word `i`, and chunking works the same way.
# `randn` in float64 uses four words per pair.

# %%
g.manual_seed(seed)
whole_n = tl.randn(1000, generator=g)
g.manual_seed(seed)
chunks = [tl.randn(n, generator=g) for n in (200, 300, 500)]
tl.testing.assert_close(tl.cat(chunks), whole_n)
part = tl.randn(100, generator=generator_at(seed, 400))
tl.testing.assert_close(part, whole_n[400:500])
print("randn: chunks == whole; slice [400:500] generated alone == whole[400:500]")

# %% [markdown]
# Device, chunking and launch configuration never enter the stream: only the seed,
# the offset and the element index do. That is the whole promise.
