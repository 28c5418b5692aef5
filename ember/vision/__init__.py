"""Vision datasets and transforms (torchvision's interface): ``from ember import vision as
torchvision`` gives ``torchvision.datasets.FashionMNIST`` and ``torchvision.transforms``."""
from . import datasets, transforms

__all__ = ["datasets", "transforms"]
