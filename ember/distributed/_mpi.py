"""Where mpi4py comes from, and what to say when it is missing.

Nothing here imports mpi4py at import time: ``import ember.distributed`` must work on a
machine without MPI, and only ``init_process_group`` needs it (then it says what to install).
"""
INSTALL_HINT = ("install it with `pip install 'ember[distributed]'` (mpi4py), and an MPI "
                "library and its launcher, e.g. on Debian/Ubuntu `apt-get install openmpi-bin "
                "libopenmpi-dev`")


def load():
    """mpi4py's ``MPI`` module (initializing MPI on first use), or a RuntimeError that says
    what to install."""
    import os
    # Open MPI's default non-blocking all-reduce (what DistributedDataParallel starts from
    # backward) takes about twice as long as its blocking one on large buffers: measured
    # here on ResNet-18's 45 MB of gradients, 150-220 ms against 65-85 ms. Its
    # reduce-scatter + all-gather algorithm (Rabenseifner's) matches the blocking one.
    # Read by MPI_Init, so it must be in the environment before mpi4py initializes MPI.
    os.environ.setdefault("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3")
    try:
        from mpi4py import MPI
    except ImportError as e:  # no mpi4py, or mpi4py without an MPI library to load
        raise RuntimeError(f"ember.distributed needs MPI through mpi4py, which could not be "
                           f"loaded ({e}): {INSTALL_HINT}") from None
    return MPI


def available():
    """Whether mpi4py can be imported (without initializing MPI)."""
    import importlib.util
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):  # a broken or blocked (sys.modules entry None) mpi4py
        return False

