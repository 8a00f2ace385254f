"""Write the example notebooks (``examples/*.ipynb``) from the cell sources below.

The notebooks are generated so that their sources stay reviewable as Python, and
are committed without outputs. After editing a cell here, run

    python examples/make_notebooks.py

``tests/test_notebooks.py`` executes every notebook top to bottom and checks that
the committed files are what this script writes.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text):
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text):
    return new_code_cell(textwrap.dedent(text).strip())


# ---- 01: creation, dtypes, devices -------------------------------------------------------
CREATION = [
    md("""
    # Tensor creation, dtypes and devices

    Neural networks start with tensors: some come from data, others are created by
    the program — weights, biases, masks, counters, labels, noise, buffers. Every
    creation function controls **shape**, **dtype**, **device** and **initial values**.

    tensorlite speaks PyTorch's vocabulary (`tl.tensor`, `tl.zeros`, `tl.randn`, …)
    on NumPy (`"cpu"`), CuPy (`"cuda"`) and a shape-only `"meta"` device.
    """),
    code("""
    import tensorlite as tl

    x = tl.tensor([1.0, 2.0, 3.0])
    print(x)
    print(x.shape)
    print(x.dtype)
    """),
    md("""
    A nested list makes a higher-rank tensor. The dtype is inferred as in PyTorch
    (floats → `float32`, ints → `int64`, bools → `bool`) unless given explicitly.
    """),
    code("""
    A = tl.tensor([
        [1.0, 2.0, 3.0],
        [4.0, 5.0, 6.0],
    ])
    print(A.shape)

    labels = tl.tensor([0, 1, 2], dtype=tl.long)   # class labels: 64-bit integers
    scores = tl.tensor([0.2, 0.7, 0.1], dtype=tl.float32)
    print(labels.dtype, scores.dtype, tl.tensor([True, False]).dtype)
    """),
    md("""
    ## Fixed shapes

    `zeros` and `ones` fill; `empty` only allocates — its values are whatever was in
    memory, so overwrite every element before reading it.
    """),
    code("""
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
    """),
    md("""
    ## Shape-like creation

    `*_like` functions copy shape, dtype **and device** from a reference tensor, which
    is what makes code device-agnostic:
    """),
    code("""
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
    """),
    md("""
    ## Devices

    Tensors are created on the CPU unless asked otherwise. Choose the device once:
    """),
    code("""
    print(tl.randn(3, 4).device)
    device = "cuda" if tl.cuda.is_available() else "cpu"
    x = tl.randn(32, 128, device=device)
    print("working on", x.device)
    """),
    md("""
    All tensors in one operation must live on the same device. On a GPU machine
    `cuda + cpu` fails; on a CPU-only machine the `meta` device — tensors with a shape
    and a dtype but no data — shows the same rule:
    """),
    code("""
    other = "cuda" if tl.cuda.is_available() else "meta"
    x = tl.randn(3, device=other)
    y = tl.randn(3, device="cpu")
    try:
        x + y
    except RuntimeError as err:
        print("RuntimeError:", err)
    """),
    md("Python scalars never count as a device, and explicit moves fix a mismatch:"),
    code("""
    print((y * 2.0).device)
    print((x + y.to(other)).device)
    big = tl.empty(50_000, 768, device="meta")   # no memory used
    print(big.shape, big.dtype, big.device)
    """),
    md("""
    ## Data types

    | dtype | use |
    |---|---|
    | `tl.float32` | default training and inference |
    | `tl.float16` | mixed precision on GPUs |
    | `tl.bfloat16` | large-model training |
    | `tl.float64` | high-precision scientific computing |
    | `tl.long` | class labels, token ids |
    | `tl.bool` | masks |
    """),
    code("""
    x = tl.randn(3, 4, dtype=tl.float32)
    y = tl.randn(3, 4, dtype=tl.float16)
    z = tl.tensor([1, 2, 3], dtype=tl.long)
    m = tl.arange(6) % 2 == 0
    for t in (x, y, z, m):
        print(f"{str(t.dtype):<20} {t.element_size()} byte(s) per element")
    print("float16 + bfloat16 ->", (tl.ones(1, dtype=tl.float16) + tl.ones(1, dtype=tl.bfloat16)).dtype)
    print("int tensor * 0.5   ->", (z * 0.5).dtype)
    """),
]

# ---- 02: reproducibility -----------------------------------------------------------------
REPRODUCIBILITY = [
    md("""
    # One seed, one tensor — on every device

    `tl.manual_seed(s)` makes random results repeatable, as in PyTorch. tensorlite
    goes one step further: every random value comes from one counter-based stream
    (Philox4x32-10, the generator cuRAND uses), defined element by element. So

    * the same seed gives the **same tensor on the CPU and on every GPU**;
    * generating a tensor **in chunks** gives exactly the tensor generated at once.
    """),
    code("""
    import numpy as np
    import tensorlite as tl
    import tensorlite.testing

    tl.manual_seed(42)
    x1 = tl.randn(3)
    x2 = tl.randn(3)

    tl.manual_seed(42)
    assert (tl.randn(3) == x1).all() and (tl.randn(3) == x2).all()
    print(x1, x2)
    """),
    md("""
    The settings PyTorch scripts use for reproducibility are accepted as they are
    (tensorlite's random output is deterministic by construction either way):
    """),
    code("""
    tl.manual_seed(42)
    tl.cuda.manual_seed_all(42)     # no-op without a GPU, as in PyTorch
    tl.backends.cudnn.deterministic = True
    tl.backends.cudnn.benchmark = False
    """),
    md("""
    ## CPU and GPU agree

    Seed, draw on the CPU; seed again, draw on the GPU; compare with
    `tl.testing.assert_close(..., check_device=False)` (which copies both to the host).
    `rand`, `randint`, `bernoulli`, `randperm` and `multinomial` match bit for bit;
    `randn` matches within the default float32 tolerance, because `log`, `sin` and
    `cos` differ in the last bit between the CPU's libm and CUDA.

    On a machine without a GPU the next cell shows the CPU side and says what the GPU
    would give.
    """),
    code("""
    def draw(device):
        tl.manual_seed(0)
        return {
            "rand": tl.rand(4, 4, device=device),
            "randn": tl.randn(4, 4, device=device),
            "randint": tl.randint(0, 1000, (8,), device=device),
            "bernoulli": tl.bernoulli(tl.full((8,), 0.5, device=device)),
        }


    cpu = draw("cpu")
    print("cpu randn:\\n", cpu["randn"], sep="")
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
    """),
    md("""
    ## The stream contract

    A generator's whole state is `(seed, offset)`. Word `j` of the stream is
    `Philox4x32-10(counter=j // 4, key=seed)[j % 4]`. A call that needs `K` words uses
    words `offset … offset+K-1` and then advances the offset by `4·ceil(K/4)` (whole
    Philox blocks). `rand` in float32 uses one word per element.
    """),
    code("""
    g = tl.Generator().manual_seed(1234)
    print(g.offset)
    tl.rand(3, generator=g)        # 3 words -> offset advances by 4
    print(g.offset)
    tl.rand(1000, generator=g)     # 1000 words
    print(g.offset)
    """),
    md("""
    ## Chunked generation equals whole generation

    `rand(1000)` at once, versus `rand(500)` twice: the first call leaves the offset at
    500, exactly where element 500 of the whole tensor starts.
    """),
    code("""
    seed = 2024
    g = tl.Generator().manual_seed(seed)
    whole = tl.rand(1000, generator=g)

    g.manual_seed(seed)
    first = tl.rand(500, generator=g)
    print("offset after the first chunk:", g.offset)
    second = tl.rand(500, generator=g)

    tl.testing.assert_close(tl.cat([first, second]), whole, rtol=0, atol=0)
    print("rand: two chunks == whole, bit for bit")
    """),
    md("""
    Chunks whose sizes are not multiples of 4 leave a gap (each call rounds up to a
    whole block), so the second chunk no longer lines up — a negative control:
    """),
    code("""
    g.manual_seed(seed)
    a = tl.rand(3, generator=g)      # offset -> 4, not 3
    b = tl.rand(997, generator=g)
    print("equal?", bool((tl.cat([a, b]) == whole).all()), "| first 3 equal?",
          bool((a == whole[:3]).all()))
    """),
    md("""
    ### Any slice, from its own offset

    Element `i` of a float32 `rand` uses word `i`, so any slice starting at a multiple
    of 4 can be generated on its own by starting the stream at that word. The state
    (`get_state`/`set_state`) is the seed and the offset, as two little-endian 64-bit
    integers. This is what makes sharded generation (each worker its own slice) exact.
    """),
    code("""
    def generator_at(seed, offset):
        \"\"\"A generator positioned at word `offset` of `seed`'s stream.\"\"\"
        state = np.array([seed, offset], dtype="<u8").view(np.uint8)
        g = tl.Generator()
        g.set_state(tl.from_numpy(state.copy()))
        return g


    for start, stop in [(0, 1000), (200, 700), (996, 1000), (512, 513)]:
        part = tl.rand(stop - start, generator=generator_at(seed, start))
        tl.testing.assert_close(part, whole[start:stop], rtol=0, atol=0)
        print(f"rand slice [{start}:{stop}] generated alone == whole[{start}:{stop}]")
    """),
    md("""
    `randn` uses words in pairs (Box–Muller: elements `2p, 2p+1` from words `2p, 2p+1`),
    so in float32 element `i` also sits at word `i`, and chunking works the same way.
    `randn` in float64 uses four words per pair.
    """),
    code("""
    g.manual_seed(seed)
    whole_n = tl.randn(1000, generator=g)
    g.manual_seed(seed)
    chunks = [tl.randn(n, generator=g) for n in (200, 300, 500)]
    tl.testing.assert_close(tl.cat(chunks), whole_n)
    part = tl.randn(100, generator=generator_at(seed, 400))
    tl.testing.assert_close(part, whole_n[400:500])
    print("randn: chunks == whole; slice [400:500] generated alone == whole[400:500]")
    """),
    md("""
    Device, chunking and launch configuration never enter the stream: only the seed,
    the offset and the element index do. That is the whole promise.
    """),
]

# ---- 03: why initialization matters ------------------------------------------------------
INITIALIZATION = [
    md("""
    # Why initialization matters

    Each layer multiplies the signal by a weight matrix. If the weights are too small
    the activations shrink layer after layer; if they are too large they explode — and
    the effect compounds with depth. A good initialization keeps the **variance of the
    activations stable** from layer to layer.

    Experiment: push a batch of 256 random inputs through a 50-layer MLP of width 1024
    (`h ← act(h @ W.T)`, no biases) and record the standard deviation of the
    activations after every layer, for tanh and ReLU, under four initializations:

    | init | weights |
    |---|---|
    | too small | `normal_(std=0.01)` |
    | too large | `normal_(std=0.2)` |
    | Xavier | `xavier_uniform_`: `U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))` |
    | Kaiming | `kaiming_normal_(nonlinearity=act)`: `N(0, gain² / fan_in)` |
    """),
    code("""
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
        \"\"\"Std of the activations after each of DEPTH layers (computed in float64,
        since exploding float32 activations would overflow a float32 sum of squares).\"\"\"
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
    """),
    code("""
    print(f"{'activation':<10} {'init':<24} {'layer 1':>10} {'layer 25':>10} {'layer 50':>10}")
    for (act, name), stds in results.items():
        print(f"{act:<10} {name:<24} {stds[0]:>10.3g} {stds[24]:>10.3g} {stds[-1]:>10.3g}")
    """),
    code("""
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
    """),
    md("""
    ## What the numbers say (checked, not eyeballed)

    * **Kaiming with ReLU** keeps the scale: every layer's std stays within a factor 2
      of the first layer's, across all 50 layers. Its `sqrt(2 / fan_in)` compensates
      for ReLU zeroing half of the signal.
    * **Too small** collapses: by layer 50 the signal is more than 1000× smaller
      (each layer multiplies the std by about `0.01·sqrt(1024)·sqrt(1/2) ≈ 0.23`).
    * **Too large** explodes with ReLU (about `×4.5` per layer) and, with tanh,
      saturates: almost every unit sits at ±1, where tanh's gradient is zero.
    * **Xavier** (gain 1) suits tanh — the signal decays only slowly — but with ReLU it
      loses a factor `sqrt(2)` per layer, so it also collapses over 50 layers.
    """),
    code("""
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
    """),
    md("With tanh, \"too large\" does not explode — it saturates:"),
    code("""
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
    """),
    md("""
    Initialization is part of the model's design: it interacts with the activation
    function, normalization, residual connections, depth and learning rate. Defaults:
    Kaiming for ReLU layers, Xavier for tanh/sigmoid layers, zeros for biases, ones for
    normalization scales, a small normal for embeddings.
    """),
]


# ---- 05: scale out on Dask ----------------------------------------------------------------
DASK = [
    md("""
    # Scale out on Dask: the same random array for every chunking

    When an array no longer fits one process, NumPy/CuPy users reach for Dask. Dask's own
    random arrays depend on the chunking (dask issue 1684) — rechunk, and the "same" seed
    gives other numbers. `tl.dask` computes every element from its position in the whole
    array (the counter-based stream of tensorlite), so the values are the same for every
    chunking, scheduler and cluster size, and equal to the eager `tl.randn`, bit for bit.

    Needs `pip install 'tensorlite[dask]'`.
    """),
    code("""
    import numpy as np
    import dask
    import dask.array as da
    import tensorlite as tl

    def draw(chunks):
        g = tl.Generator().manual_seed(2024)
        return tl.dask.randn(1_000, 777, chunks=chunks, generator=g)

    rows, columns, ragged = draw((100, 777)), draw((1_000, 100)), draw(((1, 999), (700, 77)))
    eager = tl.randn(1_000, 777, generator=tl.Generator().manual_seed(2024)).numpy()
    for name, x in [("row blocks", rows), ("column blocks", columns), ("ragged blocks", ragged)]:
        print(f"{name:14} {x.numblocks} blocks  identical to eager: "
              f"{np.array_equal(x.compute(), eager)}")
    """),
    md("""
    ## One stream: the generator advances at call time

    A `tl.dask` call reserves exactly the words the eager call would, before anything is
    computed, so eager and Dask calls interleave in one stream.
    """),
    code("""
    g = tl.Generator().manual_seed(7)
    lazy = tl.dask.rand(3, 5, chunks=2, generator=g)
    print("offset after tl.dask.rand(3, 5):", g.offset)
    after = tl.rand(4, generator=g)          # continues the stream
    h = tl.Generator().manual_seed(7)
    print(np.array_equal(lazy.compute(), tl.rand(3, 5, generator=h).numpy()),
          np.array_equal(after.numpy(), tl.rand(4, generator=h).numpy()))
    """),
    md("""
    ## A cluster gives the same array

    Tasks carry only their block's bounds, the seed, the offset and the parameters (no
    arrays), so they ship to worker processes in a few hundred bytes.
    """),
    code("""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        on_cluster = client.compute(columns).result()
    print("LocalCluster result identical to eager:", np.array_equal(on_cluster, eager))
    """),
    md("""
    ## Compare: `dask.array.random` changes with the chunking
    """),
    code("""
    def theirs(chunks):
        return da.random.default_rng(2024).standard_normal((1_000, 777), chunks=chunks).compute()

    print("dask.array.random, row vs column blocks identical:",
          np.array_equal(theirs((100, 777)), theirs((1_000, 100))))
    """),
    md("""
    ## A reduction larger than memory, in bounded memory

    `tl.dask.randn(120_000, 50_000).mean()` is 24 GB of float32: more than many machines
    have, and computed block by block. Executing that here takes minutes (the notebook
    runs in the test suite), so the cell below uses `ROWS = 2_000` (0.4 GB) by default;
    set `ROWS = 120_000` for the full 24 GB, which runs the same way. The peak memory the
    process reached is printed next to the array's size.
    """),
    code("""
    import resource
    from dask.diagnostics import ProgressBar

    ROWS, COLUMNS = 2_000, 50_000          # ROWS = 120_000: the full 24 GB
    x = tl.dask.randn(ROWS, COLUMNS, chunks=(500, COLUMNS), generator=tl.Generator().manual_seed(0))
    print(f"array: {x.nbytes / 1e9:.1f} GB in {x.numblocks[0]} blocks")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    with ProgressBar(), dask.config.set(scheduler="threads", num_workers=2):
        mean = float(x.mean(dtype="float64").compute())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"mean = {mean:+.6f} (expected 0 ± {3 / np.sqrt(x.size):.1e})")
    print(f"peak process memory {peak:.2f} GB (it was {before:.2f} GB before)")
    assert abs(mean) < 3 / np.sqrt(x.size)
    """),
]

NOTEBOOKS = {
    "01_creation_dtypes_devices.ipynb": CREATION,
    "02_reproducibility.ipynb": REPRODUCIBILITY,
    "03_why_initialization_matters.ipynb": INITIALIZATION,
    "05_scale_out_with_dask.ipynb": DASK,
}


def build(cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing
        cell["id"] = f"cell-{i:02d}"
    return nb


def render(cells):
    return nbformat.writes(build(cells)) + "\n"


def main(out_dir=HERE):
    out_dir = Path(out_dir)
    for name, cells in NOTEBOOKS.items():
        (out_dir / name).write_text(render(cells), encoding="utf-8")
        print("wrote", out_dir / name)


if __name__ == "__main__":
    main(*sys.argv[1:])
