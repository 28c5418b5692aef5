"""Forward + backward of conv / pooling / batch-norm layers, ember vs PyTorch in one run.

    python benchmarks/bench_nn.py [--repeat N]

Each case builds the same layer in both libraries (weights copied), runs forward and
backward on the same float32 input, and reports the median wall time of each and the
ratio ember / torch (the target is at most 1.5). The first layer of a network gets data
that needs no gradient; later layers get inputs that do, as in training.
"""
import argparse
import statistics
import time

import numpy as np

import ember
from ember import nn

CASES = [
    # name, constructor(lib.nn), input shape, input needs grad
    ("Conv2d LeNet 1->6 5x5, 256x1x28x28", lambda n: n.Conv2d(1, 6, 5), (256, 1, 28, 28), False),
    ("Conv2d LeNet 6->16 5x5, 256x6x12x12", lambda n: n.Conv2d(6, 16, 5), (256, 6, 12, 12), True),
    ("Conv2d ResNet 64->64 3x3 pad 1, 64x64x28x28",
     lambda n: n.Conv2d(64, 64, 3, padding=1), (64, 64, 28, 28), True),
    ("BatchNorm2d(6), 256x6x24x24", lambda n: n.BatchNorm2d(6), (256, 6, 24, 24), True),
    ("BatchNorm2d(64), 64x64x28x28", lambda n: n.BatchNorm2d(64), (64, 64, 28, 28), True),
    ("MaxPool2d(2), 256x6x24x24", lambda n: n.MaxPool2d(2, 2), (256, 6, 24, 24), True),
    ("AvgPool2d(2), 64x128x28x28", lambda n: n.AvgPool2d(2, 2), (64, 128, 28, 28), True),
]


def _timed(step, repeat):
    step()  # warm-up: allocations, BLAS threads
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(repeat):
    import torch

    rng = np.random.default_rng(0)
    print(f"{'case':48s} {'ember ms':>10s} {'torch ms':>10s} {'ratio':>7s}")
    for name, make, shape, needs_grad in CASES:
        tm = make(torch.nn)
        em = make(nn)
        if list(tm.state_dict()):
            em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        x = rng.standard_normal(shape).astype(np.float32)
        xe = ember.tensor(x, requires_grad=needs_grad)
        xt = torch.tensor(x, requires_grad=needs_grad)
        with torch.no_grad():
            g = rng.standard_normal(tuple(tm(xt).shape)).astype(np.float32)
        ge, gt = ember.tensor(g), torch.tensor(g)

        def step_e():
            em(xe).backward(ge)

        def step_t():
            tm(xt).backward(gt)

        # Interleave the two libraries so that machine noise hits both alike.
        te, tt = [], []
        for _ in range(3):
            te.append(_timed(step_e, repeat))
            tt.append(_timed(step_t, repeat))
        e_ms, t_ms = 1e3 * min(te), 1e3 * min(tt)
        print(f"{name:48s} {e_ms:10.2f} {t_ms:10.2f} {e_ms / t_ms:7.2f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    run(parser.parse_args().repeat)
