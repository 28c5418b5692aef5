"""The networks of the notes as factories of plain ``nn.Module``s, with the book's default
sizes; every factory takes ``num_classes``, ``in_channels`` and ``input_size`` (the side of
the square input images) and returns a freshly initialized network.

``MODELS`` maps a name to its factory (for the ``ember`` command line); ``get_model(name,
**options)`` builds one by name.
"""
from .densenet import DenseBlock, conv_block, densenet, transition_block
from .lenet import BatchNorm, batch_norm, lenet, lenet_batchnorm, lenet_batchnorm_scratch
from .linear import mlp, mlp_dropout, softmax_regression
from .resnet import resnet18

MODELS = {
    "softmax": softmax_regression,
    "mlp": mlp,
    "mlp_dropout": mlp_dropout,
    "lenet": lenet,
    "lenet_bn_scratch": lenet_batchnorm_scratch,
    "lenet_bn": lenet_batchnorm,
    "resnet18": resnet18,
    "densenet": densenet,
}


def get_model(name, **options):
    """Build the network registered as ``name`` in ``MODELS``."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; available: {', '.join(MODELS)}") from None
    return factory(**options)


__all__ = ["MODELS", "get_model", "softmax_regression", "mlp", "mlp_dropout", "lenet",
           "lenet_batchnorm", "lenet_batchnorm_scratch", "BatchNorm", "batch_norm",
           "resnet18", "densenet", "DenseBlock", "conv_block", "transition_block"]
