"""A concise multilayer perceptron: Flatten, Linear(784, 128), ReLU, Linear(128, 10)
(the notes' 128 hidden units), weights from N(0, 0.01^2), SGD with weight decay 0.01.

The notes' "多层感知机的简洁实现" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

    def init_weight(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weight)
    batch_size, lr, num_epochs = 256, 0.1, (1 if args.quick else 10)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=lr, weight_decay=0.01)
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss,
                                                    num_epochs, trainer)
    save("training")
    report("train loss", train_loss)
    report("train acc", train_acc)
    report("test acc", test_acc)


if __name__ == "__main__":
    main()
