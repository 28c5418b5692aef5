"""Datasets of images (torchvision's ``torchvision.datasets``)."""
from .idx import IDXError, read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = ["FashionMNIST", "IDXError", "MNIST", "read_idx", "write_idx"]
