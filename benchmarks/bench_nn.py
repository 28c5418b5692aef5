"""Forward + backward of conv / pooling / batch-norm layers, ember vs PyTorch in one run.

    python -m benchmarks --only nn [--quick]      or    python -m benchmarks.bench_nn

Each case builds the same layer in both libraries (weights copied), runs forward and
backward on the same float32 input, and reports the best (interleaved) time of each and
the ratio ember / torch against its target (issue 16's 1.2 for the convolutions, issue 3's
1.5 for the other layers). The first layer of a network gets data
that needs no gradient; later layers get inputs that do, as in training.
"""
import argparse
import os
import sys

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    __package__ = "benchmarks"

import ember  # noqa: E402
from ember import nn  # noqa: E402

from . import _harness as H  # noqa: E402

CASES = [
    # name, constructor(lib.nn), input shape, input needs grad, target ratio
    ("Conv2d LeNet 1->6 5x5, 256x1x28x28", lambda n: n.Conv2d(1, 6, 5), (256, 1, 28, 28), False,
     1.2),
    ("Conv2d LeNet 6->16 5x5, 256x6x12x12", lambda n: n.Conv2d(6, 16, 5), (256, 6, 12, 12), True,
     1.2),
    ("Conv2d ResNet 64->64 3x3 pad 1, 64x64x28x28",
     lambda n: n.Conv2d(64, 64, 3, padding=1), (64, 64, 28, 28), True, 1.2),
    ("BatchNorm2d(6), 256x6x24x24", lambda n: n.BatchNorm2d(6), (256, 6, 24, 24), True, 1.5),
    ("BatchNorm2d(64), 64x64x28x28", lambda n: n.BatchNorm2d(64), (64, 64, 28, 28), True, 1.5),
    ("MaxPool2d(2), 256x6x24x24", lambda n: n.MaxPool2d(2, 2), (256, 6, 24, 24), True, 1.5),
    ("AvgPool2d(2), 64x128x28x28", lambda n: n.AvgPool2d(2, 2), (64, 128, 28, 28), True, 1.5),
]


def run(quick=False, info=None, repeat=None):
    """Table rows, one per layer: forward+backward, interleaved best of ``repeat``."""
    torch = H.import_torch()
    repeat = repeat or (2 if quick else 5)
    rng = np.random.default_rng(0)
    rows = []
    for name, make, shape, needs_grad, target in CASES:
        if quick:
            shape = (max(2, shape[0] // 16),) + shape[1:]
            name = name.split(",")[0] + f", {'x'.join(map(str, shape))}"
        em = make(nn)
        xe = ember.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=needs_grad)
        with ember.no_grad():
            g = rng.standard_normal(tuple(em(xe).shape)).astype(np.float32)
        runs = {"ember": _stepper(em, xe, ember.tensor(g), repeat)}
        if torch is not None:
            tm = make(torch.nn)
            if list(tm.state_dict()):
                tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()})
            xt = torch.tensor(xe.detach().numpy(), requires_grad=needs_grad)
            runs["torch"] = _stepper(tm, xt, torch.tensor(g), repeat)
        best = H.race(runs, repeat=3)
        r = H.row(f"nn: {name}", best["ember"] / repeat,
                  best["torch"] / repeat if "torch" in best else None, target)
        rows.append(r)
        print(f"  {r['name']:56s} {1e3 * r['ember_s']:9.2f} ms "
              f"{'' if r['torch_s'] is None else format(1e3 * r['torch_s'], '9.2f') + ' ms'} "
              f"{'' if r['ratio'] is None else format(r['ratio'], '.2f')}", flush=True)
    return rows


def _stepper(module, x, g, repeat):
    def steps():
        for _ in range(repeat):
            module(x).backward(g)
            yield
    return steps


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    run(args.quick, repeat=args.repeat)
