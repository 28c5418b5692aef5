"""Turning a list of samples into a batch, as PyTorch's default_collate does.

Tensors are stacked along a new first axis; NumPy arrays and NumPy scalars become
tensors and are stacked; Python floats become a float64 tensor, ints an int64 tensor,
bools a bool tensor; strings stay a list; dicts, named tuples and sequences are collated
field by field (a tuple becomes a list, as in PyTorch).
"""
import collections.abc
import copy

import numpy as np

import ember

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _stack(arrays):
    first = arrays[0]
    if any(a.shape != first.shape for a in arrays):
        shapes = sorted({tuple(a.shape) for a in arrays})
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {shapes[0]} "
                           f"and {shapes[1]} in the batch")
    return ember.Tensor._wrap(np.stack(arrays))


def default_collate(batch):
    """Collate a list of samples into a batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, ember.Tensor):
        if any(t.requires_grad for t in batch):
            return ember.stack(list(batch), 0)  # keep the graph, as torch.stack does
        return _stack([t._data for t in batch])
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_ERR.format(elem.dtype))
        return _stack([np.asarray(a) for a in batch])
    if isinstance(elem, np.generic):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_ERR.format(elem.dtype))
        return ember.Tensor._wrap(np.asarray(batch))
    if isinstance(elem, bool):
        return ember.tensor(batch, dtype=ember.bool)
    if isinstance(elem, int):
        return ember.tensor(batch, dtype=ember.int64)
    if isinstance(elem, float):
        return ember.tensor(batch, dtype=ember.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            out = copy.copy(elem)
            out.update({key: default_collate([d[key] for d in batch]) for key in elem})
            return out
        except TypeError:  # a mapping that can't be copied or updated
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))  # strings stay tuples, as in PyTorch
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                out = copy.copy(elem)
                for i, s in enumerate(transposed):
                    out[i] = default_collate(s)
                return out
            return type(elem)([default_collate(s) for s in transposed])
        except TypeError:  # a sequence type that can't be rebuilt (range, ...)
            return [default_collate(s) for s in transposed]
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """What a DataLoader with ``batch_size=None`` does to each sample: NumPy arrays and
    scalars become tensors, containers are converted element by element."""
    if isinstance(data, ember.Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in "OSUV":
            return data
        return ember.Tensor._wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            out = copy.copy(data)
            out.update({k: default_convert(v) for k, v in data.items()})
            return out
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
