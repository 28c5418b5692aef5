"""Running real MPI jobs from the tests: ``mpirun -n N python _job_NAME.py ARGS`` through
``ember.distributed.launch`` (the settings ``ember train --nproc`` uses). The tests skip,
and say why, when mpi4py or an MPI launcher is missing."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def need_mpi():
    """Skip the calling test unless mpi4py loads an MPI library and mpirun is on PATH."""
    from ember.distributed import launch
    try:
        from mpi4py import MPI  # noqa: F401  (loads the MPI library)
    except ImportError as e:
        pytest.skip(f"mpi4py not usable ({e}): pip install 'ember[distributed]'")
    try:
        launch.find_mpirun()
    except RuntimeError as e:
        pytest.skip(str(e))


def env(**extra):
    e = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    e.setdefault("OMP_NUM_THREADS", "1")  # the same thread count in every process
    e.update(extra)
    return e


def run_job(nproc, job, *args, timeout=120):
    """Run ``_job_{job}.py`` as ``nproc`` MPI processes; the CompletedProcess (text)."""
    need_mpi()
    from ember.distributed import launch
    script = os.path.join(HERE, f"_job_{job}.py")
    try:
        return launch.run(nproc, [sys.executable, script] + [str(a) for a in args], env=env(),
                          capture_output=True, text=True, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the MPI job {job} (n={nproc}) hung: killed after {timeout}s\n"
                    f"{e.stdout}\n{e.stderr}")


def assert_passed(proc, nproc):
    """Every rank printed its ``rank R passed`` line and the job exited 0."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for r in range(nproc):
        assert f"rank {r} passed" in proc.stdout, out
