"""Graph networks shaped as pytorch/examples ``gat/main.py`` and ``gcn/main.py`` (whose
data loading builds sparse tensors, out of scope here; their models are dense): written
with ``lib`` standing for ``torch`` or ``tensorlite``, started from torch's initial
weights, trained with Adam (``weight_decay``) and ``NLLLoss`` on masked nodes, dropout 0;
the losses and the final weights must equal torch's (float64, relative 1e-10).

What they exercise: ``nn.Parameter(lib.empty(size=...))`` and ``lib.Tensor(n, m)``,
``xavier_normal_`` on a 3-D tensor, ``mm``/``spmm`` on dense operands, batched
``matmul`` with a broadcast ``mT``, ``where`` against ``ones_like``, softmax over
attention rows, ``elu``, ``log_softmax``, boolean/index masks, ``argmax`` accuracy.
"""

import numpy as np
import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")


def _gat(lib, n_in, n_hidden, heads, classes):
    nn, F = lib.nn, lib.nn.functional

    class Attention(nn.Module):
        def __init__(self, n_in, n_out, heads, concat):
            super().__init__()
            self.heads, self.concat = heads, concat
            self.hidden = n_out // heads if concat else n_out
            self.W = nn.Parameter(lib.empty(size=(n_in, self.hidden * heads)))
            self.a = nn.Parameter(lib.empty(size=(heads, 2 * self.hidden, 1)))
            self.leakyrelu = nn.LeakyReLU(0.2)
            nn.init.xavier_normal_(self.W)
            nn.init.xavier_normal_(self.a)

        def forward(self, h, adj):
            n = h.shape[0]
            ht = F.dropout(lib.mm(h, self.W), 0.0, training=self.training)
            ht = ht.view(n, self.heads, self.hidden).permute(1, 0, 2)
            e = lib.matmul(ht, self.a[:, :self.hidden, :]) + \
                lib.matmul(ht, self.a[:, self.hidden:, :]).mT
            e = lib.where(adj > 0, self.leakyrelu(e), -9e16 * lib.ones_like(e))
            att = F.dropout(F.softmax(e, dim=-1), 0.0, training=self.training)
            out = lib.matmul(att, ht)
            if self.concat:
                return out.permute(1, 0, 2).contiguous().view(n, self.hidden * self.heads)
            return out.mean(dim=0)

    class GAT(nn.Module):
        def __init__(self):
            super().__init__()
            self.gat1 = Attention(n_in, n_hidden, heads, concat=True)
            self.gat2 = Attention(n_hidden, classes, 1, concat=False)

        def forward(self, x, adj):
            return F.log_softmax(self.gat2(F.elu(self.gat1(x, adj)), adj), dim=1)

    return GAT()


def _gcn(lib, n_in, n_hidden, heads, classes):
    nn, F = lib.nn, lib.nn.functional

    class GraphConv(nn.Module):
        def __init__(self, n_in, n_out):
            super().__init__()
            self.kernel = nn.Parameter(lib.Tensor(n_in, n_out))
            nn.init.xavier_normal_(self.kernel)
            self.bias = nn.Parameter(lib.Tensor(n_out))
            nn.init.zeros_(self.bias)

        def forward(self, x, adj):
            return lib.spmm(adj, lib.mm(x, self.kernel)) + self.bias

    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.gc1, self.gc2 = GraphConv(n_in, n_hidden), GraphConv(n_hidden, classes)
            self.dropout = nn.Dropout(0.0)

        def forward(self, x, adj):
            return F.log_softmax(self.gc2(self.dropout(F.relu(self.gc1(x, adj))), adj), dim=1)

    return GCN()


def _graph(nodes=12, features=7, classes=3):
    rng = np.random.default_rng(4)
    adj = (rng.random((nodes, nodes)) < 0.25).astype(np.float64)
    adj = np.maximum(adj, adj.T) + np.eye(nodes)
    degree = 1 / np.sqrt(adj.sum(1))
    return (rng.random((nodes, features)), adj, degree[:, None] * adj * degree[None, :],
            rng.integers(0, classes, nodes), rng.permutation(nodes))


@pytest.mark.parametrize("build", [_gat, _gcn], ids=["gat", "gcn"])
def test_graph_network_trains_as_torch(build, device):
    x, adj, norm_adj, labels, order = _graph()
    adjacency = adj if build is _gat else norm_adj
    runs = []
    for lib, dev in ((torch, "cpu"), (tl, device)):
        lib.manual_seed(0)
        model = build(lib, 7, 8, 2, 3).double()
        if lib is torch:
            start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        else:
            model = model.to(dev)
            model.load_state_dict({k: tl.tensor(v, device=dev) for k, v in start.items()})
        inputs = (lib.tensor(x, device=dev), lib.tensor(adjacency, device=dev))
        target = lib.tensor(labels, device=dev)
        train, val = lib.tensor(order[:8], device=dev), lib.tensor(order[8:], device=dev)
        opt = lib.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
        criterion, losses = lib.nn.NLLLoss(), []
        for _ in range(4):
            model.train()
            opt.zero_grad()
            loss = criterion(model(*inputs)[train], target[train])
            loss.backward()
            opt.step()
            model.eval()
            with lib.no_grad():
                out = model(*inputs)[val]
                acc = (out.argmax(dim=1) == target[val]).float().sum() / len(target[val])
            losses += [loss.item(), criterion(out, target[val]).item(), acc.item()]
        runs.append((losses, {k: v.detach().cpu().numpy() for k, v in
                              model.state_dict().items()}))
    (a, wa), (b, wb) = runs
    np.testing.assert_allclose(b, a, rtol=1e-10)
    for k in wa:
        np.testing.assert_allclose(wb[k], wa[k], rtol=1e-10, atol=1e-14, err_msg=k)
