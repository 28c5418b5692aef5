"""Weight decay: high-dimensional linear regression (200 inputs, 20 training examples)
from scratch with an L2 penalty (lambda 0 and 3), then concisely with SGD parameter groups
(weight_decay only on the weight).

The notes' "权重衰减" section.
"""
from _common import report, save, setup


def main():
    args = setup(__doc__)
    import ember as torch
    from ember import nn
    from ember import d2l

    def synthetic_data(w, b, num_examples):
        X = d2l.normal(0, 1, (num_examples, len(w)))
        y = d2l.matmul(X, w) + b
        y += d2l.normal(0, 0.01, y.shape)
        return X, d2l.reshape(y, (-1, 1))

    n_train, n_test, num_inputs, batch_size = 20, 100, 200, 5
    true_w, true_b = torch.ones((num_inputs, 1)) * 0.01, 0.05
    train_data = synthetic_data(true_w, true_b, n_train)
    train_iter = d2l.load_array(train_data, batch_size)
    test_data = synthetic_data(true_w, true_b, n_test)
    test_iter = d2l.load_array(test_data, batch_size, is_train=False)
    num_epochs = 30 if args.quick else 100

    def init_params():
        w = torch.normal(0, 1, size=(num_inputs, 1), requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        return [w, b]

    def l2_penalty(w):
        return torch.sum(w.pow(2)) / 2

    def train(lambd):
        w, b = init_params()
        net, loss = (lambda X: d2l.linreg(X, w, b)), d2l.squared_loss
        lr = 0.003
        animator = d2l.Animator(xlabel="epochs", ylabel="loss", yscale="log",
                                xlim=[5, num_epochs], legend=["train", "test"])
        for epoch in range(num_epochs):
            for X, y in train_iter:
                l = loss(net(X), y) + lambd * l2_penalty(w)
                l.sum().backward()
                d2l.sgd([w, b], lr, batch_size)
            if (epoch + 1) % 5 == 0:
                animator.add(epoch + 1, (d2l.evaluate_loss(net, train_iter, loss),
                                         d2l.evaluate_loss(net, test_iter, loss)))
        save(f"scratch_lambda_{lambd}", animator.fig)
        report(f"scratch lambda={lambd}: L2 norm of w", torch.norm(w).item())
        report(f"scratch lambda={lambd}: test loss", animator.Y[1][-1])

    train(lambd=0)
    train(lambd=3)

    def train_concise(wd):
        net = nn.Sequential(nn.Linear(num_inputs, 1))
        for param in net.parameters():
            param.data.normal_()
        loss = nn.MSELoss(reduction="none")
        lr = 0.003
        trainer = torch.optim.SGD([{"params": net[0].weight, "weight_decay": wd},
                                   {"params": net[0].bias}], lr=lr)
        animator = d2l.Animator(xlabel="epochs", ylabel="loss", yscale="log",
                                xlim=[5, num_epochs], legend=["train", "test"])
        for epoch in range(num_epochs):
            for X, y in train_iter:
                trainer.zero_grad()
                l = loss(net(X), y)
                l.mean().backward()
                trainer.step()
            if (epoch + 1) % 5 == 0:
                animator.add(epoch + 1, (d2l.evaluate_loss(net, train_iter, loss),
                                         d2l.evaluate_loss(net, test_iter, loss)))
        save(f"concise_wd_{wd}", animator.fig)
        report(f"concise wd={wd}: L2 norm of w", net[0].weight.norm().item())
        report(f"concise wd={wd}: test loss", animator.Y[1][-1])

    train_concise(0)
    train_concise(3)


if __name__ == "__main__":
    main()
