"""Newton's method on cosh(c*x) (convex) and x*cos(c*x) (nonconvex, with and without a
learning rate), with the hand-written Hessian beside the one autograd computes, and a
2-D Newton step with the full Hessian from ember.autograd.functional.hessian.

The notes' "牛顿法" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    def second_derivative(f, x):
        """f''(x) by differentiating twice with autograd (create_graph=True)."""
        x = torch.tensor(float(x), dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        (h,) = torch.autograd.grad(g, x)
        return h.item()

    def newton(f, gradf, hessf, eta=1, steps=10):
        x = 10.0
        results = [x]
        for i in range(steps):
            x -= eta * gradf(x) / hessf(x)
            results.append(float(x))
        print(f"epoch {steps}, x: {x:f}")
        return results

    c = 0.5

    def f(x):
        return torch.cosh(c * x) if torch.is_tensor(x) else np.cosh(c * x)

    def gradf(x):
        return c * np.sinh(c * x)

    def hessf(x):
        return c ** 2 * np.cosh(c * x)

    report("cosh: hand-written f''(2)", hessf(2.0))
    report("cosh: autograd f''(2)", second_derivative(f, 2.0))
    res = newton(f, gradf, hessf)
    report("cosh(cx): x after 10 Newton steps", res[-1])
    d2l.show_trace(res, f)
    save("newton_cosh")

    c = 0.15 * np.pi

    def f(x):
        return x * (torch.cos(c * x) if torch.is_tensor(x) else np.cos(c * x))

    def gradf(x):
        return np.cos(c * x) - c * x * np.sin(c * x)

    def hessf(x):
        return -2 * c * np.sin(c * x) - x * c ** 2 * np.cos(c * x)

    report("x*cos(cx): hand-written f''(3)", hessf(3.0))
    report("x*cos(cx): autograd f''(3)", second_derivative(f, 3.0))
    res = newton(f, gradf, hessf)
    report("x*cos(cx): x after 10 Newton steps (eta=1)", res[-1])
    d2l.show_trace(res, f)
    save("newton_nonconvex")
    res = newton(f, gradf, hessf, eta=0.5)
    report("x*cos(cx): x after 10 Newton steps (eta=0.5)", res[-1])
    d2l.show_trace(res, f)
    save("newton_nonconvex_eta_0.5")

    # Newton in 2-D with the Hessian from autograd: one step solves a quadratic exactly.
    def f_2d(x):
        return x[0] ** 2 + 2 * x[1] ** 2 + x[0] * x[1]

    x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f_2d(x), x)
    H = torch.autograd.functional.hessian(f_2d, x.detach())
    step = torch.linalg.solve(H, g) if hasattr(torch.linalg, "solve") else torch.inverse(H) @ g
    x_new = x.detach() - step
    report("2-D Hessian", H.tolist())
    report("2-D Newton step from (-5, -2)", [round(v, 6) for v in x_new.tolist()])


if __name__ == "__main__":
    main()
