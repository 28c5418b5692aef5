"""Shared fixtures: PyTorch as the optional reference, float64 finite differences."""
import importlib

import numpy as np
import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the reference implementation; tests that compare with it skip without it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        pytest.skip("PyTorch is not installed: comparison with the reference skipped")


@pytest.fixture(autouse=True)
def _seeded():
    import ember
    ember.manual_seed(0)
    np.random.seed(0)
