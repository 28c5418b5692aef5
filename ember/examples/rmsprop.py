"""RMSProp: the 2-D trace on 0.1*x1**2 + 2*x2**2 (eta 0.4, gamma 0.9), then RMSProp from
scratch (d2l.train_ch7) and optim.RMSprop(alpha=0.9) on the airfoil data.

The notes' "RMSProp" section (older edition: import d2lzh_pytorch as d2l).
"""
import math

from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import d2lzh_pytorch as d2l

    eta, gamma = 0.4, 0.9

    def rmsprop_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 = gamma * s1 + (1 - gamma) * g1 ** 2
        s2 = gamma * s2 + (1 - gamma) * g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    def f_2d(x1, x2):
        return 0.1 * x1 ** 2 + 2 * x2 ** 2

    res = d2l.train_2d(rmsprop_2d)
    d2l.show_trace_2d(f_2d, res, eta)
    save("rmsprop_2d")
    report("rmsprop eta=0.4 gamma=0.9 final (x1, x2)", tuple(round(v, 6) for v in res[-1]),
           notes=(-0.010599, 0.0))

    features, labels = d2l.get_data_ch7()

    def init_rmsprop_states():
        s_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
        s_b = torch.zeros(1, dtype=torch.float32)
        return (s_w, s_b)

    def rmsprop(params, states, hyperparams):
        gamma, eps = hyperparams["gamma"], 1e-6
        for p, s in zip(params, states):
            s.data = gamma * s.data + (1 - gamma) * (p.grad.data) ** 2
            p.data -= hyperparams["lr"] * p.grad.data / torch.sqrt(s + eps)

    ls = d2l.train_ch7(rmsprop, init_rmsprop_states(), {"lr": 0.01, "gamma": 0.9, "momentum": 0},
                       features, labels)
    save("scratch")
    report("scratch rmsprop lr=0.01 gamma=0.9 final loss", ls[-1])
    ls = d2l.train_pytorch_ch7(torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9}, features,
                               labels)
    save("concise")
    report("optim.RMSprop lr=0.01 alpha=0.9 final loss", ls[-1])


if __name__ == "__main__":
    main()
