"""Challenges of optimization in deep learning: a local minimum of x*cos(pi*x), the saddle
points of x**3 and x**2 - y**2, and the vanishing gradient of tanh.

The notes' "优化在深度学习中的挑战" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    def f(x):
        return x * torch.cos(np.pi * x)

    x = torch.arange(-1.0, 2.0, 0.01)
    d2l.plt.figure()
    d2l.plot(x, [f(x), ], "x", "f(x)")
    d2l.annotate("local minimum", (-0.3, -0.25), (-0.77, -1.0))
    d2l.annotate("global minimum", (1.1, -0.95), (0.6, 0.8))
    save("local_minimum")
    left = x < 0.5
    report("local minimum near", round(x[left][f(x)[left].argmin()].item(), 2))
    report("global minimum near", round(x[f(x).argmin()].item(), 2))

    x = torch.arange(-2.0, 2.0, 0.01)
    d2l.plt.figure()
    d2l.plot(x, [x ** 3], "x", "f(x)")
    d2l.annotate("saddle point", (0, -0.2), (-0.52, -5.0))
    save("saddle_1d")

    x, y = torch.meshgrid(torch.linspace(-1.0, 1.0, 101), torch.linspace(-1.0, 1.0, 101),
                          indexing="ij")
    z = x ** 2 - y ** 2
    ax = d2l.plt.figure().add_subplot(111, projection="3d")
    ax.plot_wireframe(x, y, z, **{"rstride": 10, "cstride": 10})
    ax.plot([0], [0], [0], "rx")
    ticks = [-1, 0, 1]
    d2l.plt.xticks(ticks)
    d2l.plt.yticks(ticks)
    ax.set_zticks(ticks)
    d2l.plt.xlabel("x")
    d2l.plt.ylabel("y")
    save("saddle_2d")

    # The Hessian of x**2 - y**2 at the saddle point has eigenvalues of both signs.
    hess = torch.autograd.functional.hessian(lambda p: p[0] ** 2 - p[1] ** 2,
                                             torch.zeros(2))
    report("Hessian eigenvalues at (0, 0)", sorted(np.linalg.eigvalsh(hess.numpy()).tolist()))

    x = torch.arange(-2.0, 5.0, 0.01)
    d2l.plt.figure()
    d2l.plot(x, [torch.tanh(x)], "x", "f(x)")
    d2l.annotate("vanishing gradient", (4, 1), (2, 0.0))
    save("vanishing_gradient")
    x4 = torch.tensor(4.0, requires_grad=True)
    torch.tanh(x4).backward()
    report("tanh'(4)", round(x4.grad.item(), 4), notes=0.0013)


if __name__ == "__main__":
    main()
