"""LeNet, and LeNet with batch normalization: the notes' hand-written ``BatchNorm`` and
the framework's ``nn.BatchNorm2d`` / ``nn.BatchNorm1d``."""
import ember
from ember import nn

from ..d2l.models import FlattenLayer


def _conv_out(size, kernel, padding=0, stride=1):
    return (size + 2 * padding - kernel) // stride + 1


def _lenet_flat_size(input_size, padding):
    """The side of the feature maps after LeNet's two conv + pool stages."""
    s = _conv_out(input_size, 5, padding) // 2
    s = _conv_out(s, 5) // 2
    if s < 1:
        raise ValueError(f"LeNet needs larger inputs: input_size={input_size} leaves no "
                         f"pixels after its two convolution and pooling stages")
    return s


def lenet(num_classes=10, in_channels=1, input_size=28):
    """LeNet-5 as in the book's newer edition: 5x5 convolutions (the first padded by 2),
    sigmoid activations and 2x2 average pooling, then three fully connected layers."""
    s = _lenet_flat_size(input_size, padding=2)
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * s * s, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes))


def batch_norm(is_training, X, gamma, beta, moving_mean, moving_var, eps, momentum):
    """The notes' batch normalization on 2-D (fully connected) or 4-D (convolutional)
    input. Returns ``(Y, moving_mean, moving_var)``; ``momentum`` weighs the old moving
    statistics (the notes' 0.9), not the new ones as ``nn.BatchNorm2d``'s does."""
    if not is_training:
        X_hat = (X - moving_mean) / ember.sqrt(moving_var + eps)
    else:
        if len(X.shape) not in (2, 4):
            raise ValueError(f"batch_norm expects 2-D or 4-D input, got {len(X.shape)}-D")
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # Per channel (axis 1), keeping the dimensions so the statistics broadcast.
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / ember.sqrt(var + eps)
        # The moving statistics are not part of the graph: detaching keeps each step's
        # graph from chaining onto the previous ones.
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean.detach()
        moving_var = momentum * moving_var + (1.0 - momentum) * var.detach()
    Y = gamma * X_hat + beta
    return Y, moving_mean, moving_var


class BatchNorm(nn.Module):
    """The notes' hand-written batch normalization layer: ``BatchNorm(num_features,
    num_dims)`` with ``num_dims`` 2 (after a ``Linear``) or 4 (after a ``Conv2d``).

    Unlike the notes, the moving statistics are registered buffers (so ``state_dict`` and
    ``.to()`` carry them) and the moving variance starts at 1, not 0, so a model evaluated
    before any training step does not divide by ``sqrt(eps)``.
    """

    def __init__(self, num_features, num_dims):
        super().__init__()
        shape = (1, num_features) if num_dims == 2 else (1, num_features, 1, 1)
        self.gamma = nn.Parameter(ember.ones(shape))
        self.beta = nn.Parameter(ember.zeros(shape))
        self.register_buffer("moving_mean", ember.zeros(shape))
        self.register_buffer("moving_var", ember.ones(shape))

    def forward(self, X):
        Y, self.moving_mean, self.moving_var = batch_norm(
            self.training, X, self.gamma, self.beta, self.moving_mean, self.moving_var,
            eps=1e-5, momentum=0.9)
        return Y


def _lenet_bn(num_classes, in_channels, input_size, bn2d, bn1d):
    s = _lenet_flat_size(input_size, padding=0)
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5), bn2d(6), nn.Sigmoid(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), bn2d(16), nn.Sigmoid(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        FlattenLayer(),
        nn.Linear(16 * s * s, 120), bn1d(120), nn.Sigmoid(),
        nn.Linear(120, 84), bn1d(84), nn.Sigmoid(),
        nn.Linear(84, num_classes))


def lenet_batchnorm_scratch(num_classes=10, in_channels=1, input_size=28):
    """The notes' LeNet with their hand-written ``BatchNorm`` after every convolution and
    hidden linear layer (5x5 convolutions without padding, max pooling)."""
    return _lenet_bn(num_classes, in_channels, input_size,
                     lambda n: BatchNorm(n, num_dims=4), lambda n: BatchNorm(n, num_dims=2))


def lenet_batchnorm(num_classes=10, in_channels=1, input_size=28):
    """The same network with the framework's ``nn.BatchNorm2d`` and ``nn.BatchNorm1d``."""
    return _lenet_bn(num_classes, in_channels, input_size, nn.BatchNorm2d, nn.BatchNorm1d)
