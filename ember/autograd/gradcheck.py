"""Finite-difference checks of analytic gradients (float64 central differences)."""
import numpy as np

from . import function as _function
from ._grad import grad as _grad


def numerical_grads(fn, inputs, eps=1e-6):
    """d(sum(fn(*inputs) * w))/d(input) by central differences, for a fixed random w."""
    tensor_type = _function._Tensor[0]
    out = fn(*inputs)
    rng = np.random.default_rng(1234)
    w = rng.standard_normal(out.shape) if out._data.ndim else np.float64(1.0)
    grads = []
    for t in inputs:
        if not (isinstance(t, tensor_type) and t.requires_grad):
            grads.append(None)
            continue
        g = np.zeros(t._data.shape, dtype=np.float64)
        flat = t._data.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = float(np.sum(fn(*inputs)._data * w))
            flat[i] = orig - eps
            minus = float(np.sum(fn(*inputs)._data * w))
            flat[i] = orig
            g.reshape(-1)[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads, w


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare autograd's gradients of ``fn`` with finite differences (float64 inputs)."""
    tensor_type = _function._Tensor[0]
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for t in inputs:
        if isinstance(t, tensor_type) and t.requires_grad and t._data.dtype != np.float64:
            raise ValueError("gradcheck expects float64 inputs that require grad")
    numeric, w = numerical_grads(fn, inputs, eps)
    out = fn(*inputs)
    wrt = [t for t in inputs if isinstance(t, tensor_type) and t.requires_grad]
    analytic = _grad(out, wrt, grad_outputs=tensor_type._wrap(np.asarray(w, dtype=out._data.dtype)),
                     allow_unused=True)
    it = iter(analytic)
    for t, num in zip(inputs, numeric):
        if num is None:
            continue
        a = next(it)
        a = np.zeros_like(num) if a is None else a._data
        if not np.allclose(a, num, atol=atol, rtol=rtol):
            if raise_exception:
                raise AssertionError(
                    f"gradient mismatch for input of shape {tuple(t.shape)}:\n"
                    f"analytical={a}\nnumerical={num}")
            return False
    return True
