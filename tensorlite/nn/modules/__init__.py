"""The layers of ``tensorlite.nn``."""

from .activation import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .composite import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .lazy import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import Module
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import Embedding
from .transformer import *  # noqa: F401,F403
from .vision import *  # noqa: F401,F403
from . import (activation, batchnorm, composite, container, conv, distance, dropout, lazy,
               linear, loss, normalization, padding, pooling, rnn, transformer, vision)

__all__ = ["Module", "Embedding"] + [
    name for family in (activation, batchnorm, composite, container, conv, distance, dropout,
                        lazy, linear, loss, normalization, padding, pooling, rnn, transformer,
                        vision)
    for name in family.__all__]
