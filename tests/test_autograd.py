"""The rules of reverse mode (DESIGN §9), each checked against PyTorch's behaviour."""

import gc
import weakref

import pytest

import tensorlite as tl

try:
    import torch
except ImportError:  # the rules are checked on their own; torch only adds comparisons
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the reference) is not installed")


def leaf(values, device="cpu", dtype=tl.float32):
    return tl.tensor(values, dtype=dtype, device=device, requires_grad=True)


# ---- the API -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda d: tl.zeros(2, requires_grad=True, device=d),
    lambda d: tl.ones(2, requires_grad=True, device=d),
    lambda d: tl.full((2,), 3.0, requires_grad=True, device=d),
    lambda d: tl.rand(2, requires_grad=True, device=d),
    lambda d: tl.randn(2, requires_grad=True, device=d),
    lambda d: tl.tensor([1.0, 2.0], requires_grad=True, device=d),
    lambda d: tl.arange(2.0, requires_grad=True, device=d),
    lambda d: tl.empty(2, device=d).requires_grad_(),
])
def test_creation_and_random_functions_make_leaves_that_require_grad(make, device_or_meta):
    x = make(device_or_meta)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None


def test_grad_fn_names_and_repr(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    assert x.is_leaf and repr(x).endswith("requires_grad=True)") if device_or_meta != "meta" else True
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    assert "grad_fn=<MulBackward0>" in repr(y)
    assert (y + 1).grad_fn.name() == "AddBackward0"
    assert y.sum().grad_fn.name() == "SumBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "AccumulateGrad"
    assert y.grad_fn.next_functions[0][0].variable is x


@needs_torch
def test_node_names_match_pytorch():
    exprs = ["x * 2", "x + 1", "x - 1", "x / 2", "x ** 2", "-x", "x.exp()", "x.log()",
             "x.sum()", "x.mean()", "x.relu()", "x.tanh()", "x.sigmoid()", "x.t()",
             "x.reshape(4)", "x.view(4)", "x[0]", "x[:, 1:]", "x.unsqueeze(0)",
             "x.permute(1, 0)", "x.transpose(0, 1)", "x.expand(3, 2, 2)", "x.clone()",
             "x @ x", "x.max()", "x.abs()", "x.sqrt()"]
    tx = torch.ones(2, 2, requires_grad=True)
    lx = tl.ones(2, 2, requires_grad=True)
    for expr in exprs:
        expected = type(eval(expr, {"x": tx}).grad_fn).__name__
        assert eval(expr, {"x": lx}).grad_fn.name() == expected, expr


def test_backward_accumulates_into_leaves_and_keeps_shape_dtype_device(device_or_meta):
    x = leaf([[1.0, 2.0, 3.0]], device_or_meta, tl.float64)
    b = leaf([1.0, 1.0, 1.0], device_or_meta, tl.float64)
    for _ in range(2):
        (x * b + x).sum().backward()
    assert x.grad.shape == x.shape and x.grad.dtype is tl.float64 and x.grad.device == x.device
    if device_or_meta != "meta":
        assert x.grad.tolist() == [[4.0, 4.0, 4.0]]
        assert b.grad.tolist() == [2.0, 4.0, 6.0]


def test_every_use_of_a_tensor_adds_up(device_or_meta):
    x = leaf([3.0], device_or_meta)
    (x * x + x * 2 + x).sum().backward()
    if device_or_meta != "meta":
        assert x.grad.tolist() == [9.0]  # 2x + 2 + 1


def test_broadcasting_is_undone_by_summing(device_or_meta):
    a = leaf([[1.0], [2.0]], device_or_meta)            # (2, 1)
    b = leaf([1.0, 2.0, 3.0], device_or_meta)           # (3,)
    (a * b).sum().backward()
    assert a.grad.shape == (2, 1) and b.grad.shape == (3,)
    if device_or_meta != "meta":
        assert a.grad.tolist() == [[6.0], [6.0]] and b.grad.tolist() == [3.0, 3.0, 3.0]


def test_half_types_accumulate_in_their_own_dtype(device_or_meta):
    for dtype in (tl.float16, tl.bfloat16):
        x = leaf([1.0, 2.0], device_or_meta, dtype)
        (x * 3).sum().backward()
        assert x.grad.dtype is dtype


@pytest.mark.parametrize("expr", [
    "x > 0", "x.argmax()", "x.long() * 2", "x.detach()", "(x == 1).all()",
    "tl.randint(0, 3, (2,), device=x.device)", "x.max(0).indices", "x.isnan()",
])
def test_outputs_that_cannot_carry_gradients_never_require_grad(expr, device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    out = eval(expr, {"x": x, "tl": tl})
    assert not out.requires_grad and out.grad_fn is None


def test_no_graph_under_no_grad_and_its_relatives(device_or_meta):
    x = leaf([1.0], device_or_meta)
    with tl.no_grad():
        assert not (x * 2).requires_grad
        with tl.enable_grad():
            assert (x * 2).requires_grad
    with tl.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with tl.inference_mode():
        assert not (x * 2).requires_grad
    assert tl.is_grad_enabled()

    @tl.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and tl.is_grad_enabled()


def test_saved_tensors_are_freed_after_backward(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    h = x * 2
    saved = weakref.ref(h)
    out = (h * h).sum()  # MulBackward0 saves h's array
    del h
    gc.collect()
    out.backward()
    gc.collect()
    assert saved() is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()


def test_the_graph_is_kept_with_retain_graph(device_or_meta):
    x = leaf([2.0], device_or_meta)
    out = (x * x).sum()
    out.backward(retain_graph=True)
    out.backward()
    if device_or_meta != "meta":
        assert x.grad.tolist() == [8.0]


@needs_torch
@pytest.mark.parametrize("call, exc", [
    (lambda X: X.ones(2, requires_grad=True).mul(2).backward(), RuntimeError),
    (lambda X: X.ones(2).sum().backward(), RuntimeError),
    (lambda X: X.ones(2, requires_grad=True).sum().backward(X.ones(3)), RuntimeError),
    (lambda X: X.autograd.grad(X.ones(2, requires_grad=True).sum(),
                               X.ones(2, requires_grad=True)), RuntimeError),
    (lambda X: X.autograd.grad(X.ones(2, requires_grad=True).sum(), X.ones(2)), RuntimeError),
    (lambda X: X.ones(2, requires_grad=True).add_(1), RuntimeError),
    (lambda X: X.ones(2, requires_grad=True)[0].mul_(2), RuntimeError),
    (lambda X: (X.ones(2, requires_grad=True) * 2).requires_grad_(False), RuntimeError),
    (lambda X: X.ones(2).retain_grad(), RuntimeError),
    (lambda X: X.ones(2).register_hook(lambda g: g), RuntimeError),
    (lambda X: X.ones(2, dtype=X.int64).requires_grad_(), RuntimeError),
])
def test_errors_have_pytorchs_types(call, exc):
    with pytest.raises(exc) as expected:
        call(torch)
    with pytest.raises(exc) as got:
        call(tl)
    words = [w for w in str(expected.value).split()[:4]]
    assert words == str(got.value).split()[:4], (expected.value, got.value)


def test_non_scalar_backward_needs_a_gradient_and_messages(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        tl.ones(2, device=device_or_meta).sum().backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(tl.ones(3, device=device_or_meta))
    other = "meta" if device_or_meta != "meta" else "cpu"
    with pytest.raises(RuntimeError, match="expected device"):
        (x * 2).backward(tl.ones(2, device=other))


def test_modifying_a_saved_tensor_in_place_is_detected(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    h = x * 2
    out = (h * h).sum()
    h.add_(1)
    assert h._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_views_share_the_version_counter_of_their_base(device_or_meta):
    x = leaf([[1.0, 2.0], [3.0, 4.0]], device_or_meta)
    h = x * 1
    v = h[0]
    t = h.t()
    out = (h.exp()).sum()  # exp saves its output, not h: h may change; exp's result may not
    y = h * h
    v.mul_(3)
    assert h._version == v._version == t._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    out.backward()


def test_in_place_ops_on_non_leaves_are_recorded(device_or_meta):
    x = leaf([-1.0, 2.0, 3.0], device_or_meta, tl.float64)
    h = x * 2
    h += 1
    assert h.grad_fn.name() == "AddBackward0"
    h.relu_()
    h.masked_fill_(h > 6, 0.0)
    h.mul_(x)          # reads the old h: the in-place form keeps it aside
    h.sum().backward()
    if device_or_meta != "meta":
        # h = relu(2x + 1) masked where > 6, times x. At -1: relu kills it; at 2:
        # d/dx (2x + 1) x = 4x + 1 = 9; at 3: 7 > 6 is masked to 0, so h = 0 * x: 0
        assert x.grad.tolist() == [0.0, 9.0, 0.0]


def test_writes_through_a_view_of_a_non_leaf_reach_the_base(device_or_meta):
    x = leaf([1.0, 2.0, 3.0], device_or_meta, tl.float64)
    w = leaf([5.0], device_or_meta, tl.float64)
    h = x * 1
    h[1:] *= 3
    h[0] = w[0] * 2
    h.sum().backward()
    assert h.grad_fn.name() == "CopySlices"
    if device_or_meta != "meta":
        assert x.grad.tolist() == [0.0, 3.0, 3.0] and w.grad.tolist() == [2.0]


def test_setitem_into_a_plain_tensor_records_the_value(device_or_meta):
    base = tl.zeros(3, device=device_or_meta, dtype=tl.float64)
    v = leaf(2.0, device_or_meta, tl.float64)
    base[1] = v
    (base * base).sum().backward()
    if device_or_meta != "meta":
        assert v.grad.item() == 4.0


def test_in_place_writes_to_leaves_that_require_grad(device_or_meta):
    w = leaf([1.0, 2.0], device_or_meta)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        w.mul_(2)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[0].fill_(0)
    with tl.no_grad():
        w.mul_(2)
        w[0] = 5
    if device_or_meta != "meta":
        assert w.tolist() == [5.0, 4.0]


@pytest.mark.parametrize("target", [tl.float64, tl.float16, tl.bfloat16])
def test_to_dtype_is_differentiable_and_the_gradient_comes_back(target, device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    y = x.to(target)
    assert y.grad_fn.name() == "ToCopyBackward0"
    (y * 3).sum().backward()
    assert x.grad.dtype is tl.float32
    if device_or_meta != "meta":
        assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.cuda
def test_to_device_is_differentiable():
    x = leaf([1.0, 2.0], "cpu")
    y = x.to("cuda")
    (y * 3).sum().backward()
    assert x.grad.device.type == "cpu" and x.grad.tolist() == [3.0, 3.0]


def test_a_chain_of_100000_ops_backpropagates_without_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]


# ---- hooks, retain_grad, detach ------------------------------------------------------------
def test_hooks_run_before_accumulation_and_can_be_removed(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g) or g * 10)
    h = x * 2
    h.register_hook(lambda g: g + 1)
    h.retain_grad()
    h.sum().backward()
    assert len(seen) == 1
    if device_or_meta != "meta":
        assert seen[0].tolist() == [4.0, 4.0]  # (1 + 1) * 2, before the leaf hook
        assert x.grad.tolist() == [40.0, 40.0]
        assert h.grad.tolist() == [2.0, 2.0]   # retained after the tensor's own hooks
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    if device_or_meta != "meta":
        assert x.grad.tolist() == [2.0, 2.0]


@needs_torch
def test_node_prehook_and_tensor_hook_on_one_output_both_apply_as_in_pytorch():
    # the node pre-hook is registered first, so its hooks come before the tensor hook's
    grads = {}
    for lib in (tl, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.grad_fn.register_prehook(lambda gs: (gs[0] * 5,))
        y.register_hook(lambda g: g * 10)
        y.sum().backward()
        grads[lib.__name__] = x.grad.tolist()
    assert grads["tensorlite"] == grads["torch"] == [150.0, 150.0]


@needs_torch
def test_independent_branches_run_newest_node_first_as_in_pytorch():
    orders = {}
    for lib in (tl, torch):
        order = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = x * 2, x * 3
        a.register_hook(lambda g: order.append("a"))
        b.register_hook(lambda g: order.append("b"))
        c, d = a.sin(), b.cos()
        c.register_hook(lambda g: order.append("c"))
        d.register_hook(lambda g: order.append("d"))
        (c.sum() + d.sum()).backward()
        orders[lib.__name__] = order
    assert orders["tensorlite"] == orders["torch"] == ["d", "c", "b", "a"]


@needs_torch
def test_grad_runs_no_node_off_the_path_to_the_inputs_as_in_pytorch():
    for lib in (tl, torch):
        calls = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        v = w * 3
        v.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append(1))
        (g,) = lib.autograd.grad((x * 2).sum() + v.sum(), x)
        assert calls == [] and g.tolist() == [2.0, 2.0] and w.grad is None, lib.__name__


def test_detach_cuts_the_graph_and_shares_data(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    h = x * 2
    d = h.detach()
    assert not d.requires_grad and d.is_leaf
    assert d._version_counter() is h._version_counter()
    h.detach_()
    assert h.is_leaf and not h.requires_grad


def test_non_leaf_grad_access_warns():
    h = leaf([1.0]) * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert h.grad is None


# ---- autograd.grad, Function, gradcheck ------------------------------------------------------
def test_autograd_grad_returns_gradients_without_touching_grad(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    y = leaf([3.0], device_or_meta)
    gx, gy = tl.autograd.grad((x * y).sum(), (x, y))
    assert x.grad is None and y.grad is None
    if device_or_meta != "meta":
        assert gx.tolist() == [3.0, 3.0] and gy.tolist() == [3.0]
    unused = leaf([1.0], device_or_meta)
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used in the graph"):
        tl.autograd.grad(out, (x, unused), retain_graph=True)
    g = tl.autograd.grad(out, (x, unused), allow_unused=True)
    assert g[1] is None


def test_autograd_grad_of_an_intermediate(device_or_meta):
    x = leaf([1.0, 2.0], device_or_meta)
    h = x * 3
    (gh,) = tl.autograd.grad((h * h).sum(), h)
    if device_or_meta != "meta":
        assert gh.tolist() == [6.0, 12.0]


def test_create_graph_says_it_is_not_supported():
    x = leaf([1.0])
    with pytest.raises(NotImplementedError, match="create_graph"):
        tl.autograd.grad((x * x).sum(), x, create_graph=True)


class Cube(tl.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return 3 * x ** 2 * ctx.scale * g, None


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x ** 2 * ctx.scale * g, None  # wrong on purpose: the negative control


def test_custom_function_and_gradcheck(device_or_meta):
    x = leaf([1.0, -2.0], device_or_meta, tl.float64)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    if device_or_meta != "meta":
        assert x.grad.tolist() == [6.0, 24.0]
        x64 = leaf([0.3, -1.2, 2.0], device_or_meta, tl.float64)
        assert tl.autograd.gradcheck(lambda t: Cube.apply(t, 1.5), (x64,))


def test_gradcheck_rejects_a_wrong_backward():
    x = leaf([0.3, -1.2, 2.0], dtype=tl.float64)
    with pytest.raises(tl.autograd.GradcheckError):
        tl.autograd.gradcheck(lambda t: WrongCube.apply(t, 1.5), (x,))
    assert tl.autograd.gradcheck(lambda t: WrongCube.apply(t, 1.5), (x,),
                                 raise_exception=False) is False


def test_gradcheck_of_several_outputs_that_save_the_input():
    # The finite differences write into the input; every analytical Jacobian must be
    # taken first, or the second output's backward sees a modified saved tensor.
    x = leaf([0.3, -1.2, 2.0], dtype=tl.float64)

    def two_outputs(t):
        square = t * t
        return square.sin(), square * t

    assert tl.autograd.gradcheck(two_outputs, (x,))
    with pytest.raises(tl.autograd.GradcheckError, match="output 1"):
        tl.autograd.gradcheck(lambda t: (t * t, WrongCube.apply(t, 1.5)), (x,))


def test_saved_tensor_modified_before_a_custom_backward():
    x = leaf([1.0])
    h = x * 1
    y = Cube.apply(h, 1.0)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# ---- modules ----------------------------------------------------------------------------------
def test_parameters_accumulate_and_zero_grad_clears(device_or_meta):
    layer = tl.nn.Linear(3, 2, device=device_or_meta)
    x = tl.ones(4, 3, device=device_or_meta)
    layer(x).sum().backward()
    layer(x).sum().backward()
    if device_or_meta != "meta":
        assert layer.bias.grad.tolist() == [8.0, 8.0]
    layer.zero_grad(set_to_none=False)
    if device_or_meta != "meta":
        assert layer.bias.grad.tolist() == [0.0, 0.0]
    layer.zero_grad()
    assert layer.weight.grad is None and layer.bias.grad is None


def test_initialization_is_not_part_of_the_graph(device_or_meta):
    layer = tl.nn.Linear(3, 2, device=device_or_meta)
    tl.nn.init.kaiming_normal_(layer.weight)
    assert layer.weight.is_leaf and layer.weight.grad_fn is None


def test_assigning_grad_checks_it():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = tl.ones(3)
    x.grad = tl.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]


def test_normal_with_tensor_parameters_gives_zero_gradients_as_pytorch(device_or_meta):
    mean = leaf([0.0, 1.0, 2.0], device_or_meta)
    std = leaf([1.0, 1.0, 1.0], device_or_meta)
    y = tl.normal(mean, std)
    assert y.grad_fn.name() == "NormalBackward3"
    y.sum().backward()
    if device_or_meta != "meta":
        assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [0.0] * 3


def test_leaf_gradients_never_share_memory():
    """Gradients are stored without a copy only when nothing else holds them: one
    gradient sent to two leaves (add), a view (expand) or the caller's own gradient
    tensor are copied, so changing one .grad in place never changes another."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ((x + y) * 2).sum().backward()
    x.grad.zero_()
    assert y.grad.tolist() == [2.0, 2.0]
    z = leaf([1.0, 1.0])
    upstream = tl.ones(2)
    (z + 0).backward(upstream)
    upstream.zero_()
    assert z.grad.tolist() == [1.0, 1.0]
    w = leaf([[1.0]])
    w.expand(2, 2).sum().backward()
    assert w.grad.tolist() == [[4.0]]


def test_custom_backward_returning_none_for_a_non_leaf_input_matches_torch():
    """No gradient reaches the node that made ``y``: its input gets none either (the
    engine used to call the node's rule with ``None`` and fail)."""
    torch = pytest.importorskip("torch")
    grads = []
    for X in (tl, torch):
        class FirstOnly(X.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g, None

        a = X.ones(2, requires_grad=True)
        b = X.ones(2, requires_grad=True)
        FirstOnly.apply(a * 2, b.exp()).sum().backward()
        grads.append((a.grad.tolist(), b.grad))
    assert grads[0] == grads[1] == ([2.0, 2.0], None)
