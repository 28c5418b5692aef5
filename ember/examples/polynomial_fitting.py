"""Model selection, underfitting and overfitting: fit a degree-3 polynomial with 4
features (normal), 2 features (underfitting) and all 20 (overfitting), and compare the
learned weights with the true [5, 1.2, -3.4, 5.6].

The notes' "模型选择、欠拟合和过拟合" section.
"""
import math

from _common import report, save, setup


def main():
    args = setup(__doc__)
    import numpy as np
    import ember as torch
    from ember import d2l

    max_degree = 20
    n_train, n_test = 100, 100
    true_w = np.zeros(max_degree)
    true_w[0:4] = np.array([5, 1.2, -3.4, 5.6])
    features = np.random.normal(size=(n_train + n_test, 1))
    np.random.shuffle(features)
    poly_features = np.power(features, np.arange(max_degree).reshape(1, -1))
    for i in range(max_degree):
        poly_features[:, i] /= math.gamma(i + 1)
    labels = np.dot(poly_features, true_w)
    labels += np.random.normal(scale=0.1, size=labels.shape)
    true_w, features, poly_features, labels = [torch.tensor(x, dtype=torch.float32)
                                               for x in [true_w, features, poly_features,
                                                         labels]]
    print(features[:2], poly_features[:2, :], labels[:2])

    def evaluate_loss(net, data_iter, loss):
        metric = d2l.Accumulator(2)
        for X, y in data_iter:
            out = net(X)
            l = loss(out, y.reshape(out.shape))
            metric.add(l.sum(), l.numel())
        return metric[0] / metric[1]

    def train(train_features, test_features, train_labels, test_labels, num_epochs=400):
        loss = torch.nn.MSELoss(reduction="none")
        net = torch.nn.Sequential(torch.nn.Linear(train_features.shape[-1], 1, bias=False))
        batch_size = min(10, train_labels.shape[0])
        train_iter = d2l.load_array((train_features, train_labels.reshape(-1, 1)), batch_size)
        test_iter = d2l.load_array((test_features, test_labels.reshape(-1, 1)), batch_size,
                                   is_train=False)
        trainer = torch.optim.SGD(net.parameters(), lr=0.01)
        animator = d2l.Animator(xlabel="epoch", ylabel="loss", yscale="log",
                                xlim=[1, num_epochs], ylim=[1e-3, 1e2],
                                legend=["train", "test"])
        for epoch in range(num_epochs):
            d2l.train_epoch_ch3(net, train_iter, loss, trainer)
            if epoch == 0 or (epoch + 1) % 20 == 0:
                animator.add(epoch + 1, (evaluate_loss(net, train_iter, loss),
                                         evaluate_loss(net, test_iter, loss)))
        print("weight:", net[0].weight.data.numpy())
        return net[0].weight.data.numpy().ravel(), animator

    scale = 10 if args.quick else 1
    cases = (("normal (4 features)", 4, 400), ("underfitting (2 features)", 2, 400),
             ("overfitting (20 features)", 20, 1500))
    for name, k, epochs in cases:
        w, animator = train(poly_features[:n_train, :k], poly_features[n_train:, :k],
                            labels[:n_train], labels[n_train:], num_epochs=epochs // scale)
        save(name.split()[0], animator.fig)
        report(f"{name} weights[:4]", [round(float(v), 3) for v in w[:4]])
        report(f"{name} final train loss", animator.Y[0][-1])
        report(f"{name} final test loss", animator.Y[1][-1])


if __name__ == "__main__":
    main()
