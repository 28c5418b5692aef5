"""Elementwise operations: arithmetic with PyTorch's type promotion, and the math functions.

Every backward here is written with operators and NumPy ufuncs only, which work the same on
arrays (ordinary backward) and on Tensors (``create_graph=True``, where ufuncs dispatch to
these very ops), so higher derivatives need no extra code.
"""
import math
import operator

import numpy as np

from .. import _dtype, _numba, _threads
from ..autograd.function import Function
from ..autograd.grad_mode import _enabled as _grad_enabled
from ..tensor import Tensor, _new, _untracked, check_view_use
from ._layout import follow
from ._quiet import quiet

result_type = _dtype.result_type


def _operands(a, b, floating=False):
    """Cast array operands to the promoted dtype (Python numbers stay weak, as in NumPy 2).

    ``floating``: the op always gives a float (true division), so integers promote to the
    default float dtype, as in PyTorch.
    """
    if type(a) is np.ndarray:
        # Fast paths: same dtypes, or a float tensor with a Python number (NumPy 2 keeps
        # the tensor's dtype there, as PyTorch does).
        tb = type(b)
        if tb is np.ndarray:
            if a.dtype == b.dtype and (not floating or a.dtype.kind == "f"):
                return a, b
        elif (tb is float or tb is int) and a.dtype.kind == "f":
            return a, b
    elif (type(a) is float or type(a) is int) and type(b) is np.ndarray and b.dtype.kind == "f":
        return a, b  # a Python number with a float tensor (``lr * p.grad``)
    dt = result_type(a, b)
    if floating and dt.kind != "f":
        dt = _dtype.default_float()
    if isinstance(a, np.ndarray) and a.dtype != dt:
        a = a.astype(dt)
    elif isinstance(a, np.generic):
        a = np.asarray(a, dtype=dt)
    if isinstance(b, np.ndarray) and b.dtype != dt:
        b = b.astype(dt)
    elif isinstance(b, np.generic):
        b = np.asarray(b, dtype=dt)
    if dt.kind in "iu":
        # A Python int outside the dtype's range wraps around in PyTorch (uint8 - 3);
        # NumPy 2 refuses it, so convert it with C casting first.
        if type(a) is int and not _fits(a, dt):
            a = np.array(a).astype(dt)
        if type(b) is int and not _fits(b, dt):
            b = np.array(b).astype(dt)
    return a, b


def _int_scalar(v, dt):
    """A Python int operand of an integer op as PyTorch converts it: refused when it
    overflows the dtype (an unsigned one also takes -max..-1, wrapping: uint8 -3 is 253)."""
    if type(v) is not int or dt.kind not in "iu":
        return v
    info = np.iinfo(dt)
    if v > info.max or v < (-info.max if dt.kind == "u" else info.min):
        raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    return np.array(v).astype(dt)


def _fits(value, dt):
    info = np.iinfo(dt)
    return info.min <= value <= info.max


def _unwrap(x):
    return x._data if isinstance(x, Tensor) else x


def _broadcast_error(a, b):
    sa, sb = np.shape(a), np.shape(b)
    for i in range(1, min(len(sa), len(sb)) + 1):
        if sa[-i] != sb[-i] and sa[-i] != 1 and sb[-i] != 1:
            return RuntimeError(
                f"The size of tensor a ({sa[-i]}) must match the size of tensor b ({sb[-i]}) "
                f"at non-singleton dimension {max(len(sa), len(sb)) - i}")
    return None


def write_error(out, other):
    """PyTorch's error for an in-place write of ``other`` (an array or a number) into the
    array ``out``, where the shapes do not fit: its broadcast error, or where they
    broadcast to a shape other than ``out``'s, that one."""
    return _broadcast_error(out, other) or RuntimeError(
        f"output with shape {list(out.shape)} doesn't match the broadcast shape "
        f"{list(np.broadcast_shapes(out.shape, np.shape(other)))}")


def where_array(cond, a, b):
    """``np.where`` with PyTorch's words (and class) for operands that do not broadcast."""
    try:
        return np.where(cond, a, b)
    except ValueError:
        for x, y in ((cond, a), (cond, b), (a, b)):
            err = _broadcast_error(x, y)
            if err is not None:
                raise err from None
        raise


def _binary_forward(ufunc, a, b, floating=False):
    return _call(ufunc, *_operands(a, b, floating))


def _call(ufunc, a, b):
    """``ufunc(a, b)`` on promoted operands, with PyTorch's words for a broadcast error."""
    try:
        return ufunc(a, b)
    except ValueError:
        err = _broadcast_error(a, b)
        if err is None:
            raise
        raise err from None


# ----- arithmetic ----------------------------------------------------------------------
def _harmless_divisor(b):
    """Whether dividing by ``b`` cannot divide by zero or make 0/0, inf/inf (a finite
    nonzero Python number), so the ``quiet()`` guard, which costs as much as a small
    division itself, can be skipped."""
    return (type(b) is int and b != 0) or (type(b) is float and b != 0 and math.isfinite(b))


# Operands of this many bytes or more take _result's way (a fresh result, its rows shared
# among threads once it is large enough: _threads.exact_ufunc); below, its check costs
# more than it could save.
_LARGE = 1 << 20


def _result(ufunc, a, b):
    """``ufunc(a, b)`` for float operands of one dtype (arrays or Python numbers), one of
    them large (callers check, so that small operands pay nothing for this), through
    ``_threads.exact_ufunc``."""
    if type(ufunc) is not np.ufunc:  # Pow's: not a ufunc, and it takes no out=
        return ufunc(a, b)
    big = a if type(a) is np.ndarray else b
    if type(b) is np.ndarray and b.shape != big.shape:  # (big is a then)
        shape = np.broadcast_shapes(a.shape, b.shape)
    else:
        shape = big.shape
    return _threads.exact_ufunc(ufunc, a, b, np.empty(shape, big.dtype))


def _times(g, v):
    """``g * v`` in a backward, ``g`` a large array (the tiny steps' products skip even
    ``_large``'s checks)."""
    return _large(np.multiply, g, v)


def _large(ufunc, x, y):
    """``ufunc(x, y)`` in a backward: through ``_result`` where a float operand is a large
    array and the other a Python number or an array of its dtype, else as NumPy computes
    it (under create_graph, Tensors: the ufunc dispatches to ember's op)."""
    tx, ty = type(x), type(y)
    if tx is np.ndarray:
        if x.dtype.kind == "f" and (
                (ty is np.ndarray and y.dtype is x.dtype and (x.nbytes >= _LARGE or
                                                              y.nbytes >= _LARGE))
                or ((ty is float or ty is int) and x.nbytes >= _LARGE)):
            return _result(ufunc, x, y)
    elif (tx is float or tx is int) and ty is np.ndarray and y.dtype.kind == "f" \
            and y.nbytes >= _LARGE:
        return _result(ufunc, x, y)
    return ufunc(x, y)


class _Arithmetic(Function):
    """``+ - * /`` and ``** number``. Besides ``apply`` each has ``operate``, the operators'
    way in: most of the book's arithmetic is a float tensor with a tensor of its dtype or a
    Python number, often on a handful of elements, where the general path's layers
    (argument unwrapping, promotion, ``_link_saved``) cost several times the arithmetic.
    ``operate`` does that case in one flat frame and leaves anything else to ``apply``,
    which also raises the errors; both leave the same graph node behind."""

    ufunc = None
    # Mul, Div and Pow save their operands, each only when a wanted gradient needs it, as
    # PyTorch does: a when y needs a gradient (or always, keeps_a), b when x does (keeps_b).
    saves_operands = keeps_a = keeps_b = False
    guarded = False  # the ufunc may warn (Div): run it quietly unless the divisor is harmless
    layout = "operands"
    number_operands = True  # (PyTorch wraps ``a + 1``'s number)

    def save_operands(self, a, b):
        """``forward``'s half of the saving rule above (``operate`` inlines it)."""
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(a if need_b or self.keeps_a else None,
                               b if need_a or self.keeps_b else None)

    @classmethod
    def operate(cls, x, y):
        """``x <op> y`` for Tensors and Python numbers, at least one a Tensor."""
        if type(x) is float or type(x) is int:
            a, b, xg, yg = x, y._data, False, y._requires_grad
            fast = b.dtype.kind == "f"
            large = b.nbytes >= _LARGE
            array = b  # the one array operand (None: both are)
        elif type(y) is float or type(y) is int:
            a, b, xg, yg = x._data, y, x._requires_grad, False
            fast = a.dtype.kind == "f"
            large = a.nbytes >= _LARGE
            array = a
        else:
            a, b, xg, yg = x._data, y._data, x._requires_grad, y._requires_grad
            fast = a.dtype is b.dtype and a.dtype.kind == "f"
            large = a.nbytes >= _LARGE or b.nbytes >= _LARGE  # (gamma * X_hat: the second)
            array = None
        if not fast:
            return cls.apply(x, y)
        try:
            if cls.guarded and not _harmless_divisor(b):
                with quiet():
                    out = _result(cls.ufunc, a, b) if large else cls.ufunc(a, b)
            else:
                out = _result(cls.ufunc, a, b) if large else cls.ufunc(a, b)
        except ValueError:  # shapes that do not broadcast: apply says so in PyTorch's words
            return cls.apply(x, y)
        if type(out) is not np.ndarray:
            out = np.asarray(out)  # 0-d operands give a NumPy scalar
        elif out.ndim > 1 and not (array.flags.c_contiguous if array is not None else
                                   a.flags.c_contiguous and b.flags.c_contiguous):
            out = follow(out, (a, b), cls.number_operands)  # (else C order, as PyTorch's)
        if (xg or yg) and _grad_enabled[0]:
            if xg and x._made_at is not None:  # (tensor.check_view_use)
                check_view_use(x)
            if yg and y._made_at is not None:
                check_view_use(y)
            node = cls()
            # the inputs' edges, autograd.function.edge inline (a view made before its base
            # required grad has none, and nothing is saved for it)
            ex = (x.grad_fn or (x if not x._grad_of_base else None)) if xg else None
            ey = (y.grad_fn or (y if not y._grad_of_base else None)) if yg else None
            xg, yg = ex is not None, ey is not None
            node.needs_input_grad = (xg, yg)
            node.inputs = (ex, ey)
            if cls.saves_operands:  # what save_operands and apply's _link_saved would do
                keep_a = yg or cls.keeps_a
                keep_b = xg or cls.keeps_b
                node._saved = (a if keep_a else None, b if keep_b else None)
                ref_a = x if keep_a and a is not x else None  # a number is saved as itself
                ref_b = y if keep_b and b is not y else None
                node._saved_refs = (ref_a, ref_b)
                node._saved_versions = (
                    ((0, ref_a._vc, ref_a._vc[0]),) if ref_a is not None else ()) + (
                    ((1, ref_b._vc, ref_b._vc[0]),) if ref_b is not None else ())
                fn_a = ref_a is not None and ref_a.grad_fn is not None
                if fn_a or (ref_b is not None and ref_b.grad_fn is not None):
                    node._saved_nonleaf = tuple(
                        r for r in (ref_a, ref_b) if r is not None and r.grad_fn is not None)
            return _new(Tensor, out, True, node)
        return _new(Tensor, out, False, None)


class Add(_Arithmetic):
    ufunc = np.add

    @staticmethod
    def forward(ctx, a, b):
        return _binary_forward(np.add, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


def check_bool_subtraction(a, b):
    """PyTorch refuses ``-`` with a bool operand (a bool tensor or a Python bool)."""
    a_bool, b_bool = np.asarray(a).dtype == np.bool_, np.asarray(b).dtype == np.bool_
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator "
            "instead.")


def check_integer_addcdiv(tensor1, tensor2):
    """PyTorch refuses addcdiv of two integer or bool tensors (it once divided them as
    integers), before any other check of the operands."""
    if all(np.result_type(x._data if isinstance(x, Tensor) else x).kind in "iub"
           for x in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")


class Sub(_Arithmetic):
    ufunc = np.subtract

    @staticmethod
    def forward(ctx, a, b):
        check_bool_subtraction(a, b)
        return _binary_forward(np.subtract, a, b)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(_Arithmetic):
    ufunc = np.multiply
    saves_operands = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b)
        ctx.save_operands(a, b)
        try:
            return np.multiply(a, b)
        except ValueError:
            raise _broadcast_error(a, b) or ValueError from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        times = _times if type(g) is np.ndarray and g.nbytes >= _LARGE else operator.mul
        if a is b and need_a and need_b:  # x * x: both gradients are g * x, computed once
            ga = times(g, a)
            return ga, ga
        return (times(g, b) if need_a else None), (times(g, a) if need_b else None)


class Div(_Arithmetic):
    ufunc = np.true_divide
    saves_operands = keeps_b = guarded = True  # both gradients divide by b

    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b, floating=True)
        ctx.save_operands(a, b)
        if _harmless_divisor(b):
            return np.true_divide(a, b)
        with quiet():
            try:
                return np.true_divide(a, b)
            except ValueError:
                raise _broadcast_error(a, b) or ValueError from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = _large(np.true_divide, g, b) if need_a else None
        gb = _large(np.true_divide, _large(np.multiply, -g, a), b * b) if need_b else None
        return ga, gb


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


def _power(a, exponent):
    """``a ** exponent`` for a float array and a Python number. PyTorch computes ``** 0.5``
    as sqrt and ``** -0.5`` as rsqrt, so -0.0 and -inf go as there: (-0.0) ** -0.5 is -inf,
    (-inf) ** 0.5 is nan (C's pow gives inf and +0.0)."""
    if exponent == 2:
        return np.square(a)  # the book's squared loss; squaring needs no quiet() guard
    with quiet():
        if exponent == 0.5:
            return np.sqrt(a)
        if exponent == -0.5:
            root = np.sqrt(a)  # (a NumPy scalar for a 0-d operand: no out=)
            return np.divide(1, root, out=root) if isinstance(root, np.ndarray) else 1 / root
        return np.power(a, exponent)


class Pow(_Arithmetic):
    """``a ** b`` for a tensor and a Python number exponent (PowBackward0); the ``**``
    operator takes ``operate`` with the exponent as the second operand."""

    ufunc = staticmethod(_power)
    saves_operands = keeps_a = keeps_b = True  # (a, exponent): only a has a gradient
    number_operands = False  # PyTorch's pow(Tensor, Scalar) keeps the exponent aside

    @staticmethod
    def forward(ctx, a, exponent):
        if isinstance(exponent, np.generic):  # a NumPy scalar acts as the Python number
            exponent = exponent.item()
        if a.dtype.kind == "f":  # a float tensor keeps its dtype: no promotion rules
            ctx.save_operands(a, exponent)
            return _power(a, exponent)
        a, _ = _operands(a, exponent)
        ctx.save_operands(a, exponent)
        if a.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with quiet():
            return np.power(a, exponent).astype(a.dtype, copy=False)  # bool ** bool is bool

    @staticmethod
    def backward(ctx, g):
        a, e = ctx.saved_tensors
        # zero, also where g or a ** -1 is not finite (PyTorch's rule for an exponent 0;
        # False is no 0 to it: 0 ** False has the gradient nan)
        if e == 0 and type(e) is not bool:
            return zeros_of(g), None
        if e == 2:
            return g * (a + a), None  # 2a exactly, without NumPy's slower scalar operand
        with quiet():
            return g * e * (_power(a, e - 1) if isinstance(a, np.ndarray) else a ** (e - 1)), None


def _integer_power(a, b):
    """Integers to integer powers, negative ones included, as PyTorch computes them (NumPy
    refuses): 1 ** -n is 1, (-1) ** -n is 1 or -1 by parity, any other base gives 0."""
    nonneg = _call(np.power, a, np.maximum(b, 0))
    odd = np.remainder(b, 2) == 1
    negative = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(b >= 0, nonneg, negative).astype(nonneg.dtype, copy=False)


def _pow_arrays(a, b):
    """``a ** b`` with a tensor exponent: C's pow for every element, as PyTorch computes it
    (also under create_graph, where they are Tensors). NumPy takes sqrt for a single
    exponent 0.5, which differs from pow only at -0.0 and -inf (pow gives +0.0 and inf)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return a ** b
    out = _call(np.power, a, b)
    if np.size(b) == 1 and b == 0.5 and out.dtype.kind == "f":
        out = np.array(out)  # a 0-d result comes as a NumPy scalar
        np.copyto(out, np.abs(a), where=(a == 0) | (a == -np.inf))
    return out


class PowTensor(Function):
    """``a ** b`` with a tensor exponent (PowBackward1)."""

    backward_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.bool_exponent = np.result_type(b) == np.bool_  # before promotion
        a, b = _operands(a, b)
        if np.result_type(a, b) == np.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')
        with quiet():
            if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) < 0):
                out = _integer_power(a, b)
            else:
                out = _pow_arrays(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # PyTorch's rule at the singular points: d/da is 0 where b == 0 (0 ** -1 is inf),
        # even for a gradient of nan; d/db = a ** b log a is 0 where a == 0 and b >= 0,
        # times the gradient (nan stays nan)
        if need_a and ctx.bool_exponent:  # PyTorch's formula takes exponent - 1
            check_bool_subtraction(np.True_, 1)
        with quiet():
            ga = _where(b == 0, 0.0, g * b * _pow_arrays(a, b - 1)) if need_a else None
            gb = None
            if need_b:
                gb = g * _where((a == 0) & (b >= 0), 0.0, out * np.log(a))
        return ga, gb


class PowScalarBase(PowTensor):
    """``number ** tensor`` (PowBackward2): the number is made a 0-d tensor of the result's
    dtype. PyTorch's result is a fresh contiguous tensor whatever the exponent's layout
    (its pow(Scalar, Tensor) allocates the output before the power)."""

    backward_name = "PowBackward2"
    layout = "contiguous"


def _where(cond, x, y):
    """``where`` in a backward: NumPy's on arrays, the Where op under create_graph."""
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return Where.apply(cond, x, y)
    return np.where(cond, x, y)


def _check_integer_divisor(a, b):
    """PyTorch refuses an integer division (//, %, fmod) by zero, where NumPy gives 0, as
    its kernel meets the zero: an empty result divides nothing, and operands that do not
    broadcast are left to the op's own error (a nonempty result uses every element of b)."""
    if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) == 0):
        try:
            empty = 0 in np.broadcast_shapes(np.shape(a), np.shape(b))
        except ValueError:
            return
        if not empty:
            raise RuntimeError("ZeroDivisionError")


def _check_floor_divide(a, b):
    _check_integer_divisor(a, b)
    if np.result_type(a, b) == np.bool_:
        raise NotImplementedError('"div_floor_cpu" not implemented for \'Bool\'')


def _refuse_bool(a, b, kernel):
    """Both operands bool: PyTorch has no such kernel."""
    if np.asarray(a).dtype == np.bool_ and np.asarray(b).dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


class FloorDivide(Function):
    """``floor_divide`` and ``//``: PyTorch defines no derivative for them."""

    backward_name = "NotImplemented"
    raises_when_ready = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b)
        _check_floor_divide(a, b)
        with quiet():
            return _call(np.floor_divide, a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class DivFloor(FloorDivide):
    """``div(a, b, rounding_mode="floor")``: the same values, a zero gradient (zeros, also
    where g is nan or inf: PyTorch's zeros_like(grad))."""

    backward_name = "DivBackward2"
    raises_when_ready = False

    @staticmethod
    def forward(ctx, a, b):
        _save_divide_operands(ctx, a, b)
        return FloorDivide.forward(ctx, a, b)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # raises once freed or changed in place
        return tuple(zeros_of(g) if need else None for need in ctx.needs_input_grad[:2])


def _save_divide_operands(ctx, a, b):
    """What PyTorch's div with a rounding mode saves, although its gradient is zero: the
    divisor, and the dividend for the divisor's gradient (so the saved-tensor rules apply)."""
    if ctx.needs_input_grad[1]:
        ctx.save_for_backward(a, b)
    else:
        ctx.save_for_backward(b)


class DivTrunc(DivFloor):
    """``div(a, b, rounding_mode="trunc")``: the quotient ``q`` computed by the caller, and
    PyTorch's zero gradient for both operands."""

    @staticmethod
    def forward(ctx, a, b, q):
        _save_divide_operands(ctx, a, b)
        return q

    @staticmethod
    def backward(ctx, g):
        return DivFloor.backward(ctx, g) + (None,)


class Remainder(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.number_a = not isinstance(a, np.ndarray)  # PyTorch's remainder(Scalar, Tensor)
        ctx.raises_when_ready = ctx.number_a and ctx.needs_input_grad[1]  # NotImplemented
        a, b = _operands(a, b)
        _check_integer_divisor(a, b)
        if np.result_type(a, b) == np.bool_:
            raise NotImplementedError('"remainder_cpu" not implemented for \'Bool\'')
        if ctx.needs_input_grad[1]:  # only b's gradient reads them, as in PyTorch
            ctx.save_for_backward(a, b)
        with quiet():
            if np.result_type(a, b).kind != "f":
                return _call(np.remainder, a, b)
            # PyTorch's: fmod, moved by b where its sign differs from b's (the zeros keep
            # fmod's sign: -3 % -3 is -0.0, 0 % -2 is 0.0, where NumPy gives -0.0)
            m = _call(np.fmod, a, b)
            return np.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            if ctx.number_a:
                raise RuntimeError("derivative for aten::remainder is not implemented")
            a, b = ctx.saved_tensors
            # PyTorch's -g * div(a, b, rounding_mode="floor"): 1 // -inf is -1, where
            # floor(1 / -inf) is -0
            with quiet():
                q = np.floor_divide(a, b) if isinstance(a, np.ndarray) else DivFloor.apply(a, b)
            gb = -g * q
        return (g if need_a else None), gb


class Fmod(Function):
    """C's fmod: the remainder of the division truncated toward zero, with the dividend's
    sign (-3 fmod 3 is -0.0; x fmod inf is x)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b)
        _check_integer_divisor(a, b)
        _refuse_bool(a, b, "fmod_cpu")
        if ctx.needs_input_grad[1]:  # only b's gradient reads them, as in PyTorch
            ctx.save_for_backward(a, b)
        with quiet():
            return _call(np.fmod, a, b)

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            a, b = ctx.saved_tensors
            q = a / b
            gb = -g * (q.trunc() if isinstance(q, Tensor) else np.trunc(q))
        return (g if need_a else None), gb


# ----- unary math ------------------------------------------------------------------------
def _float_input(a):
    """Math functions of integer tensors give the default float dtype, as in PyTorch
    (callers check ``a.dtype.kind != "f"`` first: this is every math op's path)."""
    return a.astype(_dtype.default_float())


class _SlopeOfInput(Function):
    """A unary math function whose derivative is a function of its input: f'(a) = slope(a).

    Integer inputs give the default float dtype, as in PyTorch."""

    fn = slope = None

    @classmethod
    def operate(cls, x):
        """``f(x)`` for the functional API: when nothing is to be recorded (an optimizer's
        ``sqrt(s + eps)``), the NumPy function straight on a float tensor's array, without
        a graph node's bookkeeping; otherwise ``apply``."""
        a = x._data if isinstance(x, Tensor) else None
        if a is None or a.dtype.kind != "f" or (x._requires_grad and _grad_enabled[0]):
            return cls.apply(x)
        with quiet():
            out = cls.fn(a)
        return _untracked(out if a.flags.c_contiguous else follow(out, (a,)))

    @classmethod
    def forward(cls, ctx, a):
        if a.dtype.kind != "f":
            a = _float_input(a)
        ctx.save_for_backward(a)
        with quiet():
            return cls.fn(a)

    @classmethod
    def backward(cls, ctx, g):
        (a,) = ctx.saved_tensors
        with quiet():
            return _large(np.multiply, g, cls.slope(a))


class _SlopeOfOutput(_SlopeOfInput):
    """Same, for functions whose derivative is cheapest from their output: f'(a) = slope(f(a))."""

    @classmethod
    def forward(cls, ctx, a):
        if a.dtype.kind != "f":
            a = _float_input(a)
        with quiet():
            out = cls.fn(a)
        ctx.save_for_backward(out)
        return out


def _unary(name, base, fn, slope, backward_name=None):
    attrs = {"fn": staticmethod(fn), "slope": staticmethod(slope)}
    if backward_name:
        attrs["backward_name"] = backward_name
    return type(name, (base,), attrs)


_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))

Exp = _unary("Exp", _SlopeOfOutput, np.exp, lambda out: out)
Exp2 = _unary("Exp2", _SlopeOfOutput, np.exp2, lambda out: out * _LN2)  # (saves its result)
Expm1 = _unary("Expm1", _SlopeOfOutput, np.expm1, lambda out: out + 1)
Log = _unary("Log", _SlopeOfInput, np.log, lambda a: 1 / a)
Log2 = _unary("Log2", _SlopeOfInput, np.log2, lambda a: 1 / (a * _LN2))
Log10 = _unary("Log10", _SlopeOfInput, np.log10, lambda a: 1 / (a * _LN10))
Log1p = _unary("Log1p", _SlopeOfInput, np.log1p, lambda a: 1 / (a + 1))
Sqrt = _unary("Sqrt", _SlopeOfOutput, np.sqrt, lambda out: 0.5 / out)
Rsqrt = _unary("Rsqrt", _SlopeOfOutput, lambda a: 1 / np.sqrt(a),
               lambda out: -0.5 * out * out * out)
Reciprocal = _unary("Reciprocal", _SlopeOfOutput, lambda a: 1 / a, lambda out: -out * out)
Sin = _unary("Sin", _SlopeOfInput, np.sin, np.cos)
Cos = _unary("Cos", _SlopeOfInput, np.cos, lambda a: -np.sin(a))
Tan = _unary("Tan", _SlopeOfOutput, np.tan, lambda out: 1 + out * out)
Tanh = _unary("Tanh", _SlopeOfOutput, np.tanh, lambda out: 1 - out * out)
Sinh = _unary("Sinh", _SlopeOfInput, np.sinh, np.cosh)
Cosh = _unary("Cosh", _SlopeOfInput, np.cosh, np.sinh)
Arctan = _unary("Arctan", _SlopeOfInput, np.arctan, lambda a: 1 / (1 + a * a), "AtanBackward0")


class Square(Function):
    backward_name = "PowBackward0"  # PyTorch computes square as pow(x, 2)

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        if a.dtype == np.bool_:
            return np.square(a.astype(np.int64))  # pow(bool, 2) promotes to int64
        return np.square(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * 2 * a


class Abs(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            s = np.sign(a)  # PyTorch's sign(nan) is 0: an abs of nan passes no gradient
            return g * np.where(s == s, s, 0)
        return g * np.sign(a)


class Sign(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            return a.copy()
        out = np.asarray(np.sign(a))
        if a.dtype.kind == "f":
            out[np.isnan(a)] = 0  # PyTorch's sign(nan) is 0
        return out

    @staticmethod
    def backward(ctx, g):
        return zeros_of(g)  # also where g is nan or inf, as PyTorch's zeros_like(grad)


# Sigmoid over this many elements or more shares them among threads: exp is compute-bound,
# so a second core pays from smaller sizes than in a memory-bound pass (_threads.PASS_SPLIT).
# Measured on 2 idle cores, float32, one thread / split: 2**18 elements 193 / 213 us,
# 2**19 457 / 310, 256x6x24x24 (LeNet's, 0.9M) 904 / 509, 2**21 2270 / 1065.
_SIGMOID_SPLIT = 1 << 19


def _sigmoid_array(a, out=None):
    """1 / (1 + exp(-a)) as PyTorch evaluates it: for very negative a, exp overflows to inf
    and the result is exactly 0 (PyTorch prints 0.0000e+00 there, not a subnormal). Each
    element is computed alike whoever computes it, so a large ``a`` is shared among
    threads (the same bits for any thread count)."""
    if a.size >= _SIGMOID_SPLIT and a.dtype.kind == "f" and a.flags.c_contiguous and (
            out is None or (out.dtype == a.dtype and out.shape == a.shape
                            and out.flags.c_contiguous)):
        out = np.empty_like(a) if out is None else out
        flat_a, flat_out = a.reshape(-1), out.reshape(-1)
        _threads.run_split(lambda i, j: _sigmoid_into(flat_a[i:j], flat_out[i:j]), a.size,
                           _threads.get_num_threads())
        return out
    with quiet():
        e = np.exp(-a)
    e += 1
    return np.divide(1, e, out=out)


def _sigmoid_into(a, out):
    """``_sigmoid_array(a)`` written into ``out`` (which may be ``a``), the same steps."""
    with quiet():
        np.negative(a, out=out)
        np.exp(out, out=out)
    out += 1
    np.divide(1, out, out=out)


Sigmoid = _unary("Sigmoid", _SlopeOfOutput, _sigmoid_array,
                 lambda out: _large(np.multiply, out, _large(np.subtract, 1, out)))


def _relu_kernels(out, g):
    """The compiled ReLU backward for the arrays it serves (the same float dtype and shape,
    both C-contiguous, big enough for the call to pay), else None: the NumPy path."""
    if out.dtype != g.dtype or out.dtype not in (np.float32, np.float64) or out.shape != g.shape \
            or out.size < 4096 or not (out.flags.c_contiguous and g.flags.c_contiguous):
        return None
    return _numba.kernels("activation")


def zeros_of(g):
    """Zeros shaped and typed like the gradient ``g`` (an array, or under create_graph a
    Tensor that is a constant, as PyTorch's zeros_like(grad))."""
    if isinstance(g, np.ndarray):
        return np.zeros_like(g)
    return Tensor._wrap(np.zeros_like(g._data))


class Relu(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        # -0.0 stays -0.0, as in PyTorch: NumPy returns the second of equals
        if a.size >= _threads.PASS_SPLIT and a.flags.c_contiguous:
            # (a memory-bound pass: its elements shared among threads, _threads.split_pass)
            out = np.empty_like(a)
            flat_a, flat_out = a.reshape(-1), out.reshape(-1)
            _threads.split_pass(lambda i, j: np.maximum(0, flat_a[i:j], out=flat_out[i:j]),
                                a.size, a.size)
        else:
            out = np.maximum(0, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if isinstance(g, np.ndarray):  # 0 where out <= 0, even for an infinite g
            k = _relu_kernels(out, g)
            if k is not None:
                gx = np.empty_like(g)
                flat_out, flat_g, flat_gx = out.ravel(), g.ravel(), gx.ravel()
                _threads.split_pass(
                    lambda i, j: k.relu_backward(flat_out[i:j], flat_g[i:j], flat_gx[i:j]),
                    g.size, g.size)
                return gx
            return np.where(out <= 0, 0, g).astype(g.dtype, copy=False)
        # PyTorch passes the gradient through a nan, and gives 0 where out <= 0 also for an
        # infinite g (a where, not a product with 0); its threshold_backward reads the
        # result, so under create_graph the gradient requires grad with it
        return Reads.apply(_where(out <= 0, 0.0, g), out)


class Reads(Function):
    """``value`` itself, recorded as an op that also reads ``others`` (with a zero
    derivative in them). A backward written with operators that PyTorch computes as one op
    of the gradient and the forward's input or result (threshold_backward,
    nll_loss_backward) goes through it, so that under create_graph its result requires grad
    when they do, and differentiating it again gives them zeros, as in PyTorch."""

    @staticmethod
    def forward(ctx, value, *others):
        ctx.others = [(o.shape, o.dtype) for o in others]
        return value.copy()

    @staticmethod
    def backward(ctx, g):
        return (g,) + tuple(Tensor._wrap(np.zeros(shape, dtype)) if isinstance(g, Tensor)
                            else np.zeros(shape, dtype) for shape, dtype in ctx.others)


def alpha_times(input, other, alpha, subtracting=False):
    """``alpha * other`` for ``add``/``sub(input, other, alpha=...)`` with PyTorch's rules:
    alpha takes no part in the result's dtype (an int tensor plus 0.0 with alpha=2 is
    float32), is a truth value for bool results, and must not be a float for integers."""
    dt = result_type(_unwrap(input), _unwrap(other))
    if type(alpha) is bool and dt != np.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if dt.kind in "iub" and isinstance(alpha, float):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number.")
    if alpha == 1:
        return other
    if dt == np.bool_:
        alpha = bool(alpha)
    factor = subtrahend_factor(alpha, dt) if subtracting else alpha
    if not isinstance(other, Tensor):
        if dt == np.bool_:
            return other and alpha
        if dt.kind == "f":  # multiplied in floating point, as PyTorch: 0 * -1 is -0.0
            other = float(other)
        return other * factor
    if other._data.dtype != dt:
        other = Cast.apply(other, dt)
    return AlphaTimes.apply(other, alpha, factor)


def subtrahend_factor(alpha, dtype):
    """The number ``sub(input, other, alpha=alpha)`` multiplies ``other`` by before
    subtracting. PyTorch adds ``other * (-alpha)``, negating alpha as a number first, and
    the integer 0 negates to +0: for a float result ``input - other * -0.0`` is that sum
    (it keeps a -0.0 input's sign, where ``input - other * 0`` would not); every other
    alpha is its own factor (x - y * a equals x + y * -a in IEEE arithmetic)."""
    if type(alpha) is int and alpha == 0 and np.dtype(dtype).kind in "fc":
        return -0.0
    return alpha


class AlphaTimes(Function):
    """``other * alpha`` inside add/sub: PyTorch's one node keeps alpha as a number, not as
    a saved tensor (as Mul saves a number operand), so a second backward is no error. The
    forward multiplies by ``factor`` (subtrahend_factor's for sub), the backward by alpha,
    as PyTorch's gradient ``-grad * alpha`` does."""

    @staticmethod
    def forward(ctx, other, alpha, factor):
        ctx.alpha = alpha
        return np.multiply(other, factor)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.alpha, None, None


class Lerp(Function):
    """``lerp(a, b, weight)`` with a number weight: PyTorch's one node keeps the weight as a
    number and saves no tensor, so a second backward is no error (the composed form's Mul
    saved its operand)."""

    @staticmethod
    def forward(ctx, a, b, weight):
        ctx.weight = weight
        diff = _call(np.subtract, b, a)
        if abs(weight) < 0.5:  # PyTorch's two forms: exact at weight 0 and at weight 1
            return a + weight * diff
        return b - diff * (1 - weight)

    @staticmethod
    def backward(ctx, g):
        return g * (1 - ctx.weight), g * ctx.weight, None


class Clamp(Function):
    """``clamp(a, min, max)`` with numbers or tensors as bounds (None: unbounded)."""

    backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, lo, hi):
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        # PyTorch promotes the bounds with the input (an int tensor clamped at 0.5 is float)
        dt = result_type(*[x for x in (a, lo, hi) if x is not None])
        if dt == np.bool_ and not all(x is None or isinstance(x, np.ndarray) for x in (lo, hi)):
            which = "clamp" if lo is not None and hi is not None else (
                "clamp_min" if lo is not None else "clamp_max")
            raise NotImplementedError(f'"{which}_scalar_cpu" not implemented for \'Bool\'')
        lo, hi = (_int_scalar(x, dt) for x in (lo, hi))
        a, lo, hi = (x.astype(dt, copy=False) if isinstance(x, np.ndarray) else x
                     for x in (a, lo, hi))
        ctx.save_for_backward(a, lo, hi)
        # bounds first: NumPy returns the second of equals, and PyTorch keeps the input
        # where it equals a bound (clamp(-0.0, min=0) is -0.0)
        out = a
        if lo is not None:
            out = np.maximum(lo, out)
        if hi is not None:
            out = np.minimum(hi, out)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        # PyTorch's rule, also where lo > hi (the result is hi there): the input's gradient
        # where lo <= a <= hi; lo's where a < lo < hi; hi's where a > hi or hi < lo.
        # Each gradient is g or exactly 0 (also where g is inf or nan), as PyTorch's where.
        a, lo, hi = ctx.saved_tensors
        inside = (a >= lo) if lo is not None else None
        if hi is not None:
            inside = (a <= hi) if inside is None else inside & (a <= hi)
        need_lo, need_hi = ctx.needs_input_grad[1:]
        g_lo = g_hi = None
        if need_lo:
            g_lo = _where((a < lo) if hi is None else (a < lo) & (lo < hi), g, 0.0)
        if need_hi:
            g_hi = _where((a > hi) if lo is None else (a > hi) | (hi < lo), g, 0.0)
        return _where(inside, g, 0.0), g_lo, g_hi


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b)
        ctx.save_for_backward(a, b)
        return _call(np.maximum, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _extremum_grads(ctx, g, a < b, a > b, a == b)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b = _operands(a, b)
        ctx.save_for_backward(a, b)
        return _call(np.minimum, a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _extremum_grads(ctx, g, a > b, a < b, a == b)


def _extremum_grads(ctx, g, a_loses, b_loses, tie):
    """maximum/minimum's gradients, PyTorch's formula: a tie splits the gradient evenly,
    the loser gets zero (also for an infinite g), and beside a nan both get it whole."""
    if isinstance(tie, Tensor):  # create_graph: the comparisons are constants
        a_loses, b_loses, tie = a_loses._data, b_loses._data, tie._data
    half = _where(tie, g / 2, g)
    need_a, need_b = ctx.needs_input_grad
    return (_where(a_loses, 0.0, half) if need_a else None,
            _where(b_loses, 0.0, half) if need_b else None)


class Fmax(Function):
    """fmax: the larger operand, or the other one where one is nan; ``a`` at a tie (PyTorch
    keeps a's -0.0 against b's 0.0, at every size; NumPy's fmax may give either)."""
    @staticmethod
    def forward(ctx, a, b):
        return _nan_ignoring_extremum(ctx, a, b, np.greater_equal)

    @staticmethod
    def backward(ctx, g):
        return _nan_ignoring_extremum_grads(ctx, g, np.greater_equal)


class Fmin(Function):
    """fmin: the smaller operand, or the other one where one is nan; ``a`` at a tie."""
    @staticmethod
    def forward(ctx, a, b):
        return _nan_ignoring_extremum(ctx, a, b, np.less_equal)

    @staticmethod
    def backward(ctx, g):
        return _nan_ignoring_extremum_grads(ctx, g, np.less_equal)


def _nan_ignoring_extremum(ctx, a, b, keeps_a):
    """fmax/fmin's forward: ``a`` where ``keeps_a(a, b)`` or ``b`` is nan, else ``b``."""
    a, b = _operands(a, b)
    ctx.save_for_backward(a, b)
    return where_array(_call(keeps_a, a, b) | (b != b), a, b)


def _nan_ignoring_extremum_grads(ctx, g, keeps_a):
    """fmax/fmin's gradients, PyTorch's formula: whole to ``a`` where it wins, ties and a
    nan ``b`` included, else whole to ``b`` (no even split at a tie, unlike maximum)."""
    a, b = ctx.saved_tensors
    a_wins = keeps_a(a, b) | (b != b)
    if isinstance(a_wins, Tensor):  # create_graph: the comparison is a constant
        a_wins = a_wins._data
    need_a, need_b = ctx.needs_input_grad
    return (_where(a_wins, g, 0.0) if need_a else None,
            _where(a_wins, 0.0, g) if need_b else None)


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        if cond.dtype != np.bool_:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_dtype.from_numpy(cond.dtype).name}")
        a, b = _operands(a, b)
        ctx.save_for_backward(cond)
        out = where_array(cond, a, b)
        if type(a) is not np.ndarray and type(b) is not np.ndarray:  # two Python numbers:
            return out.astype(result_type(a, b), copy=False)  # NumPy's float64 is float32
        return out

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors  # exactly 0 where not taken, even where g is inf or nan
        need_a, need_b = ctx.needs_input_grad[1:]
        return (None,
                _where(cond, g, 0.0) if need_a else None,
                _where(cond, 0.0, g) if need_b else None)


Erf = _unary("Erf", _SlopeOfInput, lambda a: erf_array(a),
             lambda a: (2 / np.sqrt(np.pi)) * np.exp(-a * a))


def erf_array(x):
    """The error function, elementwise (SciPy's when installed, else the math module's)."""
    x = np.asarray(x)
    # both return a Python or NumPy scalar for a 0-d input: asarray makes it an array again
    values = _scipy_erf(x) if _scipy_erf is not None else _math_erf(x)
    return np.asarray(values, dtype=x.dtype)


try:
    from scipy.special import erf as _scipy_erf
except ImportError:  # SciPy is optional: fall back to math.erf element by element
    _scipy_erf = None
_math_erf = np.frompyfunc(__import__("math").erf, 1, 1)


# ----- non-differentiable elementwise results ----------------------------------------------
def _no_grad_op(ufunc, floating=False):
    def op(a, b=None):
        operands = (_unwrap(a),) if b is None else (_unwrap(a), _unwrap(b))
        if b is None:
            out = np.asarray(ufunc(operands[0]))
        else:
            out = np.asarray(_binary_forward(ufunc, *operands, floating))
        return Tensor._wrap(follow(out, operands, True) if out.ndim > 1 else out)
    return op


eq = _no_grad_op(np.equal)
ne = _no_grad_op(np.not_equal)
lt = _no_grad_op(np.less)
le = _no_grad_op(np.less_equal)
gt = _no_grad_op(np.greater)
ge = _no_grad_op(np.greater_equal)
# The operators (``mask & True``) take numbers; the functions, as PyTorch's, only tensors.
_logical_and = _no_grad_op(np.logical_and)
_logical_or = _no_grad_op(np.logical_or)
_logical_xor = _no_grad_op(np.logical_xor)


def _tensor_other(op, name):
    def fn(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                            f"{type(other).__name__}")
        return op(input, other)
    fn.__name__ = name
    return fn


logical_and = _tensor_other(_logical_and, "logical_and")
logical_or = _tensor_other(_logical_or, "logical_or")
logical_xor = _tensor_other(_logical_xor, "logical_xor")
logical_not = _no_grad_op(np.logical_not)
isnan = _no_grad_op(np.isnan)
isinf = _no_grad_op(np.isinf)
isfinite = _no_grad_op(np.isfinite)


def _int_op(ufunc, name):
    def op(a, b=None):
        if b is not None and _grad_enabled[0]:  # PyTorch's binary ones look at a view first
            for t in (a, b):
                if isinstance(t, Tensor) and t._requires_grad and t._made_at is not None:
                    check_view_use(t)
        arrays = [_unwrap(a)] if b is None else [_unwrap(a), _unwrap(b)]
        for x in arrays:
            if (isinstance(x, np.ndarray) and x.dtype.kind == "f") or isinstance(x, float):
                if b is None:
                    raise TypeError("~ (operator.invert) is only implemented on integer and "
                                    "Boolean-type tensors")
                raise NotImplementedError(f'"{name}" not implemented for \'Float\'')
        out = np.asarray(ufunc(arrays[0]) if b is None else _binary_forward(ufunc, *arrays))
        return Tensor._wrap(follow(out, arrays, True) if out.ndim > 1 else out)
    return op


bitwise_and = _int_op(np.bitwise_and, "bitwise_and_cpu")
bitwise_or = _int_op(np.bitwise_or, "bitwise_or_cpu")
bitwise_xor = _int_op(np.bitwise_xor, "bitwise_xor_cpu")
bitwise_not = _int_op(np.invert, "bitwise_not_cpu")


class _Rounding(Function):
    """floor/ceil/round/trunc: piecewise constant, so the gradient is zero."""

    ufunc = None

    @classmethod
    def forward(cls, ctx, a):
        if a.dtype == np.bool_:
            raise NotImplementedError(f'"{cls.__name__.lower()}_vml_cpu" not implemented for '
                                      "'Bool'")
        return cls.ufunc(a) if a.dtype.kind == "f" else a.copy()

    @staticmethod
    def backward(ctx, g):
        return zeros_of(g)  # also where g is nan or inf, as PyTorch's zeros_like(grad)


class Floor(_Rounding):
    ufunc = staticmethod(np.floor)


class Ceil(_Rounding):
    ufunc = staticmethod(np.ceil)


class Trunc(_Rounding):
    ufunc = staticmethod(np.trunc)


class Round(Function):
    @staticmethod
    def forward(ctx, a, decimals):
        if a.dtype == np.bool_:
            raise NotImplementedError('"round_vml_cpu" not implemented for \'Bool\'')
        return np.round(a, decimals) if a.dtype.kind == "f" else a.copy()

    @staticmethod
    def backward(ctx, g):
        return zeros_of(g), None


class Cast(Function):
    """A differentiable dtype conversion (``.float()``, ``.to(float64)`` ...)."""

    backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, np_dtype):
        return a.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine casts the gradient back to the input's dtype


# PyTorch's TensorIterator ops (and its layout-keeping cast): each result takes its operands'
# layout (ops/_layout.py); besides _Arithmetic's, these take a Python number as an operand
for _op in (Neg, PowTensor, FloorDivide, Remainder, Fmod, _SlopeOfInput, Square, Abs, Sign,
            Relu, AlphaTimes, Lerp, Clamp, Maximum, Minimum, Fmax, Fmin, Where, _Rounding,
            Round, Cast):
    _op.layout = "operands"
for _op in (PowTensor, FloorDivide, Remainder, Fmod, Where):
    _op.number_operands = True
