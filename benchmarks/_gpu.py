"""GPU fill bandwidth: each float32 fill's bytes written per second, as a fraction of
a device-to-device copy's bytes read + written per second, measured in the same run.

A fill of ``n`` float32 values writes ``4n`` bytes and reads nothing (the counter
based generator computes its words); a copy of ``4n`` bytes reads ``4n`` and writes
``4n``. The copy is the practical ceiling of the memory system (an H200 moves about
4.3 TB/s counted that way, DESIGN §8), so a fraction near 1 means the fill is
limited by memory, not by arithmetic. Fills and the copy are interleaved repetition
by repetition, and each repetition times ``inner`` back-to-back calls between two
device synchronizations, so launch and synchronization costs are amortized.

Only runs where CuPy sees a GPU; nothing here runs in CI on CPU machines.
"""

from __future__ import annotations

import statistics
import time

import tensorlite as tl


def fill_bandwidth(cp, n, reps, inner=20, on_rep=lambda: None, *, device="cuda", sync=None):
    """Rows ``(name, seconds per call, bytes written per second, fraction of copy)``,
    and a dict of the fills that could not run.

    ``device``/``sync`` exist so the test suite can run this code path on a CPU with
    NumPy standing in for CuPy; on a GPU they are ``"cuda"`` and a device-wide
    synchronization.
    """
    sync = sync or cp.cuda.runtime.deviceSynchronize
    nbytes = 4 * n
    src = cp.ones(n, cp.float32)
    dst = cp.empty(n, cp.float32)
    out = tl.empty(n, device=device)  # in-place fills write here: no allocation timed
    p = 0.5

    if hasattr(src.data, "copy_from_device_async"):
        def copy():  # CuPy: cudaMemcpyAsync device -> device on the current stream
            dst.data.copy_from_device_async(src.data, nbytes)
    else:
        def copy():  # the NumPy stand-in
            cp.copyto(dst, src)

    fills = {
        "copy (reference)": copy,
        "rand (new tensor)": lambda: tl.rand(n, device=device),
        "randn (new tensor)": lambda: tl.randn(n, device=device),
        "uniform_": lambda: out.uniform_(),
        "normal_": lambda: out.normal_(),
        "exponential_": lambda: out.exponential_(),
        "bernoulli_(0.5)": lambda: out.bernoulli_(p),
        "random_(0, 1000)": lambda: out.random_(0, 1000),
        "init.kaiming_normal_": lambda: tl.nn.init.kaiming_normal_(out.view(n // 4096, 4096)),
        "init.trunc_normal_": lambda: tl.nn.init.trunc_normal_(out),
    }
    if n % 4096:
        fills.pop("init.kaiming_normal_")
    errors, ready = {}, {}
    for name, fn in fills.items():
        try:
            fn()  # warm-up: kernel compilation, memory pool
            sync()
            ready[name] = fn
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"
    samples = {name: [] for name in ready}
    names = list(ready)
    for rep in range(reps):
        k = rep % len(names)
        for name in names[k:] + names[:k]:
            fn = ready[name]
            sync()
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            sync()
            samples[name].append((time.perf_counter() - start) / inner)
        on_rep()
    seconds = {name: statistics.median(v) for name, v in samples.items()}
    copy_rate = 2 * nbytes / seconds["copy (reference)"] if "copy (reference)" in seconds else None
    rows = []
    for name, t in seconds.items():
        moved = 2 * nbytes if name.startswith("copy") else nbytes
        rate = moved / t
        rows.append((name, t, rate, rate / copy_rate if copy_rate else None))
    del src, dst, out, ready, fills
    if hasattr(cp, "get_default_memory_pool"):
        cp.get_default_memory_pool().free_all_blocks()
    return rows, errors
