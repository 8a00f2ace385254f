"""Train a classifier on scikit-learn's 8x8 digits with tensorlite, PyTorch style.

An MLP (default) or a small CNN (``--model cnn``), initialized by PyTorch's
default rules or by ``--init kaiming|xavier|small``, trained with Adam on
minibatches from a seeded ``DataLoader``, checkpointed after every epoch and
resumable with ``--resume``. The same ``--seed`` gives the same loss curve on
every run and on every device.

    python examples/train_digits.py                       # MLP, 20 epochs, CPU
    python examples/train_digits.py --model cnn --epochs 10
    python examples/train_digits.py --device cuda         # unchanged on a GPU

The data set ships with scikit-learn (``pip install 'tensorlite[examples]'``):
no download.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn
from tensorlite.utils.data import DataLoader, TensorDataset


def load_digits(device, seed):
    """(train, test) ``TensorDataset`` s: 1 437 / 360 images scaled to [0, 1], split by a
    seeded permutation from tensorlite's stream."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = tl.tensor(digits.data, dtype=tl.float32, device=device) / 16.0
    labels = tl.tensor(digits.target, dtype=tl.int64, device=device)
    order = tl.randperm(len(labels), generator=tl.Generator().manual_seed(seed)).to(device)
    cut = int(0.8 * len(labels))
    train, test = order[:cut], order[cut:]
    return (TensorDataset(images[train], labels[train]),
            TensorDataset(images[test], labels[test]))


class MLP(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 10))

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        )
        self.classifier = nn.Linear(32 * 2 * 2, 10)

    def forward(self, x):
        x = self.features(x.view(-1, 1, 8, 8))
        return self.classifier(x.flatten(1))


def initializer(name):
    """A function for ``model.apply``: the weights of every Linear and Conv2d layer."""
    def init(module):
        if not isinstance(module, (nn.Linear, nn.Conv2d)):
            return
        if name == "kaiming":
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        elif name == "xavier":
            nn.init.xavier_normal_(module.weight)
        elif name == "small":
            nn.init.normal_(module.weight, std=1e-3)
        nn.init.zeros_(module.bias)

    return init


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with tl.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    model.train()
    return correct / total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--device", default="cuda" if tl.cuda.is_available() else "cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--init", choices=["default", "kaiming", "xavier", "small"],
                        default="default")
    parser.add_argument("--checkpoint", type=Path, default=Path("digits_checkpoint.safetensors"))
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    tl.manual_seed(args.seed)
    train_set, test_set = load_digits(args.device, args.seed)
    model = (MLP() if args.model == "mlp" else CNN()).to(args.device)
    if args.init != "default":
        model.apply(initializer(args.init))
    optimizer = tl.optim.Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                        generator=tl.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=256)

    start_epoch, losses = 0, []
    if args.resume and args.checkpoint.exists():
        state = tl.load(args.checkpoint, map_location=args.device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        loader.generator.set_state(state["loader_generator"])
        start_epoch, losses = state["epoch"], list(state["losses"])
        print(f"resumed from {args.checkpoint} after epoch {start_epoch}")

    from tqdm import tqdm

    began = time.perf_counter()
    for epoch in range(start_epoch, args.epochs):
        total, batches = 0.0, 0
        for x, y in tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", leave=False,
                         disable=args.quiet):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
        print(f"epoch {epoch + 1:3d}  loss {losses[-1]:.4f}  "
              f"test accuracy {evaluate(model, test_loader):.4f}")
        tl.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "loader_generator": loader.generator.get_state(), "epoch": epoch + 1,
                 "losses": losses}, args.checkpoint)
    accuracy = evaluate(model, test_loader)
    print(f"final test accuracy {accuracy:.4f} ({args.model}, init={args.init}, "
          f"seed={args.seed}, {time.perf_counter() - began:.1f} s)")
    assert all(math.isfinite(v) for v in losses)
    return accuracy, losses


if __name__ == "__main__":
    main()
