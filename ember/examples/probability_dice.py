"""Probability: roll a fair die with a multinomial distribution and watch the relative
frequencies converge to 1/6.

The notes' "概率" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember.distributions import multinomial
    from ember import d2l

    fair_probs = torch.ones([6]) / 6
    counts = multinomial.Multinomial(1000, fair_probs).sample()
    freqs = counts / 1000
    report("relative frequencies of 1000 rolls", [round(v, 3) for v in freqs.tolist()])

    groups = 100 if args.quick else 500
    counts = multinomial.Multinomial(10, fair_probs).sample((groups,))
    cum_counts = counts.cumsum(dim=0)
    estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
    report(f"estimates after {groups} groups of 10",
           [round(v, 3) for v in estimates[-1].tolist()])
    report("max deviation from 1/6", (estimates[-1] - 1 / 6).abs().max().item())

    d2l.set_figsize((6, 4.5))
    d2l.plt.figure()
    for i in range(6):
        d2l.plt.plot(estimates[:, i].numpy(), label=("P(die=" + str(i + 1) + ")"))
    d2l.plt.axhline(y=0.167, color="black", linestyle="dashed")
    d2l.plt.gca().set_xlabel("Groups of experiments")
    d2l.plt.gca().set_ylabel("Estimated probability")
    d2l.plt.legend()
    save("dice_estimates")


if __name__ == "__main__":
    main()
