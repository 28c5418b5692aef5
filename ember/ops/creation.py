"""Creating tensors: from data, filled, ranges, random draws, ``*_like``, ``meshgrid``.

Data given as Python floats becomes the default float dtype (float32), Python ints int64,
bools bool, as in PyTorch; NumPy arrays keep their dtype. Every random draw goes through
``ember.random`` so ``manual_seed`` makes it reproducible.
"""
import builtins

import numpy as np

from .. import _dtype
from . import _ranges
from ..random import numpy_generator
from ..tensor import Tensor, _new, check_device
from ._layout import follow

_INT64 = np.dtype(np.int64)


def _infer_dtype(data):
    """The dtype PyTorch infers for nested Python data."""
    kind = _scan_kind(data)
    if kind == "f":
        return _dtype.default_float()
    if kind == "i":
        return np.dtype(np.int64)
    if kind == "b":
        return np.dtype(np.bool_)
    return _dtype.default_float()  # empty


def _scan_kind(x):
    if isinstance(x, np.generic):
        return "a"  # a NumPy scalar keeps its dtype, as in PyTorch
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, float):
        return "f"
    if isinstance(x, Tensor):
        return "t"
    if isinstance(x, np.ndarray):
        return "a"
    if isinstance(x, (list, tuple)):
        best = None
        order = {"b": 0, "i": 1, "f": 2}
        for item in x:
            k = _scan_kind(item)
            if k in ("t", "a"):
                return k
            if k is not None and (best is None or order[k] > order[best]):
                best = k
        return best
    raise TypeError(f"Could not infer dtype of {type(x).__name__}")


def _finish(arr, requires_grad):
    t = _new(Tensor, arr, False, None)  # Tensor._wrap, one frame less
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays or tensors)."""
    if device is not None:  # the calls skipped for the defaults: tensor([...]) is common
        check_device(device)
    np_dtype = None if dtype is None else _dtype.to_numpy(dtype)
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=np_dtype, copy=True)
    elif isinstance(data, np.ndarray):
        if np_dtype is None:
            _dtype.from_numpy(data.dtype)  # refuses object arrays and other foreign types
        arr = np.array(data, dtype=np_dtype, copy=True)
    else:
        arr = _int_list(data) if np_dtype is None else None
        if arr is None:
            arr = _from_nested(data, np_dtype)
    return _finish(arr, requires_grad)


def _from_nested(data, np_dtype):
    """Nested Python data (possibly holding tensors or arrays) as an array of PyTorch's dtype."""
    kind = _scan_kind(data)
    if kind in ("t", "a"):
        arr = np.array(_to_nested(data), dtype=np_dtype)
        if np_dtype is None and arr.dtype == np.float64 and kind == "t":
            arr = arr.astype(_dtype.default_float())
        return arr
    return np.array(data, dtype=np_dtype or _infer_dtype(data))


def _int_list(data):
    """A flat list of Python ints (index lists, labels) as int64 without a Python-level scan;
    None when it holds anything else (then the general path decides the dtype)."""
    if type(data) is not list or not data or type(data[0]) is not int:
        return None
    try:
        arr = np.array(data)
    except (ValueError, TypeError):
        return None
    return arr if arr.dtype is _INT64 or arr.dtype == _INT64 else None


def _to_nested(x):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        items = [_to_nested(i) for i in x]
        if items and builtins.all(isinstance(i, np.ndarray) for i in items):
            return np.stack(items)
        return items
    return x


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    check_device(device)
    np_dtype = _dtype.to_numpy(dtype)
    if isinstance(data, Tensor):
        return data if np_dtype is None or data._data.dtype == np_dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        _dtype.from_numpy(data.dtype)
        return Tensor._wrap(data if np_dtype is None else data.astype(np_dtype, copy=False))
    return tensor(data, dtype=dtype)


def from_numpy(ndarray):
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy(ndarray.dtype)
    return Tensor._wrap(ndarray)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"empty(): argument 'size' must be tuple of ints, but found element of type "
                f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _filled(fill):
    def make(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False):
        check_device(device)
        arr = fill(_size(size), _dtype.to_numpy(dtype) or _dtype.default_float())
        return _finish(arr, requires_grad)
    return make


zeros = _filled(np.zeros)
ones = _filled(np.ones)
empty = _filled(np.empty)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    np_dtype = _dtype.to_numpy(dtype)
    if np_dtype is None:
        np_dtype = (_dtype.default_float() if isinstance(fill_value, float)
                    else np.dtype(np.bool_) if isinstance(fill_value, bool)
                    else np.dtype(np.int64))
    return _finish(np.full(_size((size,) if isinstance(size, int) else (size,)), fill_value,
                           dtype=np_dtype), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _finish(np.eye(n, m, dtype=_dtype.to_numpy(dtype) or _dtype.default_float()),
                   requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` (default 0) up to ``end`` by ``step``, bit for bit as PyTorch
    computes them (see ``ops/_ranges.py``)."""
    check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    np_dtype = _dtype.to_numpy(dtype)
    if np_dtype is None:
        is_float = builtins.any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        np_dtype = _dtype.default_float() if is_float else np.dtype(np.int64)
    return _finish(_ranges.arange_values(start, end, step, np.dtype(np_dtype)), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``start`` to ``end``, bit for bit as PyTorch computes them."""
    check_device(device)
    np_dtype = np.dtype(_dtype.to_numpy(dtype) or _dtype.default_float())
    return _finish(_ranges.linspace_values(_num(start), _num(end), int(steps), np_dtype),
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    check_device(device)
    np_dtype = _dtype.to_numpy(dtype) or _dtype.default_float()
    arr = np.power(base, np.linspace(_num(start), _num(end), int(steps)))
    return _finish(arr.astype(np_dtype), requires_grad)


def _float_dtype(dtype):
    np_dtype = _dtype.to_numpy(dtype) or _dtype.default_float()
    if np_dtype.kind != "f":
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{_dtype.from_numpy(np_dtype).name}'")
    return np_dtype


def rand(*shape, generator=None, dtype=None, device=None, requires_grad=False, size=None):
    check_device(device)
    size = shape if size is None else (size,)  # rand(2, 3) or rand(size=(2, 3))
    np_dtype = _float_dtype(dtype)
    g = numpy_generator(generator)
    arr = g.random(_size(size), dtype=np_dtype) if np_dtype in (np.float32, np.float64) else \
        g.random(_size(size)).astype(np_dtype)
    return _finish(arr, requires_grad)


def randn(*shape, generator=None, dtype=None, device=None, requires_grad=False, size=None):
    check_device(device)
    size = shape if size is None else (size,)  # randn(2, 3) or randn(size=(2, 3))
    np_dtype = _float_dtype(dtype)
    g = numpy_generator(generator)
    arr = g.standard_normal(_size(size), dtype=np_dtype) if np_dtype in (np.float32, np.float64) \
        else g.standard_normal(_size(size)).astype(np_dtype)
    return _finish(arr, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """``normal(mean, std, size)`` with numbers, or elementwise with tensor mean/std."""
    check_device(device)
    g = numpy_generator(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        if not isinstance(m, np.ndarray) and not isinstance(s, np.ndarray):
            raise TypeError("normal() received an invalid combination of arguments: give size "
                            "when mean and std are numbers")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        np_dtype = (m if isinstance(m, np.ndarray) else s).dtype
    else:
        shape = _size((size,) if isinstance(size, int) else (size,))
        np_dtype = _float_dtype(dtype)
    if np.any(np.asarray(s) < 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    z = g.standard_normal(shape, dtype=np.float32 if np_dtype == np.float32 else np.float64)
    arr = (z * s + m).astype(np_dtype, copy=False)
    return _finish(arr, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    check_device(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    np_dtype = _dtype.to_numpy(dtype) or np.dtype(np.int64)
    arr = numpy_generator(generator).integers(low, high, _size((size,) if isinstance(size, int) else (size,)))
    return _finish(arr.astype(np_dtype), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    check_device(device)
    np_dtype = _dtype.to_numpy(dtype) or np.dtype(np.int64)
    return _finish(numpy_generator(generator).permutation(int(n)).astype(np_dtype), requires_grad)


def bernoulli(input, p=None, *, generator=None):
    probs = input._data if p is None else np.full(input._data.shape, p)
    draws = numpy_generator(generator).random(probs.shape) < probs
    return Tensor._wrap(draws.astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    probs = input._data.astype(np.float64)
    g = numpy_generator(generator)
    rows = probs.reshape(-1, probs.shape[-1])
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        p = row / row.sum()
        out[i] = g.choice(len(p), size=num_samples, replace=replacement, p=p)
    return Tensor._wrap(out.reshape(probs.shape[:-1] + (num_samples,)))


def _like(make):
    def like(input, *args, dtype=None, device=None, requires_grad=False, **kwargs):
        check_device(device)
        dt = dtype if dtype is not None else input.dtype
        return _laid_out_like(
            make(*args, input._data.shape, dtype=dt, requires_grad=requires_grad, **kwargs),
            input)
    return like


def _laid_out_like(t, input):
    """A fresh ``*_like`` result ``t`` in ``input``'s layout, as PyTorch's preserve_format
    lays it out (its strides where dense, else dense in their order; ops/_layout.py)."""
    t._data = follow(t._data, (input._data,))
    return t


zeros_like = _like(lambda shape, **k: zeros(shape, **k))
ones_like = _like(lambda shape, **k: ones(shape, **k))
empty_like = _like(lambda shape, **k: empty(shape, **k))
rand_like = _like(lambda shape, **k: rand(shape, **k))
randn_like = _like(lambda shape, **k: randn(shape, **k))


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _laid_out_like(full(input._data.shape, fill_value, dtype=dtype if dtype is not None
                               else input.dtype, requires_grad=requires_grad), input)


def randint_like(input, low=0, high=None, *, dtype=None, device=None):
    return _laid_out_like(randint(low, high, input._data.shape, dtype=dtype if dtype is not None
                                  else input.dtype), input)


def meshgrid(*tensors, indexing=None):
    """Grids from 1-D tensors; PyTorch's default indexing is 'ij' (it warns; ember doesn't)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    shape = [t.numel() for t in tensors]
    if indexing == "xy" and len(shape) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        axis = i
        if indexing == "xy" and len(tensors) >= 2 and i < 2:
            axis = 1 - i
        view_shape[axis] = -1
        out.append(t.reshape(view_shape).expand(shape))
    return tuple(out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return tensor(s, dtype=dtype or _dtype.get_default_dtype(), requires_grad=requires_grad)
