"""Minibatch stochastic gradient descent on the airfoil self-noise data: from scratch with
d2l.train_ch7 (batch sizes 1500, 1 and 10, as in the notes), concisely with
d2l.train_pytorch_ch7, and through the newer edition's get_data_ch11 / train_ch11 /
train_concise_ch11.

The notes' "小批量随机梯度下降" section. The airfoil file is found as d2l.download finds it
(data_dir, $EMBER_DATA, ~/.cache/ember, then the book's data hub).
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import optim
    from ember import d2l

    features, labels = d2l.get_data_ch7()
    report("features shape", tuple(features.shape))

    def sgd(params, states, hyperparams):
        for p in params:
            p.data -= hyperparams["lr"] * p.grad.data

    def train_sgd(lr, batch_size, num_epochs=2):
        return d2l.train_ch7(sgd, None, {"lr": lr}, features, labels, batch_size, num_epochs)

    runs = ((1, 1500, 6), (0.005, 1, 1 if args.quick else 2), (0.05, 10, 2))
    for lr, batch_size, epochs in runs:
        ls = train_sgd(lr, batch_size, epochs)
        save(f"scratch_lr_{lr}_batch_{batch_size}")
        report(f"scratch sgd lr={lr} batch={batch_size} final loss", ls[-1])

    ls = d2l.train_pytorch_ch7(optim.SGD, {"lr": 0.05}, features, labels, 10)
    save("concise_sgd")
    report("concise SGD lr=0.05 batch=10 final loss", ls[-1])

    # The newer edition's interface: a loader and train_ch11 / train_concise_ch11.
    def sgd_newer(params, states, hyperparams):
        with torch.no_grad():
            for p in params:
                p -= hyperparams["lr"] * p.grad
                p.grad.zero_()

    data_iter, feature_dim = d2l.get_data_ch11(batch_size=10)
    _, losses = d2l.train_ch11(sgd_newer, None, {"lr": 0.05}, data_iter, feature_dim, 2)
    save("train_ch11")
    report("train_ch11 sgd lr=0.05 final loss", losses[-1])
    _, losses = d2l.train_concise_ch11(optim.SGD, {"lr": 0.01}, data_iter, 2)
    save("train_concise_ch11")
    report("train_concise_ch11 SGD lr=0.01 final loss", losses[-1])


if __name__ == "__main__":
    main()
