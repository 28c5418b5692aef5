"""Softmax regression from scratch on Fashion-MNIST: softmax (and the LogSumExp-stable
version), cross-entropy by fancy indexing, accuracy, and d2l.train_ch3 with d2l.sgd; then
predictions on test images.

The notes' "softmax的从零开始实现" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import d2l

    batch_size = 256
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
    num_inputs, num_outputs = 784, 10
    W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)

    def softmax(X):
        X_exp = torch.exp(X)
        return X_exp / X_exp.sum(1, keepdim=True)

    def log_sum_exp(X):
        c = X.max(axis=1, keepdim=True)[0]
        return c + torch.log(torch.exp(X - c).sum(axis=1, keepdim=True))

    def softmax_plus(X):
        return torch.exp(X - log_sum_exp(X))

    x = torch.tensor([[1., -1, 100, 0], [4, 3, 2, 1]])
    print("naive softmax:", softmax(x))
    report("stable softmax row 0", [round(v, 4) for v in softmax_plus(x)[0].tolist()])

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    def cross_entropy(y_hat, y):
        return -torch.log(y_hat[range(len(y_hat)), y])

    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    report("cross_entropy example", [round(v, 4) for v in cross_entropy(y_hat, y).tolist()])
    report("accuracy example", d2l.accuracy(y_hat, y) / len(y))
    report("accuracy of the untrained model", d2l.evaluate_accuracy(net, test_iter))

    lr = 0.1

    def updater(batch_size):
        return d2l.sgd([W, b], lr, batch_size)

    num_epochs = 1 if args.quick else 10
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, cross_entropy,
                                                    num_epochs, updater)
    report("train loss", train_loss)
    report("train acc", train_acc)
    report("test acc", test_acc)
    save("training")
    trues, preds = d2l.predict_ch3(net, test_iter)
    save("predictions")
    report("first predictions", list(zip(trues, preds))[:3])


if __name__ == "__main__":
    main()
