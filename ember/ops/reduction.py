"""Reductions: sum, mean, prod, var/std, max/min, logsumexp, norm, cumulative sums.

All accept ``dim`` or ``axis`` (an int, a list or a tuple) and ``keepdim`` or ``keepdims``,
as PyTorch does. Backwards re-expand the gradient over the reduced dimensions.
"""
import collections

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import _ONES, _TYPE_NAMES, Tensor, _untracked, _wrap_dim
from ._layout import contiguous
from ._quiet import quiet
from .elementwise import _where
from .shape import not_a_view

_grad_enabled = grad_mode._enabled

# NumPy 2.3 on returns an array from a reduction given ``out=...`` (the literal keyword:
# passed as ``**kwargs`` it costs more than it saves): a loss's sum then needs no
# np.asarray of a scalar (a fifth of a tiny step's sum)
_REDUCE_OUT_ARRAY = np.lib.NumpyVersion(np.__version__) >= "2.3.0"

_ReturnTypes = collections.namedtuple("_ReturnTypes", ["values", "indices"])


class return_types:
    """Named (values, indices) results, printed like PyTorch's ``torch.return_types``."""

    class max(_ReturnTypes):
        __slots__ = ()

        def __repr__(self):
            return f"ember.return_types.{type(self).__name__}(\nvalues={self.values!r},\nindices={self.indices!r})"

    class min(max):
        __slots__ = ()

    class sort(max):
        __slots__ = ()

    class topk(max):
        __slots__ = ()

    class mode(max):
        __slots__ = ()


def dims_arg(dim, axis, ndim):
    """Normalise PyTorch's ``dim``/``axis`` argument to a sorted tuple of axes (or None)."""
    if dim is None:
        dim = axis
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(_wrap_dim(int(d), ndim) for d in dim))
    else:
        axes = (_wrap_dim(int(dim), ndim),)
    return axes if ndim else ()  # a 0-d tensor accepts dim 0 / -1 and has nothing to reduce


def _keep(keepdim, keepdims):
    return bool(keepdim or keepdims)


def expand_back(g, in_shape, axes, keepdim):
    """Broadcast the gradient of a reduction over ``axes`` back to ``in_shape``."""
    tensor = isinstance(g, Tensor)
    if axes is None:
        if not tensor:
            return spread(g, in_shape)
        axes = tuple(range(len(in_shape)))
    if not keepdim:
        kshape = list(in_shape)
        for i in axes:
            kshape[i] = 1
        g = g.reshape(tuple(kshape))
    if not tensor:
        return broadcast_view(np.asarray(g), in_shape)
    return g.expand(in_shape)


def spread(value, shape):
    """The one element of ``value`` (a NumPy scalar or a one-element array) at every
    position of ``shape``: a read-only array with zero strides over a copy of its bytes,
    the gradient of a whole-tensor reduction at a fifth of ``np.broadcast_to``'s cost.
    The implicit 1 that ``loss.sum().backward()`` starts from is spread once per shape
    (the last few shapes): the result is immutable, so every step can share it."""
    if value is _ONES.get(value.dtype):
        key = (value.dtype, shape)
        ones = _SPREAD_ONES.get(key)
        if ones is None:
            if len(_SPREAD_ONES) >= 64:
                _SPREAD_ONES.clear()
            ones = _SPREAD_ONES[key] = np.ndarray(shape, value.dtype, value.tobytes(), 0,
                                                  (0,) * len(shape))
        return ones
    return np.ndarray(shape, value.dtype, value.tobytes(), 0, (0,) * len(shape))


_SPREAD_ONES = {}


def broadcast_view(g, shape):
    """``g`` broadcast to ``shape`` (same rank), read-only: ``np.broadcast_to`` at a sixth
    of its cost, which matters on the backward of every reduction. The array lies over a
    copy of g's bytes (immutable, so the result is read-only without setting a flag, which
    costs more than copying a reduced gradient)."""
    if not g.flags.c_contiguous or g.ndim != len(shape):
        return np.broadcast_to(g, shape)
    strides = []
    for gs, s, st in zip(g.shape, shape, g.strides):
        strides.append(st if gs == s else 0)
    return np.ndarray(shape, g.dtype, g.tobytes(), 0, tuple(strides))


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdim, np_dtype):
        ctx.in_shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return Sum.array(a, axes, keepdim, np_dtype)

    @staticmethod
    def array(a, axes, keepdim, np_dtype):
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.int64
        # np.add.reduce is what np.sum calls, without its Python wrapper (half the cost
        # of summing a small tensor). Sum and Mean lay out their results themselves (their
        # arrays serve untracked calls too); the other reductions by ``layout`` (the end).
        if axes is None:  # a whole-tensor sum (every loss): a scalar, nothing to lay out
            if _REDUCE_OUT_ARRAY:  # a 0-d array, not a NumPy scalar for the caller to wrap
                return np.add.reduce(a, axis=None, dtype=np_dtype, keepdims=keepdim, out=...)
            return np.add.reduce(a, axis=None, dtype=np_dtype, keepdims=keepdim)
        return contiguous(np.add.reduce(a, axis=axes, dtype=np_dtype, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.axes, ctx.keepdim), None, None, None


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=False):
    # The whole-tensor sum (a loss) is the common call: no argument normalising for it.
    axes = None if dim is None and axis is None else dims_arg(dim, axis, input._data.ndim)
    keep = True if keepdim or keepdims else False
    np_dtype = None if dtype is None else _dtype.to_numpy(dtype)
    if not (input._requires_grad and _grad_enabled[0]):
        return _untracked(Sum.array(input._data, axes, keep, np_dtype))
    out = Sum.apply_to(input, axes, keep, np_dtype)
    if out.grad_fn is not None and (dim is not None or axis is not None):
        out.grad_fn.backward_name = "SumBackward1"  # PyTorch names the node by the overload
    return out


def _count(shape, axes):
    """How many elements a reduction over ``axes`` takes into one result."""
    n = 1
    for i in axes:
        n *= shape[i]
    return n


class Mean(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdim):
        ctx.in_shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.count = a.size if axes is None else _count(a.shape, axes)
        return Mean.array(a, axes, keepdim)

    @staticmethod
    def check_dtype(a):
        if a.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                "point or complex dtype. Got: "
                + _TYPE_NAMES[_dtype.from_numpy(a.dtype).name][:-len("Tensor")])

    @staticmethod
    def array(a, axes, keepdim):
        Mean.check_dtype(a)
        n = a.size if axes is None else _count(a.shape, axes)
        if n == 0:  # nan, silently, as PyTorch gives it
            with quiet():
                return np.add.reduce(a, axis=axes, keepdims=keepdim) / n
        # np.mean without its wrapper
        return contiguous(np.add.reduce(a, axis=axes, keepdims=keepdim)) / n

    @staticmethod
    def backward(ctx, g):
        # (No elements averaged: the input is empty, and so is its gradient.)
        count = ctx.count or 1
        if ctx.axes is None and type(g) is np.ndarray:
            # A whole-tensor mean: divide the one element before spreading it (g[()] is
            # a NumPy scalar for a 0-d g, whose division costs a fifth of a 0-d array's).
            return spread(g[()] / count, ctx.in_shape), None, None
        return expand_back(g / count, ctx.in_shape, ctx.axes, ctx.keepdim), None, None


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=False):
    if dtype is not None:
        input = input.to(dtype)
    Mean.check_dtype(input._data)  # before the dims, as PyTorch
    axes = None if dim is None and axis is None else dims_arg(dim, axis, input._data.ndim)
    keep = True if keepdim or keepdims else False
    if not (input._requires_grad and _grad_enabled[0]):
        return _untracked(Mean.array(input._data, axes, keep))
    out = Mean.apply_to(input, axes, keep)
    if out.grad_fn is not None and (dim is not None or axis is not None):
        out.grad_fn.backward_name = "MeanBackward1"  # PyTorch names the node by the overload
    return out


class Prod(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdim):
        out = np.prod(a, axis=axis, keepdims=keepdim,
                      dtype=np.int64 if a.dtype.kind in "biu" else None)
        ctx.save_for_backward(a, out)
        ctx.axis, ctx.keepdim = axis, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if not a.ndim:  # PyTorch's: the gradient itself
            return g, None, None
        axes = None if ctx.axis is None else (ctx.axis,)
        g = expand_back(g, a.shape, axes, ctx.keepdim)
        out = expand_back(out, a.shape, axes, ctx.keepdim)
        if isinstance(a, np.ndarray) and not a.all():  # zeros: out / a is nan there
            if ctx.axis is None and np.count_nonzero(a == 0) > 1:
                return np.zeros_like(g), None, None  # PyTorch's, also beside a nan
            return g * _prod_of_others(a, ctx.axis), None, None
        if not isinstance(a, np.ndarray) and not a._data.all():
            if (a._data.size if ctx.axis is None else a.shape[ctx.axis]) == 1:
                return g, None, None  # PyTorch's prod_safe_zeros_backward: the gradient itself
            return g * _prod_of_others_graph(a, ctx.axis), None, None
        return g * out / a, None, None


def _prod_of_others(a, axis):
    """Product of all other elements along ``axis``: exclusive cumulative products from
    both sides, correct where ``a`` has zeros (where out / a is not)."""
    flat = axis is None
    x = a.reshape(-1) if flat else np.moveaxis(a, axis, -1)
    ones = np.ones(x.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = left * right
    return others.reshape(a.shape) if flat else np.moveaxis(others, -1, axis)


def _prod_of_others_graph(a, axis):
    """``_prod_of_others`` under create_graph, in differentiable ops (PyTorch's
    prod_safe_zeros_backward), so that second derivatives are right."""
    from .shape import cat
    x = a.reshape(-1) if axis is None else a
    d = 0 if axis is None else axis
    n = x.shape[d]
    ones = Tensor._wrap(np.ones(x.shape[:d] + (1,) + x.shape[d + 1:], x._data.dtype))
    left = cat([ones, x.narrow(d, 0, n - 1)], d).cumprod(d)
    right = cat([ones, x.narrow(d, 1, n - 1).flip(d)], d).cumprod(d).flip(d)
    others = left * right
    return others.reshape(a.shape) if axis is None else others


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    axis = None if dim is None else _wrap_dim(dim, input._data.ndim)
    return Prod.apply(input, axis if input._data.ndim else None, keepdim)


class Var(Function):
    @staticmethod
    def forward(ctx, a, axes, correction, keepdim):
        n = a.size if axes is None else int(np.prod([a.shape[i] for i in axes]))
        ctx.save_for_backward(a)
        ctx.axes, ctx.keepdim, ctx.dof = axes, keepdim, n - correction
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.var(a, axis=axes, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        dof = ctx.dof
        if (ctx.axes is None or a.ndim == 0) and dof <= 0:
            # PyTorch's: 2 / dof is taken as inf, times a - mean, which is nan where 0; a
            # constant factor, so the gradient requires grad only with g
            data = a if isinstance(a, np.ndarray) else a._data
            with quiet():
                factor = np.where(data == data.mean(), np.nan, np.inf).astype(data.dtype)
            return g * (factor if isinstance(g, np.ndarray) else Tensor._wrap(factor)), \
                None, None, None
        scale = 2.0 / dof if dof else np.inf  # over dims a negative dof is kept
        g = expand_back(g, a.shape, ctx.axes, ctx.keepdim)
        return scale * g * (a - a.mean(axis=ctx.axes, keepdims=True)), None, None, None


def _correction(unbiased, correction):
    if correction is not None:
        return int(correction)
    return 1 if unbiased is None or unbiased else 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=False):
    if isinstance(dim, bool):  # var(x, False): the old positional ``unbiased``
        dim, unbiased = None, dim
    _floating_only(input, "std and var")
    axes = dims_arg(dim, axis, input._data.ndim)
    return Var.apply(input, axes, _correction(unbiased, correction), _keep(keepdim, keepdims))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=False):
    v = var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    if not v._requires_grad:
        return v.sqrt()
    # Where the variance is 0, PyTorch's gradient is 0 (a masked fill, even of an infinite
    # gradient), not sqrt's 0 * inf = nan: the root is taken of 1 there and replaced by 0
    # (the same values, bit for bit, elsewhere).
    zero = v == 0
    out = _where(zero, 0.0, (v + zero).sqrt())
    # PyTorch's StdBackward saves its result: refused once that has been changed in place
    out.grad_fn.backward_name = "StdBackward0"
    out.grad_fn.keep_version(out)
    return out


def _floating_only(input, name):
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _floating_only(input, "var_mean")
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _floating_only(input, "std_mean")
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class Amax(Function):
    """max/min over whole dims; ties share the gradient evenly (PyTorch's rule)."""

    ufunc = staticmethod(np.max)
    op_name = "amax"

    @classmethod
    def forward(cls, ctx, a, axes, keepdim):
        if a.size == 0:
            _check_nonempty_reduction(a, axes, cls.op_name)
        out = cls.ufunc(a, axis=axes, keepdims=keepdim)
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        # the mask is a constant (also under create_graph): made of the arrays
        a = a._data if isinstance(a, Tensor) else a
        out = expand_back(out._data if isinstance(out, Tensor) else np.asarray(out), a.shape,
                          ctx.axes, ctx.keepdim)
        whole = getattr(ctx, "backward_name", "").endswith("Backward1")
        if whole and np.isnan(out).all():
            mask = np.isnan(a) * 1.0  # max()/min() of everything is nan: the nans share g
        else:
            mask = (a == out) * 1.0
        count = mask.sum(axis=ctx.axes, keepdims=True)
        g = expand_back(g, a.shape, ctx.axes, ctx.keepdim)
        if whole:
            # max()/min() of everything put the gradient only where the extremum is
            # (an inf gradient leaves the rest 0); amax/amin multiply by the mask
            if isinstance(g, np.ndarray):
                return np.where(mask > 0, g / count, 0).astype(g.dtype, copy=False), None, None
            from .elementwise import _where
            return _where(mask > 0, g / Tensor._wrap(count.astype(a.dtype)), 0.0), None, None
        return g * mask / count, None, None


class Amin(Amax):
    ufunc = staticmethod(np.min)
    op_name = "amin"


def _check_nonempty_reduction(a, axes, name):
    """A max/min of an empty tensor: PyTorch reduces over the dims that are not empty (the
    result is empty too) and refuses to reduce over an empty one or over all dims."""
    if axes is None:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument.")
    for d in axes:
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


class MaxDim(Function):
    """max/min along one dim, given the indices found: the gradient goes to them."""

    backward_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, a, idx, dim, keepdim):
        ctx.in_shape, ctx.dim, ctx.keepdim, ctx.idx = a.shape, dim, keepdim, idx
        values = np.take_along_axis(a, idx, axis=dim)
        return values if keepdim else values.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # refuses if the indices were changed in place (keep_version)
        if not ctx.keepdim:
            g = g.reshape(ctx.idx.shape)
        return _put_along(g, ctx.idx, ctx.dim, ctx.in_shape), None, None, None


def _put_along(g, idx, dim, shape):
    """Zeros of ``shape`` with ``g`` placed at ``idx`` along ``dim`` (differentiably)."""
    if not isinstance(g, Tensor):
        out = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(out, idx, g, axis=dim)
        return out
    from .indexing import scatter_into_zeros
    return scatter_into_zeros(g, idx, dim, shape)


def _minmax(input, dim, keepdim, other, full_cls, find, binary, name):
    if isinstance(dim, Tensor) and other is None:
        return binary(input, dim)
    if other is not None:
        return binary(input, other)
    if dim is None:
        if input._data.size == 0:
            _check_nonempty_reduction(input._data, None, name.lower())
        out = full_cls.apply(input, None, False)
        if out.grad_fn is not None:
            out.grad_fn.backward_name = name + "Backward1"
        return out
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # as the max of a one-element vector
        return _minmax(input.reshape(1), 0, False, None, full_cls, find, binary, name)
    if input._data.size == 0:
        _check_nonempty_reduction(input._data, (d,), name.lower())
    idx = find(input._data, axis=d, keepdims=True)
    values = MaxDim.apply(input, idx, d, keepdim)
    if values.grad_fn is not None:
        values.grad_fn.backward_name = name + "Backward0"
    idx = idx.astype(np.int64, copy=False)
    indices = Tensor._wrap(idx if keepdim else idx.squeeze(d))
    if values.grad_fn is not None:
        values.grad_fn.keep_version(indices)
    result_cls = return_types.max if name == "Max" else return_types.min
    return result_cls(values, indices)


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=False):
    from .elementwise import Maximum
    if dim is None:
        dim = axis
    return _minmax(input, dim, keepdim or keepdims, other, Amax, np.argmax,
                   lambda a, b: Maximum.apply(a, b), "Max")


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=False):
    from .elementwise import Minimum
    if dim is None:
        dim = axis
    return _minmax(input, dim, keepdim or keepdims, other, Amin, np.argmin,
                   lambda a, b: Minimum.apply(a, b), "Min")


def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dims_arg(dim, None, input._data.ndim), keepdim)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dims_arg(dim, None, input._data.ndim), keepdim)


def _arg(find, input, dim, keepdim):
    a = input._data
    if a.dtype == np.bool_:  # PyTorch refuses bool here (max/min with a dim are fine)
        raise RuntimeError(f"{find.__name__}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{find.__name__}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        out = find(a.reshape(-1))
        if keepdim:
            out = np.reshape(out, (1,) * a.ndim)
    else:
        d = _wrap_dim(dim, a.ndim)
        if a.ndim and a.shape[d] == 0:
            raise IndexError(f"{find.__name__}(): Expected reduction dim {d} to have non-zero "
                             "size.")
        out = find(a.reshape(a.shape or (1,)), axis=d, keepdims=keepdim)
        out = out.reshape(()) if a.ndim == 0 else out
    return Tensor._wrap(np.asarray(out, dtype=np.int64))


def argmax(input, dim=None, keepdim=False, *, axis=None):
    return _arg(np.argmax, input, axis if dim is None else dim, keepdim)


def argmin(input, dim=None, keepdim=False, *, axis=None):
    return _arg(np.argmin, input, axis if dim is None else dim, keepdim)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx, a, axes, keepdim):
        m = np.max(a, axis=axes, keepdims=True, initial=-np.inf)  # -inf: over nothing
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        result = out if keepdim else np.squeeze(out, axis=axes)
        ctx.save_for_backward(a, result)  # the result too: PyTorch refuses once it changed
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.out_keep = out
        return result

    @staticmethod
    def backward(ctx, g):
        a, _ = ctx.saved_tensors
        out = ctx.out_keep
        if not isinstance(a, np.ndarray):
            out = a.logsumexp(dim=ctx.axes, keepdim=True)
        return expand_back(g, a.shape, ctx.axes, ctx.keepdim) * np.exp(a - out), None, None


def logsumexp(input, dim, keepdim=False):
    if input._data.dtype.kind != "f":
        input = input.float()
    axes = dims_arg(dim, None, input._data.ndim)
    return LogSumExp.apply(input, axes, keepdim)


def _cumsum_array(a, axis, dtype):
    """``np.cumsum`` as PyTorch sums, from +0.0, so that no running sum is -0.0 (-0.0 + 0.0
    is +0.0). A running sum is -0.0 only where every sum before it is -0.0, the first
    one too, so the whole result is looked at only when its first slice has a -0.0."""
    out = np.cumsum(a, axis=axis, dtype=dtype)
    if out.dtype.kind == "f" and out.size:
        first = out[(slice(None),) * axis + (0,)]
        if np.any(np.signbit(first) & (first == 0)):
            out += 0.0
    return out


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, dim, np_dtype):
        ctx.dim = dim
        if np_dtype is None and a.dtype.kind in "biu":
            np_dtype = np.int64
        if a.ndim == 0:  # PyTorch copies a 0-d input (-0.0 stays -0.0)
            return a.astype(np_dtype or a.dtype)
        return _cumsum_array(a, dim, np_dtype)

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0 or g.shape[ctx.dim] == 1:  # nothing to sum: PyTorch passes it through
            return g, None, None
        rev = (slice(None),) * ctx.dim + (slice(None, None, -1),)
        if not isinstance(g, Tensor):
            return _cumsum_array(g[rev], ctx.dim, None)[rev], None, None
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None, None


def cumsum(input, dim=None, *, dtype=None, axis=None):
    d = axis if dim is None else dim
    if d is None:
        raise TypeError("cumsum() missing 1 required positional argument: 'dim'")
    return Cumsum.apply(input, _wrap_dim(d, input._data.ndim), _dtype.to_numpy(dtype))


class Cumprod(Function):
    @staticmethod
    def forward(ctx, a, dim):
        out = np.cumprod(a, axis=dim)
        ctx.save_for_backward(a, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        # d out_j / d a_i = out_j / a_i for j >= i (inputs without zeros)
        a, out = ctx.saved_tensors
        data = a if isinstance(a, np.ndarray) else a._data
        if data.shape[ctx.dim] == 1 or data.size == 0:  # PyTorch passes the gradient on
            return g, None
        if not data.all():
            if isinstance(g, np.ndarray):
                return _cumprod_grad_first_zero(a, out, g, ctx.dim), None
            return _cumprod_grad_with_zeros(a, g, ctx.dim), None
        rev = (slice(None),) * ctx.dim + (slice(None, None, -1),)
        prod_g = g * out
        if not isinstance(prod_g, Tensor):
            tail = np.cumsum(prod_g[rev], axis=ctx.dim)[rev]
        else:
            tail = prod_g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)
        return tail / a, None


def _cumprod_grad_first_zero(a, out, g, dim):
    """cumprod's gradient where ``a`` has zeros, by PyTorch's O(n) rule (so nan and inf
    spread as in PyTorch): before a slice's first zero, the sums of g * out from each
    position on divided by a; at the first zero, the gradient through the products up to
    the second zero; after it, 0."""
    rev = (slice(None),) * dim + (slice(None, None, -1),)
    zeros = np.cumsum(a == 0, axis=dim)
    grad = np.zeros(out.shape, g.dtype)
    with quiet():
        before = zeros == 0
        tail = np.cumsum(np.where(before, out * g, 0)[rev], axis=dim)[rev] / a
        grad[before] = tail[before]
        span = zeros == 1
        first = np.argmax(span, axis=dim, keepdims=True)  # 0 where the slice has no zero
        at_first = np.zeros_like(span)
        np.put_along_axis(at_first, first, True, axis=dim)
        at_first &= span
        span &= ~at_first
        upto = np.take_along_axis(out, np.maximum(first - 1, 0), axis=dim)
        upto = np.where(first == 0, 1, upto)
        through = (np.cumprod(np.where(span, a, 1), axis=dim)
                   * np.where(zeros == 1, g, 0)).sum(axis=dim, keepdims=True) * upto
        grad[at_first] = np.broadcast_to(through, grad.shape)[at_first]
    return grad


def _cumprod_grad_with_zeros(a, g, dim):
    """cumprod's gradient where ``a`` has zeros, under create_graph: PyTorch's O(n^2) rule
    in differentiable ops (so second derivatives are right). At position k, the sum over
    j >= k of g_j times the product of a_0..a_j without a_k."""
    from .shape import cat
    n = a.shape[dim]
    cols = []
    for k in range(n):
        before = a.narrow(dim, 0, k).prod(dim, keepdim=True)  # k = 0: ones
        omitted = cat([before, before * a.narrow(dim, k + 1, n - k - 1).cumprod(dim)], dim)
        cols.append((g.narrow(dim, k, n - k) * omitted).sum(dim, keepdim=True))
    return cat(cols, dim)


def cumprod(input, dim, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.ndim == 0:
        return not_a_view(cumprod(input.reshape(1), dim).reshape(()))
    return Cumprod.apply(input, _wrap_dim(dim, input._data.ndim))


class Norm2(Function):
    """The Euclidean norm; its gradient at the zero vector is zero, as in PyTorch."""

    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        out = np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.keepdim = axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        out = expand_back(out, a.shape, ctx.axes, ctx.keepdim)
        g = expand_back(g, a.shape, ctx.axes, ctx.keepdim)
        if not isinstance(a, np.ndarray):  # create_graph: PyTorch's a / out, 0 where out is,
            # whose derivative at a zero norm is nan (0 / 0) as PyTorch's
            with quiet():
                return g * (a / out).masked_fill(out == 0, 0), None, None
        safe = out + (out == 0)
        return g * a / safe, None, None


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            + input.dtype.name.capitalize())
    axes = dims_arg(dim, None, input._data.ndim)
    if p in ("fro", 2, 2.0, None):
        return Norm2.apply(input, axes, keepdim)
    if p == float("inf"):
        return amax(input.abs(), axes or (), keepdim)
    if p == -float("inf"):
        return amin(input.abs(), axes or (), keepdim)
    if p == 1:
        return sum(input.abs(), axes, keepdim)
    if p == 0:
        return sum((input != 0).to(input.dtype), axes, keepdim)
    return sum(input.abs() ** p, axes, keepdim) ** (1.0 / p)


def all(input, dim=None, keepdim=False):
    axes = None if dim is None else dims_arg(dim, None, input._data.ndim)
    return Tensor._wrap(contiguous(np.asarray(np.all(input._data, axis=axes, keepdims=keepdim))))


def any(input, dim=None, keepdim=False):
    axes = None if dim is None else dims_arg(dim, None, input._data.ndim)
    return Tensor._wrap(contiguous(np.asarray(np.any(input._data, axis=axes, keepdims=keepdim))))


def count_nonzero(input, dim=None):
    axes = None if dim is None else dims_arg(dim, None, input._data.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64))


# PyTorch's reductions (and cumulative ops) give a fresh contiguous result, where NumPy's
# follow their input's layout (a permuted tensor's sum)
for _op in (Prod, Var, Amax, LogSumExp, Cumsum, Cumprod, Norm2):
    _op.layout = "contiguous"
