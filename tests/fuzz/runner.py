"""Running many programs through worker processes, and counting what they show.

A worker that dies while running a program is a crash; one that does not answer in time is
a hang (the worker's own alarm catches hangs in Python code; this timeout catches the rest).
Either way the worker is replaced; the program is generated again from its seed and run in
each library alone, each in a fresh process. It is ember's only if ember alone crashes (or
hangs) and PyTorch alone does not: PyTorch 2.13 itself corrupts its heap on some programs
(a max_pool2d backward whose windows lie in the padding), which aborts only now and then;
those are counted apart. An ember crash is shrunk in ember alone, one fresh process a try.
"""
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import known
from .program import SILENT, Failure
from .shrink import shrink

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 60        # generation and one run; the worker's alarm fires at 10 s a line
SHRINK_TIMEOUT_S = 180


class Gone(Exception):
    """The worker died (``hang`` False) or did not answer in time (``hang`` True)."""

    def __init__(self, hang, detail):
        super().__init__(detail)
        self.hang = hang


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _read(fd, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


class Worker:
    def __init__(self, args=()):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz.worker", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=ROOT, env=_env())

    def send(self, obj):
        data = pickle.dumps(obj)
        self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
        self.proc.stdin.flush()

    def receive(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        try:
            (n,) = struct.unpack("<Q", _read(fd, 8, deadline))
            return pickle.loads(_read(fd, n, deadline))
        except TimeoutError:
            self.close()
            raise Gone(True, f"no answer in {timeout} s") from None
        except EOFError:
            code = self.proc.wait()
            raise Gone(False, f"the interpreter died (exit status {code})") from None

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def check_in_process(program, timeout=30, mode="--check"):
    """Run ``program`` in a fresh worker (``mode``: see worker.py): its answer, or a crash
    or hang Failure."""
    w = Worker([mode])
    try:
        w.send(program)
        return w.receive(timeout)
    except Gone as gone:
        return Failure("hang" if gone.hang else "crash", -1, str(gone))
    finally:
        w.close()


@dataclass
class Finding:
    seed: object
    failure: Failure
    program: object                 # as generated
    small: object = None            # shrunk
    small_failure: Failure = None
    verdict: tuple = None           # known.classify's answer

    def reproducer(self, module="ember"):
        p = self.small or self.program
        f = self.small_failure or self.failure
        return f"# seed {self.seed!r}: {f}\n{p.source(module)}"


@dataclass
class Figures:
    programs: int = 0
    kinds: Counter = field(default_factory=Counter)          # unaccepted failures by kind
    accepted: Counter = field(default_factory=Counter)       # deliberate differences
    still_open: Counter = field(default_factory=Counter)     # found, not fixed yet
    reference_crashes: list = field(default_factory=list)    # seeds whose crash was not ember's
    findings: list = field(default_factory=list)             # the unaccepted ones
    seconds: float = 0.0

    def report(self):
        silent = sum(self.kinds[k] for k in SILENT)
        lines = [f"programs: {self.programs} in {self.seconds / 60:.1f} min",
                 f"crashes: {self.kinds['crash']}", f"hangs: {self.kinds['hang']}",
                 f"silent mismatches: {silent}" + "".join(
                     f"\n  {k}: {self.kinds[k]}" for k in SILENT if self.kinds[k]),
                 f"raise-vs-succeed: {self.kinds['raise-vs-succeed']}",
                 f"exception-class: {self.kinds['exception-class']}",
                 f"accepted deliberate differences: {sum(self.accepted.values())}" + "".join(
                     f"\n  {k}: {n}" for k, n in self.accepted.most_common()),
                 f"open (found, not fixed yet): {sum(self.still_open.values())}"
                 + "".join(f"\n  {k}: {n}" for k, n in self.still_open.most_common()),
                 f"not ember's (PyTorch alone crashed or hung, or ember alone ran clean; not counted): "
                 f"{len(self.reference_crashes)}"
                 + (f" (seeds {self.reference_crashes[:5]})" if self.reference_crashes else "")]
        return "\n".join(lines)


def fuzz(seeds, deadline=None, do_shrink=True, progress=None):
    """Run the programs of ``seeds`` (an iterable) until it ends or ``deadline`` passes."""
    figs = Figures()
    start = time.monotonic()
    worker = None
    for seed in seeds:
        if deadline is not None and time.monotonic() > deadline:
            break
        worker = worker or Worker()
        figs.programs += 1
        worker.send((seed, do_shrink))
        try:
            _, _, program, failure = worker.receive(RUN_TIMEOUT_S)
        except Gone as gone:
            worker = None
            print(f"seed {seed!r}: {gone}", file=sys.stderr, flush=True)
            program = check_in_process(seed, RUN_TIMEOUT_S, "--generate")
            # ember's only if it recurs in ember alone: PyTorch's heap corruption (its
            # max_pool2d backward writing outside the plane) aborts only now and then
            if isinstance(program, Failure) or isinstance(
                    check_in_process(program, RUN_TIMEOUT_S, "--torch"), Failure) or not \
                    isinstance(check_in_process(program, RUN_TIMEOUT_S, "--ember"), Failure):
                figs.reference_crashes.append(seed)
                continue
            failure = Failure("hang" if gone.hang else "crash", -1, str(gone))
            finding = Finding(seed, failure, program)
            if do_shrink:
                want = failure.kind
                finding.small = shrink(program, lambda p: getattr(
                    check_in_process(p, mode="--ember"), "kind", None) == want, budget=60)
                finding.small_failure = check_in_process(finding.small, mode="--ember")
        else:
            finding = Finding(seed, failure, program) if failure else None
            try:
                _, _, small, small_failure = worker.receive(SHRINK_TIMEOUT_S)
            except Gone:
                worker = None
            else:
                if finding:
                    finding.small, finding.small_failure = small, small_failure
        if finding:
            _count(figs, finding)
        if progress:
            progress(figs)
    if worker:
        worker.close()
    figs.seconds = time.monotonic() - start
    return figs


def _count(figs, finding):
    finding.verdict = known.classify(finding)
    if finding.verdict is None:
        figs.kinds[finding.failure.kind] += 1
        figs.findings.append(finding)
    elif finding.verdict[0] == "deliberate":
        figs.accepted[finding.verdict[1]] += 1
    else:
        figs.still_open[finding.verdict[1]] += 1
