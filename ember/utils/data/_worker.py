"""Worker processes of the DataLoader: the loop each worker runs, and how batches travel.

A worker receives ``(epoch, task, index)`` messages on its own index queue, fetches and
collates the batch, and answers ``(epoch, task, payload)`` on the shared result queue.
Large arrays do not go through the pipe: the worker writes them to a file in
``/dev/shm`` (memory, not disk) and sends the file's name; the main process reads the
file back into a fresh array and deletes it. Everything a worker writes carries the
iterator's prefix, so shutdown can remove whatever was left in flight.
"""
import ctypes
import glob
import itertools
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
    """An array in transit: in-band, or as a file in SHM_DIR."""
    __slots__ = ("array", "path", "shape", "dtype", "tensor")

    def __init__(self, array, path, shape, dtype, tensor):
        self.array, self.path, self.shape, self.dtype, self.tensor = (
            array, path, shape, dtype, tensor)


def _write_file(path, arr):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(np.ascontiguousarray(arr)).cast("B")
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def pack(obj, prefix, counter):
    """``obj`` with its tensors and arrays made ready to send (see the module docstring)."""
    if isinstance(obj, (ember.Tensor, np.ndarray)):
        is_tensor = isinstance(obj, ember.Tensor)
        arr = obj.detach()._data if is_tensor else obj
        if SHM_DIR is None or arr.nbytes <= INBAND_BYTES:
            return _Array(arr, None, None, None, is_tensor)
        path = os.path.join(SHM_DIR, f"{prefix}{next(counter)}")
        _write_file(path, arr)
        return _Array(None, path, arr.shape, arr.dtype.str, is_tensor)
    if isinstance(obj, dict):
        return type(obj)((k, pack(v, prefix, counter)) for k, v in obj.items())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(pack(v, prefix, counter) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(pack(v, prefix, counter) for v in obj)
    return obj


def unpack(obj):
    """The inverse of ``pack``, in the main process; deletes the files it reads."""
    if isinstance(obj, _Array):
        arr = obj.array
        if obj.path is not None:
            arr = np.empty(obj.shape, dtype=np.dtype(obj.dtype))
            try:
                with open(obj.path, "rb", buffering=0) as f:
                    f.readinto(memoryview(arr).cast("B"))
            finally:
                os.unlink(obj.path)
        return ember.Tensor._wrap(arr) if obj.tensor else arr
    if isinstance(obj, dict):
        return type(obj)((k, unpack(v)) for k, v in obj.items())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(unpack(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(unpack(v) for v in obj)
    return obj


def discard(obj):
    """Delete the files of a payload that will not be used."""
    if isinstance(obj, _Array):
        if obj.path is not None and os.path.exists(obj.path):
            os.unlink(obj.path)
    elif isinstance(obj, dict):
        for v in obj.values():
            discard(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            discard(v)


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
                num_workers, dataset, prefix, parent_pid):
    global _worker_info
    # Exiting must not wait for the result pipe to drain: the main process may be gone or
    # shutting down; anything unsent then is discarded along with its files.
    result_queue.cancel_join_thread()
    _single_threaded_blas()
    try:
        ember.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        if init_fn is not None:
            try:
                init_fn(worker_id)
            except Exception:
                init_error = ExceptionWrapper(where)
        fetcher = make_fetcher()
        counter = itertools.count()
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
                fetcher = make_fetcher()
                continue
            epoch, task, index = msg
            if init_error is not None:
                data = init_error
            else:
                try:
                    data = fetcher(index)
                except StopIteration:
                    data = IterableEnd()
                except Exception:
                    data = ExceptionWrapper(where)
            try:
                payload = pickle.dumps((epoch, task, pack(data, f"{prefix}{worker_id}-",
                                                          counter)))
            except Exception:
                payload = pickle.dumps((epoch, task, ExceptionWrapper(where)))
            result_queue.put(payload)
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts the workers down
