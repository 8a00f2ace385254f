"""tensorlite's speed and memory measurements (``python -m benchmarks``).

One run compares tensorlite with NumPy and PyTorch's CPU build (and, on a GPU
machine, with CuPy and PyTorch CUDA), interleaving the libraries repetition by
repetition so that a noisy neighbour or a frequency change hits all of them
alike, and reports medians, ratios and the targets from the issues. See
``python -m benchmarks --help``. Nothing here is a test: no test asserts a
wall-clock time (DESIGN §8); ``tests/test_benchmarks_smoke.py`` only checks that
``--quick`` runs.
"""
