"""The switch between compiled kernels and the NumPy path (ember/_numba.py)."""
import os
import subprocess
import sys

import pytest

from ember import _numba


def test_disabled_block_turns_kernels_off_and_restores():
    before = _numba.enabled()
    with _numba.disabled():
        assert not _numba.enabled()
        assert _numba.kernels("anything") is None
        with _numba.disabled():
            assert not _numba.enabled()
        assert not _numba.enabled()
    assert _numba.enabled() == before


def test_environment_variable_switches_off_for_the_process():
    env = dict(os.environ, EMBER_NUMBA="0")
    code = "from ember import _numba; print(_numba.enabled())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "False"


def test_import_ember_does_not_import_numba():
    code = "import sys, ember; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


@pytest.mark.skipif(not _numba._installed, reason="numba not installed")
def test_enabled_when_installed():
    if os.environ.get("EMBER_NUMBA", "1") != "0":
        assert _numba.enabled()
