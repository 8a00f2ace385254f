"""Philox stream words from a small C library compiled on first use (``_native.c``).

:mod:`tensorlite.random.philox` asks :func:`library` for it before a draw large enough
to gain from it; ``None`` means "use randomgen" (the words are the same: DESIGN §4.1).

The library is built once per machine and source: the system C compiler
(``$TENSORLITE_CC``, else ``$CC``, else ``cc``/``gcc`` on the PATH) with ``-O3 -shared
-fPIC -march=native`` (then without ``-march=native`` should that fail) into
``$XDG_CACHE_HOME/tensorlite`` (default ``~/.cache/tensorlite``), named by a hash of
the source, the compiler, the flags and the host and its CPU, so a library built for one CPU is
never loaded on another sharing the home directory. Several processes may build at
once (Dask's process scheduler, pytest workers): each writes a temporary file and
renames it into place, so a reader only ever sees a whole library.

Nothing here raises: no compiler, a failed build, a failed load or a library whose
words differ from the pure NumPy definition leave :func:`library` returning ``None``
(logged at debug level). ``TENSORLITE_NATIVE=0`` disables it. Nothing is built at
``import tensorlite``.

Calls go through ctypes, which releases the GIL during a call, so threads drawing
words at once run in parallel.

Example:
    >>> lib = library()  # None without a C compiler
    >>> out = np.empty(3, np.uint32)
    >>> lib is None or fill(lib, 0, 0, 3, out) is out
    True
"""

import ctypes
import hashlib
import logging
import os
import platform
import shlex
import shutil
import subprocess
import tempfile
import threading

import numpy as np

__all__ = ["library", "reset", "fill", "fill_runs", "fill_runs_unit_float32", "END"]

_log = logging.getLogger(__name__)
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_native.c")
# Tried in turn: -march=native enables the AVX2 kernel (the library only ever runs on
# the machine that built it: the cache key names the host).
FLAG_SETS = (("-O3", "-march=native"), ("-O3",))
_COMMON_FLAGS = ("-shared", "-fPIC", "-std=c99")
END = 2**64
"""Words ``j < END`` are served (the C code takes 64-bit word indices)."""

_U64, _PTR = ctypes.c_uint64, ctypes.c_void_p
_lock = threading.Lock()
_state = {}  # "lib": the loaded library or None, once tried


def library():
    """The loaded library, built on the first call; ``None`` when unavailable."""
    try:
        return _state["lib"]
    except KeyError:
        pass
    with _lock:
        if "lib" not in _state:
            _state["lib"] = _load() if os.environ.get("TENSORLITE_NATIVE", "1") != "0" else None
    return _state["lib"]


def reset():
    """Forget the loaded library: the next :func:`library` call looks again (tests;
    after changing ``TENSORLITE_NATIVE`` or ``TENSORLITE_CC``)."""
    with _lock:
        _state.clear()


def fill(lib, seed, start, count, out):
    """Words ``W(seed, start) … W(seed, start + count - 1)`` into ``out`` (C-contiguous
    ``uint32``, ``count`` elements; ``start + count <= END``)."""
    lib.philox_words(seed, start >> 2, start & 3, count, out.ctypes.data)
    return out


def fill_runs(lib, seed, starts, count, out):
    """Row ``r`` of ``out`` (C-contiguous ``uint32``, ``(len(starts), count)``) = the
    words from ``starts[r]`` (a C-contiguous ``uint64`` array; each ``start + count <=
    END``)."""
    lib.philox_runs(seed, starts.ctypes.data, starts.shape[0], count, out.ctypes.data)
    return out


def fill_runs_unit_float32(lib, seed, starts, out):
    """As :func:`fill_runs`, as the float32 uniforms ``(W >> 8) * 2**-24`` (DESIGN §4.3)
    into ``out`` (C-contiguous ``float32``)."""
    lib.philox_runs_unit_float32(seed, starts.ctypes.data, starts.shape[0], out.shape[1],
                                 out.ctypes.data)
    return out


def _compiler():
    return (os.environ.get("TENSORLITE_CC") or os.environ.get("CC")
            or shutil.which("cc") or shutil.which("gcc"))


def _cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tensorlite")


def _load():
    """Build (or find) and load the library, check it; ``None`` on any failure."""
    try:
        cc = _compiler()
        if not cc:
            _log.debug("tensorlite native Philox: no C compiler found")
            return None
        with open(SOURCE, "rb") as f:
            source = f.read()
        for flags in FLAG_SETS:
            path = _build(shlex.split(cc), source, flags)
            if path is None:
                continue
            lib = _open(path)
            if lib is not None:
                return lib
    except Exception as e:  # never fail a draw over an optimization
        _log.debug("tensorlite native Philox unavailable: %r", e)
    return None


def _host():
    """What a -march=native library depends on: the host, its architecture and (on
    Linux) its CPU's model and instruction-set flags."""
    cpu = b""
    try:
        with open("/proc/cpuinfo", "rb") as f:
            cpu = b"".join(sorted({line for line in f
                                   if line.startswith((b"model name", b"flags"))}))
    except OSError:
        pass
    return b"\0".join([platform.node().encode(), platform.machine().encode(), cpu])


def _build(cc, source, flags):
    """The path of the library built from ``source`` with ``flags`` (built now unless
    cached), or ``None`` if the compiler fails."""
    key = hashlib.sha256(b"\0".join([source, " ".join(cc).encode(), " ".join(flags).encode(),
                                     _host()])).hexdigest()[:20]
    folder = _cache_dir()
    path = os.path.join(folder, f"philox-{key}.so")
    if os.path.exists(path):
        return path
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".philox-", suffix=".so", dir=folder)
    os.close(fd)
    try:
        done = subprocess.run([*cc, *flags, *_COMMON_FLAGS, "-o", tmp, SOURCE],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            _log.debug("tensorlite native Philox: %s %s failed: %s", cc, " ".join(flags),
                       done.stderr.strip()[-2000:])
            return None
        os.replace(tmp, path)  # atomic: concurrent builders each put a whole library
        return path
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _open(path):
    """The library at ``path`` with its signatures set, if its words are right."""
    from .philox import reference_words

    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        _log.debug("tensorlite native Philox: cannot load %s: %r", path, e)
        return None
    lib.philox_words.argtypes = [_U64, _U64, _U64, _U64, _PTR]
    lib.philox_runs.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    lib.philox_runs_unit_float32.argtypes = [_U64, _PTR, _U64, _U64, _PTR]
    for f in (lib.philox_words, lib.philox_runs, lib.philox_runs_unit_float32):
        f.restype = None
    # A self-check against the pure NumPy definition (a miscompiled or stale library
    # must not change the stream): both kernels' paths, a block counter past 2**32.
    seed, start, count = 2**64 - 3, 2**34 - 37, 203
    got = fill(lib, seed, start, count, np.empty(count, np.uint32))
    if not np.array_equal(got, reference_words(seed, start, count)):
        _log.debug("tensorlite native Philox: %s gives wrong words; not used", path)
        return None
    return lib
