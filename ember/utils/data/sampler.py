"""Samplers: which indices a DataLoader visits, and how they are grouped into batches."""
import numbers

import numpy as np

import ember
from .dataset import _same_owner


class Sampler:
    """Base class: an iterable of dataset indices (or, for batch samplers, of index lists)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _indices(self):
        return np.arange(len(self.data_source))

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation per pass (or ``num_samples`` draws with replacement).

    Draws come from ``generator`` or, when it is None, from ember's global generator, so
    ``ember.manual_seed`` fixes the order of every epoch.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, numbers.Integral) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _indices(self):
        """This pass's indices as one int64 array (what ``__iter__`` yields)."""
        n = len(self.data_source)
        gen = ember.random.numpy_generator(self.generator)
        if self.replacement:
            return gen.integers(0, n, self.num_samples)
        # Whole permutations, then the first num_samples of their concatenation.
        reps = -(-self.num_samples // n)
        return np.concatenate([gen.permutation(n) for _ in range(reps)])[:self.num_samples]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _indices(self):
        perm = ember.random.numpy_generator(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices)[perm]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool) \
                or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        w = weights._data if isinstance(weights, ember.Tensor) else weights
        self.weights = np.asarray(w, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(self.weights.shape)}")
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _indices(self):
        p = self.weights / self.weights.sum()
        gen = ember.random.numpy_generator(self.generator)
        return gen.choice(len(p), self.num_samples, replace=self.replacement, p=p)

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) \
                or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self):
        """The batches as int64 arrays, sliced from one array of indices when the sampler
        can give it (ember's samplers can), without a Python loop over indices."""
        if not _same_owner(self.sampler, "__iter__", "_indices"):
            yield from (np.asarray(b, dtype=np.int64) for b in self)
            return
        idx = np.asarray(self.sampler._indices(), dtype=np.int64)
        stop = len(idx) - len(idx) % self.batch_size if self.drop_last else len(idx)
        for start in range(0, stop, self.batch_size):
            yield idx[start:start + self.batch_size]

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
