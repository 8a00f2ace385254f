"""Edges of the autograd API (issue 18: coverage of the contract modules), each checked
against PyTorch's behaviour: backward(inputs=), grad(materialize_grads=), the
arguments' errors, custom Functions' corner cases, gradcheck's warnings, decorators."""

import warnings

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch", reason="PyTorch (the reference) is not installed")


def pair(values, dtype="float64"):
    return (tl.tensor(values, dtype=getattr(tl, dtype), requires_grad=True),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True))


# ---- backward(inputs=) and grad(materialize_grads=) -------------------------------------------
def test_backward_with_inputs_accumulates_only_into_them_as_pytorch():
    results = []
    for lib, (x, y) in ((tl, (pair([1.0, 2.0])[0], pair([3.0, 4.0])[0])),
                        (torch, (pair([1.0, 2.0])[1], pair([3.0, 4.0])[1]))):
        h = x * y          # a non-leaf input: its .grad is filled too
        out = (h * h).sum()
        lib.autograd.backward(out, inputs=[x, h], retain_graph=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # reading a non-leaf's .grad warns
            h_grad = h.grad.tolist()
        lib.autograd.backward(out, inputs=[x])  # accumulates into x only
        results.append((x.grad.tolist(), y.grad, h_grad))
    assert results[0] == results[1]


def test_grad_materialize_grads_gives_zeros_for_unused_inputs():
    (x, tx), (y, ty) = pair([1.0, 2.0]), pair([5.0])
    got = tl.autograd.grad((x * x).sum(), (x, y), materialize_grads=True)
    want = torch.autograd.grad((tx * tx).sum(), (tx, ty), materialize_grads=True)
    assert [g.tolist() for g in got] == [g.tolist() for g in want]
    assert tl.autograd.grad((x * x).sum(), (x, y), allow_unused=True)[1] is None
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        tl.autograd.grad((x * x).sum(), (x, y))


def test_grad_outputs_of_another_dtype_are_cast_to_the_outputs():
    (x, tx) = pair([1.0, 2.0], "float32")
    g32 = tl.autograd.grad(x * 3, x, tl.tensor([1.0, 0.5], dtype=tl.float64))[0]
    t32 = torch.autograd.grad(tx * 3, tx, torch.tensor([1.0, 0.5], dtype=torch.float64))[0]
    assert g32.dtype == tl.float32 and g32.tolist() == t32.tolist()


@pytest.mark.parametrize("call, exc, match", [
    (lambda lib, x: lib.autograd.grad([x * 2, x * 3], x, [lib.ones(2)]), RuntimeError,
     "gradients for 2 outputs|got 1"),
    (lambda lib, x: lib.autograd.grad(x * 2, x, lib.ones(3)), RuntimeError, "Mismatch in shape"),
    (lambda lib, x: lib.autograd.grad((x * 2).sum(), lib.ones(2)), RuntimeError,
     "does not require grad"),
    (lambda lib, x: lib.autograd.grad((x * 2).sum(), [x, 3.0]), RuntimeError,
     "all inputs have to be Tensors or GradientEdges, but got float"),
    (lambda lib, x: lib.autograd.backward(x * 2, [[1.0, 1.0]]), TypeError,
     "gradients can be either Tensors or None, but got list"),
])
def test_argument_errors_have_pytorchs_types(call, exc, match):
    with pytest.raises(exc, match=match):
        call(tl, pair([1.0, 2.0])[0])
    with pytest.raises(exc):
        call(torch, pair([1.0, 2.0])[1])


def test_integer_gradients_are_cast_and_non_tensor_outputs_rejected():
    (x, tx) = pair([1.0, 2.0], "float32")
    got = tl.autograd.grad(x * 2, x, tl.ones(2, dtype=tl.int64))[0]
    want = torch.autograd.grad(tx * 2, tx, torch.ones(2, dtype=torch.int64))[0]
    assert got.dtype == tl.float32 and got.tolist() == want.tolist()
    with pytest.raises(TypeError, match="backward: outputs must be Tensors, got float"):
        tl.autograd.backward([x * 2, 3.0], [tl.ones(2), None])  # PyTorch: AssertionError


def test_gradient_on_another_device_is_rejected():
    x = tl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="expected device cpu but got meta"):
        (x * 2).backward(tl.ones(2, device="meta"))


# ---- custom Functions --------------------------------------------------------------------------
class Identity(tl.autograd.Function):
    """Returns its input itself: autograd must give the output a history of its own."""

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


class SplitMarked(tl.autograd.Function):
    """Two outputs, the second non-differentiable; backward sees ``None`` for unused outputs
    when materialization is off."""

    @staticmethod
    def forward(ctx, x, materialize):
        ctx.set_materialize_grads(materialize)
        a, idx = x * 2, (x > 0).to(x.dtype)
        ctx.mark_non_differentiable(idx)
        return a, idx, x * 3

    @staticmethod
    def backward(ctx, ga, gidx, gc):
        ctx.seen = (ga is None, gc is None)
        total = 0
        if ga is not None:
            total = total + 2 * ga
        if gc is not None:
            total = total + 3 * gc
        return total, None


def test_a_function_returning_its_input_gets_a_new_output_with_history():
    x = tl.tensor([1.0, 2.0], requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn.name() == "IdentityBackward" and x.grad_fn is None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("materialize", [True, False])
def test_non_differentiable_outputs_and_materialize_grads(materialize):
    x = tl.tensor([1.0, -2.0], requires_grad=True)
    a, idx, c = SplitMarked.apply(x, materialize)
    assert not idx.requires_grad and a.requires_grad
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    node = a.grad_fn
    assert node is c.grad_fn


def test_custom_backward_results_are_checked():
    class TooFew(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class NotATensor(TooFew):
        @staticmethod
        def backward(ctx, g):
            return 1.0, None

    class BadShape(TooFew):
        @staticmethod
        def backward(ctx, g):
            return tl.ones(3), None

    class Broadcast(TooFew):  # a gradient that broadcasts to the input is summed to it
        @staticmethod
        def backward(ctx, g):
            return tl.ones(4, 2), None

    x, y = tl.ones(2, requires_grad=True), tl.ones(2)
    with pytest.raises(RuntimeError, match="TooFewBackward returned an incorrect number of "
                                           r"gradients \(expected 2, got 1\)"):
        TooFew.apply(x, y).sum().backward()
    with pytest.raises(TypeError, match="NotATensorBackward"):
        NotATensor.apply(x, y).sum().backward()
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[3\] but "
                                           r"expected shape compatible with \[2\]"):
        BadShape.apply(x, y).sum().backward()
    Broadcast.apply(x, y).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_function_without_grad_returns_forward_result_and_base_class_raises():
    x = tl.ones(2)
    y = Identity.apply(x)
    assert y is x and y.grad_fn is None
    with pytest.raises(NotImplementedError, match="forward"):
        tl.autograd.Function.forward(None)
    with pytest.raises(NotImplementedError, match="backward"):
        tl.autograd.Function.backward(None)


def test_none_can_be_saved_for_backward():
    class Keep(tl.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            x, none = ctx.saved_tensors
            assert none is None
            return g

    x = tl.ones(1, requires_grad=True)
    y = Keep.apply(x)
    y.backward(retain_graph=True)
    assert x.grad.tolist() == [1.0]


# ---- gradcheck ----------------------------------------------------------------------------------
def test_gradcheck_warns_on_single_precision_and_skips_outputs_without_grad():
    x = tl.tensor([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
        assert tl.autograd.gradcheck(lambda t: t * 2, (x,), eps=1e-2, atol=1e-2)
    x64 = tl.tensor([0.5, 1.5], dtype=tl.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tl.autograd.gradcheck(lambda t: (t.detach(), t.sin()), x64)
    empty = tl.zeros(0, dtype=tl.float64, requires_grad=True)
    assert tl.autograd.gradcheck(lambda a, b: (a * b).sum() + b.sum(), (empty, x64[:0] * 1))


# ---- the engine: node hooks, reprs, rules that return scalars ----------------------------------
def test_node_hooks_run_after_the_node_and_can_replace_gradients_as_pytorch():
    got = []
    for lib in (tl, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        seen = []
        handle = y.grad_fn.register_hook(lambda gi, go: seen.append(len(gi)) or (gi[0] * 10, gi[1]))
        y.sum().backward(retain_graph=True)
        handle.remove()
        y.sum().backward()
        got.append((x.grad.tolist(), seen))
    assert got[0] == got[1]
    node = (tl.ones(1, requires_grad=True) * 2).grad_fn
    assert repr(node).startswith("<MulBackward0 object at 0x")


def test_a_rule_that_returns_a_scalar_is_a_clear_error():
    from tensorlite.autograd.graph import record

    x = tl.ones(2, requires_grad=True)
    out = tl.ones(2)
    record("BadBackward", (x,), out, lambda grads: (1.0,))
    with pytest.raises(TypeError, match="a derivative rule returned float, not an array"):
        out.sum().backward()


# ---- grad mode decorators -----------------------------------------------------------------------
def test_grad_mode_decorators_set_the_mode_at_each_call_as_pytorch():
    for lib in (tl, torch):
        @lib.set_grad_enabled(False)
        def off():
            return lib.is_grad_enabled()

        assert lib.is_grad_enabled()  # decorating does not change the mode
        assert off() is False and lib.is_grad_enabled()

        @lib.inference_mode()
        def inferring():
            return lib.is_grad_enabled()

        with lib.no_grad():
            @lib.inference_mode(False)
            def keeping():
                return lib.is_grad_enabled()

        assert inferring() is False and keeping() is True and lib.is_grad_enabled()
