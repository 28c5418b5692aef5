"""The multinomial distribution: counts of ``total_count`` categorical draws."""
import numpy as np

import ember
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import clamp_probs, lgamma, softplus


class Multinomial(Distribution):
    """Counts per category after ``total_count`` draws with probabilities ``probs``
    (normalised along the last axis) or ``softmax(logits)``.

    ``sample`` gives float counts of shape ``sample_shape + batch_shape + (K,)``, each
    summing to ``total_count``: ``Multinomial(10, torch.ones(6) / 6).sample((500,))`` is
    500 experiments of 10 die rolls.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        p = self.probs.detach().numpy().astype(np.float64)
        p = p / p.sum(-1, keepdims=True)
        counts = ember.random.numpy_generator().multinomial(self.total_count, p, size=shape)
        return ember.Tensor._wrap(counts.astype(self.probs.dtype.numpy_dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        v = value.detach().numpy() if isinstance(value, ember.Tensor) else np.asarray(value)
        logits = self.logits
        shape = np.broadcast_shapes(v.shape, tuple(logits.shape))
        v = np.broadcast_to(v, shape)
        dtype = logits.dtype.numpy_dtype
        # A category that can't happen (-inf logit) and didn't (count 0) contributes 0.
        impossible_ok = (v == 0) & np.isneginf(logits.detach().numpy())
        if impossible_ok.any():
            logits = ember.where(ember.Tensor._wrap(impossible_ok),
                                 ember.zeros(shape, dtype=logits.dtype), logits.expand(shape))
        log_powers = (logits * ember.Tensor._wrap(v.astype(dtype))).sum(-1)
        log_factorials = lgamma(v.sum(-1) + 1) - lgamma(v + 1).sum(-1)
        return ember.Tensor._wrap(log_factorials.astype(dtype)) + log_powers

    def entropy(self):
        # H = n H(categorical) - log n! + sum_k E[log x_k!], where x_k ~ Binomial(n, p_k):
        # the expectation runs over the support 0..n of every binomial marginal.
        n = self.total_count
        dtype = self.probs.dtype.numpy_dtype
        p = clamp_probs(self.probs)
        logits = p.log() - (1 - p).log()
        k = np.arange(n + 1, dtype=np.float64).reshape((-1,) + (1,) * self.probs.dim())
        log_choose = (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)).astype(dtype)
        log_binom = (ember.Tensor._wrap(log_choose) + ember.Tensor._wrap(k.astype(dtype)) * logits
                     - n * softplus(logits))
        weights = ember.Tensor._wrap(lgamma(k + 1).astype(dtype))
        expected = (log_binom.exp() * weights).sum(0).sum(-1)
        return n * self._categorical.entropy() - float(lgamma(n + 1)) + expected
