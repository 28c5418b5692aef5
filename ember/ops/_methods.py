"""The functional API (``ember.add``, ``ember.exp`` ...) and its binding as Tensor methods
and operators, in one table so that a function and its method can never drift apart."""
import functools
import inspect
import numbers

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..tensor import Tensor, untrackable, view_change_error, views_a_leaf
from . import creation, elementwise as ew, indexing, inplace, linalg, reduction, shape
from ._quiet import quiet
from .unique import unique

_Scalar = (numbers.Number, np.generic)


def _arg(x):
    """Operands may be tensors, Python numbers or NumPy arrays (which become tensors)."""
    if isinstance(x, Tensor) or isinstance(x, _Scalar):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    if isinstance(x, (list, tuple)):
        return creation.tensor(x)
    raise TypeError(f"unsupported operand type for a tensor operation: '{type(x).__name__}'")


def _both_numbers(a, b):
    return not isinstance(a, Tensor) and not isinstance(b, Tensor)


# ----- arithmetic -----------------------------------------------------------------------
def add(input, other, *, alpha=1, out=None):
    input, other = _arg(input), _arg(other)
    if type(alpha) is not int or alpha != 1:  # alpha=1.0 and True are checked too
        other = ew.alpha_times(input, other, alpha)
    return _out(ew.Add.apply(input, other), out)


def sub(input, other, *, alpha=1, out=None):
    input, other = _arg(input), _arg(other)
    if type(alpha) is not int or alpha != 1:  # alpha=1.0 and True are checked too
        ew.check_bool_subtraction(ew._unwrap(input), ew._unwrap(other))  # before alpha casts
        other = ew.alpha_times(input, other, alpha, subtracting=True)
    return _out(ew.Sub.apply(input, other), out)


subtract = sub


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    return _out(ew.Mul.apply(_arg(input), _arg(other)), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    input, other = _arg(input), _arg(other)
    if rounding_mode is None:
        return _out(ew.Div.apply(input, other), out)
    if rounding_mode == "floor":
        return _out(ew.DivFloor.apply(input, other), out)
    if rounding_mode == "trunc":
        ew._check_integer_divisor(ew._unwrap(input), ew._unwrap(other))
        ew._refuse_bool(ew._unwrap(input), ew._unwrap(other), "div_trunc_cpu")
        is_int = (isinstance(input, Tensor) and input._data.dtype.kind in "iub") and \
            (not isinstance(other, Tensor) or other._data.dtype.kind in "iub") and \
            not isinstance(other, float)
        if is_int:  # exact, in the integer dtype (a float quotient rounds above 2**24)
            a, b = ew._unwrap(input), ew._unwrap(other)
            q = np.floor_divide(a, b)
            q = (q + ((q * b != a) & ((a < 0) != (b < 0)))).astype(
                _dtype.result_type(a, b), copy=False)
        else:
            with grad_mode.no_grad():
                q = ew.Trunc.apply(ew.Div.apply(input, other))._data
        return _out(ew.DivTrunc.apply(input, other, q), out)
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = true_divide = div


def _unwrap_arg(x):
    return x._data if isinstance(x, Tensor) else x


def floor_divide(input, other):
    return ew.FloorDivide.apply(_arg(input), _arg(other))


def remainder(input, other):
    return ew.Remainder.apply(_arg(input), _arg(other))



def fmod(input, other):
    return ew.Fmod.apply(_arg(input), _arg(other))


def pow(input, exponent):
    input, exponent = _arg(input), _arg(exponent)
    if not isinstance(input, Tensor):  # number ** tensor
        base = creation.tensor(input, dtype=_dtype.from_numpy(
            _dtype.result_type(input, exponent._data)))
        return ew.PowScalarBase.apply(base, exponent)
    if isinstance(exponent, Tensor):
        return ew.PowTensor.apply(input, exponent)
    return ew.Pow.apply(input, exponent)


def neg(input):
    return ew.Neg.apply(input)


negative = neg


def _out(result, out):
    if out is None:
        return result
    out.copy_(result) if out.shape == result.shape else _resize_into(out, result)
    return out


def _resize_into(out, result):
    out._data = result._data.astype(out._data.dtype)
    out._vc[0] += 1


def _unary(cls):
    apply = getattr(cls, "operate", cls.apply)

    def op(input, *, out=None):
        result = apply(input)
        return result if out is None else _out(result, out)
    op.__name__ = cls.__name__.lower()
    return op


exp = _unary(ew.Exp)
expm1 = _unary(ew.Expm1)
log = _unary(ew.Log)
log2 = _unary(ew.Log2)
log10 = _unary(ew.Log10)
log1p = _unary(ew.Log1p)
sqrt = _unary(ew.Sqrt)
rsqrt = _unary(ew.Rsqrt)
reciprocal = _unary(ew.Reciprocal)
square = _unary(ew.Square)
abs = _unary(ew.Abs)
absolute = abs
sign = _unary(ew.Sign)
sin = _unary(ew.Sin)
cos = _unary(ew.Cos)
tan = _unary(ew.Tan)
tanh = _unary(ew.Tanh)
sinh = _unary(ew.Sinh)
cosh = _unary(ew.Cosh)
atan = arctan = _unary(ew.Arctan)
sigmoid = _unary(ew.Sigmoid)
relu = _unary(ew.Relu)
erf = _unary(ew.Erf)
floor = _unary(ew.Floor)
ceil = _unary(ew.Ceil)
trunc = fix = _unary(ew.Trunc)


def round(input, *, decimals=0):
    return ew.Round.apply(input, decimals)


def exp2(input, *, out=None):
    if not isinstance(input, Tensor):
        return 2.0 ** input
    return _out(ew.Exp2.operate(input), out)


def clamp(input, min=None, max=None, *, out=None):
    lo = _arg(min) if min is not None else None
    hi = _arg(max) if max is not None else None
    return _out(ew.Clamp.apply(input, lo, hi), out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def maximum(input, other):
    return ew.Maximum.apply(_arg(input), _arg(other))


def minimum(input, other):
    return ew.Minimum.apply(_arg(input), _arg(other))


def fmax(input, other):
    return ew.Fmax.apply(_arg(input), _arg(other))


def fmin(input, other):
    return ew.Fmin.apply(_arg(input), _arg(other))


def where(condition, input=None, other=None):
    if input is None and other is None:
        return indexing.nonzero(condition, as_tuple=True)
    if isinstance(condition, Tensor) and condition._requires_grad:
        condition = condition.detach()  # a marked bool: PyTorch takes no gradient for it
    return ew.Where.apply(condition, _arg(input), _arg(other))


def lerp(input, end, weight):
    if isinstance(weight, numbers.Number) and isinstance(end, Tensor) \
            and input._data.dtype == end._data.dtype and input._data.dtype.kind == "f":
        return ew.Lerp.apply(input, end, weight)
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    ew.check_integer_addcdiv(tensor1, tensor2)
    return input + value * tensor1 / tensor2


def softmax(input, dim, dtype=None):
    from ..nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    from ..nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(input._data, _arg(other)._data if isinstance(other, Tensor)
                            else other, rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    o = other._data if isinstance(other, Tensor) else other
    return Tensor._wrap(np.isclose(input._data, o, rtol, atol, equal_nan))


def equal(input, other):
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def _cast(input, np_dtype):
    if input._data.dtype == np_dtype:
        return input
    if np_dtype.kind != "f":  # no gradient to record: autograd does not read input's node
        input = input.detach()
    return ew.Cast.apply(input, np_dtype)


def to(input, *args, dtype=None, device=None, copy=False, non_blocking=False, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``."""
    from ..tensor import check_device
    target = dtype
    for a in args:
        if isinstance(a, _dtype.dtype) or (isinstance(a, type) and a in (float, int, bool)):
            target = a
        elif isinstance(a, Tensor):
            target = a.dtype
        else:
            check_device(a)
    check_device(device)
    out = input if target is None else _cast(input, _dtype.to_numpy(target))
    if copy and out is input:
        out = shape.clone(input)
    return out


def _converter(d):
    def convert(input, memory_format=None):
        return _cast(input, d.numpy_dtype)
    return convert


def type_as(input, other):
    return _cast(input, other._data.dtype)


def cpu(input):
    return input


def cuda(input, device=None, non_blocking=False):
    from ..tensor import check_device
    check_device("cuda")


# ----- binding ----------------------------------------------------------------------------
def _reflected(fn):
    def method(self, other):
        return fn(_arg(other), self)
    return method


_DIRECT_OPERANDS = (Tensor, float, int)


def _operator(op, reflected=False):
    """``self <op> other`` (or ``other <op> self``) straight to the op's flat ``operate``
    path when ``other`` is a tensor or a Python number (the common case: most of a tiny
    op's cost was the layers of the functional API, its keyword defaults, operand checks
    and ``out=``); anything else goes the functional way."""
    operate, functional = op.operate, _OPERATOR_FUNCTIONS[op]

    if reflected:
        def method(self, other):
            if type(other) in _DIRECT_OPERANDS:
                return operate(other, self)
            return functional(_arg(other), self)
    else:
        def method(self, other):
            if type(other) in _DIRECT_OPERANDS:
                return operate(self, other)
            return functional(self, other)
    return method


def _rtruediv(self, other):
    """``number / tensor`` as PyTorch computes it, ``tensor.reciprocal() * number``: the
    same rounding, and its node keeps the reciprocal, so changing the tensor in place
    afterwards is no error."""
    if type(other) is bool:
        with quiet():  # (PyTorch does not warn of 0 * inf)
            return mul(reciprocal(self), other)
    if type(other) is float or type(other) is int:
        if ew._harmless_divisor(other):  # (nonzero and finite: no 0 * inf to warn about)
            return ew.Mul.operate(reciprocal(self), other)
        with quiet():  # PyTorch does not warn of 0 * inf
            return ew.Mul.operate(reciprocal(self), other)
    return div(_arg(other), self)


def _pow_operator(self, exponent):
    """``self ** exponent``: a Python number exponent (``** 2`` of the squared loss) takes
    the flat path, as ``_operator`` does for ``+ - * /``."""
    if type(exponent) is int or type(exponent) is float:
        return ew.Pow.operate(self, exponent)
    return pow(self, exponent)


def _compare(fn):
    def method(self, other):
        if not isinstance(other, (Tensor, numbers.Number, np.ndarray, np.generic)):
            return NotImplemented
        return fn(self, other)
    return method


def _matmul_op(a, b):
    return linalg.matmul(_arg(a), _arg(b))


def _setitem(self, key, value):
    if isinstance(value, (list, tuple)):
        value = creation.tensor(value)
    indexing.setitem(self, key, value)


_OPERATOR_FUNCTIONS = {ew.Add: add, ew.Sub: sub, ew.Mul: mul, ew.Div: div}

_METHODS = {
    # operators
    "__add__": _operator(ew.Add), "__radd__": _operator(ew.Add, reflected=True),
    "__iadd__": inplace.add_,
    "__sub__": _operator(ew.Sub), "__rsub__": _operator(ew.Sub, reflected=True),
    "__isub__": inplace.sub_,
    "__mul__": _operator(ew.Mul), "__rmul__": _operator(ew.Mul, reflected=True),
    "__imul__": inplace.mul_,
    "__truediv__": _operator(ew.Div), "__rtruediv__": _rtruediv,
    "__itruediv__": inplace.div_,
    "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide),
    "__mod__": remainder, "__rmod__": _reflected(remainder),
    "__pow__": _pow_operator, "__rpow__": _reflected(pow), "__ipow__": inplace.pow_,
    "__matmul__": _matmul_op, "__rmatmul__": _reflected(_matmul_op),
    "__neg__": neg, "__pos__": lambda self: self, "__abs__": abs,
    "__eq__": _compare(ew.eq), "__ne__": _compare(ew.ne), "__lt__": _compare(ew.lt),
    "__le__": _compare(ew.le), "__gt__": _compare(ew.gt), "__ge__": _compare(ew.ge),
    "__and__": lambda a, b: _logical_or_bitwise(a, b, ew._logical_and, ew.bitwise_and),
    "__or__": lambda a, b: _logical_or_bitwise(a, b, ew._logical_or, ew.bitwise_or),
    "__xor__": lambda a, b: _logical_or_bitwise(a, b, ew._logical_xor, ew.bitwise_xor),
    "__invert__": lambda a: ew.logical_not(a) if a._data.dtype == np.bool_ else ew.bitwise_not(a),
    "__getitem__": indexing.getitem, "__setitem__": _setitem,
    # arithmetic and math
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "neg": neg, "negative": neg, "exp": exp, "expm1": expm1,
    "log": log, "log2": log2, "log10": log10, "log1p": log1p, "sqrt": sqrt, "rsqrt": rsqrt,
    "reciprocal": reciprocal, "square": square, "abs": abs, "absolute": abs, "sign": sign,
    "sin": sin, "cos": cos, "tan": tan, "tanh": tanh, "sinh": sinh, "cosh": cosh, "atan": atan,
    "arctan": atan, "sigmoid": sigmoid, "relu": relu, "erf": erf, "floor": floor, "ceil": ceil,
    "trunc": trunc, "round": round, "clamp": clamp, "clip": clamp, "clamp_min": clamp_min,
    "clamp_max": clamp_max, "maximum": maximum, "minimum": minimum, "fmax": fmax,
    "fmin": fmin, "lerp": lerp,
    "addcmul": addcmul, "addcdiv": addcdiv, "softmax": softmax, "log_softmax": log_softmax,
    "eq": ew.eq, "ne": ew.ne, "lt": ew.lt, "le": ew.le, "gt": ew.gt, "ge": ew.ge,
    "greater": ew.gt, "less": ew.lt, "greater_equal": ew.ge, "less_equal": ew.le,
    "not_equal": ew.ne, "logical_and": ew.logical_and, "logical_or": ew.logical_or,
    "logical_xor": ew.logical_xor, "logical_not": ew.logical_not, "isnan": ew.isnan,
    "isinf": ew.isinf, "isfinite": ew.isfinite, "allclose": allclose, "isclose": isclose,
    "equal": equal, "where": lambda self, cond, other: where(cond, self, other),
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "prod": reduction.prod,
    "var": reduction.var, "std": reduction.std, "max": reduction.max, "min": reduction.min,
    "amax": reduction.amax, "amin": reduction.amin, "argmax": reduction.argmax,
    "argmin": reduction.argmin, "logsumexp": reduction.logsumexp, "cumsum": reduction.cumsum,
    "cumprod": reduction.cumprod, "norm": reduction.norm, "all": reduction.all,
    "any": reduction.any, "count_nonzero": reduction.count_nonzero,
    # shape
    "reshape": shape.reshape, "view": shape.view, "view_as": shape.view_as,
    "reshape_as": shape.reshape_as, "flatten": shape.flatten, "unflatten": shape.unflatten,
    "ravel": shape.ravel, "permute": shape.permute, "transpose": shape.transpose,
    "swapaxes": shape.transpose, "swapdims": shape.transpose, "t": shape.t,
    "movedim": shape.movedim, "moveaxis": shape.movedim, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "expand": shape.expand, "expand_as": shape.expand_as,
    "broadcast_to": shape.broadcast_to, "sum_to_size": shape.sum_to_size,
    "repeat": shape.repeat, "tile": shape.tile, "repeat_interleave": shape.repeat_interleave,
    "split": shape.split, "chunk": shape.chunk, "tensor_split": shape.tensor_split,
    "unbind": shape.unbind, "narrow": shape.narrow, "flip": shape.flip,
    "fliplr": shape.fliplr, "flipud": shape.flipud, "roll": shape.roll, "tril": shape.tril,
    "triu": shape.triu, "clone": shape.clone, "contiguous": shape.contiguous,
    # indexing
    "index_select": indexing.index_select, "gather": indexing.gather,
    "take_along_dim": indexing.take_along_dim, "masked_fill": indexing.masked_fill,
    "masked_select": indexing.masked_select, "nonzero": indexing.nonzero,
    "argwhere": indexing.argwhere, "sort": indexing.sort, "argsort": indexing.argsort,
    "topk": indexing.topk, "unique": unique,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm, "mv": linalg.mv,
    "dot": linalg.dot, "inner": linalg.dot, "outer": linalg.outer, "ger": linalg.outer,
    "inverse": linalg.inverse, "det": linalg.det, "addmm": linalg.addmm,
    # conversions
    "to": to, "type_as": type_as, "cpu": cpu, "cuda": cuda,
    "float": _converter(_dtype.float32), "double": _converter(_dtype.float64),
    "half": _converter(_dtype.float16), "long": _converter(_dtype.int64),
    "int": _converter(_dtype.int32), "short": _converter(_dtype.int16),
    "char": _converter(_dtype.int8), "byte": _converter(_dtype.uint8),
    "bool": _converter(_dtype.bool_),
    # in place
    "add_": inplace.add_, "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_,
    "pow_": inplace.pow_, "addcmul_": inplace.addcmul_, "addcdiv_": inplace.addcdiv_,
    "lerp_": inplace.lerp_, "zero_": inplace.zero_, "fill_": inplace.fill_,
    "copy_": inplace.copy_, "clamp_": inplace.clamp_, "clip_": inplace.clamp_,
    "normal_": inplace.normal_, "uniform_": inplace.uniform_,
    "bernoulli_": inplace.bernoulli_, "exponential_": inplace.exponential_,
    "random_": inplace.random_,
    "sqrt_": inplace._unary_inplace(np.sqrt, sqrt), "exp_": inplace._unary_inplace(np.exp, exp),
    "log_": inplace._unary_inplace(np.log, log), "abs_": inplace._unary_inplace(np.abs, abs),
    "neg_": inplace._unary_inplace(inplace.negative_in_place, neg),
    "tanh_": inplace._unary_inplace(np.tanh, tanh),
    "sigmoid_": inplace._unary_inplace(ew._sigmoid_array, sigmoid),
    "relu_": lambda self: inplace.apply_inplace(self, relu),
    "floor_": inplace._unary_inplace(np.floor, floor),
    "masked_fill_": inplace.masked_fill_,
    "unsqueeze_": lambda self, dim: _replace_view(self, lambda t: shape.unsqueeze(t, dim)),
    "squeeze_": lambda self, dim=None: _replace_view(self, lambda t: shape.squeeze(t, dim)),
    "t_": lambda self: _replace_view(self, shape.t),
    "resize_": lambda self, *size: _resize(self, shape._shape_arg(size)),
}


def _replace_view(self, view):
    """unsqueeze_/squeeze_/t_: ``self`` becomes ``view(self)``; when recorded it also takes
    that view's place in the graph (ops recorded before still reach its old node)."""
    if self._requires_grad and self._made_at is not None and grad_mode.is_grad_enabled() \
            and untrackable(self):
        raise view_change_error(self)
    if self._requires_grad and self.grad_fn is None and grad_mode.is_grad_enabled():
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    if self.grad_fn is None:
        self._data = view(self)._data
        self._vc[0] += 1  # an in-place op to PyTorch: a saved self no longer matches
        return self
    if views_a_leaf(self) and grad_mode.is_grad_enabled():
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    # The view is recorded on a stand-in with self's old shape and node, as inplace.rebase
    # records an in-place change (the engine fits each gradient to its input's shape).
    old = Tensor._wrap(self._data)
    old._requires_grad, old.grad_fn = True, self.grad_fn
    result = view(old)
    self._data = result._data
    inplace._set_grad_fn(self, result)  # (hooks registered so far stay with the old node)
    self._vc[0] += 1
    return self


def _resize(self, size):
    n = 1
    for s in size:
        n *= s
    flat = self._data.reshape(-1)
    if flat.size >= n:
        self._data = flat[:n].reshape(size)
    else:
        self._data = np.concatenate([flat, np.zeros(n - flat.size, flat.dtype)]).reshape(size)
    return self


def _logical_or_bitwise(a, b, logical, bitwise):
    a_bool = a._data.dtype == np.bool_
    b_arr = b._data if isinstance(b, Tensor) else np.asarray(b)
    if a_bool and b_arr.dtype == np.bool_:
        return logical(a, b)
    return bitwise(a, b)


# NumPy ufuncs applied to tensors (``np.exp(t)``, and inside create_graph backwards) map
# to ember's differentiable ops.
_UFUNCS = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.divide: div,
    np.negative: neg, np.power: pow, np.exp: exp, np.log: log, np.sqrt: sqrt, np.sin: sin,
    np.cos: cos, np.tan: tan, np.tanh: tanh, np.sinh: sinh, np.cosh: cosh, np.abs: abs,
    np.absolute: abs, np.sign: sign, np.square: square, np.maximum: maximum,
    np.minimum: minimum, np.log1p: log1p, np.expm1: expm1, np.floor: floor,
    np.trunc: trunc, np.arctan: atan, np.matmul: _matmul_op, np.floor_divide: floor_divide,
    np.remainder: remainder, np.fmod: fmod, np.fmax: fmax, np.fmin: fmin,
    np.equal: ew.eq, np.not_equal: ew.ne, np.less: ew.lt, np.less_equal: ew.le,
    np.greater: ew.gt, np.greater_equal: ew.ge, np.logical_not: ew.logical_not,
    np.logical_and: ew._logical_and, np.logical_or: ew._logical_or,
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    fn = _UFUNCS.get(ufunc)
    if method != "__call__" or fn is None or kwargs:
        # Anything else: compute on the arrays (no gradient), as NumPy would on __array__.
        arrays = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
        result = getattr(ufunc, method)(*arrays, **kwargs)
        return Tensor._wrap(np.asarray(result)) if isinstance(result, (np.ndarray, np.generic)) else result
    return fn(*inputs)


_ARRAY_FUNCTIONS = {
    np.where: lambda cond, x, y: where(_arg(cond), _arg(x), _arg(y)),
    np.broadcast_to: lambda x, shape_: shape.expand(x, shape_),
    np.flip: lambda x, axis=None: shape.flip(x, axis),
}


def _array_function(self, func, types, args, kwargs):
    fn = _ARRAY_FUNCTIONS.get(func)
    if fn is not None:
        return fn(*args, **kwargs)
    arrays = [a.numpy() if isinstance(a, Tensor) else a for a in args]
    return func(*arrays, **kwargs)


# PyTorch's argument parser takes ``axis=`` wherever a native function has ``dim`` (NumPy's
# name for it); its functions written in Python (these) do not.
_NO_AXIS_ALIAS = {"norm", "split", "unique"}


def accepts_axis(name, fn):
    """Whether ``fn`` (bound as ``name``) should take ``axis=`` as the alias of its ``dim``:
    it has a ``dim`` parameter, no ``axis`` of its own, and PyTorch's twin takes one."""
    if name in _NO_AXIS_ALIAS or not callable(fn):
        return False
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "dim" in params and "axis" not in params


def axis_alias(fn):
    """``fn`` taking ``axis=`` as another name of ``dim=``."""
    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}() got multiple values for argument 'dim'")
            kwargs["dim"] = kwargs.pop("axis")
        return fn(*args, **kwargs)
    return with_axis


def add_axis_aliases(namespace):
    """Give the functions in ``namespace`` (``ember``'s) that have a ``dim`` ``axis=`` too."""
    for name, fn in list(namespace.items()):
        if inspect.isfunction(fn) and accepts_axis(name, fn):
            namespace[name] = axis_alias(fn)


def bind():
    for name, fn in _METHODS.items():
        setattr(Tensor, name, axis_alias(fn) if accepts_axis(name, fn) else fn)
    Tensor.__array_ufunc__ = _array_ufunc
    Tensor.__array_function__ = _array_function
    Tensor.__hash__ = lambda self: id(self)
