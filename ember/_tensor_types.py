"""PyTorch's legacy typed constructors: ``FloatTensor``, ``LongTensor``, ``IntTensor`` ...

``ember.FloatTensor([1, 2])`` is a float32 tensor of that data, ``ember.LongTensor(2, 3)``
an uninitialised int64 tensor of that shape, and ``isinstance(t, ember.FloatTensor)`` asks
whether ``t`` is a float32 tensor, as in PyTorch. These are not subclasses of ``Tensor``
(nor are PyTorch's): what they make are plain ``Tensor`` objects.
"""
import numpy as np

from . import _dtype
from .ops.creation import tensor as _tensor
from .tensor import Size, Tensor, check_device


class _TensorType(type):
    """The metaclass: calling the class builds a tensor, ``isinstance`` checks the dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        check_device(device)
        np_dtype = _dtype.to_numpy(cls.dtype)
        if not args:
            return Tensor._wrap(np.empty(0, np_dtype))
        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            if other.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype} (got {other.dtype})".replace(
                    "ember.", "torch."))
            return other._view_of(other._data)
        if (len(args) == 1 and isinstance(args[0], Size)) or all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            shape = tuple(args[0]) if isinstance(args[0], Size) else args
            return Tensor._wrap(np.empty(tuple(int(s) for s in shape), np_dtype))
        if len(args) > 1:
            raise TypeError(f"new() received an invalid combination of arguments - got "
                            f"{tuple(type(a).__name__ for a in args)}")
        return _tensor(args[0], dtype=cls.dtype)


def _make(name, dtype):
    return _TensorType(name, (), {"dtype": dtype, "__module__": "ember",
                                  "__doc__": f"Tensors of dtype {dtype.name}: "
                                             f"``{name}(data)`` or ``{name}(*sizes)``."})


FloatTensor = _make("FloatTensor", _dtype.float32)
DoubleTensor = _make("DoubleTensor", _dtype.float64)
HalfTensor = _make("HalfTensor", _dtype.float16)
LongTensor = _make("LongTensor", _dtype.int64)
IntTensor = _make("IntTensor", _dtype.int32)
ShortTensor = _make("ShortTensor", _dtype.int16)
CharTensor = _make("CharTensor", _dtype.int8)
ByteTensor = _make("ByteTensor", _dtype.uint8)
BoolTensor = _make("BoolTensor", _dtype.bool_)
