"""``ember tour``: run every experiment in ``examples/`` and write one HTML report.

The contract with an example script ``examples/NAME.py``:

* it is run as ``python NAME.py --out DIR`` (plus ``--quick`` unless ``--full``), in ``DIR``,
  with ``MPLBACKEND=Agg``;
* its module docstring's first paragraph summarizes the experiment (the rest describes it);
  a sentence there beginning ``The notes'`` or ``The book's`` names the section(s) it
  follows in quotes, in the notes' language (``The notes' "残差网络(ResNet)" section.``):
  the report shows them beside the experiment's name;
* it saves its figures as PNG files in ``DIR`` (they are shown in file-name order);
* it reports its key numbers in ``DIR/results.json``, an object in report order:
  ``{"name": value, ...}`` or ``{"name": {"value": v, "notes": n}, ...}`` where ``notes``
  is the number the notes report for the same quantity; and/or on stdout, one per line,
  ``RESULT name = value`` or ``RESULT name = value notes = value`` (the name may have
  spaces, the value may not contain " notes=");
* a non-zero exit status means it failed; the last line of its stderr is the error shown.

A failing (or timed-out) experiment is reported as failed and the tour goes on. The report
is self-contained: figures are inlined as base64 PNG data URIs, so the single file can be
mailed, archived or opened from anywhere.
"""
import ast
import base64
import datetime
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import ember

from ember.utils._progress import progress_bar

from ._util import EXIT_ENV, EXIT_INTERRUPTED, CLIError, closest, fmt_duration, writable_dir

RESULT_LINE = re.compile(r"^RESULT\s+(.+?)\s*=\s*(.+?)(?:\s+notes\s*=\s*(.+?))?\s*$")
_TAIL = 4000  # characters of an experiment's output kept in the report


def find_examples_dir(explicit=None):
    """``--examples DIR`` when given, else the experiments shipped inside the package
    (``ember/examples``), so the tour runs from a wheel in any folder."""
    if explicit:
        if not os.path.isdir(explicit):
            raise CLIError(f"--examples {explicit}: no such directory", EXIT_ENV)
        return os.path.abspath(explicit)
    bundled = os.path.join(os.path.dirname(os.path.abspath(ember.__file__)), "examples")
    if os.path.isdir(bundled):
        return bundled
    raise CLIError(f"the experiments are missing from this installation of ember ({bundled}); "
                   "reinstall it, or pass --examples DIR", EXIT_ENV)


def read_title(path):
    """The first paragraph of the script's docstring (its summary) and the rest, read
    without running the script."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = ast.get_docstring(ast.parse(f.read(), filename=path)) or ""
    except (SyntaxError, OSError, UnicodeDecodeError):
        doc = ""
    first, _, rest = doc.strip().partition("\n\n")
    return " ".join(first.split()), rest.strip()


_SECTION_SENTENCE = re.compile(r"The (?:notes'|book's) ([^.]*)")


def sections(doc):
    """The quoted section names of the sentence that begins "The notes'" or "The book's"."""
    m = _SECTION_SENTENCE.search(doc)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []


class Experiment:
    def __init__(self, name, script):
        self.name = name
        self.script = script
        self.summary, self.description = read_title(script)
        self.sections = sections(self.description or self.summary)
        self.status = "pending"
        self.seconds = 0.0
        self.results = {}       # name -> (value, notes value or None)
        self.figures = []       # paths
        self.error = ""
        self.stdout = ""
        self.stderr = ""
        self.command = []


def discover(examples_dir, only=None):
    scripts = sorted(f for f in os.listdir(examples_dir)
                     if f.endswith(".py") and not f.startswith(("_", ".")))
    experiments = [Experiment(f[:-3], os.path.join(examples_dir, f)) for f in scripts]
    if not only:
        return experiments
    by_name = {e.name: e for e in experiments}
    chosen = []
    for name in only:
        name = name[:-3] if name.endswith(".py") else name
        if name not in by_name:
            raise CLIError(f"unknown experiment '{name}'{closest(name, by_name)}; known "
                           f"experiments: {', '.join(by_name) or '(none)'}")
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    return chosen


def _number(text):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if re.fullmatch(r"[+-]?\d+", text) else value


def parse_results(stdout, out_dir):
    results = {}
    for line in stdout.splitlines():
        m = RESULT_LINE.match(line.strip())
        if m:
            results[m.group(1)] = (_number(m.group(2)),
                                   _number(m.group(3)) if m.group(3) is not None else None)
    path = os.path.join(out_dir, "results.json")
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            results["results.json"] = (f"unreadable: {e}", None)
        else:
            for key, v in (data.items() if isinstance(data, dict) else ()):
                if isinstance(v, dict):
                    results[str(key)] = (v.get("value"), v.get("notes"))
                else:
                    results[str(key)] = (v, None)
    return results


def _error_line(stderr, returncode):
    """The exception a failed script died of: the lines after its last traceback's frames
    (a message may span lines), else its last line of stderr."""
    lines = stderr.rstrip().splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith("Traceback (most recent call")]
    if starts:
        i = starts[-1] + 1
        while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
            i += 1
        message = " ".join(ln.strip() for ln in lines[i:] if ln.strip())
        if message:
            return message if len(message) <= 300 else message[:299] + "…"
    rest = [ln.strip() for ln in lines if ln.strip()]
    return rest[-1] if rest else f"exit status {returncode}"


def run_experiment(exp, out_root, quick, timeout):
    out_dir = os.path.join(out_root, exp.name)
    os.makedirs(out_dir, exist_ok=True)
    for stale in os.listdir(out_dir):  # a figure of a previous tour must not be shown as new
        if stale.endswith(".png") or stale == "results.json":
            os.unlink(os.path.join(out_dir, stale))
    exp.command = [sys.executable, exp.script, "--out", out_dir] + (["--quick"] if quick else [])
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1", EMBER_TOUR="1")
    start = time.perf_counter()
    try:
        proc = subprocess.run(exp.command, cwd=out_dir, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        exp.seconds = time.perf_counter() - start
        exp.status = "failed"
        exp.error = f"timed out after {fmt_duration(timeout)}"
        exp.stdout = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode(
            "utf-8", "replace")
        exp.stderr = e.stderr if isinstance(e.stderr, str) else (e.stderr or b"").decode(
            "utf-8", "replace")
    else:
        exp.seconds = time.perf_counter() - start
        exp.stdout, exp.stderr = proc.stdout, proc.stderr
        if proc.returncode == 0:
            exp.status = "ok"
        else:
            exp.status = "failed"
            exp.error = _error_line(proc.stderr, proc.returncode)
    exp.results = parse_results(exp.stdout, out_dir)
    exp.figures = sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir)
                         if f.lower().endswith(".png"))
    return exp


# --- the report -----------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans CJK SC','Noto Sans SC',
'Source Han Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei',
'WenQuanYi Zen Hei',sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
.section{font-weight:400;color:#5b6475}
header{background:#1d2330;color:#fff;padding:22px 32px}
header h1{margin:0 0 6px;font-size:24px} header p{margin:2px 0;color:#c9d0dc}
main{max-width:1100px;margin:0 auto;padding:20px 32px 60px}
table{border-collapse:collapse;margin:10px 0;background:#fff}
th,td{border:1px solid #dde1e8;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#eef1f5} td.num{font-variant-numeric:tabular-nums;text-align:right}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:14px 20px;
margin:18px 0}
section h2{margin:0 0 4px;font-size:19px} .meta{color:#5b6475;font-size:13px}
.ok{color:#1a7f37;font-weight:600} .failed{color:#c62828;font-weight:600}
.error{background:#fdecea;border-left:4px solid #c62828;padding:6px 10px;
font-family:ui-monospace,monospace;white-space:pre-wrap;font-size:13px}
figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee} figcaption{font-size:12px;color:#5b6475}
pre{background:#f3f4f6;padding:8px;overflow:auto;font-size:12px;max-height:320px}
"""


def _fmt_value(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _data_uri(path):
    with open(path, "rb") as f:
        return "data:image/png;base64," + base64.b64encode(f.read()).decode("ascii")


def _tail(text):
    return text if len(text) <= _TAIL else "…" + text[-_TAIL:]


def _section_span(x):
    """The notes' section names, marked as Chinese so the browser picks a CJK font."""
    if not x.sections:
        return ""
    names = " · ".join(html.escape(s) for s in x.sections)
    return f" <span class='section' lang='zh-CN'>{names}</span>"


def render_html(experiments, mode, total_seconds, started):
    e = html.escape
    n_ok = sum(x.status == "ok" for x in experiments)
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>ember tour: {n_ok}/{len(experiments)} experiments ok</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>ember tour</h1>",
        f"<p>ember {e(ember.__version__)} · Python {e(platform.python_version())} · NumPy "
        f"{e(np.__version__)} · {e(platform.platform())}</p>",
        f"<p>{e(started)} · {e(mode)} settings · {n_ok} of {len(experiments)} experiments ok · "
        f"total {e(fmt_duration(total_seconds))}</p></header><main>",
        "<h2>Summary</h2><table><tr><th>experiment</th><th>status</th><th>time</th>"
        "<th>key numbers (ember / notes)</th></tr>"]
    for x in experiments:
        nums = "; ".join(f"{k} = {_fmt_value(v)}" + (f" / {_fmt_value(n)}" if n is not None else "")
                         for k, (v, n) in x.results.items())
        parts.append(f"<tr><td><a href='#{e(x.name)}'>{e(x.name)}</a>{_section_span(x)}</td>"
                     f"<td class='{x.status}'>{x.status}</td>"
                     f"<td class='num'>{e(fmt_duration(x.seconds))}</td><td>{e(nums)}</td></tr>")
    parts.append("</table>")
    for x in experiments:
        parts.append(f"<section id='{e(x.name)}'><h2>{e(x.name)}{_section_span(x)}</h2>")
        parts.append(f"<div class='meta'>examples/{e(x.name)}.py · <span class='{x.status}'>"
                     f"{x.status}</span> · {e(fmt_duration(x.seconds))}</div>")
        for para in (x.summary, x.description):
            if para:
                parts.append(f"<p>{e(para)}</p>")
        if x.error:
            parts.append(f"<div class='error'>{e(x.error)}</div>")
        if x.results:
            parts.append("<table><tr><th>quantity</th><th>ember</th><th>notes</th></tr>")
            for k, (v, n) in x.results.items():
                parts.append(f"<tr><td>{e(k)}</td><td class='num'>{e(_fmt_value(v))}</td>"
                             f"<td class='num'>{e(_fmt_value(n))}</td></tr>")
            parts.append("</table>")
        for fig in x.figures:
            caption = os.path.splitext(os.path.basename(fig))[0]
            parts.append(f"<figure><img src='{_data_uri(fig)}' alt='{e(caption)}'>"
                         f"<figcaption>{e(caption)}</figcaption></figure>")
        parts.append("<details><summary>output</summary>")
        parts.append(f"<pre>$ {e(' '.join(x.command))}\n{e(_tail(x.stdout))}</pre>")
        if x.stderr.strip():
            parts.append(f"<pre>{e(_tail(x.stderr))}</pre>")
        parts.append("</details></section>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_atomic(path, text):
    tmp = f"{path}.part-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def summary_table(experiments):
    rows = [("experiment", "status", "time", "key numbers (ember / notes)")]
    for x in experiments:
        nums = "; ".join(f"{k}={_fmt_value(v)}" + (f"/{_fmt_value(n)}" if n is not None else "")
                         for k, (v, n) in x.results.items())
        if x.status == "failed":
            nums = x.error if not nums else f"{x.error} | {nums}"
        rows.append((x.name, x.status, fmt_duration(x.seconds), nums))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    # on a terminal, one line per experiment (the report has every number); in a file or
    # a pipe, everything
    room = None
    if sys.stdout.isatty():
        room = max(20, shutil.get_terminal_size().columns - sum(widths) - 6)
    lines = []
    for i, r in enumerate(rows):
        nums = r[3] if room is None or len(r[3]) <= room else r[3][:room - 1] + "…"
        lines.append("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + nums)
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * len(r[3]))
    return "\n".join(lines)


def main(args):
    examples_dir = find_examples_dir(args.examples)
    experiments = discover(examples_dir, args.only)
    if not experiments:
        raise CLIError(f"no experiments found in {examples_dir}", EXIT_ENV)
    out_root = writable_dir(args.out)
    quick = not args.full
    mode = "quick" if quick else "full (the book's)"
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    report = os.path.join(out_root, "report.html")
    n = len(experiments)
    print(f"ember tour: {n} experiment(s) from {examples_dir}, {mode} settings, "
          f"{args.jobs} at a time; output in {out_root}", file=sys.stderr)
    done = [0]  # a disabled tqdm bar (not a terminal) does not count
    lock = threading.Lock()
    t0 = time.perf_counter()
    bar = progress_bar(n, "tour", unit=" experiments")

    def one(exp):
        with lock:
            bar.write(f"{'':>{2 * len(str(n)) + 3}}running {exp.name} ...", file=sys.stderr)
        run_experiment(exp, out_root, quick, args.timeout)
        with lock:
            done[0] += 1
            extra = f"  {exp.error}" if exp.status == "failed" else ""
            bar.write(f"[{done[0]:>{len(str(n))}}/{n}] {exp.status:<6}  {exp.name} "
                      f"({fmt_duration(exp.seconds)}){extra}", file=sys.stderr)
            bar.update()

    interrupted = False
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        for _ in pool.map(one, experiments):
            pass
    except KeyboardInterrupt:
        # The running children got the same Ctrl-C and stop; the queued ones never start.
        # The report still shows what finished.
        interrupted = True
        pool.shutdown(wait=True, cancel_futures=True)
        for exp in experiments:
            if exp.status == "pending":
                exp.status, exp.error = "failed", "interrupted"
    finally:
        pool.shutdown(wait=True)
        bar.close()
    total = time.perf_counter() - t0
    try:
        write_atomic(report, render_html(experiments, mode, total, started))
    except OSError as e:
        raise CLIError(f"cannot write {report}: {e.strerror or e}", EXIT_ENV) from None
    print()
    print(summary_table(experiments))
    n_ok = sum(x.status == "ok" for x in experiments)
    print(f"\n{n_ok}/{n} experiments ok in {fmt_duration(total)}; report: {report}")
    if interrupted:
        return EXIT_INTERRUPTED
    return 0 if n_ok == n else 1


def add_parser(sub):
    p = sub.add_parser(
        "tour", help="run every experiment of the notes and write an HTML report",
        description="Run every script in examples/ (quick settings by default), show the "
                    "progress, print a summary table and write one self-contained HTML "
                    "report with each experiment's figures and key numbers beside the "
                    "notes'. A failing experiment is reported and the tour goes on.")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", default=True,
                       help="small, fast settings (the default)")
    speed.add_argument("--full", action="store_true", help="the book's settings (slow)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these experiments")
    p.add_argument("--out", default=os.path.join("out", "tour"),
                   help="output directory; the report is OUT/report.html (default: out/tour)")
    p.add_argument("--jobs", "-j", type=int, default=1, help="experiments run at once")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds an experiment may take before it counts as failed")
    p.add_argument("--examples", default=None, help="directory of the example scripts")
    p.set_defaults(run=main)
    return p
