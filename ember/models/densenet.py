"""DenseNet as the notes configure it: growth rate 32, four dense blocks of 4 convolutions."""
import ember
from ember import nn

from ..d2l.models import FlattenLayer, GlobalAvgPool2d


def conv_block(in_channels, out_channels):
    """Batch norm, ReLU, then a 3x3 convolution (DenseNet's pre-activation order)."""
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """``num_convs`` conv blocks, each fed the concatenation (on channels) of the block's
    input and every previous output; ``out_channels`` is the growth per conv block."""

    def __init__(self, num_convs, in_channels, out_channels):
        super().__init__()
        self.net = nn.ModuleList([conv_block(in_channels + i * out_channels, out_channels)
                                  for i in range(num_convs)])
        self.out_channels = in_channels + num_convs * out_channels

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = ember.cat((X, Y), dim=1)
        return X


def transition_block(in_channels, out_channels):
    """Batch norm, ReLU, a 1x1 convolution to cut the channels, and 2x2 average pooling
    to halve the height and width."""
    return nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, out_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(num_classes=10, in_channels=1, input_size=96, growth_rate=32,
             num_convs_in_dense_blocks=(4, 4, 4, 4), num_channels=64):
    """The notes' DenseNet: ResNet's stem (7x7 stride-2 convolution, batch norm, ReLU, 3x3
    max pooling), dense blocks with transition layers halving the channels between them,
    then batch norm, ReLU, global average pooling and a linear layer.

    The book trains it on 96x96 images. Each transition halves the feature maps, so
    ``input_size`` is checked: the maps must keep at least one pixel to the end.
    """
    side = (input_size + 2 * 3 - 7) // 2 + 1
    side = (side + 2 - 3) // 2 + 1
    for _ in range(len(num_convs_in_dense_blocks) - 1):
        side //= 2
    if side < 1:
        raise ValueError(f"densenet with {len(num_convs_in_dense_blocks)} dense blocks needs "
                         f"larger inputs: input_size={input_size} leaves no pixels after "
                         f"the transition layers (use at least 32, the book uses 96)")
    net = nn.Sequential(
        nn.Conv2d(in_channels, num_channels, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(num_channels), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        block = DenseBlock(num_convs, num_channels, growth_rate)
        net.add_module(f"dense_block_{i}", block)
        num_channels = block.out_channels
        if i != len(num_convs_in_dense_blocks) - 1:
            net.add_module(f"transition_block_{i}",
                           transition_block(num_channels, num_channels // 2))
            num_channels //= 2
    net.add_module("BN", nn.BatchNorm2d(num_channels))
    net.add_module("relu", nn.ReLU())
    net.add_module("global_avg_pool", GlobalAvgPool2d())
    net.add_module("fc", nn.Sequential(FlattenLayer(), nn.Linear(num_channels, num_classes)))
    return net
