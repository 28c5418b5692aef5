"""DataLoader: batches from a dataset, in the main process or in worker processes.

Batches are formed from a sampler of indices (or from the stream of an
IterableDataset) and collated. Two things make it fast on array datasets:

* the default batch sampler over ember's samplers slices one index array per epoch
  instead of building Python lists index by index;
* with the default collate function, a dataset that offers ``get_batch(indices)``
  (TensorDataset, Subset of one, MNIST/FashionMNIST with batchable transforms) builds
  the whole batch with one fancy-indexing.

With ``num_workers > 0`` batches are loaded by that many worker processes
(``multiprocessing``), handed out round-robin and yielded in order; the workers stop when
the iterator is exhausted, garbage-collected (a loop left early) or, with
``persistent_workers=True``, when the DataLoader itself goes away. An exception in a
worker is raised in the main process with the worker's traceback in its message.
"""
import itertools
import multiprocessing
import os
import pickle
import queue
import secrets
import time
import weakref

import numpy as np

import ember
from . import _worker
from .collate import default_collate, default_convert
from .dataset import IterableDataset, _same_owner
from .sampler import BatchSampler, RandomSampler, SequentialSampler


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, fast):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        # Decided once, not per batch: on a tiny batch the check costs as much as the batch.
        self.get_batch = (dataset.get_batch
                          if fast and _same_owner(dataset, "__getitem__", "get_batch") else None)

    def __call__(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.get_batch is not None:
            batch = self.get_batch(index)
            if batch is not None:
                return batch
        if isinstance(index, np.ndarray):
            index = index.tolist()
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if getitems is not None else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, batch_size, drop_last):
        self.it = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __call__(self, index=None):
        if not self.auto_collation:
            return self.collate_fn(next(self.it))
        data = list(itertools.islice(self.it, self.batch_size))
        if not data or (self.drop_last and len(data) < self.batch_size):
            raise StopIteration
        return self.collate_fn(data)


class _FetcherFactory:
    """Builds a fetcher; picklable, so spawned workers can build theirs."""

    def __init__(self, loader):
        self.dataset = loader.dataset
        self.iterable = loader._iterable
        self.auto_collation = loader._auto_collation
        self.collate_fn = loader.collate_fn
        self.fast = loader._fast_collate
        self.batch_size = loader.batch_size
        self.drop_last = loader.drop_last

    def __call__(self):
        if self.iterable:
            return _IterableFetcher(self.dataset, self.auto_collation, self.collate_fn,
                                    self.batch_size, self.drop_last)
        return _MapFetcher(self.dataset, self.auto_collation, self.collate_fn, self.fast)


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's arguments and semantics)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory  # accepted for compatibility: CPU memory is all there is
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._auto_collation = batch_size is not None or batch_sampler is not None
        default = collate_fn is None or collate_fn is default_collate
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self._fast_collate = default and self._auto_collation
        self._iterator = None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _indices(self):
        """This epoch's stream of indices (int64 arrays when batches come from ember's
        BatchSampler, which slices them from one array)."""
        s = self._index_sampler
        if isinstance(s, BatchSampler) and _same_owner(s, "__iter__", "_index_batches"):
            return s._index_batches()
        return iter(s)

    def _context(self):
        ctx = self.multiprocessing_context
        if ctx is None:
            return multiprocessing.get_context()
        if isinstance(ctx, str):
            return multiprocessing.get_context(ctx)
        return ctx

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessIter(self)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader):
        self._loader = loader
        self._num_yielded = 0
        # Drawn with or without workers (as PyTorch does), so that the shuffled order
        # after a given manual_seed does not depend on num_workers.
        self._base_seed = int(ember.random.numpy_generator(loader.generator).integers(0, 2**62))

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetch = _FetcherFactory(loader)()
        self._index_iter = None if loader._iterable else loader._indices()

    def __next__(self):
        index = None if self._index_iter is None else next(self._index_iter)
        data = self._fetch(index)
        self._num_yielded += 1
        return data


class _MultiProcessIter(_BaseIter):
    """Round-robin dispatch to worker processes, results reordered by task number."""

    def __init__(self, loader):
        self._closed = True  # until the workers exist, there is nothing to shut down
        super().__init__(loader)
        ctx = loader._context()
        self._num_workers = loader.num_workers
        self._prefix = f"ember-dl-{os.getpid()}-{secrets.token_hex(4)}-"
        self._reader = _worker.SlotReader()
        self._in_flight = 0  # tasks sent whose answer has not been received
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        make_fetcher = _FetcherFactory(loader)
        for wid in range(self._num_workers):
            iq = ctx.Queue()
            w = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(make_fetcher, iq, self._result_queue, self._base_seed + wid,
                                  loader.worker_init_fn, wid, self._num_workers,
                                  loader.dataset, self._prefix,
                                  loader.prefetch_factor * self._num_workers + 1, os.getpid()))
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._closed = False
        # Runs at interpreter exit too, when __del__ may not: no worker or file outlives us.
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._index_queues,
                                           self._result_queue, self._reader, self._prefix)
        self._epoch = 0
        self._start_epoch(loader)

    def _start_epoch(self, loader):
        self._timeout = loader.timeout
        self._index_iter = None if loader._iterable else loader._indices()
        self._active = [True] * self._num_workers
        self._next_worker = itertools.cycle(range(self._num_workers))
        self._send_idx = 0   # next task number to hand out
        self._rcvd_idx = 0   # next task number to yield
        self._tasks = {}     # task number -> worker id, for tasks not yet yielded
        self._results = {}   # task number -> batch that arrived early
        self._num_yielded = 0
        for _ in range(loader.prefetch_factor * self._num_workers):
            self._put_task()

    def _reset(self, loader):
        """A new epoch on the same (persistent) workers; stale results are dropped.

        Waiting for every answer of the old epoch first keeps the bound on batches in
        flight that makes the workers' slot reuse safe."""
        while self._in_flight:
            self._receive()
        self._epoch += 1
        for iq in self._index_queues:
            iq.put(("reset", self._epoch))
        self._start_epoch(loader)

    def _put_task(self):
        for _ in range(self._num_workers):
            wid = next(self._next_worker)
            if self._active[wid]:
                break
        else:
            return
        if self._index_iter is None:
            index = None
        else:
            try:
                index = next(self._index_iter)
            except StopIteration:
                return
        self._index_queues[wid].put((self._epoch, self._send_idx, index))
        self._tasks[self._send_idx] = wid
        self._send_idx += 1
        self._in_flight += 1

    def _receive(self):
        """The next (worker, epoch, task, payload) from any worker, its arrays copied out
        of the worker's slots at once; never hangs on a dead worker."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            left = 0.25 if deadline is None else deadline - time.monotonic()
            wait = max(0.0, min(0.25, left))
            try:
                msg = self._result_queue.get(timeout=wait)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader worker (pid(s) "
                                       f"{', '.join(map(str, dead))}) exited unexpectedly")
                continue
            self._in_flight -= 1
            worker, epoch, task, payload = pickle.loads(msg)
            return worker, epoch, task, self._reader.unpack(worker, payload)

    def __next__(self):
        if self._closed:
            raise StopIteration
        while True:
            # Skip tasks of workers whose stream ended (iterable datasets): they will only
            # ever answer "exhausted".
            while self._rcvd_idx < self._send_idx and self._rcvd_idx not in self._results \
                    and not self._active[self._tasks[self._rcvd_idx]]:
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
            if self._rcvd_idx >= self._send_idx:
                if not self._loader.persistent_workers:
                    self._shutdown()
                raise StopIteration
            if self._rcvd_idx in self._results:
                data = self._results.pop(self._rcvd_idx)
                wid = self._tasks.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                if isinstance(data, _worker.IterableEnd):
                    self._active[wid] = False
                    continue
                self._put_task()
                if isinstance(data, _worker.ExceptionWrapper):
                    data.reraise()
                self._num_yielded += 1
                return data
            worker, epoch, task, data = self._receive()
            if epoch != self._epoch or task < self._rcvd_idx:
                continue  # an answer for an epoch or a task already left behind
            if isinstance(data, _worker.IterableEnd):
                self._active[worker] = False
            self._results[task] = data

    def _shutdown(self):
        if not self._closed:
            self._closed = True
            self._results.clear()
            self._finalizer()

    def __del__(self):
        self._shutdown()


def _shutdown(workers, index_queues, result_queue, reader, prefix):
    """Stop the workers (asking first, then terminating), and remove their files.

    An idle worker exits at once; one busy with a batch nobody will use gets a moment to
    finish it, then is terminated: leaving a loop early must not wait for slow samples.
    """
    for iq in index_queues:
        try:
            iq.put(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 0.5
    for w in workers:
        # Drain results while waiting, so no worker blocks on a full pipe.
        while w.is_alive() and time.monotonic() < deadline:
            try:
                result_queue.get(timeout=0.01)
            except (queue.Empty, OSError, EOFError, ValueError):
                w.join(0.01)
        if w.is_alive():
            w.terminate()
        w.join()
    for q in index_queues + [result_queue]:
        q.cancel_join_thread()
        q.close()
    reader.close()
    _worker.remove_leftovers(prefix)
