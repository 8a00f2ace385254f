"""Utilities for training: gradient clipping and flattening parameters to one vector.

* :func:`clip_grad_norm_`, :func:`clip_grad_value_` (:mod:`.clip_grad`);
* :func:`parameters_to_vector`, :func:`vector_to_parameters` (:mod:`.convert_parameters`).
"""

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]
