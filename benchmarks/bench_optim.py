"""One optimizer step over 1M float32 parameters in 10 tensors: ember vs PyTorch's default
implementation, and vs this machine's memory-bandwidth floor.

The floor is the bytes a step must move (SGD with momentum reads p, g, buf and writes buf,
p: 5 x 4 bytes per parameter; Adam reads p, g, m, v and writes p, m, v: 7 x 4 bytes)
divided by the bandwidth of a large copy (NumPy ``copyto`` of 256 MiB, counting its read
and its write). Timings interleave ember and PyTorch and report the median of many steps
(the minimum in brackets).

    python benchmarks/bench_optim.py [--repeat N]
"""
import argparse
import statistics
import time

import numpy as np

import ember
import ember.optim  # noqa: F401  (registers ember.optim until ember/__init__ imports it)

N_TENSORS = 10
N_PARAMS = 1_000_000


def copy_bandwidth(nbytes=256 * 2 ** 20, repeat=10):
    src = np.ones(nbytes // 4, dtype=np.float32)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * nbytes / best


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
