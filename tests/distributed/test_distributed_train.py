"""`ember train MODEL --nproc 2`: the command starts its own MPI job; rank 0 alone prints
and writes the checkpoint; a run resumed with the same number of processes ends with the
uninterrupted run's weights, bit for bit."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

from _mpijob import env, need_mpi

FASHION = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
SMALL = ["--limit", "64", "--batch-size", "32", "--progress", "never"]


def train(*args):
    # EMBER_NUMBA=0: in a run this small, compiling the kernels in every fresh process
    # would take most of the time (the resume is exact on either path)
    return subprocess.run([sys.executable, "-m", "ember", "train"] + list(args),
                          env=env(EMBER_DATA="", EMBER_NUMBA="0"), capture_output=True,
                          text=True, timeout=180)


def test_bad_nproc_settings_fail_before_any_process_starts(tmp_path):
    proc = train("lenet", "--nproc", "2", "--batch-size", "33", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--batch-size 33 is the global batch" in proc.stderr
    proc = train("lenet", "--nproc", "0", "--out", str(tmp_path))
    assert proc.returncode == 2 and "bad --nproc 0" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-c", ("import sys; sys.modules['mpi4py'] = None\n"
                                "from ember.cli import main; sys.exit(main(sys.argv[1:]))"),
         "train", "lenet",
         "--nproc", "2", "--out", str(tmp_path / "x")],
        env=env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "--nproc needs mpi4py" in proc.stderr
    assert "pip install 'ember[distributed]'" in proc.stderr


def test_two_processes_rank_0_writes_and_resume_is_exact(tmp_path):
    need_mpi()
    if not os.path.exists(FASHION):
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    proc = train("lenet_bn", "--nproc", "2", "--epochs", "2", "--out", str(straight), *SMALL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("epoch 2/2") == 1 and "2 processes" in proc.stdout  # one voice
    assert sorted(os.listdir(straight)) == ["checkpoint.ember", "curves.png", "metrics.jsonl"]
    proc = train("lenet_bn", "--nproc", "2", "--epochs", "1", "--out", str(resumed), *SMALL)
    assert proc.returncode == 0, proc.stderr
    proc = train("--resume", str(resumed), "--epochs", "2", "--progress", "never")
    assert proc.returncode == 0, proc.stderr
    assert "resuming after epoch 1" in proc.stdout
    a = ember.load(str(straight / "checkpoint.ember"))
    b = ember.load(str(resumed / "checkpoint.ember"))
    assert list(a["model"]) == list(b["model"]) and not any(
        k.startswith("module.") for k in a["model"])  # loads into a one-process model
    for k in a["model"]:
        assert np.array_equal(a["model"][k].numpy(), b["model"][k].numpy()), k
    assert a["history"][-1]["train_loss"] == b["history"][-1]["train_loss"]
    # a different number of processes cannot continue the run exactly: refused
    proc = train("--resume", str(resumed), "--epochs", "3", "--nproc", "3")
    assert proc.returncode == 2 and "only --epochs" in proc.stderr
