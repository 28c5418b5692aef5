"""Gradient descent in two dimensions on f(x1, x2) = x1**2 + 2*x2**2, and the effect of
stochastic (noisy) gradients.

The notes' "多维梯度下降" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    from ember import d2l

    eta = 0.1

    def f_2d(x1, x2):
        return x1 ** 2 + 2 * x2 ** 2

    def gd_2d(x1, x2):
        return (x1 - eta * 2 * x1, x2 - eta * 4 * x2)

    results = d2l.train_2d(gd_2d)
    d2l.show_trace_2d(f_2d, results, eta)
    save("gd_2d")
    report("gd_2d final (x1, x2)", tuple(round(v, 6) for v in results[-1]))
    report("gd_2d final f", f_2d(*results[-1]))


if __name__ == "__main__":
    main()
