"""Generators: a seed and a word offset into the Philox stream, and the defaults.

A generator's whole state is two unsigned 64-bit integers, ``seed`` and
``offset``. A call that needs ``K`` words takes words ``offset ... offset+K-1``
and advances ``offset`` by ``4 * ceil(K / 4)`` (one Philox block is four words;
keeping offsets block-aligned lets each CUDA thread use a whole block). The
reservation holds a lock, so two threads never receive the same words.

Each device has its own default generator (``cpu``, ``meta`` and one per GPU);
``manual_seed`` resets all of them, so a program run on ``"cpu"`` and again on
``"cuda"`` draws the same numbers.

>>> import tensorlite as tl
>>> g = tl.Generator().manual_seed(7)
>>> g.initial_seed(), g.offset
(7, 0)
>>> _ = tl.rand(3, generator=g); g.offset
4
"""

from __future__ import annotations

import contextlib
import numbers
import os
import threading

import numpy as np

from .. import _device, _validation
from . import philox as _philox

DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so unseeded runs are repeatable
_U64 = 2**64
_BLOCKS = _U64 - 4  # a mask: down to a multiple of 4, modulo 2**64


_check_seed = _validation.seed


class Generator:
    """A Philox4x32-10 stream position: ``(seed, offset)``, usable on any device.

    Args:
        device: the device it is meant for (kept for PyTorch compatibility; the
            state is device-independent, so any device may draw from it).
    """

    def __init__(self, device="cpu"):
        self._device = _device.to_device(device, "Generator")
        self._seed = DEFAULT_SEED
        self._offset = 0
        self._lock = threading.Lock()

    def __getstate__(self):  # pickle and deepcopy: the state, not the lock
        with self._lock:
            return {"device": str(self._device), "seed": self._seed, "offset": self._offset}

    def __setstate__(self, state):
        self.__init__(state["device"])
        self._seed, self._offset = state["seed"], state["offset"]

    def __repr__(self):
        return f"<tensorlite.Generator device={self._device} seed={self._seed} offset={self._offset}>"

    @property
    def device(self):
        return self._device

    @property
    def offset(self):
        """The index of the next unused word of the stream."""
        return self._offset

    def get_offset(self):
        return self._offset

    def set_offset(self, offset):
        """Move to word ``offset`` of the stream (a multiple of 4: one Philox block is
        four words); returns the generator."""
        if isinstance(offset, bool) or not isinstance(offset, (numbers.Integral, np.integer)) \
                or not 0 <= offset < _U64 or offset % 4:
            raise ValueError(f"set_offset(): offset must be a multiple of 4 in [0, 2**64), "
                             f"got {offset!r}")
        with self._lock:
            self._offset = int(offset)
        return self

    def manual_seed(self, seed):
        """Restart the stream of ``seed`` (offset 0); returns the generator."""
        seed = _check_seed(seed, "manual_seed")
        with self._lock:
            self._seed, self._offset = seed, 0
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the new seed."""
        seed = int.from_bytes(os.urandom(8), "little") >> 1  # PyTorch keeps seeds < 2**63
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a 16-element uint8 CPU tensor: seed then offset, little-endian."""
        from .._creation import from_numpy

        raw = np.array([self._seed, self._offset], dtype="<u8")
        return from_numpy(raw.view(np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from ``get_state()``."""
        from .._tensor import Tensor

        if not isinstance(new_state, Tensor) or new_state.dtype.name != "uint8":
            raise TypeError("RNG state must be a tensorlite.ByteTensor (uint8), got "
                            f"{getattr(new_state, 'dtype', type(new_state).__name__)}")
        if not new_state.is_contiguous():
            raise RuntimeError("RNG state must be contiguous")
        if new_state.numel() != 16:
            raise RuntimeError(f"set_state(): expected 16 elements (uint8) from get_state(), "
                               f"got {new_state.numel()}")
        seed, offset = (int(v) for v in new_state.cpu().numpy().reshape(-1).view("<u8"))
        if offset % 4:
            raise RuntimeError(f"set_state(): offset must be a multiple of 4, got {offset}")
        with self._lock:
            self._seed, self._offset = seed, offset
        return self

    def _reserve(self, words):
        """Take ``words`` words; returns ``(seed, first_word)``. Thread-safe."""
        with self._lock:
            start = self._offset
            self._offset = (start + 4 * -(-words // 4)) % _U64
            return self._seed, start

    def _buffered(self, words):
        """Take ``words`` words (at most ``philox.SMALL_WORDS``), as :meth:`_reserve`;
        returns ``(buffer, i)`` with the words at ``buffer.words[i:i + words]`` (from
        this thread's run of words drawn ahead, :func:`~tensorlite.random.philox.buffered`).
        """
        # _reserve inlined, and acquire/release rather than `with` (nothing between them
        # can raise): a small call's time is its Python steps (issue 17, profiled)
        self._lock.acquire()
        start = self._offset
        self._offset = (start + words + 3) & _BLOCKS  # 4 * ceil(words / 4), mod 2**64
        seed = self._seed
        self._lock.release()
        # the common case, philox.buffered's first test inlined (a frame less: speed)
        buf = getattr(_philox._local, "buffers", _NO_RUNS).get(seed)
        if buf is not None and buf.start <= start and start + words <= buf.end:
            return buf, start - buf.start
        return _philox.buffered(seed, start, words)


_NO_RUNS = {}  # a thread that has drawn no small call yet
_defaults = {}
_defaults_lock = threading.Lock()
_last_seed = [DEFAULT_SEED]

default_generator = Generator("cpu")
_defaults[_device.CPU] = default_generator


def default_for(dev):
    """The default generator of a device (created on first use, with the last seed)."""
    key = dev if dev.type != "cpu" else _device.CPU
    gen = _defaults.get(key)
    if gen is None:
        with _defaults_lock:
            gen = _defaults.setdefault(key, Generator(key).manual_seed(_last_seed[0]))
    return gen


def manual_seed(seed):
    """Seed every device's default generator; returns the CPU one.

    >>> import tensorlite as tl
    >>> _ = tl.manual_seed(42); a = tl.randn(3)
    >>> _ = tl.manual_seed(42); bool((a == tl.randn(3)).all())
    True
    """
    seed = _check_seed(seed, "manual_seed")
    with _defaults_lock:
        _last_seed[0] = seed
        gens = list(_defaults.values())
    for gen in gens:
        gen.manual_seed(seed)
    return default_generator


def seed():
    """Seed every default generator from OS entropy; returns the seed."""
    value = default_generator.seed()
    manual_seed(value)
    return value


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def _cuda_generators(devices=None):
    from .. import cuda

    if not cuda.is_available():
        return []
    indices = range(cuda.device_count()) if devices is None else devices
    return [default_for(_device.device("cuda", _device.device(i).index if not isinstance(i, int)
                                       else i)) for i in indices]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True):
    """Save the default generators' states and restore them on exit.

    ``devices`` lists the CUDA devices to save (default: all visible ones); the CPU
    and meta generators are always saved.
    """
    if not enabled:
        yield
        return
    gens = [default_generator, default_for(_device.device("meta"))] + _cuda_generators(devices)
    saved = [(g, g._seed, g._offset) for g in gens]
    last = _last_seed[0]
    try:
        yield
    finally:
        for g, s, o in saved:
            with g._lock:
                g._seed, g._offset = s, o
        _last_seed[0] = last
