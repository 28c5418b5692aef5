"""Utilities with PyTorch's ``torch.utils`` layout."""
from . import data

__all__ = ["data"]
