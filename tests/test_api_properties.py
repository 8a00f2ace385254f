"""Property tests (hypothesis) of broadcasting and shape functions against PyTorch:
random shapes and arguments, same inputs, same shapes, dtypes and values (or the same
exception type)."""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
dims = st.lists(st.integers(0, 4), min_size=0, max_size=4)


def _pair(shape, seed):
    data = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return torch.tensor(data), tl.tensor(data)


def _same(expected, got):
    if isinstance(expected, (tuple, list)):
        assert len(expected) == len(got)
        for e, g in zip(expected, got):
            _same(e, g)
        return
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def _both(fn_torch, fn_tl):
    """The results agree, or both calls raise exceptions of the same builtin type."""
    try:
        expected = fn_torch()
    except Exception as exc:
        kind = next(t for t in type(exc).__mro__ if t.__module__ == "builtins")
        with pytest.raises(kind):
            fn_tl()
        return
    _same(expected, fn_tl())


@SETTINGS
@given(dims, dims, st.integers(0, 2**31))
def test_binary_broadcasting(a, b, seed):
    (ta, la), (tb, lb) = _pair(a, seed), _pair(b, seed + 1)
    for op in ("add", "mul", "atan2", "hypot", "logaddexp", "fmod", "maximum"):
        _both(lambda: getattr(torch, op)(ta, tb), lambda: getattr(tl, op)(la, lb))


@SETTINGS
@given(dims, dims, dims, st.integers(0, 2**31))
def test_where_and_broadcast_tensors(a, b, c, seed):
    (ta, la), (tb, lb), (tc, lc) = _pair(a, seed), _pair(b, seed + 1), _pair(c, seed + 2)
    _both(lambda: torch.where(ta > 0, tb, tc), lambda: tl.where(la > 0, lb, lc))
    _both(lambda: torch.broadcast_tensors(ta, tb, tc), lambda: tl.broadcast_tensors(la, lb, lc))
    try:
        expected = torch.broadcast_shapes(a, b, c)
    except RuntimeError:
        with pytest.raises(RuntimeError):
            tl.broadcast_shapes(a, b, c)
    else:
        assert tuple(tl.broadcast_shapes(a, b, c)) == tuple(expected)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@SETTINGS
@given(shapes, st.data())
def test_shape_functions(shape, data):
    t, x = _pair(shape, len(shape))
    n = len(shape)
    d = data.draw(st.integers(-n, n - 1))
    k = data.draw(st.integers(1, 5))
    reps = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n + 2))
    shifts = data.draw(st.integers(-6, 6))
    perm = data.draw(st.permutations(range(n)))
    _both(lambda: torch.split(t, k, d), lambda: tl.split(x, k, d))
    _both(lambda: torch.tensor_split(t, k, d), lambda: tl.tensor_split(x, k, d))
    _both(lambda: torch.chunk(t, k, d), lambda: tl.chunk(x, k, d))
    _both(lambda: t.unbind(d), lambda: x.unbind(d))
    _both(lambda: t.repeat(*reps), lambda: x.repeat(*reps))
    _both(lambda: torch.tile(t, tuple(reps[:2])), lambda: tl.tile(x, tuple(reps[:2])))
    _both(lambda: torch.repeat_interleave(t, k, d), lambda: tl.repeat_interleave(x, k, d))
    _both(lambda: torch.flip(t, (d,)), lambda: tl.flip(x, (d,)))
    _both(lambda: torch.roll(t, shifts, d), lambda: tl.roll(x, shifts, d))
    _both(lambda: torch.roll(t, shifts), lambda: tl.roll(x, shifts))
    _both(lambda: torch.movedim(t, tuple(range(n)), tuple(perm)),
          lambda: tl.movedim(x, tuple(range(n)), tuple(perm)))
    _both(lambda: t.unflatten(d, (1, -1)), lambda: x.unflatten(d, (1, -1)))
    _both(lambda: torch.cumsum(t, d), lambda: tl.cumsum(x, d))
    _both(lambda: torch.diff(t, dim=d), lambda: tl.diff(x, dim=d))
    if n >= 2:
        _both(lambda: torch.rot90(t, shifts, (0, n - 1)), lambda: tl.rot90(x, shifts, (0, n - 1)))
        _both(lambda: torch.tril(t, shifts), lambda: tl.tril(x, shifts))
        _both(lambda: torch.diagonal(t, shifts % 3 - 1, 0, -1),
              lambda: tl.diagonal(x, shifts % 3 - 1, 0, -1))
        _both(lambda: torch.diag_embed(t, shifts % 3 - 1), lambda: tl.diag_embed(x, shifts % 3 - 1))


@SETTINGS
@given(shapes, st.data())
def test_gather_scatter_round_trip(shape, data):
    # gather then scatter_add with random in-range indices: same values and shapes as torch
    n = len(shape)
    d = data.draw(st.integers(0, n - 1))
    index_shape = [data.draw(st.integers(1, s)) for s in shape]
    rng = np.random.default_rng(n)
    index = rng.integers(0, shape[d], index_shape)
    t, x = _pair(shape, 3)
    ti, li = torch.tensor(index), tl.tensor(index)
    _both(lambda: torch.gather(t, d, ti), lambda: tl.gather(x, d, li))
    src_t, src_l = _pair(index_shape, 4)
    _both(lambda: torch.scatter_add(t, d, ti, src_t), lambda: tl.scatter_add(x, d, li, src_l))
    _both(lambda: torch.scatter_reduce(t, d, ti, src_t, "amax"),
          lambda: tl.scatter_reduce(x, d, li, src_l, "amax"))
