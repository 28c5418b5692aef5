"""Models, losses and the hand-written optimizer of the book: ``linreg``, ``squared_loss``,
``sgd``, ``corr2d``, and the layers ``FlattenLayer``, ``GlobalAvgPool2d``, ``Residual`` with
``resnet_block`` and ``resnet18``."""
import ember
from ember import nn
from ember.nn import functional as F


def linreg(X, w, b):
    """The linear regression model ``Xw + b``."""
    return ember.matmul(X, w) + b


def squared_loss(y_hat, y):
    """Squared loss ``(y_hat - y)**2 / 2`` per example (``y`` is reshaped like ``y_hat``)."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent on summed losses: ``p -= lr * p.grad /
    batch_size``, then the gradients are zeroed for the next step."""
    with ember.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def corr2d(X, K):
    """2-D cross-correlation of the 2-D tensor ``X`` with the kernel ``K`` ("valid" size).

    The book loops over the output positions; this sums over the kernel positions
    instead (``K.numel()`` shifted slices of ``X``), the same numbers with far fewer
    operations, and differentiable in both ``X`` and ``K``.
    """
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f"corr2d: kernel of shape {tuple(K.shape)} is larger than the "
                         f"input of shape {tuple(X.shape)}")
    Y = None
    for a in range(h):
        for b in range(w):
            term = X[a:a + out_h, b:b + out_w] * K[a, b]
            Y = term if Y is None else Y + term
    return Y


class FlattenLayer(nn.Module):
    """Flatten every dimension but the first (the older edition's ``nn.Flatten``)."""

    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class GlobalAvgPool2d(nn.Module):
    """Average each channel over its whole height and width: ``(N, C, H, W)`` to
    ``(N, C, 1, 1)``."""

    def forward(self, x):
        return F.avg_pool2d(x, kernel_size=tuple(x.shape[2:]))


class Residual(nn.Module):
    """The residual block of ResNet: two 3x3 convolutions with batch norm, added to the
    input (through a 1x1 convolution when ``use_1x1conv``, needed when the channels or the
    stride change). ``stride`` (older edition) and ``strides`` (newer) are the same."""

    def __init__(self, in_channels, out_channels, use_1x1conv=False, stride=1, *,
                 strides=None):
        super().__init__()
        stride = strides if strides is not None else stride
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1,
                               stride=stride)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


def resnet_block(in_channels, out_channels, num_residuals, first_block=False):
    """``num_residuals`` residual blocks; the first halves height and width and changes the
    channels, except in the first stage (``first_block``), which follows a pooling layer."""
    if first_block and in_channels != out_channels:
        raise ValueError("the first block keeps the channels: in_channels must equal "
                         f"out_channels, got {in_channels} and {out_channels}")
    blocks = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blocks.append(Residual(in_channels, out_channels, use_1x1conv=True, stride=2))
        else:
            blocks.append(Residual(out_channels, out_channels))
    return nn.Sequential(*blocks)


def resnet18(num_classes=10, in_channels=1):
    """The book's slightly modified ResNet-18 for small images (a 3x3 stem without the max
    pooling; the version of the multi-GPU chapters)."""
    return resnet18_from_stem(nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=3, stride=1, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU()), num_classes)


def resnet18_from_stem(net, num_classes):
    """ResNet-18's body on a stem ``net`` that gives 64 channels: four stages of two
    residual blocks (64, 128, 256, 512 channels), global average pooling, a linear layer."""
    net.add_module("resnet_block1", resnet_block(64, 64, 2, first_block=True))
    net.add_module("resnet_block2", resnet_block(64, 128, 2))
    net.add_module("resnet_block3", resnet_block(128, 256, 2))
    net.add_module("resnet_block4", resnet_block(256, 512, 2))
    net.add_module("global_avg_pool", GlobalAvgPool2d())
    net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(512, num_classes)))
    return net
