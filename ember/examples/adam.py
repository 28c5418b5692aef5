"""Adam from scratch (bias-corrected moments, d2l.train_ch7) and optim.Adam on the
airfoil data.

The book's "Adam" section, as the notes' optimizer chapter runs it.
"""
from _common import report, save, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import d2l

    features, labels = d2l.get_data_ch7()

    def init_adam_states():
        v_w, v_b = torch.zeros((features.shape[1], 1)), torch.zeros(1)
        s_w, s_b = torch.zeros((features.shape[1], 1)), torch.zeros(1)
        return ((v_w, s_w), (v_b, s_b))

    def adam(params, states, hyperparams):
        beta1, beta2, eps = 0.9, 0.999, 1e-6
        for p, (v, s) in zip(params, states):
            v[:] = beta1 * v + (1 - beta1) * p.grad.data
            s[:] = beta2 * s + (1 - beta2) * p.grad.data ** 2
            v_bias_corr = v / (1 - beta1 ** hyperparams["t"])
            s_bias_corr = s / (1 - beta2 ** hyperparams["t"])
            p.data -= hyperparams["lr"] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        hyperparams["t"] += 1

    ls = d2l.train_ch7(adam, init_adam_states(), {"lr": 0.01, "t": 1}, features, labels)
    save("scratch")
    report("scratch adam lr=0.01 final loss", ls[-1])
    ls = d2l.train_pytorch_ch7(torch.optim.Adam, {"lr": 0.01}, features, labels)
    save("concise")
    report("optim.Adam lr=0.01 final loss", ls[-1])


if __name__ == "__main__":
    main()
