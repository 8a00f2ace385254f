"""tl.utils.data against torch.utils.data: samplers, collation, loader arguments and
batching, epoch reshuffling from the seed, and PyTorch's worker seeding protocol."""

import collections
import os
import random
import warnings

import numpy as np
import pytest

import tensorlite as tl
from tensorlite.utils import data as tld

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these tests")
from torch.utils import data as td  # noqa: E402

Pair = collections.namedtuple("Pair", "a b")


def _to_torch(x):
    """The same sample built from torch tensors (tensorlite tensors converted)."""
    if isinstance(x, tl.Tensor):
        return torch.from_numpy(x.numpy(force=True).copy())
    if isinstance(x, dict):
        return type(x)((k, _to_torch(v)) for k, v in x.items())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*map(_to_torch, x))
    if isinstance(x, (list, tuple)):
        return type(x)(map(_to_torch, x))
    return x


def _same(ours, theirs):
    """Same structure, container types, dtypes, shapes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tl.Tensor), type(ours)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(force=True), theirs.numpy())
    elif isinstance(theirs, (dict, list, tuple)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        assert len(ours) == len(theirs)
        if isinstance(theirs, dict):
            assert list(ours) == list(theirs)
            for k in theirs:
                _same(ours[k], theirs[k])
        else:
            for a, b in zip(ours, theirs):
                _same(a, b)
    else:
        assert ours == theirs and type(ours) is type(theirs)


def _errors(ours, theirs):
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(want.type) as got:
        ours()
    assert str(got.value) == str(want.value)


# ---- default_collate -------------------------------------------------------------------
def _nested(i):
    return {"x": tl.full((2, 3), float(i)), "label": i, "w": i * 0.5, "flag": i % 2 == 0,
            "name": f"s{i}", "np": np.arange(3, dtype=np.int16) + i, "npf": np.float32(i),
            "pair": Pair(tl.tensor([i, i]), [i, float(i)]), "tup": (i, tl.ones(1)),
            "od": collections.OrderedDict(z=i)}


def test_default_collate_nested_matches_torch():
    samples = [_nested(i) for i in range(4)]
    ours = tld.default_collate(samples)
    theirs = td.default_collate([_to_torch(s) for s in samples])
    _same(ours, theirs)
    assert ours["x"].shape == (4, 2, 3) and ours["w"].dtype == tl.float64


def test_default_convert_matches_torch():
    sample = {"a": np.arange(3.0), "b": (np.int32(4), "s"), "c": [np.ones(2), 1]}
    _same(tld.default_convert(sample), td.default_convert(sample))


def test_default_collate_errors_match_torch():
    _errors(lambda: tld.default_collate([[1, 2], [1]]),
            lambda: td.default_collate([[1, 2], [1]]))
    strings = [np.array(["a"]), np.array(["b"])]
    _errors(lambda: tld.default_collate(strings), lambda: td.default_collate(strings))
    _errors(lambda: tld.default_collate([object()]), lambda: td.default_collate([object()]))


# ---- datasets -----------------------------------------------------------------------------
def test_tensor_dataset_subset_concat(device):
    x, y = tl.arange(12, device=device).reshape(6, 2), tl.arange(6, device=device)
    ds = tld.TensorDataset(x, y)
    assert len(ds) == 6 and ds[4][0].shape == (2,) and ds[4][1].device == tl.device(device)
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        tld.TensorDataset(x, tl.arange(5))
    sub = tld.Subset(ds, [5, 0, 3])
    cat = ds + sub
    assert isinstance(cat, tld.ConcatDataset) and len(cat) == 9
    assert cat.cumulative_sizes == td.ConcatDataset([range(6), range(3)]).cumulative_sizes
    if device != "meta":
        assert sub[0][1].item() == 5 and cat[6][1].item() == 5 and cat[-1][1].item() == 3
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-10]
    # PyTorch raises AssertionError (an assert, stripped by python -O); ValueError here.
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        tld.ConcatDataset([])


@pytest.mark.parametrize("n", [1, 7, 10, 101])
@pytest.mark.parametrize("fractions", [[0.8, 0.2], [0.3, 0.3, 0.4], [1 / 3] * 3, [0.5, 0.5]])
def test_random_split_fraction_lengths_match_torch(n, fractions):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-length splits warn in both
        ours = tld.random_split(range(n), fractions, generator=tl.Generator().manual_seed(1))
        theirs = td.random_split(range(n), fractions, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s.indices) == list(range(n))


def test_random_split_draws_one_randperm_from_the_generator():
    parts = tld.random_split(range(10), [6, 4], generator=tl.Generator().manual_seed(5))
    perm = tl.randperm(10, generator=tl.Generator().manual_seed(5)).tolist()
    assert parts[0].indices == perm[:6] and parts[1].indices == perm[6:]
    _errors(lambda: tld.random_split(range(10), [6, 5]),
            lambda: td.random_split(range(10), [6, 5]))
    _errors(lambda: tld.random_split(range(10), [1.2, -0.2]),
            lambda: td.random_split(range(10), [1.2, -0.2]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        tld.random_split(range(2), [0.99, 0.01])


# ---- samplers ------------------------------------------------------------------------------
@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                       (2, 5, True), (1, 1, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours = tld.BatchSampler(tld.SequentialSampler(range(n)), bs, drop)
    theirs = td.BatchSampler(td.SequentialSampler(range(n)), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_random_sampler_permutations_and_replacement():
    g = tl.Generator().manual_seed(3)
    without = list(tld.RandomSampler(range(5), num_samples=12, generator=g))
    assert len(without) == 12 and sorted(without[:5]) == sorted(without[5:10]) == list(range(5))
    assert len(set(without[10:])) == 2  # the cut third permutation has no repeats
    drawn = list(tld.RandomSampler(range(4), replacement=True, num_samples=70, generator=g))
    assert len(drawn) == 70 and set(drawn) == {0, 1, 2, 3}  # P(a value missing) < 1e-8
    # The order is randperm from the generator, so it can be computed without a sampler.
    assert list(tld.RandomSampler(range(6), generator=tl.Generator().manual_seed(9))) == \
        tl.randperm(6, generator=tl.Generator().manual_seed(9)).tolist()


def test_random_sampler_without_generator_draws_one_seed_per_epoch():
    tl.manual_seed(4)
    a = list(tld.RandomSampler(range(50)))
    after_one_epoch = tl.default_generator.offset
    b = list(tld.RandomSampler(range(50)))
    assert a != b and sorted(a) == sorted(b) == list(range(50))
    assert tl.default_generator.offset == 2 * after_one_epoch  # one draw each, not n
    tl.manual_seed(4)
    assert list(tld.RandomSampler(range(50))) == a


def test_subset_and_weighted_samplers():
    g = tl.Generator().manual_seed(0)
    assert sorted(tld.SubsetRandomSampler([10, 20, 30], generator=g)) == [10, 20, 30]
    weights = [0.0, 1.0, 3.0]
    drawn = list(tld.WeightedRandomSampler(weights, 4000, generator=g))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0  # zero weight: never drawn
    # 3:1 odds; the count of 2 is Binomial(4000, 0.75): sd 27, allow 5 sd
    assert abs(counts[2] - 3000) < 140
    no_repeat = list(tld.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False, generator=g))
    assert sorted(no_repeat) == [0, 1, 2, 3]


@pytest.mark.parametrize("make", [
    lambda m: m.RandomSampler(range(3), replacement=1),
    lambda m: m.RandomSampler(range(3), num_samples=0),
    lambda m: m.RandomSampler([], num_samples=None),
    lambda m: m.WeightedRandomSampler([1.0, 2.0], 0),
    lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda m: m.WeightedRandomSampler([1.0], 2, replacement="yes"),
    lambda m: m.BatchSampler(range(3), 0, False),
    lambda m: m.BatchSampler(range(3), True, False),
    lambda m: m.BatchSampler(range(3), 2, 1),
])
def test_sampler_argument_errors_match_torch(make):
    _errors(lambda: make(tld), lambda: make(td))


# ---- DataLoader ------------------------------------------------------------------------------
def _loaders(n=10, **kw):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = tld.DataLoader(tld.TensorDataset(tl.from_numpy(x), tl.arange(n)), **kw)
    theirs = td.DataLoader(td.TensorDataset(torch.from_numpy(x), torch.arange(n)), **kw)
    return ours, theirs


@pytest.mark.parametrize("n,bs,drop", [(10, 4, False), (10, 4, True), (8, 4, True), (3, 5, False),
                                       (3, 5, True)])
def test_loader_batches_and_len_match_torch(n, bs, drop):
    ours, theirs = _loaders(n, batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        _same(a, list(b))


def test_loader_on_device(device):
    ds = tld.TensorDataset(tl.randn(7, 3, device=device), tl.arange(7, device=device))
    batches = list(tld.DataLoader(ds, batch_size=3, shuffle=True,
                                  generator=tl.Generator().manual_seed(0)))
    assert [tuple(x.shape) for x, _ in batches] == [(3, 3), (3, 3), (1, 3)]
    assert all(x.device == tl.device(device) for x, _ in batches)
    if device != "meta":
        assert sorted(i for _, y in batches for i in y.tolist()) == list(range(7))


def test_batch_size_none_and_batch_sampler():
    ours, theirs = _loaders(3, batch_size=None)
    for a, b in zip(ours, theirs):
        _same(a, b)
    batches = [[0, 2], [1]]
    ours, theirs = _loaders(3, batch_sampler=batches)
    assert [y.tolist() for _, y in ours] == [y.tolist() for _, y in theirs] == batches


def test_epochs_reshuffle_and_reproduce_from_the_seed():
    def epochs(seed, count=3):
        loader, _ = _loaders(20, batch_size=5, shuffle=True,
                             generator=tl.Generator().manual_seed(seed))
        return [[i for _, y in loader for i in y.tolist()] for _ in range(count)]

    first = epochs(7)
    assert all(sorted(e) == list(range(20)) for e in first)
    assert first[0] != first[1] != first[2]  # each epoch a new order
    assert epochs(7) == first  # and the same orders from the same seed
    assert epochs(8) != first  # negative control: another seed, other orders
    # Each epoch draws base_seed (one int64 random_) then randperm, from the generator.
    g = tl.Generator().manual_seed(7)
    tl.empty((), dtype=tl.int64).random_(generator=g)
    assert first[0] == tl.randperm(20, generator=g).tolist()


@pytest.mark.parametrize("kw", [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
])
def test_loader_argument_errors_match_torch(kw):
    _errors(lambda: _loaders(**kw)[0], lambda: _loaders(**kw)[1])


def test_loader_attributes_frozen_like_torch():
    ours, theirs = _loaders()
    for name in ("batch_size", "sampler", "drop_last", "dataset"):
        _errors(lambda: setattr(ours, name, 1), lambda: setattr(theirs, name, 1))


class _Range(tld.IterableDataset):
    """Yields start..stop-1, split between workers as PyTorch's docs show."""

    def __init__(self, start, stop, info):
        self.start, self.stop, self.info = start, stop, info

    def __iter__(self):
        w = self.info()
        if w is None:
            return iter(range(self.start, self.stop))
        per = -(-(self.stop - self.start) // w.num_workers)
        lo = self.start + w.id * per
        return iter(range(lo, min(lo + per, self.stop)))


class _TorchRange(td.IterableDataset):
    __init__ = _Range.__init__
    __iter__ = _Range.__iter__


@pytest.mark.parametrize("workers,bs,drop", [(0, 4, False), (2, 4, False), (2, 3, True)])
def test_iterable_dataset_batches_match_torch(workers, bs, drop):
    ours = tld.DataLoader(_Range(0, 13, tld.get_worker_info), batch_size=bs, drop_last=drop,
                          num_workers=workers)
    theirs = td.DataLoader(_TorchRange(0, 13, td.get_worker_info), batch_size=bs,
                           drop_last=drop, num_workers=workers)
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    _errors(lambda: tld.DataLoader(_Range(0, 3, None), shuffle=True),
            lambda: td.DataLoader(_TorchRange(0, 3, None), shuffle=True))


class _Probe(tld.Dataset):
    """Each sample reports the worker and what its random sources draw."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = tld.get_worker_info()
        return {"i": i, "id": info.id, "seed": info.seed, "n": info.num_workers,
                "py": random.random(), "np": float(np.random.random()),
                "tl": tl.rand(()).item(), "pid": os.getpid(), "init": _init_seen.get("id", -1)}


_init_seen = {}


def _init(worker_id):
    _init_seen["id"] = worker_id
    assert tld.get_worker_info().id == worker_id  # seeded and informed before init_fn


def _expected_draws(base, worker_id):
    random.seed(base + worker_id)
    tl.manual_seed(base + worker_id)
    from torch.utils.data._utils.worker import _generate_state

    np.random.seed(_generate_state(base, worker_id))  # PyTorch's own numpy seeding
    return random.random(), float(np.random.random()), tl.rand(()).item()


def test_workers_follow_pytorchs_seeding_protocol():
    assert tld.get_worker_info() is None  # the main process
    loader = tld.DataLoader(_Probe(), batch_size=None, num_workers=2, worker_init_fn=_init,
                            generator=tl.Generator().manual_seed(11))
    samples = list(loader)
    base = tl.empty((), dtype=tl.int64).random_(generator=tl.Generator().manual_seed(11)).item()
    assert [s["i"] for s in samples] == [0, 1, 2, 3]  # in order despite two workers
    assert [s["id"] for s in samples] == [0, 1, 0, 1]  # round-robin, as in PyTorch
    with tl.random.fork_rng():
        for s in samples[:2]:
            assert s["seed"] == base + s["id"] and s["n"] == 2 and s["init"] == s["id"]
            assert (s["py"], s["np"], s["tl"]) == _expected_draws(base, s["id"])
    assert samples[0]["pid"] != os.getpid() and samples[0]["tl"] != samples[1]["tl"]


def _protocol_orders(module, gen, n, epochs):
    """Epoch orders when the base seed is drawn once (``_reset`` draws no new one), then
    per epoch a randperm used and a randperm cut to nothing (RandomSampler's remainder)."""
    module.empty((), dtype=module.int64).random_(generator=gen)
    orders = []
    for _ in range(epochs):
        orders.append(module.randperm(n, generator=gen).tolist())
        module.randperm(n, generator=gen)
    return orders


def test_persistent_workers_draw_like_torch():
    x = torch.arange(5)
    theirs = td.DataLoader(td.TensorDataset(x), batch_size=5, shuffle=True, num_workers=1,
                           persistent_workers=True, generator=torch.Generator().manual_seed(2))
    assert [b[0].tolist() for _ in range(2) for b in theirs] == \
        _protocol_orders(torch, torch.Generator().manual_seed(2), 5, 2)  # the oracle's rule

    ours, _ = _loaders(11, batch_size=3, shuffle=True, generator=tl.Generator().manual_seed(2))
    single = [i for _, y in ours for i in y.tolist()]
    loader = tld.DataLoader(ours.dataset, batch_size=3, shuffle=True, num_workers=2,
                            generator=tl.Generator().manual_seed(2), persistent_workers=True,
                            prefetch_factor=1)
    first = list(loader)
    workers = [w.pid for w in loader._iterator._workers]
    second = [i for _, y in loader for i in y.tolist()]
    assert [i for _, y in first for i in y.tolist()] == single  # workers keep the order
    assert [single, second] == _protocol_orders(tl, tl.Generator().manual_seed(2), 11, 2)
    assert [w.pid for w in loader._iterator._workers] == workers  # the same processes
    assert first[0][0].dtype == tl.float32 and first[0][0].shape == (3, 2)
    loader._iterator._shutdown_workers()


class _Failing(tld.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("bad sample 2")
        return i


def test_worker_errors_reach_the_main_process():
    loader = tld.DataLoader(_Failing(), batch_size=1, num_workers=2)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0"
                                         "(.|\n)*bad sample 2"):
        list(loader)
