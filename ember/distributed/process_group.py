"""The default process group: one MPI communicator, and the calls that create it, describe
it and take it down (``init_process_group``, ``get_rank``, ``get_world_size``,
``destroy_process_group``), with ``torch.distributed``'s names, defaults and errors.

The rendezvous is MPI's: the launcher (``mpirun -n N python script.py``, or ``ember train
--nproc N``) starts the processes and tells each its rank, so there is no address to meet at.
PyTorch's ``env://`` variables are mapped onto MPI rather than obeyed: ``RANK`` and
``WORLD_SIZE``, when set, must agree with what MPI says (a job started by ``torchrun``
instead of an MPI launcher is told so), and after initialization ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` and ``LOCAL_WORLD_SIZE`` are set for code that reads them.

With more than one process, an exception that nobody catches on any rank ends the whole job
through ``MPI_Abort`` (after its traceback is printed): the other ranks, blocked in a
collective the failed rank will never join, would otherwise wait forever.
"""
import datetime
import os
import sys

from . import _mpi

default_pg_timeout = datetime.timedelta(minutes=30)

NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")


class Backend(str):
    """The backend names of ``torch.distributed.Backend``; ember has only ``mpi``."""
    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"

    def __new__(cls, name):
        return str.__new__(cls, str(name).lower())


class ProcessGroup:
    """The processes of the job and their communicator: a duplicate of ``MPI_COMM_WORLD``,
    so that ember's messages never meet the user's own mpi4py traffic."""

    def __init__(self, MPI, comm, timeout):
        self.MPI = MPI
        self.comm = comm
        self.timeout = timeout
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()

    def rank(self):
        return self._rank

    def size(self):
        return self._size

    def name(self):
        return Backend.MPI

    def __repr__(self):
        return f"ProcessGroup(backend='mpi', rank={self._rank}, size={self._size})"


class group:
    """``dist.group.WORLD``: the default group once initialized (ember has no other)."""
    WORLD = None


GroupMember = group
_state = {"group": None, "excepthook": None, "MPI": None}


def is_available():
    """ember.distributed is always importable; whether MPI is there: ``is_mpi_available``."""
    return True


def is_mpi_available():
    return _mpi.available()


def is_initialized():
    return _state["group"] is not None


def default_group(group=None):
    """The process group a call works on: the default one (ember has no other)."""
    pg = _state["group"]
    if pg is None:
        raise ValueError(NOT_INITIALIZED)
    if group is not None and group is not pg:
        raise ValueError("ember.distributed has only the default process group (new_group is "
                         f"not supported); got group={group!r}")
    return pg


def get_rank(group=None):
    return default_group(group).rank()


def get_world_size(group=None):
    return default_group(group).size()


def get_backend(group=None):
    default_group(group)
    return Backend.MPI


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job's processes into the default process group over MPI.

    ``backend`` is ``"mpi"`` (or None). Rank and world size come from the MPI launcher;
    ``rank``/``world_size`` (or the ``RANK``/``WORLD_SIZE`` variables of ``env://``), when
    given, are checked against them. ``timeout`` (a ``datetime.timedelta``, 30 minutes by
    default) bounds how long a collective waits for the other ranks.
    """
    if _state["group"] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None and Backend(backend) != Backend.MPI:
        raise ValueError(f"ember.distributed runs over MPI: backend must be 'mpi' (or None), "
                         f"got {backend!r}")
    if init_method not in (None, "env://"):
        raise ValueError(f"ember.distributed meets its processes through the MPI launcher: "
                         f"init_method must be None or 'env://', got {init_method!r}")
    if store is not None:
        raise ValueError("ember.distributed meets its processes through the MPI launcher and "
                         "takes no store")
    if timeout is None:
        timeout = default_pg_timeout
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(
            f"Expected timeout argument to be of type datetime.timedelta, got {timeout}")
    MPI = _mpi.load()
    world = MPI.COMM_WORLD
    if world.Get_size() > 1 and sys.excepthook is not _abort_on_uncaught:
        # from here on, before any check can fail on one rank alone
        _state["excepthook"], _state["MPI"] = sys.excepthook, MPI
        sys.excepthook = _abort_on_uncaught
    _check_launch(world.Get_rank(), world.Get_size(), rank, world_size)
    pg = ProcessGroup(MPI, world.Dup(), timeout)
    node = pg.comm.Split_type(MPI.COMM_TYPE_SHARED)  # the processes on this machine
    local_rank, local_size = node.Get_rank(), node.Get_size()
    node.Free()
    for name, value in (("RANK", pg.rank()), ("WORLD_SIZE", pg.size()),
                        ("LOCAL_RANK", local_rank), ("LOCAL_WORLD_SIZE", local_size)):
        os.environ.setdefault(name, str(value))
    _state["group"] = GroupMember.WORLD = pg


def _check_launch(mpi_rank, mpi_size, rank, world_size):
    """What the caller (or the env:// variables) expect must be what MPI says."""
    wanted_size = world_size if world_size != -1 else os.environ.get("WORLD_SIZE")
    wanted_rank = rank if rank != -1 else os.environ.get("RANK")
    if wanted_size is not None and int(wanted_size) != mpi_size:
        if mpi_size == 1:
            raise RuntimeError(
                f"world_size is {int(wanted_size)} but this process was not started by an MPI "
                f"launcher: ember.distributed runs over MPI, so start the job with `mpirun -n "
                f"{int(wanted_size)} python SCRIPT` (not torchrun; MASTER_ADDR and MASTER_PORT "
                "are not used)")
        raise RuntimeError(f"world_size is {int(wanted_size)} but the MPI launcher started "
                           f"{mpi_size} processes")
    if wanted_rank is not None and int(wanted_rank) != mpi_rank:
        raise RuntimeError(f"rank is {int(wanted_rank)} but MPI gave this process rank "
                           f"{mpi_rank} of {mpi_size}; let the MPI launcher number the ranks")


def _abort_on_uncaught(exc_type, exc, tb):
    """Print the traceback, then end every rank of the job (fail fast, never hang)."""
    previous = _state["excepthook"] or sys.__excepthook__
    previous(exc_type, exc, tb)
    world = _state["MPI"].COMM_WORLD
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed stream must not stop the abort
            pass
    sys.stderr.write(f"ember.distributed: rank {world.Get_rank()} failed with "
                     f"{exc_type.__name__}; aborting the job\n")
    sys.stderr.flush()
    world.Abort(1)


def destroy_process_group(group=None):
    """Leave the default process group (MPI itself stays initialized until the process ends,
    so ``init_process_group`` may be called again)."""
    pg = _state["group"]
    if pg is None:
        raise AssertionError("Process group cannot be None")
    default_group(group)
    pg.comm.Free()
    _state["group"] = GroupMember.WORLD = None
    if sys.excepthook is _abort_on_uncaught:
        sys.excepthook = _state["excepthook"] or sys.__excepthook__
    _state["excepthook"] = None
