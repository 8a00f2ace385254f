"""Bad input to nn layers and functions raises PyTorch's exception type, with a message
that names the problem: wrong input ranks, channel mismatches, masks of the wrong shape
or dtype, ``num_heads`` not dividing ``embed_dim``, bad targets and reductions. Each case
runs PyTorch (CPU) for the expected type and tensorlite on every device, ``meta`` too
(shape checks need no data), except the value checks marked ``data``.
"""

from __future__ import annotations

import warnings

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")


class Lib:
    """One library on one device: ``z`` makes zeros, ``m`` builds a module there."""

    def __init__(self, lib, device):
        self.lib, self.device = lib, device
        self.nn, self.F = lib.nn, lib.nn.functional

    def z(self, *shape, dtype=None):
        return self.lib.zeros(*shape, dtype=dtype, device=self.device)

    def t(self, values):
        return self.lib.tensor(values, device=self.device)

    def m(self, name, *args, **kwargs):
        return getattr(self.nn, name)(*args, **kwargs).to(self.device)


def _mha(L, **call):
    x = L.z(2, 3, 8)
    return L.m("MultiheadAttention", 8, 2, batch_first=True)(x, x, x, **call)


# (name, call, a regex the message must match, needs data)
CASES = [
    # wrong ranks
    ("conv2d_rank", lambda L: L.m("Conv2d", 3, 4, 3)(L.z(5, 5)), r"3D .*4D .*\[5, 5\]", False),
    ("conv1d_rank", lambda L: L.m("Conv1d", 3, 4, 3)(L.z(1, 1, 3, 5, 5)), "2D .*3D", False),
    ("conv_transpose1d_rank", lambda L: L.m("ConvTranspose1d", 3, 4, 3)(L.z(3)), "2D", False),
    ("unfold_rank", lambda L: L.F.unfold(L.z(3, 4), 2), "unfold.*2D", False),
    ("unfold_rank_5d", lambda L: L.F.unfold(L.z(1, 1, 1, 1, 1), 2), "unfold.*5D", False),
    ("batch_norm2d_rank", lambda L: L.m("BatchNorm2d", 3)(L.z(2, 3, 4)), "4D input", False),
    ("batch_norm1d_rank", lambda L: L.m("BatchNorm1d", 3)(L.z(2, 3, 4, 5)), "2D or 3D", False),
    ("instance_norm2d_rank", lambda L: L.m("InstanceNorm2d", 3)(L.z(3, 4)), "3D or 4D", False),
    ("max_pool2d_rank", lambda L: L.m("MaxPool2d", 2)(L.z(4)), "3D or 4D", False),
    ("avg_pool2d_rank", lambda L: L.m("AvgPool2d", 2)(L.z(4)), "3D or 4D", False),
    ("avg_pool1d_rank", lambda L: L.m("AvgPool1d", 2)(L.z(1, 1, 4, 4)), "2D or 3D", False),
    ("adaptive_avg_rank", lambda L: L.m("AdaptiveAvgPool2d", 2)(L.z(4)), "3D or 4D", False),
    ("adaptive_max_rank", lambda L: L.m("AdaptiveMaxPool2d", 2)(L.z(4)), "3D or 4D", False),
    ("mha_rank", lambda L: L.m("MultiheadAttention", 8, 2)(*[L.z(2, 3, 4, 8)] * 3), "4-D",
     False),
    ("rnn_rank", lambda L: L.m("RNN", 4, 5)(L.z(2, 3, 4, 5)), "2D or 3D", False),
    ("rnn_cell_rank", lambda L: L.m("RNNCell", 4, 5)(L.z(2, 3, 4)), "1D or 2D", False),
    ("upsample_rank", lambda L: L.m("Upsample", scale_factor=2, mode="bilinear")(
        L.z(1, 2, 3)), "4D", False),
    ("softmax_dim", lambda L: L.m("Softmax", 3)(L.z(2, 3)), "out of range", False),
    # channel and feature mismatches
    ("conv2d_channels", lambda L: L.m("Conv2d", 3, 4, 3)(L.z(1, 2, 5, 5)),
     "to have 3 channels, but got 2", False),
    ("conv3d_channels", lambda L: L.m("Conv3d", 3, 4, 3)(L.z(1, 2, 5, 5, 5)), "3 channels",
     False),
    ("conv_transpose2d_channels", lambda L: L.m("ConvTranspose2d", 3, 4, 3)(L.z(1, 2, 5, 5)),
     "3 channels", False),
    ("conv_groups", lambda L: L.m("Conv2d", 3, 4, 3, groups=2), "divisible by groups", False),
    ("linear_features", lambda L: L.m("Linear", 3, 4)(L.z(2, 5)), r"2x5 and 3x4", False),
    ("bilinear_features", lambda L: L.m("Bilinear", 3, 4, 5)(L.z(2, 3), L.z(2, 3)), "", False),
    ("batch_norm_channels", lambda L: L.m("BatchNorm2d", 3)(L.z(2, 4, 4, 4)), "", False),
    ("batch_norm_one_value", lambda L: L.m("BatchNorm1d", 3)(L.z(1, 3)),
     "more than 1 value per channel", False),
    ("group_norm_channels", lambda L: L.m("GroupNorm", 2, 4)(L.z(2, 6, 3)), "", False),
    ("group_norm_divides", lambda L: L.m("GroupNorm", 3, 4), "divisible by num_groups", False),
    ("instance_norm_channels", lambda L: L.m("InstanceNorm2d", 3, affine=True)(
        L.z(2, 4, 4, 4)), "num_features", False),
    ("layer_norm_shape", lambda L: L.m("LayerNorm", 4)(L.z(2, 5)), "normalized_shape", False),
    ("rms_norm_shape", lambda L: L.m("RMSNorm", 4)(L.z(2, 5)), "normalized_shape", False),
    ("prelu_channels", lambda L: L.m("PReLU", 3)(L.z(2, 4)), "channel size", False),
    ("glu_odd", lambda L: L.m("GLU")(L.z(2, 3)), "even", False),
    ("pixel_shuffle", lambda L: L.m("PixelShuffle", 2)(L.z(1, 3, 2, 2)), "divisible", False),
    ("rnn_input_size", lambda L: L.m("LSTM", 4, 5)(L.z(2, 3, 6)), "input_size", False),
    ("rnn_hidden_shape", lambda L: L.m("GRU", 4, 5)(L.z(2, 3, 4), L.z(1, 2, 5)),
     "hidden size", False),
    ("lstm_cell_input", lambda L: L.m("LSTMCell", 4, 5)(L.z(2, 6)), "input_size", False),
    ("mha_embed_dim", lambda L: L.m("MultiheadAttention", 8, 2)(*[L.z(3, 2, 6)] * 3),
     "embedding dimension of 8", False),
    ("encoder_layer_dim", lambda L: L.m("TransformerEncoderLayer", 8, 2)(L.z(3, 2, 6)),
     "embedding dimension of 8", False),
    # num_heads not dividing embed_dim
    ("mha_heads", lambda L: L.m("MultiheadAttention", 10, 3), "divisible by num_heads", False),
    ("encoder_layer_heads", lambda L: L.m("TransformerEncoderLayer", 10, 3),
     "divisible by num_heads", False),
    # masks of the wrong shape or dtype
    ("mha_key_padding_shape", lambda L: _mha(L, key_padding_mask=L.z(2, 4, dtype=L.lib.bool)),
     "key_padding_mask shape", False),
    ("mha_key_padding_dtype", lambda L: _mha(L, key_padding_mask=L.z(2, 3,
                                                                       dtype=L.lib.int64)),
     "bool and floating", False),
    ("mha_attn_mask_shape", lambda L: _mha(L, attn_mask=L.z(3, 4, dtype=L.lib.bool)),
     "attn_mask", False),
    ("mha_attn_mask_3d_shape", lambda L: _mha(L, attn_mask=L.z(3, 3, 3, dtype=L.lib.bool)),
     "attn_mask", False),
    ("mha_attn_mask_dtype", lambda L: _mha(L, attn_mask=L.z(3, 3, dtype=L.lib.int64)),
     "bool and floating", False),
    ("sdpa_mask_dtype", lambda L: L.F.scaled_dot_product_attention(
        *[L.z(2, 3, 8)] * 3, attn_mask=L.z(3, 3, dtype=L.lib.int64)), "attn_mask", False),
    ("sdpa_mask_shape", lambda L: L.F.scaled_dot_product_attention(
        *[L.z(2, 3, 8)] * 3, attn_mask=L.z(3, 4, dtype=L.lib.bool)), "", False),
    ("sdpa_head_dims", lambda L: L.F.scaled_dot_product_attention(
        L.z(2, 3, 8), L.z(2, 3, 7), L.z(2, 3, 8)), "", False),
    # arguments, targets and reductions
    ("embedding_float_indices", lambda L: L.m("Embedding", 4, 5)(L.z(2)), "Long", False),
    ("dropout_p", lambda L: L.F.dropout(L.z(2), 1.5), "between 0 and 1", False),
    ("dropout2d_p", lambda L: L.m("Dropout2d", 1.5), "between 0 and 1", False),
    ("fold_size", lambda L: L.F.fold(L.z(1, 12, 10), (4, 5), 2), "", False),
    ("one_hot_float", lambda L: L.F.one_hot(L.t([1.0, 2.0])), "index tensor", False),
    ("one_hot_negative", lambda L: L.F.one_hot(L.t([-1, 2])), "non-negative", True),
    ("ce_batch", lambda L: L.F.cross_entropy(L.z(3, 4), L.t([1, 2])), "batch_size", False),
    ("ce_target_range", lambda L: L.F.cross_entropy(L.z(3, 4), L.t([1, 2, 4])),
     "Target 4 is out of bounds", True),
    ("ce_prob_shape", lambda L: L.F.cross_entropy(L.z(3, 4), L.z(3, 5)), "same shape", False),
    ("ce_weight", lambda L: L.F.cross_entropy(L.z(3, 4), L.t([1, 2, 3]), weight=L.z(3)),
     "all 4 classes", False),
    ("ce_smoothing", lambda L: L.F.cross_entropy(L.z(3, 4), L.t([1, 2, 3]),
                                                 label_smoothing=1.5), "label_smoothing",
     False),
    ("nll_target_shape", lambda L: L.F.nll_loss(L.z(3, 4, 2), L.t([1, 2, 3])), "", False),
    ("bce_shape", lambda L: L.F.binary_cross_entropy(L.z(3, 4), L.z(3, 5)), "target size",
     False),
    ("bce_range", lambda L: L.F.binary_cross_entropy(L.t([2.0]), L.t([0.0])),
     "between 0 and 1", True),
    ("bce_logits_shape", lambda L: L.F.binary_cross_entropy_with_logits(L.z(3, 4), L.z(3, 5)),
     "Target size", False),
    ("reduction", lambda L: L.F.mse_loss(L.z(3), L.z(3), reduction="avg"),
     "avg is not a valid value for reduction", False),
    ("kl_div_reduction", lambda L: L.F.kl_div(L.z(3), L.z(3), reduction="avg"), "avg", False),
    ("smooth_l1_beta", lambda L: L.F.smooth_l1_loss(L.z(3), L.z(3), beta=-1.0), "beta",
     False),
    ("pad_reflect", lambda L: L.F.pad(L.z(1, 2, 3), (3, 3), mode="reflect"), "Padding size",
     False),
    ("cosine_similarity_dims", lambda L: L.F.cosine_similarity(L.z(2, 3), L.z(2, 4)),
     "must match", False),
    ("pairwise_distance_dims", lambda L: L.F.pairwise_distance(L.z(2, 3), L.z(2, 4)),
     "must match", False),
]


@pytest.mark.parametrize("name,call,message,data", CASES, ids=[c[0] for c in CASES])
def test_bad_input_matches_torch(name, call, message, data, device_or_meta):
    if data and device_or_meta == "meta":
        pytest.skip("a value check: meta tensors hold no data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            call(Lib(torch, "cpu"))
        with pytest.raises(type(theirs.value), match=message):
            call(Lib(tl, device_or_meta))


def test_good_input_passes(device_or_meta):
    """Negative control: the same calls with consistent shapes do not raise."""
    L = Lib(tl, device_or_meta)
    L.m("Conv2d", 3, 4, 3)(L.z(1, 3, 5, 5))
    L.m("BatchNorm2d", 3)(L.z(2, 3, 4, 4))
    _mha(L, key_padding_mask=L.z(2, 3, dtype=tl.bool), attn_mask=L.z(3, 3, dtype=tl.bool))
    L.m("MultiheadAttention", 9, 3)
    L.F.cross_entropy(L.z(3, 4), L.z(3, 4))
