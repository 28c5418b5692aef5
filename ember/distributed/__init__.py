"""``ember.distributed``: ``torch.distributed``'s interface over MPI (through mpi4py).

Start a job with an MPI launcher, e.g. ``mpirun -n 2 python train.py`` (or ``ember train
MODEL --nproc 2``), and call ``init_process_group("mpi")`` in each process. Importing this
package needs nothing beyond ember; ``init_process_group`` needs mpi4py and an MPI library
(``pip install 'ember[distributed]'``; on Debian ``apt-get install openmpi-bin
libopenmpi-dev``) and says so when they are missing.
"""
from .collectives import (DistBackendError, DistError, ReduceOp, Work, all_gather,
                          all_gather_into_tensor, all_gather_object, all_reduce, barrier,
                          broadcast, broadcast_object_list, gather, irecv, isend, recv, reduce,
                          reduce_scatter, reduce_scatter_tensor, scatter, send)
from .process_group import (Backend, GroupMember, ProcessGroup, default_pg_timeout,
                            destroy_process_group, get_backend, get_rank, get_world_size, group,
                            init_process_group, is_available, is_initialized, is_mpi_available)

__all__ = ["Backend", "DistBackendError", "DistError", "GroupMember", "ProcessGroup",
           "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object",
           "all_reduce", "barrier", "broadcast", "broadcast_object_list", "default_pg_timeout",
           "destroy_process_group", "gather", "get_backend", "get_rank", "get_world_size",
           "group", "init_process_group", "irecv", "is_available", "is_initialized",
           "is_mpi_available", "isend", "recv", "reduce", "reduce_scatter",
           "reduce_scatter_tensor", "scatter", "send"]
