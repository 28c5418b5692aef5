"""Every script in examples/ runs with --quick and exits 0, prints its key numbers, and
writes its figures. The scripts run as subprocesses, two at a time (the suite's target is
a 2-core machine); each one's own time limit is two minutes."""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO / "examples"
SCRIPTS = sorted(p.stem for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

pytestmark = pytest.mark.slow


def _source(name):
    return (EXAMPLES_DIR / f"{name}.py").read_text(encoding="utf-8")


def _needs_fashion_mnist(name):
    src = _source(name)
    return "fashion_mnist(" in src or "FashionMNIST(" in src


def _run(name, out, env):
    cmd = [sys.executable, str(EXAMPLES_DIR / f"{name}.py"), "--quick", "--out", str(out)]
    try:
        return subprocess.run(cmd, cwd=EXAMPLES_DIR, env=env, capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired as e:
        return e


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("examples")
    env = dict(os.environ, MPLBACKEND="Agg", EMBER_PROGRESS="0",
               XDG_CACHE_HOME=str(base / "cache"))
    env.pop("EMBER_DATA", None)  # the airfoil data is bundled with ember
    runnable = [n for n in SCRIPTS
                if not (_needs_fashion_mnist(n) and not FASHION_MNIST.is_file())]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {n: pool.submit(_run, n, base / n, env) for n in runnable}
        return {n: (f.result(), base / n) for n, f in futures.items()}


def test_every_experiment_has_a_script():
    expected = {"tensors_broadcasting", "data_preprocessing", "linear_algebra", "autograd",
                "probability_dice", "vectorization_timing", "linreg_scratch",
                "linreg_concise", "fashion_mnist", "softmax_scratch", "softmax_concise",
                "activations", "mlp_scratch", "mlp_concise", "polynomial_fitting",
                "weight_decay", "dropout", "numerical_stability", "batchnorm_lenet", "resnet",
                "densenet", "risk", "optimization_challenges", "convexity", "gd_1d", "newton",
                "gd_2d", "sgd_schedules", "minibatch_sgd", "momentum", "adagrad", "rmsprop",
                "adadelta", "adam", "himmelblau", "rnn_scratch", "rnn_concise", "modern_rnns",
                "seq2seq", "attention", "transformer"}
    assert expected <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_quick(name, runs):
    if name not in runs:
        pytest.skip(f"{name} needs the real Fashion-MNIST ({FASHION_MNIST.parent}, "
                    "apt-get install dataset-fashion-mnist)")
    result, out = runs[name]
    assert not isinstance(result, subprocess.TimeoutExpired), \
        f"{name} --quick ran past 120 s:\n{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"{name} failed:\n{result.stdout[-3000:]}\n" \
                                   f"{result.stderr[-3000:]}"
    assert re.search(r"^[^\n:]+: \S", result.stdout, re.M), \
        f"{name} printed no 'name: value' line:\n{result.stdout[-2000:]}"
    if "save(" in _source(name):
        pngs = list(Path(out).glob("*.png"))
        assert pngs, f"{name} saved no figure in {out}"
        assert all(p.stat().st_size > 1000 for p in pngs)
    # a quick run that trains on Fashion-MNIST learns enough to be read (chance is 0.1)
    results = Path(out) / "results.json"
    reported = json.loads(results.read_text()) if results.is_file() else {}
    for key, value in reported.items():
        if "test acc" in key and _needs_fashion_mnist(name):
            value = value["value"] if isinstance(value, dict) else value
            assert value >= 0.6, f"{name}: {key} = {value} after its quick run"


def test_help_describes_the_options():
    result = subprocess.run([sys.executable, str(EXAMPLES_DIR / "gd_2d.py"), "--help"],
                            capture_output=True, text=True, timeout=60, cwd=EXAMPLES_DIR)
    assert result.returncode == 0
    for option in ("--out", "--quick", "--seed"):
        assert option in result.stdout
    assert "Gradient descent in two dimensions" in result.stdout
