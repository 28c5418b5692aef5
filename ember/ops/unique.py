"""``unique``: the distinct values of a tensor (or distinct slices along ``dim``)."""
import numpy as np

from ..tensor import Tensor, _wrap_dim


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of ``input`` in ascending order (PyTorch's CPU kernel sorts
    whatever ``sorted`` says, and so does this), with, on request, ``inverse`` (each
    element's position in the result, shaped like the input, or like ``input.size(dim)``)
    and ``counts``, both int64. NaNs are all distinct, as in PyTorch. Not differentiable."""
    a = input._data
    if dim is None:
        values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(a.shape)
    else:
        d = _wrap_dim(dim, a.ndim)
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                            axis=d)
        inverse = inverse.reshape(-1)
    out = [Tensor._wrap(values)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
