"""The core's per-operation overhead and throughput: ember vs PyTorch in one run.

    python -m benchmarks --only core      or    python -m benchmarks.bench_core [--repeat 7]

Times one forward+backward step ``y = (x * x + x).sum(); y.backward()`` on 10 elements
(the cost of the Python machinery: op dispatch, graph recording, the backward walk) and on
1,000 x 1,000 float32 elements (the cost of the arithmetic), best of N runs of ``number``
steps, ember's and PyTorch's runs alternating, and reports the ratio ember / PyTorch.
Targets (issue 16): <= 0.4 on the tiny case, <= 1.3 on the large one.

The large step's floor is the memory it must move at the least, one pass per op as written:
``x * x`` reads x and writes a result (2 arrays of 4 MB), ``+ x`` reads two and writes one
(3), ``sum`` reads one (1), and the backward adds ``(2x + 1)`` into ``x.grad`` (reads x
and the gradient, writes the gradient: 3): 9 x 4 MB, over the memory bandwidth measured at
the step's footprint (x, two temporaries and the gradient, 16 MB).
"""
import argparse
import os
import sys
import time

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

import ember  # noqa: E402

from . import _harness as H  # noqa: E402

# (name, shape, steps per timed run, target ratio, (bytes moved, footprint) or None)
_MB4 = 4 * 1000 * 1000
CASES = [("core: tiny (10) x*x+x, sum, backward", (10,), 2000, 0.4, None),
         ("core: large (1000x1000) x*x+x, sum, backward", (1000, 1000), 10, 1.3,
          (9 * _MB4, 4 * _MB4))]


def make_step(lib, shape):
    data = np.random.default_rng(0).random(shape, dtype=np.float32)
    x = lib.tensor(data, requires_grad=True)

    def step():
        y = (x * x + x).sum()
        y.backward()
    return step


def best_seconds(steps, number, repeat):
    """Best seconds per step of each ``steps[name]``, their runs of ``number`` steps
    alternating (see _harness: the machine is shared and noisy)."""
    best = dict.fromkeys(steps, float("inf"))
    for step in steps.values():
        step()  # warm up (allocations, lazy imports)
    for _ in range(repeat):
        for name, step in steps.items():
            t = time.perf_counter()
            for _ in range(number):
                step()
            best[name] = min(best[name], (time.perf_counter() - t) / number)
    return best


def run(quick=False, info=None, repeat=None):
    """Table rows: the two cases, ember vs PyTorch."""
    torch = H.import_torch()
    repeat = repeat or (3 if quick else 7)
    rows = []
    for name, shape, number, target, traffic in CASES:
        steps = {"ember": make_step(ember, shape)}
        if torch is not None:
            steps["torch"] = make_step(torch, shape)
        best = best_seconds(steps, number, repeat)
        r = H.row(name, best["ember"], best.get("torch"), target)
        if info is not None and traffic is not None:
            H.add_ceiling(r, info, nbytes=traffic[0], footprint=traffic[1])
        rows.append(r)
        print(f"  {name:52s} ember {best['ember'] * 1e6:9.1f} us"
              + (f"  torch {best['torch'] * 1e6:9.1f} us  ratio {r['ratio']:.2f}"
                 if torch is not None else ""), flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="best of this many runs")
    args = parser.parse_args(argv)
    if H.import_torch() is None:
        print("PyTorch is not installed: timing ember alone (no ratios)")
    run(repeat=args.repeat)


if __name__ == "__main__":
    main()
