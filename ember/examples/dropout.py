"""Dropout: a hand-written dropout_layer (checked at p = 0, 0.5, 1), an MLP with dropout
0.2 and 0.5 after its hidden layers from scratch, then with nn.Dropout (and with the two
probabilities swapped, the notes' exercise).

The notes' "暂退法(Dropout)" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    num_inputs, num_outputs, num_hiddens1, num_hiddens2 = 784, 10, 256, 256

    def dropout_layer(X, dropout):
        assert 0 <= dropout <= 1
        if dropout == 1:
            return torch.zeros_like(X)
        if dropout == 0:
            return X
        mask = (torch.rand(X.shape) > dropout).float()
        return mask * X / (1.0 - dropout)

    X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
    print(X, dropout_layer(X, 0.), dropout_layer(X, 0.5), dropout_layer(X, 1.), sep="\n")
    report("dropout 0.5 keeps the mean (1e5 ones)",
           round(dropout_layer(torch.ones(100000), 0.5).mean().item(), 2))

    class Net(nn.Module):
        def __init__(self, num_inputs, num_outputs, num_hiddens1, num_hiddens2, dropout1,
                     dropout2):
            super().__init__()
            self.num_inputs = num_inputs
            self.dropout1, self.dropout2 = dropout1, dropout2
            self.lin1 = nn.Linear(num_inputs, num_hiddens1)
            self.lin2 = nn.Linear(num_hiddens1, num_hiddens2)
            self.lin3 = nn.Linear(num_hiddens2, num_outputs)
            self.relu = nn.ReLU()

        def forward(self, X):
            H1 = self.relu(self.lin1(X.reshape((-1, self.num_inputs))))
            if self.training:
                H1 = dropout_layer(H1, self.dropout1)
            H2 = self.relu(self.lin2(H1))
            if self.training:
                H2 = dropout_layer(H2, self.dropout2)
            return self.lin3(H2)

    num_epochs, lr, batch_size = (1 if args.quick else 10), 0.5, 256
    loss = nn.CrossEntropyLoss(reduction="none")
    train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)

    net = Net(num_inputs, num_outputs, num_hiddens1, num_hiddens2, 0.2, 0.5)
    trainer = torch.optim.SGD(net.parameters(), lr=lr)
    _, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs,
                                           trainer)
    save("scratch")
    report("scratch test acc", test_acc)

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    for dropout1, dropout2 in ((0.2, 0.5), (0.5, 0.2)):
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(dropout1),
                            nn.Linear(256, 256), nn.ReLU(), nn.Dropout(dropout2),
                            nn.Linear(256, 10))
        net.apply(init_weights)
        trainer = torch.optim.SGD(net.parameters(), lr=lr)
        _, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs,
                                               trainer)
        save(f"concise_{dropout1}_{dropout2}")
        report(f"concise dropout ({dropout1}, {dropout2}) test acc", test_acc)


if __name__ == "__main__":
    main()
