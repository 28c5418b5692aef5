"""Convexity: chords of a convex and a nonconvex function, a sublevel set, Jensen's
inequality checked numerically, and the second-derivative test from autograd.

The notes' "凸性" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    def f(x):
        return 0.5 * x ** 2  # convex

    def g(x):
        return torch.cos(np.pi * x)  # nonconvex

    def h(x):
        return torch.exp(0.5 * x)  # convex

    x, segment = torch.arange(-2, 2, 0.01), torch.tensor([-1.5, 1])
    d2l.use_svg_display()
    _, axes = d2l.plt.subplots(1, 3, figsize=(9, 3))
    for ax, func in zip(axes, [f, g, h]):
        d2l.plot([x, segment], [func(x), func(segment)], axes=ax)
    save("convex_nonconvex")

    # Convexity along the chord: lambda*f(a) + (1-lambda)*f(b) >= f(lambda*a + (1-lambda)*b).
    lam = torch.linspace(0, 1, 101)
    a, b = -1.5, 1.0
    for name, func in (("f", f), ("g", g), ("h", h)):
        gap = lam * func(torch.tensor(a)) + (1 - lam) * func(torch.tensor(b)) \
            - func(lam * a + (1 - lam) * b)
        report(f"min chord gap of {name} (>= 0 if convex on the chord)",
               round(gap.min().item(), 4))

    # Jensen: E[f(X)] >= f(E[X]) for convex f.
    samples = torch.randn(10000)
    report("Jensen E[f(X)] - f(E[X])", round((f(samples).mean() - f(samples.mean())).item(), 4))

    # Second-order condition f'' >= 0, computed with autograd (create_graph=True).
    xs = torch.linspace(-2, 2, 9, requires_grad=True)
    for name, func in (("f", f), ("g", g), ("h", h)):
        (d1,) = torch.autograd.grad(func(xs).sum(), xs, create_graph=True)
        (d2,) = torch.autograd.grad(d1.sum(), xs)
        report(f"min f'' of {name} on [-2, 2]", round(d2.min().item(), 4))

    # A sublevel set of a convex function and a chord inside it.
    x = torch.arange(-2, 2, 0.01)
    axb, ab = torch.tensor([-1.5, -0.5, 1]), torch.tensor([-1.5, 1])
    d2l.set_figsize((3.5, 2.5))
    d2l.plt.figure()
    d2l.plot([x, axb, ab], [f(x) for x in [x, axb, ab]], "x", "f(x)")
    d2l.annotate("a", (-1.5, f(-1.5)), (-1.5, 1.5))
    d2l.annotate("b", (1, f(1)), (1, 1.5))
    d2l.annotate("x", (-0.5, f(-0.5)), (-1.5, f(-0.5)))
    save("convex_chord")


if __name__ == "__main__":
    main()
