"""Indexing: ``t[...]`` and ``t[...] = v`` with PyTorch's rules, gather/scatter, sorting.

Basic indices (ints, slices, None, ...) give views that share storage; advanced ones
(boolean masks, integer tensors, lists, ``range``) give copies whose backward scatters the
gradient with ``np.add.at`` so repeated indices accumulate, as they must.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd import grad_mode
from ..tensor import Tensor, _new, _wrap_dim
from .elementwise import where_array
from .reduction import return_types

_grad_enabled = grad_mode._enabled


def _convert_one(k):
    if isinstance(k, Tensor):
        arr = k._data
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(k, range):
        return np.arange(k.start, k.stop, k.step, dtype=np.int64)
    if isinstance(k, list):
        if any(isinstance(x, (Tensor, list, slice)) or x is None or x is Ellipsis for x in k):
            return np.array([_convert_one(x) for x in k])
        return np.asarray(k) if k else np.zeros(0, dtype=np.int64)
    if isinstance(k, np.ndarray) and k.dtype.kind == "f":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    return k


def convert_index(key):
    """An index in PyTorch's vocabulary, turned into one NumPy understands the same way.

    Returns (numpy index, whether it is advanced)."""
    if type(key) is slice or type(key) is int:  # t[:] = v, t[i]: NumPy's meaning already
        return key, False
    if isinstance(key, tuple):
        conv = tuple(_convert_one(k) for k in key)
    else:
        conv = _convert_one(key)
        if isinstance(conv, np.ndarray) and conv.dtype != np.bool_ and conv.ndim == 0:
            conv = int(conv)
    items = conv if isinstance(conv, tuple) else (conv,)
    advanced = any(isinstance(k, np.ndarray) for k in items)
    return conv, advanced


def _check_bounds(arr, idx):
    """Turn NumPy's IndexError into PyTorch's wording."""
    try:
        return arr[idx]
    except IndexError as e:
        msg = str(e)
        if "out of bounds" in msg:
            import re
            m = re.search(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
            if m:
                raise IndexError(
                    f"index {m.group(1)} is out of bounds for dimension {m.group(2)} with size "
                    f"{m.group(3)}") from None
        raise IndexError(msg) from None


class Index(Function):
    backward_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, idx, advanced):
        ctx.in_shape, ctx.idx, ctx.advanced = a.shape, idx, advanced
        out = _check_bounds(a, idx)
        if advanced:  # a gather is a new, contiguous tensor (NumPy may give a strided one)
            return np.ascontiguousarray(out)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        return index_grad(g, ctx.in_shape, ctx.idx, ctx.advanced), None, None


def _take_rows(a, idx):
    """``a[idx]`` for an integer array ``idx`` and ``a`` of at least one dimension (every
    batch of the book's data_iter): ``a.take(idx, 0)`` is the same selection, raises the
    same IndexError, and costs a third of NumPy's general advanced indexing."""
    try:
        return a.take(idx, 0)
    except IndexError:
        return _check_bounds(a, idx)  # PyTorch's words


class IndexRows(Index):
    """Index for ``_take_rows``'s case."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.in_shape, ctx.idx, ctx.advanced = a.shape, idx, True
        return _take_rows(a, idx)

    @staticmethod
    def backward(ctx, g):
        return index_grad(g, ctx.in_shape, ctx.idx, True), None


def _index_add_array(g, shape, idx, advanced):
    out = np.zeros(shape, dtype=g.dtype)
    if advanced:
        np.add.at(out, idx, g)
    else:
        out[idx] = g
    return out


def index_grad(g, shape, idx, advanced):
    """Zeros of ``shape`` with ``g`` added at ``idx`` (differentiable when g is a Tensor)."""
    if isinstance(g, Tensor):
        return IndexAddIntoZeros.apply(g, shape, idx, advanced)
    return _index_add_array(np.asarray(g), shape, idx, advanced)


class IndexAddIntoZeros(Function):
    """The backward of indexing, as an op, so it can itself be differentiated."""

    backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, idx, advanced):
        ctx.idx = idx
        return _index_add_array(g, shape, idx, advanced)

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.idx], None, None, None


def getitem(t, key):
    if type(key) is Tensor and key._data.ndim and key._data.dtype.kind in "iu" and t._data.ndim:
        # A batch of row indices (``features[batch_indices]``, every step of the book's
        # data_iter): what convert_index would conclude, without its checks; and when
        # nothing is recorded (the data set's features), what apply would do, directly.
        if t._requires_grad and _grad_enabled[0]:
            return IndexRows.apply(t, key._data)
        return _new(Tensor, _take_rows(t._data, key._data), False, None)
    idx, advanced = convert_index(key)
    out = Index.apply(t, idx, advanced)
    if not advanced:
        from .shape import _as_view
        _as_view(out, t)  # a basic index is a view of the same storage
        node = out.grad_fn
        if node is not None:
            items = idx if isinstance(idx, tuple) else (idx,)
            if all(isinstance(k, (int, np.integer)) for k in items):
                node.backward_name = "SelectBackward0"
            elif any(isinstance(k, slice) for k in items):
                node.backward_name = "SliceBackward0"
            else:
                node.backward_name = "UnsqueezeBackward0"
    return out


class SetItem(Function):
    """``x[idx] = v`` as an out-of-place op, used when the assignment is recorded."""

    backward_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, v, idx):
        out = x.copy()
        out[idx] = v
        ctx.idx = idx
        return out

    @staticmethod
    def backward(ctx, g):
        gx = None
        if ctx.needs_input_grad[0]:
            mask = np.ones(g.shape, dtype=bool)
            mask[ctx.idx] = False
            gx = g * mask
        gv = g[ctx.idx] if ctx.needs_input_grad[1] else None
        return gx, gv, None


def setitem(t, key, value):
    # (t[:] = v, the optimizers' state update, skips even convert_index's frame)
    if type(key) is slice:
        idx = key
    else:
        idx, advanced = convert_index(key)
        if advanced and isinstance(value, Tensor) and value._data.dtype != t._data.dtype \
                and not _is_masked_fill(idx, value):
            from .inplace import _type_word
            try:  # an index that does not fit the shape is reported first (one out of
                t._data[idx]  # range only after the dtypes), as in PyTorch
            except IndexError as e:
                if "out of bounds" not in str(e):
                    _check_bounds(t._data, idx)
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{_type_word(t._data.dtype)} for the destination and "
                f"{_type_word(value._data.dtype)} for the source.")
    if not (_grad_enabled[0] and (
            t._requires_grad or (isinstance(value, Tensor) and value._requires_grad))):
        # Not recorded (an optimizer's ``v[:] = beta * v + g``): kept flat, and
        # t._check_inplace() consulted only when NumPy refuses the write, as
        # inplace.fast_binary_inplace explains.
        data = t._data
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and data.dtype.kind in "iub":
            t._check_inplace()
            v = v.astype(data.dtype)
        try:
            data[idx] = v
        except Exception as e:
            t._check_inplace()  # a read-only tensor's error first, as if checked before
            if not isinstance(e, ValueError):
                raise
            raise RuntimeError(_assign_error(data, idx, v, e)) from None
        t._vc[0] += 1
        return
    if t._requires_grad and t.grad_fn is None:  # x[i] = v writes through a view of x
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation.")
    t._check_inplace()
    from .inplace import rebase
    rebase(t, lambda old: SetItem.apply(old, value, idx))


def _is_masked_fill(idx, value):
    """Whether PyTorch writes this without index_put_ (which wants the value's dtype to
    match): one boolean mask (basic indices beside it) and a one-element value go to
    masked_fill_, and an index whose tensors are all 0-d integers is a basic one."""
    arrays = [k for k in (idx if isinstance(idx, tuple) else (idx,)) if isinstance(k, np.ndarray)]
    if all(k.ndim == 0 and k.dtype != np.bool_ for k in arrays):
        return True  # 0-d integer tensors index as integers: a copy_, which casts
    return len(arrays) == 1 and arrays[0].dtype == np.bool_ and arrays[0].ndim > 0 and \
        value._data.size == 1


def _assign_error(arr, idx, v, err):
    try:
        target = arr[idx].shape
    except Exception:  # noqa: BLE001 - the original error is the better message then
        return str(err)
    return (f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast "
            f"to indexing result of shape {list(target)}")


def index_select(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input._data.ndim == 0:  # a scalar is indexed as if it had one dim of size 1
        if idx.size != 1:
            raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        return index_select(input.reshape(1), 0, index).reshape(())
    if input._data.shape[d] == 0 and idx.size:
        if input._data.ndim == 1:
            raise IndexError("index out of range in self")
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    out = getitem(input, (slice(None),) * d + (Tensor._wrap(idx.reshape(-1)),))
    if out.grad_fn is not None:
        out.grad_fn.backward_name = "IndexSelectBackward0"
    return out


class Gather(Function):
    @staticmethod
    def forward(ctx, a, dim, idx):
        if idx.ndim != a.ndim:
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as input tensor")
        ctx.in_shape, ctx.dim, ctx.idx = a.shape, dim, idx
        return np.take_along_axis(a, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return scatter_add_into_zeros(g, ctx.idx, ctx.dim, ctx.in_shape), None, None


def gather(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # a scalar gathers as if it had one dim of size 1
        return gather(input.reshape(1), 0, index.reshape(-1)).reshape(index.shape)
    return Gather.apply(input, d, index._data)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    return gather(input, dim, indices)


def _scatter_add_array(g, idx, dim, shape):
    out = np.zeros(shape, dtype=g.dtype)
    index = list(np.indices(idx.shape, sparse=True))
    index[dim] = idx
    np.add.at(out, tuple(index), g)
    return out


class ScatterAddIntoZeros(Function):
    """Zeros with ``g`` added at ``idx`` along ``dim``: gather's backward, as an op."""

    backward_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, g, idx, dim, shape):
        ctx.idx, ctx.dim = idx, dim
        return _scatter_add_array(g, idx, dim, shape)

    @staticmethod
    def backward(ctx, gg):
        return Gather.apply(gg, ctx.dim, ctx.idx), None, None, None


def scatter_add_into_zeros(g, idx, dim, shape):
    """Differentiable in ``g`` when it is a Tensor (double backward of gather/max)."""
    if not isinstance(g, Tensor):
        return _scatter_add_array(g, idx, dim, shape)
    return ScatterAddIntoZeros.apply(g, idx, dim, shape)


scatter_into_zeros = scatter_add_into_zeros  # indices from argmax are unique per slice


class MaskedFill(Function):
    @staticmethod
    def forward(ctx, a, mask, value):
        if mask.dtype != np.bool_:
            raise RuntimeError(
                "masked_fill_ only supports boolean masks, but got mask with dtype "
                + str(mask.dtype))
        ctx.mask = mask
        return where_array(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, g):
        keep = ~ctx.mask
        gv = None
        if ctx.needs_input_grad[2]:
            gv = (g * ctx.mask).sum()
        return g * keep, None, gv


def masked_fill(input, mask, value):
    return MaskedFill.apply(input, mask._data if isinstance(mask, Tensor) else mask, value)


def masked_select(input, mask):
    mask_arr = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    try:
        shape = np.broadcast_shapes(input._data.shape, mask_arr.shape)
    except ValueError:
        from .elementwise import _broadcast_error
        raise _broadcast_error(input._data, mask_arr) from None
    return getitem(input.expand(shape), Tensor._wrap(np.broadcast_to(mask_arr, shape)))


def nonzero(input, *, as_tuple=False):
    idx = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    return Tensor._wrap(np.stack(idx, axis=1).astype(np.int64) if idx else
                        np.zeros((0, 0), dtype=np.int64))


def argwhere(input):
    return nonzero(input)


def sort(input, dim=-1, descending=False, stable=False):
    d = _wrap_dim(dim, input._data.ndim)
    a = input._data
    idx = np.argsort(-a if descending and a.dtype.kind != "b" else a, axis=d, kind="stable")
    if descending and a.dtype.kind == "b":
        idx = np.flip(idx, d)
    idx = idx.astype(np.int64)
    values = gather(input, d, Tensor._wrap(idx))
    if values.grad_fn is not None:
        values.grad_fn.backward_name = "SortBackward0"
    return return_types.sort(values, Tensor._wrap(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = _wrap_dim(dim, input._data.ndim)
    if k > input._data.shape[d]:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    key = (slice(None),) * d + (slice(0, k),)
    return return_types.topk(s.values[key], Tensor._wrap(s.indices._data[key]))
