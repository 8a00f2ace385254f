"""Utilities for training and for modules.

* :func:`clip_grad_norm_`, :func:`clip_grad_value_` (:mod:`.clip_grad`);
* :func:`parameters_to_vector`, :func:`vector_to_parameters` (:mod:`.convert_parameters`);
* :func:`materialize` — deferred initialization, DESIGN §12 (:mod:`.materialize`).
"""

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .materialize import materialize

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "materialize"]
