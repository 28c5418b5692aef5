"""Whole sections of the book (d2l-zh v2), straight from a checkout of it, run on ember with
only the imports changed: every PyTorch code cell of the section (``#@tab pytorch`` or
``#@tab all``), in order, in one script, in a fresh folder whose ``../data`` holds what the
section needs.

Set ``EMBER_D2L_BOOK`` to the checkout (github.com/d2l-ai/d2l-zh) to run them; they are
skipped otherwise. ``EMBER_BOOK_SETTINGS=book`` keeps the book's epochs (minutes per
section); by default the training lengths are cut to a few epochs. The four sections that
read the English-French pairs run on the real fra-eng.zip when ``find_data`` finds it, and
on this suite's small fixture otherwise. ``use-gpu`` and the sections that need two GPUs
are left out (see SKIPPED).

Run: ``EMBER_D2L_BOOK=/path/to/d2l-zh python -m pytest tests/d2l/test_book_sections.py``.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SECTIONS = {
    "chapter_deep-learning-computation": ["model-construction", "parameters", "deferred-init",
                                          "custom-layer", "read-write"],
    "chapter_recurrent-neural-networks": ["sequence", "text-preprocessing",
                                          "language-models-and-dataset", "rnn",
                                          "rnn-scratch", "rnn-concise"],
    "chapter_recurrent-modern": ["gru", "lstm", "deep-rnn", "bi-rnn",
                                 "machine-translation-and-dataset", "encoder-decoder",
                                 "seq2seq"],
    "chapter_attention-mechanisms": ["attention-cues", "nadaraya-waston",
                                     "attention-scoring-functions", "bahdanau-attention",
                                     "multihead-attention",
                                     "self-attention-and-positional-encoding", "transformer"],
    "chapter_computational-performance": ["hybridize", "async-computation"],
}
# use-gpu needs a GPU; auto-parallelism, multiple-gpus and multiple-gpus-concise two.
SKIPPED = ["use-gpu", "auto-parallelism", "multiple-gpus", "multiple-gpus-concise"]
FRA_ENG_SHA1 = "94646ad1522d915e7b0f9296181140edcf86a4f5"
NEEDS_FRA_ENG = {"machine-translation-and-dataset", "seq2seq", "bahdanau-attention",
                 "transformer"}

IMPORTS = [
    (r"^from d2l import torch as d2l\b", "from ember import d2l"),
    (r"^import torch$", "import ember as torch"),
    (r"^import torch\.nn\.functional as F$", "from ember.nn import functional as F"),
    (r"^from torch import nn$", "from ember import nn"),
    (r"^from torch\.nn import functional as F$", "from ember.nn import functional as F"),
    (r"^import torchvision$", "from ember import vision as torchvision"),
    (r"^from torch\b", "from ember"),
]
# Training lengths of the book, cut unless EMBER_BOOK_SETTINGS=book.
SHORTER = [
    (r"num_epochs, lr = \d+,", "num_epochs, lr = 10,"),
    (r"lr, num_epochs, device = ([0-9.]+), \d+,", r"lr, num_epochs, device = \1, 10,"),
    (r"lr, num_epochs = ([0-9.]+), \d+", r"lr, num_epochs = \1, 10"),
]


def pytorch_cells(markdown):
    """The code of the section's cells that PyTorch runs, in order."""
    cells = []
    for match in re.finditer(r"^```\{\.python \.input\}\n(.*?)^```", markdown, re.M | re.S):
        lines = match.group(1).split("\n")
        tab = lines[0].strip()
        if tab.startswith("#@tab") and ("pytorch" in tab or tab == "#@tab all"):
            cells.append("\n".join(lines[1:]))
    return cells


def to_ember(code, shorten=True):
    """The cells' code with the imports changed, notebook-only lines (``%magic``,
    ``!shell``) dropped, and (``shorten``) the training lengths cut."""
    out = []
    for line in code.split("\n"):
        if line.startswith(("%", "!")):
            continue
        for pattern, replacement in IMPORTS:
            if re.match(pattern, line):
                line = re.sub(pattern, replacement, line)
                break
        out.append(line)
    code = "\n".join(out)
    if shorten:
        for pattern, replacement in SHORTER:
            code = re.sub(pattern, replacement, code)
    return code


def _book_dir():
    folder = os.environ.get("EMBER_D2L_BOOK")
    if not folder or not Path(folder, "chapter_recurrent-modern").is_dir():
        pytest.skip("EMBER_D2L_BOOK is not set to a checkout of d2l-zh: the book's whole "
                    "sections are not run")
    return Path(folder)


def _prepare_data(data_dir):
    """../data for the section: the real fra-eng.zip when found, else the fixture (then the
    hub's entry for it is replaced in the script, see PRELUDE)."""
    from ember import d2l
    from test_d2l_seq2seq import PAIRS, write_fra_eng
    real = d2l.find_data("fra-eng")
    if real is not None:
        return real, None
    return None, write_fra_eng(data_dir, PAIRS * 8)


@pytest.mark.parametrize("chapter,section", [(c, s) for c, ss in SECTIONS.items() for s in ss])
def test_book_section_runs_on_ember(chapter, section, tmp_path):
    book = _book_dir()
    markdown = (book / chapter / f"{section}.md").read_text(encoding="utf-8")
    shorten = os.environ.get("EMBER_BOOK_SETTINGS") != "book"
    prelude = ["import matplotlib", "matplotlib.use('Agg')"]
    cells = pytorch_cells(markdown)
    env = dict(os.environ, MPLBACKEND="Agg", EMBER_PROGRESS="0",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    if section in NEEDS_FRA_ENG:
        real, fixture_sha1 = _prepare_data(tmp_path / "data")
        if real is not None:
            env["EMBER_DATA"] = os.path.dirname(os.path.abspath(real))
        else:  # the fixture, in the section's ../data, under its own checksum
            entry = ("\nfrom ember import d2l as _d2l\n_d2l.DATA_HUB['fra-eng'] = "
                     f"(_d2l.DATA_URL + 'fra-eng.zip', {fixture_sha1!r})\n")
            prelude.append(entry)
            # The section that defines the hub entry itself names the real file's SHA-1.
            cells = [c.replace(FRA_ENG_SHA1, fixture_sha1) for c in cells]
    script = "\n".join(prelude) + "\n" + to_ember("\n\n".join(cells), shorten)
    work = tmp_path / "work"
    work.mkdir()
    (work / "section.py").write_text(script, encoding="utf-8")
    run = subprocess.run([sys.executable, "section.py"], cwd=work, env=env,
                         capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, f"{chapter}/{section} failed:\n{run.stderr[-3000:]}"


def test_cells_and_imports_are_read_as_the_book_writes_them():
    markdown = ("```{.python .input}\nfrom mxnet import np\n```\n\n"
                "```{.python .input}\n#@tab pytorch\nfrom d2l import torch as d2l\n"
                "import torch\nfrom torch import nn\n%matplotlib inline\n```\n\n"
                "```{.python .input}\n#@tab all\nnum_epochs, lr = 500, 1\n```\n")
    cells = pytorch_cells(markdown)
    assert len(cells) == 2
    assert [line for line in to_ember("\n".join(cells)).split("\n") if line] == [
        "from ember import d2l", "import ember as torch", "from ember import nn",
        "num_epochs, lr = 10, 1"]
