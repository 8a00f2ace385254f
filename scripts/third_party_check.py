"""Run a third-party PyTorch file unchanged on tensorlite and compare with torch.

The project's measure of success: a real PyTorch script runs with only its
imports rewritten (``import torch`` -> ``import tensorlite as torch``), it
builds, initializes and trains, and started from the same weights its losses
match PyTorch's step by step.  This script repeats that check for a maintainer.
It fetches nothing (CI has no network): you give it the path of a third-party
file you obtained yourself.  Keep such files out of the repository.

The kinds of file understood (``kind`` argument):

``nanogpt``  karpathy/nanoGPT ``model.py`` (forks with extra config switches
    work too).  A small ``GPTConfig`` is built in torch and in tensorlite,
    torch's initial ``state_dict`` is copied into tensorlite through NumPy,
    both train ``--steps`` steps with the file's own ``configure_optimizers``
    (AdamW, two parameter groups) plus ``clip_grad_norm_(…, 1.0)`` as
    nanoGPT's ``train.py`` does, on identical random token batches.  Then
    ``generate`` runs in both.

``mingpt``   karpathy/minGPT ``mingpt/model.py``: the same steps, with the
    file's ``configure_optimizers(train_config)`` (dropout probabilities 0).

``mnist``, ``mnist_rnn``    pytorch/examples ``mnist/main.py`` and
    ``mnist_rnn/main.py``.  Their ``main()`` runs unchanged
    (Adadelta + StepLR, the ``train``/``test`` loops, ``DataLoader``) in both
    libraries.  Only the data is substituted: a stub ``torchvision`` module
    serves a tiny synthetic dataset of MNIST's shapes (1x28x28 images, 10
    classes).  Each framework's ``Net.__init__`` is wrapped so that tensorlite's copy
    starts from torch's initial weights and, unless ``--dropout``, has its
    dropout probabilities set to 0 so the runs are comparable exactly; the
    losses are recorded by wrapping ``F.nll_loss``.  With ``--dropout`` the
    dropout layers stay on, and the mean training loss is compared
    statistically (the random streams differ, so only the level can agree).

``word_language_model``   pytorch/examples ``word_language_model/model.py``:
    ``RNNModel`` (LSTM, GRU, RNN_TANH with tied weights, RNN_RELU) and
    ``TransformerModel``, trained with ``main.py``'s loop (written out here:
    main.py itself reads a corpus from disk and pickles the whole model):
    ``CrossEntropyLoss``, ``clip_grad_norm_(…, 0.25)``, plain SGD through
    ``p.data.add_(p.grad, alpha=-lr)``, hidden state detached between chunks;
    then ``evaluate()``.  Dropout 0 (``nn.Transformer``'s layers included).

``super_resolution``   pytorch/examples ``super_resolution/model.py``
    (``PixelShuffle``, the deprecated ``init.orthogonal``), trained with
    ``main.py``'s Adam and ``MSELoss`` on random low/high-resolution pairs.

``time_sequence``   pytorch/examples ``time_sequence_prediction/train.py``:
    its ``Sequence`` (two ``LSTMCell``) under ``LBFGS(lr=0.8)`` with the
    file's closure, on ``generate_sine_wave.py``'s data (smaller); every
    closure evaluation and the future-prediction test loss are compared.
    LBFGS feeds losses back into its line search, so the bound is 100x
    ``--rtol``.

``vae``, ``dcgan``   pytorch/examples ``vae/main.py`` and ``dcgan/main.py``:
    whole module-level scripts, run unchanged (argv, the fake torchvision's
    ``MNIST``/``FakeData``, ``save_image`` a no-op).  Inside those runs
    ``randn``/``randn_like`` and ``DataLoader(shuffle=True)`` draw from NumPy
    generators with one seed for both libraries, since their own streams
    differ.  The VAE's model gets torch's initial weights; the DCGAN runs start
    from the checkpoints a first torch run writes, passed through the script's
    own ``--netG``/``--netD`` (saved with each library's ``save``).  Every
    ``loss_function`` / ``BCELoss`` value is compared.

``forward_forward``   pytorch/examples ``mnist_forward_forward/main.py``: its
    ``__main__`` block runs unchanged (layers trained one by one with Adam,
    ``torch.randint`` negatives drawn from the shared NumPy stream, every
    ``nn.Linear`` started from the same NumPy-drawn weights in both); the
    printed per-layer losses and train/test errors are compared.

The import rewrite (``substitute``) maps ``import torch`` /
``import torch.X as Y`` / ``import torch.X`` / ``from torch[.X] import …`` to
``tensorlite``; nothing else in the file is touched.

Examples::

    python scripts/third_party_check.py nanogpt /tmp/thirdparty/orig/nanogpt_model.py
    python scripts/third_party_check.py mnist /tmp/thirdparty/orig/mnist_main.py --dtype float32
    python scripts/third_party_check.py nanogpt model.py --write /tmp/tl_model.py
    python scripts/third_party_check.py dcgan /tmp/thirdparty/orig/dcgan_main.py

The exit status is 0 when every step's relative loss difference is at most
``--rtol`` (default 1e-9 in float64, 1e-4 in float32), 1 otherwise.
"""

import argparse
import contextlib
import io
import re
import sys
import types
import warnings

import numpy as np

_IMPORT_RULES = [
    # ``import torch.nn.functional as F`` -> ``import tensorlite.nn.functional as F``
    (re.compile(r"^(\s*)import torch(\.[\w.]+)? as (\w+)\s*$"), r"\1import tensorlite\2 as \3"),
    # ``import torch`` -> ``import tensorlite as torch`` (keeps the name ``torch``)
    (re.compile(r"^(\s*)import torch\s*$"), r"\1import tensorlite as torch"),
    # ``from torch.nn import functional as F`` / ``from torch import nn``
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import "), r"\1from tensorlite\2 import "),
    # ``import torch.utils.data`` loads the submodule and binds ``torch``: do both
    (re.compile(r"^(\s*)import torch(\.[\w.]+)\s*$"),
     r"\1import tensorlite\2, tensorlite as torch"),
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
def _gpt_steps(runs, steps, vocab, block, rng):
    """Train each ``(lib, model, optimizer)`` on the same random token batches.

    One step is nanoGPT's / minGPT's: ``loss.backward()``,
    ``clip_grad_norm_(…, 1.0)``, ``step()``, ``zero_grad(set_to_none=True)``.
    Returns one list of losses per run.
    """
    losses = tuple([] for _ in runs)
    for _ in range(steps):
        x = rng.integers(0, vocab, size=(4, block))
        y = rng.integers(0, vocab, size=(4, block))
        for (lib, model, opt), out in zip(runs, losses):
            _, loss = model(lib.tensor(x), lib.tensor(y))
            loss.backward()
            lib.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            out.append(loss.item())
    return losses


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
        losses = _gpt_steps(((torch, tmodel, topt), (tl, lmodel, lopt)), args.steps,
                            cfg["vocab_size"], cfg["block_size"], rng)
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

    class ToTensor:  # HxW or HxWxC uint8 -> CxHxW in [0, 1]
        def __call__(self, img):
            img = img[None] if img.ndim == 2 else img.transpose(2, 0, 1)
            return lib.tensor(img / 255.0, dtype=lib.get_default_dtype())

    class Lambda:
        def __init__(self, fn):
            self.fn = fn

        def __call__(self, x):
            return self.fn(x)

    class Normalize:
        def __init__(self, mean, std):
            self.mean, self.std = mean[0], std[0]

        def __call__(self, x):
            return (x - self.mean) / self.std

    class FakeData:  # torchvision.datasets.FakeData: random images, class 0
        def __init__(self, size=n_train, image_size=(3, 224, 224), num_classes=10,
                     transform=None, **_):
            c, h, w = image_size
            self.images = np.random.default_rng(3).integers(0, 256, size=(size, h, w, c),
                                                            dtype=np.uint8)
            self.transform = transform

        def __len__(self):
            return len(self.images)

        def __getitem__(self, i):
            img = self.images[i]
            return (self.transform(img) if self.transform else img), 0

    tv = types.ModuleType("torchvision")
    tv.datasets = types.SimpleNamespace(MNIST=MNIST, FakeData=FakeData)
    tv.transforms = types.SimpleNamespace(Compose=Compose, ToTensor=ToTensor,
                                          Normalize=Normalize, Lambda=Lambda)
    tv.utils = types.SimpleNamespace(save_image=lambda *a, **k: None)  # writes no files
    for sub in ("datasets", "transforms", "utils"):  # ``import torchvision.utils as vutils``
        sys.modules["torchvision." + sub] = getattr(tv, sub)
    return tv


def _drop_torchvision():
    for name in ("torchvision", "torchvision.datasets", "torchvision.transforms",
                 "torchvision.utils"):
        sys.modules.pop(name, None)


def _run_mnist(source, name, lib, args, init_state, dropout):
    """Run the file's ``main()`` under ``lib``; return (losses, initial state, stdout)."""
    captured = {}
    losses = {"mean": [], "sum": []}  # the train loop's and the test loop's calls
    # the file's own device switches, where it has them (mnist_rnn has none)
    flags = [f for f in ("--no-cuda", "--no-mps") if f"'{f}'" in source]
    argv = ["main.py", "--epochs", str(args.epochs), "--batch-size", "16",
            "--test-batch-size", "32", "--log-interval", "1", *flags]
    with _script_env(lib, args, argv) as text:
        mod = load_module(source, name, args.path)
        original_init = mod.Net.__init__

        def init(self):  # same model; start from given weights, optionally no dropout
            original_init(self)
            captured["state"] = _start_from(self, lib, init_state)
            if not dropout:
                for m in self.modules():  # Dropout, Dropout2d, …
                    if "Dropout" in type(m).__name__:
                        m.p = 0.0

        # patched in place, not subclassed: the file calls ``super(Net, self)``
        mod.Net.__init__ = init

        def nll_loss(*a, **k):
            out = real_f.nll_loss(*a, **k)
            losses[k.get("reduction", "mean")].append(out.item())
            return out

        real_f = mod.F
        mod.F = types.SimpleNamespace(**{n: getattr(real_f, n) for n in dir(real_f)
                                         if not n.startswith("__")})
        mod.F.nll_loss = nll_loss
        mod.main()
    return losses, captured["state"], text.getvalue()


def check_mnist(source, args, torch, tl):
    ok = True
    for dropout in ([False, True] if args.dropout else [False]):
        tlosses, state, tout = _run_mnist(source, "_tp_torch_mnist", torch, args, None, dropout)
        llosses, _, lout = _run_mnist(substitute(source), "_tp_tl_mnist", tl, args, state,
                                      dropout)
        tests = [re.findall(r"Test set: Average loss: ([\d.]+), Accuracy: (\d+)", o)
                 for o in (tout, lout)]
        print(f"{args.kind} test loop: torch {tests[0]}  tensorlite {tests[1]}")
        if not dropout:
            ok &= _report(f"{args.kind} train", tlosses["mean"], llosses["mean"], args.rtol)
            ok &= _report(f"{args.kind} test (summed batch losses)", tlosses["sum"],
                          llosses["sum"], args.rtol)
            ok &= tests[0] == tests[1] and len(tests[0]) == args.epochs
        else:
            # different random streams: compare the level of the training loss only
            a, b = np.mean(tlosses["mean"]), np.mean(llosses["mean"])
            close = _rel(a, b) < 0.25
            print(f"{args.kind}[dropout]: mean train loss torch {a:.4f} tensorlite {b:.4f} "
                  f"({'OK' if close else 'FAIL'}: rel.diff < 0.25)")
            ok &= close
    return ok


# ------------------------------------------------------------ shared helpers
def _pair(source, stem, path):
    """The file as a torch module and, import-substituted, as a tensorlite module."""
    return (load_module(source, f"_tp_torch_{stem}", path),
            load_module(substitute(source), f"_tp_tl_{stem}", path))


def _start_from(module, lib, state):
    """Return ``module``'s state as NumPy arrays when ``state`` is None, else load ``state``.

    The torch run goes first and its initial weights become tensorlite's.
    """
    if state is None:
        return {k: _to_numpy(v).copy() for k, v in module.state_dict().items()}
    module.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    return state


def _dtype_of(lib, args):
    return getattr(lib, args.dtype)


@contextlib.contextmanager
def _default_dtype(lib, dtype):
    old = lib.get_default_dtype()
    lib.set_default_dtype(dtype)
    try:
        yield
    finally:
        lib.set_default_dtype(old)


class _NumpySampler:
    """Shuffled indices from NumPy: the same epoch order in both libraries."""

    def __init__(self, n, seed):
        self.n, self.rng = n, np.random.default_rng(seed)

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self):
        return self.n


@contextlib.contextmanager
def _script_env(lib, args, argv, seed=0):
    """Run a whole script under ``lib``: its argv, stub torchvision, default dtype.

    The two libraries' random streams differ, so inside the block the script's
    noise (``lib.randn``, ``lib.randn_like``, ``lib.randint``) and ``DataLoader(shuffle=True)``'s
    order are drawn from NumPy generators seeded ``seed`` — the same numbers for
    torch and tensorlite.  The script's stdout is swallowed (yielded as a
    StringIO).  Everything is restored on exit.
    """
    noise = np.random.default_rng(seed)
    real = (lib.randn, lib.randn_like, lib.randint, lib.utils.data.DataLoader)

    def randn(*size, dtype=None, device=None, requires_grad=False, **kw):
        size = kw.get("size", size)
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        return lib.tensor(noise.standard_normal(tuple(size)),
                          dtype=dtype or lib.get_default_dtype(), device=device,
                          requires_grad=requires_grad)

    def randn_like(t, dtype=None, device=None, **_):
        return randn(*t.shape, dtype=dtype or t.dtype, device=device or t.device)

    def randint(*bounds, size=None, dtype=None, device=None, **_):
        if size is None:  # randint(low, high, size) / randint(high, size)
            *bounds, size = bounds
        low, high = (0, *bounds) if len(bounds) == 1 else bounds
        return lib.tensor(noise.integers(low, high, size=tuple(size)),
                          dtype=dtype or lib.int64, device=device)

    def data_loader(dataset, batch_size=1, shuffle=False, **kw):
        if shuffle:
            kw["sampler"] = _NumpySampler(len(dataset), seed)
        return real[3](dataset, batch_size=batch_size, **kw)

    sys.modules["torchvision"] = _fake_torchvision(lib, args.n_train, args.n_test)
    old_argv, sys.argv = sys.argv, list(argv)
    lib.randn, lib.randn_like, lib.randint, lib.utils.data.DataLoader = (
        randn, randn_like, randint, data_loader)
    text = io.StringIO()
    try:
        with _default_dtype(lib, _dtype_of(lib, args)), contextlib.redirect_stdout(text):
            yield text
    finally:
        lib.randn, lib.randn_like, lib.randint, lib.utils.data.DataLoader = real
        sys.argv = old_argv
        _drop_torchvision()


# ---------------------------------------------------------------------- minGPT
def check_mingpt(source, args, torch, tl):
    tmod, lmod = _pair(source, "mingpt", args.path)
    cfg = dict(n_layer=2, n_head=2, n_embd=32, embd_pdrop=0.0, resid_pdrop=0.0,
               attn_pdrop=0.0)
    train_config = types.SimpleNamespace(weight_decay=0.1, learning_rate=1e-3,
                                         betas=(0.9, 0.95))
    runs, state = [], None
    for lib, mod in ((torch, tmod), (tl, lmod)):
        lib.manual_seed(0)
        model = mod.GPT(mod.GPTConfig(64, 16, **cfg)).to(_dtype_of(lib, args))
        state = _start_from(model, lib, state)
        runs.append((lib, model, model.configure_optimizers(train_config)))
    losses = _gpt_steps(runs, args.steps, 64, 16, np.random.default_rng(0))
    return _report("mingpt", losses[0], losses[1], args.rtol)


# -------------------------------------------------------- word_language_model
def _wlm_train(lib, model, kind, batches, ntoken, bptt, lr=20.0, clip=0.25):
    """word_language_model/main.py's ``train()`` then ``evaluate()`` on ``batches``.

    ``batches`` is a (seq, batch) token array as ``batchify`` makes.  The update
    is main.py's plain SGD ``p.data.add_(p.grad, alpha=-lr)`` after
    ``clip_grad_norm_``; the hidden state is detached between chunks
    (``repackage_hidden``).  Returns the training losses and the evaluation loss.
    """
    criterion = lib.nn.CrossEntropyLoss()
    recurrent = kind != "Transformer"

    def repackage(h):
        return h.detach() if isinstance(h, lib.Tensor) else tuple(repackage(v) for v in h)

    def chunks():
        for i in range(0, len(batches) - 1, bptt):
            n = min(bptt, len(batches) - 1 - i)
            yield lib.tensor(batches[i:i + n]), lib.tensor(batches[i + 1:i + 1 + n]).view(-1)

    model.train()
    hidden = model.init_hidden(batches.shape[1]) if recurrent else None
    losses = []
    for data, targets in chunks():
        model.zero_grad()
        if recurrent:
            hidden = repackage(hidden)
            output, hidden = model(data, hidden)
        else:
            output = model(data)
        loss = criterion(output.view(-1, ntoken), targets)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    model.eval()
    total = 0.0
    hidden = model.init_hidden(batches.shape[1]) if recurrent else None
    with lib.no_grad():
        for data, targets in chunks():
            if recurrent:
                output, hidden = model(data, hidden)
                hidden = repackage(hidden)
            else:
                output = model(data)
            total += len(data) * criterion(output.view(-1, ntoken), targets).item()
    return losses + [total / (len(batches) - 1)]


def check_word_language_model(source, args, torch, tl):
    tmod, lmod = _pair(source, "wlm", args.path)
    ntoken, nbatch, bptt = 40, 4, 5
    stream = np.random.default_rng(0).integers(0, ntoken, size=nbatch * bptt * args.steps + 1)
    batches = stream[:len(stream) // nbatch * nbatch].reshape(nbatch, -1).T.copy()  # batchify
    ok = True
    for kind, tied in (("LSTM", False), ("GRU", False), ("RNN_TANH", True), ("RNN_RELU", False),
                       ("Transformer", False)):
        losses, state = [], None
        for lib, mod in ((torch, tmod), (tl, lmod)):
            lib.manual_seed(0)
            if kind == "Transformer":
                model = mod.TransformerModel(ntoken, 16, 2, 32, 2, dropout=0.0)
            else:
                model = mod.RNNModel(kind, ntoken, 16, 16, 2, dropout=0.0, tie_weights=tied)
            model = model.to(_dtype_of(lib, args))
            for m in model.modules():  # nn.Transformer's own layers default to dropout 0.1
                if isinstance(m, lib.nn.Dropout):
                    m.p = 0.0
                elif isinstance(m, lib.nn.MultiheadAttention):  # attention dropout: a float
                    m.dropout = 0.0
            state = _start_from(model, lib, state)
            losses.append(_wlm_train(lib, model, kind, batches, ntoken, bptt))
        label = f"word_language_model[{kind}{', tied' if tied else ''}]"
        ok &= _report(label, losses[0], losses[1], args.rtol)
    return ok


# ----------------------------------------------------------- super_resolution
def check_super_resolution(source, args, torch, tl):
    tmod, lmod = _pair(source, "superres", args.path)
    rng = np.random.default_rng(0)
    batches = [(rng.random((2, 1, 8, 8)), rng.random((2, 1, 24, 24)))
               for _ in range(args.steps)]
    losses, state = [], None
    for lib, mod in ((torch, tmod), (tl, lmod)):
        lib.manual_seed(0)
        with warnings.catch_warnings():  # the file calls the deprecated init.orthogonal
            warnings.simplefilter("ignore")
            model = mod.Net(upscale_factor=3).to(_dtype_of(lib, args))
        state = _start_from(model, lib, state)
        opt = lib.optim.Adam(model.parameters(), lr=0.01)  # super_resolution/main.py
        criterion, out = lib.nn.MSELoss(), []
        for x, y in batches:
            opt.zero_grad()
            loss = criterion(model(lib.tensor(x, dtype=_dtype_of(lib, args))),
                             lib.tensor(y, dtype=_dtype_of(lib, args)))
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses.append(out)
    return _report("super_resolution", losses[0], losses[1], args.rtol)


# ---------------------------------------------------- time_sequence_prediction
def _stub_matplotlib():
    """The file imports matplotlib at the top; a stand-in when it is not installed."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        mpl = types.ModuleType("matplotlib")
        mpl.use = lambda *a, **k: None
        mpl.pyplot = types.ModuleType("matplotlib.pyplot")
        sys.modules.update({"matplotlib": mpl, "matplotlib.pyplot": mpl.pyplot})


def check_time_sequence(source, args, torch, tl):
    _stub_matplotlib()
    tmod, lmod = _pair(source, "tsp", args.path)
    # generate_sine_wave.py's data, smaller: N shifted sine waves of length L
    n, length, period = 8, 30, 20
    rs = np.random.default_rng(0)
    x = np.arange(length) + rs.integers(-4 * period, 4 * period, n).reshape(n, 1)
    data = np.sin(x / period)
    losses, state = [], None
    for lib, mod in ((torch, tmod), (tl, lmod)):
        lib.manual_seed(0)
        seq = mod.Sequence().double()
        state = _start_from(seq, lib, state)
        t = lib.tensor(data)
        inp, target, test_inp, test_target = t[3:, :-1], t[3:, 1:], t[:3, :-1], t[:3, 1:]
        criterion = lib.nn.MSELoss()
        optimizer = lib.optim.LBFGS(seq.parameters(), lr=0.8)  # as train.py
        out = []
        for _ in range(max(1, args.steps // 2)):
            def closure():
                optimizer.zero_grad()
                loss = criterion(seq(inp), target)
                out.append(loss.item())
                loss.backward()
                return loss
            optimizer.step(closure)
            with lib.no_grad():
                future = 10
                pred = seq(test_inp, future=future)
                out.append(criterion(pred[:, :-future], test_target).item())
        losses.append(out)
    # LBFGS's line search feeds each loss back into the next step: rounding-level
    # differences (1e-16 over the first evaluations) grow to ~1e-9 by the 40th in
    # float64, so this check allows 100x the default tolerance
    return _report("time_sequence_prediction (LBFGS evaluations, test)", losses[0], losses[1],
                   args.rtol * 100)


# ------------------------------------------------------------------------ VAE
def check_vae(source, args, torch, tl):
    """vae/main.py: the module-level script runs unchanged; ``train``/``test`` per epoch."""
    argv = ["main.py", "--batch-size", "16", "--epochs", str(args.epochs), "--no-cuda",
            "--log-interval", "1"]
    runs, state = [], None
    for lib, src in ((torch, source), (tl, substitute(source))):
        out = []
        with _script_env(lib, args, argv):
            mod = load_module(src, f"_tp_{lib.__name__}_vae", args.path)
            state = _start_from(mod.model, lib, state)
            real_loss = mod.loss_function

            def loss_function(*a, _real=real_loss, _out=out):  # records every batch's loss
                value = _real(*a)
                _out.append(value.item())
                return value

            mod.loss_function = loss_function
            for epoch in range(1, args.epochs + 1):
                mod.train(epoch)
                mod.test(epoch)
        runs.append(out)
    return _report("vae (train and test batches)", runs[0], runs[1], args.rtol)


# ---------------------------------------------------------------------- DCGAN
def _run_dcgan(source, lib, args, argv):
    """Execute dcgan/main.py under ``lib``; return every ``BCELoss`` value it computed."""
    out = []
    real = lib.nn.BCELoss

    class BCELoss(real):  # the script's ``criterion``, recording
        def forward(self, input, target):
            value = super().forward(input, target)
            out.append(value.item())
            return value

    lib.nn.BCELoss = BCELoss
    try:
        with _script_env(lib, args, argv):
            load_module(source, f"_tp_{lib.__name__}_dcgan", args.path)
    finally:
        lib.nn.BCELoss = real
    return out


def check_dcgan(source, args, torch, tl):
    """dcgan/main.py with ``--dataset fake``: the whole script runs unchanged.

    Both runs start from the same weights through the script's own
    ``--netG``/``--netD`` options: a first torch run (its own initialization)
    writes checkpoints; they are re-saved with each library's ``save`` and
    loaded by each library's ``load`` in the compared runs.
    """
    import tempfile

    outf = tempfile.mkdtemp(prefix="tp_dcgan_")
    argv = ["main.py", "--dataset", "fake", "--workers", "0", "--batchSize", "4", "--nz", "8",
            "--ngf", "4", "--ndf", "4", "--niter", "1", "--outf", outf, "--manualSeed", "7"]
    _run_dcgan(source, torch, args, argv)
    start = {net: {k: _to_numpy(v) for k, v in torch.load(f"{outf}/{net}_epoch_0.pth").items()}
             for net in ("netG", "netD")}
    runs = []
    for lib, src in ((torch, source), (tl, substitute(source))):
        paths = []
        for net, state in start.items():
            path = f"{outf}/{lib.__name__}_{net}_start.pth"
            lib.save({k: lib.tensor(v) for k, v in state.items()}, path)
            paths += [f"--{net}", path]
        runs.append(_run_dcgan(src, lib, args, argv + paths))
    return _report("dcgan (errD_real, errD_fake, errG per batch)", runs[0], runs[1], args.rtol)


# ------------------------------------------------------------- forward-forward
@contextlib.contextmanager
def _as_main(lib):
    """Execute a file's ``if __name__ == "__main__":`` block; give every ``nn.Linear``
    the same first weights in both libraries (the file builds its layers inside that
    block): U(-1/sqrt(in), 1/sqrt(in)) from NumPy, weight then bias, as PyTorch's
    bounds."""
    init = np.random.default_rng(11)
    real_reset, real_main = lib.nn.Linear.reset_parameters, sys.modules["__main__"]

    def reset_parameters(self, generator=None):
        bound = 1 / np.sqrt(self.in_features)
        with lib.no_grad():
            for p in (self.weight, self.bias):
                if p is not None:
                    p.copy_(lib.tensor(init.uniform(-bound, bound, tuple(p.shape))))

    lib.nn.Linear.reset_parameters = reset_parameters
    try:
        yield
    finally:
        lib.nn.Linear.reset_parameters = real_reset
        sys.modules["__main__"] = real_main


def check_forward_forward(source, args, torch, tl):
    """mnist_forward_forward/main.py: the whole ``__main__`` block, unchanged."""
    argv = ["main.py", "--epochs", str(args.steps), "--train_size", str(args.n_train),
            "--test_size", str(args.n_test), "--log-interval", "1", "--no_cuda"]
    runs = []
    for lib, src in ((torch, source), (tl, substitute(source))):
        with _script_env(lib, args, argv) as text, _as_main(lib):
            load_module(src, "__main__", args.path)
        out = text.getvalue()
        runs.append([float(v) for v in re.findall(r"(?:Loss: |error:) +([-\d.e]+)", out)])
    return _report("forward_forward (per-layer losses, train and test error)", runs[0], runs[1],
                   args.rtol)


CHECKS = {"nanogpt": check_nanogpt, "mnist": check_mnist, "mnist_rnn": check_mnist,
          "mingpt": check_mingpt,
          "word_language_model": check_word_language_model,
          "super_resolution": check_super_resolution, "time_sequence": check_time_sequence,
          "vae": check_vae, "dcgan": check_dcgan, "forward_forward": check_forward_forward}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(CHECKS))
    parser.add_argument("path", help="the third-party file (original, with torch imports)")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    parser.add_argument("--steps", type=int, default=5, help="training steps (model files)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs (MNIST, VAE scripts)")
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
    return 0 if CHECKS[args.kind](source, args, torch, tl) else 1


if __name__ == "__main__":
    sys.exit(main())
