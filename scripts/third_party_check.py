"""Run a third-party PyTorch file unchanged on tensorlite and compare with torch.

The project's measure of success: a real PyTorch script runs with only its
imports rewritten (``import torch`` -> ``import tensorlite as torch``), it
builds, initializes and trains, and started from the same weights its losses
match PyTorch's step by step.  This script repeats that check for a maintainer.
It fetches nothing (CI has no network): you give it the path of a third-party
file you obtained yourself.  Keep such files out of the repository.

Two kinds of file are understood:

``nanogpt``  karpathy/nanoGPT ``model.py`` (forks with extra config switches
    work too).  A small ``GPTConfig`` is built in torch and in tensorlite,
    torch's initial ``state_dict`` is copied into tensorlite through NumPy,
    both train ``--steps`` steps with the file's own ``configure_optimizers``
    (AdamW, two parameter groups) plus ``clip_grad_norm_(…, 1.0)`` as
    nanoGPT's ``train.py`` does, on identical random token batches.  Then
    ``generate`` runs in both.

``mnist``    pytorch/examples ``mnist/main.py``.  Its ``main()`` runs unchanged
    (Adadelta + StepLR, the ``train``/``test`` loops, ``DataLoader``) in both
    libraries.  Only the data is substituted: a stub ``torchvision`` module
    serves a tiny synthetic dataset of MNIST's shapes (1x28x28 images, 10
    classes).  Each framework's ``Net.__init__`` is wrapped so that tensorlite's copy
    starts from torch's initial weights and, unless ``--dropout``, has its
    dropout probabilities set to 0 so the runs are comparable exactly; the
    losses are recorded by wrapping ``F.nll_loss``.  With ``--dropout`` the
    dropout layers stay on, and the mean training loss is compared
    statistically (the random streams differ, so only the level can agree).

The import rewrite (``substitute``) maps ``import torch`` /
``import torch.X as Y`` / ``from torch[.X] import …`` to ``tensorlite``;
nothing else in the file is touched.

Examples::

    python scripts/third_party_check.py nanogpt /tmp/thirdparty/orig/nanogpt_model.py
    python scripts/third_party_check.py mnist /tmp/thirdparty/orig/mnist_main.py --dtype float32
    python scripts/third_party_check.py nanogpt model.py --write /tmp/tl_model.py

The exit status is 0 when every step's relative loss difference is at most
``--rtol`` (default 1e-9 in float64, 1e-4 in float32), 1 otherwise.
"""

import argparse
import contextlib
import io
import re
import sys
import types

import numpy as np

_IMPORT_RULES = [
    # ``import torch.nn.functional as F`` -> ``import tensorlite.nn.functional as F``
    (re.compile(r"^(\s*)import torch(\.[\w.]+)? as (\w+)\s*$"), r"\1import tensorlite\2 as \3"),
    # ``import torch`` -> ``import tensorlite as torch`` (keeps the name ``torch``)
    (re.compile(r"^(\s*)import torch\s*$"), r"\1import tensorlite as torch"),
    # ``from torch.nn import functional as F`` / ``from torch import nn``
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import "), r"\1from tensorlite\2 import "),
]


def substitute(source):
    """Return ``source`` with its torch imports pointed at tensorlite.

    Only whole import lines change; code that says ``torch.x`` keeps working
    because ``import torch`` becomes ``import tensorlite as torch``.

    Example:
        >>> substitute("import torch\\nfrom torch.nn import functional as F\\n")
        'import tensorlite as torch\\nfrom tensorlite.nn import functional as F\\n'
    """
    out = []
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\n")
        for pattern, repl in _IMPORT_RULES:
            if pattern.match(body):
                body = pattern.sub(repl, body)
                break
        out.append(body + line[len(line.rstrip("\n")):])
    return "".join(out)


def load_module(source, name, filename):
    """Execute ``source`` as a fresh module registered under ``name``."""
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module  # dataclasses look their module up here
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - the point
    return module


def _to_numpy(t):
    return t.detach().cpu().numpy()


def copy_state(src_module, dst_module, tl):
    """Load ``src_module``'s (torch) state_dict into ``dst_module`` (tensorlite)."""
    state = {k: tl.tensor(_to_numpy(v)) for k, v in src_module.state_dict().items()}
    dst_module.load_state_dict(state)


def _rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _report(name, torch_losses, tl_losses, rtol):
    worst = 0.0
    print(f"{name}: step  torch                 tensorlite            rel.diff")
    for i, (a, b) in enumerate(zip(torch_losses, tl_losses)):
        r = _rel(a, b)
        worst = max(worst, r)
        print(f"{name}: {i:4d}  {a:.15g}  {b:.15g}  {r:.2e}")
    ok = len(torch_losses) == len(tl_losses) and worst <= rtol
    print(f"{name}: {len(tl_losses)} steps, worst relative difference {worst:.2e} "
          f"({'OK' if ok else 'FAIL'}, rtol {rtol:g})")
    return ok


# --------------------------------------------------------------------- nanoGPT
def check_nanogpt(source, args, torch, tl):
    tmod = load_module(source, "_tp_torch_model", args.path)
    lmod = load_module(substitute(source), "_tp_tl_model", args.path)
    dtype = args.dtype
    fields = set(tmod.GPTConfig.__dataclass_fields__)
    variants = [{}]  # the file's own defaults
    # GPT-2 style switches, where this copy of the file has them
    gpt2 = {k: v for k, v in {"bias": True, "use_rmsnorm": False, "use_relu": False}.items()
            if k in fields}
    if gpt2:
        variants.append(gpt2)
    ok = True
    for extra in variants:
        cfg = dict(block_size=16, vocab_size=64, n_layer=2, n_head=2, n_embd=32, dropout=0.0,
                   **extra)
        label = "nanogpt" + ("[" + ",".join(f"{k}={v}" for k, v in extra.items()) + "]"
                             if extra else "")
        with contextlib.redirect_stdout(io.StringIO()):  # the model prints its size
            torch.manual_seed(0)
            tmodel = tmod.GPT(tmod.GPTConfig(**cfg)).to(getattr(torch, dtype))
            lmodel = lmod.GPT(lmod.GPTConfig(**cfg)).to(getattr(tl, dtype))
            copy_state(tmodel, lmodel, tl)
            topt = tmodel.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
            lopt = lmodel.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
        rng = np.random.default_rng(0)
        losses = ([], [])
        for _ in range(args.steps):
            x = rng.integers(0, cfg["vocab_size"], size=(4, cfg["block_size"]))
            y = rng.integers(0, cfg["vocab_size"], size=(4, cfg["block_size"]))
            for lib, model, opt, out in ((torch, tmodel, topt, losses[0]),
                                         (tl, lmodel, lopt, losses[1])):
                _, loss = model(lib.tensor(x), lib.tensor(y))
                loss.backward()
                lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                opt.zero_grad(set_to_none=True)
                out.append(loss.item())
        ok &= _report(label, losses[0], losses[1], args.rtol)
        # generate: sampling uses each library's own random stream, so compare
        # what does not depend on it (shape, dtype, prompt kept, tokens in range)
        for lib, model in ((torch, tmodel), (tl, lmodel)):
            model.eval()
            lib.manual_seed(0)
            prompt = lib.tensor(rng.integers(0, cfg["vocab_size"], size=(2, 3)))
            out = model.generate(prompt, 20, temperature=0.8)
            arr = _to_numpy(out)
            good = (tuple(out.shape) == (2, 23) and str(out.dtype).endswith("int64")
                    and (arr[:, :3] == _to_numpy(prompt)).all()
                    and arr.min() >= 0 and arr.max() < cfg["vocab_size"])
            print(f"{label}: generate with {lib.__name__}: shape {tuple(out.shape)} "
                  f"{'OK' if good else 'FAIL'}")
            ok &= bool(good)
    return ok


# ----------------------------------------------------------------------- MNIST
def _fake_torchvision(lib, n_train, n_test):
    """A ``torchvision`` stand-in: ``datasets.MNIST`` of synthetic images.

    Images are uint8 28x28 arrays from a fixed NumPy seed whose class shows as
    a bright 4x4 patch, so the net can learn; ``ToTensor`` and ``Normalize``
    produce ``lib`` tensors (1x28x28, the default dtype) as torchvision's do.
    """
    class MNIST:
        def __init__(self, root, train=True, download=False, transform=None):
            rng = np.random.default_rng(1 if train else 2)
            n = n_train if train else n_test
            self.targets = rng.integers(0, 10, size=n)
            self.images = rng.integers(0, 80, size=(n, 28, 28)).astype(np.uint8)
            for img, c in zip(self.images, self.targets):
                img[2 + 2 * c:6 + 2 * c, 10:14] = 255
            self.transform = transform

        def __len__(self):
            return len(self.targets)

        def __getitem__(self, i):
            img = self.images[i]
            if self.transform is not None:
                img = self.transform(img)
            return img, int(self.targets[i])

    class Compose:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, x):
            for step in self.steps:
                x = step(x)
            return x

    class ToTensor:
        def __call__(self, img):
            return lib.tensor(img[None] / 255.0, dtype=lib.get_default_dtype())

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = mean[0], std[0]

        def __call__(self, x):
            return (x - self.mean) / self.std

    tv = types.ModuleType("torchvision")
    tv.datasets = types.SimpleNamespace(MNIST=MNIST)
    tv.transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor,
                                          Normalize=Normalize)
    return tv


def _run_mnist(source, name, lib, args, init_state, dropout):
    """Run the file's ``main()`` under ``lib``; return (losses, initial state, stdout)."""
    sys.modules["torchvision"] = _fake_torchvision(lib, args.n_train, args.n_test)
    mod = load_module(source, name, args.path)
    captured = {}

    original_init = mod.Net.__init__

    def init(self):  # same model; start from given weights, optionally no dropout
        original_init(self)
        if init_state is None:
            captured["state"] = {k: _to_numpy(v).copy() for k, v in self.state_dict().items()}
        else:
            self.load_state_dict({k: lib.tensor(v) for k, v in init_state.items()})
        if not dropout:
            for m in self.modules():
                if isinstance(m, lib.nn.Dropout):
                    m.p = 0.0

    # patched in place, not subclassed: the file calls ``super(Net, self)``
    mod.Net.__init__ = init

    losses = {"mean": [], "sum": []}  # the train loop's and the test loop's calls

    def nll_loss(*a, **k):
        out = real_f.nll_loss(*a, **k)
        losses[k.get("reduction", "mean")].append(out.item())
        return out

    real_f = mod.F
    mod.F = types.SimpleNamespace(**{n: getattr(real_f, n) for n in dir(real_f)
                                     if not n.startswith("__")})
    mod.F.nll_loss = nll_loss
    argv = sys.argv
    sys.argv = ["main.py", "--epochs", str(args.epochs), "--batch-size", "16",
                "--test-batch-size", "32", "--log-interval", "1", "--no-cuda", "--no-mps"]
    text = io.StringIO()
    old = lib.get_default_dtype()
    lib.set_default_dtype(getattr(lib, args.dtype))
    try:
        with contextlib.redirect_stdout(text):
            mod.main()
    finally:
        lib.set_default_dtype(old)
        sys.argv = argv
        sys.modules.pop("torchvision", None)
    return losses, captured.get("state", init_state), text.getvalue()


def check_mnist(source, args, torch, tl):
    ok = True
    for dropout in ([False, True] if args.dropout else [False]):
        tlosses, state, tout = _run_mnist(source, "_tp_torch_mnist", torch, args, None, dropout)
        llosses, _, lout = _run_mnist(substitute(source), "_tp_tl_mnist", tl, args, state,
                                      dropout)
        tests = [re.findall(r"Test set: Average loss: ([\d.]+), Accuracy: (\d+)", o)
                 for o in (tout, lout)]
        print(f"mnist test loop: torch {tests[0]}  tensorlite {tests[1]}")
        if not dropout:
            ok &= _report("mnist train", tlosses["mean"], llosses["mean"], args.rtol)
            ok &= _report("mnist test (summed batch losses)", tlosses["sum"], llosses["sum"],
                          args.rtol)
            ok &= tests[0] == tests[1] and len(tests[0]) == args.epochs
        else:
            # different random streams: compare the level of the training loss only
            a, b = np.mean(tlosses["mean"]), np.mean(llosses["mean"])
            close = _rel(a, b) < 0.25
            print(f"mnist[dropout]: mean train loss torch {a:.4f} tensorlite {b:.4f} "
                  f"({'OK' if close else 'FAIL'}: rel.diff < 0.25)")
            ok &= close
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["nanogpt", "mnist"])
    parser.add_argument("path", help="the third-party file (original, with torch imports)")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--steps", type=int, default=5, help="nanoGPT training steps")
    parser.add_argument("--epochs", type=int, default=2, help="MNIST epochs")
    parser.add_argument("--n-train", type=int, default=64)
    parser.add_argument("--n-test", type=int, default=64)
    parser.add_argument("--dropout", action="store_true",
                        help="MNIST: also run with dropout on, compared statistically")
    parser.add_argument("--rtol", type=float, default=None)
    parser.add_argument("--write", metavar="PATH",
                        help="also write the import-substituted file here")
    args = parser.parse_args(argv)
    if args.rtol is None:
        args.rtol = 1e-9 if args.dtype == "float64" else 1e-4
    import torch

    import tensorlite as tl

    with open(args.path, encoding="utf-8") as f:
        source = f.read()
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(substitute(source))
    check = check_nanogpt if args.kind == "nanogpt" else check_mnist
    return 0 if check(source, args, torch, tl) else 1


if __name__ == "__main__":
    sys.exit(main())
