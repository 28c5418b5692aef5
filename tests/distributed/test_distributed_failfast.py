"""A rank that raises ends the whole job at once with its error (MPI_Abort from the
process group's excepthook); the others never hang in the collective they wait in."""
import pytest

from _mpijob import run_job


@pytest.mark.parametrize("where", ["collective", "backward"])
def test_a_rank_that_raises_fails_the_job_fast(where):
    proc = run_job(2, "fail", where, timeout=60)  # a hang fails the test at 60 s
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "ValueError: rank broke on purpose" in proc.stderr, out
    assert "rank 1 failed with ValueError; aborting the job" in proc.stderr, out
    assert "unreachable" not in proc.stdout, out
