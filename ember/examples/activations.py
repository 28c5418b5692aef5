"""Activation functions and their gradients: ReLU, sigmoid and tanh with autograd, each
drawn above its derivative; sigmoid's saturation on [-100, 100].

The notes' "多层感知机" activation plots and "激活函数及其梯度".
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember.nn import functional as F
    from ember import d2l

    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    for name, fn in (("relu", torch.relu), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
        if x.grad is not None:
            x.grad.data.zero_()
        fig, axs = d2l.plt.subplots(2, 1)
        y = fn(x)
        d2l.plot(x.detach(), y.detach(), "x", f"{name}(x)", figsize=(5, 5), axes=axs[0])
        y.backward(torch.ones_like(x), retain_graph=True)
        d2l.plot(x.detach(), x.grad, "x", f"grad of {name}", figsize=(5, 5), axes=axs[1])
        save(name, fig)
        report(f"max grad of {name}", round(x.grad.max().item(), 4))

    a = torch.linspace(-100, 100, 100, requires_grad=True)
    b = torch.sigmoid(a)
    report("sigmoid(-100), sigmoid(100)", (b[0].item(), b[-1].item()))
    a = torch.linspace(-1, 1, 10, requires_grad=True)
    report("tanh on linspace(-1, 1, 10)", [round(v, 4) for v in torch.tanh(a).tolist()])
    report("relu == F.relu", bool((torch.relu(a) == F.relu(a)).all()))


if __name__ == "__main__":
    main()
