"""Devices: the book's ``cpu``, ``gpu``, ``try_gpu``, ``try_all_gpus``.

ember computes on the CPU, so ``try_gpu()`` gives the CPU and ``try_all_gpus()`` a list
holding only the CPU, exactly what the book's versions return on a machine without GPUs.
"""
import ember


def cpu():
    """The CPU device."""
    return ember.device("cpu")


def gpu(i=0):
    """The ``i``-th GPU device (it names a device; computing on it needs a GPU backend)."""
    return ember.device(f"cuda:{i}")


def num_gpus():
    """The number of available GPUs."""
    return ember.cuda.device_count()


def try_gpu(i=0):
    """Return ``gpu(i)`` if it exists, otherwise ``cpu()``."""
    if num_gpus() >= i + 1:
        return gpu(i)
    return cpu()


def try_all_gpus():
    """Return all available GPUs, or ``[cpu()]`` if there is no GPU."""
    return [gpu(i) for i in range(num_gpus())] or [cpu()]
