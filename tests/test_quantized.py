"""The exact search behind multinomial with replacement (tensorlite.random._quantized)
and the CPU's one-pass weight check (_cpu_random.multinomial_weights).

The reference is the plain definition: quantize, take the full uint64 prefix sums,
``searchsorted(side="right")``. Targets include every block boundary and its
neighbours, so an off-by-one anywhere in the tree shows.
"""

import math
import threading
import time

import numpy as np
import pytest

from tensorlite._backends import _cpu_random
from tensorlite.random import _multinomial_native
from tensorlite.random import _quantized as Q
from tensorlite.random import distributions as D
from tensorlite.random import philox


def reference_first_above(probs2d, target):
    prefix = Q.prefix_sums(np, probs2d)
    return np.stack([np.searchsorted(prefix[r], target[r], side="right")
                     for r in range(len(prefix))]).astype(np.int64)


def boundary_targets(probs2d, extra=40, seed=0):
    """Per row: 0, total - 1, each prefix sum S_c and S_c - 1 (clipped), and random."""
    prefix = Q.prefix_sums(np, probs2d)
    rng = np.random.default_rng(seed)
    rows = []
    for s in prefix:
        total = int(s[-1])
        picks = {0, total - 1}
        for v in s[:: max(1, len(s) // 50)].tolist() + s[-3:].tolist():
            picks.update(x for x in (v - 1, v, v + 1) if 0 <= x < total)
        picks.update(int(x) for x in rng.integers(0, total, extra, dtype=np.uint64))
        rows.append(sorted(picks))
    width = max(len(r) for r in rows)
    return np.array([r + r[-1:] * (width - len(r)) for r in rows], dtype=np.uint64)


def search(probs2d, target, workspace=None):
    shift, ends = Q.index(np, probs2d)
    return Q.first_above(np, probs2d, shift, ends, target, workspace=workspace)


@pytest.mark.parametrize("categories", [1, 3, 15, 16, 17, 255, 256, 257, 4096, 4101, 70_001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_first_above_matches_the_full_prefix_sums(categories, dtype):
    rows = 3 if categories > 10_000 else 5
    probs = np.random.default_rng(categories).random((rows, categories)).astype(dtype)
    probs[1, 1::3] = 0  # zero weights inside blocks
    if categories > 40:
        probs[2, 16:40] = 0  # whole zero blocks
        probs[2, -17:] = 0  # a zero tail
    target = boundary_targets(probs)
    np.testing.assert_array_equal(search(probs, target), reference_first_above(probs, target))


def test_zero_weight_runs_across_tree_levels():
    # Runs of zeros that cover whole blocks and whole groups of 16 blocks: every
    # level has equal ends, which a sample must step over, never land in.
    probs = np.zeros((2, 5000))
    probs[0, [0, 300, 4095, 4999]] = [1.0, 2.0, 0.5, 4.0]
    probs[1, 4096:4100] = 1.0
    target = boundary_targets(probs)
    got = search(probs, target)
    np.testing.assert_array_equal(got, reference_first_above(probs, target))
    assert set(got[0].tolist()) <= {0, 300, 4095, 4999}
    assert set(got[1].tolist()) <= set(range(4096, 4100))


@pytest.mark.parametrize("dtype, tiny", [(np.float32, np.float32(1e-45)), (np.float64, 5e-324),
                                         (np.float32, np.float32(3e-39))])
def test_subnormal_row_maximum_takes_the_ldexp_path(dtype, tiny):
    # 2**(Q - e) overflows the dtype for such rows: quantization must still be exact.
    probs = np.array([[tiny, 0, tiny, tiny], [1.0, 0.25, 0.5, 0.0]], dtype=dtype)
    shift, _ = Q.index(np, probs)
    assert Q._power_of_two(np, shift, probs.dtype) is None
    assert Q.quantize(np, probs).tolist() == reference_quantize(probs)
    target = boundary_targets(probs)
    np.testing.assert_array_equal(search(probs, target), reference_first_above(probs, target))


def reference_quantize(probs2d):
    """DESIGN §4.3 in Python integers: q_c = floor(p_c * 2**(Q - e))."""
    q_bits = 63 - (probs2d.shape[1] - 1).bit_length()  # 63 - ceil(log2 C)
    rows = []
    for row in probs2d.tolist():
        e = math.frexp(max(row))[1]
        rows.append([math.floor(math.ldexp(p, q_bits - e)) for p in row])
    return rows


def test_quantize_is_the_design_formula():
    probs = np.random.default_rng(3).random((4, 37))
    probs[0, 5] = 0
    probs[1, 6] = 2.0**-70  # quantizes to 0
    assert Q.quantize(np, probs).tolist() == reference_quantize(probs)
    assert (Q.quantize(np, probs.astype(np.float32)) ==
            Q.quantize(np, probs.astype(np.float32).astype(np.float64))).all()


def test_a_reused_workspace_gives_the_same_answers():
    ws = Q.Workspace()
    for seed, (rows, categories) in enumerate([(4, 300), (2, 17), (6, 4096), (1, 5)]):
        probs = np.random.default_rng(seed).random((rows, categories))
        target = boundary_targets(probs, seed=seed)
        fresh = search(probs, target)
        assert (search(probs, target, workspace=ws) == fresh).all()
        assert (fresh == reference_first_above(probs, target)).all()


def test_workspace_grows_and_keeps_its_buffers():
    ws = Q.Workspace()
    a = ws.array("x", (4, 4), np.uint64)
    b = ws.array("x", (2, 2), np.int32)  # smaller: same memory
    assert np.shares_memory(a, b)
    c = ws.array("x", (100,), np.float64)  # larger: a new buffer
    assert c.shape == (100,) and not np.shares_memory(a, c)


# ---------------------------------------------------------------------------
# multinomial_weights: the check that comes before any word is drawn


@pytest.mark.parametrize("chunk", [4, 64, _cpu_random.CHUNK])
def test_weights_index_equals_the_one_shot_index(monkeypatch, chunk):
    # the NumPy path's index (the native library quantizes as it samples: no index)
    monkeypatch.setattr(_multinomial_native, "library", lambda: None)
    probs = np.random.default_rng(5).random((37, 50)).astype(np.float32)
    weights = _cpu_random.multinomial_weights(probs, replacement=True, chunk=chunk)
    assert weights.problem is None
    shift, ends = Q.index(np, probs)
    np.testing.assert_array_equal(weights.index[0], shift)
    np.testing.assert_array_equal(weights.index[1], ends)


@pytest.mark.parametrize("bad, problem", [(-1e-30, "values"), (np.nan, "values"),
                                          (np.inf, "values"), (-np.inf, "values")])
@pytest.mark.parametrize("replacement", [True, False])
def test_weights_problems_found_in_any_chunk(bad, problem, replacement):
    for row in (0, 20, 36):  # first, middle and last chunk
        probs = np.random.default_rng(6).random((37, 50))
        probs[row, 7] = bad
        weights = _cpu_random.multinomial_weights(probs, replacement, chunk=64)
        assert weights.problem == problem and weights.index is None


def test_weights_zero_row_is_a_sum_problem_and_negative_zero_is_fine():
    probs = np.random.default_rng(7).random((10, 8))
    probs[4] = 0
    assert _cpu_random.multinomial_weights(probs, True, chunk=16).problem == "sum"
    probs[4] = -0.0
    probs[4, 3] = 1.0
    assert _cpu_random.multinomial_weights(probs, True, chunk=16).problem is None


def test_weights_accept_finite_rows_whose_sum_overflows():
    # float16 weights of 60000 sum past float16's range; each is finite and valid.
    probs = np.full((2, 64), 60000, dtype=np.float16)
    weights = _cpu_random.multinomial_weights(probs, True)
    assert weights.problem is None and weights.probs.dtype == np.float32


def test_run_uses_every_item_once():
    seen = []
    _cpu_random._run(seen.append, range(100))
    assert sorted(seen) == list(range(100))


def test_run_reraises_a_jobs_exception_after_the_others_finish():
    running = []

    def job(item):
        running.append(item)
        time.sleep(0.001)
        running.remove(item)
        if item == 3:
            raise ValueError("item 3")

    with pytest.raises(ValueError, match="item 3"):
        _cpu_random._run(job, range(10))
    assert running == []  # no job was still running when the error came out


def test_run_stops_handing_out_items_when_the_caller_fails():
    started = []
    main = threading.get_ident()

    def job(item):
        started.append(item)
        if threading.get_ident() == main:
            raise KeyboardInterrupt
        time.sleep(0.002)  # a helper's item takes a while

    with pytest.raises(KeyboardInterrupt):
        _cpu_random._run(job, range(1000))
    assert len(started) < 100  # the helpers found the queue emptied


@pytest.mark.parametrize("chunk", [2**10, 2**14, _cpu_random.CHUNK])
def test_threaded_fill_matches_the_definition(chunk):
    # Several tasks in both passes (checking/indexing, then sampling), rows whose
    # last block is partial: the fill must equal the plain definition of DESIGN §4.3.
    rows, categories, n, seed, offset = 300, 1001, 37, 5, 1234
    probs = np.random.default_rng(8).random((rows, categories)).astype(np.float32)
    probs[::7, 100:600] = 0
    got = _cpu_random.fill("multinomial", (rows, n), np.int64, seed, offset, chunk=chunk,
                           probs=probs, num_samples=n, replacement=True)
    words = philox.words(seed, offset, 2 * rows * n)
    pairs = (words[0::2].astype(np.uint64) << np.uint64(32)) | words[1::2]
    prefix = Q.prefix_sums(np, probs)
    target = D._mulhi64(np, pairs.reshape(rows, n), prefix[:, -1:])
    np.testing.assert_array_equal(got, reference_first_above(probs, target))


@pytest.mark.parametrize("scratch", [16, 48, 64, 1000])
@pytest.mark.parametrize("categories", [5, 16, 33, 250])
def test_index_in_pieces_narrower_than_a_row(monkeypatch, scratch, categories):
    # Rows wider than the scratch are quantized a piece of whole blocks at a time.
    monkeypatch.setattr(Q, "_SCRATCH", scratch)
    probs = np.random.default_rng(categories).random((7, categories))
    probs[2, 3:] = 0
    shift, ends = Q.index(np, probs)
    prefix = Q.prefix_sums(np, probs)
    block_ends = [min(c, categories) - 1
                  for c in range(Q.FAN, -(-categories // Q.FAN) * Q.FAN + 1, Q.FAN)]
    np.testing.assert_array_equal(ends, prefix[:, block_ends])
    ws = Q.Workspace()
    Q.index(np, probs, workspace=ws)
    assert ws._buffers["quantized"].size <= max(scratch, Q.FAN) * 8


def test_scratch_kept_per_thread_does_not_grow_with_the_input():
    # 2000 rows of 1001 float64 weights (16 MB), one sample each: what the thread keeps
    # is one quantization piece plus at most ~600 bytes a sample, not the weights.
    probs = np.random.default_rng(9).random((2000, 1001))
    ws = Q.Workspace()
    shift, ends = Q.index(np, probs, workspace=ws)
    target = np.zeros((2000, 1), np.uint64)
    Q.first_above(np, probs, shift, ends, target, workspace=ws)
    kept = sum(buffer.nbytes for buffer in ws._buffers.values())
    assert kept <= Q._SCRATCH * 8 + 600 * target.size


def test_fill_with_invalid_raw_weights_says_so():
    with pytest.raises(ValueError, match="invalid weights"):
        _cpu_random.fill("multinomial", (1, 3), np.int64, 0, 0, probs=np.array([[1.0, -1.0]]),
                         num_samples=3, replacement=True)


def test_run_does_not_wait_for_another_calls_work():
    # One call's jobs hold the pool's threads; a second call finishes its own items on
    # its own thread and must not wait for its helpers queued behind the first call.
    release, second_done = threading.Event(), threading.Event()
    first = threading.Thread(target=_cpu_random._run,
                             args=(lambda item: release.wait(10), range(64)))
    first.start()
    time.sleep(0.05)  # let the first call's helpers take the pool
    second = threading.Thread(target=lambda: (_cpu_random._run(lambda item: None, range(8)),
                                              second_done.set()))
    second.start()
    finished_alone = second_done.wait(5)
    release.set()
    first.join()
    second.join()
    assert finished_alone
