"""Optional compiled kernels: the switch between numba and the plain NumPy path.

numba is an optional dependency (``pip install ember[fast]``). Where it is installed, a few
hot loops that NumPy can only express as several full passes over memory (im2col gathers,
pooling, batch norm, ReLU's backward, the fused optimizer steps) run as one compiled pass
instead. Every such kernel has a pure-NumPy twin that stays the reference: the tests run
both and compare.

The switch, checked at each call so it can be flipped at run time:

- ``EMBER_NUMBA=0`` in the environment turns the kernels off for the whole process;
- ``with ember._numba.disabled():`` turns them off for a block (the tests' comparison).

The kernels live in ``ember/_kernels/``, one module per area, written with
``numba.njit(cache=True)`` and imported only through ``kernels(name)``, so ``import ember``
stays quick. numba compiles each kernel on its first call (one signature per dtype) and
caches it on disk, so only the first run on a machine pays the compile time.
"""
import contextlib
import importlib.util
import os
import threading

_installed = importlib.util.find_spec("numba") is not None
_switched_on = os.environ.get("EMBER_NUMBA", "1") != "0"
_local = threading.local()


def enabled():
    """Whether compiled kernels are to be used for the call being made now."""
    return _installed and _switched_on and not getattr(_local, "off", False)


@contextlib.contextmanager
def disabled():
    """Run the block on the plain NumPy path (in this thread)."""
    before = getattr(_local, "off", False)
    _local.off = True
    try:
        yield
    finally:
        _local.off = before


def kernels(name):
    """The compiled-kernel module ``ember._kernels.<name>``, or None on the NumPy path.

    Kernel modules import numba at their top and are imported here on first use only, so
    ``import ember`` never pays for numba. Call sites read::

        k = _numba.kernels("pool")
        if k is not None:
            return k.max_pool_forward(...)
        ... the NumPy path ...
    """
    if not enabled():
        return None
    return importlib.import_module(f"ember._kernels.{name}")
