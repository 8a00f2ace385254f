"""CUDA random fills: load ``kernels/random.cu`` and launch its entry points.

Every CUDA random value comes from the stream of DESIGN §4, computed by our
own kernels (``kernels/philox.cuh`` holds the per-element transforms). The
kernels use grid-stride loops and derive each Philox counter from the element
index, so the values do not depend on the launch configuration; the
``block_size``/``max_blocks`` arguments exist so tests can prove it.

Loading: ``random.cu`` is compiled by NVRTC through ``cupy.RawModule``, once
per device and kernel family (:func:`get_module`; CuPy also caches the binary
on disk), with :func:`compile_options`:
``--fmad=false`` (so ``a + (b - a) * u`` rounds as NumPy does), ``-std=c++17``
and include folders for

- cuRAND's ``curand_philox4x32_x.h`` (its Philox block function only — it
  compiles in milliseconds, unlike ``curand_kernel.h``),
- the CUDA runtime headers ``cuda_fp16.h`` / ``cuda_bf16.h``,
- ``nv/target``, which cuRAND's header includes (CUDA toolkits have it;
  with pip wheels only, CuPy ships it under ``_cccl/libcudacxx``).

See :func:`include_dirs` for where each is looked for. Importing this module
never imports CuPy; only launching does.

Callers validate arguments (DESIGN §7) and advance the generator: a fill
starting at word ``offset`` uses exactly the words DESIGN §4.3 assigns to it.
"""

from __future__ import annotations

import ctypes.util
import functools
import hashlib
import importlib.util
import os
import threading
from pathlib import Path

import numpy as np

from ..random import _quantized
from ..random import distributions as _dist

__all__ = [
    "ENTRY_POINTS",
    "FAMILIES",
    "compile_options",
    "family_of",
    "fill",
    "generate",
    "get_module",
    "include_dirs",
    "kernel_dir",
    "kernel_source",
    "multinomial",
    "quantized_prefix_sums",
    "randperm",
]

KERNEL_FILE = "random.cu"
KERNEL_HEADER = "philox.cuh"
CURAND_HEADER = "curand_philox4x32_x.h"

# Output dtype -> entry-point suffix.
_SUFFIX = {
    "bool": "bool", "uint8": "u8", "int8": "i8", "int16": "i16", "int32": "i32",
    "int64": "i64", "float16": "f16", "bfloat16": "bf16", "float32": "f32",
    "float64": "f64",
}
_FLOAT_SUFFIXES = ("f16", "bf16", "f32", "f64")
_ALL_SUFFIXES = tuple(_SUFFIX.values())

ENTRY_POINTS = (
    tuple(f"tl_uniform_{s}" for s in _FLOAT_SUFFIXES)
    + tuple(f"tl_normal_{s}" for s in _FLOAT_SUFFIXES)
    + tuple(f"tl_exponential_{s}" for s in _FLOAT_SUFFIXES)
    + tuple(f"tl_randint1_{s}" for s in _ALL_SUFFIXES)
    + tuple(f"tl_randint2_{s}" for s in _ALL_SUFFIXES)
    + tuple(f"tl_bernoulli_{s}" for s in _FLOAT_SUFFIXES)
    + tuple(f"tl_bernoulli_scalar_{s}" for s in _ALL_SUFFIXES)
    + ("tl_randperm_keys", "tl_multinomial_with_replacement", "tl_multinomial_keys")
)
"""Every ``extern "C"`` kernel in ``random.cu`` (the compile test checks them)."""

_SYSTEM_INCLUDE = Path("/usr/local/cuda/include")  # the usual toolkit location

_INSTALL_HINT = ("`pip install tensorlite[cuda12]` (CUDA 12) or `pip install tensorlite[cuda13]` "
                 "(CUDA 13), or set CUDA_PATH to a CUDA toolkit")


# ---------------------------------------------------------------------------
# Finding the sources and the headers


def nvrtc_library():
    """Path of an NVRTC shared library, or None. Never imports CuPy."""
    if importlib.util.find_spec("cuda") is not None:
        try:
            from cuda.pathfinder import load_nvidia_dynamic_lib

            return load_nvidia_dynamic_lib("nvrtc").abs_path
        except Exception:
            pass
    candidates = []
    spec = importlib.util.find_spec("nvidia")
    for base in (spec.submodule_search_locations or []) if spec else []:
        candidates += sorted(Path(base, "cu13", "lib").glob("libnvrtc.so.*"))
        candidates += sorted(Path(base, "cuda_nvrtc", "lib").glob("libnvrtc.so.*"))
    for var in ("CUDA_PATH", "CUDA_HOME"):
        root = os.environ.get(var)
        if root:
            candidates += sorted(Path(root, "lib64").glob("libnvrtc.so*"))
    for c in candidates:
        if c.is_file() and "builtins" not in c.name and ".alt." not in c.name:
            return str(c)
    return ctypes.util.find_library("nvrtc")


def describe_toolchain():
    """One line for ``python -m tensorlite``: the headers and NVRTC found, or why not."""
    try:
        dirs = include_dirs()
        headers = f"cuRAND headers in {dirs[1]}"
    except RuntimeError as exc:
        headers = f"cuRAND headers not found ({exc})"
    library = nvrtc_library()
    return f"{headers}; NVRTC: {library or 'not found'}"


def kernel_dir():
    """The folder holding ``random.cu`` and ``philox.cuh``.

    In an installed wheel the sources are the package data of
    ``tensorlite.kernels`` (``site-packages/tensorlite/kernels/``); in a source
    checkout (editable install) they are ``kernels/`` beside ``tensorlite/``.
    """
    package = Path(__file__).resolve().parent.parent  # .../tensorlite
    for candidate in (package / "kernels", package.parent / "kernels"):
        if (candidate / KERNEL_FILE).is_file():
            return candidate
    raise RuntimeError(
        f"tensorlite's CUDA kernel sources ({KERNEL_FILE}) were not found in "
        f"{package / 'kernels'} or {package.parent / 'kernels'}; the installation is "
        "incomplete: reinstall tensorlite")


def _nvidia_wheel_dirs():
    """``site-packages/nvidia`` folders (the NVIDIA wheels' shared package), found
    without importing anything."""
    try:
        spec = importlib.util.find_spec("nvidia")
    except (ImportError, ValueError):
        return []
    if spec is None or spec.submodule_search_locations is None:
        return []
    return [Path(p) for p in spec.submodule_search_locations]


def _package_dir(name):
    """A top-level package's folder, without importing it (``None`` if absent)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _env_include_dirs():
    dirs = []
    for var in ("CUDA_PATH", "CUDA_HOME"):
        root = os.environ.get(var)
        if root:
            dirs.append(Path(root) / "include")
    return dirs


def _pathfinder_dir(libname):
    """cuda-pathfinder's answer (a CuPy 14 dependency), if it is installed.

    Importing ``cuda.pathfinder`` is cheap and imports no CUDA library.
    """
    if importlib.util.find_spec("cuda") is None:
        return []
    try:
        from cuda.pathfinder import find_nvidia_header_directory
    except ImportError:
        return []
    try:
        found = find_nvidia_header_directory(libname)
    except Exception:  # unsupported name in an old version, odd installs
        return []
    return [Path(found)] if found else []


def _first_with(candidates, *files):
    seen = set()
    for d in candidates:
        key = str(d)
        if key in seen:
            continue
        seen.add(key)
        if all((d / f).is_file() for f in files):
            return d
    return None


def _curand_candidates():
    wheels = [n / sub for n in _nvidia_wheel_dirs()
              for sub in ("cu13/include", "curand/include", "cu12/include")]
    return (_env_include_dirs() + wheels + _pathfinder_dir("curand")
            + [_SYSTEM_INCLUDE])


def _runtime_candidates():
    wheels = [n / sub for n in _nvidia_wheel_dirs()
              for sub in ("cu13/include", "cuda_runtime/include", "cu12/include")]
    cupy_bundled = []
    cupy_dir = _package_dir("cupy")
    if cupy_dir is not None:  # older CuPy releases bundled the fp16 headers
        cupy_bundled = sorted((cupy_dir / "_core" / "include" / "cupy" / "_cuda").glob("cuda-*"),
                              reverse=True)
    return (_env_include_dirs() + wheels + _pathfinder_dir("cudart")
            + [_SYSTEM_INCLUDE] + cupy_bundled)


def _cccl_candidates(runtime_dir):
    dirs = [runtime_dir / "cccl"] if runtime_dir is not None else []
    dirs += [n / sub for n in _nvidia_wheel_dirs()
             for sub in ("cu13/include/cccl", "cuda_cccl/include")]
    dirs += _pathfinder_dir("cccl")
    cupy_dir = _package_dir("cupy")
    if cupy_dir is not None:
        dirs.append(cupy_dir / "_core" / "include" / "cupy" / "_cccl" / "libcudacxx")
    return dirs


@functools.lru_cache(maxsize=None)
def include_dirs():
    """Include folders for compiling ``random.cu``, in search order.

    - cuRAND (``curand_philox4x32_x.h``): ``$CUDA_PATH/include``,
      ``$CUDA_HOME/include``, then the NVIDIA wheels (``nvidia/cu13/include``
      from ``nvidia-curand`` for CUDA 13, ``nvidia/curand/include`` from
      ``nvidia-curand-cu12``), then cuda-pathfinder, then
      ``/usr/local/cuda/include``.
    - CUDA runtime (``cuda_fp16.h`` and ``cuda_bf16.h``): the same environment
      variables, the wheels ``nvidia/cu13/include`` and
      ``nvidia/cuda_runtime/include``, cuda-pathfinder,
      ``/usr/local/cuda/include``, then headers bundled with older CuPy.
    - ``nv/target``: nothing extra when one of the folders above has it (CUDA
      toolkits do); else ``<runtime>/cccl``, the CCCL wheels, cuda-pathfinder,
      then CuPy's ``_cccl/libcudacxx``. When none has it, NVRTC may still
      supply it, so this is not an error here.

    The first folder is :func:`kernel_dir`. Raises ``RuntimeError`` naming the
    packages to install when the cuRAND or runtime headers are missing.
    """
    curand = _first_with(_curand_candidates(), CURAND_HEADER)
    if curand is None:
        raise RuntimeError(
            f"tensorlite's CUDA random kernels need cuRAND's device header {CURAND_HEADER}, "
            f"which was not found. Install it with {_INSTALL_HINT}; the header wheels are "
            "nvidia-curand-cu12 (CUDA 12) and nvidia-curand (CUDA 13)")
    runtime = _first_with(_runtime_candidates(), "cuda_fp16.h", "cuda_bf16.h")
    if runtime is None:
        raise RuntimeError(
            "tensorlite's CUDA random kernels need the CUDA runtime headers cuda_fp16.h and "
            f"cuda_bf16.h, which were not found. Install them with {_INSTALL_HINT}; the header "
            "wheels are nvidia-cuda-runtime-cu12 (CUDA 12) and nvidia-cuda-runtime (CUDA 13)")
    dirs = [kernel_dir(), curand]
    if runtime != curand:
        dirs.append(runtime)
    if not any((d / "nv" / "target").is_file() for d in dirs):
        cccl = _first_with(_cccl_candidates(runtime), "nv/target")
        if cccl is not None:
            dirs.append(cccl)
    return tuple(str(d) for d in dirs)


@functools.lru_cache(maxsize=None)
def compile_options():
    """NVRTC options for ``random.cu``: no FMA contraction (DESIGN §4.4), C++17,
    and ``-I`` for each of :func:`include_dirs`. CuPy adds ``-arch`` itself."""
    return ("--fmad=false", "-std=c++17") + tuple(f"-I{d}" for d in include_dirs())


def kernel_source():
    """``random.cu``'s text, ending with a comment that fingerprints
    ``philox.cuh``: CuPy's disk cache keys on the source text and options
    only, so an edit to the header must change the text to be recompiled."""
    folder = kernel_dir()
    source = (folder / KERNEL_FILE).read_text()
    header = hashlib.sha256((folder / KERNEL_HEADER).read_bytes()).hexdigest()
    return f"{source}\n// {KERNEL_HEADER} sha256 {header}\n"


FAMILIES = ("uniform", "normal", "exponential", "randint", "bernoulli", "permutation")
"""Kernel families of ``random.cu``; each can be compiled alone (``-DTL_FAMILY_<NAME>``)."""


def family_of(entry_point):
    """The family holding an entry point: ``tl_randint2_i8`` -> ``"randint"``;
    randperm and multinomial kernels form ``"permutation"``."""
    stem = entry_point[len("tl_"):]
    for family in FAMILIES[:-1]:
        if stem.startswith(family):
            return family
    return "permutation"


_modules = {}
_modules_lock = threading.Lock()


def get_module(device_id, family=None):
    """The compiled ``cupy.RawModule`` for device ``device_id`` (memoized).

    ``family`` (one of :data:`FAMILIES`) compiles only that family's kernels:
    NVRTC needs about 0.15–0.6 s per family for sm_90, against about 1.7 s for
    all 49 kernels, and a program usually needs only a few families. ``None``
    compiles everything. CuPy caches the binaries on disk, so later processes
    load them in milliseconds. Raises ``RuntimeError`` naming what to install
    when the headers are missing.
    """
    key = (int(device_id), family)
    module = _modules.get(key)
    if module is not None:
        return module
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown kernel family {family!r}; expected one of {FAMILIES}")
    import cupy

    with _modules_lock:
        module = _modules.get(key)
        if module is None:
            options = compile_options()
            if family is not None:
                options += (f"-DTL_FAMILY_{family.upper()}",)
            with cupy.cuda.Device(key[0]):
                module = cupy.RawModule(code=kernel_source(), options=options)
                module.compile()  # now, so errors surface here and not mid-launch
            _modules[key] = module
    return module


_functions = {}


def _function(device_id, name):
    key = (device_id, name)
    fn = _functions.get(key)
    if fn is None:
        fn = _functions[key] = get_module(device_id, family_of(name)).get_function(name)
    return fn


@functools.lru_cache(maxsize=None)
def _default_max_blocks(device_id):
    import cupy

    sms = cupy.cuda.Device(device_id).attributes["MultiProcessorCount"]
    return 32 * sms  # enough waves to hide latency; each thread loops beyond that


# ---------------------------------------------------------------------------
# Launching


def _suffix(dtype):
    name = np.dtype(dtype).name
    try:
        return _SUFFIX[name]
    except KeyError:
        raise ValueError(f"CUDA random fill: unsupported dtype {name}") from None


def _randint_words(r):
    """Words per element for randint over ``r`` values (DESIGN §4.3)."""
    return 1 if _dist.one_word_randint(r) else 2


def _check_state(seed, offset):
    seed, offset = int(seed), int(offset)
    if not 0 <= seed < 2**64:
        raise ValueError(f"CUDA random fill: seed must be in [0, 2**64), got {seed}")
    if not 0 <= offset < 2**64 or offset % 4:
        # The Generator advances offsets by whole Philox blocks (DESIGN §4.2);
        # the kernels map block offset/4 + g to element group g.
        raise ValueError(f"CUDA random fill: offset must be a multiple of 4 in [0, 2**64), "
                         f"got {offset}")
    return seed, offset


def _launch(name, out, n, per_thread, params, block_size, max_blocks, runs=None):
    """Run kernel ``name`` over ``n`` elements, ``per_thread`` per Philox block.

    ``params`` starts with ``(seed, offset)``; the layout arguments go after them:
    ``run_len == 0`` (a contiguous output), or with ``runs = (starts, run_len)``
    (``starts`` a uint64 CuPy array) ``out`` is a strided block of a larger array.
    """
    import cupy

    device_id = out.device.id
    block_size = int(block_size)
    if not 1 <= block_size <= 1024:
        raise ValueError(f"block_size must be in [1, 1024], got {block_size}")
    if runs is None:
        layout, items = (np.uint64(0), np.uint64(0)), -(-n // per_thread)
    else:
        starts, run_len = runs
        # work items: each run's groups at any alignment (philox.cuh, run_strided_item)
        layout, items = (starts, np.uint64(run_len)), (n // run_len) * (run_len // per_thread + 2)
    cap = _default_max_blocks(device_id) if max_blocks is None else int(max_blocks)
    blocks = max(1, min(-(-items // block_size), cap))
    params = tuple(params)
    with cupy.cuda.Device(device_id):
        kernel = _function(device_id, name)
        kernel((blocks,), (block_size,), (out, np.uint64(n)) + params[:2] + layout + params[2:])


def _flat_output(out):
    if not out.flags.c_contiguous:
        raise ValueError("CUDA random fill: out must be C-contiguous")
    return out.reshape(-1)


def fill(kind, out, seed, offset, *, block_size=256, max_blocks=None, runs=None, **params):
    """Fill the C-contiguous CuPy array ``out`` from stream ``(seed, offset)``.

    Element ``i`` of ``out``'s flat order gets exactly the value DESIGN §4.3
    defines for it. ``offset`` must be a multiple of 4 (the Generator always
    advances by whole Philox blocks). Advancing the generator is the
    caller's job (``tensorlite.random.distributions.words_needed``).

    ============== ====================================== =========================
    ``kind``       ``params``                             output dtypes
    ============== ====================================== =========================
    uniform        ``low=0.0, high=1.0``                  float16/bfloat16/32/64
    normal         ``mean=0.0, std=1.0``                  float16/bfloat16/32/64
    exponential    ``lambd=1.0``                          float16/bfloat16/32/64
    randint        ``low, high`` (exclusive,              all ten dtypes
                   ``1 <= high - low <= 2**64``)
    bernoulli      ``p``: a number, or a CuPy array       all ten dtypes
                   broadcastable to ``out.shape``
    ============== ====================================== =========================

    Floating parameters are rounded to float32 for float16/bfloat16/float32
    outputs and to float64 for float64. ``block_size`` and ``max_blocks`` set
    the launch (default grid: enough blocks for one group per thread, capped
    at 32 per SM); the values never depend on them. ``runs = (starts, run_len)``
    makes ``out`` a strided block of a larger array (see :func:`generate_block`).

    Returns ``out``.
    """
    seed, offset = _check_state(seed, offset)
    flat = _flat_output(out)
    n = flat.size
    sfx = _suffix(out.dtype)
    is_f64 = sfx == "f64"
    cf = np.float64 if is_f64 else np.float32
    launch = functools.partial(_launch, block_size=block_size, max_blocks=max_blocks, runs=runs)
    state = (np.uint64(seed), np.uint64(offset))

    def take(*names_defaults):
        values = [params.pop(name, default) for name, default in names_defaults]
        if params:
            raise TypeError(f"CUDA random fill {kind!r}: unexpected parameters {sorted(params)}")
        return values

    if kind in ("uniform", "normal", "exponential"):
        if sfx not in _FLOAT_SUFFIXES:
            raise ValueError(f"CUDA random fill {kind!r}: dtype must be floating, got {out.dtype}")
        if kind == "uniform":
            values = take(("low", 0.0), ("high", 1.0))
        elif kind == "normal":
            values = take(("mean", 0.0), ("std", 1.0))
        else:
            values = take(("lambd", 1.0))
        if n:
            per_thread = 2 if is_f64 else 4  # elements per Philox block (4 words)
            launch(f"tl_{kind}_{sfx}", flat, n, per_thread,
                   state + tuple(cf(v) for v in values))
        return out

    if kind == "randint":
        low, high = take(("low", None), ("high", None))
        if low is None or high is None:
            raise TypeError("CUDA random fill 'randint' needs low= and high=")
        low, high = int(low), int(high)
        r = high - low
        if not 1 <= r <= 2**64:
            raise ValueError(f"CUDA random fill 'randint': need 1 <= high - low <= 2**64, "
                             f"got low={low}, high={high}")
        if not -(2**63) <= low < 2**63:
            raise ValueError(f"CUDA random fill 'randint': low must fit int64, got {low}")
        words = _randint_words(r)
        if n:
            # r == 2**64 travels as 0, which the kernel reads as the full range.
            launch(f"tl_randint{words}_{sfx}", flat, n, 4 if words == 1 else 2,
                   state + (np.int64(low), np.uint64(r % 2**64)))
        return out

    if kind == "bernoulli":
        (p,) = take(("p", None))
        _bernoulli(flat, out.shape, n, p, state, launch)
        return out

    raise ValueError(f"CUDA random fill: unknown kind {kind!r}")


def _bernoulli(flat, shape, n, p, state, launch):
    import cupy

    sfx = _suffix(flat.dtype)
    if not isinstance(p, cupy.ndarray):
        p = np.asarray(p)
        if p.size != 1:
            p = cupy.asarray(p)  # host -> device copy
    if p.size == 1:
        p_value = float(p.reshape(()))  # from a device array: a one-element device->host copy
        if n:
            launch(f"tl_bernoulli_scalar_{sfx}", flat, n, 4, state + (np.float64(p_value),))
        return
    p_sfx = _suffix(p.dtype)
    if p_sfx not in _FLOAT_SUFFIXES:
        p, p_sfx = p.astype(np.float64), "f64"
    # The kernel reads one p per element: materialize the broadcast.
    p_flat = cupy.ascontiguousarray(cupy.broadcast_to(p, shape)).reshape(-1)
    if not n:
        return
    if p_sfx == sfx:
        launch(f"tl_bernoulli_{sfx}", flat, n, 4, state + (p_flat,))
    else:
        # Output dtype differs from p's: draw in p's dtype, then cast the 0/1s.
        tmp = cupy.empty(n, dtype=p_flat.dtype)
        launch(f"tl_bernoulli_{p_sfx}", tmp, n, 4, state + (p_flat,))
        flat[...] = tmp.astype(flat.dtype)


def quantized_prefix_sums(probs2d, xp):
    """The exact prefix sums of DESIGN §4.3, computed on the device (the same
    integers as the CPU's: see ``tensorlite.random._quantized``)."""
    return _quantized.prefix_sums(xp, probs2d.astype(xp.float64))


def multinomial(probs, num_samples, replacement, seed, offset, *, out=None,
                block_size=256, max_blocks=None, runs=None):
    """Sample category indices from each row of ``probs`` (a CuPy array).

    ``probs`` is 1-D ``(C,)`` or 2-D ``(rows, C)`` with finite, non-negative
    weights and a positive sum per row (validated by the caller). Returns int64
    of shape ``probs.shape[:-1] + (num_samples,)`` (or fills ``out``).

    With replacement: the host quantizes each row to exact uint64 prefix sums
    (:func:`quantized_prefix_sums`), and sample ``j`` of row ``r`` uses words
    ``2(r*num_samples + j)``, ``+1``. Without: category ``c`` of row ``r``
    gets the key ``-ln(u) / p_c`` from words ``2(r*C + c)``, ``+1``, and each
    row keeps its ``num_samples`` smallest keys, ties by index (CuPy's
    ``argsort`` is stable).
    """
    import cupy

    seed, offset = _check_state(seed, offset)
    probs = cupy.asarray(probs)
    shape = probs.shape[:-1] + (int(num_samples),)
    if out is None:
        out = cupy.empty(shape, dtype=cupy.int64)
    categories = probs.shape[-1]
    p2 = cupy.ascontiguousarray(probs.reshape(-1, categories).astype(cupy.float64))
    rows = p2.shape[0]
    if rows == 0 or num_samples == 0:
        return out
    state = (np.uint64(seed), np.uint64(offset))
    direct = out.flags.c_contiguous and out.dtype == cupy.int64
    if replacement:
        prefix = quantized_prefix_sums(p2, cupy)
        result = out if direct else cupy.empty((rows, num_samples), dtype=cupy.int64)
        _launch("tl_multinomial_with_replacement", result, rows * num_samples, 2,
                state + (prefix, np.uint64(categories), np.uint64(num_samples)),
                block_size, max_blocks, runs)
    else:
        keys = cupy.empty((rows, categories), dtype=cupy.float64)
        _launch("tl_multinomial_keys", keys, rows * categories, 2, state + (p2,),
                block_size, max_blocks, runs)
        result = cupy.argsort(keys, axis=1)[:, :num_samples]  # stable: ties by index
    if result is not out:
        out[...] = result.reshape(shape)
    return out


def randperm(n, seed, offset, *, dtype=np.int64, out=None, device=None,
             block_size=256, max_blocks=None):
    """A random permutation of ``0 … n-1``: the stable argsort of the 64-bit
    keys ``W_2i << 32 | W_2i+1`` (DESIGN §4.3). Uses ``2n`` words."""
    import cupy

    seed, offset = _check_state(seed, offset)
    n = int(n)
    with cupy.cuda.Device(device):
        if out is None:
            out = cupy.empty(n, dtype=dtype)
        if n == 0:
            return out
        keys = cupy.empty(n, dtype=cupy.uint64)
        _launch("tl_randperm_keys", keys, n, 2, (np.uint64(seed), np.uint64(offset)),
                block_size, max_blocks)
        out[...] = cupy.argsort(keys)  # stable (CuPy supports no other kind)
    return out


def generate(kind, shape, dtype, seed, offset, *, out=None, block_size=256, max_blocks=None,
             **params):
    """The CUDA backend's random entry point, with ``_cpu_random.fill``'s contract.

    Kinds and parameters: those of :func:`fill`, plus ``randperm`` (``shape ==
    (n,)``) and ``multinomial`` (``probs``, ``num_samples``, ``replacement``;
    ``shape = probs.shape[:-1] + (num_samples,)``). Works on the current CuPy
    device. ``out`` (optional, any layout) is filled and returned; otherwise a
    new array is.
    """
    import cupy

    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype)
    if out is None:
        out = cupy.empty(shape, dtype=dtype)
    target = out if out.flags.c_contiguous else cupy.empty(out.shape, out.dtype)
    if kind == "randperm":
        randperm(target.size, seed, offset, out=target.reshape(-1), device=target.device.id,
                 block_size=block_size, max_blocks=max_blocks)
    elif kind == "multinomial":
        multinomial(params["probs"], params["num_samples"], params["replacement"], seed, offset,
                    out=target, block_size=block_size, max_blocks=max_blocks)
    else:
        fill(kind, target, seed, offset, block_size=block_size, max_blocks=max_blocks, **params)
    if target is not out:
        out[...] = target
    return out


def generate_block(kind, shape, box, dtype, seed, offset, *, block_size=256, max_blocks=None,
                   **params):
    """The block ``box`` (a ``(start, stop)`` per dimension) of ``generate(kind, shape,
    ...)``, in one launch that computes only the block's elements from the words of
    their global indices (the strided layout of ``kernels/random.cu``).

    ``bernoulli``'s ``p`` and ``multinomial``'s ``probs`` are the block's own (for
    multinomial, ``shape`` is ``(rows, num_samples)`` and the block whole rows: its
    words are one contiguous stretch, so the block is that stretch's sample range).
    """
    import cupy

    from . import _common

    dtype = np.dtype(dtype)
    block_shape = tuple(int(b) - int(a) for a, b in box)
    out = cupy.empty(block_shape, dtype=dtype)
    if out.size == 0:
        return out
    starts, run_len = _common.block_runs(shape, box)
    if kind == "multinomial":
        # rows r0..r1 of the output are samples r0*n .. r1*n - 1 of the whole call; the
        # keys (without replacement) are the weights' elements r0*C .. r1*C - 1.
        n = params["num_samples"]
        per_row = n if params["replacement"] else params["probs"].shape[-1]
        r0 = int(box[0][0])
        starts, run_len = np.array([r0 * per_row], np.int64), block_shape[0] * per_row
    runs = (cupy.asarray(starts.astype(np.uint64)), int(run_len))  # host -> device copy
    if kind == "multinomial":
        multinomial(params["probs"], params["num_samples"], params["replacement"], seed, offset,
                    out=out, block_size=block_size, max_blocks=max_blocks, runs=runs)
    else:
        fill(kind, out, seed, offset, block_size=block_size, max_blocks=max_blocks, runs=runs,
             **params)
    return out
