"""Worker processes of the DataLoader: the loop each worker runs, and how batches travel.

A worker receives ``(epoch, task, index)`` messages on its own index queue, fetches and
collates the batch, and answers ``(worker, epoch, task, payload)`` on the shared result
queue.

Large arrays do not go through the pipe. Each worker owns a ring of ``slots``: files in
``/dev/shm`` (memory, not disk) that it maps once and reuses, growing a file only when a
batch needs more room; it copies an array into a slot and sends the slot's name. The main
process keeps the slots mapped too and copies the array out as soon as the message
arrives. Allocating and freeing fresh shared memory for every batch would cost more than
the copies. A slot is reused only ``slots`` results later, and the DataLoader never has
more than ``prefetch_factor * num_workers`` batches in flight, which is fewer than that:
the main process has always copied a slot out before its worker can write it again.
Every file carries the iterator's prefix, so shutdown removes them all.
"""
import ctypes
import glob
import itertools
import mmap
import os
import pickle
import queue
import random
import sys
import traceback
from collections import namedtuple

import numpy as np

import ember

SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
INBAND_BYTES = 1 << 16  # arrays up to this size are simply pickled with the message

WorkerInfo = namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
_worker_info = None


def get_worker_info():
    """In a DataLoader worker: its ``WorkerInfo(id, num_workers, seed, dataset)``; None in
    the main process. An ``IterableDataset`` uses it to give each worker its share."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, where):
        exc_type, exc, tb = sys.exc_info()
        try:
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:  # a class the main process could not import: keep only its text
            self.exc_type = None
        self.type_name = exc_type.__name__
        self.text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.type_name} {self.where}.\nOriginal {self.text}"
        try:
            exc = self.exc_type(msg) if self.exc_type is not None else None
        except Exception:
            exc = None
        if exc is None:
            raise RuntimeError(msg)
        raise exc


class IterableEnd:
    """Answer of a worker whose IterableDataset is exhausted."""


class _Array:
    """An array in transit: in-band, or in slot ``key`` of a worker, whose file is ``path``."""
    __slots__ = ("array", "key", "path", "shape", "dtype", "tensor")

    def __init__(self, array, key, path, shape, dtype, tensor):
        self.array, self.key, self.path, self.shape, self.dtype, self.tensor = (
            array, key, path, shape, dtype, tensor)


def _map_file(path, size, create):
    fd = os.open(path, os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0), 0o600)
    try:
        if create:
            os.ftruncate(fd, size)
        return mmap.mmap(fd, size)
    finally:
        os.close(fd)


class SlotWriter:
    """A worker's ring of reusable shared-memory files (see the module docstring)."""

    def __init__(self, prefix, slots):
        self.prefix = prefix
        self.slots = slots
        self.files = {}  # key -> (path, mmap)
        self.names = itertools.count()
        self.results = 0

    def pack(self, obj):
        """``obj`` ready to send: large arrays copied into this result's slots."""
        position = itertools.count()
        out = self._pack(obj, self.results % self.slots, position)
        self.results += 1
        return out

    def _write(self, key, arr):
        entry = self.files.get(key)
        if entry is None or len(entry[1]) < arr.nbytes:
            if entry is not None:
                entry[1].close()
                os.unlink(entry[0])
            path = f"{self.prefix}{next(self.names)}"
            entry = self.files[key] = (path, _map_file(path, arr.nbytes, create=True))
        np.frombuffer(entry[1], dtype=arr.dtype, count=arr.size).reshape(arr.shape)[...] = arr
        return entry[0]

    def close(self):
        for path, mm in self.files.values():
            mm.close()
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        self.files.clear()

    def _pack(self, obj, ring, position):
        if isinstance(obj, (ember.Tensor, np.ndarray)):
            is_tensor = isinstance(obj, ember.Tensor)
            arr = obj.detach()._data if is_tensor else obj
            if SHM_DIR is None or arr.nbytes <= INBAND_BYTES or arr.dtype.hasobject:
                return _Array(arr, None, None, None, None, is_tensor)
            key = (ring, next(position))
            path = self._write(key, arr)
            return _Array(None, key, path, arr.shape, arr.dtype.str, is_tensor)
        if isinstance(obj, dict):
            return type(obj)((k, self._pack(v, ring, position)) for k, v in obj.items())
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):
            return type(obj)(*(self._pack(v, ring, position) for v in obj))
        if isinstance(obj, (list, tuple)):
            return type(obj)(self._pack(v, ring, position) for v in obj)
        return obj


class SlotReader:
    """The main process's mappings of the workers' slots."""

    def __init__(self):
        self.maps = {}  # (worker, key) -> (path, mmap)

    def unpack(self, worker, obj):
        """The inverse of ``SlotWriter.pack``: arrays are copied out of their slots."""
        if isinstance(obj, _Array):
            arr = obj.array
            if obj.path is not None:
                entry = self.maps.get((worker, obj.key))
                if entry is None or entry[0] != obj.path:  # new, or grown by the worker
                    if entry is not None:
                        entry[1].close()
                    entry = (obj.path, _map_file(obj.path, 0, create=False))
                    self.maps[(worker, obj.key)] = entry
                dtype = np.dtype(obj.dtype)
                count = int(np.prod(obj.shape, dtype=np.int64))
                arr = np.frombuffer(entry[1], dtype=dtype, count=count).reshape(obj.shape).copy()
            return ember.Tensor._wrap(arr) if obj.tensor else arr
        if isinstance(obj, dict):
            return type(obj)((k, self.unpack(worker, v)) for k, v in obj.items())
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):
            return type(obj)(*(self.unpack(worker, v) for v in obj))
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.unpack(worker, v) for v in obj)
        return obj

    def close(self):
        for _, mm in self.maps.values():
            mm.close()
        self.maps.clear()


def remove_leftovers(prefix):
    if SHM_DIR is not None:
        for path in glob.glob(os.path.join(SHM_DIR, glob.escape(prefix) + "*")):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def _single_threaded_blas():
    """Limit the BLAS library to one thread in this worker, as PyTorch's workers do with
    ``torch.set_num_threads(1)``: N workers each running a BLAS thread per core would
    oversubscribe the CPU N times over (OpenBLAS threads also spin while waiting)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
    except OSError:
        return
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_set_num_threads", "openblas_set_num_threads64_",
                     "scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn(1)
                break


def worker_loop(make_fetcher, index_queue, result_queue, seed, init_fn, worker_id,
                num_workers, dataset, prefix, slots, parent_pid):
    global _worker_info
    # A worker that exits normally finishes writing what it has queued (the queue's feeder
    # thread is joined): cut short, a half-written message would leave the main process's
    # shutdown drain blocked forever on the rest of it. Exiting cannot hang on that: the
    # main process drains while it waits and terminates a worker only after its last read,
    # and if the main process is gone the write fails at once.
    _single_threaded_blas()
    ember.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    where = f"in DataLoader worker process {worker_id}"
    writer = SlotWriter(f"{os.path.join(SHM_DIR or '', prefix)}{worker_id}-", slots)
    try:
        init_error = None  # a failed worker_init_fn is reported in place of every batch
        if init_fn is not None:
            try:
                init_fn(worker_id)
            except Exception:
                init_error = ExceptionWrapper(where)
        fetcher = None  # made on the first task, so that iter(dataset) errors are reported
        while True:
            try:
                msg = index_queue.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent_pid:  # the main process died: stop too
                    return
                continue
            if msg is None:
                return
            if msg[0] == "reset":  # a new epoch with persistent workers
                fetcher = None
                continue
            epoch, task, index = msg
            try:
                if init_error is not None:
                    data = init_error
                else:
                    if fetcher is None:
                        fetcher = make_fetcher()
                    data = fetcher(index)
            except StopIteration:
                data = IterableEnd()
            except Exception:
                data = ExceptionWrapper(where)
            try:
                payload = pickle.dumps((worker_id, epoch, task, writer.pack(data)))
            except Exception:
                payload = pickle.dumps((worker_id, epoch, task, ExceptionWrapper(where)))
            result_queue.put(payload)
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts the workers down
    finally:
        writer.close()  # also when the main process died and cannot clean up
