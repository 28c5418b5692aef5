"""Differentiable operations, one module per family; importing this binds them to Tensor."""
from . import _methods

_methods.bind()
