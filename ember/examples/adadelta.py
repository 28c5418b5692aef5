"""Adadelta from scratch (d2l.train_ch7, rho 0.9999) and optim.Adadelta (rho 0.9) on the
airfoil data.

The book's "Adadelta" section, as the notes' optimizer chapter runs it.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import d2l

    features, labels = d2l.get_data_ch7()

    def init_adadelta_states():
        s_w, s_b = torch.zeros((features.shape[1], 1)), torch.zeros(1)
        delta_w, delta_b = torch.zeros((features.shape[1], 1)), torch.zeros(1)
        return ((s_w, delta_w), (s_b, delta_b))

    def adadelta(params, states, hyperparams):
        rho, eps = hyperparams["rho"], 1e-5
        for p, (s, delta) in zip(params, states):
            s[:] = rho * s + (1 - rho) * (p.grad.data ** 2)
            g = p.grad.data * torch.sqrt((delta + eps) / (s + eps))
            p.data -= g
            delta[:] = rho * delta + (1 - rho) * g * g

    ls = d2l.train_ch7(adadelta, init_adadelta_states(), {"rho": 0.9999}, features, labels)
    save("scratch")
    report("scratch adadelta rho=0.9999 final loss", ls[-1])
    ls = d2l.train_pytorch_ch7(torch.optim.Adadelta, {"rho": 0.9}, features, labels)
    save("concise")
    report("optim.Adadelta rho=0.9 final loss", ls[-1])


if __name__ == "__main__":
    main()
