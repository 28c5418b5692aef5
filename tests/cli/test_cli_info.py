"""`ember info`, the entry points and the top-level command line."""
import platform
import shutil
import subprocess

import numpy as np

import ember
from _cli import assert_one_line_error, cli_env, have_fashion_mnist, run_cli


def test_info(tmp_path):
    proc = run_cli(tmp_path, "info", timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"ember {ember.__version__}" in out
    assert f"Python {platform.python_version()}" in out
    assert f"NumPy {np.__version__}" in out
    assert "numpy" in out and "cupy" in out  # every backend is listed, available or not
    assert "compiled kernels: " in out
    fashion = out[out.index("FashionMNIST:"):out.index("MNIST:", out.index("FashionMNIST:") + 13)]
    assert "/usr/share/datasets/fashion-mnist" in fashion
    if have_fashion_mnist():
        assert "FashionMNIST: found" in out
    else:
        assert "apt-get install dataset-fashion-mnist" in fashion
    # EMBER_DATA is unset in the tests, and Debian has no MNIST package
    assert "MNIST: not found" in out and "EMBER_DATA is not set" in out


def test_info_with_a_data_root(tmp_path):
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / (name + ".gz")).write_bytes(b"")
    proc = run_cli(tmp_path, "info", "--data-root", tmp_path / "data", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "  MNIST: found" in proc.stdout
    assert f"[found] {raw}" in proc.stdout


def test_python_m_ember_and_the_console_script(tmp_path):
    proc = run_cli(tmp_path, "--version", timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ember {ember.__version__}"
    proc = run_cli(tmp_path, timeout=60)
    assert proc.returncode == 2 and "train" in proc.stdout and "tour" in proc.stdout
    script = shutil.which("ember")
    if script:  # installed with pip install -e .: the entry point ember.cli:main
        done = subprocess.run([script, "--version"], capture_output=True, text=True,
                              env=cli_env(), timeout=60)
        assert done.returncode == 0 and ember.__version__ in done.stdout


def test_unknown_command(tmp_path):
    proc = run_cli(tmp_path, "trian", timeout=60)
    assert_one_line_error(proc, 2, "unknown command 'trian'", "did you mean 'train'")


def test_info_says_when_kernels_are_switched_off(tmp_path):
    from ember import _numba
    proc = run_cli(tmp_path, "info", timeout=60, env=dict(cli_env(), EMBER_NUMBA="0"))
    assert proc.returncode == 0, proc.stderr
    line = next(l for l in proc.stdout.splitlines() if l.startswith("compiled kernels:"))
    assert line.startswith("compiled kernels: off")
    assert ("EMBER_NUMBA=0" if _numba._installed else "not installed") in line


def test_info_says_whether_freed_memory_is_kept(tmp_path):
    from ember import _allocator
    for keep in ("1", "0"):
        proc = run_cli(tmp_path, "info", timeout=60,
                       env=dict(cli_env(), EMBER_KEEP_FREED_MEMORY=keep))
        assert proc.returncode == 0, proc.stderr
        line = next(l for l in proc.stdout.splitlines() if l.startswith("freed memory:"))
        if keep == "0":
            assert "EMBER_KEEP_FREED_MEMORY=0" in line
        elif _allocator._glibc_mallopt() is not None:
            assert "kept for reuse" in line
        else:
            assert "not glibc" in line
