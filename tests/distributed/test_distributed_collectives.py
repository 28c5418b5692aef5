"""ember.distributed in real MPI jobs of 2 and 3 processes: every collective against NumPy,
the errors for calls the ranks disagree on, the timeout (see _job_collectives.py)."""
import pytest

from _mpijob import assert_passed, run_job


@pytest.mark.parametrize("nproc", [2, 3])
def test_every_collective_against_numpy(nproc):
    assert_passed(run_job(nproc, "collectives"), nproc)
