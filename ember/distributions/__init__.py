"""Probability distributions with torch.distributions' interface:
``from ember.distributions import multinomial; multinomial.Multinomial(10, probs).sample()``."""
from . import bernoulli, categorical, constraints, multinomial, normal, uniform
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .multinomial import Multinomial
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Multinomial", "Normal", "Uniform",
           "bernoulli", "categorical", "constraints", "multinomial", "normal", "uniform"]
