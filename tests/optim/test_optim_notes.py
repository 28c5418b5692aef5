"""The notes' optimizers: the book's hand-written versions (``init_*_states`` plus update
functions on ``p.data`` / ``s.data``) run on ember and agree with ``ember.optim``; Adam
solves the notes' Himmelblau problem. No PyTorch needed."""
import math

import numpy as np
import pytest

import ember as torch  # the notes' spelling


# ----- the notes' code, with only the import changed ------------------------------------
def get_data_ch7():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(1500, 5)).astype(np.float32)
    y = X @ np.array([2.0, -3.4, 1.2, 0.5, -0.7], np.float32) + 4.2
    y = y + rng.normal(0, 0.01, 1500).astype(np.float32)
    return torch.tensor(X), torch.tensor(y)


features, labels = get_data_ch7()


def linreg(X, w, b):
    return torch.mm(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.view(y_hat.size())) ** 2 / 2


def sgd(params, states, hyperparams):
    for p in params:
        p.data -= hyperparams['lr'] * p.grad.data


def init_momentum_states():
    v_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
    v_b = torch.zeros(1, dtype=torch.float32)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        v.data = hyperparams['momentum'] * v.data + hyperparams['lr'] * p.grad.data
        p.data -= v.data


def init_adagrad_states():
    s_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
    s_b = torch.zeros(1, dtype=torch.float32)
    return (s_w, s_b)


def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        s.data += (p.grad.data**2)
        p.data -= hyperparams['lr'] * p.grad.data / torch.sqrt(s + eps)


def init_rmsprop_states():
    s_w = torch.zeros((features.shape[1], 1), dtype=torch.float32)
    s_b = torch.zeros(1, dtype=torch.float32)
    return (s_w, s_b)


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        s.data = gamma * s.data + (1 - gamma) * (p.grad.data) ** 2
        p.data -= hyperparams['lr'] * p.grad.data / torch.sqrt(s + eps)


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


# ----- two training loops over the same minibatches -----------------------------------
def _start():
    w0 = np.random.default_rng(3).normal(0, 0.01, (features.shape[1], 1)).astype(np.float32)
    w = torch.tensor(w0, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float32, requires_grad=True)
    return w, b


def _batches(batch_size=10, epochs=2):
    order = np.random.default_rng(11)
    for _ in range(epochs):
        idx = order.permutation(features.shape[0])
        for s in range(0, len(idx), batch_size):
            j = torch.tensor(idx[s:s + batch_size])
            yield features[j], labels[j]


def train_by_hand(optimizer_fn, states, hyperparams):
    """The notes' train_ch7 loop (without the plotting)."""
    w, b = _start()
    for X, y in _batches():
        l = squared_loss(linreg(X, w, b), y).mean()
        if w.grad is not None:
            w.grad.data.zero_()
            b.grad.data.zero_()
        l.backward()
        optimizer_fn([w, b], states, hyperparams)
    return w.detach().numpy().copy(), b.detach().numpy().copy()


def train_builtin(make_optimizer):
    w, b = _start()
    optimizer = make_optimizer([w, b])
    for X, y in _batches():
        l = squared_loss(linreg(X, w, b), y).mean()
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
    return w.detach().numpy().copy(), b.detach().numpy().copy()


def _close(a, b, tol, rtol=0):
    for x, y in zip(a, b):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, y, rtol=rtol, atol=tol)


def test_hand_written_sgd_matches_builtin():
    _close(train_by_hand(sgd, None, {'lr': 0.05}),
           train_builtin(lambda ps: torch.optim.SGD(ps, lr=0.05)), 1e-5)


def test_hand_written_momentum_matches_builtin():
    # v = momentum * v + lr * g is lr times PyTorch's buffer b = momentum * b + g.
    _close(train_by_hand(sgd_momentum, init_momentum_states(), {'lr': 0.02, 'momentum': 0.5}),
           train_builtin(lambda ps: torch.optim.SGD(ps, lr=0.02, momentum=0.5)), 1e-5)


def test_hand_written_adagrad_matches_builtin():
    # The notes put eps = 1e-6 inside the square root, PyTorch adds its eps outside; that
    # moves the result by about 1e-4 relative (a different update rule would move it by 1).
    _close(train_by_hand(adagrad, init_adagrad_states(), {'lr': 0.1}),
           train_builtin(lambda ps: torch.optim.Adagrad(ps, lr=0.1)), 1e-4, 1e-3)


def test_hand_written_rmsprop_matches_builtin():
    _close(train_by_hand(rmsprop, init_rmsprop_states(), {'lr': 0.01, 'gamma': 0.9}),
           train_builtin(lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9)), 1e-4, 1e-3)


def test_training_actually_fits():
    w, b = train_builtin(lambda ps: torch.optim.Adam(ps, lr=0.05))
    np.testing.assert_allclose(w.ravel(), [2.0, -3.4, 1.2, 0.5, -0.7], atol=0.05)
    np.testing.assert_allclose(b, [4.2], atol=0.05)


def test_momentum_2d_is_sgd_with_momentum():
    """The notes' momentum_2d on f = 0.1 x1^2 + 2 x2^2 is SGD(momentum=gamma, lr=eta)."""
    eta, gamma = 0.4, 0.5

    def momentum_2d(x1, x2, v1, v2):
        v1 = gamma * v1 + eta * 0.2 * x1
        v2 = gamma * v2 + eta * 4 * x2
        return x1 - v1, x2 - v2, v1, v2

    x1, x2, s1, s2 = -5, -2, 0, 0
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=eta, momentum=gamma)
    for _ in range(20):
        x1, x2, s1, s2 = momentum_2d(x1, x2, s1, s2)
        opt.zero_grad()
        (0.1 * x[0] ** 2 + 2 * x[1] ** 2).backward()
        opt.step()
        np.testing.assert_allclose(x.detach().numpy(), [x1, x2], rtol=1e-12, atol=1e-14)


def test_rmsprop_2d_and_adagrad_2d_agree_with_builtins():
    eta = 0.4

    def adagrad_2d(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 += g1 ** 2
        s2 += g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    def rmsprop_2d(x1, x2, s1, s2, gamma=0.9):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 = gamma * s1 + (1 - gamma) * g1 ** 2
        s2 = gamma * s2 + (1 - gamma) * g2 ** 2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    for by_hand, make in [(adagrad_2d, lambda p: torch.optim.Adagrad(p, lr=eta)),
                          (rmsprop_2d, lambda p: torch.optim.RMSprop(p, lr=eta, alpha=0.9))]:
        x1, x2, s1, s2 = -5, -2, 0, 0
        x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
        opt = make([x])
        for _ in range(20):
            x1, x2, s1, s2 = by_hand(x1, x2, s1, s2)
            opt.zero_grad()
            (0.1 * x[0] ** 2 + 2 * x[1] ** 2).backward()
            opt.step()
            np.testing.assert_allclose(x.detach().numpy(), [x1, x2], atol=1e-4)


def test_adam_on_himmelblau_reaches_3_2():
    """The notes: Adam from (0, 0) with lr 1e-2; by step 2000 x is (3, 2) to 1e-5."""
    x = torch.tensor([0., 0.], requires_grad=True)
    adam = torch.optim.Adam([x], 1e-2)
    for step in range(2000):
        pred = himmelblau(x)
        adam.zero_grad()
        pred.backward()
        adam.step()
        if step == 0:
            assert pred.item() == 170.0
            np.testing.assert_allclose(x.tolist(), [0.01, 0.01], rtol=1e-6)
    assert x.dtype == torch.float32
    np.testing.assert_allclose(x.tolist(), [3.0, 2.0], atol=1e-4)
    assert himmelblau(x).item() < 1e-8


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "NAdam", "RAdam", "Adamax"])
def test_every_optimizer_minimises_the_quadratic(name):
    x = torch.tensor([-5.0, -2.0], requires_grad=True)
    lr = {"SGD": 0.1, "Adadelta": 5.0, "Adagrad": 1.0}.get(name, 0.1)
    opt = getattr(torch.optim, name)([x], lr=lr)
    for _ in range(500):
        opt.zero_grad()
        (0.1 * x[0] ** 2 + 2 * x[1] ** 2).backward()
        opt.step()
    assert np.abs(x.detach().numpy()).max() < 0.05, x


def test_lbfgs_solves_himmelblau():
    x = torch.tensor([0., 0.], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = himmelblau(x)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(x.tolist(), [3.0, 2.0], atol=1e-8)
