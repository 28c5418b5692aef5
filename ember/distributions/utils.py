"""Helpers shared by the distributions: argument broadcasting and probs/logits conversion."""
import math
import numbers

import numpy as np

import ember

_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def lgamma(x):
    """log Gamma(x) of constant data (an array), in float64."""
    return _lgamma(np.asarray(x, dtype=np.float64))


def broadcast_all(*values):
    """Tensors of one broadcast shape; numbers take the dtype of the tensor arguments
    (the default float dtype when there are none)."""
    tensors = [v for v in values if isinstance(v, ember.Tensor)]
    if len(tensors) + sum(isinstance(v, numbers.Number) for v in values) != len(values):
        raise ValueError("Input arguments must all be instances of numbers.Number or "
                         "ember.Tensor.")
    dtype = tensors[0].dtype if tensors else ember.get_default_dtype()
    values = [v if isinstance(v, ember.Tensor) else ember.tensor(float(v), dtype=dtype)
              for v in values]
    shape = np.broadcast_shapes(*(tuple(v.shape) for v in values))
    return tuple(v if tuple(v.shape) == shape else v.expand(shape) for v in values)


def as_tensor(value, like):
    """``value`` as a tensor of ``like``'s dtype (numbers and arrays are converted)."""
    if isinstance(value, ember.Tensor):
        return value
    return ember.tensor(value, dtype=like.dtype)


def clamp_probs(probs):
    eps = float(np.finfo(probs.dtype.numpy_dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (1 - ps).log()
    return ps.log()


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return logits.sigmoid()
    return (logits - logits.logsumexp(-1, keepdim=True)).exp()


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return x.clamp(min=0) + ember.log1p((-x.abs()).exp())


class lazy_property:
    """Computed on first access from the other parameter, then cached on the instance."""

    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.name = fn.__name__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value
