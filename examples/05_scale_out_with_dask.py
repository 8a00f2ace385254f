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
# # Scale out on Dask: the same random array for every chunking
#
# When an array no longer fits one process, NumPy/CuPy users reach for Dask. Dask's own
# random arrays depend on the chunking (dask issue 1684) — rechunk, and the "same" seed
# gives other numbers. `tl.dask` computes every element from its position in the whole
# array (the counter-based stream of tensorlite), so the values are the same for every
# chunking, scheduler and cluster size, and equal to the eager `tl.randn`, bit for bit.
#
# Needs `pip install 'tensorlite[dask]'`.

# %%
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

# %% [markdown]
# ## One stream: the generator advances at call time
#
# A `tl.dask` call reserves exactly the words the eager call would, before anything is
# computed, so eager and Dask calls interleave in one stream.

# %%
g = tl.Generator().manual_seed(7)
lazy = tl.dask.rand(3, 5, chunks=2, generator=g)
print("offset after tl.dask.rand(3, 5):", g.offset)
after = tl.rand(4, generator=g)          # continues the stream
h = tl.Generator().manual_seed(7)
print(np.array_equal(lazy.compute(), tl.rand(3, 5, generator=h).numpy()),
      np.array_equal(after.numpy(), tl.rand(4, generator=h).numpy()))

# %% [markdown]
# ## A cluster gives the same array
#
# Tasks carry only their block's bounds, the seed, the offset and the parameters (no
# arrays), so they ship to worker processes in a few hundred bytes.

# %%
from distributed import Client, LocalCluster

with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                  dashboard_address=None) as cluster, Client(cluster) as client:
    on_cluster = client.compute(columns).result()
print("LocalCluster result identical to eager:", np.array_equal(on_cluster, eager))


# %% [markdown]
# ## Compare: `dask.array.random` changes with the chunking

# %%
def theirs(chunks):
    return da.random.default_rng(2024).standard_normal((1_000, 777), chunks=chunks).compute()

print("dask.array.random, row vs column blocks identical:",
      np.array_equal(theirs((100, 777)), theirs((1_000, 100))))

# %% [markdown]
# ## A reduction larger than memory, in bounded memory
#
# `tl.dask.randn(120_000, 50_000).mean()` is 24 GB of float32: more than many machines
# have, and computed block by block. Executing that here takes minutes (the notebook
# runs in the test suite), so the cell below uses `ROWS = 2_000` (0.4 GB) by default;
# set `ROWS = 120_000` for the full 24 GB, which runs the same way. The peak memory the
# process reached is printed next to the array's size.

# %%
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
