"""``grad_fn.name()`` of the node each operation records, against PyTorch's: in-place
activations and scalar overloads have their own names in PyTorch
(``LeakyReluBackward1``, ``PowBackward2``, ``ClampMinBackward0``, ``AminmaxBackward0``).

Composites that tensorlite builds from other ops and PyTorch fuses
(``F.mse_loss``, ``F.glu``, ``lerp``, ``addcmul_``...) end with another node and are not
listed; nor are the random in-place fills (``normal_``...).
"""

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")


def _set(x):
    y = x.clone()
    y[0] = x[1] * 2
    return y


OPS = {
    # in-place activations (PyTorch's in-place kernels)
    "relu_": lambda lib, F, x: x.clone().relu_(),
    "F.relu(inplace)": lambda lib, F, x: F.relu(x.clone(), inplace=True),
    "sigmoid_": lambda lib, F, x: x.clone().sigmoid_(),
    "tanh_": lambda lib, F, x: x.clone().tanh_(),
    "F.leaky_relu(inplace)": lambda lib, F, x: F.leaky_relu(x.clone(), 0.1, inplace=True),
    "F.leaky_relu_": lambda lib, F, x: F.leaky_relu_(x.clone(), 0.1),
    "F.elu(inplace)": lambda lib, F, x: F.elu(x.clone(), inplace=True),
    "F.elu_": lambda lib, F, x: F.elu_(x.clone()),
    "F.selu(inplace)": lambda lib, F, x: F.selu(x.clone(), inplace=True),
    "F.celu(inplace)": lambda lib, F, x: F.celu(x.clone(), inplace=True),
    "F.celu": lambda lib, F, x: F.celu(x),
    "F.hardtanh(inplace)": lambda lib, F, x: F.hardtanh(x.clone(), inplace=True),
    "F.relu6(inplace)": lambda lib, F, x: F.relu6(x.clone(), inplace=True),
    "F.silu(inplace)": lambda lib, F, x: F.silu(x.clone(), inplace=True),
    "F.mish(inplace)": lambda lib, F, x: F.mish(x.clone(), inplace=True),
    "F.hardswish(inplace)": lambda lib, F, x: F.hardswish(x.clone(), inplace=True),
    "F.hardsigmoid(inplace)": lambda lib, F, x: F.hardsigmoid(x.clone(), inplace=True),
    "F.threshold(inplace)": lambda lib, F, x: F.threshold(x.clone(), 0.1, 0.0, inplace=True),
    "F.threshold_": lambda lib, F, x: F.threshold_(x.clone(), 0.1, 0.0),
    "F.rrelu(eval)": lambda lib, F, x: F.rrelu(x, training=False),
    "F.rrelu(eval, inplace)": lambda lib, F, x: F.rrelu(x.clone(), training=False,
                                                        inplace=True),
    "nn.ReLU(inplace)": lambda lib, F, x: lib.nn.ReLU(inplace=True)(x.clone()),
    "nn.LeakyReLU(inplace)": lambda lib, F, x: lib.nn.LeakyReLU(0.2, inplace=True)(x.clone()),
    "F.leaky_relu": lambda lib, F, x: F.leaky_relu(x, 0.1),
    "F.elu": lambda lib, F, x: F.elu(x),
    "F.threshold": lambda lib, F, x: F.threshold(x, 0.1, 0.0),
    # reductions with two results or overloads
    "aminmax.min": lambda lib, F, x: lib.aminmax(x).min,
    "aminmax(dim).max": lambda lib, F, x: lib.aminmax(x, dim=0).max,
    "amax": lambda lib, F, x: x.amax(0),
    "max": lambda lib, F, x: x.max(),
    "max(dim)": lambda lib, F, x: x.max(0).values,
    "prod": lambda lib, F, x: x.prod(),
    "prod(dim)": lambda lib, F, x: x.prod(0),
    # scalar overloads
    "x ** 2": lambda lib, F, x: x ** 2,
    "x ** y": lambda lib, F, x: x.abs() ** x,
    "2 ** x": lambda lib, F, x: 2 ** x,
    "1 - x": lambda lib, F, x: 1 - x,
    "x - 1": lambda lib, F, x: x - 1,
    "x % 0.3": lambda lib, F, x: x % 0.3,
    "fmod(x, 0.3)": lambda lib, F, x: lib.fmod(x, 0.3),
    "copysign(x, 1)": lambda lib, F, x: lib.copysign(x, 1.0),
    "xlogy(x, 2)": lambda lib, F, x: lib.xlogy(x, 2.0),
    "float_power(x, 2)": lambda lib, F, x: lib.float_power(x, 2),
    "clamp": lambda lib, F, x: x.clamp(-0.5, 0.5),
    "clamp(min=)": lambda lib, F, x: x.clamp(min=0.1),
    "clamp_": lambda lib, F, x: x.clone().clamp_(-0.5, 0.5),
    "clamp_min": lambda lib, F, x: x.clamp_min(0.1),
    "clamp_max_": lambda lib, F, x: x.clone().clamp_max_(0.1),
    "squeeze()": lambda lib, F, x: x[None].squeeze(),
    "squeeze(0)": lambda lib, F, x: x[None].squeeze(0),
    "squeeze((0,))": lambda lib, F, x: x[None].squeeze((0,)),
    "masked_fill": lambda lib, F, x: x.masked_fill(x > 0, 1.0),
    "masked_fill_": lambda lib, F, x: x.clone().masked_fill_(x > 0, 1.0),
    "masked_fill(tensor)": lambda lib, F, x: x.masked_fill(x > 0, x[0, 0]),
    "fill_": lambda lib, F, x: x.clone().fill_(1.0),
    "fill_(tensor)": lambda lib, F, x: x.clone().fill_(x[0, 0]),
    "zero_": lambda lib, F, x: x.clone().zero_(),
    "scatter(value)": lambda lib, F, x: x.scatter(0, lib.tensor([[0, 1, 2, 0]]), 1.0),
    "scatter(src)": lambda lib, F, x: x.scatter(0, lib.tensor([[0, 1, 2, 0]]), x[:1]),
    # products
    "mm": lambda lib, F, x: x @ x.T,
    "mv": lambda lib, F, x: lib.mv(x, x[0]),
    "matmul 2d@1d": lambda lib, F, x: x @ x[0],
    "dot": lambda lib, F, x: x[0] @ x[1],
    "bmm": lambda lib, F, x: lib.bmm(x[None], x.T[None]),
    "matmul 3d@3d": lambda lib, F, x: x[None] @ x.T[None],
    # a sample of ordinary ones, which must keep matching
    "sum": lambda lib, F, x: x.sum(), "mean(dim)": lambda lib, F, x: x.mean(0),
    "softmax": lambda lib, F, x: F.softmax(x, -1), "exp": lambda lib, F, x: x.exp(),
    "view": lambda lib, F, x: x.view(12), "T": lambda lib, F, x: x.T,
    "index": lambda lib, F, x: x[lib.tensor([0, 2])], "slice": lambda lib, F, x: x[1:],
    "cat": lambda lib, F, x: lib.cat([x, x]), "where": lambda lib, F, x: lib.where(x > 0, x, 0.0),
}


def test_node_names_match_torch():
    got, want = {}, {}
    for lib, names in ((torch, want), (tl, got)):
        F = lib.nn.functional
        x = lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 0.9], [0.1, -0.4, 0.8, -1.2]],
                       dtype=lib.float64, requires_grad=True)
        for label, fn in OPS.items():
            names[label] = fn(lib, F, x).grad_fn.name()
    assert got == want


@pytest.mark.parametrize("label, fn", [
    ("F.leaky_relu(inplace)", lambda lib, F, x: F.leaky_relu(x.clone(), 0.1, inplace=True)),
    ("aminmax", lambda lib, F, x: sum(lib.aminmax(x, dim=1)) * x.new_ones(3)),
    ("aminmax.max", lambda lib, F, x: lib.aminmax(x).max),
    ("clamp_min", lambda lib, F, x: x.clamp_min(0.1)),
    ("2 ** x", lambda lib, F, x: 2 ** x),
    ("masked_fill(tensor)", lambda lib, F, x: x.masked_fill(x > 0, x[0, 0])),
    ("fill_(tensor)", lambda lib, F, x: x.clone().fill_(x[0, 0]) * x),
])
def test_renamed_nodes_keep_torch_gradients(label, fn, device):
    grads = []
    for lib, dev in ((torch, "cpu"), (tl, device)):
        F = lib.nn.functional
        x = lib.tensor([[0.5, -1.0, 2.0, 0.3], [1.5, 0.2, -0.7, 0.9], [0.1, -0.4, 2.0, -1.2]],
                       dtype=lib.float64, requires_grad=True, device=dev)
        y = fn(lib, F, x)
        (y * lib.arange(y.numel(), dtype=lib.float64, device=dev).reshape(y.shape)).sum() \
            .backward()
        grads.append(x.grad.cpu().numpy())
    assert abs(grads[1] - grads[0]).max() <= 1e-10 * max(1.0, abs(grads[0]).max())
