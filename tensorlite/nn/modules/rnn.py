r"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (``num_layers``, ``bidirectional``,
``batch_first``, ``dropout``, ``proj_size`` for LSTM) and ``RNNCell``, ``LSTMCell``,
``GRUCell``. Gates follow PyTorch's layout: LSTM rows ``[i, f, g, o]``, GRU ``[r, z, n]``.

.. math::
    i, f, o = \sigma(\cdot),\; g = \tanh(\cdot),\; c' = f c + i g,\; h' = o \tanh(c')
    \quad (\text{then } h' W_{hr}^\top \text{ with } \texttt{proj\_size})

    r, z = \sigma(\cdot),\; n = \tanh(W_{in} x + b_{in} + r (W_{hn} h + b_{hn})),\;
    h' = (1 - z) n + z h

Initialization (PyTorch's ``reset_parameters``): every parameter, in
``parameters()`` order (per layer, per direction: ``weight_ih``, ``weight_hh``,
``bias_ih``, ``bias_hh``, ``weight_hr``), from :math:`\mathcal{U}(-1/\sqrt{H},
1/\sqrt{H})`, ``H = hidden_size``, drawn from ``generator=`` or the default generator.
Speed: the input projection of all time steps is one matrix product per layer and
direction (``F.linear``, an ordinary graph node); the recurrence over the sequence is
one fused node (:func:`_recurrence`) whose forward runs the steps on arrays, one
hidden-state GEMM and a few array operations per step, and whose backward runs
backpropagation through time on arrays, with the weight gradients as one GEMM over all
steps. (Per-step tensors, about 15 graph nodes per step, made the 64-step LSTM
benchmark 4-5x slower than PyTorch; most of that was node and small-array overhead.)

>>> import tensorlite as tl
>>> lstm = tl.nn.LSTM(10, 20, num_layers=2, batch_first=True)
>>> out, (h, c) = lstm(tl.zeros(3, 5, 10))
>>> out.shape, h.shape
(tensorlite.Size([3, 5, 20]), tensorlite.Size([2, 3, 20]))
"""

from __future__ import annotations

import math

from ... import _backends, _creation
from ..._ops.nn_support import unbind
from ..._ops.shape import stack
from ..._tensor import _compute_dtype, common_device
from ...autograd.graph import needs_grad, record
from .. import functional as F
from .. import init
from .._functional._utils import arrays, finish, serial_blas
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode, xg, h, c, w_hh, b_hh, w_hr):
    """One time step: ``xg`` is the input's projection ``x W_ih^T + b_ih``; returns
    ``(h', c')`` (``c'`` is ``None`` except for LSTM)."""
    hg = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = (xg + hg).chunk(4, -1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h if w_hr is None else F.linear(h, w_hr)), c
    if mode == "GRU":
        xr, xz, xn = xg.chunk(3, -1)
        hr, hz, hn = hg.chunk(3, -1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return n + z * (h - n), None
    pre = xg + hg
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def _recurrence(mode, xg, h0, c0, w_hh, b_hh, w_hr, reverse):
    """Run one layer and direction over the sequence as one graph node.

    ``xg (T, B, G*H)`` is every step's input projection ``x W_ih^T + b_ih``; the steps
    of :func:`_step` run on arrays (backwards in time when ``reverse``). Returns
    ``(seq (T, B, H_out), h_T, c_T)`` (``c_T`` is ``None`` except for LSTM). The
    backward runs backpropagation through time on arrays, keeping per step only
    the activations it needs.
    """
    inputs = (xg, h0, c0, w_hh, b_hh, w_hr)
    device = common_device([t for t in inputs if t is not None], "rnn")
    dtype = xg.dtype
    compute = _compute_dtype(dtype)
    backend = _backends.get(device)
    with backend.context(device), serial_blas(device):  # per-step products
        xp = backend.xp
        x, h, c, whh, bhh, whr = arrays(device, compute, *inputs)
        run = _RUNNERS[mode]
        seq, h, c, saved = run(xp, backend, x[::-1] if reverse else x, h, c, whh, bhh, whr)
    outs = (finish(seq[::-1] if reverse else seq, device, dtype), finish(h, device, dtype),
            None if c is None else finish(c, device, dtype))
    if needs_grad(*inputs):
        def backward(grads):
            gseq, gh, gc = (None if g is None else backend.astype(g, compute._np)
                            for g in grads)
            with backend.context(device), serial_blas(device):  # per-step products
                got = saved.backward(xp, backend, gseq[::-1] if reverse else gseq, gh, gc)
            gx = got[0]
            return (gx[::-1] if reverse else gx,) + got[1:]

        record("MkldnnRnnLayerBackward0", inputs, outs if c is not None else outs[:2],
               backward)
    return outs


def _sigmoid(xp, a):
    """``1 / (1 + exp(-a))`` in place, as ``(tanh(a / 2) + 1) / 2`` (no overflow)."""
    a *= 0.5
    xp.tanh(a, out=a)
    a += 1
    a *= 0.5
    return a


class _LSTMRun:
    """LSTM forward and BPTT on arrays; gates ``[i, f, g, o]`` as PyTorch lays them out."""

    def __init__(self, xp, backend, x, h, c, whh, bhh, whr):
        steps, batch = x.shape[0], x.shape[1]
        hidden = c.shape[-1]
        self.weights = whh, whr
        # b_hh added once to every step's projection, not once per step
        xb = x + bhh if bhh is not None else x
        self.acts = xp.empty(x.shape, x.dtype)         # activated gates per step
        self.cells = xp.empty((steps + 1, batch, hidden), x.dtype)  # c_0 .. c_T
        self.tanh_c = xp.empty((steps, batch, hidden), x.dtype)
        self.h_in = xp.empty((steps, batch, h.shape[-1]), x.dtype)  # h_{t-1} per step
        self.pre_proj = xp.empty((steps, batch, hidden), x.dtype) if whr is not None else None
        seq = xp.empty((steps, batch, h.shape[-1]), x.dtype)
        backend.assign(self.cells, 0, c)
        whh_t = whh.T
        for t in range(steps):
            backend.assign(self.h_in, t, h)
            a = xb[t] + h @ whh_t
            _sigmoid(xp, a[:, :2 * hidden])
            xp.tanh(a[:, 2 * hidden:3 * hidden], out=a[:, 2 * hidden:3 * hidden])
            _sigmoid(xp, a[:, 3 * hidden:])
            i, f, g, o = (a[:, k * hidden:(k + 1) * hidden] for k in range(4))
            c = f * c + i * g
            tc = xp.tanh(c)
            h = o * tc
            backend.assign(self.acts, t, a)
            backend.assign(self.cells, t + 1, c)
            backend.assign(self.tanh_c, t, tc)
            if whr is not None:
                backend.assign(self.pre_proj, t, h)
                h = h @ whr.T
            backend.assign(seq, t, h)
        self.result = seq, h, c

    def backward(self, xp, backend, gseq, gh, gc):
        whh, whr = self.weights
        acts, cells, tanh_c = self.acts, self.cells, self.tanh_c
        steps, hidden = acts.shape[0], cells.shape[-1]
        gacts = xp.empty(acts.shape, acts.dtype)      # gradient of the gate pre-activations
        gout = xp.empty(gseq.shape, gseq.dtype) if whr is not None else None
        dh, dc = gh, gc
        for t in range(steps - 1, -1, -1):
            dh = gseq[t] + dh
            if whr is not None:
                backend.assign(gout, t, dh)
                dh = dh @ whr
            a = acts[t]
            i, f, g, o = (a[:, k * hidden:(k + 1) * hidden] for k in range(4))
            tc = tanh_c[t]
            dc = dc + dh * o * (1 - tc * tc)
            ga = xp.concatenate([dc * g * i * (1 - i), dc * cells[t] * f * (1 - f),
                                 dc * i * (1 - g * g), dh * tc * o * (1 - o)], axis=1)
            backend.assign(gacts, t, ga)
            dc = dc * f
            dh = ga @ whh
        flat = gacts.reshape(-1, gacts.shape[-1])
        gwhh = flat.T @ self.h_in.reshape(-1, self.h_in.shape[-1])
        gwhr = None
        if whr is not None:
            gwhr = gout.reshape(-1, gout.shape[-1]).T @ self.pre_proj.reshape(-1, hidden)
        return gacts, dh, dc, gwhh, flat.sum(axis=0), gwhr


def _run(cls):
    def run(xp, backend, x, h, c, whh, bhh, whr):
        state = cls(xp, backend, x, h, c, whh, bhh, whr)
        seq, h, c = state.result
        del state.result
        return seq, h, c, state
    return run


_RUNNERS = {"LSTM": _run(_LSTMRun)}


def _uniform_init(module, generator):
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv, generator=generator)


class RNNBase(Module):
    """The shared machinery of ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None, generator=None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or \
                not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._name = name
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for pname, shape in shapes:
                    setattr(self, pname + suffix, Parameter(_creation.empty(
                        shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(pname + suffix)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        """Every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, in
        ``parameters()`` order."""
        _uniform_init(self, generator)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
        get = self.__dict__["_parameters"].get
        return (get("weight_ih" + suffix), get("weight_hh" + suffix), get("bias_ih" + suffix),
                get("bias_hh" + suffix), get("weight_hr" + suffix))

    def _check(self, input, hx):  # noqa: A002
        if input.ndim not in (2, 3):
            raise ValueError(f"{self._name}: Expected input to be 2D or 3D, got {input.ndim}D "
                             f"input instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        w = self.weight_ih_l0
        if input.dtype is not w.dtype:
            raise ValueError(f"{self._name} input dtype ({input.dtype}) does not match weight "
                             f"dtype ({w.dtype})")
        unbatched = input.ndim == 2
        for h in hx if isinstance(hx, tuple) else (hx,):
            if h is not None and h.ndim != (2 if unbatched else 3):
                kind = "unbatched 2-D" if unbatched else "batched 3-D"
                raise RuntimeError(f"For {kind} input, hx{' and cx' * (self.mode == 'LSTM')} "
                                   f"should also be {2 if unbatched else 3}-D but got "
                                   f"{h.ndim}-D tensor")
        return unbatched

    def _check_hidden(self, h, expected):
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")

    def forward(self, input, hx=None):  # noqa: A002
        lstm = self.mode == "LSTM"
        if lstm and hx is not None and not isinstance(hx, tuple):
            raise RuntimeError("lstm expects hx to be a tuple (h_0, c_0)")
        unbatched = self._check(input, hx)
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first
                                                   else input)
        steps, batch = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        layers = self.num_layers * directions
        h_shape = (layers, batch, real_hidden)
        c_shape = (layers, batch, self.hidden_size)
        if hx is None:
            h0 = _creation.zeros(h_shape, dtype=input.dtype, device=input.device)
            c0 = _creation.zeros(c_shape, dtype=input.dtype, device=input.device) if lstm \
                else None
        else:
            h0, c0 = hx if lstm else (hx, None)
            if unbatched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            self._check_hidden(h0, h_shape)
            if c0 is not None:
                self._check_hidden(c0, c_shape)
        h0s = unbind(h0)
        c0s = unbind(c0) if lstm else None
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
                # every step's input projection at once, then the fused recurrence
                xg = F.linear(x, w_ih, b_ih)
                h, c = h0s[k], (c0s[k] if lstm else None)
                if self.mode in _RUNNERS:
                    seq, h, c = _recurrence(self.mode, xg, h, c, w_hh, b_hh, w_hr,
                                            direction == 1)
                else:
                    xg = unbind(xg)
                    seq = [None] * steps
                    order = range(steps - 1, -1, -1) if direction == 1 else range(steps)
                    for t in order:
                        h, c = _step(self.mode, xg[t], h, c, w_hh, b_hh, w_hr)
                        seq[t] = h
                    seq = stack(seq)
                outs.append(seq)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if directions == 1 else _cat_last(outs)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        output = x.squeeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        h_n = stack(h_n)
        h_n = h_n.squeeze(1) if unbatched else h_n
        if not lstm:
            return output, h_n
        c_n = stack(c_n)
        return output, (h_n, c_n.squeeze(1) if unbatched else c_n)


def _cat_last(tensors):
    from ..._ops.shape import cat

    return cat(tensors, -1)


class RNN(RNNBase):
    r"""Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top +
    b_{hh})` (or ReLU with ``nonlinearity='relu'``).

    >>> import tensorlite as tl
    >>> tl.nn.RNN(10, 20, 2)
    RNN(10, 20, num_layers=2)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None,
                 generator=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype, generator)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    r"""Long short-term memory (Hochreiter & Schmidhuber, 1997); ``proj_size > 0`` adds
    the projection :math:`h_t \leftarrow h_t W_{hr}^\top` (Sak et al., 2014).
    Returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None,
                 generator=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype, generator)


class GRU(RNNBase):
    r"""Gated recurrent unit (Cho et al., 2014). Returns ``output, h_n``."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, generator=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype, generator)


# ---- cells ------------------------------------------------------------------------------------
class _CellBase(Module):
    _mode = "RNN_TANH"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None,
                 generator=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(_creation.empty((gates, input_size), device=device,
                                                   dtype=dtype))
        self.weight_hh = Parameter(_creation.empty((gates, hidden_size), device=device,
                                                   dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(gates, device=device, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(gates, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator=generator)

    def reset_parameters(self, generator=None):
        """``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` from
        ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        _uniform_init(self, generator)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.bias is not True:
            s += ", bias={bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def _prepare(self, input, hx):  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D "
                             f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        states = []
        for h in (hx if isinstance(hx, tuple) else (hx,)):
            if h is None:
                h = _creation.zeros((x.shape[0], self.hidden_size), dtype=input.dtype,
                                    device=input.device)
            elif unbatched:
                h = h.unsqueeze(0)
            if tuple(h.shape) != (x.shape[0], self.hidden_size):
                raise RuntimeError(f"hidden has inconsistent hidden_size: got {list(h.shape)}, "
                                   f"expected {[x.shape[0], self.hidden_size]}")
            states.append(h)
        return unbatched, x, states

    def _run(self, input, hx):  # noqa: A002
        unbatched, x, states = self._prepare(input, hx)
        h, c = _step(self._mode, F.linear(x, self.weight_ih, self.bias_ih), states[0],
                     states[1] if len(states) > 1 else None, self.weight_hh, self.bias_hh,
                     None)
        if unbatched:
            h, c = h.squeeze(0), (c.squeeze(0) if c is not None else None)
        return h, c


class RNNCell(_CellBase):
    r"""One Elman step: :math:`h' = \tanh(x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh})`.

    >>> import tensorlite as tl
    >>> tl.nn.RNNCell(10, 20)(tl.zeros(3, 10)).shape
    tensorlite.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None, generator=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype, generator)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        return self._run(input, hx)[0]


class LSTMCell(_CellBase):
    """One LSTM step; ``hx = (h, c)``; returns ``(h', c')``."""

    _mode = "LSTM"

    def forward(self, input, hx=None):  # noqa: A002
        return self._run(input, (None, None) if hx is None else tuple(hx))


class GRUCell(_CellBase):
    """One GRU step; returns ``h'``."""

    _mode = "GRU"

    def forward(self, input, hx=None):  # noqa: A002
        return self._run(input, hx)[0]
