"""Interleaved timing: every repetition runs each library once, in rotating order.

Timing the libraries one after another (all of NumPy, then all of PyTorch) lets
slow drifts -- turbo frequency, a noisy neighbour, page-cache state -- land on one
library. Interleaving spreads them evenly; rotating the order each repetition
removes the "who runs first after the previous case" bias; the median of the
repetitions ignores the odd outlier.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field


def _no_sync():
    pass


@dataclass
class Case:
    """One measurement: the same work in several libraries.

    ``impls`` maps a library name to a *factory*: called once (untimed) it does the
    setup -- allocating inputs, choosing seeds -- and returns the zero-argument
    callable that is timed. ``target`` is the largest acceptable
    tensorlite / PyTorch time ratio, or ``None`` where the issues set none.
    """

    name: str
    group: str
    impls: dict
    target: float | None = None
    inner: int = 1  # calls per timed repetition (for microsecond-scale calls)
    device: str = "cpu"
    note: str = ""
    ref: str = "torch"  # the library the target ratio divides by


@dataclass
class Result:
    case: Case
    times: dict = field(default_factory=dict)  # library -> median seconds per call
    reps: int = 0  # repetitions actually run
    errors: dict = field(default_factory=dict)  # library -> why it could not run

    def ratio(self, lib, ref):
        a, b = self.times.get(lib), self.times.get(ref)
        return a / b if a and b else None


def measure(case, reps, syncs, on_rep=lambda: None, budget=None, min_reps=5):
    """Median seconds per call of each library's implementation of ``case``.

    ``syncs`` maps a library to a function that waits for its queued work (a GPU
    synchronization; a no-op on the CPU), called before the clock stops. With a
    ``budget`` (seconds), cases whose one repetition is slow (judged from the
    warm-up) run fewer repetitions, but never fewer than ``min_reps``;
    ``on_rep`` is still called ``reps`` times so a progress bar stays exact.
    """
    result = Result(case)
    fns = {}
    cost = 0.0
    for lib, factory in case.impls.items():
        try:
            fn = factory()
            start = time.perf_counter()
            fn()  # warm-up: first-call costs (imports, kernel compilation, pools)
            syncs.get(lib, _no_sync)()
            cost += (time.perf_counter() - start) * case.inner
            fns[lib] = fn
        except Exception as exc:  # report it and measure the others
            result.errors[lib] = f"{type(exc).__name__}: {exc}"
    planned = reps
    if budget is not None and cost > 0:
        reps = max(min(reps, min_reps), min(reps, int(budget / cost)))
    libs = list(fns)
    samples = {lib: [] for lib in libs}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection pause would land on one library
    try:
        for rep in range(reps):
            k = rep % len(libs) if libs else 0
            for lib in libs[k:] + libs[:k]:
                fn, sync = fns[lib], syncs.get(lib, _no_sync)
                start = time.perf_counter()
                for _ in range(case.inner):
                    fn()
                sync()
                samples[lib].append((time.perf_counter() - start) / case.inner)
            on_rep()
        for _ in range(planned - reps):
            on_rep()
    finally:
        if was_enabled:
            gc.enable()
    fns.clear()
    gc.collect()
    result.times = {lib: statistics.median(v) for lib, v in samples.items() if v}
    result.reps = reps
    return result
