"""``python -m tensorlite``: an environment report; ``python -m tensorlite demo``: a tour;
``python -m tensorlite api [names_file]``: API coverage against PyTorch.

The report is what to paste into a bug report: versions, GPUs, whether the
cuRAND headers and NVRTC were found, and why CUDA is unavailable when it is.
"""

from __future__ import annotations

import platform
import sys


def report():
    import numpy as np

    import tensorlite as tl
    from tensorlite._backends import cuda as cuda_backend

    lines = [f"tensorlite {tl.__version__}", f"Python {platform.python_version()} "
             f"({platform.machine()}, {platform.system()})", f"NumPy {np.__version__}"]
    try:
        import randomgen
        lines.append(f"randomgen {randomgen.__version__}")
    except ImportError:
        lines.append("randomgen: not installed (needed for the CPU random stream)")
    cp = cuda_backend._cupy()
    lines.append(f"CuPy {cp.__version__}" if cp else "CuPy: not installed")
    reason = cuda_backend.backend.unavailable_reason()
    if reason is None:
        runtime = cp.cuda.runtime
        lines.append(f"CUDA runtime {runtime.runtimeGetVersion()}, driver {runtime.driverGetVersion()}")
        for i in range(runtime.getDeviceCount()):
            props = runtime.getDeviceProperties(i)
            name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            lines.append(f"  cuda:{i}: {name}, {props['totalGlobalMem'] / 2**30:.1f} GiB, "
                         f"sm_{props['major']}{props['minor']}")
    else:
        lines.append(f"CUDA available: no ({reason})")
    lines.append(_headers_line())
    lines.append(f"default dtype: {tl.get_default_dtype()}, default device: "
                 f"{tl.get_default_device()}")
    return "\n".join(lines)


def _headers_line():
    try:
        from tensorlite._backends import _cuda_random

        found = _cuda_random.describe_toolchain()
    except Exception as exc:  # a report must never fail
        found = f"unknown ({type(exc).__name__}: {exc})"
    return f"CUDA kernels: {found}"


def demo():
    import tensorlite as tl

    dev = "cuda" if tl.cuda.is_available() else "cpu"
    print(f"tensorlite demo on {dev}" + ("" if dev == "cuda" else " (no GPU found: using the CPU)"))
    x = tl.tensor([1.0, 2.0, 3.0], device=dev)
    print("tl.tensor([1., 2., 3.]) ->", x, x.shape, x.dtype)
    print("tl.zeros(2, 3) ->", tl.zeros(2, 3, device=dev))
    print("tl.linspace(-1, 1, steps=5) ->", tl.linspace(-1, 1, steps=5, device=dev))
    tl.manual_seed(42)
    a = tl.randn(3, device=dev)
    tl.manual_seed(42)
    b = tl.randn(3, device=dev)
    print("manual_seed(42); randn(3) twice ->", a, "same:", bool((a == b).all()))
    cpu = tl.rand(4, generator=tl.Generator().manual_seed(7))
    print("Generator(seed 7).rand(4) on cpu ->", cpu, "(the same values on every GPU)")
    layer = tl.nn.Linear(128, 64, device=dev)
    tl.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    tl.nn.init.zeros_(layer.bias)
    print(layer, "weight std", round(layer.weight.std().item(), 4),
          "expected", round((2 / 128) ** 0.5, 4))
    print(tl.nn.Sequential(tl.nn.Linear(128, 256), tl.nn.ReLU(), tl.nn.Linear(256, 10)))
    train_demo(dev)


def train_demo(dev, steps=300):
    """A model learning: an MLP fits y = sin(3x) on [-1, 1] with Adam (autograd,
    ``nn``, ``optim``); the same seed gives the same losses on every run and device."""
    import tensorlite as tl
    from tensorlite import nn

    tl.manual_seed(0)
    x = tl.linspace(-1, 1, 256, device=dev).unsqueeze(1)
    y = (3 * x).sin()
    model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 1)).to(dev)
    optimizer = tl.optim.Adam(model.parameters(), lr=1e-2)
    print(f"training {sum(p.numel() for p in model.parameters())} parameters to fit "
          f"sin(3x) with Adam:")
    for step in range(1, steps + 1):
        loss = tl.nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step == 1 or step % 100 == 0:
            print(f"  step {step:4d}  loss {loss.item():.6f}")
    return loss.item()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo"]:
        demo()
    elif argv[:1] == ["api"]:
        from tensorlite import _api_coverage

        print(_api_coverage.report(*argv[1:2]))
    elif not argv:
        print(report())
    else:
        print("usage: python -m tensorlite [demo | api [names_file]]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
