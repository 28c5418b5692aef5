"""Shared set-up of the d2l tests: plots render with Agg into files, never to a window;
the airfoil test copy."""
import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

AIRFOIL_SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"


def _airfoil_folder():
    """The folder with the test copy of airfoil_self_noise.dat: $EMBER_DATA when it holds
    the file, else the project's shared data folder next to the repository."""
    candidates = []
    if os.environ.get("EMBER_DATA"):
        candidates.append(Path(os.environ["EMBER_DATA"]))
    repo = Path(__file__).resolve().parents[2]
    candidates.append(repo.parent / "shared" / "data" / "airfoil")
    for folder in candidates:
        path = folder / "airfoil_self_noise.dat"
        if path.is_file() and hashlib.sha1(path.read_bytes()).hexdigest() == AIRFOIL_SHA1:
            return folder
    return None


@pytest.fixture
def airfoil(monkeypatch, tmp_path):
    """EMBER_DATA pointing at the airfoil test copy (and an empty user cache), or a skip."""
    folder = _airfoil_folder()
    if folder is None:
        pytest.skip("airfoil_self_noise.dat (the d2l data hub's airfoil data) not found in "
                    "$EMBER_DATA or ../shared/data/airfoil: airfoil tests skipped")
    monkeypatch.setenv("EMBER_DATA", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder / "airfoil_self_noise.dat"


@pytest.fixture
def figure_dir(tmp_path):
    """Figures of d2l (Animator's live files) go to a fresh folder; all figures are closed
    afterwards."""
    from ember import d2l
    d2l.set_figure_dir(tmp_path)
    yield tmp_path
    d2l.set_figure_dir(None)
    d2l.plt.close("all")
