"""The categorical distribution over {0, ..., K-1}."""
import numpy as np

import ember
from . import constraints
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """Index k with probability ``probs[..., k]`` (normalised along the last axis) or
    ``softmax(logits)[..., k]``; samples are int64 of shape ``sample_shape + batch_shape``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        param = probs if probs is not None else logits
        if param.dim() < 1:
            raise ValueError(f"`{'probs' if probs is not None else 'logits'}` parameter must "
                             "be at least one-dimensional.")
        if probs is not None:
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return ember.full(tuple(self.batch_shape), float("nan"), dtype=self._param.dtype)

    @property
    def variance(self):
        return ember.full(tuple(self.batch_shape), float("nan"), dtype=self._param.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    def sample(self, sample_shape=()):
        sample_shape = tuple(sample_shape)
        p = self.probs.detach().numpy().astype(np.float64).reshape(-1, self._num_events)
        cdf = np.cumsum(p, axis=-1)
        cdf /= cdf[:, -1:]
        n = int(np.prod(sample_shape, dtype=np.int64))
        u = ember.random.numpy_generator().random((n, len(p), 1))
        # Inverse CDF: the first category whose cumulative probability exceeds u.
        idx = np.minimum((u >= cdf).sum(-1), self._num_events - 1)
        return ember.Tensor._wrap(idx.reshape(sample_shape + tuple(self.batch_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        v = value.detach().numpy() if isinstance(value, ember.Tensor) else np.asarray(value)
        v = v.astype(np.int64)
        shape = np.broadcast_shapes(v.shape, tuple(self.batch_shape))
        pick = np.broadcast_to(v, shape)[..., None] == np.arange(self._num_events)
        logits = self.logits.expand(shape + (self._num_events,))
        # The selected logit of each row; ``where`` (not a product with a one-hot mask)
        # keeps -inf logits of unselected categories from turning into NaN.
        zeros = ember.zeros(pick.shape, dtype=logits.dtype)
        return ember.where(ember.Tensor._wrap(pick), logits, zeros).sum(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits.dtype.numpy_dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = ember.arange(self._num_events).reshape(
            (-1,) + (1,) * len(self.batch_shape))
        return values.expand((self._num_events,) + tuple(self.batch_shape)) if expand \
            else values
