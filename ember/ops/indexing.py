"""Indexing: ``t[...]`` and ``t[...] = v`` with PyTorch's rules, gather/scatter, sorting.

Basic indices (ints, slices, None, ...) give views that share storage; advanced ones
(boolean masks, integer tensors, lists, ``range``) give copies whose backward scatters the
gradient with ``np.add.at`` so repeated indices accumulate, as they must.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd import grad_mode
from ..tensor import (Tensor, _new, _wrap_dim, check_view_use, torch_strides, untrackable,
                      view_change_error)
from ._alias import overlaps, same_data, writable
from ._layout import relaid, sorted_strides
from .elementwise import _broadcast_error, _where, zeros_of
from .elementwise import where_array
from .reduction import return_types
from .shape import not_a_view

_grad_enabled = grad_mode._enabled


def _check_step(k):
    """PyTorch has no negative-step slices (NumPy's would give a reversed view)."""
    if k.step is not None and k.step < 0:
        raise ValueError("step must be greater than zero")


def _convert_one(k):
    if type(k) is slice:
        _check_step(k)
        return k
    if isinstance(k, Tensor):
        arr = k._data
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        # PyTorch reads a 0-d index's value now (an int selects; a bool becomes a new
        # index tensor), so an in-place change of it later is not seen: a private copy
        return arr.copy() if arr.ndim == 0 else arr
    if isinstance(k, range):
        return np.arange(k.start, k.stop, k.step, dtype=np.int64)
    if isinstance(k, list):
        if any(isinstance(x, (Tensor, list, slice)) or x is None or x is Ellipsis for x in k):
            return np.array([_convert_one(x) for x in k])
        return np.asarray(k) if k else np.zeros(0, dtype=np.int64)
    if isinstance(k, np.ndarray) and k.dtype.kind == "f":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    return k


def _as_int(k):
    """A 0-d integer index tensor selects like an int in PyTorch (a view, basic indexing)."""
    if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
        return int(k)
    return k


def convert_index(key):
    """An index in PyTorch's vocabulary, turned into one NumPy understands the same way.

    Returns (numpy index, whether it is advanced)."""
    if type(key) is int:  # t[i]: NumPy's meaning already
        return key, False
    if type(key) is slice:  # t[:] = v
        _check_step(key)
        return key, False
    if isinstance(key, tuple):
        conv = tuple(_as_int(_convert_one(k)) for k in key)
    else:
        conv = _as_int(_convert_one(key))
    items = conv if isinstance(conv, tuple) else (conv,)
    advanced = any(isinstance(k, np.ndarray) for k in items)
    if advanced and any(isinstance(k, (int, np.integer)) for k in items):
        return _IntsFirst(items), True
    return conv, advanced


def _check_index_count(shape, items, masks):
    """PyTorch counts the dims an index uses before it applies any of it (a mask uses as
    many as it has)."""
    used = sum(_mask_ndim(k) if is_mask else
               0 if k is None or k is Ellipsis or isinstance(k, bool) else 1
               for k, is_mask in zip(items, masks))
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")


def _mask_flags(items):
    return [_mask_ndim(k) is not None for k in items]


def _mask_ndim(k):
    """The dims of a boolean mask index ``k``; None for any other index (unchecked)."""
    arr = k._data if isinstance(k, Tensor) else k if isinstance(k, np.ndarray) else \
        np.asarray(_convert_one(k)) if isinstance(k, list) else None
    return arr.ndim if arr is not None and arr.dtype == np.bool_ else None


def _check_masks(shape, key):
    """A boolean mask must have the shape of the dims it indexes, as PyTorch requires (NumPy
    lets an empty mask, or one over a dim of size 1, through). The basic indices before it
    apply first, as in PyTorch, which names the shape they leave."""
    items = key if isinstance(key, tuple) else (key,)
    masks = _mask_flags(items)
    if not any(masks):
        return
    _check_index_count(shape, items, masks)
    shape, pos = list(shape), 0
    for i, (k, is_mask) in enumerate(zip(items, masks)):
        if is_mask:
            m = np.shape(_convert_one(k))
            for j, n in enumerate(m):
                if pos + j >= len(shape) or shape[pos + j] != n:
                    raise IndexError(
                        f"The shape of the mask {list(m)} at index {j} does not match the shape "
                        f"of the indexed tensor {shape} at index {pos + j}")
            pos += len(m)
        elif k is None:
            shape.insert(pos, 1)
            pos += 1
        elif k is Ellipsis:  # the dims that the indices after it do not take
            after = sum(np.ndim(_convert_one(x)) if mk else x is not None
                        for x, mk in zip(items[i + 1:], masks[i + 1:]))
            pos = max(pos, len(shape) - after)
        elif isinstance(k, (int, np.integer)) and pos < len(shape):
            del shape[pos]
        elif type(k) is slice and pos < len(shape):
            shape[pos] = len(range(shape[pos])[k])
            pos += 1
        else:
            pos += 1


class _IntsFirst:
    """An index that mixes ints with advanced indices, read as PyTorch reads it: the ints
    select first (basic indexing, like ``select``) and the advanced indices apply to what
    remains. NumPy counts the ints as advanced indices, which moves the result's dims
    (``x[0, :, [0, 1]]`` of a (2, 3, 4) tensor: PyTorch (3, 2), NumPy (2, 3))."""

    __slots__ = ("first", "rest")

    def __init__(self, items):
        first, rest = [], []
        for k in items:
            if isinstance(k, (int, np.integer)):
                first.append(k)
            elif k is None:
                first.append(None)
                rest.append(slice(None))  # the new dim exists after the first step
            elif k is Ellipsis:
                first.append(k)
                rest.append(k)
            elif isinstance(k, np.ndarray):
                # a boolean mask spans as many dims as it has
                first.extend([slice(None)] * (k.ndim if k.dtype == np.bool_ else 1))
                rest.append(k)
            else:
                first.append(k)
                rest.append(slice(None))
        self.first, self.rest = tuple(first), tuple(rest)


def _split(arr, idx):
    """``(target, key)`` such that ``target[key]`` is ``arr[idx]`` in PyTorch's reading;
    ``target`` is ``arr`` or a view of it, so writing ``target[key]`` writes ``arr``."""
    if type(idx) is _IntsFirst:
        return _check_bounds(arr, idx.first), idx.rest
    return arr, idx


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
        target, key = _split(a, idx)
        if advanced:
            _check_empty_dims(target, key)
        out = _check_bounds(target, key)
        if advanced:  # a gather is a new tensor (NumPy may give a view of a strided one)
            return _gathered_layout(target, key, out)
        if not isinstance(out, np.ndarray):  # ints on every dim: a 0-d view, not a copy
            out = a[(idx if isinstance(idx, tuple) else (idx,)) + (Ellipsis,)]
        elif type(idx) is tuple and None in idx and out.size:
            out = _with_new_dim_strides(a, idx, out)
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # refuses if an index tensor was changed in place (_keep_versions)
        return index_grad(g, ctx.in_shape, ctx.idx, ctx.advanced), None, None


def _gathered_layout(target, key, out):
    """``out = target[key]`` (an advanced index) laid out as PyTorch's index lays out its
    result: a TensorIterator over the source restrided to the result's dims (0 on the
    indexed ones) and the index tensors (ops/_layout.py): the kept dims go in the source's
    order, the indexed ones in the index tensors' (a mask's indices are its nonzero's)."""
    if out.size == 0:
        return out
    items = list(key) if type(key) is tuple else [key]

    def width(k):  # the target's dims an index item takes
        if k is None:
            return 0
        return k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1

    ellipsis = [j for j, k in enumerate(items) if k is Ellipsis]
    if ellipsis:
        i = ellipsis[0]
        items[i:i + 1] = [slice(None)] * (target.ndim - sum(width(k) for k in items
                                                          if k is not Ellipsis))
    items += [slice(None)] * (target.ndim - sum(width(k) for k in items))
    # the indexed dims whole (a 0-d mask adds one, as None does)
    view = target[tuple((slice(None) if k.ndim or k.dtype != np.bool_ else None)
                        if isinstance(k, np.ndarray) else k for k in items)]
    view_strides, kept, first_adv, dim = torch_strides(view), [], [], 0
    for pos, k in enumerate(items):  # the view's dims: one per slice or None, the mask's
        if isinstance(k, np.ndarray):
            first_adv.append(pos)
            dim += max(width(k), 1)
        else:
            kept.append((pos, view_strides[dim]))
            dim += 1
    n_adv = out.ndim - len(kept)
    # indexed dims apart from each other go first (NumPy's rule and PyTorch's)
    at = first_adv[0] if first_adv[-1] - first_adv[0] == len(first_adv) - 1 else -1
    before = [st for pos, st in kept if pos < at]
    after = [st for pos, st in kept if pos > at]
    lead = len(before)
    indexed = out.shape[lead:lead + n_adv]
    operands = [tuple(before) + (0,) * n_adv + tuple(after)]
    for pos in first_adv:
        k = items[pos]
        if k.dtype == np.bool_:  # its nonzero's columns: 1-d, one dim of the result
            shape, strides = (indexed[-1],), (1,)
        else:
            shape, strides = k.shape, torch_strides(k)
        pad = n_adv - len(shape)
        operands.append((0,) * (lead + pad) + tuple(
            0 if n == 1 and indexed[pad + i] != 1 else st
            for i, (n, st) in enumerate(zip(shape, strides))) + (0,) * len(after))
    return relaid(out, sorted_strides(out.shape, operands))


def _with_new_dim_strides(a, idx, out):
    """``out = a[idx]`` with PyTorch's strides for the dims that None adds (NumPy gives 0;
    they never address an element). PyTorch applies the indices left to right, and its
    unsqueeze gives a new dim the size times the stride of the dim it goes before, as that
    dim was before its own index (1 at the end)."""
    strides, sizes = torch_strides(a), a.shape
    new, pos_in, pos_out = list(out.strides), 0, 0
    for k in idx:
        if k is None:
            new[pos_out] = a.itemsize * (sizes[pos_in] * strides[pos_in] if pos_in < a.ndim else 1)
            pos_out += 1
        elif k is Ellipsis:
            n = a.ndim - sum(x is not None and x is not Ellipsis for x in idx)
            pos_in, pos_out = pos_in + n, pos_out + n
        else:  # an int takes its dim away, a slice keeps it
            pos_in, pos_out = pos_in + 1, pos_out + (type(k) is slice)
    return np.lib.stride_tricks.as_strided(out, out.shape, new)


def _take_rows(a, idx):
    """``a[idx]`` for an integer array ``idx`` and ``a`` of at least one dimension (every
    batch of the book's data_iter): ``a.take(idx, 0)`` is the same selection, raises the
    same IndexError, and costs a third of NumPy's general advanced indexing."""
    try:
        out = a.take(idx, 0)
    except IndexError:  # PyTorch's words
        _check_empty_dims(a, idx)
        return _check_bounds(a, idx)
    if a.flags.c_contiguous and idx.flags.c_contiguous:  # (take's C order is PyTorch's)
        return out
    return _gathered_layout(a, idx, out)


class IndexRows(Index):
    """Index for ``_take_rows``'s case."""

    @staticmethod
    def forward(ctx, a, idx):
        ctx.in_shape, ctx.idx, ctx.advanced = a.shape, idx, True
        return _take_rows(a, idx)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # as Index's
        return index_grad(g, ctx.in_shape, ctx.idx, True), None


def _index_add_array(g, shape, idx, advanced):
    out = np.zeros(shape, dtype=g.dtype)
    target, idx = _split(out, idx)
    if advanced:
        np.add.at(target, idx, g)
    else:
        target[idx] = g
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
        target, idx = _split(gg, ctx.idx)
        return target[idx], None, None, None


def _keep_versions(out, *keys):
    """Make ``out``'s backward refuse to run once an index or mask tensor among ``keys``
    (whose array the node reads) has been changed in place, as PyTorch's does."""
    node = out.grad_fn
    if node is not None:
        for k in keys:
            if isinstance(k, Tensor):
                node.keep_version(k)
        if not node._saved:  # a list index too is a saved tensor to PyTorch (keep_version)
            node.save_for_backward(None)
    return out


def getitem(t, key):
    if t._made_at is not None and _grad_enabled[0]:
        _check_stale_view_first(t, key)
    if type(key) is Tensor and key._data.ndim and key._data.dtype.kind in "iu" and t._data.ndim:
        # A batch of row indices (``features[batch_indices]``, every step of the book's
        # data_iter): what convert_index would conclude, without its checks; and when
        # nothing is recorded (the data set's features), what apply would do, directly.
        if t._requires_grad and _grad_enabled[0]:
            return _keep_versions(IndexRows.apply(t, key._data), key)
        return _new(Tensor, _take_rows(t._data, key._data), False, None)
    idx, advanced = convert_index(key)
    if advanced:
        _check_masks(t._data.shape, key)
    out = Index.apply(t, idx, advanced)
    if advanced and out.grad_fn is not None:  # (a 0-d index was copied: see _convert_one)
        _keep_versions(out, *[k for k in (key if isinstance(key, tuple) else (key,))
                              if not (isinstance(k, Tensor) and k._data.ndim == 0)])
    if not advanced:
        from .shape import _as_view
        if out.grad_fn is not None:  # (before _as_view, which may put it in a message)
            out.grad_fn.backward_name = f"{_view_written(t._data.shape, idx) or 'Alias'}Backward0"
        _as_view(out, t)  # a basic index is a view of the same storage
    return out


class SetItem(Function):
    """``x[idx] = v`` as an out-of-place op, used when the assignment is recorded."""

    backward_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, v, idx):
        out = x.copy()
        try:
            _assign(out, idx, v)
        except ValueError as e:  # in PyTorch's words, as an unrecorded assignment's
            raise RuntimeError(_assign_error(out, idx, v, e)) from None
        ctx.idx, ctx.v_ndim = idx, np.ndim(v)
        ctx.whole = _writes_whole(idx, x.shape)
        if not ctx.whole:  # PyTorch's CopySlices and index_put save what they write
            ctx.save_for_backward(None)  # through: freed by a backward (copy_ is no such)
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # refuses once freed
        gx = None
        if ctx.needs_input_grad[0]:  # zero where overwritten, also where g is inf or nan
            if isinstance(g, np.ndarray):
                gx = g.copy()
                target, key = _split(gx, ctx.idx)
                target[key] = 0
            elif ctx.whole:  # PyTorch's copy_: zeros_like(g), a constant
                gx = zeros_of(g)
            else:
                mask = np.ones(g.shape, dtype=bool)
                target, key = _split(mask, ctx.idx)
                target[key] = False
                gx = _where(mask, g, 0.0)
        gv = None
        if ctx.needs_input_grad[1]:
            target, key = _split(g, ctx.idx)
            gv = target[key]
            if gv.ndim < ctx.v_ndim:  # the value's dropped leading 1s (see _assign)
                gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + tuple(gv.shape))
        return gx, gv, None


def _writes_whole(idx, shape):
    """Whether ``x[idx] = v`` writes all of x as PyTorch's indexing sees it: it skips the
    ellipsis and a slice over a whole dim (start 0, step 1, stop at the end or past it), so
    the assignment is a plain copy_, which saves nothing (no CopySlices)."""
    items = idx if isinstance(idx, tuple) else (idx,)
    if not all(k is Ellipsis or type(k) is slice for k in items):
        return False
    k = next((i for i, item in enumerate(items) if item is Ellipsis), len(items))
    dims = list(range(k)) + list(range(len(shape) - (len(items) - k - 1), len(shape)))
    return all(item.start in (None, 0) and item.step in (None, 1) and
               (item.stop is None or item.stop >= shape[d])
               for item, d in zip(items[:k] + items[k + 1:], dims) if item is not Ellipsis)


def _check_index_put_dtype(t, key, value):
    """PyTorch's index_put (advanced-index assignment) takes a value of the target's dtype
    only; one boolean mask (beside basic indices) with a one-element value is a masked
    fill, which casts."""
    items = key if isinstance(key, tuple) else (key,)
    advanced = [k for k in items if isinstance(k, (Tensor, list, range, np.ndarray))
                and not (isinstance(k, Tensor) and k._data.ndim == 0 and k._data.dtype != np.bool_)]
    if (len(advanced) == 1 and isinstance(advanced[0], Tensor)
            and advanced[0]._data.dtype == np.bool_ and advanced[0]._data.ndim > 0
            and value._data.size == 1):
        return
    idx, _ = convert_index(key)
    target, rest = _split(t._data, idx)  # the ints select first: one out of range first
    try:  # an index that does not fit the shape is reported first, as in PyTorch
        _check_bounds(target, rest)
    except IndexError as e:
        if "out of bounds" not in str(e):  # (one out of range only after the dtypes)
            raise
    from .inplace import _type_word
    raise RuntimeError(
        "Index put requires the source and destination dtypes match, got "
        f"{_type_word(t._data.dtype)} for the destination and {_type_word(value._data.dtype)} "
        "for the source.")


_C_INT_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
                "uint8": "uint8_t"}


def _check_fill_value(dt, v):
    """An index put of one float into an integer tensor converts it as a scalar, with
    PyTorch's overflow check: inf, nan and values out of the dtype's range are refused
    (whether or not the index selects anything)."""
    v = np.asarray(v)
    if dt.kind not in "iu" or v.size != 1 or v.dtype.kind != "f":
        return
    x, info = float(v.reshape(())), np.iinfo(dt)
    if not (math.isfinite(x) and info.min <= math.trunc(x) <= info.max):
        raise RuntimeError(f"value cannot be converted to type {_C_INT_NAMES[dt.name]} without "
                           "overflow")


def _check_empty_dims(target, key):
    """PyTorch's first check of an advanced index ``target[key]`` (its AdvancedIndex): no
    index is valid into a dim of size 0, so an index array there is out of bounds unless
    the index arrays' broadcast shape is empty (nothing is read or written). Named without
    the index, in PyTorch's words, before any other check of the index or the value."""
    if _indexes_an_empty_dim(target.shape, key if isinstance(key, tuple) else (key,)):
        raise IndexError("index is out of bounds for dimension with size 0")


def _indexes_an_empty_dim(shape, items):
    """Whether an integer index array among ``items`` (a NumPy index of an array of
    ``shape``) indexes a dim of size 0 while the index arrays broadcast to a nonempty
    shape (a mask counts as its number of True elements)."""
    def width(k):
        if k is None or k is Ellipsis:
            return 0
        return k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1
    pos, into_empty, shapes = 0, False, []
    for k in items:
        if k is Ellipsis:
            pos += len(shape) - sum(width(x) for x in items)
        elif isinstance(k, np.ndarray):
            if k.dtype == np.bool_:
                shapes.append((int(np.count_nonzero(k)),))
            else:
                shapes.append(k.shape)
                into_empty = into_empty or (pos < len(shape) and shape[pos] == 0)
        pos += width(k)
    if not into_empty:
        return False
    try:
        return 0 not in np.broadcast_shapes(*shapes)
    except ValueError:  # indices that do not broadcast: their own error, later
        return False


def _view_written(shape, key):
    """The op of the last view PyTorch takes of a tensor of ``shape`` to read or write
    ``t[key]`` (its basic indices, in order: Select, Slice, Unsqueeze; a slice of a whole
    dim is no view), or None when there is none."""
    items = key if isinstance(key, tuple) else (key,)
    consumed = sum(1 if not (k is None or k is Ellipsis or isinstance(k, bool)) else 0
                   for k in items)
    name, pos = None, 0
    for k in items:
        if k is Ellipsis:
            pos = len(shape) - consumed
            continue
        if k is None or isinstance(k, bool):
            name = "Unsqueeze"
            continue
        consumed -= 1
        if isinstance(k, (int, np.integer)):
            n = shape[pos] if pos < len(shape) else 0
            if not -n <= k < n:  # PyTorch's select refuses it before anything is written
                raise IndexError(f"index {k} is out of bounds for dimension {pos} with size {n}")
            name = "Select"
        elif isinstance(k, slice):
            n = shape[pos] if pos < len(shape) else 0
            if k.indices(n) != (0, n, 1):
                name = "Slice"
        pos += 1
    return name


def _assign(arr, idx, v):
    """``arr[idx] = v`` in PyTorch's rule: ``v`` broadcasts to the indexed shape once its
    leading size-1 dims are dropped (``x[i] = t`` with ``t`` of shape (1, 1))."""
    target, key = _split(arr, idx)
    try:
        target[key] = v
    except ValueError:
        vshape, shape = np.shape(v), _check_bounds(target, key).shape
        lead = len(vshape) - len(shape)
        if lead <= 0 or any(s != 1 for s in vshape[:lead]):
            raise
        target[key] = np.reshape(v, vshape[lead:])


def setitem(t, key, value):
    if t._made_at is not None and _grad_enabled[0] and (
            t._requires_grad or (isinstance(value, Tensor) and value._requires_grad)) and (
            t._data.dtype.kind == "f" or _index_put(key)) and untrackable(t):
        # a recorded write into a view autograd cannot track: PyTorch refuses it before
        # it looks at the advanced index (only the basic one applies first, once the
        # dims it uses are counted); into an integer view, an index put is refused so
        # whatever its dtypes, a copy of a basic index's part is let through
        items = key if isinstance(key, tuple) else (key,)
        _check_index_count(t._data.shape, items, _mask_flags(items))
        raise view_change_error(t, through=_view_written(t._data.shape, key))
    # (t[:] = v, the optimizers' state update, skips even convert_index's frame)
    if type(key) is slice:
        if key.step is not None:
            _check_step(key)
        idx, advanced = key, False
    else:
        idx, advanced = convert_index(key)
        if type(idx) is _IntsFirst:  # PyTorch selects with the ints before anything else
            _check_bounds(t._data, idx.first)
        if advanced:
            _check_masks(t._data.shape, key)
            if not isinstance(value, Tensor):  # a number is converted first
                _check_fill_value(t._data.dtype, value)
            _check_empty_dims(*_split(t._data, idx))
            if isinstance(value, Tensor):
                if value._data.dtype != t._data.dtype:
                    _check_index_put_dtype(t, key, value)
                _check_fill_value(t._data.dtype, value._data)
    recorded = _grad_enabled[0] and (
        t._requires_grad or (isinstance(value, Tensor) and value._requires_grad))
    if recorded and t._data.dtype.kind != "f" and not t._requires_grad:
        # an integer tensor: recorded when PyTorch marks it (a fill, an index put), not a copy
        recorded = _marks(t, idx, advanced, value) is not None
    if not recorded:
        # Not recorded (an optimizer's ``v[:] = beta * v + g``): kept flat, and
        # t._check_inplace() consulted only when NumPy refuses the write, as
        # inplace.fast_binary_inplace explains.
        data = t._data
        v = value._data if isinstance(value, Tensor) else value
        if isinstance(v, np.ndarray) and v.dtype.kind == "f" and data.dtype.kind in "iub":
            v = v.astype(data.dtype)
        try:
            if type(idx) is _IntsFirst:
                _assign(data, idx, v)
            else:
                data[idx] = v
        except Exception as e:
            if not data.flags.writeable and _assign_expanded(data, idx, advanced, v):
                t._vc[0] += 1
                return
            t._check_inplace()  # a read-only tensor's error first, as if checked before
            if not isinstance(e, ValueError):
                raise
            try:
                _assign(data, idx, v)
            except ValueError:
                raise RuntimeError(_assign_error(data, idx, v, e)) from None
        t._vc[0] += 1
        return
    if t._requires_grad and t.grad_fn is None:  # x[i] = v writes through a view of x
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation.")
    if not advanced and overlaps(t._data):
        # an expand()ed tensor: PyTorch copies into the part t[key], refused if it shares
        # memory too, and recorded as a write to that part (ops/_alias.py)
        from .inplace import copy_, fill_
        part = getitem(t, key)
        # PyTorch fills the part with a 0-d value (which marks an integer t), else copies
        fill = isinstance(value, Tensor) and value._data.ndim == 0 and part._data.ndim
        (fill_ if fill else copy_)(part, value)
        return
    if advanced and overlaps(t._data):
        # an index put into an expand()ed tensor: PyTorch's goes into the view its basic
        # indices select, and its backward refuses only when that one shares memory
        basic, rest = _split_index(key)
        part = getitem(t, basic)
        if not overlaps(part._data):
            setitem(part, rest, value)
            return
    t._check_inplace(shared_ok=advanced)  # an index put may go into an expand()ed tensor
    from .inplace import rebase
    # (PyTorch's index_put_ saves its index tensors, masks too: changing one in place
    # afterwards is refused in backward)
    items = key if isinstance(key, tuple) else (key,)
    kept = [k for k in items if isinstance(k, Tensor) and k._data.ndim] if advanced else ()
    rebase(t, (lambda old: _keep_versions(SetItem.apply(old, value, idx), *kept)) if kept else
           (lambda old: SetItem.apply(old, value, idx)), marks=_marks(t, idx, advanced, value))


def _check_stale_view_first(t, key):
    """A read through a view autograd refuses once its base changed in place
    (tensor.check_view_use) fails as PyTorch's: it counts the dims the index uses, then
    applies its items one by one, each an op that autograd records, the first one refusing
    the view; only an int checks its bounds before its op (select)."""
    if t._vc[0] == t._made_at or "_detached_root" in t.__dict__:
        check_view_use(t)  # (unchanged since, or a view whose root was detach_()ed)
        return
    items = key if isinstance(key, tuple) else (key,)
    masks = _mask_flags(items)
    _check_index_count(t._data.shape, items, masks)
    shape = t._data.shape
    for i, k in enumerate(items):
        if k is Ellipsis:
            continue
        if isinstance(k, int) and not isinstance(k, bool):
            # its dim: counted from the end when an Ellipsis comes before it
            after = items[i:]
            dim = i if Ellipsis not in items[:i] else len(shape) - sum(
                _mask_ndim(a) if m else 0 if a is None or isinstance(a, bool) else 1
                for a, m in zip(after, masks[i:]))
            if not -shape[dim] <= k < shape[dim]:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with "
                                 f"size {shape[dim]}")
        break
    check_view_use(t)


def _index_put(key):
    """Whether PyTorch writes ``t[key] = v`` with index_put_: the key holds a list, an
    array or a tensor that is not a 0-d integer one (that one selects, as an int does)."""
    for k in (key if isinstance(key, tuple) else (key,)):
        if isinstance(k, list) or isinstance(k, (Tensor, np.ndarray)) and (
                np.ndim(k) or (k._data if isinstance(k, Tensor) else k).dtype.kind not in "iu"):
            return True
    return False


def _split_index(key):
    """``key`` as PyTorch applies it: its basic indices first (a view), then its advanced
    ones on that view. Returns (the basic key, the advanced key that follows it)."""
    items = key if isinstance(key, tuple) else (key,)
    basic, rest = [], []
    for k, is_mask in zip(items, _mask_flags(items)):
        if isinstance(k, (Tensor, np.ndarray, list)) and (not is_mask or _mask_ndim(k)):
            basic.extend([slice(None)] * (_mask_ndim(k) if is_mask else 1))
            rest.append(k)
        elif isinstance(k, (Tensor, np.ndarray)):  # a 0-d mask: applied after, as a dim of 1
            rest.append(k)
        elif k is Ellipsis:
            basic.append(k)
            rest.append(k)
        else:  # an int (its dim gone), a slice, None or a bool (a dim left)
            basic.append(k)
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
                rest.append(slice(None))
    return tuple(basic), tuple(rest)


def _marks(t, idx, advanced, value):
    """The value when PyTorch marks an integer or bool ``t`` as requiring grad after
    ``t[idx] = value`` (inplace.marked): an index_put of a boolean mask, or a fill_ of a
    0-d value into what is not 0-d (a copy_ there does not mark)."""
    kind = t._data.dtype.kind
    if not isinstance(value, Tensor) or kind == "f":
        return None
    if advanced:
        return value
    return value if value._data.ndim == 0 and t._data[idx].ndim else None


def _assign_expanded(data, idx, advanced, v):
    """``data[idx] = v`` into an expand()ed tensor's array, as far as PyTorch allows it
    (ops/_alias.py): an advanced index puts values whatever the overlap, a basic one copies
    into a part that must share no memory (unless the value is that part itself: inplace.copy_).
    False when refused."""
    w = writable(data)
    if w is None:
        return False
    if not advanced:
        part = _check_bounds(data, idx)
        if overlaps(part) and not (isinstance(v, np.ndarray) and same_data(part, v)):
            return False
    try:
        if type(idx) is _IntsFirst:
            _assign(w, idx, v)
        else:
            w[idx] = v
    except ValueError:
        return False  # (the caller says why in PyTorch's words)
    return True


def _assign_error(arr, idx, v, err):
    try:
        target = _check_bounds(*_split(arr, idx)).shape
    except Exception:  # noqa: BLE001 - the original error is the better message then
        return str(err)
    vshape = list(np.shape(v))
    while len(vshape) > len(target) and vshape[0] == 1:
        vshape.pop(0)
    if len(vshape) > len(target):  # PyTorch expands the value to the target: its words
        from ..tensor import _TYPE_NAMES
        kind = _TYPE_NAMES[np.asarray(v).dtype.name]
        return (f"expand(torch.{kind}{{{list(np.shape(v))}}}, size={list(target)}): the number "
                f"of sizes provided ({len(target)}) must be greater or equal to the number of "
                f"dimensions in the tensor ({len(np.shape(v))})")
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
        return not_a_view(index_select(input.reshape(1), 0, index).reshape(()))
    if input._data.shape[d] == 0 and idx.size:
        if input._data.ndim == 1:
            raise IndexError("index out of range in self")
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    out = _keep_versions(getitem(input, (slice(None),) * d + (Tensor._wrap(idx.reshape(-1)),)),
                         index)
    if out.grad_fn is not None:
        out.grad_fn.backward_name = "IndexSelectBackward0"
    return out


class Gather(Function):
    """``out[i][j][k] = a[i][idx[i][j][k]][k]`` (dim 1): the result has the index's shape,
    which may be smaller than a's but never larger, apart from dim (no broadcasting)."""

    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.in_shape, ctx.dim = a.shape, dim
        if idx.size == 0:  # PyTorch checks nothing then
            ctx.idx = idx.astype(np.int64)
            return np.empty(idx.shape, a.dtype)
        if idx.dtype != np.int64 and idx.dtype != np.int32:
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        if idx.ndim != a.ndim:
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as input tensor")
        for d in range(a.ndim):
            if d != dim and idx.shape[d] > a.shape[d]:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index {list(idx.shape)} to "
                    f"be no larger than self {list(a.shape)} apart from dimension {dim}")
        bad = (idx < 0) | (idx >= a.shape[dim])
        if bad.any():
            raise RuntimeError(f"index {idx[bad][0]} is out of bounds for dimension {dim} with "
                               f"size {a.shape[dim]}")
        ctx.idx = idx
        part = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(idx.shape))
        return np.take_along_axis(a[part], idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # refuses if the index was changed in place (_keep_versions)
        return scatter_add_into_zeros(g, ctx.idx, ctx.dim, ctx.in_shape), None, None


def gather(input, dim, index):
    d = _wrap_dim(dim, input._data.ndim)
    if 0 in (input._data.ndim, index._data.ndim) and input._data.ndim <= 1 \
            and index._data.ndim <= 1:  # a 0-d tensor acts as one of size 1
        return not_a_view(gather(input.reshape(-1), 0, index.reshape(-1)).reshape(index.shape))
    # (PyTorch's node saves the input too, for its sizes: changing it in place is refused)
    return _keep_versions(Gather.apply(input, d, index._data), index, input)


def take_along_dim(input, indices, dim=None):
    """gather, with input and indices broadcast against each other apart from dim."""
    if indices._data.dtype != np.int64:
        from .inplace import _type_word
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_type_word(indices._data.dtype)}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    a, i = input._data, indices._data
    if a.ndim != i.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {a.ndim} dimensions for input, and {i.ndim} dimensions "
            "for indices")
    d = _wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    sa, si = a.shape[:d] + (1,) + a.shape[d + 1:], i.shape[:d] + (1,) + i.shape[d + 1:]
    try:
        rest = list(np.broadcast_shapes(sa, si))
    except ValueError:
        raise _broadcast_error(np.broadcast_to(0, sa), np.broadcast_to(0, si)) from None
    # PyTorch gathers with a copy of the broadcast indices: changing them in place later
    # does not reach the backward (with dim=None it gathers with the indices themselves)
    return gather(input.expand(*rest[:d], a.shape[d], *rest[d + 1:]), d,
                  indices.expand(*rest[:d], i.shape[d], *rest[d + 1:]).clone())


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
    layout = "contiguous"  # (PyTorch fills a C-contiguous clone of the input, whatever its layout)

    @staticmethod
    def forward(ctx, a, mask, value):
        if mask.dtype != np.bool_:
            from .inplace import _c10_name
            raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with "
                               f"dtype {_c10_name(mask.dtype)}")
        ctx.mask = mask
        return where_array(mask, np.asarray(value, dtype=a.dtype), a)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # refuses if the mask was changed in place (_keep_versions)
        gv = None
        if ctx.needs_input_grad[2]:
            gv = _where(ctx.mask, g, 0.0).sum()
        if isinstance(g, np.ndarray) and np.isfinite(g).all():
            gx = g * ~ctx.mask  # (a multiply is far cheaper than where)
            gx += 0.0  # -0.0 (a negative g masked) to +0.0, as PyTorch's
        else:  # where: inf * 0 would be nan
            gx = _where(ctx.mask, 0.0, g)
        return gx, None, gv


def masked_fill(input, mask, value):
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    out = MaskedFill.apply(input, mask._data if isinstance(mask, Tensor) else mask, value)
    return _keep_versions(out, mask)


def masked_select(input, mask):
    mask_arr = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    try:
        shape = np.broadcast_shapes(input._data.shape, mask_arr.shape)
    except ValueError:
        from .elementwise import _broadcast_error
        raise _broadcast_error(input._data, mask_arr) from None
    out = getitem(input.expand(shape), Tensor._wrap(np.broadcast_to(mask_arr, shape)))
    return _keep_versions(out, input, mask)  # PyTorch's MaskedSelectBackward saves both


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
    indices = Tensor._wrap(idx.astype(np.int64))
    values = gather(input, d, indices)  # (the indices given back are the ones it reads)
    if values.grad_fn is not None:
        values.grad_fn.backward_name = "SortBackward0"
    return return_types.sort(values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    d = _wrap_dim(dim, input._data.ndim)
    if k > input._data.shape[d]:
        raise RuntimeError("selected index k out of range")
    s = sort(input, d, descending=largest)
    key = (slice(None),) * d + (slice(0, k),)
    # parts of the sort's own results: no views to the user (detach_() allows them)
    values = not_a_view(s.values[key])
    if values.grad_fn is not None:
        values.grad_fn.backward_name = "TopkBackward0"
    return return_types.topk(values, not_a_view(s.indices[key]))
