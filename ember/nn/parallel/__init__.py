"""``ember.nn.parallel``: data-parallel wrappers."""
from .data_parallel import DataParallel

__all__ = ["DataParallel"]
