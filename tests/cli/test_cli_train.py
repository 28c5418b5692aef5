"""`ember train` on a small slice of the real Fashion-MNIST: outputs, checkpoints, and a
resumed run ending bit-identical to an uninterrupted one after SIGINT or SIGKILL."""
import json
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest

import ember
from _cli import (assert_one_line_error, cli_env, ember_command, run_cli, run_main,
                  skip_without_fashion_mnist)

# Dropout (RNG draws inside each epoch), Adam (0-d `step` state) and a scheduler: every
# piece of state a resumed run must restore.
RUN = ["mlp_dropout", "--limit", "480", "--batch-size", "8", "--epochs", "3",
       "--optimizer", "adam", "--lr", "0.002", "--scheduler", "StepLR", "--sched",
       "step_size=1", "gamma=0.5", "--seed", "7"]


def _load(out):
    return ember.load(os.path.join(out, "checkpoint.ember"))


def _metrics(out):
    with open(os.path.join(out, "metrics.jsonl")) as f:
        rows = [json.loads(line) for line in f]
    for r in rows:  # wall-clock numbers differ between runs by nature
        del r["seconds"], r["samples_per_s"]
    return rows


def _assert_same_run(a, b):
    ca, cb = _load(a), _load(b)
    assert ca["epoch"] == cb["epoch"] == 3
    assert list(ca["model"]) == list(cb["model"])
    for k in ca["model"]:
        x, y = ca["model"][k].numpy(), cb["model"][k].numpy()
        assert x.dtype == y.dtype == np.float32
        assert np.array_equal(x, y), f"{k} differs after resuming"
    sa, sb = ca["optimizer"]["state"], cb["optimizer"]["state"]
    assert sa.keys() == sb.keys()
    for i in sa:
        for k in sa[i]:
            assert np.array_equal(np.asarray(sa[i][k].numpy() if hasattr(sa[i][k], "numpy")
                                             else sa[i][k]),
                                  np.asarray(sb[i][k].numpy() if hasattr(sb[i][k], "numpy")
                                             else sb[i][k]))
    assert ca["scheduler"] == cb["scheduler"]
    assert _metrics(a) == _metrics(b)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run every resumed run must reproduce."""
    skip_without_fashion_mnist()
    out = tmp_path_factory.mktemp("reference")
    proc = run_cli(out, "train", *RUN, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return str(out), proc


def test_train_one_short_epoch(tmp_path):
    skip_without_fashion_mnist()
    out = tmp_path / "run"
    proc = run_cli(tmp_path, "train", "softmax", "--limit", "200", "--batch-size", "50",
                   "--epochs", "1", "--lr", "0.1", "--out", out, "--progress", "always")
    assert proc.returncode == 0, proc.stderr
    # the header, one metrics line, the closing line
    assert "softmax" in proc.stdout and "200 train / 200 test images" in proc.stdout
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("epoch 1/1"))
    for part in ("train loss", "train acc", "test acc", "samples/s"):
        assert part in line
    # the progress bar with throughput, drawn on stderr when asked
    assert "epoch 1/1" in proc.stderr and "/200 [" in proc.stderr  # a tqdm bar
    assert "samples/s" in proc.stderr
    rows = [json.loads(ln) for ln in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["epoch"] == 1
    assert 0 < rows[0]["train_loss"] < 5 and 0 <= rows[0]["test_acc"] <= 1
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ckpt = ember.load(out / "checkpoint.ember")
    assert ckpt["epoch"] == 1 and ckpt["settings"]["model"] == "softmax"
    assert set(ckpt["rng"]) == {"ember", "numpy", "python"}
    assert ckpt["model"]["1.weight"].shape == (10, 784)
    # the saved weights are the trained ones: they reproduce the reported test accuracy
    from ember.models import softmax_regression
    from ember.vision import datasets, transforms
    net = softmax_regression()
    net.load_state_dict(ckpt["model"])
    test = datasets.FashionMNIST(None, train=False, transform=transforms.ToTensor())
    X = ember.stack([test[i][0] for i in range(200)])
    y = ember.tensor([test[i][1] for i in range(200)])
    with ember.no_grad():
        acc = float((net(X).argmax(1) == y).float().mean())
    assert acc == pytest.approx(rows[0]["test_acc"])


def test_train_refuses_to_overwrite_a_run(tmp_path, reference):
    out, _ = reference
    proc = run_cli(tmp_path, "train", "mlp", "--out", out)
    assert_one_line_error(proc, 1, "already holds a run", "--resume")


def _interrupt(tmp_path, sig):
    """Start the run and send ``sig`` once epoch 1 is saved and epoch 2 has begun (its
    progress bar drawn), i.e. in the middle of epoch 2."""
    out = tmp_path / "run"
    # SIGINT as a terminal gives it: a shell without job control starts background jobs
    # with SIGINT ignored (CI run as `.ci/run &`), and the child would inherit that
    proc = subprocess.Popen(ember_command("train", *RUN, "--out", out, "--progress", "always"),
                            cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    chunks = {"out": [], "err": []}

    def pump(stream, into):
        for chunk in iter(lambda: os.read(stream.fileno(), 4096), b""):
            into.append(chunk)
    readers = [threading.Thread(target=pump, args=(proc.stdout, chunks["out"]), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, chunks["err"]), daemon=True)]
    for r in readers:
        r.start()
    deadline = time.time() + 180
    while b"epoch 2/3" not in b"".join(chunks["err"]):
        assert proc.poll() is None, b"".join(chunks["err"]).decode()
        assert time.time() < deadline, "epoch 2 never started"
        time.sleep(0.01)
    proc.send_signal(sig)
    code = proc.wait(timeout=60)
    for r in readers:
        r.join(timeout=10)
    return out, code, b"".join(chunks["err"]).decode(), b"".join(chunks["out"]).decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_resume_after_interruption_is_bit_identical(tmp_path, reference, sig):
    ref_out, _ = reference
    out, code, err, stdout = _interrupt(tmp_path, sig)
    ckpt = _load(out)
    assert ckpt["epoch"] == 1, "the interruption was meant to land in epoch 2"
    leftovers = [f for f in os.listdir(out) if f.startswith(".")]
    if sig == signal.SIGINT:
        assert code == 130, err
        assert "Traceback" not in err
        assert "checkpoint of epoch 1" in err and f"ember train --resume {out}" in err
        assert not leftovers, leftovers
    else:
        assert code == -signal.SIGKILL
    resumed = run_cli(tmp_path, "train", "--resume", out)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch 1" in resumed.stdout
    assert "epoch 2/3" in resumed.stdout and "epoch 3/3" in resumed.stdout
    _assert_same_run(ref_out, str(out))


def test_resume_of_a_finished_run_does_nothing_and_can_extend(tmp_path, reference):
    ref_out, _ = reference
    proc = run_cli(tmp_path, "train", "--resume", ref_out)
    assert proc.returncode == 0 and "nothing to do" in proc.stdout
    proc = run_cli(tmp_path, "train", "--resume", ref_out, "--optimizer", "sgd")
    assert_one_line_error(proc, 2, "--resume continues the saved run", "optimizer")


@pytest.mark.parametrize("args, code, fragments", [
    (["mlpp"], 2, ["unknown model 'mlpp'", "did you mean 'mlp'", "lenet"]),
    (["mlp", "--optimizer", "adamm"], 2, ["unknown optimizer 'adamm'", "did you mean 'Adam'",
                                          "SGD"]),
    (["mlp", "--lr", "-1"], 2, ["bad hyperparameter for SGD", "Invalid learning rate"]),
])
def test_user_errors(tmp_path, args, code, fragments):
    proc = run_cli(tmp_path, "train", *args, "--out", tmp_path / "out", timeout=60)
    assert_one_line_error(proc, code, *fragments)
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


@pytest.mark.parametrize("args, code, fragments", [
    (["mlp", "--opt", "betas=0.9,0.99"], 2, ["SGD has no hyperparameter 'betas'"]),
    (["mlp", "--optimizer", "adam", "--opt", "betas=2,0.9"], 2, ["bad hyperparameter for Adam",
                                                                  "beta"]),
    (["mlp", "--opt", "momentum"], 2, ["expected KEY=VALUE"]),
    (["mlp", "--scheduler", "steplr"], 2, ["StepLR needs step_size", "--sched"]),
    (["mlp", "--scheduler", "StepLR", "--sched", "step_size=0"], 2, ["bad scheduler argument"]),
    (["mlp", "--scheduler", "cosine"], 2, ["unknown scheduler 'cosine'", "CosineAnnealingLR"]),
    (["mlp", "--dataset", "cifar10"], 2, ["unknown dataset 'cifar10'", "fashion-mnist"]),
    (["mlp", "--epochs", "0"], 2, ["bad --epochs 0"]),
    (["mlp", "--epochs", "two"], 2, ["invalid int value: 'two'"]),
    ([], 2, ["MODEL is required", "lenet"]),
])
def test_more_user_errors(tmp_path, capsys, args, code, fragments):
    proc = run_main(capsys, "train", *args, "--out", tmp_path / "out")
    assert_one_line_error(proc, code, *fragments)


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    proc = run_cli(tmp_path, "train", "mlp", "--out", blocker / "sub", timeout=60)
    assert_one_line_error(proc, 1, "cannot write to --out directory", str(blocker / "sub"))


def test_missing_datasets(tmp_path):
    # Debian packages no MNIST, and EMBER_DATA is unset here: MNIST cannot be found
    proc = run_cli(tmp_path, "train", "mlp", "--dataset", "mnist", "--out", tmp_path / "o",
                   timeout=60)
    assert_one_line_error(proc, 1, "data set mnist not found", "--data-root")
    # Fashion-MNIST with its system directory hidden: the message says how to install it
    code = ("from ember.vision.datasets import FashionMNIST\n"
            "FashionMNIST.system_dirs = ()\n"
            "from ember.cli import main\n"
            f"raise SystemExit(main(['train', 'mlp', '--out', {str(tmp_path / 'o2')!r}]))\n")
    proc = subprocess.run([ember_command()[0], "-c", code], cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=60)
    assert_one_line_error(proc, 1, "data set fashion-mnist not found",
                          "apt-get install dataset-fashion-mnist")


def test_resume_errors(tmp_path):
    proc = run_cli(tmp_path, "train", "--resume", tmp_path / "nowhere", timeout=60)
    assert_one_line_error(proc, 1, "cannot resume", "not a directory")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "checkpoint.ember").write_bytes(b"PK\x03\x04 this is not a zip archive")
    proc = run_cli(tmp_path, "train", "--resume", corrupt, timeout=60)
    assert_one_line_error(proc, 1, "cannot resume", "corrupt")


def test_more_resume_errors(tmp_path, capsys, reference):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_main(capsys, "train", "--resume", empty)
    assert_one_line_error(proc, 1, "cannot resume: no checkpoint in")
    other = tmp_path / "other"
    other.mkdir()
    ember.save({"weights": ember.ones(3)}, other / "checkpoint.ember")
    proc = run_main(capsys, "train", "--resume", other)
    assert_one_line_error(proc, 1, "not a checkpoint of `ember train`")
    ref_out, _ = reference
    bad = tmp_path / "bad"
    bad.mkdir()
    data = open(os.path.join(ref_out, "checkpoint.ember"), "rb").read()
    (bad / "checkpoint.ember").write_bytes(data[: len(data) // 2])
    proc = run_main(capsys, "train", "--resume", bad)
    assert_one_line_error(proc, 1, "cannot resume", "corrupt")
