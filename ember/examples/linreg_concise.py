"""Concise linear regression: d2l.synthetic_data, a DataLoader from d2l.load_array,
nn.Sequential(nn.Linear(2, 1)), SmoothL1Loss (the notes' choice; MSELoss is the book's)
and torch.optim.SGD.

The notes' "线性回归的简洁实现" section.
"""
from _common import report, setup


def main():
    setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    true_w = torch.tensor([2, -3.4])
    true_b = 4.2
    features, labels = d2l.synthetic_data(true_w, true_b, 1000)
    batch_size = 10
    data_iter = d2l.load_array((features, labels), batch_size)
    print(next(iter(data_iter)))

    results = {}
    for name, loss in (("SmoothL1Loss", nn.SmoothL1Loss(reduction="mean")),
                       ("MSELoss", nn.MSELoss())):
        net = nn.Sequential(nn.Linear(2, 1))
        net[0].weight.data.normal_(0, 0.01)
        net[0].bias.data.fill_(0)
        trainer = torch.optim.SGD(net.parameters(), lr=0.03)
        num_epochs = 3
        for epoch in range(num_epochs):
            for X, y in data_iter:
                l = loss(net(X), y)
                trainer.zero_grad()
                l.backward()
                trainer.step()
            l = loss(net(features), labels)
            print(f"{name} epoch {epoch + 1}, loss {l:f}")
        results[name] = l.item()
        report(f"{name} final loss", l.item())
        report(f"{name} error in w", (true_w - net[0].weight.data.reshape(true_w.shape)).tolist())
        report(f"{name} error in b", true_b - net[0].bias.data.item())

    for name, parms in net.named_parameters():
        print("name:", name)
        print("para:", parms)
        print("grad_requires:", parms.requires_grad)
        print("grad_value:", parms.grad)


if __name__ == "__main__":
    main()
