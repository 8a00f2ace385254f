"""Utilities that mirror ``torch.utils``: ``tl.utils.data`` (datasets and loaders)."""

from . import data  # noqa: F401
