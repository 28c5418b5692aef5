"""Softmax regression and the multilayer perceptrons of the notes (Fashion-MNIST sizes)."""
from ember import nn


def _init_normal(m):
    # The book draws every Linear weight from N(0, 0.01^2); biases keep nn.Linear's default.
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.01)


def _num_inputs(in_channels, input_size):
    return in_channels * input_size * input_size


def softmax_regression(num_classes=10, in_channels=1, input_size=28):
    """``Flatten`` then one ``Linear`` layer; train it with ``nn.CrossEntropyLoss`` (which
    applies the softmax)."""
    net = nn.Sequential(nn.Flatten(), nn.Linear(_num_inputs(in_channels, input_size),
                                                num_classes))
    net.apply(_init_normal)
    return net


def mlp(num_classes=10, in_channels=1, input_size=28, num_hiddens=256):
    """The multilayer perceptron: one hidden layer of ``num_hiddens`` ReLU units."""
    net = nn.Sequential(nn.Flatten(),
                        nn.Linear(_num_inputs(in_channels, input_size), num_hiddens),
                        nn.ReLU(),
                        nn.Linear(num_hiddens, num_classes))
    net.apply(_init_normal)
    return net


def mlp_dropout(num_classes=10, in_channels=1, input_size=28, num_hiddens1=256,
                num_hiddens2=256, dropout1=0.2, dropout2=0.5):
    """Two hidden ReLU layers, each followed by dropout (0.2 after the first, 0.5 after the
    second, as in the book)."""
    net = nn.Sequential(nn.Flatten(),
                        nn.Linear(_num_inputs(in_channels, input_size), num_hiddens1),
                        nn.ReLU(),
                        nn.Dropout(dropout1),
                        nn.Linear(num_hiddens1, num_hiddens2),
                        nn.ReLU(),
                        nn.Dropout(dropout2),
                        nn.Linear(num_hiddens2, num_classes))
    net.apply(_init_normal)
    return net
