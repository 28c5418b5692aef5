"""ember.distributed without an MPI job: importing it needs nothing, a missing mpi4py is
explained, calls before init_process_group fail as PyTorch's do, and a plain `python
script.py` is a job of one process."""
import subprocess
import sys

import pytest

import ember
import ember.distributed as dist
from ember import nn
from ember.nn.parallel import DistributedDataParallel
from ember.utils.data import DistributedSampler

from _mpijob import env, need_mpi


def _python(code, **extra):
    return subprocess.run([sys.executable, "-c", code], env=env(**extra), capture_output=True,
                          text=True, timeout=60)


def test_import_without_mpi4py_and_what_init_says():
    # mpi4py made unimportable in a fresh interpreter: the package imports, init explains
    proc = _python(
        "import sys; sys.modules['mpi4py'] = None\n"
        "import ember.distributed as dist\n"
        "assert not dist.is_mpi_available()\n"
        "try:\n"
        "    dist.init_process_group('mpi')\n"
        "except RuntimeError as e:\n"
        "    print(e)\n")
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'ember[distributed]'" in proc.stdout
    assert "openmpi-bin libopenmpi-dev" in proc.stdout


def test_calls_before_init_fail_as_in_pytorch():
    assert not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.all_reduce(ember.ones(2)),
                 lambda: DistributedDataParallel(nn.Linear(2, 2)),
                 lambda: DistributedSampler(range(10))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()
    with pytest.raises(ValueError, match="backend must be 'mpi'"):
        dist.init_process_group("nccl")
    with pytest.raises(TypeError, match="datetime.timedelta"):
        dist.init_process_group("mpi", timeout=30)
    assert dist.ReduceOp.SUM is not dist.ReduceOp.AVG and dist.is_available()


def test_one_process_without_a_launcher():
    need_mpi()
    code = ("import ember, ember.distributed as dist\n"
            "from ember import nn\n"
            "from ember.nn.parallel import DistributedDataParallel as DDP\n"
            "dist.init_process_group('mpi')\n"
            "t = ember.ones(3); dist.all_reduce(t, dist.ReduceOp.AVG)\n"
            "net = DDP(nn.Linear(2, 1)); net(ember.ones(4, 2)).sum().backward()\n"
            "print(dist.get_rank(), dist.get_world_size(), t.tolist(),\n"
            "      net.module.weight.grad.tolist(), sorted(net.state_dict()))\n"
            "dist.destroy_process_group()\n")
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ("0 1 [1.0, 1.0, 1.0] [[4.0, 4.0]] "
                                   "['module.bias', 'module.weight']")
    # torchrun's variables without an MPI launcher: told how to start the job
    proc = _python("import ember.distributed as dist; dist.init_process_group('mpi')",
                   WORLD_SIZE="2", RANK="1")
    assert proc.returncode != 0
    assert "not started by an MPI launcher" in proc.stderr and "mpirun -n 2" in proc.stderr


def test_the_launcher_module_runs_a_script_as_an_mpi_job(tmp_path):
    need_mpi()
    script = tmp_path / "hello.py"
    # one write per line: print() writes its pieces one by one when stdout is unbuffered
    # (PYTHONUNBUFFERED), and the two ranks' pieces may then interleave
    script.write_text("import sys\n"
                      "import ember.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "sys.stdout.write(f'hello from {dist.get_rank()} of "
                      "{dist.get_world_size()}\\n')\n")
    proc = subprocess.run([sys.executable, "-m", "ember.distributed.launch", "--nproc", "2",
                           str(script)], env=env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split("\n")[:2]) == ["hello from 0 of 2", "hello from 1 of 2"]
