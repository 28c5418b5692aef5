"""ember's dtypes, and PyTorch's type-promotion rules expressed on NumPy dtypes.

Each ember dtype wraps one NumPy dtype. Promotion follows PyTorch, which differs from
NumPy in three places: an integer tensor with a float (tensor or Python number) gives the
float's type, not float64; a Python float joins an integer tensor as the *default* float
dtype; and a zero-dimensional tensor only takes part when it is of a higher category
(bool < integer < float) than the dimensioned operands.
"""
import numpy as np


class dtype:
    """A tensor element type (``ember.float32`` ...), printed as PyTorch prints it."""

    __slots__ = ("name", "numpy_dtype", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy_dtype.kind == "f"
        self.is_signed = self.numpy_dtype.kind in "fi"
        self.itemsize = self.numpy_dtype.itemsize

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_complex(self):
        raise TypeError(f"{self!r} has no complex counterpart in ember")


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_FROM_NUMPY = {d.numpy_dtype: d for d in _ALL}
_NAMES = {d.name: d for d in _ALL}


def _by_name(name):
    return _NAMES[name]


def from_numpy(np_dtype):
    """The ember dtype of a NumPy dtype; TypeError for types ember does not hold."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        pass
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported "
            "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_numpy(d):
    """The NumPy dtype for an ember dtype, a NumPy dtype, a Python type or a name."""
    if d is None:
        return None
    if type(d) is dtype:
        return d.numpy_dtype
    if d is builtins_float:
        return np.dtype(np.float64)
    if d is builtins_int:
        return np.dtype(np.int64)
    if d is builtins_bool:
        return np.dtype(np.bool_)
    if isinstance(d, str):
        name = d[len("torch."):] if d.startswith("torch.") else d
        if name in _ALIASES:
            return _ALIASES[name].numpy_dtype
    return from_numpy(np.dtype(d)).numpy_dtype


import builtins as _builtins  # noqa: E402  (names above shadow float/int/bool)

builtins_float, builtins_int, builtins_bool = _builtins.float, _builtins.int, _builtins.bool
_ALIASES = dict(_NAMES, half=float16, float=float32, double=float64, short=int16, int=int32,
                long=int64)

_default_float = [np.dtype(np.float32)]


def get_default_dtype():
    return _FROM_NUMPY[_default_float[0]]


def set_default_dtype(d):
    np_d = to_numpy(d)
    if np_d.kind != "f":
        raise TypeError("only floating-point types are supported as the default type")
    _default_float[0] = np_d
    _result_cache.clear()


def default_float():
    """The NumPy dtype a Python float becomes (float32 unless changed)."""
    return _default_float[0]


def _promote(a, b):
    """PyTorch's promote_types on two NumPy dtypes (``None`` means "no operand")."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa != fb:
        return a if fa else b
    return np.promote_types(a, b)


def _combine(higher, lower):
    # PyTorch's combine_categories: a lower-priority group only matters when it is of a
    # higher category than what we already have.
    if higher is None:
        return lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or (lower is not None and lower.kind == "f"):
        return _promote(higher, lower)
    return higher


_result_cache = {}


def _operand_kind(x):
    """(group, numpy dtype) of an operand: 0 dimensioned array, 1 zero-dim, 2 Python number."""
    if isinstance(x, np.ndarray):
        return (0 if x.ndim else 1), x.dtype
    if isinstance(x, np.generic):
        # PyTorch treats NumPy scalars as Python numbers of their kind ("wrapped numbers")
        kind = x.dtype.kind
        return 2, (_default_float[0] if kind == "f" else np.dtype(np.bool_) if kind == "b"
                   else np.dtype(np.int64))
    if isinstance(x, _builtins.bool):
        return 2, np.dtype(np.bool_)
    if isinstance(x, _builtins.int):
        return 2, np.dtype(np.int64)
    if isinstance(x, _builtins.float):
        return 2, _default_float[0]
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def result_type(*operands):
    """The dtype PyTorch gives an op on these operands (arrays stand for tensors)."""
    key = tuple(
        (o.dtype, o.ndim == 0) if isinstance(o, np.ndarray) else type(o) for o in operands
    )
    cached = _result_cache.get(key)
    if cached is not None:
        return cached
    groups = [None, None, None]
    for o in operands:
        g, d = _operand_kind(o)
        groups[g] = _promote(groups[g], d)
    out = _combine(groups[0], _combine(groups[1], groups[2]))
    _result_cache[key] = out
    return out


def is_floating(np_dtype):
    return np_dtype.kind == "f"
