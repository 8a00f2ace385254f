"""Creation, promotion, reductions and reprs compared with PyTorch's CPU build.

Each case is one expression evaluated with ``X`` bound to ``torch`` and then to
``tensorlite``; the reprs (with ``torch.`` spelled ``tensorlite.``) must be equal,
which checks values, dtype, shape and formatting at once.
"""

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

CASES = [
    "X.tensor([1.0, 2.0, 3.0])", "X.tensor([0, 1, 2])", "X.tensor([[1.5, 2.25], [3.0, 4.0]])",
    "X.tensor([1e-5, 1.0])", "X.tensor([1e10, 1.0])", "X.tensor([True, False])",
    "X.tensor([1, 2.5])", "X.tensor([[True, 2], [3, 4]])", "X.tensor(3.5)", "X.tensor(7)",
    "X.arange(2000).reshape(40, 50)", "X.arange(2000.).reshape(2, 10, 100)",
    "X.arange(1001.)", "X.arange(24).reshape(2, 3, 4)", "X.arange(2401.).reshape(7, 7, 7, 7)",
    "X.arange(1001.).reshape(1001, 1)", "X.arange(1200).reshape(3, 400)",
    "X.arange(5000.).reshape(2, 2500) / 3", "X.arange(3000, dtype=X.float16)",
    "X.tensor([], dtype=X.int64)", "X.zeros(2, 0)", "X.zeros(0)", "X.zeros(0, dtype=X.int32)",
    "X.tensor([1.5], dtype=X.float16)", "X.tensor([1.5, 0.1], dtype=X.bfloat16)",
    "X.tensor([float('nan'), float('inf'), 1.0])", "X.tensor([float('nan'), 1.5])",
    "X.arange(30.) / 7", "X.tensor([1e-4, 1e3])", "X.tensor([123456789.0])",
    "X.tensor([1.0, 1e9])", "X.tensor([-0.0, 0.0])", "X.tensor([0.1234567, -12.5, 100.0])",
    # ranges and their endpoint rules
    "X.linspace(-1, 1, 100)", "X.linspace(0, 1, 7)", "X.linspace(-3.3, 7.1, 1001)",
    "X.linspace(0, 10, 5, dtype=X.int64)", "X.linspace(2, 3, 1)", "X.linspace(2, 3, 0)",
    "X.linspace(0, 1, 11, dtype=X.float64)", "X.arange(0, 1, 0.1)", "X.arange(-1, 1, 0.3)",
    "X.arange(10, 0, -3)", "X.arange(0, 5, 2, dtype=X.float32)", "X.arange(1, 2.5, 0.5)",
    "X.arange(5, dtype=X.float16)", "X.logspace(0, 3, 7)", "X.logspace(0, 2, 3, base=2)",
    "X.eye(3, 5)", "X.eye(2, dtype=X.int32)", "X.full((2, 2), 7)", "X.full((2,), True)",
    "X.full((2,), 1.5, dtype=X.float64)", "X.ones(2, 3, dtype=X.bool)", "X.zeros((2, 2), dtype=X.uint8)",
    # promotion
    "X.tensor([1, 2], dtype=X.int32) + 2.5", "X.tensor([1, 2], dtype=X.int32) + 2",
    "X.tensor([1, 2], dtype=X.int32) + X.tensor(2.5, dtype=X.float64)",
    "X.tensor([1., 2.], dtype=X.float16) + X.tensor([1., 2.], dtype=X.bfloat16)",
    "X.tensor([1, 2], dtype=X.uint8) + X.tensor([1, 2], dtype=X.int8)",
    "X.tensor([1., 2.], dtype=X.float16) * 3.3", "X.tensor([True]) + 1", "X.tensor([True]) + 1.5",
    "X.tensor([1, 2]) / 2", "X.tensor([5, -7]) // 2", "X.tensor([5, -7]) % 3",
    "X.tensor([5., -7.]) % 3", "2 ** X.tensor([1, 2])", "X.tensor([1., 4.]) ** 0.5",
    "X.tensor([1, 2]) == 1", "X.tensor([1., 2.]) > X.tensor([2., 1.])",
    "X.tensor([3, 4]).float()", "X.tensor([1.7, -1.7]).long()", "X.tensor([0.1], dtype=X.float64).half()",
    # unary and reductions
    "X.tensor([1, 2]).exp()", "X.tensor([1., 2.], dtype=X.float16).sqrt()", "X.tensor([-1., 2.]).relu()",
    "X.tensor([-1., 0., 2.]).sigmoid()", "X.tensor([-1., 2.]).tanh()", "X.tensor([-3, 2]).abs()",
    "X.tensor([-3., 2.]).clamp(-1, 1)", "X.tensor([1., 2.]).std()", "X.tensor([[1., 2.], [3., 5.]]).var(1)",
    "X.tensor([[1., 2.], [3., 5.]]).std(0, keepdim=True)", "X.tensor([[1, 5], [7, 2]]).argmax()",
    "X.tensor([[1, 5], [7, 2]]).argmin(1)", "X.tensor([[1, 5], [7, 2]]).sum()",
    "X.tensor([[1, 5], [7, 2]]).sum(1, keepdim=True)", "X.tensor([[1., 5.], [7., 2.]]).mean(0)",
    "X.tensor([[1., 5.], [7., 2.]]).max()", "X.tensor([[1., 5.], [7., 2.]]).max(1)", "X.tensor([[1., 5.], [7., 2.]]).max(1).values",
    "X.tensor([[1., 5.], [7., 2.]]).min(0).indices", "X.tensor([[True, False]]).all(1)",
    "X.tensor([[True, False]]).any()", "X.tensor([True, False]).sum()",
    # shapes, joins, matmul
    "X.arange(6).reshape(2, -1).T", "X.arange(24).reshape(2, 3, 4).permute(2, 0, 1)",
    "X.arange(6).reshape(2, 3).transpose(0, 1)", "X.arange(6).reshape(1, 2, 3).squeeze()",
    "X.arange(3).unsqueeze(1).expand(3, 2)", "X.arange(24).reshape(2, 3, 4).flatten(1)",
    "X.cat([X.ones(2), X.zeros(3)])", "X.stack([X.ones(2), X.zeros(2)], dim=1)",
    "X.cat([X.ones(1, 2), X.zeros(2, 2, dtype=X.float64)])",
    "X.where(X.tensor([True, False]), X.tensor([1., 2.]), 0)",
    "X.arange(6.).reshape(2, 3) @ X.arange(6.).reshape(3, 2)", "X.matmul(X.ones(2, 3), X.ones(3))",
    "X.arange(10)[2:8:2]", "X.arange(12).reshape(3, 4)[1]", "X.arange(12).reshape(3, 4)[:, X.tensor([0, 2])]",
    "X.arange(5)[X.tensor([True, False, True, False, True])]",
    # meta tensors and grad flags
    "X.zeros(3, 4, device='meta')", "X.zeros(3, 4, device='meta', dtype=X.int64)",
    "X.ones(2, device='meta') + X.ones(2, device='meta')",
    "X.tensor([1.5, 2.5]).requires_grad_()", "X.zeros(2, requires_grad=True)",
]


MORE_CASES = [
    "X.tensor([1, 2], dtype=X.uint8) * -1", "X.tensor([1, 2], dtype=X.int8) + 1000",
    "X.tensor([1.7, -1.7], dtype=X.int64)",
    "X.zeros(2, 3).sum(dim=())", "X.tensor([1, 2]).masked_fill(X.tensor([True, False]), 0.5)",
]


@pytest.mark.parametrize("expr", CASES + MORE_CASES)
def test_matches_torch(expr):
    expected = repr(eval(expr, {"X": torch})).replace("torch.", "tensorlite.")
    assert repr(eval(expr, {"X": tl})) == expected


ERRORS = [
    "X.zeros(-1)", "X.zeros(2.5)", "X.linspace(0, 1, -1)", "X.arange(0, 10, 0)",
    "X.arange(0, 10, -1)", "X.tensor([[1, 2], [3]])", "X.tensor(['a'])", "X.zeros(2, dtype='foo')",
    "X.zeros(2, device='tpu')", "X.zeros(2, device='cuda:x')", "X.tensor([1, 2]).mean()",
    "X.ones(2, 3) @ X.ones(2, 3)", "X.ones(2).reshape(3)", "X.ones(2, 3).item()",
    "X.ones(2, 3).permute(0)", "X.ones(2).expand(3)", "X.cat([X.ones(2, 2), X.ones(2, 3)], 0)",
    "X.ones(2)[5]", "X.ones(2, 2).sum(5)", "X.tensor([1, 2]) ** -1", "-X.tensor([True])",
    "X.zeros(2, dtype=X.int64).requires_grad_()",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch_types(expr):
    with pytest.raises(Exception) as expected:
        eval(expr, {"X": torch})
    with pytest.raises(Exception) as got:
        eval(expr, {"X": tl})
    # Same exception class (by name: torch's own subclasses are normalized to builtins)
    exp_type = expected.type
    if exp_type.__module__.startswith("torch"):
        exp_type = next(t for t in exp_type.__mro__ if t.__module__ == "builtins")
    assert issubclass(got.type, exp_type), (got.type, exp_type, str(got.value))




@pytest.mark.parametrize("expr", [
    "X.tensor(2**63)", "X.ones(2, 3).t().view(6)", "X.tensor([300, -1], dtype=X.uint8)", "X.tensor([1, 2]) + [1, 2]",
])
def test_more_errors(expr):
    with pytest.raises(Exception) as expected:
        eval(expr, {"X": torch})
    with pytest.raises(expected.type):
        eval(expr, {"X": tl})


def test_inplace_int_divide_raises_like_torch():
    a = tl.tensor([3, 4])
    with pytest.raises(RuntimeError, match="can't be cast"):
        a /= 2
    assert a.tolist() == [3, 4]


def test_size_slices_stay_sizes():
    s = tl.zeros(2, 3, 4).shape
    assert repr(s[1:]) == "tensorlite.Size([3, 4])" and repr(s + (5,)) == "tensorlite.Size([2, 3, 4, 5])"
    assert s[0] == 2


@pytest.mark.parametrize("expr", ["X.tensor([[-1.5, -0.5, 0.8, 0.9], [0.1, 0.5, 0.2, 0.3]]).argmax(1)",
                                  "X.tensor([[-1.5, -0.5, 0.8, 0.9], [0.1, 0.5, 0.2, 0.3]]).argmin()",
                                  "X.tensor([[-1.5, -0.5, 0.8, 0.9], [0.1, 0.5, 0.2, 0.3]]).max(1)"])
def test_index_reductions_of_floats_see_the_fractions(expr):
    """Regression: the reduction helper once cast the input to the index dtype first."""
    assert repr(eval(expr, {"X": tl})) == repr(eval(expr, {"X": torch})).replace("torch", "tensorlite")
