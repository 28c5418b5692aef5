"""`ember tour`: runs example scripts, goes on past failures, writes one self-contained
HTML report; the report is checked in headless Chromium when it is installed."""
import base64
import os
import re
import shutil
import subprocess
import textwrap

import pytest

import ember
from _cli import (assert_one_line_error, cli_env, run_cli, run_main,
                  skip_without_fashion_mnist)

# Two tiny experiments that follow the contract (figures in --out, RESULT lines and
# results.json), and one that fails: the tour's behaviour without depending on how long
# the real examples take.
EXAMPLES = {
    "alpha": '''
        """Alpha: a parabola.

        Draws y = x**2 and reports its minimum. The notes' "梯度下降" section."""
        import argparse, json, os
        import matplotlib.pyplot as plt
        p = argparse.ArgumentParser()
        p.add_argument("--out"); p.add_argument("--quick", action="store_true")
        a = p.parse_args()
        os.makedirs(a.out, exist_ok=True)
        xs = [i / 10 for i in range(-20, 21)]
        plt.plot(xs, [x * x for x in xs]); plt.savefig(os.path.join(a.out, "parabola.png"))
        print("RESULT minimum=0.0 notes=0")
        print("RESULT mode=" + ("quick" if a.quick else "full"))
    ''',
    "beta": '''
        """Beta: a line, with numbers in results.json."""
        import argparse, json, os
        import matplotlib.pyplot as plt
        p = argparse.ArgumentParser()
        p.add_argument("--out"); p.add_argument("--quick", action="store_true")
        a = p.parse_args()
        plt.plot([0, 1], [1, 0]); plt.savefig(os.path.join(a.out, "line.png"))
        with open(os.path.join(a.out, "results.json"), "w") as f:
            json.dump({"slope": {"value": -1.0, "notes": -1}, "points": 2}, f)
    ''',
    "gamma": '''
        """Gamma: fails."""
        raise ValueError("gamma is broken on purpose")
    ''',
}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    d = tmp_path_factory.mktemp("examples")
    for name, src in EXAMPLES.items():
        (d / f"{name}.py").write_text(textwrap.dedent(src).lstrip())
    (d / "_helpers.py").write_text("raise SystemExit('helpers are not experiments')\n")
    return d


@pytest.fixture(scope="module")
def two_tour(tmp_path_factory, examples):
    """``ember tour --only alpha beta``: its output directory and the finished process."""
    out = tmp_path_factory.mktemp("tour")
    proc = run_cli(out, "tour", "--examples", examples, "--only", "alpha", "beta",
                   "--out", out, timeout=120)
    return out, proc


def _images(report):
    return re.findall(r"<img src='data:image/png;base64,([A-Za-z0-9+/=]+)' alt='([^']*)'",
                      report)


def test_tour_only_two_experiments(two_tour):
    out, proc = two_tour
    assert proc.returncode == 0, proc.stderr
    report = (out / "report.html").read_text()
    images = _images(report)
    assert sorted(alt for _, alt in images) == ["line", "parabola"]
    for data, _ in images:  # real PNGs, inlined: the file stands alone
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "src='/" not in report and "src=\"/" not in report and "file:" not in report
    assert f"ember {ember.__version__}" in report
    # key numbers beside the notes' numbers, quick mode by default
    assert re.search(r"<td>minimum</td><td class='num'>0</td><td class='num'>0</td>", report)
    assert re.search(r"<td>slope</td><td class='num'>-1</td><td class='num'>-1</td>", report)
    assert "mode = quick" in report
    assert "Alpha: a parabola." in report and "gamma" not in report
    # progress on stderr, a summary table on stdout
    assert "[2/2]" in proc.stderr
    table = proc.stdout
    assert re.search(r"alpha\s+ok\s+\S+\s+minimum=0/0", table)
    assert re.search(r"beta\s+ok\s+\S+\s+slope=-1/-1; points=2", table)
    assert "2/2 experiments ok" in table


def test_a_failing_experiment_is_reported_and_the_tour_goes_on(tmp_path, examples):
    out = tmp_path / "tour"
    proc = run_cli(tmp_path, "tour", "--examples", examples, "--out", out, "--full",
                   "--jobs", "2", timeout=120)
    assert proc.returncode == 1
    assert re.search(r"gamma\s+failed\s+\S+\s+ValueError: gamma is broken on purpose",
                     proc.stdout)
    assert "2/3 experiments ok" in proc.stdout
    report = (out / "report.html").read_text()
    assert "ValueError: gamma is broken on purpose" in report
    assert "mode = full" in report
    assert len(_images(report)) == 2


def test_tour_user_errors(tmp_path, capsys, examples):
    proc = run_cli(tmp_path, "tour", "--examples", examples, "--only", "alpah", timeout=60)
    assert_one_line_error(proc, 2, "unknown experiment 'alpah'", "did you mean 'alpha'",
                          "beta")
    (tmp_path / "f").write_text("")
    proc = run_main(capsys, "tour", "--examples", examples, "--out", tmp_path / "f" / "x")
    assert_one_line_error(proc, 1, "cannot write to --out directory")
    proc = run_main(capsys, "tour", "--examples", tmp_path / "none")
    assert_one_line_error(proc, 1, "no such directory")


def test_tour_of_the_real_examples(tmp_path):
    """Two of the repository's own experiments, end to end."""
    skip_without_fashion_mnist()
    names = ["gd_1d", "newton"]
    out = tmp_path / "tour"
    proc = run_cli(tmp_path, "tour", "--only", *names, "--out", out, "--jobs", "2",
                   timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = (out / "report.html").read_text()
    for name in names:
        assert f"<section id='{name}'>" in report
        assert os.listdir(out / name), f"{name} saved no figure"
    assert len(_images(report)) == sum(
        f.endswith(".png") for n in names for f in os.listdir(out / n))


# --- the report in a real browser -------------------------------------------------------

CHECK = """
<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0));
  const div = document.createElement('div');
  div.id = 'ember-check';
  // Each Chinese character of the first section title, drawn alone in the title's font:
  // real glyphs differ from each other, missing ones ("tofu" boxes or blanks) do not.
  const title = document.querySelector('h2 .section');
  const chars = title ? [...new Set(Array.from(title.textContent)
                                  .filter(c => /[\u4e00-\u9fff]/.test(c)))] : [];
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext('2d');
  const glyphs = chars.map(c => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = '40px ' + (title ? getComputedStyle(title).fontFamily : 'sans-serif');
    ctx.fillText(c, 2, 40);
    return ctx.getImageData(0, 0, 48, 48).data.filter((v, i) => i % 4 === 3).join(',');
  });
  const inked = glyphs.filter(g => /[1-9]/.test(g)).length;
  div.textContent = `images=${imgs.length} broken=${bad.length} ` +
                    `cjk=${chars.length} distinct=${new Set(glyphs).size} inked=${inked} ` +
                    `sizes=${imgs.map(i => i.naturalWidth + 'x' + i.naturalHeight).join(',')}`;
  document.body.appendChild(div);
});
</script>
"""


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_report_renders_every_figure_in_headless_chromium(tmp_path, two_tour):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium): "
                    "the report's rendering in a browser was not checked")
    out, proc = two_tour
    assert proc.returncode == 0, proc.stderr
    # The report itself stays script-free; a copy gets the check, which writes its verdict
    # into the DOM that --dump-dom prints.
    html = (out / "report.html").read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", CHECK + "</body>"))
    profile = tmp_path / "chromium-profile"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run",
           f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
           probe.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=dict(cli_env(), HOME=str(tmp_path)))
    m = re.search(r"<div id=\"ember-check\">images=(\d+) broken=(\d+) cjk=(\d+) "
                  r"distinct=(\d+) inked=(\d+) sizes=([^<]*)</div>", done.stdout)
    assert m, f"chromium did not run the check (exit {done.returncode}): {done.stderr[-2000:]}"
    assert int(m.group(1)) == 2, m.group(0)
    assert int(m.group(2)) == 0, m.group(0)
    # the notes' section title "梯度下降" renders as four different, visible glyphs
    assert "梯度下降" in html
    assert (m.group(3), m.group(4), m.group(5)) == ("4", "4", "4"), (
        f"the Chinese section title does not render ({m.group(0)}): is a CJK font installed "
        "(Debian: apt-get install -y fonts-wqy-microhei)?")
    for size in m.group(6).split(","):
        w, h = map(int, size.split("x"))
        assert w > 100 and h > 100
