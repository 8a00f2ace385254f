"""The layers of ``tensorlite.nn``."""

from .activation import GELU, LeakyReLU, ReLU, Sigmoid, Tanh
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .linear import Identity, Linear
from .module import Module
from .normalization import LayerNorm
from .sparse import Embedding

__all__ = ["Module", "Sequential", "Identity", "Linear", "Conv2d", "Embedding", "LayerNorm",
           "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "GELU", "Dropout"]
