"""Automatic differentiation: gradients of scalars, of non-scalars with a gradient
argument, detach, gradients through Python control flow, torch.autograd.grad, and the
plot of sin(x) with its gradient.

The notes' "自动微分" section and the chain-rule examples of "pytorch基础(三)".
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember.nn import functional as F
    from ember import d2l

    x = torch.arange(4.0)
    x.requires_grad_(True)
    y = 2 * torch.dot(x, x)
    y.backward()
    report("grad of 2x.x", x.grad.tolist())
    report("equals 4x", bool((x.grad == 4 * x).all()))
    x.grad.zero_()
    y = x.sum()
    y.backward()
    report("grad of x.sum()", x.grad.tolist())

    x.grad.zero_()
    y = x * x
    y.backward(torch.tensor([0.1, 0.2, 0.3, 0.4]))
    report("grad of x*x with gradient [.1,.2,.3,.4]", [round(v, 6) for v in x.grad.tolist()])

    x.grad.zero_()
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    report("detach: grad == u", bool((x.grad == u).all()))
    x.grad.zero_()
    y.sum().backward()
    report("grad == 2x", bool((x.grad == 2 * x).all()))

    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    a = torch.randn(size=(), requires_grad=True)
    d = f(a)
    d.backward()
    report("control flow: a.grad == d / a", bool(a.grad == d / a))

    a = torch.randn((2, 4), requires_grad=True, dtype=torch.float32)
    d = f(a)
    d.backward(torch.ones((2, 4)))
    report("control flow on a matrix: grad", a.grad[0, 0].item())

    # Chain rule with torch.autograd.grad (pytorch基础(三)).
    x = torch.tensor(1.)
    w1 = torch.tensor(2., requires_grad=True)
    b1 = torch.tensor(1., requires_grad=True)
    w2 = torch.tensor(2., requires_grad=True)
    b2 = torch.tensor(1., requires_grad=True)
    y1 = w1 * x + b1
    y2 = w2 * y1 + b2
    dy2_dy1 = torch.autograd.grad(y2, [y1], retain_graph=True)[0]
    dy1_dw1 = torch.autograd.grad(y1, [w1], retain_graph=True)[0]
    dy2_dw1 = torch.autograd.grad(y2, [w1], retain_graph=True)[0]
    report("dy2/dy1 * dy1/dw1", (dy2_dy1 * dy1_dw1).item())
    report("dy2/dw1", dy2_dw1.item(), notes=2.0)

    w = torch.full([1], 2., requires_grad=True)
    mse = F.mse_loss(torch.ones(1), torch.ones(1) * w)
    report("mse", mse.item(), notes=1.0)
    report("d mse / dw", torch.autograd.grad(mse, [w])[0].item(), notes=2.0)

    a = torch.tensor([0.8659, 0.0540, 0.4153], requires_grad=True)
    p = F.softmax(a, dim=0)
    report("d softmax[0] / da", [round(v, 4) for v in
                                 torch.autograd.grad(p[0], [a], retain_graph=True)[0].tolist()])

    x = torch.arange(-1, 4, 0.1, requires_grad=True)
    y = sum(torch.sin(x))
    z = torch.sin(x)
    y.backward()
    report("grad of sum(sin x) == cos x",
           bool(torch.allclose(x.grad, torch.cos(x.detach()), atol=1e-6)))
    d2l.plot(x.detach().numpy(), [z.detach().numpy(), x.grad.detach().numpy()], "x", "f(x)",
             legend=["sin x", "grad"])
    save("sin_and_grad")


if __name__ == "__main__":
    main()
