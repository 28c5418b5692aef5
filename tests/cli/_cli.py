"""Helpers for the CLI tests. The `ember` command is tested as a user runs it: in a real
subprocess (``python -m ember``), reading its exit code, stdout and stderr."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def cli_env(**extra):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    # BLAS threads fighting over 2 cores slow tiny runs down; one thread is also the
    # deterministic configuration the bit-identity checks want
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.pop("EMBER_DATA", None)
    env.update(extra)
    return env


def ember_command(*args):
    return [sys.executable, "-m", "ember", *map(str, args)]


def run_cli(cwd, *args, timeout=240, env=None):
    """``run_cli(dir, "trace", "himmelblau", ...)`` → CompletedProcess (text)."""
    return subprocess.run(ember_command(*args), cwd=cwd, env=env or cli_env(),
                          capture_output=True, text=True, timeout=timeout)


def have_fashion_mnist():
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    return all(os.path.exists(os.path.join(FASHION_DIR, n + ".gz")) or
               os.path.exists(os.path.join(FASHION_DIR, n)) for n in names)


def skip_without_fashion_mnist():
    if not have_fashion_mnist():
        pytest.skip(f"real Fashion-MNIST not installed in {FASHION_DIR} "
                    "(apt-get install dataset-fashion-mnist)")


def assert_one_line_error(proc, code, *fragments):
    """A user error: the expected exit code, one line on stderr naming the problem, and no
    traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("ember"), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def run_main(capsys, *args):
    """The command line in this process (``ember.cli.main``): for the many variants of a
    user error whose representative cases already go through a real subprocess."""
    from ember.cli import main
    capsys.readouterr()
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(["ember", *map(str, args)], code, captured.out,
                                       captured.err)
