"""Jacobians and Hessians from autograd (``create_graph=True`` gives second derivatives)."""
import numpy as np

from . import function as _function
from ._grad import grad as _grad


def _tupled(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs, one backward pass per output element."""
    tensor_type = _function._Tensor[0]
    inputs, many_in = _tupled(inputs)
    inputs = tuple(x.detach().requires_grad_(True) if not x.requires_grad or not create_graph
                   else x for x in inputs)
    outputs = func(*inputs)
    outputs, many_out = _tupled(outputs)
    jac = []
    for out in outputs:
        flat = out.reshape(-1)
        rows = [[] for _ in inputs]
        for i in range(flat.shape[0]):
            if flat.requires_grad:
                gs = _grad(flat[i], inputs, retain_graph=True, create_graph=create_graph,
                           allow_unused=True)
            else:
                gs = (None,) * len(inputs)
            for k, (g, x) in enumerate(zip(gs, inputs)):
                rows[k].append(g if g is not None else tensor_type._wrap(np.zeros_like(x._data)))
        per_input = []
        for k, x in enumerate(inputs):
            from ..ops.shape import stack
            if rows[k]:
                j = stack(rows[k]).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                j = tensor_type._wrap(np.zeros(tuple(out.shape) + tuple(x.shape), x._data.dtype))
            per_input.append(j if create_graph else j.detach())
        jac.append(tuple(per_input) if many_in else per_input[0])
    return tuple(jac) if many_out else jac[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: the Jacobian of its gradient."""
    inputs_t, many_in = _tupled(inputs)

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        gs = _grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else x * 0 for g, x in zip(gs, xs)) if many_in else gs[0]

    return jacobian(gradient, inputs_t if many_in else inputs_t[0], create_graph=create_graph)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    inputs_t, many_in = _tupled(inputs)
    inputs_t = tuple(x.detach().requires_grad_(True) for x in inputs_t)
    out = func(*inputs_t)
    gs = _grad(out, inputs_t, grad_outputs=v, create_graph=create_graph, allow_unused=True)
    gs = tuple(g if create_graph or g is None else g.detach() for g in gs)
    return out.detach(), (gs if many_in else gs[0])
