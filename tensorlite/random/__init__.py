"""Random numbers: one seed, one tensor, on every device.

tensorlite draws every random value from one counter-based stream. For a
generator with state ``(seed, offset)``, word ``j`` of the stream is

    W(seed, j) = Philox4x32-10(counter = j // 4, key = seed)[j % 4]

(the Random123 function, exactly what cuRAND's ``curand_init(seed, 0, j)``
yields), and each distribution turns words into values element by element
(:mod:`tensorlite.random.distributions`). A call needing ``K`` words takes
words ``offset ... offset+K-1`` and advances ``offset`` by ``4 * ceil(K / 4)``.

What is guaranteed (same seed, same offset, same call, dtype and shape):

* bit-identical results on the CPU and every CUDA device for ``rand``,
  ``uniform_``, ``randint``, ``random_``, ``bernoulli``, ``randperm`` and
  ``multinomial`` with replacement, whatever the GPU model, grid or block size;
* ``randn``/``normal_``/``exponential_`` and the normal-based initializers agree
  within ``tl.testing.assert_close`` tolerances (libm and CUDA's transcendental
  functions differ in the last bits); ``multinomial`` without replacement is
  identical except where two float64 keys tie to the last bit;
* generating any slice of a tensor's flat index range gives exactly that slice
  of the whole tensor, so chunked and sharded generation is exact.

Random operations are deterministic by construction; ``use_deterministic_algorithms``
changes nothing about them.

>>> import tensorlite as tl
>>> _ = tl.manual_seed(0)
>>> tl.rand(4)
tensor([0.3990, 0.8805, 0.7357, 0.6055])
"""

from __future__ import annotations

from .generator import (Generator, default_generator, fork_rng, get_rng_state, initial_seed,
                        manual_seed, seed, set_rng_state)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]
