"""examples/train_digits.py: it learns, the same seed gives the same run, and a run
resumed from its checkpoint continues exactly as an uninterrupted one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn")
pytest.importorskip("tqdm")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import train_digits  # noqa: E402

sys.path.pop(0)


def run(tmp_path, *args):
    return train_digits.main(["--quiet", "--checkpoint", str(tmp_path / "ckpt.safetensors"),
                              *args])


def test_mlp_learns_and_is_deterministic(tmp_path):
    accuracy, losses = run(tmp_path, "--epochs", "8")
    assert accuracy >= 0.95, accuracy          # the full 20 epochs reach >= 0.97
    assert losses[-1] < losses[0] / 5
    again = run(tmp_path / "again" if (tmp_path / "again").mkdir() is None else tmp_path,
                "--epochs", "8")
    assert again == (accuracy, losses)         # bit for bit: the same seed, the same run
    other = run(tmp_path, "--epochs", "1", "--seed", "1")
    assert other[1][0] != losses[0]            # negative control: another seed differs


def test_resuming_from_the_checkpoint_continues_the_same_run(tmp_path):
    straight = run(tmp_path / "a" if (tmp_path / "a").mkdir() is None else None,
                   "--epochs", "4")
    (tmp_path / "b").mkdir()
    run(tmp_path / "b", "--epochs", "2")
    resumed = run(tmp_path / "b", "--epochs", "4", "--resume")
    assert resumed == straight


@pytest.mark.parametrize("init", ["kaiming", "xavier", "small"])
def test_the_init_choices_run(tmp_path, init):
    accuracy, losses = run(tmp_path, "--epochs", "1", "--init", init)
    assert len(losses) == 1 and 0.0 <= accuracy <= 1.0


def test_cnn_learns(tmp_path):
    accuracy, losses = run(tmp_path, "--model", "cnn", "--epochs", "3")
    assert losses[-1] < losses[0] and accuracy > 0.5
