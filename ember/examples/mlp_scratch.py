"""A multilayer perceptron from scratch: one hidden layer of 256 ReLU units with
parameters as nn.Parameter, trained by d2l.train_ch3 with SGD and weight decay 0.01.

The notes' "多层感知机的从零开始" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    batch_size = 256
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    num_inputs, num_outputs, num_hiddens = 784, 10, 256
    W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens, requires_grad=True) * 0.01)
    b1 = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs, requires_grad=True) * 0.01)
    b2 = nn.Parameter(torch.zeros(num_outputs), requires_grad=True)
    params = [W1, b1, W2, b2]

    def relu(X):
        return torch.max(X, torch.zeros_like(X))

    def net(X):
        X = X.reshape((-1, num_inputs))
        H = relu(X @ W1 + b1)
        return H @ W2 + b2

    loss = nn.CrossEntropyLoss(reduction="none")
    num_epochs, lr = (1 if args.quick else 10), 0.1
    updater = torch.optim.SGD(params, lr=lr, weight_decay=0.01)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss,
                                                    num_epochs, updater)
    save("training")
    report("train loss", train_loss)
    report("train acc", train_acc)
    report("test acc", test_acc)


if __name__ == "__main__":
    main()
