"""``tl.distributions`` against ``torch.distributions``.

* Values: ``log_prob``, ``entropy``, ``mean``, ``mode``, ``variance``, ``stddev``,
  ``cdf``, ``icdf`` and ``kl_divergence`` equal PyTorch's on the same float64
  parameters to 1e-10 relative (absolute 1e-12 near zero).
* Gradients: ``log_prob`` and ``rsample`` gradients equal PyTorch's (float64,
  same noise for ``rsample``).
* Validation: the same exception types as PyTorch for bad parameters, values and
  shapes; a rejected call draws no random words.
* Samples: Kolmogorov–Smirnov tests of the continuous distributions against
  PyTorch's CDFs (n = 20000, fail when D > 1.95 / sqrt(n), alpha = 0.001) and
  chi-square tests of the discrete ones (fail when the p-value < 1e-3), each with
  fixed seeds, plus negative controls that must fail the same tests.
* Shapes (cpu and meta), ``expand``, reproducibility from the seed and the
  generator, and word consumption fixed by the shape.
"""

import functools
import math
import warnings

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

RTOL, ATOL = 1e-10, 1e-12
rng = np.random.default_rng(1234)


def pair(array):
    """The same float64 values as a tensorlite and a torch tensor."""
    array = np.asarray(array, dtype=np.float64)
    return tl.tensor(array), torch.tensor(array)


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    ours = ours.detach().numpy() if isinstance(ours, tl.Tensor) else np.asarray(ours)
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True)


def positive(*shape):
    return rng.uniform(0.3, 2.5, shape)


def real(*shape):
    return rng.normal(0, 1.5, shape)


def probs(*shape):
    p = rng.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def spd(n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def tril(n, batch=()):
    low = np.tril(rng.normal(size=batch + (n, n)), -1)
    return low + np.eye(n) * rng.uniform(0.5, 2.0, batch + (n,))[..., None]


# ---- one table of cases: name -> (parameters, values inside the support) ---------------------
def _cases():
    c = {}
    c["Normal"] = ({"loc": real(3), "scale": positive(3)}, real(4, 3))
    c["LogNormal"] = ({"loc": real(3), "scale": positive(3)}, positive(4, 3))
    low = real(3)
    c["Uniform"] = ({"low": low, "high": low + positive(3)},
                    low + rng.uniform(0, 0.3, (4, 3)))
    c["Exponential"] = ({"rate": positive(3)}, positive(4, 3))
    c["Laplace"] = ({"loc": real(3), "scale": positive(3)}, real(4, 3))
    c["Cauchy"] = ({"loc": real(3), "scale": positive(3)}, real(4, 3))
    c["Gumbel"] = ({"loc": real(3), "scale": positive(3)}, real(4, 3))
    c["Bernoulli"] = ({"probs": rng.uniform(0.05, 0.95, 3)},
                      rng.integers(0, 2, (4, 3)).astype(float))
    c["Bernoulli_logits"] = ({"logits": real(3)}, rng.integers(0, 2, (4, 3)).astype(float))
    c["Geometric"] = ({"probs": rng.uniform(0.05, 0.95, 3)},
                      rng.integers(0, 9, (4, 3)).astype(float))
    c["Geometric_logits"] = ({"logits": real(3)}, rng.integers(0, 9, (4, 3)).astype(float))
    c["Categorical"] = ({"probs": probs(2, 5)}, rng.integers(0, 5, (4, 2)))
    c["Categorical_logits"] = ({"logits": real(2, 5)}, rng.integers(0, 5, (4, 2)))
    c["OneHotCategorical"] = ({"probs": probs(2, 5)},
                              np.eye(5)[rng.integers(0, 5, (4, 2))])
    c["Multinomial"] = ({"total_count": 6, "probs": probs(2, 4)},
                        rng.multinomial(6, [0.25] * 4, (4, 2)).astype(float))
    c["Multinomial_logits"] = ({"total_count": 3, "logits": real(2, 4)},
                               rng.multinomial(3, [0.25] * 4, (4, 2)).astype(float))
    c["MultivariateNormal_cov"] = ({"loc": real(2, 3), "covariance_matrix": spd(3, (2,))},
                                   real(4, 2, 3))
    c["MultivariateNormal_prec"] = ({"loc": real(3), "precision_matrix": spd(3)}, real(4, 3))
    c["MultivariateNormal_tril"] = ({"loc": real(2, 3), "scale_tril": tril(3)}, real(4, 2, 3))
    return c


CASES = _cases()
INT_VALUES = {"Categorical", "Categorical_logits"}


def build(name, params, lib):
    """The distribution ``name`` (``Base_variant``) from ``lib`` on ``params``."""
    cls = getattr(lib, name.split("_")[0])
    args = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            args[key] = tl.tensor(value) if lib is D else torch.tensor(value)
        else:
            args[key] = value
    return cls(**args)


def value_pair(name, values):
    if name in INT_VALUES:
        return tl.tensor(values), torch.tensor(values)
    return pair(values)


def _multinomial_entropy_rounding(n):
    """PyTorch's ``Multinomial.entropy`` takes ``lgamma(n + 1)`` of an integer tensor,
    i.e. in float32; ours is exact. This is the whole difference."""
    return (torch.lgamma(torch.tensor(n) + 1).double() - math.lgamma(n + 1)).item()


def _method_or_none(dist, attr):
    """``dist.attr`` (called if a method), or None when it is not implemented."""
    try:
        value = getattr(dist, attr)
        return value() if callable(value) else value
    except NotImplementedError:
        return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_equal_pytorch(name):
    params, values = CASES[name]
    ours, theirs = build(name, params, D), build(name, params, TD)
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    v_ours, v_theirs = value_pair(name, values)
    close(ours.log_prob(v_ours), theirs.log_prob(v_theirs))
    checked = 0
    for attr in ("mean", "mode", "variance", "stddev", "entropy"):
        expected = _method_or_none(theirs, attr)
        if expected is not None:
            if attr == "entropy" and name.startswith("Multinomial"):
                expected = expected + _multinomial_entropy_rounding(params["total_count"])
            close(_method_or_none(ours, attr), expected)
            checked += 1
    assert checked >= 3
    if name.startswith(("Normal", "LogNormal", "Uniform", "Exponential", "Laplace",
                        "Cauchy", "Gumbel")):
        close(ours.cdf(v_ours), theirs.cdf(v_theirs))
        u_ours, u_theirs = pair(rng.uniform(0.01, 0.99, (4, 3)))
        close(ours.icdf(u_ours), theirs.icdf(u_theirs), rtol=1e-9)
    if theirs.has_enumerate_support:
        close(ours.enumerate_support(), theirs.enumerate_support())
        close(ours.enumerate_support(False), theirs.enumerate_support(False))


def test_log_prob_edges_equal_pytorch():
    # zero probabilities, sure events and values on the support's boundary
    cases = [
        (D.Bernoulli(probs=tl.tensor([0.0, 1.0, 0.5], dtype=tl.float64)),
         TD.Bernoulli(probs=torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64)),
         [1.0, 1.0, 0.0]),
        (D.Geometric(probs=tl.tensor([1.0, 0.5], dtype=tl.float64)),
         TD.Geometric(probs=torch.tensor([1.0, 0.5], dtype=torch.float64)), [0.0, 3.0]),
        (D.Uniform(tl.tensor([0.0, 0.0], dtype=tl.float64), 1.0),
         TD.Uniform(torch.tensor([0.0, 0.0], dtype=torch.float64), 1.0), [0.0, 1.0]),
        (D.Exponential(tl.tensor([2.0], dtype=tl.float64)),
         TD.Exponential(torch.tensor([2.0], dtype=torch.float64)), [0.0]),
    ]
    for ours, theirs, value in cases:
        v_ours, v_theirs = pair(value)
        close(ours.log_prob(v_ours), theirs.log_prob(v_theirs))
    p = np.array([0.0, 0.3, 0.7])
    ours = D.Multinomial(4, probs=tl.tensor(p))
    theirs = TD.Multinomial(4, probs=torch.tensor(p))
    v_ours, v_theirs = pair([0.0, 1.0, 3.0])
    close(ours.log_prob(v_ours), theirs.log_prob(v_theirs))
    close(ours.entropy(), theirs.entropy() + _multinomial_entropy_rounding(4))
    close(D.Categorical(probs=tl.tensor(p)).entropy(),
          TD.Categorical(probs=torch.tensor(p)).entropy())


def test_float32_parameters_keep_their_dtype(device):
    d = D.Normal(tl.zeros(3, device=device), tl.ones(3, device=device))
    assert d.sample().dtype is tl.float32 and d.log_prob(tl.zeros(3, device=device)).dtype \
        is tl.float32
    assert D.Normal(0.0, 1.0).mean.dtype is tl.get_default_dtype()
    c = D.Categorical(logits=tl.zeros(4, device=device))
    assert c.sample((5,)).dtype is tl.int64 and c.probs.dtype is tl.float32


# ---- KL divergence ---------------------------------------------------------------------------
def _kl_params(base):
    if base in ("Normal", "LogNormal", "Laplace", "Cauchy", "Gumbel"):
        return {"loc": real(3), "scale": positive(3)}
    if base == "Uniform":
        low = real(3)
        return {"low": low, "high": low + positive(3)}
    if base == "Exponential":
        return {"rate": positive(3)}
    if base in ("Bernoulli", "Geometric"):
        return {"probs": rng.uniform(0.05, 0.95, 3)}
    if base in ("Categorical", "OneHotCategorical"):
        return {"probs": probs(3, 4)}
    if base == "MultivariateNormal":
        return {"loc": real(2, 3), "scale_tril": tril(3, (2,))}
    raise AssertionError(base)


KL_PAIRS = [(a, a) for a in ("Normal", "LogNormal", "Laplace", "Cauchy", "Gumbel", "Uniform",
                             "Exponential", "Bernoulli", "Geometric", "Categorical",
                             "OneHotCategorical", "MultivariateNormal")] + [
    ("Exponential", "Gumbel"), ("Exponential", "Normal"), ("Gumbel", "Normal"),
    ("Laplace", "Normal"), ("Normal", "Gumbel"), ("Normal", "Laplace"),
    ("Uniform", "Exponential"), ("Uniform", "Gumbel"), ("Uniform", "Normal"),
    ("Exponential", "Uniform"), ("Normal", "Uniform"), ("Laplace", "Exponential"),
    ("Gumbel", "Uniform"), ("Normal", "Exponential")]


@pytest.mark.parametrize("p_name,q_name", KL_PAIRS, ids=[f"{p}-{q}" for p, q in KL_PAIRS])
def test_kl_divergence_equals_pytorch(p_name, q_name):
    p_params, q_params = _kl_params(p_name), _kl_params(q_name)
    ours = D.kl_divergence(build(p_name, p_params, D), build(q_name, q_params, D))
    theirs = TD.kl_divergence(build(p_name, p_params, TD), build(q_name, q_params, TD))
    close(ours, theirs, rtol=1e-9)


def test_kl_divergence_special_cases_equal_pytorch():
    # disjoint or nested supports, zero probabilities, Independent
    lo, hi = np.array([0.0, 0.0, -1.0]), np.array([1.0, 2.0, 0.5])
    lo2, hi2 = np.array([-1.0, 0.5, -2.0]), np.array([2.0, 3.0, 1.0])
    ours = D.kl_divergence(D.Uniform(*pair(lo)[:1], pair(hi)[0]),
                           D.Uniform(pair(lo2)[0], pair(hi2)[0]))
    theirs = TD.kl_divergence(TD.Uniform(torch.tensor(lo), torch.tensor(hi)),
                              TD.Uniform(torch.tensor(lo2), torch.tensor(hi2)))
    close(ours, theirs)
    assert math.isinf(ours[1].item())
    ours_u = D.kl_divergence(D.Uniform(pair(lo)[0], pair(hi)[0]), D.Exponential(1.0))
    theirs_u = TD.kl_divergence(TD.Uniform(torch.tensor(lo), torch.tensor(hi)),
                                TD.Exponential(1.0))
    close(ours_u, theirs_u)
    p, q = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0]]), np.array([[0.3, 0.7, 0.0]] * 2)
    close(D.kl_divergence(D.Categorical(probs=tl.tensor(p)), D.Categorical(probs=tl.tensor(q))),
          TD.kl_divergence(TD.Categorical(probs=torch.tensor(p)),
                           TD.Categorical(probs=torch.tensor(q))))
    bp, bq = np.array([0.0, 1.0, 0.3, 0.4]), np.array([0.5, 0.5, 0.0, 1.0])
    close(D.kl_divergence(D.Bernoulli(tl.tensor(bp)), D.Bernoulli(tl.tensor(bq))),
          TD.kl_divergence(TD.Bernoulli(torch.tensor(bp)), TD.Bernoulli(torch.tensor(bq))))
    loc, scale, loc2 = real(2, 3), positive(2, 3), real(2, 3)
    ours = D.kl_divergence(D.Independent(D.Normal(*pair(loc)[:1], pair(scale)[0]), 1),
                           D.Independent(D.Normal(pair(loc2)[0], pair(scale)[0]), 1))
    theirs = TD.kl_divergence(
        TD.Independent(TD.Normal(torch.tensor(loc), torch.tensor(scale)), 1),
        TD.Independent(TD.Normal(torch.tensor(loc2), torch.tensor(scale)), 1))
    close(ours, theirs)


def test_kl_registry_dispatch_and_errors():
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Cauchy(0.0, 1.0), D.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError):  # different reinterpreted dims
        D.kl_divergence(D.Independent(D.Normal(tl.zeros(2, 2), 1.0), 1),
                        D.Independent(D.Normal(tl.zeros(2, 2), 1.0), 2))
    with pytest.raises(TypeError):
        D.register_kl(int, D.Normal)

    class Wide(D.Normal):
        pass

    # a subclass uses its base's formula until it registers its own
    base = D.kl_divergence(Wide(0.0, 2.0), D.Normal(0.0, 1.0))
    assert math.isclose(base.item(), 0.5 * (4 - 1 - math.log(4)), rel_tol=1e-6)

    @D.register_kl(Wide, D.Normal)
    def _kl_wide(p, q):
        return tl.tensor(-1.0)

    assert D.kl_divergence(Wide(0.0, 2.0), D.Normal(0.0, 1.0)).item() == -1.0
    assert D.kl_divergence(D.Normal(0.0, 2.0), D.Normal(0.0, 1.0)).item() != -1.0

    class WideQ(D.Normal):
        pass

    @D.register_kl(D.Normal, WideQ)
    def _kl_wide_q(p, q):
        return tl.tensor(-2.0)

    with pytest.warns(RuntimeWarning, match="Ambiguous"):
        D.kl_divergence(Wide(0.0, 1.0), WideQ(0.0, 1.0))


# ---- gradients -------------------------------------------------------------------------------
def _leaf(array):
    return (tl.tensor(array, requires_grad=True),
            torch.tensor(array, requires_grad=True))


def test_log_prob_and_entropy_gradients_equal_pytorch():
    loc, scale = _leaf(real(3)), _leaf(positive(3))
    x = real(5, 3)
    for lib, i in ((D, 0), (TD, 1)):
        d = lib.Normal(loc[i], scale[i])
        v = tl.tensor(x) if lib is D else torch.tensor(x)
        (d.log_prob(v).sum() + d.entropy().sum()).backward()
    close(loc[0].grad, loc[1].grad)
    close(scale[0].grad, scale[1].grad)

    logits = _leaf(real(2, 5))
    idx = rng.integers(0, 5, (4, 2))
    for lib, i in ((D, 0), (TD, 1)):
        d = lib.Categorical(logits=logits[i])
        v = tl.tensor(idx) if lib is D else torch.tensor(idx)
        (d.log_prob(v).sum() + 0.1 * d.entropy().sum()).backward()
    close(logits[0].grad, logits[1].grad)

    low = tril(3)
    m_loc, m_tril = _leaf(real(3)), _leaf(low)
    x = real(4, 3)
    for lib, i in ((D, 0), (TD, 1)):
        d = lib.MultivariateNormal(m_loc[i], scale_tril=m_tril[i])
        v = tl.tensor(x) if lib is D else torch.tensor(x)
        (d.log_prob(v).sum() + d.entropy()).backward()
    close(m_loc[0].grad, m_loc[1].grad)
    close(m_tril[0].grad, m_tril[1].grad, rtol=1e-9)

    cov = _leaf(spd(3))
    for lib, i in ((D, 0), (TD, 1)):
        d = lib.MultivariateNormal(torch.zeros(3, dtype=torch.float64) if i else
                                   tl.zeros(3, dtype=tl.float64), covariance_matrix=cov[i])
        v = tl.tensor(x) if lib is D else torch.tensor(x)
        d.log_prob(v).sum().backward()
    close(cov[0].grad, cov[1].grad, rtol=1e-9)

    total = _leaf(real(2, 4))
    counts = rng.multinomial(5, [0.25] * 4, 2).astype(float)
    for lib, i in ((D, 0), (TD, 1)):
        d = lib.Multinomial(5, logits=total[i])
        v = tl.tensor(counts) if lib is D else torch.tensor(counts)
        (d.log_prob(v).sum() + d.entropy().sum()).backward()
    close(total[0].grad, total[1].grad, rtol=1e-9)


@pytest.mark.parametrize("name", ["Normal", "LogNormal", "Laplace", "Cauchy", "Gumbel"])
def test_rsample_is_differentiable_and_reparameterized(name):
    """d sample / d loc = 1 (times the sample for LogNormal); d sample / d scale is the
    standard noise, recovered from the sample itself."""
    loc = tl.tensor(real(3), requires_grad=True)
    scale = tl.tensor(positive(3), requires_grad=True)
    d = getattr(D, name)(loc, scale)
    assert d.has_rsample
    x = d.rsample((4,))
    x.sum().backward()
    x = x.detach()
    if name == "LogNormal":
        eps = (x.log() - loc.detach()) / scale.detach()
        close(loc.grad, x.sum(0))
        close(scale.grad, (x * eps).sum(0))
    else:
        eps = (x - loc.detach()) / scale.detach()
        close(loc.grad, tl.full((3,), 4.0, dtype=tl.float64))
        close(scale.grad, eps.sum(0), rtol=1e-9)
    # sample() is the same draw without a graph
    tl.manual_seed(3)
    a = d.sample((4,))
    tl.manual_seed(3)
    b = d.rsample((4,))
    assert not a.requires_grad and b.requires_grad
    close(a, b.detach(), rtol=0, atol=0)


def test_rsample_gradients_of_other_families():
    rate = tl.tensor(positive(3), requires_grad=True)
    x = D.Exponential(rate).rsample((5,))
    x.sum().backward()
    close(rate.grad, (-x.detach() / rate.detach()).sum(0))  # x = E / rate
    base = real(3)  # one draw for both bounds: low < high whatever the test order
    low = tl.tensor(base, requires_grad=True)
    high = tl.tensor(base + 5, requires_grad=True)
    D.Uniform(low, high).rsample((6,)).sum().backward()
    close(low.grad + high.grad, tl.full((3,), 6.0, dtype=tl.float64))
    m_loc = tl.tensor(real(3), requires_grad=True)
    m_tril = tl.tensor(tril(3), requires_grad=True)
    D.MultivariateNormal(m_loc, scale_tril=m_tril).rsample((7,)).sum().backward()
    close(m_loc.grad, tl.full((3,), 7.0, dtype=tl.float64))
    assert m_tril.grad is not None
    assert not D.Bernoulli(0.5).has_rsample and not D.Categorical(tl.ones(3)).has_rsample
    with pytest.raises(NotImplementedError):
        D.Bernoulli(0.5).rsample()


# ---- validation ------------------------------------------------------------------------------
BAD_PARAMS = [
    ("Normal", {"loc": [0.0], "scale": [-1.0]}),
    ("Normal", {"loc": [math.nan], "scale": [1.0]}),
    ("LogNormal", {"loc": [0.0], "scale": [0.0]}),
    ("Uniform", {"low": [1.0], "high": [0.0]}),
    ("Exponential", {"rate": [-2.0]}),
    ("Laplace", {"loc": [0.0], "scale": [-1.0]}),
    ("Cauchy", {"loc": [0.0], "scale": [0.0]}),
    ("Gumbel", {"loc": [0.0], "scale": [-3.0]}),
    ("Bernoulli", {"probs": [1.5]}),
    ("Geometric", {"probs": [0.0]}),
    ("Geometric", {"probs": [-0.5]}),
    ("Categorical", {"probs": [-0.5, 1.5]}),
    ("OneHotCategorical", {"probs": [-0.5, 1.5]}),
    ("Multinomial", {"total_count": 2, "probs": [-0.5, 1.5]}),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "covariance_matrix": [[1.0, 2.0], [2.0, 1.0]]}),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "covariance_matrix": [[1.0, 0.5], [0.0, 1.0]]}),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "scale_tril": [[1.0, 0.0], [0.5, -1.0]]}),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "scale_tril": [[1.0, 0.5], [0.0, 1.0]]}),
]


def _args(params, lib):
    return {k: (v if isinstance(v, int) else (tl.tensor(v) if lib is D else torch.tensor(v)))
            for k, v in params.items()}


@pytest.mark.parametrize("name,params", BAD_PARAMS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD_PARAMS)])
def test_invalid_parameters_raise_like_pytorch(name, params):
    with pytest.raises(ValueError) as theirs:
        getattr(TD, name)(**_args(params, TD))
    with pytest.raises(ValueError) as ours:
        getattr(D, name)(**_args(params, D))
    # the same message up to the library's names and tensor formatting
    assert str(ours.value).split("(")[0] == str(theirs.value).split("(")[0]
    # with validation off the construction goes through (no value is read); PyTorch's
    # one-hot and multinomial validate their inner Categorical regardless, and so do we
    if name not in ("MultivariateNormal", "OneHotCategorical", "Multinomial"):
        getattr(D, name)(**_args(params, D), validate_args=False)


def test_parameter_error_message_names_everything():
    with pytest.raises(ValueError) as info:
        D.Normal(tl.tensor([0.0, 1.0]), tl.tensor([1.0, -1.0]))
    text = str(info.value)
    assert text.startswith("Expected parameter scale (Tensor of shape (2,)) of distribution "
                           "Normal(loc: tensorlite.Size([2]), scale: tensorlite.Size([2])) "
                           "to satisfy the constraint GreaterThan(lower_bound=0.0), but found "
                           "invalid values:\ntensor([ 1., -1.])")


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_argument_errors_have_pytorch_types(lib):
    L = D if lib == "ours" else TD
    T = (lambda v: tl.tensor(v)) if lib == "ours" else (lambda v: torch.tensor(v))
    with pytest.raises(ValueError):
        L.Bernoulli()
    with pytest.raises(ValueError):
        L.Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError):
        L.Categorical(probs=T(1.0))
    with pytest.raises(ValueError):
        L.Categorical(logits=T(1.0))
    with pytest.raises(NotImplementedError):
        L.Multinomial(T([2, 3]), probs=T([0.5, 0.5]))
    with pytest.raises(ValueError):
        L.MultivariateNormal(T(0.0), T([[1.0]]))
    with pytest.raises(ValueError):
        L.MultivariateNormal(T([0.0]))
    with pytest.raises(ValueError):
        L.MultivariateNormal(T([0.0]), T([[1.0]]), scale_tril=T([[1.0]]))
    with pytest.raises(ValueError):
        L.MultivariateNormal(T([0.0]), scale_tril=T([1.0]))
    with pytest.raises(ValueError):
        L.Independent(L.Normal(T([0.0]), 1.0), 2)
    with pytest.raises(ValueError):
        L.Normal("a", 1.0)
    with pytest.raises(ValueError):
        L.Distribution.set_default_validate_args("yes")


VALUE_ERRORS = [
    ("Normal", {"loc": [0.0, 1.0], "scale": [1.0, 1.0]}, [0.0, 1.0, 2.0]),  # not broadcastable
    ("Normal", {"loc": [0.0, 1.0], "scale": [1.0, 1.0]}, [math.nan, 0.0]),  # outside support
    ("Exponential", {"rate": [1.0]}, [-1.0]),
    ("Uniform", {"low": [0.0], "high": [1.0]}, [1.5]),
    ("Bernoulli", {"probs": [0.5]}, [0.5]),
    ("Geometric", {"probs": [0.5]}, [1.5]),
    ("Categorical", {"probs": [0.5, 0.5]}, [2.0]),
    ("OneHotCategorical", {"probs": [0.5, 0.5]}, [1.0, 1.0]),
    ("OneHotCategorical", {"probs": [0.5, 0.5]}, [1.0, 0.0, 0.0]),  # wrong event shape
    ("Multinomial", {"total_count": 2, "probs": [0.5, 0.5]}, [2.0, 1.0]),
    ("MultivariateNormal", {"loc": [0.0, 0.0], "scale_tril": [[1.0, 0.0], [0.0, 1.0]]}, [1.0]),
]


@pytest.mark.parametrize("name,params,value", VALUE_ERRORS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(VALUE_ERRORS)])
def test_invalid_values_raise_like_pytorch(name, params, value):
    theirs = getattr(TD, name)(**_args(params, TD))
    ours = getattr(D, name)(**_args(params, D))
    with pytest.raises(ValueError) as t_err:
        theirs.log_prob(torch.tensor(value))
    with pytest.raises(ValueError) as o_err:
        ours.log_prob(tl.tensor(value))
    assert str(o_err.value).split(":")[0] == str(t_err.value).split(":")[0]
    with pytest.raises(ValueError, match="must be a Tensor"):
        ours.log_prob(value)


def test_validation_switches():
    d = D.Normal(0.0, 1.0, validate_args=False)
    assert d.log_prob(tl.tensor([math.nan])).isnan().all()
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)  # accepted
        with pytest.raises(ValueError):
            D.Normal(0.0, -1.0, validate_args=True)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.warns(FutureWarning):
        assert D.Normal(0.0, 1.0).sample_n(3).shape == (3,)


def test_rejected_sample_draws_nothing():
    g = tl.Generator().manual_seed(5)
    state = g.get_state()
    d = D.Normal(tl.zeros(2), 1.0)
    for bad in [(-1,), ("a",), (2.5,)]:
        with pytest.raises((TypeError, RuntimeError)):
            d.sample(bad, generator=g)
    with pytest.raises(TypeError):
        d.sample((2,), generator="nope")
    assert bool((g.get_state() == state).all())


# ---- samples: distributions --------------------------------------------------------------
N = 20000
KS_CRITICAL = 1.95 / math.sqrt(N)  # alpha = 0.001


def ks_statistic(samples, cdf):
    """Kolmogorov–Smirnov distance between ``samples`` (1-D NumPy) and ``cdf``."""
    x = np.sort(samples)
    f = cdf(torch.tensor(x)).numpy()
    n = x.size
    return max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n))


def chi2_pvalue(observed, expected):
    """p-value of Pearson's chi-square statistic (bins with expected count >= 5)."""
    keep = expected >= 5
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected[keep], expected[~keep].sum())
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    stat = ((obs - exp) ** 2 / exp).sum()
    dof = obs.size - 1
    return torch.special.gammaincc(torch.tensor(dof / 2), torch.tensor(stat / 2)).item()


CONTINUOUS = [
    ("Normal", (1.5, 2.0)), ("LogNormal", (0.2, 0.7)), ("Uniform", (-1.0, 3.0)),
    ("Exponential", (2.5,)), ("Laplace", (-1.0, 0.5)), ("Cauchy", (0.5, 2.0)),
    ("Gumbel", (1.0, 2.0)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args", CONTINUOUS, ids=[c[0] for c in CONTINUOUS])
def test_continuous_samples_pass_ks(name, args, dtype, device):
    tl_args = [tl.tensor(a, dtype=getattr(tl, dtype), device=device) for a in args]
    x = getattr(D, name)(*tl_args).sample((N,))
    assert x.shape == (N,) and x.dtype is getattr(tl, dtype)
    assert bool(x.isfinite().all())
    reference = getattr(TD, name)(*[torch.tensor(a, dtype=torch.float64) for a in args],
                                  validate_args=False)  # its Gumbel.cdf rejects extremes
    assert ks_statistic(x.cpu().numpy().astype(np.float64), reference.cdf) < KS_CRITICAL


def test_ks_negative_controls():
    """The KS test rejects samples of a neighbouring distribution."""
    normal = D.Normal(0.0, 1.0).sample((N,)).numpy()
    assert ks_statistic(normal, TD.Laplace(0.0, 1.0 / math.sqrt(2)).cdf) > KS_CRITICAL
    assert ks_statistic(normal, TD.Normal(0.05, 1.0).cdf) > KS_CRITICAL
    gumbel = D.Gumbel(0.0, 1.0).sample((N,)).numpy()
    mirrored = TD.Gumbel(0.0, 1.0, validate_args=False)
    assert ks_statistic(-gumbel, mirrored.cdf) > KS_CRITICAL


def _geometric_expected(p, kmax, n):
    k = np.arange(kmax)
    pmf = (1 - p) ** k * p
    return np.append(pmf, 1 - pmf.sum()) * n


def test_discrete_samples_pass_chi_square(device):
    p = 0.3
    b = D.Bernoulli(tl.full((N,), p, device=device)).sample().cpu().numpy()
    assert chi2_pvalue(np.bincount(b.astype(int), minlength=2),
                       np.array([1 - p, p]) * N) > 1e-3

    g = D.Geometric(tl.tensor(p, device=device)).sample((N,)).cpu().numpy().astype(int)
    observed = np.bincount(np.minimum(g, 20), minlength=21)
    assert chi2_pvalue(observed, _geometric_expected(p, 20, N)) > 1e-3

    q = np.array([0.1, 0.2, 0.3, 0.4])
    c = D.Categorical(probs=tl.tensor(q, device=device)).sample((N,)).cpu().numpy()
    assert chi2_pvalue(np.bincount(c, minlength=4), q * N) > 1e-3

    oh = D.OneHotCategorical(logits=tl.tensor(np.log(q), device=device)).sample((N,))
    assert bool((oh.sum(-1) == 1).all())
    assert chi2_pvalue(oh.sum(0).cpu().numpy(), q * N) > 1e-3

    m = D.Multinomial(5, probs=tl.tensor(q, device=device)).sample((N // 5,)).cpu().numpy()
    assert (m.sum(-1) == 5).all()
    assert chi2_pvalue(m.sum(0), q * N) > 1e-3
    # the count of category 3 is Binomial(5, 0.4)
    k = np.arange(6)
    binom = np.array([math.comb(5, i) for i in k]) * 0.4 ** k * 0.6 ** (5 - k)
    assert chi2_pvalue(np.bincount(m[:, 3].astype(int), minlength=6), binom * (N // 5)) > 1e-3


def test_chi_square_negative_controls():
    c = D.Categorical(probs=tl.tensor([0.1, 0.2, 0.3, 0.4])).sample((N,)).numpy()
    assert chi2_pvalue(np.bincount(c, minlength=4), np.array([0.12, 0.2, 0.3, 0.38]) * N) < 1e-3
    g = D.Geometric(tl.tensor(0.3)).sample((N,)).numpy().astype(int)
    assert chi2_pvalue(np.bincount(np.minimum(g, 20), minlength=21),
                       _geometric_expected(0.33, 20, N)) < 1e-3


def test_multivariate_normal_samples(device):
    """Whitened samples L^-1 (x - mu) are independent standard normals: each
    coordinate passes KS, and the sample covariance of x is within 6 standard errors."""
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    mu = np.array([1.0, -2.0, 0.5])
    for kw in ("covariance_matrix", "precision_matrix", "scale_tril"):
        matrix = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
                  "scale_tril": np.linalg.cholesky(cov)}[kw]
        d = D.MultivariateNormal(tl.tensor(mu, device=device),
                                 **{kw: tl.tensor(matrix, device=device)})
        x = d.sample((N,)).cpu().numpy()
        white = np.linalg.solve(np.linalg.cholesky(cov), (x - mu).T).T
        for j in range(3):
            assert ks_statistic(white[:, j], TD.Normal(0.0, 1.0).cdf) < KS_CRITICAL
        emp = np.cov(x.T)
        se = np.sqrt((cov ** 2 + np.outer(np.diag(cov), np.diag(cov))) / N)
        assert (np.abs(emp - cov) < 6 * se).all(), kw
    # negative control: the same check against a wrong covariance fails
    wrong = np.linalg.solve(np.linalg.cholesky(cov * 1.1), (x - mu).T).T
    assert ks_statistic(wrong[:, 0], TD.Normal(0.0, 1.0).cdf) > KS_CRITICAL


# ---- shapes ------------------------------------------------------------------------------
def _shape_cases(device):
    z = functools.partial(tl.zeros, device=device)
    o = functools.partial(tl.ones, device=device)
    eye = tl.eye(3, device=device)
    return [
        (D.Normal(z(2, 3), o(3)), (2, 3), ()),
        (D.LogNormal(z(4), 1.0), (4,), ()),
        (D.Uniform(z(2, 1), o(1, 3)), (2, 3), ()),
        (D.Exponential(o(5)), (5,), ()),
        (D.Laplace(z(2), o(2)), (2,), ()),
        (D.Cauchy(0.0, o(3)), (3,), ()),
        (D.Gumbel(z(3), 2.0), (3,), ()),
        (D.Bernoulli(o(2, 2) * 0.5), (2, 2), ()),
        (D.Geometric(logits=z(3)), (3,), ()),
        (D.Categorical(o(2, 5)), (2,), ()),
        (D.OneHotCategorical(logits=z(2, 5)), (2,), (5,)),
        (D.Multinomial(3, o(2, 5)), (2,), (5,)),
        (D.MultivariateNormal(z(4, 3), eye), (4,), (3,)),
        (D.MultivariateNormal(z(3), scale_tril=eye.expand(2, 3, 3)), (2,), (3,)),
        (D.Independent(D.Normal(z(2, 3), 1.0), 1), (2,), (3,)),
    ]


@pytest.mark.parametrize("dev", ["cpu", "meta"])
def test_sample_and_log_prob_shapes(dev):
    for d, batch, event in _shape_cases(dev):
        assert d.batch_shape == batch and d.event_shape == event, repr(d)
        for sample_shape in [(), (7,), (2, 1)]:
            x = d.sample(sample_shape)
            assert x.shape == sample_shape + batch + event, (repr(d), x.shape)
            assert x.device == tl.device(dev)
            assert d.log_prob(x).shape == sample_shape + batch, repr(d)
        assert d.entropy().shape == batch, repr(d)
        if d.has_rsample:
            assert d.rsample((3,)).shape == (3,) + batch + event
        e = d.expand((6,) + batch)
        assert e.batch_shape == (6,) + batch and e.sample((2,)).shape == (2, 6) + batch + event
        assert e.log_prob(x).shape == (2, 6) + batch


def test_expand_matches_pytorch_values():
    loc, scale = real(3), positive(3)
    ours = D.Normal(tl.tensor(loc), tl.tensor(scale)).expand((2, 3))
    theirs = TD.Normal(torch.tensor(loc), torch.tensor(scale)).expand((2, 3))
    x = real(2, 3)
    close(ours.log_prob(tl.tensor(x)), theirs.log_prob(torch.tensor(x)))
    cat = D.Categorical(probs=tl.tensor(probs(4))).expand((3,))
    assert cat.batch_shape == (3,) and cat.sample((2,)).shape == (2, 3)
    mvn = D.MultivariateNormal(tl.zeros(2, dtype=tl.float64), tl.tensor(spd(2))).expand((5,))
    assert mvn.covariance_matrix.shape == (5, 2, 2) and mvn.precision_matrix.shape == (5, 2, 2)
    assert mvn._validate_args


def test_expand_of_a_subclass_with_its_own_init_is_refused_like_pytorch():
    for lib in (D, TD):
        class Shifted(lib.Normal):
            def __init__(self, loc):
                super().__init__(loc, 1.0)

        with pytest.raises(NotImplementedError, match="Subclass Shifted of Normal"):
            Shifted(0.0).expand((2,))


def test_zero_sized_samples():
    assert D.Categorical(tl.ones(3)).sample((0,)).shape == (0,)
    assert D.Normal(tl.zeros(2), 1.0).sample((0, 3)).shape == (0, 3, 2)
    counts = D.Multinomial(0, tl.ones(3)).sample((2,))
    assert counts.shape == (2, 3) and counts.sum().item() == 0


def test_reprs_match_pytorch():
    def norm(text):
        return text.replace("tensorlite.", "torch.")

    assert norm(repr(D.Normal(tl.zeros(2), tl.ones(2)))) == \
        repr(TD.Normal(torch.zeros(2), torch.ones(2)))
    assert repr(D.Normal(0.0, 1.0)) == repr(TD.Normal(0.0, 1.0))
    assert norm(repr(D.Categorical(tl.tensor([0.5, 0.5])))) == \
        repr(TD.Categorical(torch.tensor([0.5, 0.5])))
    assert norm(repr(D.Independent(D.Normal(tl.zeros(3), 1.0), 1))) == \
        repr(TD.Independent(TD.Normal(torch.zeros(3), 1.0), 1))
    for c in ("positive", "real", "unit_interval", "simplex", "boolean", "real_vector",
              "nonnegative_integer", "lower_cholesky", "positive_definite", "one_hot"):
        assert repr(getattr(D.constraints, c)) == repr(getattr(TD.constraints, c))
    assert repr(D.Uniform(0.0, 2.0).support) == repr(TD.Uniform(0.0, 2.0).support)


# ---- randomness: seed, generator, word counts -------------------------------------------------
def _all_samplers(device):
    return [d for d, _, _ in _shape_cases(device)]


def test_same_seed_same_samples(device):
    for d in _all_samplers(device):
        tl.manual_seed(11)
        a = d.sample((3,))
        tl.manual_seed(11)
        b = d.sample((3,))
        assert bool((a == b).all()), repr(d)
        g1, g2 = tl.Generator(device).manual_seed(4), tl.Generator(device).manual_seed(4)
        assert bool((d.sample((3,), generator=g1) == d.sample((3,), generator=g2)).all())


def test_words_consumed_are_fixed_by_shape(device):
    """Each sampler advances the generator exactly as its primitive draw of that shape
    would, whatever the parameter values."""
    n = 50
    cases = [
        (lambda p: D.Exponential(p + 0.5), lambda g: tl.rand(n, 2, generator=g,
                                                              device=device)),
        (lambda p: D.Gumbel(p, 1.0), lambda g: tl.rand(n, 2, generator=g, device=device)),
        (lambda p: D.Normal(p, 2.0), lambda g: tl.randn(n, 2, generator=g, device=device)),
        (lambda p: D.Geometric(p * 0.9 + 0.05), lambda g: tl.rand(n, 2, generator=g,
                                                                  device=device)),
    ]
    for make, primitive in cases:
        states = []
        for values in ([0.1, 0.2], [0.7, 0.3]):
            g = tl.Generator(device).manual_seed(9)
            make(tl.tensor(values, device=device)).sample((n,), generator=g)
            states.append(g.get_state())
        g = tl.Generator(device).manual_seed(9)
        primitive(g)
        assert bool((states[0] == states[1]).all()) and bool((states[0] == g.get_state()).all())


def test_exponential_sample_is_the_inverse_cdf_of_rand():
    """The documented construction: sample = icdf(u), u = tl.rand with 0 moved up."""
    d = D.Exponential(tl.tensor([0.5, 2.0]))
    g = tl.Generator().manual_seed(2)
    x = d.sample((100,), generator=g)
    g.manual_seed(2)
    u = tl.rand(100, 2, generator=g).clamp(min=2.0 ** -24)
    close(x, d.icdf(u), rtol=0, atol=0)


# ---- the helper ops ------------------------------------------------------------------------
def test_special_functions_equal_pytorch():
    # tl.lgamma / tl.digamma (the distributions' special functions), values and gradients
    x = np.concatenate([np.linspace(0.01, 40, 997), np.linspace(-7.9, -0.1, 101),
                        [1.0, 2.0, 0.5, 1e-8, 1e4, 0.0, -1.0, np.inf]])
    t_x = torch.tensor(x)
    ours = tl.lgamma(tl.tensor(x)).numpy()
    theirs = torch.lgamma(t_x).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=5e-14)
    pos = x[x > 0]
    np.testing.assert_allclose(tl.digamma(tl.tensor(pos)).numpy(),
                               torch.digamma(torch.tensor(pos)).numpy(), rtol=1e-10,
                               atol=1e-13)
    # away from the poles at 0, -1, -2, ... (ill-conditioned next to them)
    finite = x[np.isfinite(x)]
    smooth = finite[(finite > 0) | (np.abs(finite - np.round(finite)) > 1e-3)]
    for name in ("lgamma", "digamma"):
        ours_t = tl.tensor(smooth, requires_grad=True)
        theirs_t = torch.tensor(smooth, requires_grad=True)
        getattr(tl, name)(ours_t).sum().backward()
        getattr(torch, name)(theirs_t).sum().backward()
        # PyTorch's trigamma (digamma's derivative) is off by up to ~5e-10 relative below
        # x = 1 (against SciPy's polygamma(1, x)); tensorlite's is within a few ulp there
        np.testing.assert_allclose(ours_t.grad.numpy(), theirs_t.grad.numpy(),
                                   rtol=1e-10 if name == "lgamma" else 1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tl.lgamma(tl.tensor([-2.0, 0.0, math.nan], dtype=tl.float64))
