"""Third-party PyTorch scripts run unchanged on tensorlite and train as torch does.

Two kinds of test:

* ``test_saved_copy_matches_torch`` runs ``scripts/third_party_check.py`` on
  the third-party files themselves (pytorch/examples word_language_model,
  VAE, DCGAN, super_resolution, time_sequence_prediction, mnist; karpathy's
  nanoGPT and minGPT) when a copy is present in ``$TENSORLITE_THIRDPARTY``
  (default ``/tmp/thirdparty/orig``).  Names and sources: see ``_FILES``.  The files are not in the repository
  (licences), and CI has no network, so there they skip with that reason.
* The other tests build small models of the same shape here, so CI exercises
  the same code paths: a word-language-model GRU/LSTM/RNN with a tied decoder
  and main.py's clip-and-SGD loop, a VAE with the reparameterization trick
  and ``binary_cross_entropy(reduction="sum")``, a DCGAN generator
  (``ConvTranspose2d`` + ``BatchNorm2d``) and discriminator
  (``LeakyReLU(inplace=True)``), an ``LSTMCell`` sequence model under
  ``LBFGS``, and a ``PixelShuffle`` super-resolution net.  Each starts from
  torch's initial weights and its losses must equal torch's step by step
  (float64, relative 1e-10 unless stated).
"""

import contextlib
import importlib.util
import io
import os
import pathlib
import sys

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

_ROOT = pathlib.Path(__file__).resolve().parents[1]
_COPIES = pathlib.Path(os.environ.get("TENSORLITE_THIRDPARTY", "/tmp/thirdparty/orig"))
RTOL = 1e-10


def _load_script():
    spec = importlib.util.spec_from_file_location("third_party_check",
                                                  _ROOT / "scripts" / "third_party_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_script()


# ------------------------------------------------------- the real files, if present
_FILES = {  # check kind -> the saved copy's name (see the script's docstring)
    "nanogpt": "nanogpt_model.py",            # karpathy/nanoGPT model.py
    "mingpt": "mingpt_model.py",              # karpathy/minGPT mingpt/model.py
    "mnist": "mnist_main.py",                 # pytorch/examples mnist/main.py
    "mnist_rnn": "mnist_rnn_main.py",         # pytorch/examples mnist_rnn/main.py
    "word_language_model": "wlm_model.py",    # word_language_model/model.py
    "super_resolution": "superres_model.py",  # super_resolution/model.py
    "time_sequence": "tsp_train.py",          # time_sequence_prediction/train.py
    "vae": "vae_main.py",                     # vae/main.py
    "dcgan": "dcgan_main.py",                 # dcgan/main.py
    "forward_forward": "ff_main.py",          # mnist_forward_forward/main.py
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(_FILES))
def test_saved_copy_matches_torch(kind):
    path = _COPIES / _FILES[kind]
    if not path.exists():
        pytest.skip(f"no copy of the third-party file at {path} (not in the repository; "
                    f"CI has no network)")
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = check.main([kind, str(path), "--steps", "3", "--epochs", "1",
                             "--n-train", "32", "--n-test", "32"])
    assert status == 0, out.getvalue()[-3000:]


# ------------------------------------------------------------- the check script itself
def test_substitute_submodule_imports_keep_torch_bound_to_tensorlite():
    src = "import torch.utils.data\nimport torch.nn.parallel\nimport torchvision.utils\n"
    assert check.substitute(src) == (
        "import tensorlite.utils.data, tensorlite as torch\n"
        "import tensorlite.nn.parallel, tensorlite as torch\n"
        "import torchvision.utils\n")  # negative control: torchvision is left alone
    namespace = {}
    exec(check.substitute(src.splitlines()[0]), namespace)  # noqa: S102
    assert namespace["torch"] is tl and namespace["torch"].utils.data.DataLoader


def test_script_env_shares_noise_and_order_then_restores():
    args = type("A", (), {"n_train": 8, "n_test": 8, "dtype": "float64"})()
    seen = []
    for lib in (torch, tl):
        real = (lib.randn, lib.randn_like, lib.randint, lib.utils.data.DataLoader)
        with check._script_env(lib, args, ["x"]):
            noise = lib.randn(2, 3).numpy()
            like = lib.randn_like(lib.zeros(4)).numpy()
            ints = np.concatenate([lib.randint(5, size=(3,)).numpy(),
                                   lib.randint(2, 9, (2, 2)).numpy().ravel()])
            order = [int(b) for b in lib.utils.data.DataLoader(lib.arange(6), shuffle=True)]
            images = sys.modules["torchvision"].datasets.FakeData(
                size=2, image_size=(3, 4, 4), transform=sys.modules["torchvision"].transforms
                .ToTensor())[0][0]
        seen.append((noise, like, ints, order, images.numpy()))
        assert (lib.randn, lib.randn_like, lib.randint, lib.utils.data.DataLoader) == real
        assert "torchvision" not in sys.modules
    for a, b in zip(*seen):
        np.testing.assert_array_equal(a, b)
    assert sorted(seen[0][3]) == list(range(6)) and seen[0][3] != list(range(6))
    assert seen[0][2][:3].max() < 5 and seen[0][2][3:].min() >= 2
    assert seen[0][4].shape == (3, 4, 4)


# ----------------------------------------------------------------- helpers
def _copy(src, dst, device):
    dst.load_state_dict({k: tl.tensor(v.detach().numpy(), device=device)
                         for k, v in src.state_dict().items()})


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=rtol, atol=0)


# --------------------------------------------- word_language_model-style recurrent LM
class _WordLM:
    """Embedding -> 2-layer RNN -> Linear decoder tied to the embedding -> log_softmax."""

    def __init__(self, lib, kind, ntoken=30, nhid=12):
        nn = lib.nn
        self.lib, self.kind, self.ntoken = lib, kind, ntoken
        self.encoder = nn.Embedding(ntoken, nhid)
        rnn = {"LSTM": nn.LSTM, "GRU": nn.GRU}.get(kind)
        self.rnn = (rnn(nhid, nhid, 2) if rnn else
                    nn.RNN(nhid, nhid, 2, nonlinearity=kind.split("_")[1].lower()))
        self.decoder = nn.Linear(nhid, ntoken)
        self.decoder.weight = self.encoder.weight  # tied, as main.py --tied
        self.modules = nn.ModuleList([self.encoder, self.rnn, self.decoder])
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def __call__(self, x, hidden):
        output, hidden = self.rnn(self.encoder(x), hidden)
        return self.lib.nn.functional.log_softmax(
            self.decoder(output).view(-1, self.ntoken), dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.modules.parameters())
        zeros = weight.new_zeros(2, bsz, self.rnn.hidden_size)
        return (zeros, zeros.clone()) if self.kind == "LSTM" else zeros


def _wlm_losses(lib, model, tokens, device, lr=5.0):
    criterion, losses = lib.nn.CrossEntropyLoss(), []
    hidden = model.init_hidden(tokens.shape[1])
    for i in range(0, len(tokens) - 1, 4):
        data = lib.tensor(tokens[i:i + 4], device=device)
        target = lib.tensor(tokens[i + 1:i + 5], device=device).reshape(-1)
        hidden = (hidden.detach() if isinstance(hidden, lib.Tensor)
                  else tuple(h.detach() for h in hidden))
        model.modules.zero_grad()
        output, hidden = model(data[:len(target) // tokens.shape[1]], hidden)
        loss = criterion(output, target)
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.modules.parameters(), 0.25)
        for p in model.modules.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_word_language_model_shape_trains_as_torch(kind, device):
    tokens = np.random.default_rng(0).integers(0, 30, size=(17, 3))
    torch.manual_seed(0)
    with check._default_dtype(torch, torch.float64), check._default_dtype(tl, tl.float64):
        ours, theirs = _WordLM(tl, kind), _WordLM(torch, kind)
    ours.modules.to(device)
    _copy(theirs.modules, ours.modules, device)
    assert ours.decoder.weight is ours.encoder.weight  # the tie survives loading
    _close(_wlm_losses(torch, theirs, tokens, "cpu"), _wlm_losses(tl, ours, tokens, device))


# ------------------------------------------------------------------ VAE-style
def _vae(lib):
    nn = lib.nn
    return nn.ModuleDict({"fc1": nn.Linear(16, 10), "fc21": nn.Linear(10, 3),
                          "fc22": nn.Linear(10, 3), "fc3": nn.Linear(3, 10),
                          "fc4": nn.Linear(10, 16)})


def _vae_losses(lib, m, data, eps, device):
    F, losses = lib.nn.functional, []
    opt = lib.optim.Adam(m.parameters(), lr=1e-2)
    for x, e in zip(data, eps):
        x, e = lib.tensor(x, device=device), lib.tensor(e, device=device)
        opt.zero_grad()
        h1 = F.relu(m["fc1"](x.view(-1, 16)))
        mu, logvar = m["fc21"](h1), m["fc22"](h1)
        z = mu + e * lib.exp(0.5 * logvar)  # reparameterize with the shared noise
        recon = lib.sigmoid(m["fc4"](F.relu(m["fc3"](z))))
        bce = F.binary_cross_entropy(recon, x.view(-1, 16), reduction="sum")
        kld = -0.5 * lib.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = bce + kld
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def test_vae_shape_trains_as_torch(device):
    rng = np.random.default_rng(1)
    data = rng.random((4, 5, 1, 4, 4))  # images in [0, 1], as ToTensor gives
    eps = rng.standard_normal((4, 5, 3))
    torch.manual_seed(0)
    theirs = _vae(torch).double()
    ours = _vae(tl).double().to(device)
    _copy(theirs, ours, device)
    _close(_vae_losses(torch, theirs, data, eps, "cpu"), _vae_losses(tl, ours, data, eps, device))


# ---------------------------------------------------------------- DCGAN-style
def _dcgan(lib, nz=4, ngf=3, ndf=3):
    nn = lib.nn
    g = nn.Sequential(nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
                      nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                      nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(ngf), nn.ReLU(True),
                      nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                      nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
                      nn.LeakyReLU(0.2, inplace=True),
                      nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def weights_init(m):  # dcgan/main.py's
        if m.__class__.__name__.find("Conv") != -1:
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif m.__class__.__name__.find("BatchNorm") != -1:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    return g.apply(weights_init), d.apply(weights_init)


def _dcgan_losses(lib, g, d, real, noise, device):
    criterion, losses = lib.nn.BCELoss(), []
    opt_d = lib.optim.Adam(d.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_g = lib.optim.Adam(g.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for x, z in zip(real, noise):
        x, z = lib.tensor(x, device=device), lib.tensor(z, device=device)
        d.zero_grad()
        label = lib.full((x.size(0),), 1, dtype=x.dtype, device=device)
        err_real = criterion(d(x).view(-1), label)
        err_real.backward()
        fake = g(z)
        label.fill_(0)
        err_fake = criterion(d(fake.detach()).view(-1), label)
        err_fake.backward()
        opt_d.step()
        g.zero_grad()
        label.fill_(1)
        err_g = criterion(d(fake).view(-1), label)
        err_g.backward()
        opt_g.step()
        losses += [err_real.item(), err_fake.item(), err_g.item()]
    return losses, [v.detach().cpu().numpy() for v in g.state_dict().values()]


def test_dcgan_shape_trains_as_torch(device):
    rng = np.random.default_rng(2)
    real = np.tanh(rng.standard_normal((3, 4, 1, 16, 16)))
    noise = rng.standard_normal((3, 4, 4, 1, 1))
    torch.manual_seed(0)
    with check._default_dtype(torch, torch.float64), check._default_dtype(tl, tl.float64):
        tg, td = _dcgan(torch)
        lg, ld = _dcgan(tl)
    lg.to(device), ld.to(device)
    _copy(tg, lg, device)
    _copy(td, ld, device)
    (a, a_state), (b, b_state) = (_dcgan_losses(torch, tg, td, real, noise, "cpu"),
                                  _dcgan_losses(tl, lg, ld, real, noise, device))
    _close(a, b)
    for x, y in zip(a_state, b_state):  # weights and BatchNorm running statistics
        np.testing.assert_allclose(y, x, rtol=1e-9, atol=1e-12)


# ------------------------------------------- time_sequence_prediction-style (LBFGS)
class _Sequence:
    def __init__(self, lib, hidden=6):
        nn = lib.nn
        self.lib, self.hidden = lib, hidden
        self.net = nn.ModuleList([nn.LSTMCell(1, hidden), nn.LSTMCell(hidden, hidden),
                                  nn.Linear(hidden, 1)])

    def __call__(self, x, future=0):
        lstm1, lstm2, linear = self.net
        zeros = self.lib.zeros(x.size(0), self.hidden, dtype=x.dtype, device=x.device)
        h, c, h2, c2 = zeros, zeros, zeros, zeros
        outputs = []
        for x_t in x.split(1, dim=1):
            h, c = lstm1(x_t, (h, c))
            h2, c2 = lstm2(h, (h2, c2))
            outputs.append(linear(h2))
        for _ in range(future):
            h, c = lstm1(outputs[-1], (h, c))
            h2, c2 = lstm2(h, (h2, c2))
            outputs.append(linear(h2))
        return self.lib.cat(outputs, dim=1)


def test_lstmcell_lbfgs_sequence_trains_as_torch(device):
    x = np.arange(12) + np.random.default_rng(3).integers(-40, 40, 5).reshape(5, 1)
    data = np.sin(x / 20.0)
    torch.manual_seed(0)
    theirs, ours = _Sequence(torch), _Sequence(tl)
    theirs.net.double()
    ours.net.double().to(device)
    _copy(theirs.net, ours.net, device)
    results = []
    for lib, model, dev in ((torch, theirs, "cpu"), (tl, ours, device)):
        t = lib.tensor(data, device=dev)
        criterion, losses = lib.nn.MSELoss(), []
        opt = lib.optim.LBFGS(model.net.parameters(), lr=0.8, max_iter=6)

        def closure():
            opt.zero_grad()
            loss = criterion(model(t[1:, :-1]), t[1:, 1:])
            losses.append(loss.item())
            loss.backward()
            return loss

        opt.step(closure)
        with lib.no_grad():
            losses.append(criterion(model(t[:1, :-1], future=3)[:, :-3], t[:1, 1:]).item())
        results.append(losses)
    # LBFGS feeds each loss back into its line search: a looser bound (see the check script)
    _close(*results, rtol=1e-9)


# ------------------------------------------------- super_resolution-style PixelShuffle
def test_pixel_shuffle_net_with_orthogonal_init_trains_as_torch(device):
    def net(lib):
        nn = lib.nn
        m = nn.Sequential(nn.Conv2d(1, 4, 3, 1, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, 1, 1),
                          nn.PixelShuffle(2))
        nn.init.orthogonal_(m[0].weight, nn.init.calculate_gain("relu"))
        return m.double()

    rng = np.random.default_rng(4)
    batches = [(rng.random((2, 1, 5, 5)), rng.random((2, 1, 10, 10))) for _ in range(3)]
    torch.manual_seed(0)
    theirs, ours = net(torch), net(tl).to(device)
    _copy(theirs, ours, device)
    results = []
    for lib, model, dev in ((torch, theirs, "cpu"), (tl, ours, device)):
        opt, losses = lib.optim.Adam(model.parameters(), lr=0.01), []
        for x, y in batches:
            opt.zero_grad()
            loss = lib.nn.MSELoss()(model(lib.tensor(x, device=dev)), lib.tensor(y, device=dev))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results.append(losses)
    _close(*results)


# ------------------------------------------------- pieces the scripts needed
@pytest.mark.parametrize("name, args", [("leaky_relu", (0.2,)), ("elu", (1.0,)),
                                        ("hardtanh", (-0.5, 0.5)), ("selu", ()),
                                        ("celu", (0.5,))])
def test_inplace_activation_after_a_node_that_saves_its_output(name, args, device):
    # dcgan: BatchNorm2d -> LeakyReLU(0.2, inplace=True) failed in backward (the
    # in-place write overwrote the input the derivative reads)
    x = np.random.default_rng(5).standard_normal((3, 4))
    grads = []
    for lib, dev in ((torch, "cpu"), (tl, device)):
        a = lib.tensor(x, device=dev, requires_grad=True)
        b = lib.exp(a)  # its backward reads its output, which the in-place op overwrites
        b = b - 1.5
        y = getattr(lib.nn.functional, name)(b, *args, inplace=True)
        (y * lib.tensor(x, device=dev)).sum().backward()
        grads.append((y.detach().cpu().numpy(), a.grad.cpu().numpy()))
    _close(grads[0][0], grads[1][0], rtol=1e-14)
    _close(grads[0][1], grads[1][1])


def test_data_parallel_runs_the_module_once_on_one_device(device):
    torch.manual_seed(0)
    theirs = torch.nn.Linear(3, 2).double()
    ours = tl.nn.Linear(3, 2).double().to(device)
    _copy(theirs, ours, device)
    x = np.random.default_rng(6).standard_normal((4, 3))
    # torch's DataParallel without GPUs calls the module; its data_parallel needs
    # CUDA inputs, tensorlite's runs on the input's one device
    expected = torch.nn.DataParallel(theirs)(torch.tensor(x)).detach().numpy()
    got = tl.nn.parallel.data_parallel(ours, tl.tensor(x, device=device))
    _close(expected, got.detach().cpu().numpy(), rtol=1e-14)
    wrapped = tl.nn.parallel.DataParallel(ours)
    _close(expected, wrapped(tl.tensor(x, device=device)).detach().cpu().numpy(), rtol=1e-14)
    assert list(wrapped.state_dict()) == list(torch.nn.DataParallel(theirs).state_dict())
    with pytest.raises(NotImplementedError, match="device_ids=\\[0, 1\\]"):
        tl.nn.parallel.data_parallel(ours, tl.ones(1, 3), device_ids=[0, 1])


def test_xpu_is_not_available():
    assert tl.xpu.is_available() is torch.xpu.is_available() is False
    assert tl.xpu.device_count() == 0


def test_backends_mps_is_not_available():
    assert tl.backends.mps.is_available() is False
    assert tl.backends.mps.is_built() is False
    import tensorlite.backends.mps as mps  # ``import torch.backends.mps`` form
    assert mps is tl.backends.mps


@pytest.mark.parametrize("fn, shape, lead", [("dropout2d", (40, 50), 2),
                                             ("dropout2d", (4, 5, 6, 7, 8), 2),
                                             ("dropout3d", (30, 6), 1),
                                             ("dropout3d", (30, 4, 5), 1)])
def test_channel_dropout_on_other_ranks_warns_and_drops_as_torch(fn, shape, lead, device):
    # mnist_rnn: ``nn.Dropout2d`` on (N, C) features; PyTorch warns and drops elementwise
    tl.manual_seed(0)
    messages = []
    for lib, dev in ((torch, "cpu"), (tl, device)):
        with pytest.warns(UserWarning, match=f"{fn}: Received a {len(shape)}-D input") as rec:
            y = getattr(lib.nn.functional, fn)(lib.ones(shape, device=dev), 0.5, True)
        messages.append(str(rec[0].message))
        y = y.cpu().numpy()
        assert set(np.unique(y)) <= {0.0, 2.0}
        # one draw per leading index: constant over the trailing dims
        flat = y.reshape(int(np.prod(shape[:lead])), -1)
        assert (flat == flat[:, :1]).all()
        assert 0.3 < (flat[:, 0] == 0).mean() < 0.7  # p = 0.5 over >= 30 draws
    assert messages[0] == messages[1]
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        tl.nn.functional.dropout2d(tl.ones(5), 0.5, True)
