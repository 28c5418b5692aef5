"""DistributedSampler's rule (counts, padding, drop_last, subsampling) against PyTorch's,
and its shuffling: the same order on every rank, a new one each epoch, every sample once."""
import numpy as np
import pytest

from ember.utils.data import DistributedSampler

CASES = [(n, world, drop) for n in (1, 5, 10, 12, 13) for world in (1, 2, 3, 4)
         for drop in (False, True) if not (drop and n < world)]


@pytest.mark.parametrize("n,world,drop_last", CASES)
def test_unshuffled_indices_equal_pytorchs(torch, n, world, drop_last):
    from torch.utils.data import DistributedSampler as TorchSampler
    data = list(range(n))
    for rank in range(world):
        mine = DistributedSampler(data, world, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, world, rank, shuffle=False, drop_last=drop_last)
        assert list(mine) == list(theirs)
        assert len(mine) == len(theirs) and mine.total_size == theirs.total_size


@pytest.mark.parametrize("n,world,drop_last", CASES)
def test_shuffled_padding_and_subsampling_follow_pytorchs_rule(n, world, drop_last):
    data = list(range(n))
    samplers = [DistributedSampler(data, world, r, seed=3, drop_last=drop_last)
                for r in range(world)]
    per_epoch = []
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        parts = [list(s) for s in samplers]
        order = [i for rank_order in zip(*parts) for i in rank_order]  # the epoch's order
        assert all(len(p) == len(samplers[0]) for p in parts)
        if drop_last:
            assert len(set(order)) == len(order) == samplers[0].total_size
        else:
            assert sorted(set(order)) == data  # every sample, the first ones again as padding
            pad = len(order) - n
            assert order[n:] == (order[:n] * (pad // n + 1))[:pad]
        per_epoch.append(order)
    if n > 3:
        assert per_epoch[0] != per_epoch[1]
    # the same seed and epoch give the same order, wherever the sampler is made
    again = DistributedSampler(data, world, 0, seed=3, drop_last=drop_last)
    again.set_epoch(2)
    assert list(again) == list(samplers[0])


def test_errors_as_pytorchs():
    with pytest.raises(ValueError,
                       match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    assert len(DistributedSampler(np.arange(7), 2, 1)) == 4
