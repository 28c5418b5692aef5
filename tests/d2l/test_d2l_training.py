"""The training loops on small synthetic problems they must solve: they run, learn, show
progress, draw, and return their final numbers."""
import numpy as np
import pytest

import ember
from ember import d2l, nn, optim
from ember.utils import data


def blobs(n=300, classes=3, seed=0):
    """Well-separated Gaussian blobs in 4-D: an easy classification problem."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 4, (classes, 4))
    y = rng.integers(0, classes, n)
    X = centers[y] + rng.normal(0, 0.5, (n, 4))
    return ember.tensor(X, dtype=ember.float32), ember.tensor(y)


def quadrant_images(n=256, seed=0):
    """1x8x8 images with one bright quadrant; the class is the quadrant."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    X = rng.uniform(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    for i, c in enumerate(y):
        r, q = divmod(int(c), 2)
        X[i, 0, 4 * r:4 * r + 4, 4 * q:4 * q + 4] += 0.7
    return ember.tensor(X), ember.tensor(y)


def test_accuracy_counts_correct_predictions():
    y_hat = ember.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = ember.tensor([0, 2])
    assert d2l.accuracy(y_hat, y) == 1.0
    assert d2l.accuracy(ember.tensor([2, 2]), y) == 1.0  # labels work too


def test_evaluate_accuracy_both_orders_and_modes():
    X, y = blobs(40)
    it = d2l.load_array((X, y), 16, is_train=False)
    net = nn.Sequential(nn.Linear(4, 3))
    expected = (net(X).argmax(axis=1) == y).float().mean().item()
    assert d2l.evaluate_accuracy(net, it) == pytest.approx(expected)
    assert d2l.evaluate_accuracy(it, net) == pytest.approx(expected)  # older edition
    assert d2l.evaluate_accuracy_gpu(net, it) == pytest.approx(expected)
    assert net.training  # restored after evaluation
    net.eval()
    d2l.evaluate_accuracy(net, it)
    assert not net.training
    assert d2l.evaluate_accuracy(lambda X: net(X), it) == pytest.approx(expected)


def test_evaluate_loss_is_the_mean_per_example_loss():
    X = ember.ones(10, 1)
    y = ember.arange(10.0)
    net = nn.Linear(1, 1)
    with ember.no_grad():
        net.weight.fill_(0)
        net.bias.fill_(1)
    it = d2l.load_array((X, y), 3, is_train=False)
    expected = np.mean((1 - np.arange(10.0)) ** 2)
    assert d2l.evaluate_loss(net, it, nn.MSELoss(reduction="none")) == pytest.approx(expected)


def test_train_ch3_with_an_optimizer_returns_final_metrics(figure_dir, capsys):
    X, y = blobs()
    train_iter = d2l.load_array((X[:200], y[:200]), 20)
    test_iter = d2l.load_array((X[200:], y[200:]), 50, is_train=False)
    net = nn.Sequential(nn.Linear(4, 3))
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = optim.SGD(net.parameters(), lr=0.1)
    train_loss, train_acc, test_acc = d2l.train_ch3(net, train_iter, test_iter, loss, 3,
                                                    trainer)
    assert train_acc > 0.9 and test_acc > 0.9 and train_loss < 0.5
    assert test_acc == pytest.approx(d2l.evaluate_accuracy(net, test_iter))
    out = capsys.readouterr().out
    assert "epoch 3, loss" in out and f"test acc {test_acc:.3f}" in out
    assert len(list(figure_dir.glob("animator-*.png"))) == 1


def test_train_ch3_scratch_updater_and_older_signature(figure_dir):
    X, y = blobs()
    train_iter = d2l.load_array((X, y), 30)
    W = ember.normal(0, 0.01, size=(4, 3), requires_grad=True)
    b = ember.zeros(3, requires_grad=True)

    def net(X):
        return ember.softmax(X @ W + b, dim=1)

    def cross_entropy(y_hat, y):
        return -ember.log(y_hat[range(len(y_hat)), y])

    _, acc, _ = d2l.train_ch3(net, train_iter, train_iter, cross_entropy, 3,
                              lambda batch_size: d2l.sgd([W, b], 0.1, batch_size))
    assert acc > 0.9
    # The older edition: train_ch3(..., num_epochs, batch_size, params, lr).
    W2 = ember.normal(0, 0.01, size=(4, 3), requires_grad=True)
    b2 = ember.zeros(3, requires_grad=True)
    _, acc, _ = d2l.train_ch3(lambda X: ember.softmax(X @ W2 + b2, dim=1), train_iter,
                              train_iter, cross_entropy, 3, 30, [W2, b2], 0.1)
    assert acc > 0.9
    with pytest.raises(TypeError, match="params and lr"):
        d2l.train_ch3(net, train_iter, train_iter, cross_entropy, 1, 30)


def test_train_epoch_ch3_feeds_mean_loss_to_optimizers():
    X, y = blobs(60)
    it = d2l.load_array((X, y), 60, is_train=False)
    net = nn.Linear(4, 3)
    loss = nn.CrossEntropyLoss(reduction="none")
    before = net.weight.detach().clone()
    expected_grad = ember.autograd.grad(loss(net(X), y).mean(), net.weight)[0]
    train_loss, train_acc = d2l.train_epoch_ch3(net, it, loss, optim.SGD(net.parameters(), 1.0))
    np.testing.assert_allclose(net.weight.detach().numpy(),
                               (before - expected_grad).numpy(), atol=1e-6)
    assert 0 <= train_acc <= 1 and train_loss > 0


def test_predict_ch3_titles(figure_dir):
    X = ember.rand(8, 1, 28, 28)
    y = ember.tensor([0, 1, 2, 3, 4, 5, 6, 7])
    it = data.DataLoader(data.TensorDataset(X, y), batch_size=8)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    trues, preds = d2l.predict_ch3(net, it, n=4)
    assert trues == ["t-shirt", "trouser", "pullover", "dress"]
    expected = d2l.get_fashion_mnist_labels(net(X[:4]).argmax(axis=1))
    assert preds == expected
    assert [ax.get_title() for ax in d2l.plt.gcf().axes] == \
        [t + "\n" + p for t, p in zip(trues, preds)]


def _small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, padding=1), nn.BatchNorm2d(4),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 4))


def test_train_ch6_learns_quadrants(figure_dir, capsys):
    X, y = quadrant_images()
    train_iter = d2l.load_array((X[:192], y[:192]), 32)
    test_iter = d2l.load_array((X[192:], y[192:]), 64, is_train=False)
    train_l, train_acc, test_acc = d2l.train_ch6(_small_cnn(), train_iter, test_iter, 3, 0.5,
                                                 d2l.try_gpu())
    assert test_acc > 0.9 and train_acc > 0.8 and train_l < 1.0
    out = capsys.readouterr().out
    assert "training on cpu" in out and "examples/sec on cpu" in out
    assert f"test acc {test_acc:.3f}" in out


def test_train_ch5_older_edition_loop(capsys):
    X, y = quadrant_images()
    train_iter = d2l.load_array((X[:192], y[:192]), 32)
    test_iter = d2l.load_array((X[192:], y[192:]), 64, is_train=False)
    net = _small_cnn()
    optimizer = optim.Adam(net.parameters(), lr=0.01)
    train_l, train_acc, test_acc = d2l.train_ch5(net, train_iter, test_iter, 32, optimizer,
                                                 d2l.try_gpu(), 3)
    assert test_acc > 0.9 and train_acc > 0.8
    assert capsys.readouterr().out.count("epoch ") == 3


def linear_problem(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, 5)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0], dtype=np.float32) + 0.3
    return ember.tensor(X), ember.tensor(y)


def sgd_states(params, states, hyperparams):
    for p in params:
        p.data -= hyperparams["lr"] * p.grad.data


def test_train_ch7_from_scratch_optimizer(figure_dir, capsys):
    features, labels = linear_problem()
    ls = d2l.train_ch7(sgd_states, None, {"lr": 0.05}, features, labels, 10, 2)
    # One loss at the start, then one every 100 examples: 2 epochs of 400.
    assert len(ls) == 1 + 2 * 4
    assert ls[0] > 1.0 and ls[-1] < 0.01
    assert f"loss: {ls[-1]:f}" in capsys.readouterr().out


def test_train_ch7_passes_states_and_hyperparams():
    features, labels = linear_problem(100)
    seen = []

    def momentum(params, states, hyperparams):
        seen.append(hyperparams["momentum"])
        for p, v in zip(params, states):
            v.data = hyperparams["momentum"] * v.data + hyperparams["lr"] * p.grad.data
            p.data -= v.data

    states = (ember.zeros((5, 1)), ember.zeros(1))
    ls = d2l.train_ch7(momentum, states, {"lr": 0.02, "momentum": 0.5}, features, labels,
                       10, 1)
    assert len(seen) == 10 and states[0].abs().sum().item() > 0
    assert ls[-1] < ls[0]


def test_train_pytorch_ch7_with_a_framework_optimizer(figure_dir):
    features, labels = linear_problem()
    ls = d2l.train_pytorch_ch7(optim.SGD, {"lr": 0.05}, features, labels, 10, 2)
    assert len(ls) == 9 and ls[-1] < 0.01


def test_train_ch11_and_concise(figure_dir, capsys):
    features, labels = linear_problem()
    data_iter = d2l.load_array((features, labels), 10)

    def sgd(params, states, hyperparams):
        with ember.no_grad():
            for p in params:
                p -= hyperparams["lr"] * p.grad
                p.grad.zero_()

    times, losses = d2l.train_ch11(sgd, None, {"lr": 0.05}, data_iter, 5, num_epochs=2)
    assert len(losses) == 4 and len(times) == 4  # a point every 200 examples
    assert losses[-1] < 0.01
    assert times == sorted(times)
    times, losses = d2l.train_concise_ch11(optim.SGD, {"lr": 0.05}, data_iter, num_epochs=2)
    assert len(losses) == 4 and losses[-1] < 0.01
    assert capsys.readouterr().out.count("sec/epoch") == 2
