"""The CUDA kernels compile on a machine without a GPU (DESIGN §5).

``kernels/random.cu`` is compiled to PTX for compute_90 with the include
folders the loader finds (``tensorlite._backends._cuda_random``), by nvcc and,
where its library is installed, by NVRTC itself (what ``cupy.RawModule`` uses
at run time). A syntax or type error therefore fails CI even though CI has no
GPU. Every entry point the launcher knows must appear in the PTX.
"""

import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tensorlite._backends import _cuda_random

ARCH = "compute_90"


def _nvcc():
    found = shutil.which("nvcc")
    if found:
        return found
    for var in ("CUDA_PATH", "CUDA_HOME"):
        root = os.environ.get(var)
        if root and (Path(root) / "bin" / "nvcc").is_file():
            return str(Path(root) / "bin" / "nvcc")
    return None


_nvrtc_library = _cuda_random.nvrtc_library


def nvrtc_compile(library, source, name, options):
    """Compile ``source`` with NVRTC through ctypes; return (ok, ptx, log)."""
    lib = ctypes.CDLL(library)
    prog = ctypes.c_void_p()
    rc = lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), name.encode(), 0, None, None)
    assert rc == 0, f"nvrtcCreateProgram failed ({rc})"
    try:
        opts = [o.encode() for o in options]
        argv = (ctypes.c_char_p * len(opts))(*opts)
        rc = lib.nvrtcCompileProgram(prog, len(opts), argv)
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, log)
        if rc != 0:
            return False, "", log.value.decode(errors="replace")
        lib.nvrtcGetPTXSize(prog, ctypes.byref(size))
        ptx = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetPTX(prog, ptx)
        return True, ptx.value.decode(errors="replace"), log.value.decode(errors="replace")
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _entries(ptx):
    return set(re.findall(r"\.entry\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(", ptx))


def _check_entries(ptx):
    missing = set(_cuda_random.ENTRY_POINTS) - _entries(ptx)
    assert not missing, f"entry points missing from the PTX: {sorted(missing)}"
    # Nothing leaks in unmangled by accident either.
    assert _entries(ptx) == set(_cuda_random.ENTRY_POINTS)


def test_entry_point_list_matches_source():
    """ENTRY_POINTS (the launcher's view) names exactly the kernels in random.cu."""
    text = (_cuda_random.kernel_dir() / "random.cu").read_text()
    assert "tl_uniform_f32" in _cuda_random.ENTRY_POINTS
    assert len(set(_cuda_random.ENTRY_POINTS)) == len(_cuda_random.ENTRY_POINTS) == 49
    for name in ("tl_uniform_f64", "tl_randperm_keys", "tl_multinomial_keys"):
        assert name in text


def test_compile_options_turn_off_fma():
    options = _cuda_random.compile_options()
    assert "--fmad=false" in options and "-std=c++17" in options
    includes = [o[2:] for o in options if o.startswith("-I")]
    assert includes[0] == str(_cuda_random.kernel_dir())
    assert any(Path(d, "curand_philox4x32_x.h").is_file() for d in includes)
    assert any(Path(d, "cuda_bf16.h").is_file() for d in includes)


# CuPy appends these to our options for every NVRTC compile; -ftz=true (last,
# so it wins) would flush float32 subnormals in the kernels' arithmetic.
CUPY_ADDED_OPTIONS = ["-ftz=true", "--device-as-default-execution-space"]

# Kernels promised bit-identical to NumPy (DESIGN §4.4): none of their
# instructions may flush subnormals.
EXACT_PREFIXES = ("tl_uniform_", "tl_randint", "tl_bernoulli_", "tl_randperm_keys",
                  "tl_multinomial_with_replacement")


def _kernel_bodies(ptx):
    bodies, name = {}, None
    for line in ptx.splitlines():
        m = re.search(r"\.entry\s+(\w+)\s*\(", line)
        if m:
            name = m.group(1)
            bodies[name] = []
        elif name is not None:
            bodies[name].append(line)
    return bodies


def _check_no_ftz_in_exact_kernels(ptx):
    for name, body in _kernel_bodies(ptx).items():
        if name.startswith(EXACT_PREFIXES):
            flushing = [line.strip() for line in body if ".ftz" in line]
            assert not flushing, f"{name} flushes subnormals: {flushing[:3]}"


@pytest.mark.skipif(_nvcc() is None, reason="nvcc is not installed (NVRTC is tested separately)")
def test_random_cu_compiles_with_nvcc(tmp_path):
    """nvcc --ptx with the loader's include folders; a failure fails the suite.

    nvcc finds its own runtime headers, so only the kernel and cuRAND folders
    are passed (the loader's runtime folder may belong to another CUDA version).
    Compiled with -ftz=true, as CuPy compiles, to check the exact kernels
    keep subnormals anyway.
    """
    dirs = _cuda_random.include_dirs()
    ptx_path = tmp_path / "random.ptx"
    cmd = [_nvcc(), "--ptx", "--fmad=false", "-std=c++17", f"-arch={ARCH}", "-ftz=true",
           f"-I{dirs[0]}", f"-I{dirs[1]}", str(Path(dirs[0]) / "random.cu"), "-o", str(ptx_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nvcc failed:\n{' '.join(cmd)}\n{result.stderr}"
    ptx = ptx_path.read_text()
    _check_entries(ptx)
    _check_no_ftz_in_exact_kernels(ptx)


@pytest.mark.skipif(_nvcc() is None, reason="nvcc is not installed")
@pytest.mark.parametrize("family", _cuda_random.FAMILIES)
def test_each_family_compiles_alone(tmp_path, family):
    """get_module(device, family) compiles with -DTL_FAMILY_<NAME>: that must
    build, and hold exactly the family's entry points."""
    dirs = _cuda_random.include_dirs()
    ptx_path = tmp_path / f"{family}.ptx"
    cmd = [_nvcc(), "--ptx", "--fmad=false", "-std=c++17", f"-arch={ARCH}",
           f"-DTL_FAMILY_{family.upper()}", f"-I{dirs[0]}", f"-I{dirs[1]}",
           str(Path(dirs[0]) / "random.cu"), "-o", str(ptx_path)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"nvcc failed:\n{' '.join(cmd)}\n{result.stderr}"
    expected = {e for e in _cuda_random.ENTRY_POINTS if _cuda_random.family_of(e) == family}
    assert expected and _entries(ptx_path.read_text()) == expected


@pytest.mark.skipif(_nvrtc_library() is None,
                    reason="no NVRTC library (nvidia-cuda-nvrtc wheel or CUDA toolkit) found")
def test_random_cu_compiles_with_nvrtc():
    """What cupy.RawModule does at run time: NVRTC with compile_options() and
    the options CuPy adds."""
    options = list(_cuda_random.compile_options()) + CUPY_ADDED_OPTIONS + [f"-arch={ARCH}"]
    ok, ptx, log = nvrtc_compile(_nvrtc_library(), _cuda_random.kernel_source(), "random.cu",
                                 options)
    assert ok, f"NVRTC failed with options {options}:\n{log}"
    _check_entries(ptx)
    _check_no_ftz_in_exact_kernels(ptx)


def test_some_compiler_is_available():
    """CI installs NVRTC (the test extra), so there the kernels must be compiled."""
    found = _nvcc() is not None or _nvrtc_library() is not None
    if not found and not os.environ.get("CI"):
        pytest.skip("neither nvcc nor NVRTC is available: the kernels were not compiled")
    assert found, "CI has neither nvcc nor NVRTC: the CUDA kernels were not compiled"


# ---------------------------------------------------------------------------
# Header discovery, on fake installations


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return path.parent


@pytest.fixture
def fake_install(tmp_path, monkeypatch):
    """Point the discovery at tmp_path only: no environment, no system CUDA,
    no cuda-pathfinder; ``site/nvidia`` and ``site/cupy`` stand in for wheels."""
    for var in ("CUDA_PATH", "CUDA_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(_cuda_random, "_SYSTEM_INCLUDE", tmp_path / "no-system-cuda")
    monkeypatch.setattr(_cuda_random, "_pathfinder_dir", lambda name: [])
    monkeypatch.setattr(_cuda_random, "_nvidia_wheel_dirs", lambda: [tmp_path / "site" / "nvidia"])
    monkeypatch.setattr(_cuda_random, "_package_dir",
                        lambda name: tmp_path / "site" / name if name == "cupy" else None)
    _cuda_random.include_dirs.cache_clear()
    _cuda_random.compile_options.cache_clear()
    yield tmp_path
    _cuda_random.include_dirs.cache_clear()
    _cuda_random.compile_options.cache_clear()


def test_discovery_cuda12_wheels_use_cupy_libcudacxx(fake_install):
    site = fake_install / "site"
    curand = _touch(site / "nvidia/curand/include/curand_philox4x32_x.h")
    runtime = _touch(site / "nvidia/cuda_runtime/include/cuda_fp16.h")
    _touch(runtime / "cuda_bf16.h")
    cccl = _touch(site / "cupy/_core/include/cupy/_cccl/libcudacxx/nv/target").parent
    dirs = _cuda_random.include_dirs()
    assert dirs == (str(_cuda_random.kernel_dir()), str(curand), str(runtime), str(cccl))


def test_discovery_cuda13_wheels(fake_install):
    inc = _touch(fake_install / "site/nvidia/cu13/include/curand_philox4x32_x.h")
    _touch(inc / "cuda_fp16.h")
    _touch(inc / "cuda_bf16.h")
    cccl = _touch(inc / "cccl/nv/target").parent
    assert _cuda_random.include_dirs()[1:] == (str(inc), str(cccl))


def test_discovery_prefers_cuda_path(fake_install, monkeypatch):
    toolkit = _touch(fake_install / "toolkit/include/curand_philox4x32_x.h")
    _touch(toolkit / "cuda_fp16.h")
    _touch(toolkit / "cuda_bf16.h")
    _touch(toolkit / "nv/target")
    _touch(fake_install / "site/nvidia/curand/include/curand_philox4x32_x.h")
    monkeypatch.setenv("CUDA_PATH", str(fake_install / "toolkit"))
    assert _cuda_random.include_dirs()[1:] == (str(toolkit),)


def test_discovery_names_the_wheels_when_headers_are_missing(fake_install):
    with pytest.raises(RuntimeError, match=r"nvidia-curand-cu12.*nvidia-curand") as info:
        _cuda_random.include_dirs()
    assert "tensorlite[cuda12]" in str(info.value)
    _touch(fake_install / "site/nvidia/curand/include/curand_philox4x32_x.h")
    with pytest.raises(RuntimeError, match="cuda_fp16.h"):
        _cuda_random.include_dirs()


def test_kernel_dir_finds_sources_next_to_the_package():
    folder = _cuda_random.kernel_dir()
    assert (folder / "random.cu").is_file() and (folder / "philox.cuh").is_file()
    assert "philox.cuh sha256" in _cuda_random.kernel_source()
