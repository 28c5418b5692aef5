"""What every benchmark here shares: the machine's ceilings, interleaved best-of-N timing of
ember against PyTorch, peak memory in a child process, the table and the JSON record.

Timing rule: the machine is shared and noisy, so ember and PyTorch are always timed in the
same process, alternating (in stretches of steps of at least 20 ms, run by run for short runs), and the
best of N is kept for each; the ratio ember / PyTorch is what is reported.
"""
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_torch():
    """PyTorch with as many threads as this process may use, or None when absent (or when
    ``EMBER_BENCH_NO_TORCH`` is set: ember alone, no ratios)."""
    if os.environ.get("EMBER_BENCH_NO_TORCH"):
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else os.cpu_count())
    return torch


def memory_bandwidth(footprint, repeat=8):
    """Bytes per second at which this machine streams float32 data of ``footprint`` bytes
    that stays in use step after step (so what fits in a cache sits there, as a workload's
    arrays do): the best of two one-pass kernels, each on one thread and split over every
    core. A copy between two halves of the footprint counts its read and its write, and its
    destination pays a write-allocate (a read of each line before it is overwritten); an
    in-place update of the whole (``a *= 1``, what optimizer steps and gradient
    accumulation do) counts its read and its write and pays no write-allocate, so it runs up
    to twice the copy's rate. The best of both, measured at the workload's own footprint,
    is what a workload that makes one pass per array and op can approach but not beat.
    (The old ceiling, a 256 MiB copy, measured memory that is not in cache and the
    write-allocate: optimizer steps on 1M parameters, in cache and in place, ran at 121-156
    % of it.)"""
    n = max(footprint // 8, 1024)  # float32 elements per half
    whole = np.ones(2 * n, dtype=np.float32)
    src, dst = whole[:n], whole[n:]
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count()
    kernels = ((lambda a, b: np.copyto(b, a), (src, dst), 2 * src.nbytes),
               (lambda a: np.multiply(a, 1.0, out=a), (whole,), 2 * whole.nbytes))
    best = 0.0
    with ThreadPoolExecutor(max(threads - 1, 1)) as pool:
        for kernel, arrays, nbytes in kernels:
            for t in sorted({1, threads}):
                run = _split(pool, kernel, arrays, t)
                run()  # fault the pages in and warm the caches before timing
                fastest = min(_seconds(run) for _ in range(repeat))
                best = max(best, nbytes / fastest)
    return best


def _seconds(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _split(pool, kernel, arrays, threads):
    """``kernel(*arrays)`` as one call, or cut into ``threads`` equal slices run at once,
    the first on this thread and the rest on ``pool`` (NumPy releases the GIL in its
    loops)."""
    if threads == 1:
        return lambda: kernel(*arrays)
    n = arrays[0].size
    cuts = [n * i // threads for i in range(threads + 1)]
    parts = [[a[lo:hi] for a in arrays] for lo, hi in zip(cuts, cuts[1:])]

    def run():
        futures = [pool.submit(kernel, *p) for p in parts[1:]]
        kernel(*parts[0])
        for f in futures:
            f.result()
    return run


def bandwidth(info, footprint):
    """``memory_bandwidth(footprint)`` in bytes per second, measured once per footprint and
    recorded in ``info["bandwidth_gbps"]`` (by footprint in MB) for the table and JSON."""
    table = info.setdefault("bandwidth_gbps", {})
    key = f"{footprint / 1e6:.0f} MB"
    if key not in table:
        table[key] = memory_bandwidth(footprint, 3 if info.get("quick") else 8) / 1e9
    return table[key] * 1e9


def matmul_flops(n=1024, repeat=8):
    """Float32 FLOP/s of one large NumPy (BLAS) matrix product, best of ``repeat`` with
    one BLAS thread and with all of them (on a loaded machine one thread can be faster)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return _matmul_flops(n, repeat)
    best = 0.0
    for threads in (1, None):
        with threadpool_limits(limits=threads, user_api="blas"):
            best = max(best, _matmul_flops(n, repeat))
    return best


def _matmul_flops(n, repeat):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best


def machine(torch=None, quick=False):
    """The machine and its two ceilings, measured now."""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                       platform.processor())
    except OSError:
        cpu = platform.processor()
    info = {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "blas": blas_libraries(torch),
        "matmul_gflops": matmul_flops(256 if quick else 1024, 3 if quick else 8) / 1e9,
        "quick": quick,
    }
    # Memory far larger than any cache: the rate that bounds big workloads (rows with a
    # smaller footprint measure theirs when they add their ceiling).
    bandwidth(info, 64 * 2 ** 20 if quick else 512 * 2 ** 20)
    return info


def blas_libraries(torch=None):
    """The BLAS libraries loaded now, as threadpoolctl reports them (NumPy's, which ember's
    products use: library, version, the kernels it chose for this CPU, threads), and
    PyTorch's own (MKL or OpenBLAS, built in, so threadpoolctl cannot see it)."""
    libs = []
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = list
    for d in threadpool_info():
        if d.get("user_api") == "blas":
            libs.append({"library": d.get("internal_api"), "version": d.get("version"),
                         "architecture": d.get("architecture"),
                         "threads": d.get("num_threads"), "file": d.get("filepath")})
    if torch is not None:
        config = torch.__config__.show()
        blas = next((part.split("=", 1)[1] for part in config.replace(",", " ").split()
                     if part.startswith("BLAS_INFO=")), None)
        libs.append({"library": f"torch's {blas}" if blas else "torch's",
                     "architecture": torch.backends.cpu.get_cpu_capability(),
                     "threads": torch.get_num_threads()})
    return libs


def describe_blas(libs):
    """``blas_libraries()`` in words, for the ceilings line."""
    words = []
    for lib in libs:
        name = " ".join(str(x) for x in (lib["library"], lib.get("version")) if x)
        arch = f"{lib['architecture']} kernels, " if lib.get("architecture") else ""
        words.append(f"{name} ({arch}{lib['threads']} threads)")
    forced = [f"{v}={os.environ[v]}" for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
              if os.environ.get(v)]
    if forced:  # they make NumPy's current OpenBLAS run slower, older kernels
        words.append(f"{' '.join(forced)} set: run benchmarks with them unset")
    return "; ".join(words) if words else "BLAS unknown (threadpoolctl not installed)"


# Shortest stretch of one library's steps before the race switches to the other. Switching
# after every step let each library's step run on caches the other had just filled: the
# notes' linear regression (~50 us steps) took ember 31 ms alternating step by step against
# 16 ms on its own, and PyTorch 53 against 43 ms, though neither ever runs that way for a
# user. 20 ms stretches make that cost negligible and still alternate far faster than the
# machine's load changes.
STRETCH_S = 0.02


def race(factories, repeat=1, warmup=1, stretch=STRETCH_S):
    """Time several runs against each other, alternating in stretches of steps.

    ``factories`` maps a name to a function returning a fresh iterator whose every ``next``
    does one step of that run. One round advances all runs in turn, each for at least
    ``stretch`` seconds of steps (one step when a step takes longer) until every iterator is
    exhausted, timing each step; the round's time for a run is the sum of its steps.
    Returns ``{name: best round time in seconds}`` over ``repeat`` rounds, after ``warmup``
    untimed steps of each run."""
    for make in factories.values():
        it = make()
        for _ in range(warmup):
            if next(it, StopIteration) is StopIteration:
                break
    best = {name: float("inf") for name in factories}
    clock = time.perf_counter
    for _ in range(repeat):
        iters = {name: make() for name, make in factories.items()}
        totals = dict.fromkeys(factories, 0.0)
        while iters:
            for name in list(iters):
                spent = 0.0
                while True:
                    t = clock()
                    done = next(iters[name], StopIteration) is StopIteration
                    dt = clock() - t
                    if done:
                        del iters[name]
                        break
                    spent += dt
                    if spent >= stretch:
                        break
                totals[name] += spent
        for name, total in totals.items():
            best[name] = min(best[name], total)
    return best


def peak_rss_delta(module, workload, lib, quick, timeout=600):
    """Peak resident memory a workload adds, in bytes, measured in a fresh child process:
    its peak RSS (VmHWM) during the run minus its RSS once the model and data are set up
    and the peak is reset (``module.memory_probe`` does the measuring). None when the
    child fails."""
    cmd = [sys.executable, "-m", module, "--memory-probe", workload, lib]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT,
                             env=env)
    except subprocess.TimeoutExpired:
        return None
    for line in out.stdout.splitlines()[::-1]:
        if line.startswith("PEAK_RSS_DELTA "):
            return int(line.split()[1])
    sys.stderr.write(f"memory probe {workload} {lib} failed:\n{out.stderr[-2000:]}\n")
    return None


def _status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(field)


def reset_peak_rss():
    """Start a fresh peak: Linux's VmHWM is reset to the current RSS by writing 5 to
    clear_refs. (``ru_maxrss`` cannot serve: a child inherits its parent's at fork.)
    Returns the RSS the new peak starts from."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    return _status_bytes("VmRSS")


def peak_rss_bytes():
    return _status_bytes("VmHWM")


def row(name, ember_s, torch_s, target=None, **extra):
    """One table row; ``extra`` holds flops, bytes, memory and notes."""
    ratio = ember_s / torch_s if torch_s else None
    r = {"name": name, "ember_s": ember_s, "torch_s": torch_s, "ratio": ratio,
         "target": target}
    if target is not None and ratio is not None:
        r["met"] = ratio <= target
        r["miss_by"] = None if r["met"] else ratio / target
    r.update(extra)
    return r


def _fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    return f"{s * 1e3:.1f} ms" if s < 10 else f"{s:.2f} s"


def _fmt_bytes(b):
    return "-" if b is None else f"{b / 2 ** 20:.0f} MiB"


def ceilings_line(info):
    """The machine's ceilings, its BLAS and its load, in one line."""
    memory = ", ".join(f"{gbps:.1f} GB/s at {size}"
                       for size, gbps in info.get("bandwidth_gbps", {}).items())
    load = info.get("load_average_at_start")
    return (f"ceilings: float32 matmul {info['matmul_gflops']:.1f} GFLOP/s; memory {memory} "
            f"(footprint; best of a copy and an in-place update, 1 and {info['cores']} "
            f"threads); BLAS: {describe_blas(info.get('blas', []))} ({info['cores']} cores: "
            f"{info['cpu']}" + (f"; load average at start {load[0]:.1f})" if load else ")"))


def format_table(rows, info):
    """The table as GitHub markdown (also readable in a terminal)."""
    lines = [ceilings_line(info), 
             "",
             "| workload | ember | torch | ember/torch | target | met | ember % of ceiling "
             "| torch % of ceiling | ember peak mem | torch peak mem | mem ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}"
        target = "-" if r.get("target") is None else f"≤ {r['target']:g}"
        if "met" not in r:
            met = "-"
        elif r["met"]:
            met = "yes"
        else:
            met = f"no ({r['miss_by']:.2f}x over)"
        ceil_e = "-" if r.get("ember_ceiling_pct") is None else f"{r['ember_ceiling_pct']:.1f}%"
        ceil_t = "-" if r.get("torch_ceiling_pct") is None else f"{r['torch_ceiling_pct']:.1f}%"
        me, mt = r.get("ember_peak_bytes"), r.get("torch_peak_bytes")
        mratio = f"{me / mt:.2f}" if me and mt else "-"
        lines.append(f"| {r['name']} | {_fmt_time(r.get('ember_s'))} | "
                     f"{_fmt_time(r.get('torch_s'))} | {ratio} | {target} | {met} | {ceil_e} | "
                     f"{ceil_t} | {_fmt_bytes(me)} | {_fmt_bytes(mt)} | {mratio} |")
    return "\n".join(lines)


def add_ceiling(r, info, flops=None, nbytes=None, footprint=None):
    """Fill in how far each library ran from the machine's ceiling for this work: the time
    the ceiling allows (FLOPs / matmul rate, or bytes moved / the memory bandwidth measured
    at the workload's footprint, the bytes its arrays occupy: ``nbytes`` unless given)
    over the time taken."""
    if flops:
        floor = flops / (info["matmul_gflops"] * 1e9)
        r["flops"] = flops
        r["ceiling"] = "matmul"
    elif nbytes:
        footprint = footprint or nbytes
        floor = nbytes / bandwidth(info, footprint)
        r["bytes"] = nbytes
        r["footprint_bytes"] = footprint
        r["ceiling"] = "memory"
    else:
        return r
    r["floor_s"] = floor
    if r.get("ember_s"):
        r["ember_ceiling_pct"] = 100 * floor / r["ember_s"]
    if r.get("torch_s"):
        r["torch_ceiling_pct"] = 100 * floor / r["torch_s"]
    return r


def write_results(record, out_dir=RESULTS_DIR):
    """``record`` as ``latest.json`` and a timestamped copy; returns the latest's path."""
    os.makedirs(out_dir, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = json.dumps(record, indent=1, default=float)
    for name in ("latest.json", f"{stamp}.json"):
        path = os.path.join(out_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    return os.path.join(out_dir, "latest.json")
