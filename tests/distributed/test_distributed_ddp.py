"""DistributedDataParallel and DistributedSampler in a real 2-process MPI job (the claims
are listed in _job_ddp.py: LeNet-BN trained by DDP equals, bit for bit, one process doing
DDP's arithmetic; LeNet without batch norm equals one process on the global batch up to
rounding; no_sync, shared and unused parameters; the sampler covers the data set)."""
from _mpijob import assert_passed, run_job


def test_ddp_training_equals_one_process_and_its_options():
    proc = run_job(2, "ddp")
    assert_passed(proc, 2)
    assert "bit for bit" in proc.stdout
