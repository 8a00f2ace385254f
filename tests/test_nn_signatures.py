"""Every ``tl.nn`` module and ``tl.nn.functional`` function that PyTorch also has takes
PyTorch's parameters, by name and in order (``inspect.signature``; for PyTorch's
builtins, whose signature Python cannot read, the first line of their docstring). The
one extension allowed is a trailing ``generator=`` (DESIGN §6: a module or random
function draws from it). The modules and functions issue 13 lists must exist.
"""

from __future__ import annotations

import inspect
import re
import typing

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")
TF = torch.nn.functional

ISSUE_MODULES = """ModuleList ModuleDict ParameterList ParameterDict Conv1d Conv2d Conv3d
ConvTranspose1d ConvTranspose2d PixelShuffle PixelUnshuffle Upsample MaxPool1d MaxPool2d
AvgPool1d AvgPool2d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveMaxPool2d BatchNorm1d
BatchNorm2d BatchNorm3d GroupNorm InstanceNorm2d RMSNorm Softmax LogSoftmax SiLU ELU SELU
Softplus Mish Hardswish Hardtanh ReLU6 PReLU GLU LeakyReLU Dropout1d Dropout2d RNN LSTM GRU
RNNCell LSTMCell GRUCell MultiheadAttention TransformerEncoderLayer TransformerEncoder
TransformerDecoderLayer TransformerDecoder Transformer Bilinear Flatten Unflatten Identity
CrossEntropyLoss NLLLoss MSELoss L1Loss SmoothL1Loss BCELoss BCEWithLogitsLoss
KLDivLoss""".split()
ISSUE_FUNCTIONS = """softmax log_softmax max_pool1d max_pool2d avg_pool1d avg_pool2d
adaptive_avg_pool1d adaptive_avg_pool2d adaptive_max_pool2d conv1d conv2d conv3d
conv_transpose1d conv_transpose2d batch_norm group_norm instance_norm rms_norm elu selu silu
softplus mish hardswish hardtanh relu6 prelu glu leaky_relu dropout1d dropout2d bilinear
scaled_dot_product_attention interpolate pad one_hot normalize cosine_similarity
pairwise_distance unfold fold pixel_shuffle pixel_unshuffle cross_entropy nll_loss mse_loss
l1_loss smooth_l1_loss binary_cross_entropy binary_cross_entropy_with_logits
kl_div""".split()
EXTENSIONS = ("generator",)
# PyTorch's boolean-dispatch wrappers show (*args, **kwargs); their "with_indices" form
# carries the parameters
_DISPATCHED = ("max_pool1d", "max_pool2d", "max_pool3d", "adaptive_max_pool1d",
               "adaptive_max_pool2d", "adaptive_max_pool3d")


def _docstring_names(fn):
    """Parameter names from a builtin's docstring: ``name(a, b=1, *, c=None) -> Tensor``."""
    doc = " ".join((fn.__doc__ or "").split())
    head = re.match(r"[\w.]+\((.*?)\)\s*(->|$)", doc)
    if head is None:
        return None
    names, depth, part = [], 0, ""
    for ch in head.group(1) + ",":
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            name = part.split("=")[0].split(":")[0].strip()
            if name not in ("", "*", "/"):
                names.append(name)
            part = ""
        else:
            part += ch
    return names


def torch_names(fn, name):
    if name in _DISPATCHED:
        fn = getattr(TF, name + "_with_indices")
    overloads = typing.get_overloads(fn) if getattr(fn, "__module__", None) else []
    if overloads:  # e.g. nn.RNN.__init__: the overload with every parameter spelled out
        fn = max(overloads, key=lambda f: len(inspect.signature(f).parameters))
    try:
        names = [p for p in inspect.signature(fn).parameters if p != "self"]
    except (TypeError, ValueError):
        names = None
    if names in (None, ["args", "kwargs"]):
        names = _docstring_names(fn) or names
    return names


def our_names(fn):
    return [p for p in inspect.signature(fn).parameters if p != "self"]


def _shared(ours, theirs, kind):
    return sorted(n for n in dir(ours) if not n.startswith("_") and hasattr(theirs, n)
                  and (isinstance(getattr(ours, n), type) == (kind == "class"))
                  and callable(getattr(ours, n)) and n != "Parameter")


MODULES = sorted(set(ISSUE_MODULES) | set(_shared(tl.nn, torch.nn, "class")))
FUNCTIONS = sorted(set(ISSUE_FUNCTIONS) | set(_shared(tl.nn.functional, TF, "function")))


def _check(ours, theirs):
    assert theirs is not None, "PyTorch's signature could not be read"
    assert ours[:len(theirs)] == theirs and all(n in EXTENSIONS for n in ours[len(theirs):]), \
        f"ours {ours}\ntorch {theirs}"


@pytest.mark.parametrize("name", MODULES)
def test_module_init_parameters_match_torch(name):
    assert hasattr(tl.nn, name), f"tl.nn.{name} is missing"
    _check(our_names(getattr(tl.nn, name).__init__),
           torch_names(getattr(torch.nn, name).__init__, name))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functional_parameters_match_torch(name):
    assert hasattr(tl.nn.functional, name), f"tl.nn.functional.{name} is missing"
    _check(our_names(getattr(tl.nn.functional, name)), torch_names(getattr(TF, name), name))


def test_checker_catches_a_mismatch():
    """Negative control: a renamed, a missing and an extra parameter all fail."""
    theirs = torch_names(TF.conv1d, "conv1d")
    assert theirs[:3] == ["input", "weight", "bias"]
    for ours in (["input", "weights"] + theirs[2:], theirs[:-1], theirs + ["scale"]):
        with pytest.raises(AssertionError):
            _check(ours, theirs)
    _check(theirs + ["generator"], theirs)


def test_hardtanh_deprecated_keywords():
    with pytest.warns(FutureWarning, match="`min_value` is deprecated"):
        ours = tl.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    with pytest.warns(FutureWarning):
        theirs = torch.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert repr(ours) == repr(theirs)
    with pytest.raises(AssertionError, match=r"max_val \(1\) must be greater than min_val"):
        tl.nn.Hardtanh(2, 1)
