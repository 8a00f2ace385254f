"""tensorlite.dask at scale (DESIGN §11, issue 15): reduction throughput and graph cost.

- ``tl.dask.randn`` of 200M float32 elements (``--quick``: 2M) summed on the
  threaded scheduler, row-chunked and column-chunked, against eager ``tl.randn``
  in 10M pieces (each summed; target: at least 0.8x its throughput) and against
  ``dask.array.random.default_rng().standard_normal(..., dtype="float32")`` with
  the same chunks (target: at least as fast).
- Building the graph of 10^6 blocks (``--quick``: 10^4): seconds, and the pickled
  bytes of one task (what ``distributed`` ships per block).

Each throughput is the best of ``reps`` runs (the machine is shared; the best run
is the least disturbed one).
"""

from __future__ import annotations

import pickle
import time

import numpy as np

import tensorlite as tl


def _best(fn, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(quick=False, reps=3):
    """Measure; returns ``(rows, graph)``: rows of ``(name, seconds, elements/s, ratio,
    target)`` and ``(blocks, build seconds, bytes per task)``."""
    import dask
    import dask.array as da

    rows_n, cols_n = (200, 10_000) if quick else (10_000, 20_000)
    n = rows_n * cols_n
    piece = min(10_000_000, n)
    row_chunks = (piece // cols_n, cols_n)
    col_chunks = (rows_n, cols_n // 4)
    reps = 1 if quick else reps

    def eager():
        g = tl.Generator().manual_seed(0)
        total = 0.0
        for _ in range(n // piece):
            total += float(tl.randn(piece, generator=g).numpy().sum(dtype=np.float64))
        return total

    def ours(chunks):
        return lambda: tl.dask.randn(rows_n, cols_n, chunks=chunks,
                                     generator=tl.Generator().manual_seed(0)).sum().compute()

    def theirs(chunks):
        return lambda: da.random.default_rng(0).standard_normal(
            (rows_n, cols_n), chunks=chunks, dtype="float32").sum().compute()

    rows = []
    with dask.config.set(scheduler="threads"):
        t_eager = _best(eager, reps)
        rows.append((f"eager tl.randn in {piece // 10**6}M pieces, summed", t_eager, n / t_eager,
                     None, None))
        for label, chunks in (("row", row_chunks), ("column", col_chunks)):
            t_ours = _best(ours(chunks), reps)
            t_theirs = _best(theirs(chunks), reps)
            rows.append((f"tl.dask.randn {label}-chunked {chunks}, .sum()", t_ours, n / t_ours,
                         t_eager / t_ours, 0.8))
            rows.append((f"dask.array.random {label}-chunked {chunks}, .sum()", t_theirs,
                         n / t_theirs, t_theirs / t_ours, 1.0))

    blocks = 10**4 if quick else 10**6
    start = time.perf_counter()
    big = tl.dask.randn(blocks, 1000, chunks=(1, 1000), generator=tl.Generator())
    build = time.perf_counter() - start
    tasks = list(big.__dask_graph__().values())[:1000]
    per_task = sum(len(pickle.dumps(t)) for t in tasks) / len(tasks)
    return rows, (blocks, build, per_task)


def text(rows, graph):
    n = rows[0][1] * rows[0][2]
    out = ["", f"tensorlite.dask: {n / 1e6:.0f}M float32 randn reduced with .sum(), threaded "
               "scheduler", ""]
    out.append(f"{'case':<62} {'seconds':>8} {'Melem/s':>8} {'ratio':>6} {'target':>7}")
    for name, seconds, rate, ratio, target in rows:
        r = f"{ratio:6.2f}" if ratio is not None else " " * 6
        t = f"{'>=' + str(target):>7}" if target is not None else ""
        met = "" if target is None else ("  met" if ratio >= target else "  MISSED")
        out.append(f"{name:<62} {seconds:8.2f} {rate / 1e6:8.1f} {r} {t}{met}")
    out.append("  ratio: tl.dask's throughput over the row's reference (eager pieces for "
               "tl.dask rows; tl.dask over dask.array.random for dask rows)")
    blocks, build, per_task = graph
    out += ["", f"graph of {blocks:,} blocks: built in {build:.2f} s, "
                f"{per_task:.0f} pickled bytes per task"]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(text(*run(quick="--quick" in sys.argv)))
