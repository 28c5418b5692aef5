"""Writing to the memory of an expand()ed tensor, as far as PyTorch allows it.

Expanding gives a read-only NumPy view (its stretched dims have stride 0, so elements share
memory), which keeps every write that PyTorch refuses ("more than one element of the
written-to tensor refers to a single memory location") from happening. PyTorch allows some:
fills (each location gets one value however many elements share it), advanced-index
assignment, and any write to a part that shares nothing (``v[0]`` of ``a.expand(2, 3)``).
For those, ``writable`` gives a writable array over the same memory.
"""
import numpy as np


def same_data(a, b):
    """Whether ``a`` and ``b`` lay the same elements over the same memory (PyTorch's copy_
    copies nothing then, so it refuses no overlap)."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.strides == b.strides and a.shape == b.shape and a.dtype == b.dtype)


def overlaps(a):
    """Whether elements of ``a`` share memory (a dim of stride 0 and size over 1)."""
    return a.size > 1 and any(st == 0 and n > 1 for n, st in zip(a.shape, a.strides))


class _WritableMemory:
    """An array's memory described as writable: what NumPy builds an array from (as
    ``np.lib.stride_tricks.as_strided`` does)."""

    def __init__(self, a):
        face = a.__array_interface__
        self.__array_interface__ = dict(face, data=(face["data"][0], False))
        self.array = a  # keeps the memory alive as long as the new array


def writable(a):
    """``a`` itself when writable, else a writable array over its memory when that memory
    belongs to a writable array (a read-only data set's stays read-only); else None."""
    if a.flags.writeable:
        return a
    owner = a.base  # through NumPy's views and the wrapper as_strided puts between
    while owner is not None and not (isinstance(owner, np.ndarray) and owner.flags.writeable):
        owner = getattr(owner, "base", None)
    if owner is None:
        return None
    return np.asarray(_WritableMemory(a))


def writable_view(a):
    """A view's array, writable unless its elements share memory (or the memory is read-only):
    a part of an expand()ed tensor that shares nothing may be written, as in PyTorch."""
    if a.flags.writeable or overlaps(a):
        return a
    w = writable(a)
    return a if w is None else w
