"""Reverse-mode automatic differentiation: ``Function``, ``grad``, grad modes, and the
``functional`` helpers (jacobian, hessian) built on higher-order gradients."""
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ._grad import backward, grad
from .gradcheck import gradcheck
from . import functional

__all__ = ["Function", "once_differentiable", "grad", "backward", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode", "functional", "gradcheck"]
