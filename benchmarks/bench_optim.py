"""One optimizer step over 1M float32 parameters in 10 tensors: ember vs PyTorch's default
implementation, and vs this machine's memory-bandwidth floor (issue 4's target: within
1.5x of the floor and no slower than PyTorch).

The floor is the bytes a step must move (SGD with momentum reads p, g, buf and writes buf,
p: 5 x 4 bytes per parameter; Adam reads p, g, m, v and writes p, m, v: 7 x 4 bytes)
divided by the memory bandwidth measured at the step's footprint (3 or 4 arrays of 4 MB,
which stay in cache from step to step: ``_harness.memory_bandwidth``). Timings interleave ember and PyTorch and report the median of many steps
(the minimum in brackets). Where numba is installed, ember's step is one compiled pass;
its NumPy path (several ufunc passes) is timed alongside as "ember-numpy".

    python -m benchmarks --only optim      or    python -m benchmarks.bench_optim [--repeat N]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

import ember  # noqa: E402
import ember.optim  # noqa: F401,E402  (registers ember.optim until ember/__init__ imports it)
from ember import _numba  # noqa: E402

from . import _harness as H  # noqa: E402

N_TENSORS = 10
N_PARAMS = 1_000_000
# (optimizer, float32 arrays a step reads or writes, the arrays it touches: its footprint)
STEPS = (("SGD-momentum", 5, 3), ("Adam", 7, 4))


def _make(lib, name, rng):
    size = N_PARAMS // N_TENSORS
    params = []
    for _ in range(N_TENSORS):
        p = lib.tensor(rng.standard_normal(size, dtype=np.float32), requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(size, dtype=np.float32))
        params.append(p)
    if name == "SGD-momentum":
        return lib.optim.SGD(params, lr=0.01, momentum=0.9)
    return lib.optim.Adam(params, lr=1e-3)


def _numpy_path(opt):
    """``opt.step`` on ember's NumPy path (no compiled kernels)."""
    def step():
        with _numba.disabled():
            opt.step()
    return step


def contenders(name, torch):
    """Step functions by label: ember, its NumPy path where numba is on, PyTorch."""
    steps = {"ember": _make(ember, name, np.random.default_rng(0)).step}
    if _numba.enabled():
        steps["ember-numpy"] = _numpy_path(_make(ember, name, np.random.default_rng(0)))
    if torch is not None:
        steps["torch"] = _make(torch, name, np.random.default_rng(0)).step
    return steps


def time_steps(steps, repeat):
    """Interleaved timings of each step function; returns lists of seconds."""
    times = [[] for _ in steps]
    for step in steps:  # warm up: state allocated, kernels compiled, caches primed
        for _ in range(3):
            step()
    for _ in range(repeat):
        for i, step in enumerate(steps):
            t = time.perf_counter()
            step()
            times[i].append(time.perf_counter() - t)
    return times


def run(quick=False, info=None):
    """Table rows (best of interleaved steps), with the bandwidth floor as the ceiling and
    issue 4's target of no slower than PyTorch."""
    torch = H.import_torch()
    rows = []
    for name, accesses, arrays in STEPS:
        steps = contenders(name, torch)
        times = time_steps(list(steps.values()), 10 if quick else 50)
        best = dict(zip(steps, (min(t) for t in times)))
        for label in ("ember", "ember-numpy"):
            if label not in best:
                continue
            path = "" if label == "ember" else " (NumPy path)"
            r = H.row(f"optim: {name} step, 1M params{path}", best[label], best.get("torch"),
                      target=1.0)
            if info is not None:
                H.add_ceiling(r, info, nbytes=accesses * 4 * N_PARAMS,
                              footprint=arrays * 4 * N_PARAMS)
            rows.append(r)
            print(f"  {r['name']:52s} ember {best[label] * 1e3:.2f} ms"
                  + (f"  torch {best['torch'] * 1e3:.2f} ms" if "torch" in best else ""),
                  flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    torch = H.import_torch()
    bw = {name: H.memory_bandwidth(arrays * 4 * N_PARAMS) for name, _, arrays in STEPS}
    print("memory bandwidth at the steps' footprints: "
          + ", ".join(f"{name} {b / 1e9:.1f} GB/s" for name, b in bw.items())
          + (f"; PyTorch {torch.__version__}, {torch.get_num_threads()} threads" if torch else
             "; PyTorch not installed")
          + ("; numba on" if _numba.enabled() else "; numba off (NumPy path)"))
    print("times: median (best) of interleaved single steps; ratios: median (best)")
    for name, accesses, _ in STEPS:
        floor = accesses * 4 * N_PARAMS / bw[name]
        steps = contenders(name, torch)
        times = dict(zip(steps, time_steps(list(steps.values()), args.repeat)))
        med = {k: statistics.median(t) for k, t in times.items()}
        best = {k: min(t) for k, t in times.items()}
        print(f"{name}: floor {floor * 1e3:.3f} ms")
        for label in steps:
            line = (f"  {label:<12}{med[label] * 1e3:>8.3f} ({best[label] * 1e3:.3f}) ms"
                    f"   /floor {med[label] / floor:.2f} ({best[label] / floor:.2f})")
            if label != "torch" and "torch" in steps:
                line += (f"   /torch {med[label] / med['torch']:.2f} "
                         f"({best[label] / best['torch']:.2f})")
            print(line)


if __name__ == "__main__":
    main()
