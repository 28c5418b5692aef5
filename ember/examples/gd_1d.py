"""Gradient descent in one dimension on f(x) = x**2 with learning rates 0.2, 0.05 and 1.1,
and on the nonconvex x*cos(c*x) with a learning rate of 2 (a local minimum).

The notes' "一维梯度下降" and "学习率" sections.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import numpy as np
    from ember import d2l

    def f(x):
        return x ** 2

    def gradf(x):
        return 2 * x

    def gd(eta, f_grad, steps=10):
        x = 10.0
        results = [x]
        for i in range(steps):
            x -= eta * f_grad(x)
            results.append(float(x))
        print(f"epoch {steps}, x: {x:f}")
        return results

    for eta in (0.2, 0.05, 1.1):
        res = gd(eta, gradf)
        report(f"x after 10 steps, eta={eta}", res[-1])
        d2l.show_trace(res, f)
        save(f"gd_eta_{eta}")

    c = 0.15 * np.pi

    def f_nc(x):
        return x * np.cos(c * x)

    def gradf_nc(x):
        return np.cos(c * x) - c * x * np.sin(c * x)

    res = gd(2, gradf_nc)
    report("x after 10 steps on x*cos(cx), eta=2", res[-1])
    d2l.show_trace(res, f_nc)
    save("gd_local_minimum")


if __name__ == "__main__":
    main()
