"""``ember.nn.parallel``: data-parallel wrappers of a module."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
