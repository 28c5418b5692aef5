"""Optimization versus deep learning: the risk f and the empirical risk g (f plus a
wiggle) have their minima in different places.

The notes' "优化与估计" / "优化的目标" (risk and empirical risk).
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    def f(x):
        return x * torch.cos(np.pi * x)

    def g(x):
        return f(x) + 0.2 * torch.cos(5 * np.pi * x)

    x = torch.arange(0.5, 1.5, 0.01)
    d2l.set_figsize((4.5, 2.5))
    d2l.plt.figure()
    d2l.plot(x, [f(x), g(x)], "x", "risk")
    d2l.annotate("min of\nempirical risk", (1.0, -1.2), (0.5, -1.1))
    d2l.annotate("min of risk", (1.1, -1.05), (0.95, -0.5))
    save("risk")
    report("argmin of risk", round(x[f(x).argmin()].item(), 2))
    report("argmin of empirical risk", round(x[g(x).argmin()].item(), 2))


if __name__ == "__main__":
    main()
