"""Datasets: the map-style and iterable protocols, and the standard wrappers.

A map-style dataset may also offer ``get_batch(indices)``: the result that
``default_collate([self[i] for i in indices])`` would give, computed on whole arrays
(one fancy-indexing instead of a Python loop), or None when it cannot for this call.
The DataLoader uses it when collation is the default one.
"""
import bisect
import math

import numpy as np

import ember


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` and usually ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: ``__iter__`` yields the samples.

    With worker processes every worker iterates its own copy; use
    ``ember.utils.data.get_worker_info()`` inside ``__iter__`` to split the work.
    """

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _same_owner(obj, name, fast_name):
    """Whether ``obj``'s class defines ``fast_name`` in the same class as ``name``: a
    fast path must not bypass a subclass that overrides only the ordinary method."""
    mro = type(obj).__mro__
    owner = lambda n: next((k for k in mro if n in vars(k)), None)  # noqa: E731
    return owner(fast_name) is not None and owner(fast_name) is owner(name)


def _fast_batch(dataset, indices):
    """``dataset.get_batch(indices)`` where it is safe to use, else None."""
    if not _same_owner(dataset, "__getitem__", "get_batch"):
        return None
    return dataset.get_batch(indices)


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors: ``dataset[i] == tuple(t[i] for t in tensors)``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0]
        if any(t.shape[0] != n for t in tensors):
            raise ValueError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def get_batch(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        # Gathering the rows is the whole batch: one fancy-indexing per tensor (a plain loop:
        # with batches of 10 the loop's overhead is most of the cost).
        batch = []
        for t in self.tensors:
            if t._requires_grad:
                return None  # stacking such rows must build a graph; leave it to the ops
            batch.append(ember.Tensor._wrap(t._data[idx]))
        return batch

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def get_batch(self, indices):
        return _fast_batch(self.dataset, np.asarray(self.indices)[np.asarray(indices)])

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (the
    floors are taken and the remainder is dealt out one by one, first split first).
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = ember.random.numpy_generator(generator).permutation(n).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + length]))
        offset += length
    return out
