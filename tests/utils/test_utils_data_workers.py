"""DataLoader with worker processes: order, early exit, errors, iterable datasets."""
import gc
import glob
import os
import time

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, \
    get_worker_info


class Pid(Dataset):
    """Sample i is (i, pid of the process that loaded it), slowly for odd i."""

    def __len__(self):
        return 24

    def __getitem__(self, i):
        if i % 2:
            time.sleep(0.002)  # out-of-order completion across workers
        return i, os.getpid()


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"sample {i} is broken")
        return i


class Shards(IterableDataset):
    """Each worker yields its own share, as the PyTorch docs recommend."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def alive(pids):
    out = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        try:  # a zombie has exited; only its process-table entry remains
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    continue
        except FileNotFoundError:
            continue
        out.append(pid)
    return out


def shm_files():
    return set(glob.glob(f"/dev/shm/ember-dl-{os.getpid()}-*"))


def test_order_and_real_processes():
    loader = DataLoader(Pid(), batch_size=3, num_workers=2)
    batches = list(loader)
    assert [b[0].tolist() for b in batches] == [list(range(i, i + 3)) for i in range(0, 24, 3)]
    pids = {p for b in batches for p in b[1].tolist()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert alive(pids) == []  # the workers are gone once the epoch is over


def test_same_batches_as_single_process_with_shuffle():
    X = ember.randn(200, 50)  # 40 KB batches: some travel through shared memory files
    ds = TensorDataset(X, ember.arange(200))
    ember.manual_seed(4)
    single = list(DataLoader(ds, batch_size=64, shuffle=True))
    ember.manual_seed(4)
    multi = list(DataLoader(ds, batch_size=64, shuffle=True, num_workers=2))
    assert len(single) == len(multi) == 4
    for (a, ia), (b, ib) in zip(single, multi):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(ia.numpy(), ib.numpy())
        assert b.dtype == ember.float32 and ib.dtype == ember.int64
    X = ember.randn(300, 100)  # 400 KB batches: over the in-band limit
    multi = list(DataLoader(TensorDataset(X), batch_size=300, num_workers=2))
    np.testing.assert_array_equal(multi[0][0].numpy(), X.numpy())
    assert shm_files() == set()


def test_early_break_shuts_workers_down():
    loader = DataLoader(TensorDataset(ember.randn(4000, 64)), batch_size=100, num_workers=2)
    it = iter(loader)
    next(it)
    pids = [w.pid for w in it._workers]
    assert len(alive(pids)) == 2
    for i, _ in enumerate(it):
        if i == 2:
            break
    del it
    gc.collect()
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(pids) == []
    assert shm_files() == set()  # batches in flight were cleaned up too


def test_worker_exception_reaches_caller_with_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    assert next(it).tolist() == [2, 3]
    with pytest.raises(ValueError) as e:
        next(it)
    msg = str(e.value)
    assert "Caught ValueError in DataLoader worker process" in msg
    assert "Original Traceback (most recent call last)" in msg
    assert "sample 5 is broken" in msg and "__getitem__" in msg
    assert next(it).tolist() == [6, 7]  # the iterator goes on, as PyTorch's does
    with pytest.raises(StopIteration):
        next(it)


def test_iterable_dataset_with_workers():
    loader = DataLoader(Shards(10), batch_size=2, num_workers=2)
    batches = [b.tolist() for b in loader]
    # Worker 0 has 0, 2, 4, 6, 8 and worker 1 has 1, 3, 5, 7, 9; batches alternate.
    assert batches == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]


def test_persistent_workers_and_worker_init_fn():
    calls = []
    loader = DataLoader(Pid(), batch_size=4, num_workers=2, persistent_workers=True,
                        worker_init_fn=lambda wid: calls.append(wid))
    first = list(loader)
    pids = {p for b in first for p in b[1].tolist()}
    for i, _ in enumerate(loader):  # leave the second epoch early...
        if i == 1:
            break
    third = list(loader)             # ...and the third still sees everything, in order
    assert [b[0].tolist() for b in third] == [b[0].tolist() for b in first]
    assert {p for b in third for p in b[1].tolist()} == pids  # the same processes
    assert alive(pids) != []
    del loader
    gc.collect()
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(pids) == []


def test_worker_init_fn_error_and_seeds():
    def bad_init(worker_id):
        raise RuntimeError("no init")

    with pytest.raises(RuntimeError, match="no init"):
        list(DataLoader(Pid(), batch_size=4, num_workers=2, worker_init_fn=bad_init))

    class Draw(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return float(ember.rand(1)), get_worker_info().id

    ember.manual_seed(1)
    a = list(DataLoader(Draw(), batch_size=1, num_workers=2))
    ember.manual_seed(1)
    b = list(DataLoader(Draw(), batch_size=1, num_workers=2))
    assert [x[0].tolist() for x in a] == [x[0].tolist() for x in b]  # reproducible
    assert a[0][0].tolist() != a[1][0].tolist()                       # workers differ


class Dies(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os._exit(3)  # a worker killed from under the loader (segfault, OOM killer, ...)
        return i


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(3)
        return i


def test_dead_worker_and_timeout_raise_instead_of_hanging():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) .*\) exited "
                                           "unexpectedly"):
        list(DataLoader(Dies(), batch_size=1, num_workers=2))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.3 seconds"):
        next(iter(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3)))
    assert time.monotonic() - start < 2.9


class BrokenStream(IterableDataset):
    def __iter__(self):
        raise OSError("stream unavailable")


def test_iterable_dataset_error_in_iter_is_reported():
    with pytest.raises(OSError, match="stream unavailable") as e:
        list(DataLoader(BrokenStream(), batch_size=2, num_workers=2))
    assert "in DataLoader worker process 0" in str(e.value)
