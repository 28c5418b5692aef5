"""ResNet-18 as the book builds it for Fashion-MNIST (chapter "ResNet")."""
from ember import nn

from ..d2l.models import resnet18_from_stem


def resnet18(num_classes=10, in_channels=1, input_size=96):
    """The book's ResNet-18: a 7x7 stride-2 convolution with batch norm and 3x3 max pooling,
    four stages of two residual blocks (64, 128, 256, 512 channels), global average
    pooling and a linear layer. The book feeds it 96x96 images; thanks to the global
    pooling any size works, so ``input_size`` (there for the registry's common signature)
    changes nothing."""
    return resnet18_from_stem(nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1)), num_classes)
