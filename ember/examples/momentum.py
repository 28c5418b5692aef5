"""Momentum: gradient descent on 0.1*x1**2 + 2*x2**2 with eta 0.4 and 0.6, momentum with
gamma 0.5, then momentum from scratch (d2l.train_ch7) and with optim.SGD(momentum=...).

The notes' "动量法" section.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import d2l

    def f_2d(x1, x2):
        return 0.1 * x1 ** 2 + 2 * x2 ** 2

    hp = {"eta": 0.4, "gamma": 0.5}

    def gd_2d(x1, x2, s1, s2):
        eta = hp["eta"]
        return (x1 - eta * 0.2 * x1, x2 - eta * 4 * x2, 0, 0)

    def momentum_2d(x1, x2, v1, v2):
        eta, gamma = hp["eta"], hp["gamma"]
        v1 = gamma * v1 + eta * 0.2 * x1
        v2 = gamma * v2 + eta * 4 * x2
        return x1 - v1, x2 - v2, v1, v2

    for eta in (0.4, 0.6):
        hp["eta"] = eta
        res = d2l.train_2d(gd_2d)
        d2l.show_trace_2d(f_2d, res, eta)
        save(f"gd_eta_{eta}")
        report(f"gd eta={eta} final (x1, x2)", tuple(round(v, 6) for v in res[-1]))
    for eta in (0.4, 0.6):
        hp["eta"] = eta
        res = d2l.train_2d(momentum_2d)
        d2l.show_trace_2d(f_2d, res, eta, hp["gamma"])
        save(f"momentum_eta_{eta}")
        report(f"momentum eta={eta} gamma=0.5 final (x1, x2)",
               tuple(round(v, 6) for v in res[-1]),
               notes=(-0.062843, 0.001202) if eta == 0.4 else (0.007188, 0.002553))

    features, labels = d2l.get_data_ch7()

    def init_momentum_states():
        v_w = torch.zeros((features.shape[1], 1))
        v_b = torch.zeros(1)
        return (v_w, v_b)

    def sgd_momentum(params, states, hyperparams):
        for p, v in zip(params, states):
            v.data = hyperparams["momentum"] * v.data + hyperparams["lr"] * p.grad.data
            p.data -= v.data

    for lr, momentum in ((0.02, 0.5), (0.004, 0.9)):
        ls = d2l.train_ch7(sgd_momentum, init_momentum_states(),
                           {"lr": lr, "momentum": momentum}, features, labels)
        save(f"scratch_lr_{lr}_momentum_{momentum}")
        report(f"scratch momentum lr={lr} momentum={momentum} final loss", ls[-1])
    ls = d2l.train_pytorch_ch7(torch.optim.SGD, {"lr": 0.004, "momentum": 0.9}, features,
                               labels)
    save("concise")
    report("optim.SGD lr=0.004 momentum=0.9 final loss", ls[-1])


if __name__ == "__main__":
    main()
