"""The normal (Gaussian) distribution."""
import math
import numbers

import ember
from . import constraints
from .distribution import Distribution
from .utils import as_tensor, broadcast_all


class Normal(Distribution):
    """N(loc, scale^2), with reparameterized sampling (``rsample``)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        batch_shape = () if all(isinstance(v, numbers.Number) for v in (loc, scale)) \
            else self.loc.shape
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        gen = ember.random.numpy_generator()
        eps = gen.standard_normal(shape, dtype=self.loc.dtype.numpy_dtype)
        return self.loc + ember.Tensor._wrap(eps) * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = as_tensor(value, self.loc)
        return (-((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
