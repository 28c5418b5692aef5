"""Himmelblau's function (x**2 + y - 11)**2 + (x + y**2 - 7)**2: its surface, and Adam
from (0, 0) converging to the minimum (3, 2).

The notes' "2D函数优化实例" section of "pytorch基础(三)".
"""
from _common import report, save, setup


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def main():
    args = setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    x = np.arange(-6, 6, 0.1)
    y = np.arange(-6, 6, 0.1)
    print("x,y range:", x.shape, y.shape)
    X, Y = np.meshgrid(x, y)
    Z = himmelblau([X, Y])
    fig = d2l.plt.figure("himmelblau")
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(X, Y, Z)
    ax.view_init(60, -30)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    save("himmelblau_surface", fig)

    steps = 4000 if args.quick else 20000
    x = torch.tensor([0., 0.], requires_grad=True)
    adam = torch.optim.Adam([x], 1e-2)
    for step in range(steps):
        pred = himmelblau(x)
        adam.zero_grad()
        pred.backward()
        adam.step()
        if step % 2000 == 0:
            print(f"step {step}: x = {x.tolist()}, f(x) = {pred.item()}")
    report("minimum found x", [round(v, 4) for v in x.tolist()], notes=[3.0, 2.0])
    report("f at the minimum", himmelblau(x).item())


if __name__ == "__main__":
    main()
