"""In-place operations (``add_``, ``x += y``, ``x[i] = v`` ...): same object, same storage.

Outside the graph they are NumPy ufuncs writing into the tensor's own array. When the change
must be recorded (the tensor or the other operand requires grad), the op is computed out of
place from a snapshot of the old value and the tensor is *rebased*: its storage receives the
result and its ``grad_fn`` becomes the new node, as PyTorch does.
"""
import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..tensor import Tensor

_grad_enabled = grad_mode._enabled


def rebase(t, compute):
    """Record an in-place change of ``t``: ``compute(old)`` gives the new value as a tensor
    computed from ``old``, a snapshot standing for ``t`` before the change."""
    old = Tensor._wrap(t._data.copy())
    old._requires_grad = t._requires_grad
    old.grad_fn = t.grad_fn
    result = compute(old)
    _store(t, result._data)
    t.grad_fn = result.grad_fn
    t._requires_grad = result._requires_grad


def _store(t, values):
    if values.dtype != t._data.dtype and not np.can_cast(values.dtype, t._data.dtype, "same_kind"):
        raise RuntimeError(
            f"result type {_type_word(values.dtype)} can't be cast to the desired output type "
            f"{_type_word(t._data.dtype)}")
    try:
        np.copyto(t._data, values, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(t._data.shape, values.shape))}") from None
    t._vc[0] += 1


def _type_word(np_dtype):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "bool": "Bool", "uint8": "Byte", "float16": "Half", "int16": "Short",
            "int8": "Char"}[_dtype.from_numpy(np_dtype).name]


def _recorded(t, *others):
    if not _grad_enabled[0]:
        return False
    return t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)


def apply_inplace(t, op, *others):
    """``t = op(t, *others)`` keeping ``t``'s identity (``op`` is an out-of-place ember op)."""
    t._check_inplace()
    if _recorded(t, *others):
        rebase(t, lambda old: op(old, *others))
        return t
    with grad_mode.no_grad():
        result = op(t, *others)
    _store(t, result._data)
    return t


def _unwrap(x):
    return x._data if isinstance(x, Tensor) else x


def fast_binary_inplace(t, ufunc, other, op):
    """``t <op>= other`` written straight into t's storage when nothing is recorded."""
    t._check_inplace()
    if _recorded(t, other):
        rebase(t, lambda old: op(old, other))
        return t
    data = t._data
    o = _unwrap(other)
    # Same dtypes, or a float tensor and a Python number (an optimizer's update): nothing
    # to promote or refuse. Otherwise apply PyTorch's rule.
    same = (o.dtype == data.dtype) if type(o) is np.ndarray else \
        (type(o) is float or type(o) is int) and data.dtype.kind == "f"
    if not same or (ufunc is np.true_divide and data.dtype.kind != "f"):
        res_dt = _dtype.result_type(data, o)
        if ufunc is np.true_divide and res_dt.kind != "f":
            res_dt = _dtype.default_float()
        if res_dt != data.dtype and not np.can_cast(res_dt, data.dtype, "same_kind"):
            raise RuntimeError(
                f"result type {_type_word(res_dt)} can't be cast to the desired output type "
                f"{_type_word(data.dtype)}")
    try:
        ufunc(data, o, out=data, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"output with shape {list(data.shape)} doesn't match the broadcast shape "
            f"{list(np.broadcast_shapes(data.shape, np.shape(o)))}") from None
    t._vc[0] += 1
    return t


def add_(t, other, *, alpha=1):
    from .elementwise import Add
    if alpha != 1:
        other = other * alpha
    return fast_binary_inplace(t, np.add, other, Add.apply)


def sub_(t, other, *, alpha=1):
    from .elementwise import Sub
    if alpha != 1:
        other = other * alpha
    return fast_binary_inplace(t, np.subtract, other, Sub.apply)


def mul_(t, other):
    from .elementwise import Mul
    return fast_binary_inplace(t, np.multiply, other, Mul.apply)


def div_(t, other, *, rounding_mode=None):
    from .elementwise import Div
    if rounding_mode is not None:
        from . import _methods
        return apply_inplace(t, lambda a, b: _methods.div(a, b, rounding_mode=rounding_mode), other)
    return fast_binary_inplace(t, np.true_divide, other, Div.apply)


def pow_(t, exponent):
    from ._methods import pow as _pow
    return apply_inplace(t, _pow, exponent)


def addcmul_(t, t1, t2, *, value=1):
    """t += value * t1 * t2."""
    if _recorded(t, t1, t2):
        return apply_inplace(t, lambda a, b, c: a + value * b * c, t1, t2)
    t._check_inplace()
    prod = np.multiply(_unwrap(t1), _unwrap(t2))
    if value != 1:
        prod *= value
    np.add(t._data, prod, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def addcdiv_(t, t1, t2, *, value=1):
    """t += value * t1 / t2."""
    if _recorded(t, t1, t2):
        return apply_inplace(t, lambda a, b, c: a + value * b / c, t1, t2)
    t._check_inplace()
    quot = np.true_divide(_unwrap(t1), _unwrap(t2))
    if value != 1:
        quot *= value
    np.add(t._data, quot, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def lerp_(t, end, weight):
    """t += weight * (end - t)."""
    if _recorded(t, end, weight):
        return apply_inplace(t, lambda a, b, w: a + w * (b - a), end, weight)
    t._check_inplace()
    diff = np.subtract(_unwrap(end), t._data)
    diff *= _unwrap(weight)
    np.add(t._data, diff, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def _unary_inplace(ufunc, op):
    def method(t):
        t._check_inplace()
        if _recorded(t):
            rebase(t, op)
            return t
        if t._data.dtype.kind != "f":
            return apply_inplace(t, op)
        ufunc(t._data, out=t._data)
        t._vc[0] += 1
        return t
    return method


def zero_(t):
    t._check_inplace()
    if _recorded(t):  # the old value no longer matters: its gradient is zero
        rebase(t, lambda old: old * 0)
        return t
    t._data[...] = 0
    t._vc[0] += 1
    return t


def fill_(t, value):
    t._check_inplace()
    if _recorded(t, value):
        rebase(t, lambda old: old * 0 + value)
        return t
    t._data[...] = _unwrap(value)
    t._vc[0] += 1
    return t


def copy_(t, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src))
    t._check_inplace()
    if _recorded(t, src):
        from .indexing import SetItem
        rebase(t, lambda old: SetItem.apply(old, src, Ellipsis))
        return t
    try:
        np.copyto(t._data, src._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({t._data.shape[-1] if t._data.ndim else 1}) must match the "
            f"size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) at non-singleton "
            f"dimension {max(t._data.ndim - 1, 0)}") from None
    t._vc[0] += 1
    return t


def clamp_(t, min=None, max=None):
    from ._methods import clamp
    return apply_inplace(t, lambda a: clamp(a, min, max))


def _draw_inplace(draw):
    """Random fills (normal_, uniform_ ...): drawn in the tensor's dtype, never recorded."""
    def method(t, *args, generator=None, **kwargs):
        from ..random import numpy_generator
        t._check_inplace()
        values = draw(numpy_generator(generator), t._data.shape, *args, **kwargs)
        np.copyto(t._data, values, casting="unsafe")
        t._vc[0] += 1
        return t
    return method


normal_ = _draw_inplace(lambda g, shape, mean=0.0, std=1.0: g.normal(mean, std, shape))
uniform_ = _draw_inplace(lambda g, shape, a=0.0, b=1.0: g.uniform(a, b, shape))
bernoulli_ = _draw_inplace(lambda g, shape, p=0.5: g.random(shape) < p)
exponential_ = _draw_inplace(lambda g, shape, lambd=1.0: g.exponential(1.0 / lambd, shape))
random_ = _draw_inplace(lambda g, shape, low=0, high=None:
                        g.integers(0, low, shape) if high is None else g.integers(low, high, shape))
