"""tensorlite.dask at scale (DESIGN §11, issue 15): reduction throughput and graph cost.

- ``tl.dask.randn`` of 200M float32 elements (``--quick``: 2M), shape
  ``(2000, 100_000)``, summed on the threaded scheduler, row-chunked (20 blocks of
  whole rows) and column-chunked (20 column blocks of 2000 rows x 5000), against
  eager ``tl.randn`` in 10M pieces (each summed; target: at least 0.8x its
  throughput) and against ``dask.array.random.default_rng().standard_normal(...,
  dtype="float32")`` with the same chunks (target: at least as fast). ``--fn rand``
  measures float32 ``rand`` the same way, against Dask's ``random(dtype="float32")``.
- Building the graph of 10^6 blocks (``--quick``: 10^4) without computing it:
  seconds, and the pickled bytes per task -- one task alone (what a scheduler
  ships to a worker) and the whole graph's pickle divided by its blocks (the
  shared parameters pickle once).

The cases run interleaved, ``reps`` times, so a burst of load on a shared machine
hits every case alike. Each row gives the best wall-clock time (the least
disturbed run), the range of the per-repetition ratios, and the ratio of the CPU
seconds of all threads (``time.process_time``): on an oversubscribed machine that
is the steadier measure of the work per element.
"""

from __future__ import annotations

import gc
import pickle
import time

import numpy as np

import tensorlite as tl

BLOCKS = 20  # blocks per array, and eager pieces


def _timed(fn):
    """Wall-clock and CPU seconds (all threads) of ``fn()``."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(quick=False, reps=3, fn="randn"):
    """Measure ``fn`` (``"randn"``, or ``"rand"``: float32 uniforms, against Dask's
    ``random(dtype="float32")``); returns ``(rows, graph)``: ``rows`` hold ``(name,
    elements, walls, cpus, reference index, target)`` (``walls``/``cpus``: seconds per
    repetition; the reference is the row this one is compared with, its throughput over
    ours for Dask's rows) and
    ``graph`` is ``(blocks, (build wall seconds, CPU seconds), bytes per task alone,
    bytes per task in the whole graph)``."""
    import dask
    import dask.array as da

    # 20 blocks of 10M elements either way (2M in all with --quick): whole rows of
    # 100_000, or column blocks of 2000 rows x 5000 (each row a run of its own words)
    rows_n, cols_n = (200, 10_000) if quick else (2_000, 100_000)
    n = rows_n * cols_n
    piece = n // BLOCKS
    row_chunks = (rows_n // BLOCKS, cols_n)
    col_chunks = (rows_n, cols_n // BLOCKS)
    reps = 1 if quick else reps

    eager_fn, dask_fn = getattr(tl, fn), getattr(tl.dask, fn)
    dask_method = {"randn": "standard_normal", "rand": "random"}[fn]

    def eager():
        g = tl.Generator().manual_seed(0)
        for _ in range(n // piece):
            eager_fn(piece, generator=g).numpy().sum(dtype=np.float64)

    def ours(chunks):
        return lambda: dask_fn(rows_n, cols_n, chunks=chunks,
                               generator=tl.Generator().manual_seed(0)).sum().compute()

    def theirs(chunks):
        return lambda: getattr(da.random.default_rng(0), dask_method)(
            (rows_n, cols_n), chunks=chunks, dtype="float32").sum().compute()

    cases = [(f"eager tl.{fn} in pieces of {piece:,}, summed", eager, None, None)]
    for label, chunks in (("row", row_chunks), ("column", col_chunks)):
        mine = len(cases)
        cases.append((f"tl.dask.{fn} {label}-chunked {chunks}", ours(chunks), 0, 0.8))
        cases.append((f"dask.array.random {label}-chunked {chunks}", theirs(chunks), mine, 1.0))
    walls, cpus = [[] for _ in cases], [[] for _ in cases]
    with dask.config.set(scheduler="threads"):
        # warm up (imports, thread pools) on small arrays
        eager_fn(1000).numpy().sum()
        dask_fn(1000, chunks=100).sum().compute()
        getattr(da.random.default_rng(0), dask_method)(1000, chunks=100,
                                                       dtype="float32").sum().compute()
        for _ in range(reps):
            for i, case in enumerate(cases):
                wall, cpu = _timed(case[1])
                walls[i].append(wall)
                cpus[i].append(cpu)
    rows = [(name, n, walls[i], cpus[i], ref, target)
            for i, (name, _, ref, target) in enumerate(cases)]
    return rows, _graph(10**4 if quick else 10**6)


def _graph(blocks):
    """Build (not compute) ``tl.dask.randn`` with ``blocks`` blocks of one row each."""
    build = _timed(lambda: tl.dask.randn(blocks, 1000, chunks=(1, 1000),
                                         generator=tl.Generator()))
    big = tl.dask.randn(blocks, 1000, chunks=(1, 1000), generator=tl.Generator())
    graph = dict(big.__dask_graph__())
    tasks = list(graph.values())[:1000]
    alone = sum(len(pickle.dumps(t)) for t in tasks) / len(tasks)
    whole = len(pickle.dumps(graph)) / len(graph)
    return blocks, build, alone, whole


def _ratio(rows, i):
    """(best-run ratio, lowest and highest per-repetition ratio, CPU-time ratio) of row
    ``i`` against its reference: throughput of the tl.dask row over the reference's."""
    _, _, walls, cpus, ref, _ = rows[i]
    ref_walls, ref_cpus = rows[ref][2], rows[ref][3]
    if rows[i][0].startswith("dask.array"):  # Dask's row: tl.dask's throughput over Dask's
        walls, ref_walls, cpus, ref_cpus = ref_walls, walls, ref_cpus, cpus
    per_rep = [r / w for r, w in zip(ref_walls, walls)]
    return min(ref_walls) / min(walls), min(per_rep), max(per_rep), min(ref_cpus) / min(cpus)


def text(rows, graph):
    n = rows[0][1]
    fn = rows[0][0].split()[1].removeprefix("tl.")
    out = ["", f"tensorlite.dask: {n / 1e6:.0f}M float32 {fn} reduced with .sum(), threaded "
               f"scheduler, {len(rows[0][2])} interleaved repetitions", ""]
    out.append(f"{'case':<52} {'best s':>7} {'Melem/s':>8} {'CPU s':>6}  {'ratio':>5} "
               f"{'(range)':>11} {'CPU':>5} {'target':>7}")
    for i, (name, elements, walls, cpus, ref, target) in enumerate(rows):
        line = f"{name:<52} {min(walls):7.2f} {elements / min(walls) / 1e6:8.1f} {min(cpus):6.2f}"
        if ref is not None:
            best, low, high, cpu = _ratio(rows, i)
            met = "met" if best >= target else "MISSED"
            spread = f"({low:.2f}-{high:.2f})"
            line += f"  {best:5.2f} {spread:>11} {cpu:5.2f} {'>=' + str(target):>7} {met}"
        out.append(line)
    out += ["  ratio: tl.dask's throughput over the reference's, best runs (tl.dask rows: over",
            "  eager pieces; dask.array rows: tl.dask's over dask.array.random's); (range): per",
            "  repetition; CPU: the reference's CPU seconds (all threads) over tl.dask's"]
    blocks, build, alone, whole = graph
    out += ["", f"graph of {blocks:,} blocks (built, not computed): {build[0]:.2f} s "
                f"({build[1]:.2f} s CPU); pickled {alone:.0f} bytes per task alone, "
                f"{whole:.0f} per block in the whole graph"]
    return "\n".join(out)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2M elements, 10^4 graph blocks, "
                        "one repetition (a smoke test, not a measurement)")
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions (3)")
    parser.add_argument("--fn", choices=("randn", "rand"), default="randn",
                        help="randn (default; Dask's standard_normal) or rand (float32 "
                             "uniforms; Dask's random)")
    args = parser.parse_args(argv)
    print(text(*run(quick=args.quick, reps=args.reps, fn=args.fn)))


if __name__ == "__main__":
    main()
