"""In-place operations (``add_``, ``x += y``, ``x[i] = v`` ...): same object, same storage.

Outside the graph they are NumPy ufuncs writing into the tensor's own array. When the change
must be recorded (the tensor or the other operand requires grad), the op is computed out of
place from a snapshot of the old value and the tensor is *rebased*: its storage receives the
result and its ``grad_fn`` becomes the new node, as PyTorch does.
"""
import math
import weakref

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import OVERLAP_WRITE, Tensor, _new, untrackable, view_change_error
from ._alias import overlaps, same_data, writable
from ._quiet import quiet
from .elementwise import (Add, Div, Mul, Sub, _fits, _harmless_divisor, alpha_times,
                          check_bool_subtraction, check_integer_addcdiv, subtrahend_factor,
                          write_error, zeros_of)

_grad_enabled = grad_mode._enabled
_add, _sub, _mul, _div = Add.apply, Sub.apply, Mul.apply, Div.apply
_true_divide = np.true_divide


def rebase(t, compute, _skip=None, marks=None):
    """Record an in-place change of ``t``: ``compute(old)`` gives the new value as a tensor
    computed from ``old``, a snapshot standing for ``t`` before the change. ``marks``: the
    value written, when PyTorch marks even an integer ``t`` as requiring grad (see marked)."""
    if t._made_at is not None and untrackable(t):  # (tensor.view_change_error)
        raise view_change_error(t)
    base = t._base
    where = None if base is None else _positions(base._data, t._data)
    if base is not None and t.grad_fn is not None and base.grad_fn is not None:
        # PyTorch's CopySlices runs the op on the view's part of the base's gradient and
        # hands it to the base's previous node: the view's own nodes (and their hooks) are
        # not on the way, so the op reads the view's elements from the base here
        old = _read_view(base, t, overlaps(t._data), where)
    else:
        old = Tensor._wrap(t._data.copy())
        old._requires_grad = t._requires_grad
        old.grad_fn = t.grad_fn
    result = compute(old)
    if not result._requires_grad:  # an integer t (see marked): once marked, it stays so
        if marks is not None and marks._requires_grad:
            result = marked(result, marks)
        elif old._requires_grad:
            result = marked(result, old)
    if base is not None:
        _check_store(t, result._data)
        _rebase_view(t, base, result, old.grad_fn, where)
        return
    _store(t, result._data)
    node = result.grad_fn
    if node is not None and node._dtype is not t._data.dtype:
        node._dtype = t._data.dtype  # its output is t (a float32 t /= a float64 tensor)
    _adopt_output(t, result)
    _set_grad_fn(t, result)
    for ref in t._vc[1:]:  # the views of t read the new value anew
        view = ref()
        if view is not None and view is not _skip and view._base is t:
            if view._made_at is not None and untrackable(view):
                # refused when next used (tensor.check_view_use); its node stays, named there
                view._requires_grad = t._requires_grad
            else:
                _set_grad_fn(view, _read_view(t, view, overlaps(view._data)))


def _read_view(base, view, overlapping, where=None):
    """``view`` read anew from ``base`` (``where``: its flat positions there, if known)."""
    if where is None:
        where = _positions(base._data, view._data)
    result = ReadView.apply(base, where, overlapping)
    if base._requires_grad and not result._requires_grad:  # an integer base, marked
        result = marked(result, base)
    return result


class _IntegerWrite(Function):
    """The node of an integer tensor that PyTorch marks as requiring grad (see marked).
    PyTorch refuses to compute with such a tensor; no gradient flows through the node."""

    backward_name = "CopySlices"

    @staticmethod
    def backward(ctx, g):
        return (None,)


def marked(result, src):
    """``result``, an integer or bool tensor written from ``src`` (which requires grad),
    marked as requiring grad: PyTorch's fill_, masked_fill_ and index_put_ give their target
    a node whatever its dtype, and so do the differentiable in-place ops (add_, pow_, clamp_
    ...) whose operand is such a marked tensor (copy_ does not)."""
    node = _IntegerWrite()
    node.inputs = (src.grad_fn or src,)  # (the engine's edges: a node, or a leaf)
    node.needs_input_grad = (True,)
    return _new(Tensor, result._data, True, node)


def _set_grad_fn(t, result):
    # (Ops recorded before this change hold ``t``'s previous node, not ``t``: their
    # gradients still reach it.)
    old = t.grad_fn
    if old is not None and old._out_tensor is t:
        # as in PyTorch, the hooks registered so far stay with the node they were
        # registered on (they see the gradient of the value before this change) ...
        old._out_hooks = t._hooks or ()
        t._hooks = None
    t.grad_fn = result.grad_fn
    t._requires_grad = result._requires_grad
    if t._retains_grad and t.grad_fn is not None:
        t.grad_fn._out_tensor = t  # ... while retain_grad follows the tensor's new value


def _rebase_view(view, base, result, edge, where):
    """A recorded in-place change of a view changes its base, as in PyTorch: the base is
    rebased onto a node that writes ``result`` where the view lies (PyTorch's
    CopySlices), and the view onto one that reads it back from the new base. So
    ``b[:2].copy_(w)`` makes ``b`` require grad, and a gradient through ``b`` reaches ``w``."""
    if base._requires_grad and base.grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation.")
    keep = None
    if overlaps(view._data):  # an expand()ed view: only what the op wrote is written (the
        # other elements sharing a location must not put its old value back)
        new, now = result._data, view._data
        keep = ~((new == now) | ((new != new) & (now != now)))
    rebase(base, lambda old: WriteView.apply(old, result, where, keep), _skip=view,
           marks=result)
    op = result.grad_fn
    if op is not None and base.grad_fn is not None:
        # PyTorch's CopySlices is one node that runs the op on the view's part of the
        # gradient and hands the rest of it to the base's previous node; here the op's node
        # is a node of its own: it is marked as a part of the CopySlices (its number, and
        # ``edge``, its input standing for the view before the op, which leads to the
        # base's previous node), for the order of a failed backward's leaves
        # (engine._deliver_finished)
        op._copy_slices = (base.grad_fn._seq, edge)
    _adopt_output(view, result)
    _set_grad_fn(view, _read_view(base, view, keep is not None, where))


def _adopt_output(t, result):
    """``t`` now holds ``result``, the output of the op's node: where that node saved its
    output (relu_, exp_ ...), it saved ``t`` as ``t`` is now, as in PyTorch, so that
    changing ``t`` in place again is refused in backward."""
    node = result.grad_fn
    versions = node.__dict__.get("_saved_versions") if node is not None else None
    if versions and any(counter is result._vc for _, counter, _ in versions):
        node._saved_versions = tuple((key, t._vc, t._vc[0]) if counter is result._vc else
                                     (key, counter, v) for key, counter, v in versions)
        if "_out_ref" in node.__dict__:
            node._out_ref = weakref.ref(t)


def _positions(base, view):
    """The flat (C-order) index into ``base`` of each element of ``view``, an array that
    shares ``base``'s memory: both are laid over one buffer of element numbers."""
    item = base.itemsize

    def extent(a):
        start = a.__array_interface__["data"][0]
        lo = sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s < 0 and n)
        hi = sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s > 0 and n)
        return start, start + lo, start + hi

    (b0, blo, bhi), (v0, vlo, vhi) = extent(base), extent(view)
    lo = min(blo, vlo)
    numbers = np.zeros((max(bhi, vhi) - lo) // item + 1, dtype=np.int64)

    def laid(a, start):
        return np.lib.stride_tricks.as_strided(
            numbers[(start - lo) // item:], a.shape,
            tuple(s // item * numbers.itemsize for s in a.strides))

    laid(base, b0)[...] = np.arange(base.size).reshape(base.shape)
    return laid(view, v0).copy()


class WriteView(Function):
    """``base`` with ``value`` written at the flat positions ``where`` (CopySlices). Its
    backward and ReadView's are each other's ops, so they differentiate again."""

    backward_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, value, where, keep):
        """``keep``: the elements of an overlapping view to write (see _rebase_view)."""
        out = np.array(base, order="C")
        if keep is None:
            out.reshape(-1)[where] = value
        else:
            out.reshape(-1)[where[keep]] = np.broadcast_to(value, where.shape)[keep]
        ctx.where, ctx.overlapping = where, keep is not None
        # PyTorch's CopySlices lets go of its op once it has run: a second backward through
        # it is refused, as through a node whose saved tensors were freed
        ctx.save_for_backward(None)
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # (raises once freed)
        where = ctx.where
        # PyTorch's CopySlices refuses it, when the base's gradient is wanted
        if ctx.overlapping and ctx.computes_input(0):
            raise RuntimeError(OVERLAP_WRITE)
        g_base = _write_view(g, np.zeros(where.shape, _array_dtype(g)), where)
        g_value = ReadView.apply(g, where, False) if isinstance(g, Tensor) else \
            np.ascontiguousarray(g).reshape(-1)[where]
        return g_base, g_value, None, None


class ReadView(Function):
    """The elements of ``base`` at the flat positions ``where``: a rebased view's node."""

    backward_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, base, where, overlapping):
        """``overlapping``: positions repeat (an expand()ed view); the gradient sums there."""
        ctx.shape, ctx.where, ctx.overlapping = base.shape, where, overlapping
        return np.ascontiguousarray(base).reshape(-1)[where]

    @staticmethod
    def backward(ctx, g):
        if ctx.where.size == 0:  # an empty view: PyTorch's as_strided_backward gives zeros,
            zeros = np.zeros(ctx.shape, _array_dtype(g))  # a constant under create_graph
            return (Tensor._wrap(zeros) if isinstance(g, Tensor) else zeros), None, None
        if ctx.overlapping:  # summed where positions repeat (differentiably under create_graph)
            from .indexing import scatter_add_into_zeros
            flat = scatter_add_into_zeros(g.reshape(-1), ctx.where.reshape(-1), 0,
                                          (math.prod(ctx.shape),))
            return flat.reshape(ctx.shape), None, None
        return _write_view(np.zeros(ctx.shape, _array_dtype(g)), g, ctx.where), None, None


def _array_dtype(g):
    return g._data.dtype if isinstance(g, Tensor) else g.dtype


def _write_view(base, value, where):
    """WriteView on arrays, or recorded when a gradient is a Tensor (create_graph)."""
    if isinstance(base, Tensor) or isinstance(value, Tensor):
        return WriteView.apply(base, value, where, None)
    out = np.array(base, order="C")
    out.reshape(-1)[where] = value
    return out


def _can_cast(src, dst):
    """PyTorch's rule for writing a result of dtype ``src`` into a tensor of dtype ``dst``
    in place: no float into an integer or bool, no integer into bool; the rest casts
    (a Long result into a Byte tensor wraps around)."""
    if src.kind == "f":
        return dst.kind == "f"
    return not (src.kind in "iu" and dst.kind == "b")


def _check_store(t, values):
    _check_out_shape(t, values)
    if values.dtype != t._data.dtype and not _can_cast(values.dtype, t._data.dtype):
        raise RuntimeError(
            f"result type {_type_word(values.dtype)} can't be cast to the desired output type "
            f"{_type_word(t._data.dtype)}")


def _check_out_shape(t, *operands):
    """An in-place result must keep ``t``'s shape: PyTorch checks it first (TensorIterator
    computes the shape before the result type and the kernel). Operands that do not
    broadcast with each other are left to the op's own error."""
    shape = t._data.shape
    shapes = [s for s in map(np.shape, map(_unwrap, operands)) if s != shape]
    if not shapes:
        return
    try:
        full = np.broadcast_shapes(shape, *shapes)
    except ValueError:
        return
    if full != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                           f"shape {list(full)}")


def _store(t, values):
    _check_store(t, values)
    np.copyto(t._data, values, casting="unsafe")
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
    _check_out_shape(t, *others)
    if _recorded(t, *others):
        rebase(t, lambda old: op(old, *others), marks=_marking(others))
        return t
    with grad_mode.no_grad():
        result = op(t, *others)
    _store(t, result._data)
    return t


def _marking(others):
    """The operand that requires grad, if any: a differentiable in-place op gives an integer
    target a node when an operand is a marked integer tensor (see marked), as PyTorch's
    add_, mul_, pow_, clamp_ ... do."""
    for o in others:
        if isinstance(o, Tensor) and o._requires_grad:
            return o
    return None


def masked_fill_(t, mask, value):
    from .indexing import masked_fill
    if _recorded(t, value):  # a value that requires grad is recorded, as PyTorch's
        t._check_inplace(shared_ok=True)  # an expand()ed tensor too (see _rebase_view)
        rebase(t, lambda old: masked_fill(old, mask, value),
               marks=value if isinstance(value, Tensor) else None)
        return t
    if not t._data.flags.writeable:
        result = masked_fill(t.detach(), mask, value)  # PyTorch's checks, and the value cast
        if result._data.shape == t._data.shape:  # (else refused below, as PyTorch does)
            where = np.broadcast_to(_unwrap(mask), t._data.shape)
            if _fill_overlapping(t, result._data[where], where):
                return t
    return apply_inplace(t, lambda a: masked_fill(a, mask, value))


def _unwrap(x):
    return x._data if isinstance(x, Tensor) else x


# The paths below that write without recording (an optimizer's ``p -= lr * g``, ``g.zero_()``)
# run once per parameter per step on a handful of elements, so they are kept flat: no
# helper frames, and ``t._check_inplace()`` only where it can refuse. Unrecorded, the one
# thing it can refuse is a read-only (expand()ed) tensor, and NumPy refuses to write into
# one, so it is consulted only when the write fails: a tensor that is not
# recorded has no grad_fn (a non-leaf always requires grad), and a leaf that requires grad
# is refused only in grad mode, where writing to it is recorded.
def fast_binary_inplace(t, ufunc, other, op):
    """``t <op>= other`` written straight into t's storage when nothing is recorded."""
    if _grad_enabled[0] and (
            t._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        t._check_inplace()
        rebase(t, lambda old: op(old, other), marks=other if isinstance(other, Tensor) else None)
        return t
    data = t._data
    o = other._data if isinstance(other, Tensor) else other
    # Same dtypes, or a float tensor and a Python number (an optimizer's update): nothing
    # to promote, refuse or cast. Otherwise apply PyTorch's rule.
    dt = data.dtype
    to = type(o)
    if to is np.ndarray:
        same = o.dtype is dt or o.dtype == dt
    else:
        same = (to is float or to is int) and dt.kind == "f"
    if not same or (ufunc is _true_divide and dt.kind != "f"):
        t._check_inplace()
        if ufunc is np.subtract:
            check_bool_subtraction(data, o)
        _check_out_shape(t, o)
        res_dt = _dtype.result_type(data, o)
        if ufunc is _true_divide and res_dt.kind != "f":
            res_dt = _dtype.default_float()
        if res_dt != dt and not _can_cast(res_dt, dt):
            raise RuntimeError(
                f"result type {_type_word(res_dt)} can't be cast to the desired output type "
                f"{_type_word(dt)}")
        if to is int and dt.kind in "iu" and not _fits(o, dt):
            o = np.array(o).astype(dt)  # wraps around, as in PyTorch (NumPy 2 refuses)
    try:
        if ufunc is _true_divide and not _harmless_divisor(o):
            with quiet():  # PyTorch divides by zero without a warning
                ufunc(data, o, data, casting="unsafe")
        elif same:
            ufunc(data, o, data)
        else:
            ufunc(data, o, data, casting="unsafe")
    except Exception as e:
        t._check_inplace()  # a read-only tensor's error first, as if checked before
        if ufunc is np.subtract and isinstance(e, TypeError):
            check_bool_subtraction(data, o)  # NumPy's TypeError, in PyTorch's words
        if not isinstance(e, ValueError):
            raise
        raise write_error(data, o) from None
    t._vc[0] += 1
    return t


def _scaled(t, other, alpha, subtracting=False):
    """``alpha * other`` for add_/sub_: a float tensor outside the graph is scaled as its
    array (what ``other * alpha`` would compute, without a Tensor around it); the rest
    follows add's rules for alpha (elementwise.alpha_times)."""
    if (type(alpha) is float or type(alpha) is int) and isinstance(other, Tensor) \
            and other._data.dtype.kind == "f" and t._data.dtype.kind == "f" \
            and not (other._requires_grad and _grad_enabled[0]):
        return other._data * (subtrahend_factor(alpha, t._data.dtype) if subtracting else alpha)
    return alpha_times(t, other, alpha, subtracting)


def add_(t, other, *, alpha=1):
    if type(alpha) is not int or alpha != 1:  # alpha=1.0 and True are checked too
        other = _scaled(t, other, alpha)
    return fast_binary_inplace(t, np.add, other, _add)


def sub_(t, other, *, alpha=1):
    if type(alpha) is not int or alpha != 1:  # alpha=1.0 and True are checked too
        check_bool_subtraction(t._data, _unwrap(other))  # before alpha casts
        other = _scaled(t, other, alpha, subtracting=True)
    return fast_binary_inplace(t, np.subtract, other, _sub)


def mul_(t, other):
    return fast_binary_inplace(t, np.multiply, other, _mul)


def div_(t, other, *, rounding_mode=None):
    if rounding_mode is not None:
        from . import _methods
        return apply_inplace(t, lambda a, b: _methods.div(a, b, rounding_mode=rounding_mode), other)
    return fast_binary_inplace(t, np.true_divide, other, _div)


def pow_(t, exponent):
    from ._methods import pow as _pow
    return apply_inplace(t, _pow, exponent)


def addcmul_(t, t1, t2, *, value=1):
    """t += value * t1 * t2."""
    if _recorded(t, t1, t2):
        return apply_inplace(t, lambda a, b, c: a + value * b * c, t1, t2)
    t._check_inplace()
    _check_out_shape(t, t1, t2)
    prod = np.multiply(_unwrap(t1), _unwrap(t2))
    if value != 1:
        prod *= value
    np.add(t._data, prod, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def addcdiv_(t, t1, t2, *, value=1):
    """t += value * t1 / t2."""
    t._check_inplace()
    check_integer_addcdiv(t1, t2)
    if _recorded(t, t1, t2):
        return apply_inplace(t, lambda a, b, c: a + value * b / c, t1, t2)
    _check_out_shape(t, t1, t2)
    quot = np.true_divide(_unwrap(t1), _unwrap(t2))
    if value != 1:
        quot *= value
    np.add(t._data, quot, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def lerp_(t, end, weight):
    """t += weight * (end - t)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"lerp_(): argument 'end' (position 1) must be Tensor, not "
                        f"{type(end).__name__}")
    t._check_inplace()
    if end._data.dtype != t._data.dtype:
        raise RuntimeError(f"expected dtype {_c10_name(t._data.dtype)} for `end` but got dtype "
                           f"{_c10_name(end._data.dtype)}")
    try:
        fits = np.broadcast_shapes(end._data.shape, t._data.shape) == t._data.shape
    except ValueError:
        fits = False
    if not fits:
        raise write_error(t._data, end._data)
    if t._data.dtype.kind != "f":
        raise NotImplementedError(
            f'"lerp_kernel_scalar" not implemented for \'{_type_word(t._data.dtype)}\'')
    if _recorded(t, end, weight) or isinstance(weight, Tensor) or weight >= 0.5:
        from ._methods import lerp
        return apply_inplace(t, lerp, end, weight)
    diff = np.subtract(_unwrap(end), t._data)
    diff *= _unwrap(weight)
    np.add(t._data, diff, out=t._data, casting="unsafe")
    t._vc[0] += 1
    return t


def _c10_name(np_dtype):
    """A dtype as PyTorch's C++ messages name it ("float", "long int" ...)."""
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "float16": "c10::Half"}.get(np_dtype.name, np_dtype.name)


def negative_in_place(a, out):
    """``np.negative(a, out=a)``, which NumPy 2.4 gets wrong for some strided arrays (a
    float32 view of every 4th element, a float64 one of every 8th, negated into itself,
    reads the wrong elements: measured, 2.4.6); such a view takes a copy's negation."""
    if a.flags.c_contiguous:
        np.negative(a, out=out)
    else:
        np.copyto(out, np.negative(a))


def _unary_inplace(ufunc, op):
    def method(t):
        t._check_inplace()
        if _recorded(t):
            rebase(t, op)
            return t
        if t._data.dtype.kind != "f":
            return apply_inplace(t, op)
        with quiet():  # sqrt_(-1) is nan without NumPy's warning, as in PyTorch
            ufunc(t._data, out=t._data)
        t._vc[0] += 1
        return t
    return method


class Fill(Function):
    """Every element set to ``value`` (a number or a 0-d tensor): fill_ and zero_ when
    recorded. The old value's gradient is zero, also where it was nan or inf."""

    backward_name = "FillBackward0"

    @staticmethod
    def forward(ctx, old, value):
        return np.full_like(old, value)

    @staticmethod
    def backward(ctx, g):
        return zeros_of(g), (g.sum() if ctx.needs_input_grad[1] else None)


def _fill_overlapping(t, value, mask=None):
    """fill_/zero_/masked_fill_ of an expand()ed tensor outside the graph, which PyTorch
    allows (ops/_alias.py); False when ``t`` is not one (then it is refused as any read-only
    tensor is)."""
    w = writable(t._data) if overlaps(t._data) else None
    if w is None:
        return False
    if mask is None:
        w[...] = value
    else:
        w[mask] = value
    t._vc[0] += 1
    return True


def zero_(t):
    if t._requires_grad and _grad_enabled[0]:
        t._check_inplace(shared_ok=True)
        rebase(t, lambda old: Fill.apply(old, 0))
        return t
    try:  # flat, like fast_binary_inplace (see there)
        t._data.fill(0)
    except Exception:
        if _fill_overlapping(t, 0):
            return t
        t._check_inplace()  # a read-only tensor's error first, as if checked before
        raise
    t._vc[0] += 1
    return t


def fill_(t, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions.")
        if _recorded(t, value):
            t._check_inplace()
            # PyTorch marks an integer or bool target as requiring grad
            rebase(t, lambda old: Fill.apply(old, value), marks=value)
            return t
        value = value._data
    elif t._requires_grad and _grad_enabled[0]:
        t._check_inplace(shared_ok=True)  # a number fills an expand()ed tensor
        rebase(t, lambda old: Fill.apply(old, value))
        return t
    try:  # flat, like fast_binary_inplace (see there)
        t._data[...] = value
    except Exception:
        # a number fills an expand()ed tensor; a tensor value is copied, which PyTorch refuses
        if not isinstance(value, np.ndarray) and _fill_overlapping(t, value):
            return t
        t._check_inplace()  # a read-only tensor's error first, as if checked before
        raise
    t._vc[0] += 1
    return t


def copy_(t, src, non_blocking=False):
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.asarray(src))
    try:
        fits = np.broadcast_shapes(src._data.shape, t._data.shape) == t._data.shape
    except ValueError:
        fits = False
    if not fits:
        raise write_error(t._data, src._data)
    # (a copy into an integer tensor is recorded only when that one is marked: see marked)
    recorded = _recorded(t, src) and (t._data.dtype.kind == "f" or t._requires_grad)
    same = same_data(t._data, src._data)  # PyTorch copies nothing (even when expanded)
    if same and not recorded:
        t._vc[0] += 1
        return t
    t._check_inplace(shared_ok=same)
    if recorded:
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
    return apply_inplace(t, clamp, min, max)


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
