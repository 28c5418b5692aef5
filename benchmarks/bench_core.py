"""The core's per-operation overhead and throughput: ember vs PyTorch in one run.

    python -m benchmarks.bench_core [--repeat 7]

Times one forward+backward step ``y = (x * x + x).sum(); y.backward()`` on 10 elements
(the cost of the Python machinery: op dispatch, graph recording, the backward walk) and on
1,000 x 1,000 float32 elements (the cost of the arithmetic), best of N with ``timeit``, and
prints the ratio ember / PyTorch. Targets: <= 1.0 on the tiny case, <= 1.3 on the large one.
"""
import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402

CASES = [("tiny (10)", (10,), 2000), ("large (1000x1000)", (1000, 1000), 10)]
TARGETS = {"tiny (10)": 1.0, "large (1000x1000)": 1.3}


def make_step(lib, shape):
    data = np.random.default_rng(0).random(shape, dtype=np.float32)
    x = lib.tensor(data, requires_grad=True)

    def step():
        y = (x * x + x).sum()
        y.backward()
    return step


def best_seconds(step, number, repeat):
    step()  # warm up (allocations, lazy imports)
    return min(timeit.repeat(step, number=number, repeat=repeat)) / number


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="best of this many runs")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing ember alone (no ratios)")
    else:
        torch.set_num_threads(ember.get_num_threads())
    print(f"{'case':<20}{'ember':>12}{'torch':>12}{'ratio':>8}{'target':>8}")
    for name, shape, number in CASES:
        e = best_seconds(make_step(ember, shape), number, args.repeat)
        if torch is None:
            print(f"{name:<20}{e * 1e6:>10.1f}us")
            continue
        t = best_seconds(make_step(torch, shape), number, args.repeat)
        ratio = e / t
        flag = "ok" if ratio <= TARGETS[name] else "SLOW"
        print(f"{name:<20}{e * 1e6:>10.1f}us{t * 1e6:>10.1f}us{ratio:>8.2f}"
              f"{TARGETS[name]:>6.1f} {flag}")


if __name__ == "__main__":
    main()
