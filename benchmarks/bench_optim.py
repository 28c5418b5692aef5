"""One optimizer step over 1M float32 parameters in 10 tensors: ember vs PyTorch's default
implementation, and vs this machine's memory-bandwidth floor.

The floor is the bytes a step must move (SGD with momentum reads p, g, buf and writes buf,
p: 5 x 4 bytes per parameter; Adam reads p, g, m, v and writes p, m, v: 7 x 4 bytes)
divided by the bandwidth of a large copy (NumPy ``copyto`` of 256 MiB, counting its read
and its write). Timings interleave ember and PyTorch and report the median of many steps
(the minimum in brackets).

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

from . import _harness as H  # noqa: E402
from ._harness import copy_bandwidth  # noqa: E402

N_TENSORS = 10
N_PARAMS = 1_000_000


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


def time_steps(opts, repeat):
    """Interleaved timings of ``step()`` for each optimizer; returns lists of seconds."""
    times = [[] for _ in opts]
    for opt in opts:  # warm up: state allocated, caches and thread pool primed
        for _ in range(3):
            opt.step()
    for _ in range(repeat):
        for i, opt in enumerate(opts):
            t = time.perf_counter()
            opt.step()
            times[i].append(time.perf_counter() - t)
    return times


def run(quick=False, info=None):
    """Table rows (best of interleaved steps), with the bandwidth floor as the ceiling."""
    torch = H.import_torch()
    rows = []
    for name, accesses in (("SGD-momentum", 5), ("Adam", 7)):
        opts = {"ember": _make(ember, name, np.random.default_rng(0))}
        if torch is not None:
            opts["torch"] = _make(torch, name, np.random.default_rng(0))
        times = time_steps(list(opts.values()), 10 if quick else 50)
        best = dict(zip(opts, (min(t) for t in times)))
        r = H.row(f"optim: {name} step, 1M params", best["ember"], best.get("torch"))
        if info is not None:
            H.add_ceiling(r, info, nbytes=accesses * 4 * N_PARAMS)
        rows.append(r)
        print(f"  {r['name']:40s} ember {best['ember'] * 1e3:.2f} ms"
              + (f"  torch {best['torch'] * 1e3:.2f} ms" if "torch" in best else ""), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    bw = copy_bandwidth()
    print(f"large-copy bandwidth: {bw / 1e9:.1f} GB/s"
          + (f"; PyTorch {torch.__version__}, {torch.get_num_threads()} threads" if torch else
             "; PyTorch not installed"))
    print("times: median (best) of interleaved single steps; ratios: median (best)")
    print(f"{'step':<14}{'floor':>9}{'ember':>20}{'torch':>20}{'ember/floor':>14}"
          f"{'ember/torch':>14}")
    for name, accesses in (("SGD-momentum", 5), ("Adam", 7)):
        floor = accesses * 4 * N_PARAMS / bw
        opts = [_make(ember, name, np.random.default_rng(0))]
        if torch is not None:
            opts.append(_make(torch, name, np.random.default_rng(0)))
        times = time_steps(opts, args.repeat)
        med = [statistics.median(t) for t in times]
        best = [min(t) for t in times]
        cells = [f"{m * 1e3:.3f} ({b * 1e3:.3f}) ms" for m, b in zip(med, best)]
        vs_floor = f"{med[0] / floor:.2f} ({best[0] / floor:.2f})"
        if torch is None:
            cells.append("-")
            vs_torch = "-"
        else:
            vs_torch = f"{med[0] / med[1]:.2f} ({best[0] / best[1]:.2f})"
        print(f"{name:<14}{floor * 1e3:>6.3f} ms{cells[0]:>20}{cells[1]:>20}{vs_floor:>14}"
              f"{vs_torch:>14}")

if __name__ == "__main__":
    main()
