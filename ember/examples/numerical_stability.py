"""Numerical stability: the vanishing gradient of the sigmoid, exploding products of
random matrices, and how Xavier initialization keeps the variance of activations steady.

The notes' "数值稳定性和模型初始化" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x))
    d2l.plt.figure()
    d2l.plot(x.detach().numpy(), [y.detach().numpy(), x.grad.numpy()],
             legend=["sigmoid", "gradient"], figsize=(4.5, 2.5))
    save("sigmoid_gradient")
    report("max sigmoid gradient", x.grad.max().item())
    report("sigmoid gradient at x=-8", round(x.grad[0].item(), 6))

    M = torch.normal(0, 1, size=(4, 4))
    print("a single matrix\n", M)
    for i in range(100):
        M = torch.mm(M, torch.normal(0, 1, size=(4, 4)))
    print("after multiplying 100 matrices\n", M)
    report("max |entry| after 100 products", f"{M.abs().max().item():.3e}")

    # Variance of activations through 10 linear layers: default init vs Xavier vs N(0, 1).
    X = torch.randn(512, 256)
    for name, init in (("N(0,1)", lambda w: nn.init.normal_(w, std=1.0)),
                       ("xavier_uniform", nn.init.xavier_uniform_),
                       ("xavier_normal", nn.init.xavier_normal_)):
        h = X
        with torch.no_grad():
            for _ in range(10):
                layer = nn.Linear(256, 256, bias=False)
                init(layer.weight)
                h = layer(h)
        report(f"activation variance after 10 layers, {name}", f"{h.var().item():.4g}")


if __name__ == "__main__":
    main()
