"""Random number generation: one global generator, seeded by ``ember.manual_seed``.

Every random draw in ember (creation ops, init, dropout, shuffling) goes through
``numpy_generator`` so that a single seed makes a whole run reproducible.
"""
import numpy as np


class Generator:
    """A random generator with PyTorch's interface, backed by NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721  # PyTorch's default seed, for familiarity
        self._np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed & (2**64 - 1)))
        return self

    def seed(self):
        """Seed from fresh entropy and return the seed used."""
        seed = int(np.random.SeedSequence().entropy) & (2**63 - 1)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as plain data (a dict of ints and strings)."""
        return {"seed": self._seed, "bit_generator": self._np.bit_generator.state}

    def set_state(self, state):
        bit_generator = np.random.PCG64()
        bit_generator.state = state["bit_generator"]
        self._np = np.random.Generator(bit_generator)
        self._seed = state["seed"]


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator; returns it, as PyTorch does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def numpy_generator(generator=None):
    """The np.random.Generator a draw should use: the given generator's or the global one."""
    return (generator or default_generator)._np
