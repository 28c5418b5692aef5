"""Datasets, samplers, collation and the single-process DataLoader."""
import collections

import numpy as np
import pytest

import ember
from ember.utils import data
from ember.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                              IterableDataset, RandomSampler, SequentialSampler, Subset,
                              TensorDataset, default_collate, random_split)


class Squares(Dataset):
    """A plain map-style dataset without any fast path."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return ember.tensor([float(i), float(i * i)]), i


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def to_numpy(batch):
    """A nested batch with every tensor (ember or torch) as a NumPy array."""
    if hasattr(batch, "numpy") and not isinstance(batch, np.ndarray):
        return batch.numpy()
    if isinstance(batch, dict):
        return {k: to_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_numpy(v) for v in batch) if not hasattr(batch, "_fields") \
            else type(batch)(*(to_numpy(v) for v in batch))
    return batch


def assert_same(a, b):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert type(a) is type(b) and a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b


def test_tensor_dataset():
    X, y = ember.randn(10, 3), ember.arange(10)
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi.numpy(), X.numpy()[4])
    assert int(yi) == 4
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(X, ember.arange(9))


def test_subset_concat_and_add():
    a, b = Squares(3), Squares(4)
    cat = a + b
    assert isinstance(cat, ConcatDataset) and len(cat) == 7
    assert cat[3][1] == 0 and cat[6][1] == 3 and cat[-1][1] == 3
    assert cat.cumulative_sizes == [3, 7]
    sub = Subset(b, [3, 1])
    assert len(sub) == 2 and sub[0][1] == 3 and sub[1][1] == 1
    with pytest.raises(ValueError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])


def test_random_split_lengths_fractions_and_generator():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(p[i][1] for p in parts for i in range(len(p)))
    assert seen == list(range(10))
    again = random_split(ds, [3, 7], generator=ember.Generator().manual_seed(1))
    assert parts[0].indices == again[0].indices
    # Fractions: floors 3, 3, 3 and the remaining 1 goes to the first split.
    assert [len(p) for p in random_split(ds, [0.34, 0.33, 0.33])] == [4, 3, 3]
    assert [len(p) for p in random_split(Squares(5), [0.5, 0.5])] == [3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])


def test_random_split_matches_torch_lengths(torch):
    for n, fracs in ((10, [0.34, 0.33, 0.33]), (7, [0.5, 0.5]), (101, [0.1, 0.2, 0.7])):
        ref = torch.utils.data.random_split(range(n), fracs)
        ours = random_split(Squares(n), fracs)
        assert [len(p) for p in ours] == [len(p) for p in ref]


def test_samplers():
    ds = Squares(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    ember.manual_seed(3)
    first = list(RandomSampler(ds))
    ember.manual_seed(3)
    assert list(RandomSampler(ds)) == first and sorted(first) == list(range(10))
    assert first != list(range(10))
    with_repl = list(RandomSampler(ds, replacement=True, num_samples=25))
    assert len(with_repl) == 25 and all(0 <= i < 10 for i in with_repl)
    assert len(list(RandomSampler(ds, num_samples=23))) == 23
    batches = list(BatchSampler(SequentialSampler(ds), 4, drop_last=False))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert list(BatchSampler(range(10), 4, drop_last=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(BatchSampler(range(10), 4, False)) == 3
    assert len(BatchSampler(range(10), 4, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(ds, num_samples=0)
    w = list(data.WeightedRandomSampler([0.0, 1.0, 0.0], 5))
    assert w == [1] * 5
    assert sorted(data.SubsetRandomSampler([5, 2, 9])) == [2, 5, 9]


NESTED = [
    [(ember.tensor([1.0, 2.0]), 3, 0.5, "a"), (ember.tensor([3.0, 4.0]), 4, 1.5, "b")],
    [{"x": np.array([1, 2], dtype=np.int32), "y": {"z": np.float64(2.0)}},
     {"x": np.array([3, 4], dtype=np.int32), "y": {"z": np.float64(3.0)}}],
    [[True, 1], [False, 2]],
    [collections.namedtuple("P", "a b")(1, ember.zeros(2)),
     collections.namedtuple("P", "a b")(2, ember.ones(2))],
]


@pytest.mark.parametrize("batch", NESTED)
def test_default_collate_matches_torch(torch, batch):
    from torch.utils.data import default_collate as torch_collate

    def to_torch(x):
        if isinstance(x, ember.Tensor):
            return torch.from_numpy(x.numpy().copy())
        if isinstance(x, dict):
            return {k: to_torch(v) for k, v in x.items()}
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*(to_torch(v) for v in x))
        if isinstance(x, (list, tuple)):
            return type(x)(to_torch(v) for v in x)
        return x

    ours = default_collate(batch)
    ref = torch_collate([to_torch(s) for s in batch])
    assert_same(to_numpy(ours), to_numpy(ref))


def test_default_collate_types_and_errors():
    out = default_collate([(ember.zeros(2), 1, 2.0, True)] * 3)
    assert isinstance(out, list)  # tuples become lists, as in PyTorch
    assert out[0].shape == (3, 2) and out[1].dtype == ember.int64
    assert out[2].dtype == ember.float64 and out[3].dtype == ember.bool
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ember.zeros(2), ember.zeros(3)])
    x = ember.ones(2, requires_grad=True)
    stacked = default_collate([x, x * 2])
    assert stacked.requires_grad  # the graph is kept, like torch.stack
    stacked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("n,batch_size", [(10, 3), (12, 4), (1, 5), (100, 7)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_match_torch(torch, n, batch_size, drop_last):
    X = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    ours = DataLoader(TensorDataset(ember.tensor(X), ember.arange(n)), batch_size,
                      drop_last=drop_last)
    ref = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.arange(n)), batch_size,
        drop_last=drop_last)
    assert len(ours) == len(ref)
    ours_b, ref_b = list(ours), list(ref)
    assert len(ours_b) == len(ref_b) == len(ours)
    for a, b in zip(ours_b, ref_b):
        assert_same(to_numpy(a), to_numpy(b))


@pytest.mark.parametrize("dataset", [Squares(23), TensorDataset(ember.arange(23))])
def test_shuffle_covers_every_sample_once(torch, dataset):
    loader = DataLoader(dataset, batch_size=5, shuffle=True)
    epochs = []
    for _ in range(2):
        seen = np.concatenate([(b[1] if isinstance(dataset, Squares) else b[0]).numpy()
                               for b in loader])
        assert sorted(seen.tolist()) == list(range(23))
        epochs.append(seen.tolist())
    assert epochs[0] != epochs[1]  # a new order every epoch
    ref = torch.utils.data.DataLoader(range(23), batch_size=5, shuffle=True)
    assert len(loader) == len(ref) == 5
    assert [len(b[0]) for b in loader] == [len(b) for b in ref] == [5, 5, 5, 5, 3]


def test_shuffle_follows_manual_seed_and_generator():
    ds = TensorDataset(ember.arange(50))
    ember.manual_seed(7)
    a = [b[0].tolist() for b in DataLoader(ds, 10, shuffle=True)]
    ember.manual_seed(7)
    b = [b[0].tolist() for b in DataLoader(ds, 10, shuffle=True)]
    assert a == b
    g = lambda: ember.Generator().manual_seed(11)  # noqa: E731
    c = [b[0].tolist() for b in DataLoader(ds, 10, shuffle=True, generator=g())]
    ember.manual_seed(99)
    d = [b[0].tolist() for b in DataLoader(ds, 10, shuffle=True, generator=g())]
    assert c == d


def test_fast_path_equals_sample_loop():
    X, y = ember.randn(30, 4), ember.randint(0, 5, (30,))
    fast = TensorDataset(X, y)

    class Slow(TensorDataset):  # overriding __getitem__ disables the inherited fast path
        def __getitem__(self, i):
            return super().__getitem__(i)

    slow = Slow(X, y)
    for ds in (Subset(fast, list(range(29, -1, -1))), fast):
        ember.manual_seed(0)
        a = list(DataLoader(ds, 8, shuffle=True))
        ember.manual_seed(0)
        b = list(DataLoader(slow if ds is fast else Subset(slow, ds.indices), 8, shuffle=True))
        for (xa, ya), (xb, yb) in zip(a, b):
            np.testing.assert_array_equal(xa.numpy(), xb.numpy())
            np.testing.assert_array_equal(ya.numpy(), yb.numpy())
            assert xa.dtype == xb.dtype and ya.dtype == yb.dtype


def test_collate_fn_sampler_and_batch_sampler():
    ds = Squares(10)
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda b: [s[1] for s in b])
    assert list(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(ds, batch_size=2, sampler=[9, 0, 5])
    assert [b[1].tolist() for b in loader] == [[9, 0], [5]]
    loader = DataLoader(ds, batch_sampler=[[1, 2, 3], [7]])
    assert [b[1].tolist() for b in loader] == [[1, 2, 3], [7]] and len(loader) == 2
    unbatched = DataLoader(ds, batch_size=None)
    x, i = next(iter(unbatched))
    assert x.shape == (2,) and i == 0 and len(unbatched) == 10


def test_iterable_dataset():
    loader = DataLoader(Stream(10), batch_size=4)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(Stream(10), batch_size=4, drop_last=True)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)


def test_argument_errors():
    ds = Squares(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)


def test_seed_linear_regression_pipeline():
    # The notes' load_array: TensorDataset(*data_arrays) + DataLoader(shuffle=is_train).
    features, labels = ember.normal(0, 1, (1000, 2)), ember.randn(1000, 1)
    loader = DataLoader(TensorDataset(features, labels), 10, shuffle=True, pin_memory=True)
    X, y = next(iter(loader))
    assert X.shape == (10, 2) and y.shape == (10, 1) and X.dtype == ember.float32
    assert sum(len(b[0]) for b in loader) == 1000


def test_batches_of_a_tensor_that_requires_grad_keep_the_graph(torch):
    """get_batch steps aside for such tensors; the default collate stacks the rows with a
    graph, as torch's does."""
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    batches = {}
    for lib in (ember, torch):
        X = lib.tensor(data, requires_grad=True)
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(X), 4)
        (xb,) = next(iter(loader))
        assert xb.requires_grad
        xb.sum().backward()
        batches[lib.__name__] = X.grad.numpy()
    np.testing.assert_array_equal(batches["ember"], batches["torch"])
