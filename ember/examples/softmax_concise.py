"""Concise softmax regression: nn.Sequential(nn.Flatten(), nn.Linear(784, 10)), weights
from N(0, 0.01^2), CrossEntropyLoss(reduction='none') and SGD with weight decay 0.01.

The notes' "softmax的简洁实现" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    batch_size = 256
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=0.01)
    num_epochs = 1 if args.quick else 10
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss,
                                                    num_epochs, trainer)
    save("training")
    report("train loss", train_loss)
    report("train acc", train_acc)
    report("test acc", test_acc)


if __name__ == "__main__":
    main()
