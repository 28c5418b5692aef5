"""The book's training and evaluation loops.

Every loop shows its progress (the live ``Animator`` figure in a notebook or its file
elsewhere, and a tqdm bar per epoch after ``d2l.show_progress()``) and returns its final
numbers. Both editions' calling
conventions are accepted where they differ: ``evaluate_accuracy(net, data_iter)`` (newer)
and ``evaluate_accuracy(data_iter, net)`` (older); ``train_ch3(..., updater)`` (newer) and
``train_ch3(..., batch_size, params, lr, optimizer)`` (older).
"""
import numpy as np

import ember
from ember import nn, optim
from ember.utils import data as _data

from .models import linreg, sgd, squared_loss
from .plotting import Animator, show_images
from .data import get_fashion_mnist_labels
from .timing import Accumulator, Timer, epoch_bar


def accuracy(y_hat, y):
    """The number of correct predictions (``y_hat`` holds scores per class, or labels)."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.to(y.dtype) == y
    return float(cmp.to(y.dtype).sum())


def _device_of(net):
    if isinstance(net, nn.Module):
        for p in net.parameters():
            return p.device
    return None


def _swap_older_order(net, data_iter):
    # The older edition calls evaluate_accuracy(data_iter, net): the model is the callable.
    if not callable(net) and callable(data_iter):
        return data_iter, net
    return net, data_iter


def evaluate_accuracy(net, data_iter, device=None):
    """The accuracy of ``net`` on ``data_iter`` (in eval mode, without gradients; the
    module's training mode is restored afterwards)."""
    net, data_iter = _swap_older_order(net, data_iter)
    was_training = isinstance(net, nn.Module) and net.training
    if isinstance(net, nn.Module):
        net.eval()
    metric = Accumulator(2)  # correct predictions, predictions
    with ember.no_grad():
        for X, y in data_iter:
            if device is not None:
                X, y = X.to(device), y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    if was_training:
        net.train()
    return metric[0] / metric[1]


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """``evaluate_accuracy`` on ``device`` (default: where ``net``'s parameters are)."""
    if device is None:
        device = _device_of(net)
    return evaluate_accuracy(net, data_iter, device)


def evaluate_loss(net, data_iter, loss):
    """The average of ``loss`` (a per-example loss) of ``net`` over ``data_iter``."""
    metric = Accumulator(2)  # sum of losses, number of examples
    with ember.no_grad():
        for X, y in data_iter:
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            metric.add(l.sum(), l.numel())
    return metric[0] / metric[1]


def train_epoch_ch3(net, train_iter, loss, updater, desc=""):
    """Train for one epoch; ``updater`` is an ``ember.optim.Optimizer`` (fed the mean loss)
    or a function ``updater(batch_size)`` (fed the summed loss, like ``d2l.sgd``).
    Returns ``(train_loss, train_acc)``."""
    if isinstance(net, nn.Module):
        net.train()
    metric = Accumulator(3)  # sum of losses, correct predictions, examples
    with epoch_bar(train_iter, desc) as bar:
        for X, y in train_iter:
            y_hat = net(X)
            l = loss(y_hat, y)
            if isinstance(updater, optim.Optimizer):
                updater.zero_grad()
                l.mean().backward()
                updater.step()
            else:
                l.sum().backward()
                updater(X.shape[0])
            metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
            bar.set_postfix_str(f"loss {metric[0] / metric[2]:.3f} "
                                f"acc {metric[1] / metric[2]:.3f}", refresh=False)
            bar.update()
    return metric[0] / metric[2], metric[1] / metric[2]


def train_ch3(net, train_iter, test_iter, loss, num_epochs, updater=None, params=None, lr=None,
              optimizer=None):
    """Train a model (chapter 3) and return ``(train_loss, train_acc, test_acc)`` of the last
    epoch, drawing the three curves.

    Newer edition: ``train_ch3(net, train_iter, test_iter, loss, num_epochs, updater)``.
    Older edition: ``train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size,
    params, lr, optimizer=None)``: an ``optimizer``, else ``d2l.sgd`` on ``params``.
    """
    if isinstance(updater, int) and not isinstance(updater, bool):
        if optimizer is None:
            if params is None or lr is None:
                raise TypeError("train_ch3: without an optimizer, pass params and lr")
            updater = lambda batch_size: sgd(params, lr, batch_size)  # noqa: E731
        else:
            updater = optimizer
    elif updater is None:
        raise TypeError("train_ch3() missing the updater (an optimizer or updater(batch_size))")
    animator = Animator(xlabel="epoch", xlim=[1, num_epochs], ylim=[0.0, 1.0],
                        legend=["train loss", "train acc", "test acc"])
    for epoch in range(num_epochs):
        train_loss, train_acc = train_epoch_ch3(net, train_iter, loss, updater,
                                                desc=f"epoch {epoch + 1}/{num_epochs}")
        test_acc = evaluate_accuracy(net, test_iter)
        animator.add(epoch + 1, (train_loss, train_acc, test_acc))
        print(f"epoch {epoch + 1}, loss {train_loss:.4f}, train acc {train_acc:.3f}, "
              f"test acc {test_acc:.3f}")
    return train_loss, train_acc, test_acc


def predict_ch3(net, test_iter, n=6):
    """Predict the labels of the first ``n`` test images and show them with their true and
    predicted labels. Returns ``(true_labels, predicted_labels)`` as text."""
    X, y = next(iter(test_iter))
    with ember.no_grad():
        preds = get_fashion_mnist_labels(net(X).argmax(axis=1))
    trues = get_fashion_mnist_labels(y)
    titles = [true + "\n" + pred for true, pred in zip(trues, preds)]
    show_images(X[0:n].reshape((n, X.shape[-2], X.shape[-1])), 1, n, titles=titles[0:n])
    return trues[0:n], preds[0:n]


def train_ch5(net, train_iter, test_iter, batch_size, optimizer, device, num_epochs):
    """The older edition's CNN training loop (cross-entropy loss, the given optimizer).
    Prints one line per epoch; returns ``(train_loss, train_acc, test_acc)``."""
    net = net.to(device)
    loss = nn.CrossEntropyLoss()
    for epoch in range(num_epochs):
        net.train()
        train_l_sum, train_acc_sum, n, batch_count = 0.0, 0.0, 0, 0
        timer = Timer()
        with epoch_bar(train_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for X, y in train_iter:
                X, y = X.to(device), y.to(device)
                y_hat = net(X)
                l = loss(y_hat, y)
                optimizer.zero_grad()
                l.backward()
                optimizer.step()
                train_l_sum += l.item()
                train_acc_sum += accuracy(y_hat, y)
                n += y.shape[0]
                batch_count += 1
                bar.set_postfix_str(f"loss {train_l_sum / batch_count:.3f}", refresh=False)
                bar.update()
        test_acc = evaluate_accuracy(net, test_iter, device)
        print(f"epoch {epoch + 1}, loss {train_l_sum / batch_count:.4f}, train acc "
              f"{train_acc_sum / n:.3f}, test acc {test_acc:.3f}, time {timer.stop():.1f} sec")
    return train_l_sum / batch_count, train_acc_sum / n, test_acc


def _xavier_init(m):
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device=None):
    """Train a model with SGD and cross-entropy (chapter 6; Xavier-initialized weights).
    Returns ``(train_loss, train_acc, test_acc)`` of the last epoch."""
    device = ember.device("cpu") if device is None else device
    net.apply(_xavier_init)
    print("training on", device)
    net.to(device)
    optimizer = optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(xlabel="epoch", xlim=[1, num_epochs],
                        legend=["train loss", "train acc", "test acc"])
    timer, num_batches = Timer(), len(train_iter)
    for epoch in range(num_epochs):
        metric = Accumulator(3)  # sum of losses, correct predictions, examples
        net.train()
        with epoch_bar(train_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for i, (X, y) in enumerate(train_iter):
                timer.start()
                optimizer.zero_grad()
                X, y = X.to(device), y.to(device)
                y_hat = net(X)
                l = loss(y_hat, y)
                l.backward()
                optimizer.step()
                with ember.no_grad():
                    metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
                timer.stop()
                train_l, train_acc = metric[0] / metric[2], metric[1] / metric[2]
                if (i + 1) % max(num_batches // 5, 1) == 0 or i == num_batches - 1:
                    animator.add(epoch + (i + 1) / num_batches, (train_l, train_acc, None))
                bar.set_postfix_str(f"loss {train_l:.3f} acc {train_acc:.3f}", refresh=False)
                bar.update()
        test_acc = evaluate_accuracy_gpu(net, test_iter, device)
        animator.add(epoch + 1, (None, None, test_acc))
    print(f"loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
    print(f"{metric[2] * num_epochs / timer.sum():.1f} examples/sec on {device}")
    return train_l, train_acc, test_acc


def _zero_grads(params):
    for p in params:
        if p.grad is not None:
            p.grad.zero_()


def train_ch7(optimizer_fn, states, hyperparams, features, labels, batch_size=10,
              num_epochs=2):
    """The older edition's from-scratch optimizer loop: linear regression on ``features``
    with ``optimizer_fn(params, states, hyperparams)`` updating ``[w, b]`` in place. The
    loss over the whole data set is recorded every 100 examples and plotted; returns that
    list (its last entry is the final loss)."""
    net, loss = linreg, squared_loss
    w = nn.Parameter(ember.normal(0.0, 0.01, size=(features.shape[1], 1)))
    b = nn.Parameter(ember.zeros(1))

    def eval_loss():
        with ember.no_grad():
            return loss(net(features, w, b), labels).mean().item()

    def step(X, y):
        l = loss(net(X, w, b), y).mean()
        _zero_grads([w, b])
        l.backward()
        optimizer_fn([w, b], states, hyperparams)

    return _airfoil_loop(step, eval_loss, features, labels, batch_size, num_epochs)


def train_pytorch_ch7(optimizer_fn, optimizer_hyperparams, features, labels, batch_size=10,
                      num_epochs=2):
    """``train_ch7`` with ``nn.Linear`` and a framework optimizer:
    ``optimizer_fn(net.parameters(), **optimizer_hyperparams)``, e.g. ``optim.SGD`` and
    ``{"lr": 0.05}``. Returns the recorded losses (half the MSE, like ``squared_loss``)."""
    net = nn.Sequential(nn.Linear(features.shape[-1], 1))
    loss = nn.MSELoss()
    optimizer = optimizer_fn(net.parameters(), **optimizer_hyperparams)

    def eval_loss():
        with ember.no_grad():
            return loss(net(features).view(-1), labels).item() / 2

    def step(X, y):
        l = loss(net(X).view(-1), y) / 2  # half the MSE, as squared_loss in train_ch7
        optimizer.zero_grad()
        l.backward()
        optimizer.step()

    return _airfoil_loop(step, eval_loss, features, labels, batch_size, num_epochs)


def _airfoil_loop(step, eval_loss, features, labels, batch_size, num_epochs):
    """The loop train_ch7 and train_pytorch_ch7 share: shuffled minibatches, ``step(X, y)``
    on each, the whole-data loss recorded every 100 examples, then printed and plotted."""
    ls = [eval_loss()]
    data_iter = _data.DataLoader(_data.TensorDataset(features, labels), batch_size,
                                 shuffle=True)
    timer = Timer()
    for epoch in range(num_epochs):
        timer.start()
        with epoch_bar(data_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for batch_i, (X, y) in enumerate(data_iter):
                step(X, y)
                if (batch_i + 1) * batch_size % 100 == 0:
                    ls.append(eval_loss())
                bar.update()
        timer.stop()
    print(f"loss: {ls[-1]:f}, {timer.avg():f} sec per epoch")
    _plot_loss_curve(ls, num_epochs)
    return ls


def _plot_loss_curve(ls, num_epochs):
    from .plotting import _pyplot, set_figsize
    set_figsize()
    plt = _pyplot()
    plt.figure()
    plt.plot(np.linspace(0, num_epochs, len(ls)), ls)
    plt.xlabel("epoch")
    plt.ylabel("loss")


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    """The newer edition's from-scratch optimizer loop (chapter 11): linear regression
    trained with ``trainer_fn(params, states, hyperparams)``; every 200 examples the loss on
    the whole data set is added to the plot. Returns ``(timer.cumsum(), losses)``."""
    w = ember.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = ember.zeros(1, requires_grad=True)
    net, loss = (lambda X: linreg(X, w, b)), squared_loss
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for epoch in range(num_epochs):
        with epoch_bar(data_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for X, y in data_iter:
                l = loss(net(X), y).mean()
                # The newer edition's trainers zero the gradients themselves, the older
                # edition's do not: zeroing here serves both.
                _zero_grads([w, b])
                l.backward()
                trainer_fn([w, b], states, hyperparams)
                n += X.shape[0]
                if n % 200 == 0:
                    timer.stop()
                    animator.add(n / X.shape[0] / len(data_iter),
                                 (evaluate_loss(net, data_iter, loss),))
                    timer.start()
                bar.update()
    return _report_ch11(animator, timer, num_epochs, lambda: evaluate_loss(net, data_iter, loss))


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    """``train_ch11`` with ``nn.Linear`` and ``trainer_fn(net.parameters(), **hyperparams)``
    (an ``ember.optim`` class). Returns ``(timer.cumsum(), losses)``."""
    feature_dim = next(iter(data_iter))[0].shape[-1]
    net = nn.Sequential(nn.Linear(feature_dim, 1))

    def init_weights(m):
        if type(m) == nn.Linear:
            nn.init.normal_(m.weight, std=0.01)

    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction="none")
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for epoch in range(num_epochs):
        with epoch_bar(data_iter, f"epoch {epoch + 1}/{num_epochs}") as bar:
            for X, y in data_iter:
                optimizer.zero_grad()
                out = net(X)
                y = y.reshape(out.shape)
                l = loss(out, y)
                l.mean().backward()
                optimizer.step()
                n += X.shape[0]
                if n % 200 == 0:
                    timer.stop()
                    # MSELoss has no 1/2: halve it to compare with squared_loss.
                    animator.add(n / X.shape[0] / len(data_iter),
                                 (evaluate_loss(net, data_iter, loss) / 2,))
                    timer.start()
                bar.update()
    return _report_ch11(animator, timer, num_epochs,
                        lambda: evaluate_loss(net, data_iter, loss) / 2)


def _report_ch11(animator, timer, num_epochs, final_loss):
    if animator.Y is None:
        # Fewer than 200 examples seen: no point was plotted; record the final loss once.
        animator.add(num_epochs, (final_loss(),))
    print(f"loss: {animator.Y[0][-1]:.3f}, {timer.sum() / num_epochs:.3f} sec/epoch")
    return timer.cumsum(), animator.Y[0]
