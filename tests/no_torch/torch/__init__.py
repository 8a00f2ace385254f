"""Stands in for PyTorch when ``TENSORLITE_HIDE_TORCH=1`` (see tests/conftest.py).

Importing it fails exactly as importing an absent package does, so every test
and every subprocess (examples, notebooks, benchmarks) sees no PyTorch.
"""

raise ModuleNotFoundError("No module named 'torch' (hidden by TENSORLITE_HIDE_TORCH=1)", name="torch")
