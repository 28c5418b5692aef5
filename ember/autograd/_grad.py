"""``autograd.grad`` and ``autograd.backward``: the engine's entry points for several
outputs at once."""
import numpy as np

from .engine import check_roots, run_backward
from . import function as _function


def _as_list(x):
    tensor_type = _function._Tensor[0]
    if isinstance(x, tensor_type):
        return [x]
    return list(x)


def _root_grads(outputs, grad_outputs):
    from ..tensor import _initial_grad
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _as_list(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) \
            else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grad_outputs)} grad_outputs "
            f"and {len(outputs)} outputs")
    return [_initial_grad(o, g) for o, g in zip(outputs, grad_outputs)]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated)."""
    tensor_type = _function._Tensor[0]
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    check_roots(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    captured = run_backward(outputs, _root_grads(outputs, grad_outputs), retain_graph,
                            create_graph, inputs=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t))
        if g is None:
            if materialize_grads:
                g = np.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
        if g is not None and not isinstance(g, tensor_type):
            g = tensor_type._wrap(np.array(g, copy=True))
        if g is not None and t.grad_fn is None:
            for hook in t._hooks or ():  # a leaf's hooks see its whole gradient, as in backward
                out = hook(g)
                if out is not None:
                    g = out
        result.append(g)
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of several outputs at once into the leaves' ``.grad``."""
    tensors = _as_list(tensors)
    check_roots(tensors)
    if inputs is not None:
        raise RuntimeError("autograd.backward(inputs=...) is not supported; use autograd.grad")
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, _root_grads(tensors, grad_tensors), retain_graph, create_graph)
