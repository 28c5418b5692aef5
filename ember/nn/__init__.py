"""``ember.nn``: modules, layers, losses, ``functional`` and ``init``, as in ``torch.nn``."""
from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .modules.module import RemovableHandle
from .parallel import DataParallel
from .parameter import Parameter

__all__ = ["Parameter", "DataParallel", "functional", "init", "parallel", "utils",
           "RemovableHandle"] + list(_modules_all)
