"""Peak scratch memory of a call, measured with tracemalloc.

NumPy registers its data buffers with tracemalloc (``PyTraceMalloc_Track``), so
the peak traced during a call includes every array tensorlite or NumPy allocates
on any thread. Scratch is that peak minus the output's own bytes; it is reported
as a fraction of the output size. PyTorch's allocator is invisible to
tracemalloc, so it has no column here.
"""

from __future__ import annotations

import gc
import tracemalloc


def scratch_fraction(call, reps=3):
    """Largest ``(peak during call - output bytes) / output bytes`` over ``reps`` calls."""
    worst = 0.0
    for _ in range(reps):
        gc.collect()
        tracemalloc.start()
        try:
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            out = call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out_bytes = out.nbytes if hasattr(out, "nbytes") else out.numel() * out.element_size()
        worst = max(worst, (peak - base - out_bytes) / out_bytes)
        del out
    return worst


def cases(n):
    """``(name, target, {library: call})`` rows for the memory table."""
    import numpy as np

    import tensorlite as tl

    rng = np.random.default_rng(0)
    return [
        (f"randn({n:,}) float32", 0.5,
         {"tensorlite": lambda: tl.randn(n),
          "numpy": lambda: rng.standard_normal(n, dtype=np.float32)}),
        (f"rand({n:,}) float32", None,
         {"tensorlite": lambda: tl.rand(n),
          "numpy": lambda: rng.random(n, dtype=np.float32)}),
        (f"randint(0, 1000, ({n:,},)) int64", None,
         {"tensorlite": lambda: tl.randint(0, 1000, (n,)),
          "numpy": lambda: rng.integers(0, 1000, n, dtype=np.int64)}),
        # issue 10: PyTorch needs only the output; tensorlite sorts in the output's memory
        # and keeps the keys' low bits aside (0.5x) plus chunk-sized temporaries
        (f"randperm({n:,}) int64", 1.0,
         {"tensorlite": lambda: tl.randperm(n),
          "numpy": lambda: rng.permutation(n)}),
    ]
