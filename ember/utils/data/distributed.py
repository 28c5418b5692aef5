"""``DistributedSampler``: each rank of a data-parallel job reads its own share of a data set.

The rule is PyTorch's, so that a job splits its data the same way under ember:

* ``num_samples = ceil(len / num_replicas)`` indices per rank; with ``drop_last`` and a
  length that does not divide, ``ceil((len - num_replicas) / num_replicas)`` instead
  (the tail is dropped so that every rank gets the same count).
* The epoch's order is ``0 .. len-1``, or with ``shuffle`` a permutation drawn from a
  generator seeded with ``seed + epoch``: every rank draws the same one, and ``set_epoch``
  changes it from one epoch to the next. (The permutation is ember's generator's, not
  torch's, but the same seed and epoch give the same order on every rank.)
* Without ``drop_last`` the order is padded to ``num_samples * num_replicas`` by repeating
  it from its start (as many times as needed); with it, cut to that length.
* Rank ``r`` takes every ``num_replicas``-th index from position ``r``.
"""
import math

import numpy as np

import ember
from .sampler import Sampler


class DistributedSampler(Sampler):
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` visits this epoch
    (both default to the process group's)."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist  # ValueError when no group is initialized
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _indices(self):
        """This rank's indices of this epoch as one int64 array (what ``__iter__`` yields)."""
        n = len(self.dataset)
        if self.shuffle:
            g = ember.Generator()
            g.manual_seed(self.seed + self.epoch)
            order = ember.random.numpy_generator(g).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:
            order = np.resize(order, self.total_size)  # repeats the order from its start
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self._indices().tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Make the next pass use epoch ``epoch``'s order (call it before each epoch)."""
        self.epoch = epoch
