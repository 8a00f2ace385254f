"""tl.save / tl.load on safetensors: round trips (nesting, key types, dtypes, ties,
devices), PyTorch loading tensorlite checkpoints, and bad files refused cleanly."""

import collections
import io
import json
import math
import pickle

import numpy as np
import pytest

import tensorlite as tl

safetensors = pytest.importorskip("safetensors")


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    tl.save(obj, buf)
    buf.seek(0)
    return tl.load(buf, **kw)


def _equal(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, tl.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.device == b.device
        if not a.is_meta:
            np.testing.assert_array_equal(a.numpy(force=True), b.numpy(force=True))
    elif isinstance(a, dict):
        assert list(a) == list(b) and all(type(k) is type(j) for k, j in zip(a, b))
        for k in a:
            _equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize("dtype", [tl.bool, tl.uint8, tl.int8, tl.int16, tl.int32, tl.int64,
                                   tl.float16, tl.bfloat16, tl.float32, tl.float64,
                                   tl.complex64])
def test_dtypes_round_trip(dtype, device):
    t = (tl.randn(3, 4, device=device) * 50).to(dtype)
    obj = {"t": t, "scalar": t[0, 0], "empty": t[:0], "strided": t.transpose(0, 1)}
    _equal(_roundtrip(obj), obj)


def test_nested_structure_and_scalars_round_trip(device):
    obj = collections.OrderedDict(
        a=[tl.ones(2, device=device), (None, True, 3, -2.5, "s", float("inf"), float("nan"))],
        b={1: "int key", 2.5: "float key", None: [], (1, "x"): (), "": {}, False: 0})
    _equal(_roundtrip(obj), obj)
    assert _roundtrip([1, 2])[0] == 1 and _roundtrip(7) == 7


def test_optimizer_state_dict_round_trips_with_int_keys():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.randn(3))
    opt = torch.optim.Adam([p], lr=1e-3, betas=(0.9, 0.99))
    p.sum().backward()
    opt.step()
    sd = opt.state_dict()
    ours = {"state": {k: {n: (tl.from_numpy(v.numpy().copy()) if torch.is_tensor(v) else v)
                          for n, v in s.items()} for k, s in sd["state"].items()},
            "param_groups": sd["param_groups"]}
    back = _roundtrip(ours)
    _equal(back, ours)
    assert list(back["state"]) == [0] and back["param_groups"][0]["betas"] == (0.9, 0.99)


def test_tied_tensors_load_as_one(tmp_path):
    w = tl.randn(4, 3)
    back = _roundtrip({"embed.weight": w, "head.weight": w, "view": w.transpose(0, 1)})
    assert back["embed.weight"] is back["head.weight"]  # tie restored
    back["embed.weight"].fill_(1.0)
    assert back["head.weight"].sum().item() == 12
    assert back["view"] is not back["embed.weight"]  # a different view: its own copy
    np.testing.assert_array_equal(back["view"].numpy(), w.transpose(0, 1).numpy())


def test_state_dict_loads_into_the_same_pytorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    model = tl.nn.Sequential(tl.nn.Linear(4, 8), tl.nn.ReLU(), tl.nn.Linear(8, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    path = tmp_path / "model.safetensors"
    tl.save(model.state_dict(), path)
    theirs.load_state_dict(load_file(path))  # strict: every key, shape and dtype fits
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(theirs(torch.from_numpy(x)).detach().numpy(),
                               model(tl.from_numpy(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    back = tl.load(str(path))
    assert isinstance(back, collections.OrderedDict) and list(back) == list(model.state_dict())


def test_tied_pytorch_model_loads_tensorlite_checkpoint(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    w = tl.randn(5, 3)
    tl.save({"0.weight": w, "1.weight": w}, tmp_path / "tied.safetensors")
    loaded = load_file(tmp_path / "tied.safetensors")
    assert set(loaded) == {"0.weight", "1.weight"}  # every key is there for PyTorch
    np.testing.assert_array_equal(loaded["1.weight"].numpy(), w.numpy())


def test_bfloat16_and_float16_values_reach_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    t = tl.randn(6).to(tl.bfloat16)
    h = tl.randn(6).to(tl.float16)
    tl.save({"b": t, "h": h}, tmp_path / "x.safetensors")
    loaded = load_file(tmp_path / "x.safetensors")
    assert loaded["b"].dtype == torch.bfloat16 and loaded["h"].dtype == torch.float16
    assert loaded["b"].float().tolist() == t.float().tolist()
    # and the other way: a file written by PyTorch's safetensors loads as a flat dict
    save_file({"x": torch.arange(4, dtype=torch.int16), "y": loaded["b"]},
              tmp_path / "t.safetensors")
    back = tl.load(tmp_path / "t.safetensors")
    assert back["x"].dtype == tl.int16 and back["x"].tolist() == [0, 1, 2, 3]
    assert back["y"].float().tolist() == t.float().tolist()


def test_map_location(device, tmp_path):
    obj = {"a": tl.ones(2), "b": [tl.zeros(3, dtype=tl.int64)]}
    path = tmp_path / "m.safetensors"
    tl.save(obj, path)
    for where in (device, tl.device(device), {"cpu": device}):
        back = tl.load(path, map_location=where)
        assert back["a"].device == tl.device(device) and back["b"][0].dtype == tl.int64
    seen = []
    back = tl.load(path, map_location=lambda t, loc: seen.append(loc) or t.to(device))
    assert seen == ["cpu", "cpu"] and back["a"].device == tl.device(device)
    assert tl.load(path, map_location=lambda t, loc: None)["a"].device == tl.device("cpu")
    meta = tl.load(path, map_location="meta")
    assert meta["a"].is_meta and meta["a"].shape == (2,)
    with pytest.raises(RuntimeError):
        tl.load(path, map_location="nonsense")


def test_meta_tensor_keeps_shape_and_dtype():
    back = _roundtrip({"m": tl.empty(2, 3, dtype=tl.float16, device="meta")})
    assert back["m"].is_meta and back["m"].shape == (2, 3) and back["m"].dtype == tl.float16


def test_requires_grad_kept():
    back = _roundtrip({"w": tl.ones(2).requires_grad_()})
    assert back["w"].requires_grad


def test_unsaveable_objects_fail_before_the_file_changes(tmp_path):
    path = tmp_path / "keep.safetensors"
    tl.save({"w": tl.ones(2)}, path)
    before = path.read_bytes()
    for bad in ({"w": tl.ones(2), "x": {1, 2}}, {"z": tl.ones(2, dtype=tl.complex128)},
                {"f": lambda: 0}, {tl.ones(1): 1}):
        with pytest.raises(TypeError, match="save\\(\\)"):
            tl.save(bad, path)
        assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # nothing else written


def _valid_bytes():
    buf = io.BytesIO()
    tl.save({"a": tl.arange(6.0).reshape(2, 3), "b": tl.ones(4, dtype=tl.int32)}, buf)
    return buf.getvalue()


def _with_header(data, edit):
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    edit(header)
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data[8 + n:]


def _corruptions():
    data = _valid_bytes()
    n = int.from_bytes(data[:8], "little")
    return {
        "empty": b"",
        "short": data[:5],
        "truncated data": data[:-3],
        "truncated header": data[:8 + n // 2],
        "padded": data + b"\0\0\0\0",
        "huge header length": (2**40).to_bytes(8, "little") + data[8:],
        "not json": data[:8] + b"x" * n + data[8 + n:],
        "bad dtype": _with_header(data, lambda h: h["a"].update(dtype="F7")),
        "bad shape": _with_header(data, lambda h: h["a"].update(shape=[2, 4])),
        "overlap": _with_header(data, lambda h: h["b"].update(
            data_offsets=[0, h["b"]["data_offsets"][1] - h["b"]["data_offsets"][0]])),
        "bad offsets": _with_header(data, lambda h: h["a"].update(data_offsets=[5])),
    }


@pytest.mark.parametrize("kind", list(_corruptions()))
def test_bad_files_raise_runtime_error_like_safetensors(kind, tmp_path):
    bad = _corruptions()[kind]
    with pytest.raises(Exception):  # the safetensors package refuses the same bytes
        safetensors.deserialize(bad)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(bad)
    with pytest.raises(RuntimeError, match="is not a tensorlite/safetensors checkpoint"):
        tl.load(path)
    with pytest.raises(RuntimeError, match="is not a tensorlite/safetensors checkpoint"):
        tl.load(io.BytesIO(bad))
    assert path.read_bytes() == bad  # loading changes nothing


def test_valid_bytes_control():
    data = _valid_bytes()  # negative control: the uncorrupted file loads both ways
    assert len(safetensors.deserialize(data)) == 2
    assert tl.load(io.BytesIO(data))["b"].tolist() == [1, 1, 1, 1]


def test_torch_pickle_files_are_refused_without_unpickling(tmp_path):
    torch = pytest.importorskip("torch")

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    zipped = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, zipped)
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps(Boom(), protocol=2))
    for path, what in ((zipped, "zip archive, as torch.save writes"),
                       (legacy, "pickle file")):
        with pytest.raises(RuntimeError, match=what):
            tl.load(path)


def test_file_objects_at_an_offset_and_unseekable():
    prefix = b"header bytes"
    buf = io.BytesIO()
    buf.write(prefix)
    tl.save({"x": tl.arange(3)}, buf)
    buf.seek(len(prefix))
    assert tl.load(buf)["x"].tolist() == [0, 1, 2]

    class Stream(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self.data.readinto(b)

        def seekable(self):
            return False

        def seek(self, *args):
            raise OSError("unseekable")

        def tell(self):
            raise OSError("unseekable")

    assert tl.load(Stream(buf.getvalue()[len(prefix):]))["x"].tolist() == [0, 1, 2]


def test_distinct_scalar_tensors_are_not_tied():
    x = tl.tensor([1.0, 2.0])
    back = _roundtrip({"a": x[0], "b": x[1], "c": x[0]})  # 0-d views: no shared address
    assert back["a"].item() == 1.0 and back["b"].item() == 2.0 and back["a"] is not back["b"]


def test_the_safetensors_package_reads_every_dtype_written_here(tmp_path):
    obj = {"flag": tl.tensor([True, False, True]), "b": tl.arange(5, dtype=tl.uint8),
           "w": tl.randn(3, 2), "d": tl.randn(2, dtype=tl.float64), "h": tl.ones(3).half(),
           "opt": {"state": {0: {"step": tl.tensor(2.0)}}}}
    path = tmp_path / "mixed.safetensors"
    tl.save(obj, path)
    entries = dict(safetensors.deserialize(path.read_bytes()))
    assert set(entries) == {"flag", "b", "w", "d", "h", "opt.state.0.step"}
    with safetensors.safe_open(path, framework="np") as f:  # aligned, valid header
        assert f.metadata()["format"] == "pt"
        np.testing.assert_array_equal(f.get_tensor("w"), obj["w"].numpy())
        np.testing.assert_array_equal(f.get_tensor("flag"), obj["flag"].numpy())
    for name, info in entries.items():
        itemsize = {"BOOL": 1, "U8": 1, "F32": 4, "F64": 8, "F16": 2}[info["dtype"]]
        assert len(info["data"]) == math.prod(info["shape"]) * itemsize
