"""Stochastic gradient descent on x1**2 + 2*x2**2 with simulated noisy gradients, with a
constant learning rate and with exponential and polynomial decay; then the same schedules
through ember.optim.lr_scheduler.

The notes' "随机梯度下降" and "动态学习率" sections.
"""
import math

from _common import report, save, setup


def main():
    args = setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    def f(x1, x2):
        return x1 ** 2 + 2 * x2 ** 2

    def gradf(x1, x2):
        return (2 * x1, 4 * x2)

    eta = 0.1
    schedule = {"lr": lambda: 1}

    def sgd(x1, x2):
        (g1, g2) = gradf(x1, x2)
        (g1, g2) = (g1 + np.random.normal(0.1), g2 + np.random.normal(0.1))
        eta_t = eta * schedule["lr"]()
        return (x1 - eta_t * g1, x2 - eta_t * g2)

    ctr = {"t": 1}

    def exponential():
        ctr["t"] += 1
        return math.exp(-0.1 * ctr["t"])

    def polynomial():
        ctr["t"] += 1
        return (1 + 0.1 * ctr["t"]) ** (-0.5)

    long_steps = 200 if args.quick else 1000
    for name, lr, steps in (("constant", lambda: 1, 50), ("exponential", exponential,
                                                          long_steps),
                            ("polynomial", polynomial, 50)):
        ctr["t"] = 1
        schedule["lr"] = lr
        results = d2l.train_2d(sgd, steps=steps)
        d2l.show_trace_2d(f, results)
        save(f"sgd_{name}")
        report(f"{name}: f at the end", f(*results[-1]))

    # The same decays as schedulers of an optimizer on the same noisy problem.
    for name, make in (("ExponentialLR", lambda opt: torch.optim.lr_scheduler.ExponentialLR(
                            opt, gamma=math.exp(-0.1))),
                       ("LambdaLR polynomial", lambda opt: torch.optim.lr_scheduler.LambdaLR(
                            opt, lambda t: (1 + 0.1 * t) ** (-0.5)))):
        x = torch.tensor([-5.0, -2.0], requires_grad=True)
        opt = torch.optim.SGD([x], lr=eta)
        sched = make(opt)
        for _ in range(50):
            opt.zero_grad()
            loss = f(x[0], x[1]) + (x * torch.normal(0.1, 1.0, (2,))).sum()
            loss.backward()
            opt.step()
            sched.step()
        report(f"{name}: x after 50 steps", [round(v, 4) for v in x.tolist()])
        report(f"{name}: final lr", opt.param_groups[0]["lr"])


if __name__ == "__main__":
    main()
