"""Small C libraries compiled on first use and called through ctypes.

A :class:`Library` names one C source file of the package. Its first :meth:`~Library.get`
builds it with the system C compiler (``$TENSORLITE_CC``, else ``$CC``, else
``cc``/``gcc`` on the PATH) with ``-O3 -shared -fPIC -march=native`` (then without
``-march=native`` should that fail) into ``$XDG_CACHE_HOME/tensorlite`` (default
``~/.cache/tensorlite``), named by a hash of the source, the compiler, the flags and the
host and its CPU, so a library built for one CPU is never loaded on another sharing the
home directory. Several processes may build at once (Dask's process scheduler, pytest
workers): each writes a temporary file and renames it into place, so a reader only ever
sees a whole library.

Then the library's ``setup`` declares the C signatures and checks the library against
the pure NumPy definition of what it computes; a library that fails its check is not
used. Nothing here raises: no compiler, a failed build, a failed load or a failed check
leave :meth:`~Library.get` returning ``None`` (logged at debug level), and the caller
takes its NumPy path, which computes the same values. ``TENSORLITE_NATIVE=0`` disables
every library. Nothing is built at ``import tensorlite``.

ctypes releases the GIL during a call, so threads calling a library at once run in
parallel.

Example:
    >>> import ctypes, os
    >>> def setup(lib):
    ...     lib.philox_words.argtypes = [ctypes.c_uint64] * 4 + [ctypes.c_void_p]
    ...     return True
    >>> philox = Library("philox", os.path.join("random", "_native.c"), setup)
    >>> philox.get() is None or callable(philox.get().philox_words)
    True
"""

import hashlib
import logging
import os
import platform
import shlex
import shutil
import subprocess
import tempfile
import threading

__all__ = ["Library"]

_log = logging.getLogger(__name__)
PACKAGE = os.path.dirname(os.path.abspath(__file__))
# Tried in turn: -march=native enables the sources' AVX2 code (a library only ever runs
# on the machine that built it: the cache key names the host).
FLAG_SETS = (("-O3", "-march=native"), ("-O3",))
COMMON_FLAGS = ("-shared", "-fPIC", "-std=c99")


class Library:
    """The C library built from ``source`` (a path inside the package), loaded once.

    ``setup(lib)`` sets the ctypes signatures of ``lib`` and returns whether the library
    computes what it should (a miscompiled or stale library must not change results).
    """

    def __init__(self, name, source, setup):
        self.name = name
        self.source = os.path.join(PACKAGE, source)
        self.setup = setup
        self._lock = threading.Lock()
        self._state = {}  # "lib": the loaded library or None, once tried

    def get(self):
        """The loaded library, built on the first call; ``None`` when unavailable."""
        try:
            return self._state["lib"]
        except KeyError:
            pass
        with self._lock:
            if "lib" not in self._state:
                enabled = os.environ.get("TENSORLITE_NATIVE", "1") != "0"
                self._state["lib"] = self._load() if enabled else None
        return self._state["lib"]

    def reset(self):
        """Forget the loaded library: the next :meth:`get` looks again (tests; after
        changing ``TENSORLITE_NATIVE`` or ``TENSORLITE_CC``)."""
        with self._lock:
            self._state.clear()

    def _load(self):
        """Build (or find) and load the library, check it; ``None`` on any failure."""
        import ctypes

        try:
            cc = compiler()
            if not cc:
                _log.debug("tensorlite native %s: no C compiler found", self.name)
                return None
            with open(self.source, "rb") as f:
                text = f.read()
            for flags in FLAG_SETS:
                path = build(self.name, shlex.split(cc), self.source, text, flags)
                if path is None:
                    continue
                try:
                    lib = ctypes.CDLL(path)
                except OSError as e:
                    _log.debug("tensorlite native %s: cannot load %s: %r", self.name, path, e)
                    continue
                if self.setup(lib):
                    return lib
                _log.debug("tensorlite native %s: %s fails its check; not used", self.name,
                           path)
        except Exception as e:  # never fail a computation over an optimization
            _log.debug("tensorlite native %s unavailable: %r", self.name, e)
        return None


def compiler():
    """The C compiler command line to use, or ``None``."""
    return (os.environ.get("TENSORLITE_CC") or os.environ.get("CC")
            or shutil.which("cc") or shutil.which("gcc"))


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tensorlite")


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


def build(name, cc, source, text, flags):
    """The path of library ``name`` built from the file ``source`` (whose contents are
    ``text``) with ``flags`` (built now unless cached), or ``None`` if the compiler
    fails."""
    key = hashlib.sha256(b"\0".join([text, " ".join(cc).encode(), " ".join(flags).encode(),
                                     _host()])).hexdigest()[:20]
    folder = cache_dir()
    path = os.path.join(folder, f"{name}-{key}.so")
    if os.path.exists(path):
        return path
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".so", dir=folder)
    os.close(fd)
    try:
        done = subprocess.run([*cc, *flags, *COMMON_FLAGS, "-o", tmp, source, "-lm"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            _log.debug("tensorlite native %s: %s %s failed: %s", name, cc, " ".join(flags),
                       done.stderr.strip()[-2000:])
            return None
        os.replace(tmp, path)  # atomic: concurrent builders each put a whole library
        return path
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
