"""``ember.nn.parallel``: data-parallel wrappers of a module."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
