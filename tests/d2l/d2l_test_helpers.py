"""Helpers of the d2l tests (a module of its own: several conftest.py files share that name)."""
from pathlib import Path

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"


def assert_png(path, min_bytes=2000):
    """``path`` is a PNG file with something drawn in it (not one flat color)."""
    import numpy as np
    from matplotlib import image
    path = Path(path)
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert len(data) >= min_bytes, f"{path} is only {len(data)} bytes"
    pixels = image.imread(str(path))
    assert np.asarray(pixels).std() > 0.01, f"{path} is blank"
