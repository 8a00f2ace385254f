"""What is measured: the same work written in tensorlite, PyTorch and NumPy (or CuPy).

Each case gives, per library, a factory that sets up inputs (untimed) and returns
the callable to time. NumPy's equivalents are the idiomatic ones
(``np.random.default_rng`` methods); where NumPy has no such function (batched
multinomial, truncated normal, ``nn.Linear``) the equivalent is written with its
vectorized primitives and says so in its name.

Targets (largest tensorlite / PyTorch time ratio) come from the issues.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

import tensorlite as tl

from ._timing import Case

try:
    import torch
except ImportError:  # the benchmarks still run, with an empty PyTorch column
    torch = None


def cupy_module():
    """CuPy if it is installed and sees a GPU, else ``None``."""
    try:
        import cupy as cp

        return cp if cp.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # not installed, no driver, no device
        return None


@dataclass(frozen=True)
class Sizes:
    bulk: int
    init: int
    orthogonal: int
    multinomial: tuple  # rows, categories, samples
    randperm: int
    linear: int
    small_calls: int
    gpu_fill: int
    mlp: tuple = (784, 1024, 10, 256)  # inputs, hidden width, outputs, batch
    nn_batch: int = 32  # batch of the layer forward+backward cases


FULL = Sizes(bulk=10_000_000, init=4096, orthogonal=1024, multinomial=(1024, 4096, 64),
             randperm=1_000_000, linear=4096, small_calls=2000, gpu_fill=2**28)
QUICK = Sizes(bulk=1_000_000, init=512, orthogonal=128, multinomial=(64, 512, 16),
              randperm=100_000, linear=512, small_calls=100, gpu_fill=2**22,
              mlp=(64, 128, 10, 32), nn_batch=2)


def count(n):
    """10_000_000 -> '10M', 100_000 -> '100k', 4096 -> '4096'."""
    for unit, value in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= value and n % value == 0:
            return f"{n // value}{unit}"
    return str(n)


def _rng():
    return np.random.default_rng(0)


def _seed_all():
    tl.manual_seed(0)
    if torch is not None:
        torch.manual_seed(0)


# ---- NumPy stand-ins where NumPy has no single function ---------------------------------
def _np_multinomial(rng, probs, n):
    """Inverse-CDF sampling of ``n`` categories per row, all rows in one searchsorted:
    row ``r``'s normalized CDF is shifted by ``r`` so one sorted array serves all rows."""
    rows = probs.shape[0]
    cdf = np.cumsum(probs, axis=1, dtype=np.float64)
    cdf /= cdf[:, -1:]
    shift = np.arange(rows, dtype=np.float64)[:, None]
    flat = (cdf + shift).ravel()
    u = rng.random((rows, n)) + shift
    idx = np.searchsorted(flat, u.ravel(), side="right").reshape(rows, n)
    return np.minimum(idx - (shift.astype(np.int64) * probs.shape[1]), probs.shape[1] - 1)


def _np_trunc_normal(rng, out, std=1.0, a=-2.0, b=2.0):
    """Standard normal, out-of-range values redrawn until none is left."""
    rng.standard_normal(dtype=np.float32, out=out)
    bad = np.flatnonzero((out < a) | (out > b))
    flat = out.reshape(-1)
    while bad.size:
        flat[bad] = rng.standard_normal(bad.size, dtype=np.float32)
        bad = bad[(flat[bad] < a) | (flat[bad] > b)]
    out *= std
    return out


def _np_uniform(rng, out, bound):
    rng.random(dtype=np.float32, out=out)
    out *= 2 * bound
    out -= bound
    return out


def _np_normal(rng, out, std):
    rng.standard_normal(dtype=np.float32, out=out)
    out *= std
    return out


def _np_orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n), dtype=np.float32))
    return q * np.sign(np.diag(r))


def _np_linear(rng, n):
    """PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) -> U(+-1/sqrt(fan_in))."""
    bound = 1 / math.sqrt(n)
    weight = _np_uniform(rng, np.empty((n, n), np.float32), bound)
    bias = _np_uniform(rng, np.empty(n, np.float32), bound)
    return weight, bias


# ---- CPU cases ------------------------------------------------------------------------------
def cpu_cases(s: Sizes):
    n, N = s.bulk, count(s.bulk)
    d, D = s.init, f"{s.init}x{s.init}"
    rows, cats, draws = s.multinomial
    cases = []

    def add(name, group, tl_f, torch_f, np_f, target=None, inner=1, note=""):
        impls = {"tensorlite": tl_f}
        if torch is not None and torch_f is not None:
            impls["torch"] = torch_f
        if np_f is not None:
            impls["numpy"] = np_f
        cases.append(Case(name, group, impls, target, inner, "cpu", note))

    cases.extend(small_call_cases(s))

    # bulk creation
    add(f"zeros({N}) float32", "bulk creation",
        lambda: lambda: tl.zeros(n),
        lambda: lambda: torch.zeros(n),
        lambda: lambda: np.zeros(n, np.float32), target=1.25,
        note="NumPy and tensorlite get zeroed pages from calloc lazily; PyTorch writes them")
    add(f"full({N}, 3.5) float32", "bulk creation",
        lambda: lambda: tl.full((n,), 3.5),
        lambda: lambda: torch.full((n,), 3.5),
        lambda: lambda: np.full(n, 3.5, np.float32), target=1.25)
    add(f"arange({N}) int64", "bulk creation",
        lambda: lambda: tl.arange(n),
        lambda: lambda: torch.arange(n),
        lambda: lambda: np.arange(n, dtype=np.int64), target=1.25)

    # random distributions
    def np_rand():
        rng = _rng()
        return lambda: rng.random(n, dtype=np.float32)

    def np_randn():
        rng = _rng()
        return lambda: rng.standard_normal(n, dtype=np.float32)

    def np_randint():
        rng = _rng()
        return lambda: rng.integers(0, 1000, n, dtype=np.int64)

    def np_bernoulli():
        rng, p = _rng(), np.full(n, 0.5, np.float32)
        return lambda: (rng.random(n, dtype=np.float32) < p).astype(np.float32)

    def tl_bernoulli():
        p = tl.full((n,), 0.5)
        return lambda: tl.bernoulli(p)

    def torch_bernoulli():
        p = torch.full((n,), 0.5)
        return lambda: torch.bernoulli(p)

    add(f"rand({N}) float32", "random", lambda: lambda: tl.rand(n),
        lambda: lambda: torch.rand(n), np_rand, target=1.0)
    add(f"randn({N}) float32", "random", lambda: lambda: tl.randn(n),
        lambda: lambda: torch.randn(n), np_randn, target=1.0)
    add(f"randint(0, 1000, ({N},)) int64", "random", lambda: lambda: tl.randint(0, 1000, (n,)),
        lambda: lambda: torch.randint(0, 1000, (n,)), np_randint, target=1.0)
    add(f"bernoulli(p=0.5, {N}) float32", "random", tl_bernoulli, torch_bernoulli,
        np_bernoulli, target=1.0, note="NumPy: rand < p")

    def tl_multinomial():
        probs = tl.rand(rows, cats)
        return lambda: tl.multinomial(probs, draws, replacement=True)

    def torch_multinomial():
        probs = torch.rand(rows, cats)
        return lambda: torch.multinomial(probs, draws, replacement=True)

    def np_multinomial():
        rng = _rng()
        probs = rng.random((rows, cats), dtype=np.float32)
        return lambda: _np_multinomial(rng, probs, draws)

    add(f"multinomial {rows}x{cats}, {draws} draws, replacement", "random", tl_multinomial,
        torch_multinomial, np_multinomial, target=1.25, note="NumPy: CDF + searchsorted")

    def tl_multinomial_nr():
        probs = tl.rand(rows, cats)
        return lambda: tl.multinomial(probs, draws, replacement=False)

    def torch_multinomial_nr():
        probs = torch.rand(rows, cats)
        return lambda: torch.multinomial(probs, draws, replacement=False)

    add(f"multinomial {rows}x{cats}, {draws} draws, no replacement", "random",
        tl_multinomial_nr, torch_multinomial_nr, None, target=1.0)

    def np_randperm():
        rng = _rng()
        return lambda: rng.permutation(s.randperm)

    add(f"randperm({count(s.randperm)})", "random",
        lambda: lambda: tl.randperm(s.randperm),
        lambda: lambda: torch.randperm(s.randperm), np_randperm, target=1.0)

    # initializers, in place on a preallocated float32 weight
    def tl_init(fn, shape=(d, d)):
        def factory():
            w = tl.empty(*shape)
            return lambda: fn(w)
        return factory

    def torch_init(fn, shape=(d, d)):
        def factory():
            w = torch.empty(*shape)
            return lambda: fn(w)
        return factory

    def np_init(fn, shape=(d, d)):
        def factory():
            rng, w = _rng(), np.empty(shape, np.float32)
            return lambda: fn(rng, w)
        return factory

    tinit = torch.nn.init if torch is not None else None
    kaiming_std = math.sqrt(2.0) / math.sqrt(d)
    kaiming_bound = math.sqrt(3.0) * kaiming_std
    xavier_bound = math.sqrt(6.0 / (2 * d))
    inits = [
        ("kaiming_normal_", lambda w: tl.nn.init.kaiming_normal_(w, nonlinearity="relu"),
         lambda w: tinit.kaiming_normal_(w, nonlinearity="relu"),
         lambda rng, w: _np_normal(rng, w, kaiming_std), 1.0),
        ("kaiming_uniform_", lambda w: tl.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
         lambda w: tinit.kaiming_uniform_(w, nonlinearity="relu"),
         lambda rng, w: _np_uniform(rng, w, kaiming_bound), None),
        ("xavier_uniform_", lambda w: tl.nn.init.xavier_uniform_(w),
         lambda w: tinit.xavier_uniform_(w),
         lambda rng, w: _np_uniform(rng, w, xavier_bound), None),
        ("normal_(std=0.02)", lambda w: tl.nn.init.normal_(w, 0.0, 0.02),
         lambda w: tinit.normal_(w, 0.0, 0.02),
         lambda rng, w: _np_normal(rng, w, 0.02), None),
        ("trunc_normal_", lambda w: tl.nn.init.trunc_normal_(w),
         lambda w: tinit.trunc_normal_(w),
         lambda rng, w: _np_trunc_normal(rng, w), None),
    ]
    for name, tl_fn, torch_fn, np_fn, target in inits:
        add(f"init.{name} {D}", "initializers", tl_init(tl_fn), torch_init(torch_fn),
            np_init(np_fn), target=target,
            note="NumPy: resample out-of-range" if name == "trunc_normal_" else "")
    o = s.orthogonal

    def np_orthogonal(o=o):  # bound now: `o` is reused below (the MLP's outputs)
        rng = _rng()
        return lambda: _np_orthogonal(rng, o)

    add(f"init.orthogonal_ {o}x{o}", "initializers",
        tl_init(lambda w: tl.nn.init.orthogonal_(w), (o, o)),
        torch_init(lambda w: tinit.orthogonal_(w), (o, o)), np_orthogonal, target=1.0,
        note="NumPy: QR + sign fix")

    lin = s.linear

    def np_linear():
        rng = _rng()
        return lambda: _np_linear(rng, lin)

    add(f"nn.Linear({lin}, {lin})", "modules",
        lambda: lambda: tl.nn.Linear(lin, lin),
        lambda: lambda: torch.nn.Linear(lin, lin), np_linear, target=1.0,
        note="NumPy: the same uniform fills")

    i, h, o, b = s.mlp
    add(f"MLP {i}-{h}-{h}-{o} train step (AdamW), batch {b}", "training",
        lambda: mlp_training_step(tl, s.mlp), lambda: mlp_training_step(torch, s.mlp), None,
        target=1.25, note="forward, backward, AdamW.step")
    cases.extend(layer_cases(s))
    return cases + api_cases(s)


def api_cases(s: Sizes):
    """The tensor API of issue 12 on ``s.bulk`` float32 elements: reductions, sorting
    and selection, gathers and scatters, einsum, scans and searches."""
    n, N = s.bulk, count(s.bulk)
    rows = 1000
    cols = n // rows
    cases = []

    def inputs(lib):
        rng = _rng()
        flat = rng.standard_normal(n, dtype=np.float32)
        sorted_ = np.sort(rng.standard_normal(n, dtype=np.float32))
        index = rng.integers(0, n, n)
        index2 = rng.integers(0, cols, (rows, cols))
        with_nan = flat.copy()
        with_nan[::100] = np.nan
        arrays = dict(flat=flat, mat=flat.reshape(rows, cols), sorted=sorted_, index=index,
                      index2=index2, few=flat.reshape(rows, cols)[:100], with_nan=with_nan)
        if lib == "numpy":
            return arrays
        make = tl.tensor if lib == "tensorlite" else torch.tensor
        return {k: make(v) for k, v in arrays.items()}

    def add(name, fn, target=1.5, note=""):
        """``fn(X, inputs)`` with X the library module (tensorlite or torch)."""
        impls = {"tensorlite": lambda: (lambda a=inputs("tensorlite"): lambda: fn(tl, a))()}
        if torch is not None:
            impls["torch"] = lambda: (lambda a=inputs("torch"): lambda: fn(torch, a))()
        cases.append(Case(name, "tensor API", impls, target, 1, "cpu", note))

    add(f"logsumexp {rows}x{cols} dim=1", lambda X, a: X.logsumexp(a["mat"], 1))
    add(f"aminmax({N})", lambda X, a: X.aminmax(a["flat"]))
    add(f"sum({N})", lambda X, a: X.sum(a["flat"]), note="split over threads from 1M elements")
    add(f"mean({N})", lambda X, a: X.mean(a["flat"]))
    add(f"amax({N})", lambda X, a: X.amax(a["flat"]))
    add(f"sum {rows}x{cols} dim=1", lambda X, a: X.sum(a["mat"], 1))
    add(f"var_mean({N})", lambda X, a: X.var_mean(a["flat"]))
    add(f"count_nonzero({N})", lambda X, a: X.count_nonzero(a["flat"]))
    add(f"nansum({N})", lambda X, a: X.nansum(a["flat"]), note="no NaN present")
    add(f"nansum({N}) 1% NaN", lambda X, a: X.nansum(a["with_nan"]))
    add(f"median({N})", lambda X, a: X.median(a["flat"]))
    add(f"amax {rows}x{cols} dim=0", lambda X, a: X.amax(a["mat"], 0))
    add(f"sort({N})", lambda X, a: X.sort(a["flat"]))
    add(f"sort {rows}x{cols} dim=1", lambda X, a: X.sort(a["mat"], 1))
    add(f"argsort({N}) stable", lambda X, a: X.argsort(a["flat"], stable=True))
    add(f"topk({N}, 10)", lambda X, a: X.topk(a["flat"], 10))
    add(f"unique({N})", lambda X, a: X.unique(a["flat"]))
    add(f"unique({N}) inverse+counts",
        lambda X, a: X.unique(a["flat"], return_inverse=True, return_counts=True))
    add(f"gather({N}) 1-D", lambda X, a: X.gather(a["flat"], 0, a["index"]))
    add(f"gather {rows}x{cols} dim=1", lambda X, a: X.gather(a["mat"], 1, a["index2"]))
    add(f"scatter_add({N})",
        lambda X, a: X.zeros(n).scatter_add(0, a["index"], a["flat"]))
    add(f"einsum ij,kj->ik ({rows}x{cols}, 100x{cols})",
        lambda X, a: X.einsum("ij,kj->ik", a["mat"], a["few"]))
    add(f"einsum ij->i {rows}x{cols}", lambda X, a: X.einsum("ij->i", a["mat"]))
    add(f"cumsum({N})", lambda X, a: X.cumsum(a["flat"], 0))
    add(f"searchsorted({N} sorted, {N} values)",
        lambda X, a: X.searchsorted(a["sorted"], a["flat"]))
    return cases


def small_call_cases(s: Sizes):
    """Issue 17: the per-call cost of small calls (at most 1.5x PyTorch) and of a small
    training step (at most 2x). Every input is made once, outside the timed call."""
    cases = []

    def add(name, make, target=1.5, inner=s.small_calls):
        impls = {"tensorlite": lambda: make(tl)}
        if torch is not None:
            impls["torch"] = lambda: make(torch)
        cases.append(Case(name, "small calls", impls, target, inner, "cpu"))

    def inputs(lib):
        lib.manual_seed(0)
        return lib.randn(32, 64), lib.randn(32, 64), lib.randn(64, 64)

    add("zeros(3, 4)", lambda lib: lambda: lib.zeros(3, 4))
    add("tensor([1., 2., 3.])", lambda lib: lambda: lib.tensor([1.0, 2.0, 3.0]))
    add("rand(3, 4)", lambda lib: lambda: lib.rand(3, 4))
    add("randn(32, 64)", lambda lib: lambda: lib.randn(32, 64))
    add("randint(0, 10, (32,))", lambda lib: lambda: lib.randint(0, 10, (32,)))

    def bernoulli(lib):
        p = lib.rand(32, 64)
        return lambda: lib.bernoulli(p)

    add("bernoulli 32x64", bernoulli)
    for replacement in (True, False):
        def multinomial(lib, replacement=replacement):
            probs = lib.rand(64, 1000)
            return lambda: lib.multinomial(probs, 5, replacement=replacement)

        add(f"multinomial 64x1000, 5 draws, replacement={replacement}", multinomial,
            inner=max(1, s.small_calls // 10))

    def coin(lib):  # the smallest multinomial: reported, no target of its own
        probs = lib.tensor([0.3, 0.7])
        return lambda: lib.multinomial(probs, 1, replacement=True)

    add("multinomial 2 categories, 1 draw", coin, target=None)

    def op(f):
        def make(lib):
            x, y, w = inputs(lib)
            return lambda: f(x, y, w)
        return make

    add("x + y 32x64", op(lambda x, y, w: x + y))
    add("x * 2 32x64", op(lambda x, y, w: x * 2))
    add("x.relu() 32x64", op(lambda x, y, w: x.relu()))
    add("x @ w 32x64 @ 64x64", op(lambda x, y, w: x @ w))
    add("x.sum(dim=1) 32x64", op(lambda x, y, w: x.sum(dim=1)))

    def linear(lib):
        lib.manual_seed(0)
        layer, x = lib.nn.Linear(64, 64), lib.randn(32, 64)
        return lambda: layer(x)

    add("nn.Linear(64, 64) forward, batch 32", linear)

    def train_step(optimizer):
        def make(lib):
            lib.manual_seed(0)
            nn = lib.nn
            model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
            x, y = lib.randn(32, 64), lib.randn(32, 10)
            opt = getattr(lib.optim, optimizer)(model.parameters(), lr=1e-3)

            def step():
                opt.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                opt.step()

            return step
        return make

    for optimizer in ("SGD", "Adam"):
        add(f"MLP 64-64-10 train step ({optimizer}), batch 32", train_step(optimizer),
            target=2.0, inner=max(1, s.small_calls // 20))
    return cases


def _step(lib, make_module, make_inputs, run=None):
    """A factory for one forward+backward of ``make_module(lib)`` on fixed inputs (the
    sum of the first output as the loss; gradients reset to None each call)."""
    def factory():
        _seed_all()
        module = make_module(lib)
        inputs = make_inputs(lib)
        params = list(module.parameters())

        def step():
            for p in params:
                p.grad = None
            out = run(module, *inputs) if run else module(*inputs)
            out = out[0] if isinstance(out, tuple) else out
            out.sum().backward()

        return step

    return factory


def layer_cases(s: Sizes):
    """Forward+backward of the training layers of issue 13 (target: at most 2x PyTorch)."""
    b = s.nn_batch
    cases = []

    def randn(lib, *shape):
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        return [tl.tensor(x).requires_grad_()] if lib is tl else [
            torch.from_numpy(x).requires_grad_()]

    specs = [
        (f"Conv2d(64, 64, 3, padding=1) fwd+bwd {b}x64x32x32",
         lambda lib: lib.nn.Conv2d(64, 64, 3, padding=1), lambda lib: randn(lib, b, 64, 32, 32)),
        (f"LSTM(256, 256) fwd+bwd 64 steps x batch {b}", lambda lib: lib.nn.LSTM(256, 256),
         lambda lib: randn(lib, 64, b, 256)),
        (f"TransformerEncoderLayer(256, 8) fwd+bwd {b}x128",
         lambda lib: lib.nn.TransformerEncoderLayer(256, 8, batch_first=True),
         lambda lib: randn(lib, b, 128, 256)),
        (f"BatchNorm2d(64) fwd+bwd {b}x64x32x32", lambda lib: lib.nn.BatchNorm2d(64),
         lambda lib: randn(lib, b, 64, 32, 32)),
    ]
    for name, make, inputs in specs:
        impls = {"tensorlite": _step(tl, make, inputs)}
        if torch is not None:
            impls["torch"] = _step(torch, make, inputs)
        cases.append(Case(name, "nn layers", impls, 2.0, 1, "cpu",
                          "training mode (dropout 0.1 in the encoder layer)"))
    return cases


def mlp_training_step(lib, sizes, device="cpu"):
    """One training step of an MLP ``in -> h -> h -> out`` (ReLU) with a mean-squared
    error: ``zero_grad``, forward, ``backward``, ``AdamW.step`` (single-tensor form,
    PyTorch's default on the CPU). ``lib`` is ``tensorlite`` or ``torch``."""
    n_in, hidden, n_out, batch = sizes
    lib.manual_seed(0)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                          nn.ReLU(), nn.Linear(hidden, n_out)).to(device)
    x, y = lib.randn(batch, n_in, device=device), lib.randn(batch, n_out, device=device)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    return step


# ---- GPU cases (run only where CuPy sees a GPU) ----------------------------------------------
def gpu_cases(s: Sizes, cp, dev="cuda"):
    """The CPU cases' GPU counterparts: tensorlite vs PyTorch CUDA vs CuPy.

    ``dev="cpu"`` with NumPy as ``cp`` (CuPy mirrors NumPy's API) lets the test suite
    run this code path on machines without a GPU.
    """
    n, N = s.bulk, count(s.bulk)
    d, D = s.init, f"{s.init}x{s.init}"
    rows, cats, draws = s.multinomial
    torch_cuda = torch is not None and (dev == "cpu" or torch.cuda.is_available())
    cases = []

    def add(name, group, tl_f, torch_f, cp_f, inner=1, note=""):
        impls = {"tensorlite": tl_f}
        if torch_cuda and torch_f is not None:
            impls["torch"] = torch_f
        if cp_f is not None:
            impls["cupy"] = cp_f
        cases.append(Case(name, group, impls, None, inner, "cuda", note))  # shown as [cuda]

    add("zeros(3, 4)", "small creation",
        lambda: lambda: tl.zeros(3, 4, device=dev),
        lambda: lambda: torch.zeros(3, 4, device=dev),
        lambda: lambda: cp.zeros((3, 4), cp.float32), inner=s.small_calls)
    add(f"full({N}, 3.5) float32", "bulk creation",
        lambda: lambda: tl.full((n,), 3.5, device=dev),
        lambda: lambda: torch.full((n,), 3.5, device=dev),
        lambda: lambda: cp.full(n, 3.5, cp.float32), inner=10)

    def cp_random(method, *args, **kwargs):
        def factory():
            rng = cp.random.default_rng(0)
            return lambda: getattr(rng, method)(*args, **kwargs)
        return factory

    add(f"rand({N}) float32", "random", lambda: lambda: tl.rand(n, device=dev),
        lambda: lambda: torch.rand(n, device=dev),
        cp_random("random", n, dtype=cp.float32), inner=10)
    add(f"randn({N}) float32", "random", lambda: lambda: tl.randn(n, device=dev),
        lambda: lambda: torch.randn(n, device=dev),
        cp_random("standard_normal", n, dtype=cp.float32), inner=10)
    add(f"randint(0, 1000, ({N},)) int64", "random",
        lambda: lambda: tl.randint(0, 1000, (n,), device=dev),
        lambda: lambda: torch.randint(0, 1000, (n,), device=dev),
        lambda: (lambda: cp.random.randint(0, 1000, n, dtype=cp.int64)), inner=10)

    def tl_bernoulli():
        p = tl.full((n,), 0.5, device=dev)
        return lambda: tl.bernoulli(p)

    def torch_bernoulli():
        p = torch.full((n,), 0.5, device=dev)
        return lambda: torch.bernoulli(p)

    add(f"bernoulli(p=0.5, {N}) float32", "random", tl_bernoulli, torch_bernoulli, None,
        inner=10)

    def tl_multinomial():
        probs = tl.rand(rows, cats, device=dev)
        return lambda: tl.multinomial(probs, draws, replacement=True)

    def torch_multinomial():
        probs = torch.rand(rows, cats, device=dev)
        return lambda: torch.multinomial(probs, draws, replacement=True)

    add(f"multinomial {rows}x{cats}, {draws} draws, replacement", "random", tl_multinomial,
        torch_multinomial, None, inner=10)
    add(f"randperm({count(s.randperm)})", "random",
        lambda: lambda: tl.randperm(s.randperm, device=dev),
        lambda: lambda: torch.randperm(s.randperm, device=dev),
        lambda: (lambda: cp.random.permutation(s.randperm)), inner=10)

    def tl_init(fn):
        def factory():
            w = tl.empty(d, d, device=dev)
            return lambda: fn(w)
        return factory

    def torch_init(fn):
        def factory():
            w = torch.empty(d, d, device=dev)
            return lambda: fn(w)
        return factory

    tinit = torch.nn.init if torch_cuda else None
    add(f"init.kaiming_normal_ {D}", "initializers",
        tl_init(lambda w: tl.nn.init.kaiming_normal_(w, nonlinearity="relu")),
        torch_init(lambda w: tinit.kaiming_normal_(w, nonlinearity="relu")), None, inner=10)
    add(f"init.trunc_normal_ {D}", "initializers",
        tl_init(lambda w: tl.nn.init.trunc_normal_(w)),
        torch_init(lambda w: tinit.trunc_normal_(w)), None, inner=10)
    lin = s.linear
    add(f"nn.Linear({lin}, {lin})", "modules",
        lambda: lambda: tl.nn.Linear(lin, lin, device=dev),
        lambda: lambda: torch.nn.Linear(lin, lin, device=dev), None)
    return cases


def syncs(cp=None):
    """How each library waits for its GPU work (nothing to wait for on the CPU)."""
    out = {}
    if cp is not None:
        # tensorlite's CUDA work runs on CuPy's current stream; a device-wide
        # synchronization covers it and PyTorch's streams alike.
        out["tensorlite"] = cp.cuda.runtime.deviceSynchronize
        out["cupy"] = cp.cuda.runtime.deviceSynchronize
        if torch is not None and torch.cuda.is_available():
            out["torch"] = torch.cuda.synchronize
    return out


def cpu_threads():
    if torch is not None:
        torch.set_num_threads(os.cpu_count() or 1)  # PyTorch may default to fewer
    _seed_all()
