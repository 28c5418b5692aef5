"""The continuous uniform distribution on [low, high)."""
import numbers

import numpy as np

import ember
from . import constraints
from .distribution import Distribution
from .utils import as_tensor, broadcast_all


class Uniform(Distribution):
    """Uniform on the half-open interval [low, high), with reparameterized sampling."""

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        batch_shape = () if all(isinstance(v, numbers.Number) for v in (low, high)) \
            else self.low.shape
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and not (self.low.detach().numpy()
                                        < self.high.detach().numpy()).all():
            raise ValueError(f"Expected parameter low ({type(self.low).__name__} of shape "
                             f"{tuple(self.low.shape)}) of distribution {self!r} to satisfy "
                             f"the constraint LessThan(upper_bound=high), but found invalid "
                             f"values:\n{self.low}")

    @property
    def support(self):
        return constraints.half_open_interval(self.low.detach().numpy(),
                                              self.high.detach().numpy())

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def mode(self):
        return ember.full(tuple(self.batch_shape), float("nan"), dtype=self.low.dtype)

    @property
    def stddev(self):
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self):
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        u = ember.random.numpy_generator().random(shape, dtype=self.low.dtype.numpy_dtype)
        return self.low + ember.Tensor._wrap(u) * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = as_tensor(value, self.low)
        v = value.detach().numpy()
        inside = (self.low.detach().numpy() <= v) & (self.high.detach().numpy() > v)
        # log(1) = 0 inside and log(0) = -inf outside, as a constant; the density's
        # -log(high - low) carries the gradient.
        log_inside = np.where(inside, 0.0, -np.inf).astype(self.low.dtype.numpy_dtype)
        return ember.Tensor._wrap(log_inside) - (self.high - self.low).log()

    def cdf(self, value):
        value = as_tensor(value, self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value):
        value = as_tensor(value, self.low)
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()
