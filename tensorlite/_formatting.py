"""Tensor repr in PyTorch's exact format.

Floating values print with 4 decimals, or in scientific notation when the
nonzero finite magnitudes span more than 1000x, exceed 1e8 or go below 1e-4;
all-integer floats print as ``1.``; tensors over 1000 elements are summarized
with 3 edge items and ``...``; lines wrap at 80 columns.

>>> import tensorlite as tl
>>> tl.tensor([1.0, 2.5])
tensor([1.0000, 2.5000])
"""

from __future__ import annotations

import math

import numpy as np

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        flat = flat.astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            fmt = (lambda v: f"{v:.{PRECISION}e}") if self.sci_mode else (lambda v: f"{v:.0f}.")
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            fmt = (lambda v: f"{v:.{PRECISION}e}") if self.sci_mode else (lambda v: f"{v:.{PRECISION}f}")
        for v in finite.tolist():
            self.max_width = max(self.max_width, len(fmt(v)))

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
            else:
                text = f"{value:.{PRECISION}f}"
        else:
            text = str(value)
        return " " * (self.max_width - len(text)) + text


class _ComplexFormatter:
    """PyTorch's complex format: the real and imaginary parts each through their own
    formatter, joined as ``real+imagj`` (``tensor([1.0000+2.j, 3.5000-4.j])``)."""

    def __init__(self, values):
        self.real = _Formatter(values.real, True)
        self.imag = _Formatter(values.imag, True)
        self.max_width = self.real.max_width + self.imag.max_width + 2

    def format(self, value):
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _edges(xp, values):
    """Keep only the first and last ``EDGEITEMS`` along every long axis: what a
    summarized repr shows (and all a device -> host copy needs to move)."""
    for axis, size in enumerate(values.shape):
        if size > 2 * EDGEITEMS:
            keep = list(range(EDGEITEMS)) + list(range(size - EDGEITEMS, size))
            values = xp.take(values, xp.asarray(keep), axis=axis)
    return values


def _vector(values, indent, cut, fmt):
    """One row; ``cut`` means the row was summarized to its edge items."""
    per_line = max(1, (LINEWIDTH - indent) // (fmt.max_width + 2))
    data = [fmt.format(v) for v in values.tolist()]
    if cut:
        data = data[:EDGEITEMS] + [" ..."] + data[EDGEITEMS:]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values, indent, full_shape, summarize, fmt):
    if values.ndim == 0:
        return fmt.format(values.item())
    cut = summarize and full_shape[0] > 2 * EDGEITEMS
    if values.ndim == 1:
        return _vector(values, indent, cut, fmt)
    parts = [_nested(v, indent + 1, full_shape[1:], summarize, fmt) for v in values]
    if cut:
        parts = parts[:EDGEITEMS] + ["..."] + parts[EDGEITEMS:]
    sep = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _host_values(tensor, summarize):
    data = tensor._data
    if summarize:
        with tensor._backend.context(tensor.device):
            data = _edges(tensor._backend.xp, data)
    values = tensor._backend.to_numpy(data)  # device -> host copy for printing
    if tensor.dtype.is_floating_point and values.dtype.itemsize < 4:
        values = values.astype(np.float32)  # half types print through float32
    return values


def tensor_repr(tensor, prefix="tensor("):
    """``repr(tensor)`` exactly as PyTorch writes it."""
    from . import _device, _dtype

    indent = len(prefix)
    dtype = tensor.dtype
    default = _dtype.get_default_dtype()
    suffixes = []
    if tensor.device != _device.CPU:  # PyTorch names every device but the CPU
        suffixes.append(f"device='{tensor.device}'")
    if not tensor._backend.has_data:
        suffixes.append(f"size={tuple(tensor.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        body = "..."
    elif tensor.numel() == 0:
        if tensor.ndim != 1:
            suffixes.append(f"size={tuple(tensor.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        default_complex = _dtype.complex128 if default is _dtype.float64 else _dtype.complex64
        if dtype not in (default, default_complex, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dtype}")
        summarize = tensor.numel() > THRESHOLD
        values = _host_values(tensor, summarize)
        fmt = _ComplexFormatter(values) if dtype.is_complex else \
            _Formatter(values, dtype.is_floating_point)
        body = _nested(values, indent, tuple(tensor.shape), summarize, fmt)
    if tensor._grad_fn is not None:
        suffixes.append(f"grad_fn=<{tensor._grad_fn.name()}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def _with_suffixes(text, suffixes, indent):
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"
