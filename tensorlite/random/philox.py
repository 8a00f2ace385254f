"""The random stream: Philox4x32-10 words, and nothing else.

Word ``j`` of the stream for a 64-bit ``seed`` is (DESIGN §4.1)::

    W(seed, j) = Philox4x32-10(counter = j // 4, key = seed)[j % 4]

with the 128-bit counter as four little-endian 32-bit words
``(j//4 mod 2**32, (j//4) >> 32, 0, 0)`` and the key
``(seed mod 2**32, seed >> 32)``. This is the sequence cuRAND's
``curand()`` returns after ``curand_init(seed, 0, j, &state)`` with
``curandStatePhilox4_32_10_t``, so CPU and GPU draw the same words.

Three functions give words:

- :func:`philox4x32_10` / :func:`reference_words` — readable pure NumPy,
  the definition the tests trust;
- :func:`words` — the same words at C speed: from a small C library built on first
  use (:mod:`tensorlite.random._native`, ~0.8 ns a word with AVX2), else from
  randomgen's ``Philox`` (~4-6 ns a word);
- :func:`run_words` / :class:`RunReader` — many equal-length runs of words at once
  (the rows of a column block of a larger array), at C speed;
- :func:`buffered` — a few words for a small call, from a run of words this
  thread drew ahead (with room for values made from the whole run at once).

Turning words into values is :mod:`tensorlite.random.distributions`' job.
"""

import bisect
import threading

import numpy as np
from randomgen import Philox

from . import _native

__all__ = ["philox4x32_10", "reference_words", "words", "run_words", "RunReader", "buffered"]

# Random123's constants: round multipliers and the Weyl key increments
# (the golden ratio and sqrt(3) - 1, scaled to 32 bits).
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = 0x9E3779B9
_W1 = 0xBB67AE85
_ROUNDS = 10

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)


def philox4x32_10(counter, key):
    """Apply the Philox4x32-10 block function (Salmon et al., 2011).

    Each round multiplies two counter words by fixed constants, giving 64-bit
    products ``hi:lo``, and mixes them with the other words and the key::

        (c0, c1, c2, c3) <- (hi(M1*c2) ^ c1 ^ k0, lo(M1*c2),
                             hi(M0*c0) ^ c3 ^ k1, lo(M0*c0))
        (k0, k1)         <- (k0 + 0x9E3779B9, k1 + 0xBB67AE85)  mod 2**32

    Ten rounds; the key is bumped between rounds.

    Args:
        counter: ``uint32`` array of shape ``(..., 4)``, words ``c0..c3``
            (``c0`` least significant).
        key: two 32-bit integers ``(k0, k1)``.

    Returns:
        ``uint32`` array of shape ``(..., 4)``.

    Example:
        >>> out = philox4x32_10(np.zeros(4, np.uint32), (0, 0))
        >>> [hex(int(w)) for w in out]
        ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    c = np.asarray(counter, dtype=np.uint32)
    if c.shape[-1:] != (4,):
        raise ValueError(f"philox4x32_10: counter must have shape (..., 4), got {c.shape}")
    # Work in uint64 so that each 32x32-bit product is exact.
    c0, c1, c2, c3 = (c[..., i].astype(np.uint64) for i in range(4))
    k0, k1 = int(key[0]) & 0xFFFFFFFF, int(key[1]) & 0xFFFFFFFF
    for _ in range(_ROUNDS):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (
            (p1 >> _SHIFT32) ^ c1 ^ np.uint64(k0),
            p1 & _MASK32,
            (p0 >> _SHIFT32) ^ c3 ^ np.uint64(k1),
            p0 & _MASK32,
        )
        k0 = (k0 + _W0) & 0xFFFFFFFF
        k1 = (k1 + _W1) & 0xFFFFFFFF
    return np.stack([c0, c1, c2, c3], axis=-1).astype(np.uint32)


def _check(seed, start, count):
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    if start < 0 or count < 0:
        raise ValueError(f"start and count must be non-negative, got {start}, {count}")
    if start + count > 2**130:
        raise ValueError(f"word index {start + count} is past the end of the stream (2**130)")


def reference_words(seed, start, count):
    """Return words ``W(seed, start) … W(seed, start + count - 1)`` (pure NumPy).

    The readable definition of the stream; about 20x slower than :func:`words`.

    Example:
        >>> [hex(int(w)) for w in reference_words(0, 0, 4)]
        ['0x6627e8d5', '0xe169c58d', '0xbc57ac4c', '0x9b00dbd8']
    """
    seed, start, count = int(seed), int(start), int(count)
    _check(seed, start, count)
    # Block counters j // 4 can exceed 64 bits (the counter is 128 bits), so
    # split Python ints into the four little-endian 32-bit counter words.
    blocks = np.arange(start // 4, (start + count + 3) // 4, dtype=object)
    counters = np.stack(
        [((blocks >> (32 * i)) & 0xFFFFFFFF).astype(np.uint32) for i in range(4)], axis=-1
    ).reshape(-1, 4)
    block_words = philox4x32_10(counters, (seed & 0xFFFFFFFF, seed >> 32)).reshape(-1)
    skip = start % 4
    return block_words[skip : skip + count]


def words(seed, start, count, out=None):
    """Return words ``W(seed, start) … W(seed, start + count - 1)`` at C speed.

    Draws of ``NATIVE_WORDS`` or more words, and draws on a seed this thread keeps no
    randomgen stream for, come from the native library
    (:mod:`tensorlite.random._native`) where it is available. Otherwise this uses
    randomgen's ``Philox(number=4, width=32)``, which increments its
    128-bit counter *before* each block: positioned with counter
    ``(start // 4 - 1) mod 2**128`` its first block is block ``start // 4``,
    and the first ``start % 4`` words of that block are discarded.
    randomgen takes the key ``seed`` as the two 32-bit words
    ``(seed mod 2**32, seed >> 32)``, exactly the key of DESIGN §4.1.

    Positioning is the expensive part of a small draw (profiled on ``rand(3, 4)``:
    creating a ``Philox`` costs ~80 µs, setting the state of an existing one
    ~8 µs, drawing a dozen words ~1 µs), so each thread keeps one positioned bit
    generator per recent seed (:class:`_Stream`). A call that starts at or a little
    after where the previous call on its seed stopped -- small draws in a row, the
    common case: the generator's offset rounds each call up to whole blocks --
    draws the gap and its words in one go and drops the gap; any other start
    re-positions a kept bit generator through its ``state``, never creating one
    after the first few.

    Args:
        seed: integer in ``[0, 2**64)``.
        start: index of the first word, ``>= 0``.
        count: number of words.
        out: optional ``uint32`` array of ``count`` elements to write into
            (randomgen cannot write into a caller's buffer, so this copies).

    Returns:
        ``uint32`` array of ``count`` words (``out`` if given).

    Example:
        >>> bool((words(7, 5, 10) == reference_words(7, 5, 10)).all())
        True
    """
    seed, start, count = int(seed), int(start), int(count)
    if not (0 <= seed < 2**64 and start >= 0 and count >= 0 and start + count <= 2**130):
        _check(seed, start, count)  # raises the precise error
    streams = getattr(_local, "streams", None)
    stream = None if streams is None else streams.get(seed)  # _stream(), inlined: speed
    lib = None
    if (count >= NATIVE_WORDS or stream is None) and start + count <= _native.END:
        lib = _native.library()
    if lib is not None:
        if out is not None and out.dtype == np.uint32 and out.flags.c_contiguous \
                and out.size == count:  # the C code writes exactly count words
            return _native.fill(lib, seed, start, count, out)
        drawn = _native.fill(lib, seed, start, count, np.empty(count, np.uint32))
    else:
        drawn = _stream_words(stream or _stream(seed), start, count)
    if out is None:
        return drawn
    out[...] = drawn
    return out


def _stream_words(stream, start, count):
    """The words from ``start`` drawn by this thread's kept randomgen ``stream``."""
    gap = start - stream.position
    if not 0 <= gap <= _SKIP_WORDS:
        stream.move_to(start)
        gap = start % 4
    stream.position = _UNKNOWN  # should drawing fail half-way
    drawn = _draw(stream.bit_gen, stream.generator, gap + count)
    stream.position = start + count
    return drawn[gap:] if gap else drawn


# The native library serves every draw of at least this many words, and shorter ones
# on a seed this thread keeps no randomgen stream for (creating one costs ~80 us).
# Measured (shared 2-core machine, noisy, best of 7x20000 calls): a native call costs
# ~3.5-4 us of ctypes and NumPy overhead up to a few hundred words, a short randomgen
# draw that continues its kept stream ~2.7-2.9 us up to 64 words, ~4 us at 128 and
# ~5.5-5.8 us at 256 (native 3.5 us), 7.5 us at 1024 (native 5.5). So short draws in a
# row stay on the kept stream.
NATIVE_WORDS = 256


class _Stream:
    """One thread's randomgen bit generator for one seed, and the index of the next
    word it yields (``_UNKNOWN``: re-position before use)."""

    __slots__ = ("seed", "bit_gen", "generator", "position")

    def __init__(self, seed):
        self.seed = seed
        self.bit_gen = Philox(number=4, width=32, key=seed, counter=2**128 - 1)
        self.generator = np.random.Generator(self.bit_gen)
        self.position = 0  # counter 2**128 - 1 wraps to block 0

    def move_to(self, start):
        """Position at the block of word ``start`` (its first ``start % 4`` words are
        then still to be discarded by the caller)."""
        block = (start // 4 - 1) % 2**128  # randomgen increments before generating
        state = dict(_STATE)
        state["state"] = {
            "counter": np.array([(block >> s) & 0xFFFFFFFF for s in (0, 32, 64, 96)], np.uint32),
            "key": np.array([self.seed & 0xFFFFFFFF, self.seed >> 32], np.uint32)}
        self.bit_gen.state = state
        self.position = start - start % 4

    def reseed(self, seed):
        self.seed, self.position = seed, _UNKNOWN


# A state dict for Philox(number=4, width=32) with an empty buffer: the next word
# comes from block counter + 1 (randomgen's public ``state`` format).
_STATE = dict(Philox(number=4, width=32, key=0).state, buffer=np.zeros(4, np.uint32),
              buffer_pos=4, has_uint32=0, uinteger=0)
_UNKNOWN = 2**131  # a position past every start: the next call re-positions
_STREAMS_PER_THREAD = 4  # generators used in turn (data, dropout, ...) each keep theirs
_local = threading.local()


def _stream(seed):
    """This thread's :class:`_Stream` for ``seed`` (the oldest kept one re-seeded when
    there are already ``_STREAMS_PER_THREAD``)."""
    streams = getattr(_local, "streams", None)
    if streams is None:
        streams = _local.streams = {}
    stream = streams.get(seed)
    if stream is None:
        if len(streams) < _STREAMS_PER_THREAD:
            stream = _Stream(seed)
        else:
            stream = streams.pop(next(iter(streams)))
            stream.reseed(seed)
        streams[seed] = stream
    return stream


# ---- words drawn ahead for small calls ------------------------------------------------
# Speed (profiled on rand(3, 4)): drawing a dozen words through words() costs ~2 µs of
# calls, and turning them into values several NumPy calls of ~0.5-1 µs each, for a call
# PyTorch makes in ~2.5 µs. Small calls in a row use consecutive words (each call's
# offset rounds up to whole blocks), so a thread draws a run of words ahead once and
# serves the next small calls by slicing it; values made from the whole run (the
# float32 uniforms, the standard normals) are kept with it, so a small rand() is one
# slice copy. W(seed, j) never changes, so a run keyed by seed and position is always
# right, whatever happened to the generators meanwhile (manual_seed, set_state, other
# threads): a draw outside the run simply draws a new one.
# The longest run kept (runs grow to it): 128 KiB of words. Each refill costs ~20 µs of
# Python and NumPy call overhead besides the per-word work; randn(32, 64) takes 2048
# words a call, and 2**15 words (16 calls a refill) measured ~1.3x faster per call than
# 2**14, while 2**16 gained little more.
BUFFER_WORDS = 2**15
SMALL_WORDS = 2**12  # the longest draw served from a run (longer ones use words())
_FIRST_WORDS = 256  # a new seed's first run: a seed used once costs little extra
_BUFFERS_PER_THREAD = 4  # seeds used in turn (data, dropout, ...) each keep theirs


class Buffer:
    """A run of one seed's words kept by one thread: ``words[i]`` is
    ``W(seed, start + i)``. ``values`` holds what callers made from the whole run
    (keyed by them; :mod:`tensorlite._backends._cpu_random` keeps the float32 uniforms
    and normals), dropped with the run; ``spare`` the previous run's, whose memory
    callers may reuse for this run's values."""

    __slots__ = ("seed", "start", "end", "words", "values", "spare")

    def __init__(self, seed, start, words, spare=None):
        self.seed, self.start, self.words = seed, start, words
        self.end = start + words.shape[0]
        self.values = {}
        self.spare = {} if spare is None else spare


def buffered(seed, start, count):
    """A run of words holding ``W(seed, start) … W(seed, start + count - 1)``.

    Returns ``(buffer, i)``: the words are ``buffer.words[i:i + count]`` (read them;
    do not write: later calls slice the same run; do not keep them: the seed's next run
    reuses the memory). The run is this thread's for
    ``seed`` when it covers the words, else a new one drawn from ``start``: twice as
    long as the one it replaces when the draws move forward (the common case), up to
    ``BUFFER_WORDS``; short for a seed seen first. ``count`` is at most
    ``SMALL_WORDS``; ``seed`` and ``start`` are a generator's state (valid, and
    ``start`` a multiple of 4: then so is every run's start, and ``i``).

    Example:
        >>> buf, i = buffered(7, 8, 5)
        >>> bool((buf.words[i:i + 5] == reference_words(7, 8, 5)).all())
        True
    """
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    buf = buffers.get(seed)
    if buf is not None and buf.start <= start and start + count <= buf.end:
        return buf, start - buf.start
    if buf is not None and start >= buf.start:  # moving forward: a longer run
        size = min(2 * buf.words.shape[0], BUFFER_WORDS)
    else:
        size = _FIRST_WORDS
        if buf is None and len(buffers) >= _BUFFERS_PER_THREAD:
            del buffers[next(iter(buffers))]  # the seed that came first goes
    size = max(size, count + -count % 4)
    old = buffers.pop(seed, None)  # (re)inserted last: the seed first in line is the oldest
    if old is not None and old.words.shape[0] == size:
        # The next run of a seed at full size reuses the last one's memory, values too
        # (spare): measured (randn(32, 64), 2**15 words a run), fresh 128 KiB arrays
        # cost ~50-80 us each in page faults, as much as drawing the words.
        buf = Buffer(seed, start, words(seed, start, size, out=old.words),
                     {**old.spare, **old.values})
    else:
        buf = Buffer(seed, start, words(seed, start, size))
    buffers[seed] = buf
    return buf, 0


# Below this gap (in words) run_words draws through a gap rather than jump over it:
# randomgen's advance() costs about as much as drawing ~1000 words.
_SKIP_WORDS = 1024
# At most this many words are drawn at once (scratch stays a few MiB).
_SPAN_WORDS = 2**20


def run_words(seed, starts, count):
    """Return ``W(seed, s) … W(seed, s + count - 1)`` for each ``s`` in ``starts``.

    ``starts`` are ascending word indices (a NumPy integer array or a list; runs
    may overlap); the result is a ``uint32`` array of shape
    ``(len(starts), count)`` equal to ``[words(seed, s, count) for s in starts]``.
    One :class:`RunReader` walks the runs in order.

    Example:
        >>> w = run_words(7, [3, 20, 41], 5)
        >>> bool((w[2] == reference_words(7, 41, 5)).all())
        True
    """
    starts = np.asarray(starts, dtype=np.int64).reshape(-1)
    if starts.shape[0] == 0 or int(count) == 0:
        return np.empty((starts.shape[0], int(count)), np.uint32)
    return RunReader(seed, int(starts[0])).read(starts, count)


class RunReader:
    """Runs of words at ascending positions, read in turn by one randomgen generator:
    the rows of a column block of a larger array, group after group. (Where the
    native library is available, each read is one call of it instead, whatever the
    gaps: what follows is the fallback.)

    It draws straight through gaps shorter than about a thousand words (keeping
    only the runs) and jumps over longer ones with ``advance`` (a few microseconds,
    the cost of ~1000 words), so a narrow column block of a wide array costs a few
    microseconds per row on top of its own words. Reads go forward: one that starts
    before the previous one stopped (overlapping runs) costs a new bit generator.

    Example:
        >>> reader = RunReader(7, 3)
        >>> a = reader.read([3, 20], 5)
        >>> b = reader.read([41], 5)
        >>> bool((b[0] == reference_words(7, 41, 5)).all())
        True
    """

    def __init__(self, seed, first):
        seed, first = int(seed), int(first)
        _check(seed, first, 0)
        self.seed = seed
        self.bit_gen = None  # made on the first randomgen read (~80 us): native needs none
        self.position = first

    def _restart(self, start):
        """A new bit generator at the block of word ``start``."""
        self.bit_gen = Philox(number=4, width=32, key=self.seed,
                              counter=(start // 4 - 1) % 2**128)
        self.generator = np.random.Generator(self.bit_gen)
        self.position = start - start % 4  # the next word bit_gen yields

    def _seek(self, start):
        """Make ``start`` the next word ``bit_gen`` yields."""
        if self.bit_gen is None or start < self.position:
            # the first randomgen read, or runs overlapping the previous read's (rare)
            self._restart(start)
        gap = start - self.position
        if gap > _SKIP_WORDS:
            self.bit_gen.advance(gap)  # counts words (random_raw draws), buffer included
        elif gap > 0:
            _draw(self.bit_gen, self.generator, gap)  # discarded
        self.position = start

    def _native(self, starts, count, out, dtype):
        """The native library when it can serve these runs into ``out``, else ``None``.
        One call fills every row: no per-row repositioning (randomgen's ``advance``
        costs ~4 us a row)."""
        if not (out.flags.c_contiguous and out.dtype == dtype
                and out.shape == (starts.shape[0], count)
                and int(starts.max()) + count <= _native.END):
            return None
        return _native.library()

    def read(self, starts, count, out=None):
        """Words ``W(s) … W(s + count - 1)`` for each ``s`` in ``starts`` (ascending),
        as a ``(len(starts), count)`` ``uint32`` array (``out`` if given: C-contiguous)."""
        count = int(count)
        starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        runs = starts.shape[0]
        out = np.empty((runs, count), np.uint32) if out is None else out
        if runs == 0 or count == 0:
            return out
        first, last = int(starts[0]), int(starts[-1])
        _check(self.seed, first, last - first + count)
        if runs > 1 and not bool((np.diff(starts) >= 0).all()):
            raise ValueError("run_words: starts must be ascending")
        lib = self._native(starts, count, out, np.uint32)
        if lib is not None:
            return _native.fill_runs(lib, self.seed, starts.astype(np.uint64), count, out)
        # Runs r..j-1 share one draw when every gap between them is short and the
        # whole stretch is bounded; the group boundaries come from one vectorized pass.
        gaps = starts[1:] - starts[:-1] - count
        cut = np.flatnonzero(gaps > _SKIP_WORDS) + 1
        bounds = [0] + cut.tolist() + [runs]
        starts_list = starts.tolist()
        for a, b in zip(bounds[:-1], bounds[1:]):
            while a < b:
                lo = starts_list[a]
                self._seek(lo)
                if b - a == 1:  # a lone run (a gap on either side): draw it alone
                    # random_raw's uint64 words, cast as they are stored: integers()'s call
                    # cost (~15 us) would dominate a narrow column block's rows
                    out[a] = self.bit_gen.random_raw(count)
                    self.position, a = lo + count, a + 1
                    continue
                # as many runs as fit in one bounded draw (at least one)
                j = a + max(1, bisect.bisect_right(
                    starts_list, lo + max(_SPAN_WORDS, count) - count, a, b) - a)
                hi = starts_list[j - 1] + count
                span = _draw(self.bit_gen, self.generator, hi - lo)
                rel = starts[a:j] - lo
                step = int(rel[1]) if j - a > 1 else count
                if bool((rel == step * np.arange(j - a)).all()):
                    # equally spaced rows: a strided view of the span, no index array
                    out[a:j] = np.lib.stride_tricks.as_strided(
                        span, (j - a, count), (step * span.itemsize, span.itemsize))
                else:
                    out[a:j] = span[rel[:, None] + np.arange(count)]
                self.position, a = hi, j
        return out

    def read_unit_float32(self, starts, out):
        """The float32 uniforms ``(W >> 8) * 2**-24`` of DESIGN §4.3 of the runs of words
        at ``starts`` (ascending), written into the rows of ``out``
        (``(len(starts), length)`` float32, C-contiguous) with no word array between:
        NumPy's ``Generator.random(dtype=float32)`` computes exactly this from each
        word."""
        length = out.shape[1]
        starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        if starts.shape[0] and length and int(starts.min()) >= 0:  # else: errors below
            lib = self._native(starts, length, out, np.float32)
            if lib is not None:
                return _native.fill_runs_unit_float32(lib, self.seed,
                                                      starts.astype(np.uint64), out)
        for r, start in enumerate(starts.tolist()):
            _check(self.seed, start, length)
            self._seek(start)
            self.generator.random(dtype=np.float32, out=out[r])
            self.position = start + length
        return out


def _draw(bit_gen, generator, count):
    """The next ``count`` words. ``random_raw`` (one word per uint64) has the lower
    call cost, ``integers(..., uint32)`` the lower cost per word; both read the
    same bit generator in order."""
    if count <= 4096:
        return bit_gen.random_raw(count).astype(np.uint32)
    return generator.integers(0, 2**32, size=count, dtype=np.uint32)
