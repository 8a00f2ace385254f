"""Checkpoints: ``save(obj, f)`` and ``load(f, map_location=None)`` on safetensors.

A checkpoint is one safetensors file. Every tensor is an entry of the file,
named by its path in ``obj`` (``"fc.weight"`` for a state dict's key,
``"state.0.exp_avg"`` inside an optimizer state dict); the structure around
the tensors - dicts (any scalar keys, order kept), lists, tuples, ``None``,
``bool``, ``int``, ``float``, ``str`` - is JSON in the header's metadata under
``"tensorlite"``. Loading parses JSON and copies bytes: it never unpickles, so a
file can never run code, whatever ``weights_only`` says.

Guarantees and their limits:

==========================  ====================================================
what                        how
==========================  ====================================================
a model's ``state_dict``    its keys are the entry names, ``format="pt"``: it loads
                            with ``safetensors.torch.load_file`` into the same
                            PyTorch model
int (and other) dict keys   kept with their type (JSON alone would make them
                            strings), so optimizer state dicts round-trip
tied tensors                a tensor met twice (same memory, shape, strides and
                            dtype) is written under both names - PyTorch loaders
                            see every key - and loads as *one* tensor again;
                            partially overlapping views load as separate copies
dtypes                      all but ``complex128`` (safetensors has no code for
                            it); meta tensors keep shape and dtype, no data
devices                     each tensor's device is recorded; ``map_location``
                            moves tensors as ``torch.load``'s does
bad files                   ``RuntimeError`` naming the file and the problem,
                            before any tensor is built; a pickle file from
                            ``torch.save`` is recognized and refused
failed saves                everything is checked before the file is opened, so
                            an unsaveable object leaves an old file unchanged
                            (an I/O error mid-write does not, as in PyTorch)
==========================  ====================================================

The format is small (an 8-byte header length, a JSON header, the tensors'
bytes), and this module writes and reads it itself, because the package's
Python paths cost time and memory a checkpoint should not pay: its writer
stalled for seconds on 400 MB here where writing each array's memory straight
to the file does not (the 100M-parameter benchmark), and its NumPy reader copies
every tensor twice and has no ``bfloat16``. The reader checks the rules the
package checks; ``tests/test_serialization.py`` holds the package as the
oracle: it reads every file written here (``safetensors.torch.load_file``,
``safetensors.deserialize``), every file it writes loads here, and it refuses
the same corrupted files.

>>> import io, tensorlite as tl
>>> buf = io.BytesIO()
>>> tl.save({"step": 3, "w": tl.ones(2)}, buf)
>>> _ = buf.seek(0); tl.load(buf)
{'step': 3, 'w': tensor([1., 1.])}
"""

from __future__ import annotations

import collections
import json
import math
import numbers
import os

import numpy as np

from . import _creation, _device, _dtype
from ._tensor import Tensor

__all__ = ["save", "load"]

_KEY = "tensorlite"  # the metadata entry holding the JSON tree
_VERSION = 1
_MAX_HEADER = 100 * 2**20  # safetensors' own limit on the header length

# safetensors dtype code <-> tensorlite dtype (complex128 has no code)
_CODES = {"BOOL": _dtype.bool, "U8": _dtype.uint8, "I8": _dtype.int8, "I16": _dtype.int16,
          "I32": _dtype.int32, "I64": _dtype.int64, "F16": _dtype.float16,
          "BF16": _dtype.bfloat16, "F32": _dtype.float32, "F64": _dtype.float64,
          "C64": _dtype.complex64}
_CODE_OF = {d: code for code, d in _CODES.items()}


# ---- save ---------------------------------------------------------------------------------
class _Writer:
    """Collects the tensors of ``obj`` as (name, host array) while its tree is encoded."""

    def __init__(self):
        self.arrays = {}  # name -> contiguous little-endian host array
        self.seen = {}  # memory identity -> the name written first

    def tensor(self, t, where):
        node = {"tensor": None, "dtype": t.dtype.name, "shape": list(t.shape)}
        if t.device.type != "cpu":
            node["device"] = str(t.device)
        if t.requires_grad:
            node["requires_grad"] = True
        if t.is_meta:  # no data: shape and dtype are the whole tensor
            del node["tensor"]
            return node
        if t.dtype not in _CODE_OF:
            raise TypeError(f"save(): the tensor at {where} has dtype {t.dtype}, which "
                            f"safetensors cannot store")
        name = self._name(where)
        array = np.asarray(t.detach().numpy(force=True))  # a 0-d result may be a scalar
        # (not np.ascontiguousarray: it turns a 0-d array into a 1-d one)
        self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
        node["tensor"] = self.seen.setdefault(_identity(t), name)
        return node

    def _name(self, where):
        name, n = where, 1
        while name in self.arrays or name == "__metadata__":
            name, n = f"{where}#{n}", n + 1
        return name


def _identity(t):
    """What makes two tensors the same memory seen the same way."""
    if t.device.type == "cpu":
        array = t.__array__()
        if not isinstance(array, np.ndarray):  # a NumPy scalar owns no shared memory
            return "scalar", id(t)  # (ids are stable: obj keeps its tensors alive)
        address = array.__array_interface__["data"][0]
    else:
        address = t.__cuda_array_interface__["data"][0]
    return str(t.device), address, tuple(t.shape), t.stride(), t.dtype.name


def _scalar(obj, where):
    """A JSON value for a Python scalar (NumPy scalars become Python ones)."""
    if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
    raise TypeError(f"save(): cannot save {type(obj).__name__} at {where}: only tensors, "
                    f"dicts, lists, tuples, None, bool, int, float and str can be saved")


def _encode(obj, where, writer):
    if isinstance(obj, Tensor):
        return writer.tensor(obj, where)
    if isinstance(obj, dict):
        kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
        return {kind: [[_key(k, where), _encode(v, _join(where, k), writer)]
                       for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, _join(where, i), writer) for i, v in enumerate(obj)]}
    return _scalar(obj, where)


def _key(k, where):
    if isinstance(k, tuple):
        return {"tuple": [_key(x, where) for x in k]}
    return _scalar(k, f"a key of {where}")


def _join(where, key):
    return str(key) if where == "" else f"{where}.{key}"


def _path(f):
    return os.fspath(f) if isinstance(f, (str, os.PathLike)) else None


def _header(arrays, metadata):
    """The safetensors header for ``arrays`` (name -> host array), data laid out largest
    element size first - as the package's own writer does - so every tensor starts at a
    multiple of its element size; padded with spaces to a multiple of 8 bytes."""
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)  # stable
    header, offset = {"__metadata__": metadata}, 0
    for name in order:
        a = arrays[name]
        code = _CODE_OF[_dtype.from_numpy_dtype(a.dtype)]
        header[name] = {"dtype": code, "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text, order


def _write(f, arrays, metadata):
    head, order = _header(arrays, metadata)
    f.write(head)
    for name in order:  # straight from each array's memory: no copy of the data
        f.write(memoryview(arrays[name].reshape(-1).view(np.uint8)))


def save(obj, f):
    """Save ``obj`` - tensors, possibly inside nested dicts, lists and tuples, with
    ``None``/``bool``/``int``/``float``/``str`` leaves - to ``f`` as safetensors.

    Args:
        obj: a state dict (model or optimizer) or any such structure.
        f: a path (``str`` or ``os.PathLike``) or a binary file object with ``write``.

    Raises:
        TypeError: for anything else in ``obj`` (and ``complex128`` tensors), before
            ``f`` is touched.
    """
    writer = _Writer()
    tree = _encode(obj, "", writer)
    metadata = {"format": "pt", _KEY: json.dumps({"version": _VERSION, "tree": tree},
                                                 separators=(",", ":"), allow_nan=False)}
    path = _path(f)
    if path is None:
        _write(f, writer.arrays, metadata)
        return
    # Written in place, as torch.save does. A temporary file renamed over the target
    # would survive a crash mid-write, but on ext4 the rename forces the new file's
    # writeback and stalled saves for seconds (see benchmarks/cases_checkpoint.py).
    with open(path, "wb") as handle:
        _write(handle, writer.arrays, metadata)


# ---- load ---------------------------------------------------------------------------------
class _Bad(Exception):
    """A reason the file is not a valid checkpoint; becomes a RuntimeError."""


_PICKLE_HINT = ("tensorlite never unpickles; convert it once in PyTorch with "
                "safetensors.torch.save_file(torch.load(f, weights_only=True), out)")


def _foreign(first):
    if first.startswith(b"PK\x03\x04"):
        return "it is a zip archive, as torch.save writes: " + _PICKLE_HINT
    if first[:1] == b"\x80" and first[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "it is a pickle file (legacy torch.save format): " + _PICKLE_HINT
    return None


def _parse_header(f, size):
    """The header's entries ``{name: (dtype, shape, begin, end)}``, its metadata and where
    the data section starts, checked as the safetensors package checks them."""
    first = f.read(8)
    reason = _foreign(first)
    if reason:
        raise _Bad(reason)
    if len(first) < 8:
        raise _Bad(f"it has {size} bytes, fewer than the 8 of a safetensors header length")
    n = int.from_bytes(first, "little")
    if n > min(size - 8, _MAX_HEADER):
        raise _Bad(f"its header length {n} exceeds the {size - 8} bytes that follow (a "
                   f"truncated or non-safetensors file)")
    try:
        header = json.loads(f.read(n).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _Bad(f"its header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise _Bad("its header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise _Bad("its __metadata__ is not a mapping of strings")
    entries, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: _offsets(kv)[0]):
        code, shape, (begin, stop) = info.get("dtype"), info.get("shape"), _offsets((name, info))
        if code not in _CODES:
            raise _Bad(f"tensor {name!r} has dtype {code!r}, which tensorlite does not know")
        if not isinstance(shape, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
            raise _Bad(f"tensor {name!r} has an invalid shape {shape!r}")
        if begin != end:
            raise _Bad(f"tensor {name!r} starts at byte {begin}, expected {end} (gap or "
                       f"overlap in the data offsets)")
        if stop - begin != math.prod(shape) * _CODES[code].itemsize:
            raise _Bad(f"tensor {name!r} has {stop - begin} bytes, but shape {shape} of "
                       f"{code} needs {math.prod(shape) * _CODES[code].itemsize}")
        entries[name], end = (_CODES[code], tuple(shape), begin, stop), stop
    if 8 + n + end != size:
        raise _Bad(f"its data section has {size - 8 - n} bytes, but the header describes "
                   f"{end} (truncated or padded file)")
    return entries, metadata, 8 + n


def _offsets(item):
    name, info = item
    offsets = info.get("data_offsets") if isinstance(info, dict) else None
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(
            isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            and 0 <= offsets[0] <= offsets[1]):
        raise _Bad(f"tensor {name!r} has invalid data_offsets {offsets!r}")
    return offsets


def _decode(node, tensors, where):
    """Rebuild the object of ``node``; ``tensors(node, where)`` makes each tensor."""
    if isinstance(node, dict):
        if "dtype" in node:
            return tensors(node, where)
        (kind, items), = node.items()
        if kind in ("dict", "odict"):
            out = collections.OrderedDict() if kind == "odict" else {}
            for k, v in items:
                key = _decode(k, tensors, where)
                out[key] = _decode(v, tensors, _join(where, key))
            return out
        if kind == "float":
            return float(items)
        values = [_decode(v, tensors, _join(where, i)) for i, v in enumerate(items)]
        return tuple(values) if kind == "tuple" else values
    return node


def _tree_tensors(node, found):
    """The names of the tensors ``node`` refers to (the entries to read)."""
    if isinstance(node, dict):
        if "dtype" in node:
            if node.get("tensor") is not None:
                found.add(node["tensor"])
            return found
        for value in node.values():
            if isinstance(value, list):
                for item in value:
                    _tree_tensors(item, found)
    elif isinstance(node, list):
        for item in node:
            _tree_tensors(item, found)
    return found


def _target(map_location, location):
    """Where a tensor saved on ``location`` goes (``None``: ask the callable)."""
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return map_location.get(location, location)
    if callable(map_location):
        return None
    return map_location


def _check_device(dev):
    dev = _device.to_device(dev, "load")
    if dev.type == "cuda":
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                               "tensorlite.cuda.is_available() is False. If you are running "
                               "on a CPU-only machine, please use tensorlite.load with "
                               "map_location='cpu' to map your tensors to the CPU.")
    return dev


def _read_into(f, array, offset):
    view = memoryview(array.reshape(-1).view(np.uint8))
    f.seek(offset)
    done = 0
    while done < len(view):
        got = f.readinto(view[done:])
        if not got:
            raise _Bad("it ended while a tensor was being read")
        done += got


def _load(f, size, map_location):
    entries, metadata, data_start = _parse_header(f, size)
    if _KEY in metadata:
        try:
            doc = json.loads(metadata[_KEY])
            tree = doc["tree"]
            version = doc["version"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise _Bad(f"its {_KEY!r} metadata is not valid ({e!r})") from None
        if version != _VERSION:
            raise _Bad(f"it was written by a newer tensorlite (format version {version})")
    else:  # a plain safetensors file: a flat dict of its tensors, in file order
        tree = {"dict": [[k, {"tensor": k, "dtype": entries[k][0].name,
                              "shape": list(entries[k][1])}] for k in entries]}
    missing = _tree_tensors(tree, set()) - entries.keys()
    if missing:
        raise _Bad(f"its structure refers to tensors it lacks: {sorted(missing)[:5]}")
    if isinstance(map_location, dict):
        for dev in map_location.values():
            _device.to_device(dev, "load")
    elif map_location is not None and not callable(map_location):
        _check_device(map_location)  # a bad target fails before anything is read
    built = {}

    def tensors(node, where):
        location = node.get("device", "cpu")
        dev = _target(map_location, location)
        meta = node.get("tensor") is None or (dev is not None and
                                              _check_device(dev).type == "meta")
        if meta:
            t = _creation.empty(tuple(node["shape"]), dtype=_dtype.to_dtype(node["dtype"]),
                                device="meta")
        elif node["tensor"] in built:  # a tied tensor: the same object again
            return built[node["tensor"]]
        else:
            d, shape, begin, _ = entries[node["tensor"]]
            array = np.empty(shape, dtype=d._np)
            _read_into(f, array, data_start + begin)
            t = _creation.from_numpy(array)
            if dev is None:
                moved = map_location(t, location)
                t = moved if moved is not None else t.to(_check_device(location))
            elif _check_device(dev).type != "cpu":
                t = t.to(_check_device(dev))
        if node.get("requires_grad"):
            t.requires_grad_(True)
        if node.get("tensor") is not None:
            built[node["tensor"]] = t
        return t

    try:
        return _decode(tree, tensors, "")
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise _Bad(f"its {_KEY!r} structure is not valid ({e!r})") from None


def load(f, map_location=None, *, weights_only=None, mmap=None):
    """Load what ``save`` wrote (or any safetensors file, as a flat dict of tensors).

    Args:
        f: a path (``str`` or ``os.PathLike``) or a binary file object (``read``,
            ``readinto``, ``seek``); its position is where the file starts.
        map_location: where tensors go: ``None`` (the device each was saved on), a
            device or device string (``"cpu"``, ``"cuda:1"``, ``"meta"``: shapes only,
            no data read), a dict from saved location to target (``{"cuda:1":
            "cuda:0"}``; unlisted ones stay), or a callable ``fn(cpu_tensor,
            location)`` returning a tensor, or ``None`` for the saved location.
        weights_only: accepted for ``torch.load`` compatibility; loading never
            unpickles, so every load is weights-only.
        mmap: accepted for ``torch.load`` compatibility; tensors are always read
            into memory.

    Raises:
        RuntimeError: the file is not a safetensors checkpoint (truncated, bad header,
            a ``torch.save`` pickle), or a tensor's device is unavailable. Nothing
            is built before the header has been checked.
    """
    path = _path(f)
    if path is not None:
        with open(path, "rb") as handle:
            return load(handle, map_location)
    try:
        start = f.tell()
        size = f.seek(0, os.SEEK_END) - start
        f.seek(start)
    except (AttributeError, OSError):  # not seekable: take it all into memory
        import io

        return load(io.BytesIO(f.read()), map_location)
    if start:
        f = _Shifted(f, start)
    name = getattr(f, "name", "the file object")
    try:
        return _load(f, size, map_location)
    except _Bad as e:
        raise RuntimeError(f"load(): {name!r} is not a tensorlite/safetensors checkpoint: "
                           f"{e}") from None


class _Shifted:
    """A file object seen from ``start`` on (a checkpoint embedded after other data)."""

    def __init__(self, f, start):
        self.f, self.start, self.name = f, start, getattr(f, "name", "the file object")

    def read(self, n):
        return self.f.read(n)

    def readinto(self, view):
        return self.f.readinto(view)

    def seek(self, offset, whence=os.SEEK_SET):
        return self.f.seek(offset + self.start, whence) - self.start
