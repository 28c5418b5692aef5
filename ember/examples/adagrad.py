"""Adagrad: the 2-D trace on 0.1*x1**2 + 2*x2**2 with eta 0.4 and 2, then Adagrad from
scratch (d2l.train_ch7) and optim.Adagrad on the airfoil data.

The notes' "AdaGrad" section.
"""
import math

from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import d2l

    hp = {"eta": 0.4}

    def adagrad_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 += g1 ** 2
        s2 += g2 ** 2
        x1 -= hp["eta"] / math.sqrt(s1 + eps) * g1
        x2 -= hp["eta"] / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    def f_2d(x1, x2):
        return 0.1 * x1 ** 2 + 2 * x2 ** 2

    for eta in (0.4, 2):
        hp["eta"] = eta
        res = d2l.train_2d(adagrad_2d)
        d2l.show_trace_2d(f_2d, res, eta)
        save(f"adagrad_2d_eta_{eta}")
        report(f"adagrad eta={eta} final (x1, x2)", tuple(round(v, 6) for v in res[-1]),
               notes=(-2.382563, -0.158591) if eta == 0.4 else None)

    features, labels = d2l.get_data_ch7()

    def init_adagrad_states():
        s_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
        s_b = torch.zeros(1, dtype=torch.float32)
        return (s_w, s_b)

    def adagrad(params, states, hyperparams):
        eps = 1e-6
        for p, s in zip(params, states):
            s.data += (p.grad.data ** 2)
            p.data -= hyperparams["lr"] * p.grad.data / torch.sqrt(s + eps)

    ls = d2l.train_ch7(adagrad, init_adagrad_states(), {"lr": 0.1}, features, labels)
    save("scratch")
    report("scratch adagrad lr=0.1 final loss", ls[-1])
    ls = d2l.train_pytorch_ch7(torch.optim.Adagrad, {"lr": 0.1}, features, labels)
    save("concise")
    report("optim.Adagrad lr=0.1 final loss", ls[-1])


if __name__ == "__main__":
    main()
