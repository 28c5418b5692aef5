"""Starting an MPI job from Python: what ``ember train --nproc``, the examples and the tests
use, and ``python -m ember.distributed.launch --nproc N script.py ARGS`` (ember's torchrun).

The job is ``mpirun -n N python ...`` with a few Open MPI settings in the environment (MPICH
ignores them), each only where the caller has not set it already:

* ``OMPI_ALLOW_RUN_AS_ROOT`` / ``..._CONFIRM``: Open MPI refuses to start as root without
  them, and containers and CI machines often run as root.
* ``OMPI_MCA_rmaps_base_oversubscribe``: allow more processes than cores (3 ranks on a
  2-core machine in the tests), and ``OMPI_MCA_hwloc_base_binding_policy=none``: do not pin
  each rank to one core, which on a shared machine can leave a rank waiting on a busy core
  while another is idle.
* ``OMP_NUM_THREADS``: the cores divided among the ranks, so that N ranks with N BLAS
  threads each do not fight over the cores.
"""
import os
import shutil
import subprocess
import sys

from ._mpi import INSTALL_HINT

_OPEN_MPI = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
             "OMPI_MCA_rmaps_base_oversubscribe": "1",
             "OMPI_MCA_hwloc_base_binding_policy": "none"}
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def job_size():
    """The number of processes of the MPI job this process belongs to, as its launcher
    announced it (Open MPI's or MPICH/Hydra's variables), or None outside an MPI job."""
    for var in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        if os.environ.get(var):
            return int(os.environ[var])
    return None


def find_mpirun():
    """The MPI launcher's path, or a RuntimeError that says what to install."""
    for name in ("mpirun", "mpiexec"):
        path = shutil.which(name)
        if path:
            # Open MPI finds its installation from the launcher's own path: /bin/mpirun on a
            # merged-/usr system would point it at "/", so the real file is named
            return os.path.realpath(path)
    raise RuntimeError(f"no MPI launcher (mpirun or mpiexec) on PATH: {INSTALL_HINT}")


def launcher_env(nproc, env=None):
    """``env`` (default: this process's environment) with the settings above added."""
    env = dict(os.environ if env is None else env)
    for key, value in _OPEN_MPI.items():
        env.setdefault(key, value)
    if not any(env.get(v) for v in _THREAD_VARS):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
        env["OMP_NUM_THREADS"] = str(max(1, cores // nproc))
    return env


def mpirun_command(nproc, argv):
    """``mpirun -n nproc ARGV...``."""
    if not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"nproc must be a positive integer, got {nproc!r}")
    return [find_mpirun(), "-n", str(nproc)] + [str(a) for a in argv]


def run(nproc, argv, env=None, **kwargs):
    """Run ``argv`` as an MPI job of ``nproc`` processes (``subprocess.run``'s keywords
    pass through); returns the CompletedProcess."""
    return subprocess.run(mpirun_command(nproc, argv), env=launcher_env(nproc, env), **kwargs)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m ember.distributed.launch",
        description="Run a Python script as an MPI job (mpirun -n N python SCRIPT ARGS).")
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", type=int,
                        default=2, help="number of processes (default: 2)")
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    a = parser.parse_args(argv)
    try:
        return run(a.nproc, [sys.executable, a.script] + a.args).returncode
    except (RuntimeError, ValueError) as e:
        print(f"ember.distributed.launch: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
