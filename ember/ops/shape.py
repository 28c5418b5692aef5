"""Shape operations: views (reshape, transpose, squeeze ...) and joins (cat, stack, split).

Views share storage and the version counter with their input, as PyTorch's do, so an
in-place change through one is seen (and tracked) through the other.
"""
import builtins
import math
import re
import weakref

import numpy as np

from .. import _dtype, _threads
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import _REVERSED_DIMS, Tensor, _new, _wrap_dim, torch_strides
from ._alias import writable_view
from ._layout import contiguous as c_order, suggested, suggests_channels_last

_grad_enabled = grad_mode._enabled


def _shape_arg(shape):
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer(shape, numel, old_shape):
    known = 1
    inferred = False
    for i, s in enumerate(shape):  # PyTorch's checks, in its order
        if s == -1:
            if inferred:
                raise RuntimeError("only one dimension can be inferred")
            inferred = True
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _root(base):
    """The tensor that owns the storage ``base`` views (``base`` itself if it is no view):
    a recorded in-place change of a view rebases it too (ops/inplace.py)."""
    root = base._base
    return base if root is None else root


def _register(vc, out):
    """Note the view ``out`` in its storage's version counter ``vc`` (a list: the version,
    then weak references to its views), so that a recorded in-place change of the storage's
    root can give each live view a new node, as PyTorch regenerates a view's grad_fn
    (ops/inplace.py, rebase), and a view made under no_grad requires grad once its base
    does, as PyTorch's reads its base's flag. Dead references go at each power of two."""
    vc.append(weakref.ref(out))
    out._made_version = vc[0]  # (tensor.requires_grad_: changed since, it gets a node there)
    n = len(vc)
    if n >= 64 and not n & (n - 1):
        vc[1:] = [r for r in vc[1:] if r() is not None]


def _as_view(out, base):
    if not out._data.flags.writeable:  # a part of an expand()ed tensor (ops/_alias.py)
        out._data = writable_view(out._data)
    out._vc = vc = base._vc
    out._base = _root(base)
    _register(vc, out)
    if _grad_enabled[0]:
        if base._made_at is not None:  # a view of a view autograd cannot track is one too
            _inherit_marks(out, base)
    else:
        _no_grad_view(out, base)
    if out.grad_fn is not None:
        # Remember a leaf that requires grad under the view: writing through the view in
        # place would change the leaf behind autograd's back (PyTorch refuses it too).
        leaf = base.__dict__.get("_view_of_leaf")
        if leaf is None and base.grad_fn is None:
            leaf = base
        if leaf is not None:
            out._view_of_leaf = leaf
    return out


def _inherit_marks(out, base):
    """Marks of ``base`` (ops/shape._multiple_views, _no_grad_view) that its view ``out``
    made in grad mode keeps, as PyTorch's views keep their base's creation meta; the
    version that ``out`` is checked against (tensor.check_view_use) is today's."""
    if "_no_grad_view" in base.__dict__:
        out._no_grad_view = True
    if "_detached_root" in base.__dict__:
        out._detached_root = True
    if "_multiple_views" in base.__dict__:
        node = out.grad_fn
        name = "Alias" if node is None else re.sub(r"Backward[0-9]*$", "", node.name())
        out._multiple_views = f"Output 0 of {name}"
    out._made_at = out._vc[0]


def not_a_view(t):
    """``t``, a view of a composite op's own intermediate (conv1d squeezes conv2d's result),
    as the op's result: no view in PyTorch's sense, so ``detach_()`` and in-place changes
    allow it."""
    t._base = t._made_at = None
    for mark in ("_no_grad_view", "_multiple_views"):
        t.__dict__.pop(mark, None)
    return t


def _untracked_view(base, arr):
    """The view ``arr`` of ``base`` when no graph is recorded. Views made outside the graph
    (``y.reshape(y_hat.shape)`` in every loss, ``X.T``) skip ``Function.apply`` and its node:
    the op's own array function gives the same array, this the same tensor apply would give."""
    if not arr.flags.writeable:  # as in _as_view
        arr = writable_view(arr)
    out = _new(Tensor, arr, False, None)
    out._vc = vc = base._vc
    root = base._base  # _root(base), inline: every loss's reshape comes here
    out._base = base if root is None else root
    _register(vc, out)
    if _grad_enabled[0]:
        if base._made_at is not None:  # as in _as_view
            _inherit_marks(out, base)
    else:
        _no_grad_view(out, base)
    return out


def _no_grad_view(out, base):
    """A view made under no_grad: PyTorch refuses a recorded in-place change of it in grad
    mode (ops/inplace.py, rebase), and when its base requires grad, it does too, with no
    node (a leaf to what follows)."""
    out._no_grad_view = True
    out._made_at = out._vc[0]
    if base._requires_grad:
        out._requires_grad = True
        out._grad_of_base = True  # (autograd/engine.py, _deliver)


def _records(input):
    return input._requires_grad and _grad_enabled[0]


class Reshape(Function):
    backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape, must_view):
        ctx.in_shape = a.shape
        return Reshape.array(a, shape, must_view)

    @staticmethod
    def array(a, shape, must_view):
        """``a`` in ``shape`` (view/reshape's arguments, -1 included). NumPy infers the -1
        and checks the size; only what it refuses, or reads differently from PyTorch (a
        negative size other than -1, None), takes the general path, which raises
        PyTorch's error."""
        if len(shape) == 1:
            shape = shape[0]
            if type(shape) is int:
                shape = (shape,)
        try:
            for s in shape:
                if s < -1:
                    break
            else:
                out = a.reshape(shape)
                # (reshape's copy=False costs more than asking whether it copied)
                if not must_view or _shares_storage(out, a):
                    return out
        except (TypeError, ValueError):
            pass  # NumPy refused: the general path says why, in PyTorch's words
        return _reshape_general(a, shape, must_view)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None, None


def _reshape_general(a, shape, must_view):
    if not isinstance(shape, tuple):
        shape = (shape,)
    if must_view and len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        raise RuntimeError("ember does not support reinterpreting a tensor's bytes as another dtype")
    shape = _infer(_shape_arg(shape), a.size, a.shape)
    if must_view:
        try:
            return np.reshape(a, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at "
                "least one dimension spans across two contiguous subspaces). Use "
                ".reshape(...) instead.") from None
    return np.reshape(a, shape)


def _shares_storage(new, arr):
    """Whether ``new``, made from ``arr`` by a reshape, is a view of it: NumPy points a
    view's base at ``arr`` or at ``arr``'s own base, a copy's at a new array."""
    b = new.base
    return b is arr or (b is not None and (b is arr.base or np.may_share_memory(new, arr)))


def reshape(input, *shape):
    if not shape:
        raise TypeError('reshape() missing 1 required positional arguments: "shape"')
    arr = input._data
    if _records(input):
        out = Reshape.apply_to(input, shape, False)
        if _shares_storage(out._data, arr):
            _as_view(out, input)
        return out
    new = Reshape.array(arr, shape, False)
    if _shares_storage(new, arr):
        return _untracked_view(input, new)
    return _new(Tensor, new, False, None)


def view(input, *shape):
    if not shape:
        raise TypeError("view() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)")
    if _records(input):
        return _as_view(Reshape.apply_to(input, shape, True), input)
    return _untracked_view(input, Reshape.array(input._data, shape, True))


def view_as(input, other):
    return view(input, other.shape)


def reshape_as(input, other):
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    if not shape:
        _wrap_dim(start_dim, 0), _wrap_dim(end_dim, 0)
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input  # nothing to merge: PyTorch returns the tensor itself
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    shape = input._data.shape
    d = _wrap_dim(dim, len(shape))
    sizes = _infer(tuple(sizes), shape[d], shape)
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


def ravel(input):
    return reshape(input, -1)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        # The inverse permutation, by a plain loop (np.argsort costs 20k instructions);
        # a negative axis indexes the list from its end, which is its wrapped position.
        axes = ctx.axes
        inverse = [0] * len(axes)
        i = 0
        for d in axes:
            inverse[d] = i
            i += 1
        if isinstance(g, Tensor):
            return g.permute(inverse), None
        return g.transpose(inverse), None


def _permuted(input, axes):
    """``input`` with its dims in the order ``axes`` (possibly negative; NumPy raises
    ValueError or TypeError for an invalid order)."""
    if _records(input):
        return _as_view(Permute.apply_to(input, axes), input)
    return _untracked_view(input, input._data.transpose(axes))


def permute(input, *dims):
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and type(dims[0]) is not int:
        dims = dims[0]  # permute((1, 0)), permute([1, 0])
    if type(dims) is tuple:
        # NumPy's transpose refuses what PyTorch refuses (a wrong count, a dim out of
        # range or repeated, a non-integer) and takes negative dims: only a refusal goes
        # on to the checks below, for PyTorch's words.
        try:
            return _permuted(input, dims)
        except (TypeError, ValueError):
            pass  # NumPy refused: the checks below say why, in PyTorch's words
    nd = input._data.ndim
    dims = _shape_arg(dims)
    if len(dims) != nd:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match "
            "the length of the desired ordering of dimensions i.e. input.dim() = "
            f"{nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if sorted(dims) != list(range(nd)):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(input, dims)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    if nd == 0:
        return _permuted(input, ())
    axes = list(range(nd))
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    axes[d0], axes[d1] = axes[d1], axes[d0]
    out = _permuted(input, tuple(axes))
    if out.grad_fn is not None:
        out.grad_fn.backward_name = "TransposeBackward0"
    return out


swapaxes = swapdims = transpose


def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    out = _permuted(input, _REVERSED_DIMS[nd])
    if out.grad_fn is not None:
        out.grad_fn.backward_name = "TBackward0"
    return out


def movedim(input, source, destination):
    nd = input._data.ndim
    src = [_wrap_dim(d, nd) for d in ([source] if isinstance(source, int) else source)]
    dst = [_wrap_dim(d, nd) for d in ([destination] if isinstance(destination, int) else destination)]
    perm = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return permute(input, perm)


moveaxis = movedim


class Squeeze(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.in_shape = a.shape
        return np.squeeze(a, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        wrapped = [_wrap_dim(d, len(shape)) for d in dims]
        for i, d in enumerate(wrapped):
            if d in wrapped[:i]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        axes = tuple(d for d in wrapped if shape and shape[d] == 1)  # 0-d: dims 0 and -1
    return _as_view(Squeeze.apply(input, axes), input)


class Unsqueeze(Function):
    @staticmethod
    def forward(ctx, a, dim):
        ctx.in_shape = a.shape
        # PyTorch's stride for the new dim (never used to address an element, so free to
        # set): that of a dim contiguous with the next one, as Tensor.stride() reports it
        strides = list(a.strides)
        strides.insert(dim, a.itemsize * (a.shape[dim] * torch_strides(a)[dim] if dim < a.ndim
                                           else 1))
        return np.lib.stride_tricks.as_strided(a, a.shape[:dim] + (1,) + a.shape[dim:], strides)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape), None


def unsqueeze(input, dim):
    return _as_view(Unsqueeze.apply(input, _wrap_dim(dim, input._data.ndim + 1)), input)


class Expand(Function):
    @staticmethod
    def forward(ctx, a, shape):
        strides = [a.itemsize * st for st in _expand_strides(a, shape)]
        # read-only where elements share memory (a dim of size > 1 with stride 0); writable
        # where none do (only size-1 dims added, or no elements), as PyTorch's
        shares = math.prod(shape) and any(n > 1 and st == 0 for n, st in zip(shape, strides))
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=not shares)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the gradient back to the input's shape


def _expand_strides(a, shape):
    """PyTorch's strides (in elements) of ``a`` expanded to ``shape``: 0 along an expanded
    dim, the old one along a kept dim (a size-1 dim's too), and for a new leading dim of
    size 1 that of a dim contiguous with the next."""
    old, lead = torch_strides(a), len(shape) - a.ndim
    out = [0] * len(shape)
    for i in range(len(shape) - 1, -1, -1):
        if i >= lead:
            out[i] = old[i - lead] if a.shape[i - lead] == shape[i] else 0
        elif shape[i] == 1 and i + 1 < len(shape):
            out[i] = shape[i + 1] * out[i + 1]
    return out


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
            f"the tensor ({len(shape)})")
    target = []
    for i, s in enumerate(sizes):
        old = shape[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = old
        elif old != 1 and old != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({old}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
        target.append(s)
    return _as_view(Expand.apply(input, tuple(target)), input)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, shape):
    return expand(input, shape)


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


class SumToSize(Function):
    backward_name = "SumBackward1"

    @staticmethod
    def forward(ctx, a, shape):
        from ..autograd.engine import _sum_to_shape
        ctx.in_shape = a.shape
        return _sum_to_shape(a, shape)

    @staticmethod
    def backward(ctx, g):
        if not isinstance(g, Tensor):
            return np.broadcast_to(g, ctx.in_shape), None
        return g.expand(ctx.in_shape), None


def sum_to_size(input, *size):
    return SumToSize.apply(input, _shape_arg(size))


class Repeat(Function):
    layout = "contiguous"  # (np.tile with every rep 1 copies in the input's order; PyTorch's is C)

    @staticmethod
    def forward(ctx, a, reps):
        ctx.in_shape, ctx.reps = a.shape, reps
        return np.tile(a, reps)

    @staticmethod
    def backward(ctx, g):
        shape = (1,) * (len(ctx.reps) - len(ctx.in_shape)) + ctx.in_shape
        split = []
        for r, s in zip(ctx.reps, shape):
            split += [r, s]
        g = g.reshape(tuple(split)).sum(axis=tuple(range(0, len(split), 2)))
        return g.reshape(ctx.in_shape), None


def repeat(input, *sizes):
    reps = _shape_arg(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor")
    return Repeat.apply(input, reps)


def tile(input, *dims):
    dims = _shape_arg(dims)
    dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats, dim=None):
    from .indexing import index_select
    if dim is None:
        input, dim = flatten(input), 0
    n = input._data.shape[dim]
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    idx = np.repeat(np.arange(n), reps)
    return index_select(input, dim, Tensor._wrap(idx))


class Cat(Function):
    """``skipped``: which arrays take part in the graph and the dtype only (PyTorch's legacy
    rule for 1-D empty tensors beside others); their gradient is empty."""

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim, dt, skipped = args
        ctx.dim = dim
        ctx.sizes = [None if skip else a.shape[dim] for a, skip in zip(arrays, skipped)]
        kept = [a for a, skip in zip(arrays, skipped) if not skip]
        if dim > 0 and sum(a.size for a in kept) >= _threads.PASS_SPLIT and all(
                a.dtype == dt and a.flags.c_contiguous for a in kept):
            # DenseNet's features joined along the channels: the samples' copies shared
            # among threads (a memory-bound pass; the same bytes whoever copies them)
            shape = list(kept[0].shape)
            shape[dim] = sum(a.shape[dim] for a in kept)
            out = np.empty(shape, dtype=dt)
            _threads.split_pass(lambda n0, n1: np.concatenate(
                [a[n0:n1] for a in kept], axis=dim, out=out[n0:n1]), len(out), out.size)
            return out
        out = np.concatenate(kept, axis=dim, dtype=dt)
        # PyTorch's layout: channels-last where every input suggests it, else C order
        # (NumPy's follows transposed inputs)
        if kept and all(suggests_channels_last(a) for a in kept):
            return suggested(out, kept[0])
        return c_order(out)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        lead = (slice(None),) * ctx.dim
        for size, need in zip(ctx.sizes, ctx.needs_input_grad):
            if not need:
                out.append(None)
            elif size is None:
                out.append(g.reshape(-1)[:0])
            else:
                out.append(g[lead + (slice(start, start + size),)])
            start += size or 0
        return tuple(out) + (None, None, None)


def _check_same_rank(tensors, name):
    if isinstance(tensors, Tensor):  # cat(a, b) for cat((a, b))
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    if len(tensors) == 0:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got {type(t).__name__}")


def cat(tensors, dim=0, *, axis=None, out=None):
    _check_same_rank(tensors, "cat")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor) and t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    if axis is not None:
        dim = axis
    # Legacy rule kept by PyTorch: 1-D empty tensors are skipped (in the shape checks and
    # the values; they still take part in the result's dtype and in the graph).
    skipped = [t._data.ndim == 1 and t._data.size == 0 for t in tensors]
    if all(skipped):
        skipped[0] = False
    kept = [t for t, skip in zip(tensors, skipped) if not skip]
    ref = kept[0]._data
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(kept):
        s = t._data.shape
        if len(s) != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {len(s)}")
        for k in range(ref.ndim):
            if k != d and s[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {s[k]} for tensor number {i} in the list.")
    result = Cat.apply(*tensors, d, _dtype.result_type(*[t._data for t in tensors]), skipped)
    if out is not None:
        out.copy_(result)
        return out
    return result


concat = concatenate = cat


class Stack(Function):
    layout = "contiguous"  # (PyTorch's cat of the unsqueezed inputs: C order)

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.dim = dim
        return np.stack(arrays, axis=dim, dtype=_dtype.result_type(*arrays))

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        return tuple(g[lead + (i,)] if need else None
                     for i, need in enumerate(ctx.needs_input_grad[:-1])) + (None,)


def stack(tensors, dim=0, *, out=None):
    _check_same_rank(tensors, "stack")
    tensors = list(tensors)
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                f"and {list(t._data.shape)} at entry {i}")
    result = Stack.apply(*tensors, _wrap_dim(dim, len(first) + 1))
    if out is not None:
        out.copy_(result)
        return out
    return result


def hstack(tensors):
    tensors = list(tensors)
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t._data.ndim > 1 else t.reshape(1, -1) for t in tensors], 0)


def _narrow(input, dim, start, length):
    key = (slice(None),) * dim + (slice(start, start + length),)
    return input[key]


def split(input, split_size_or_sections, dim=0):
    return _multiple_views(_split(input, split_size_or_sections, dim), "Split" if isinstance(
        split_size_or_sections, int) else "SplitWithSizes")


def _multiple_views(views, op):
    """Mark the outputs of split/chunk/unbind made in grad mode: PyTorch refuses a recorded
    in-place change of them and of their views (ops/inplace.rebase), since one node
    makes them all."""
    if _grad_enabled[0]:  # (whatever the dtype: an integer tensor may be marked, inplace.marked)
        for i, v in enumerate(views):
            v._multiple_views = f"Output {i} of {op}"
            if v.grad_fn is not None:  # one node per view here; PyTorch's name of the one
                v.grad_fn.backward_name = f"{op}Backward0"
            v._made_at = v._vc[0]
    return views


def _split(input, split_size_or_sections, dim):
    if input._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size and n else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(_narrow(input, d, start, s))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if n == 0:  # PyTorch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return _multiple_views(_split(input, -(-n // chunks), dim), "Split")


def tensor_split(input, indices_or_sections, dim=0):
    d = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        return _split(input, sizes, d)  # (views PyTorch makes one by one)
    bounds = [0] + [builtins.min(int(i), n) for i in indices_or_sections] + [n]
    return tuple(_narrow(input, d, a, builtins.max(b - a, 0)) for a, b in zip(bounds, bounds[1:]))


def unbind(input, dim=0):
    d = _wrap_dim(dim, input._data.ndim)
    lead = (slice(None),) * d
    return _multiple_views(tuple(input[lead + (i,)] for i in range(input._data.shape[d])),
                           "Unbind")


def narrow(input, dim, start, length):
    if input._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input._data.ndim)
    start = int(start)
    if start < 0:
        start += input._data.shape[d]
    return _narrow(input, d, start, length)


class Flip(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return np.flip(a, axes).copy()

    @staticmethod
    def backward(ctx, g):
        if not isinstance(g, Tensor):
            return np.flip(g, ctx.axes), None
        return g.flip(ctx.axes), None


def flip(input, *dims):
    dims = _shape_arg(dims)
    if input._data.ndim == 0:  # dim 0 (or -1) of a scalar: nothing to reverse
        _wrap_dim(dims[0] if dims else 0, 0)
        return Flip.apply(input, ())
    axes = tuple(_wrap_dim(d, input._data.ndim) for d in dims)
    for i, d in enumerate(axes):
        if d in axes[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return Flip.apply(input, axes)


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


class Roll(Function):
    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        neg = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        if not isinstance(g, Tensor):
            return np.roll(g, neg, ctx.dims), None, None
        return g.roll(neg, ctx.dims), None, None


def roll(input, shifts, dims=None):
    if isinstance(shifts, list):
        shifts = tuple(shifts)
    if isinstance(dims, list):
        dims = tuple(dims)
    nd = input._data.ndim
    if input._data.size == 0:  # PyTorch returns a copy before looking at the dims
        return clone(input)
    if isinstance(dims, tuple):
        dims = tuple(_wrap_dim(d, nd) for d in dims)
        n_shifts = len(shifts) if isinstance(shifts, tuple) else 1
        if n_shifts != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {n_shifts}, "
                               f"dims:{len(dims)}")
    elif dims is not None:
        dims = _wrap_dim(dims, nd)
    return Roll.apply(input, shifts, dims)


class Tri(Function):
    @staticmethod
    def forward(ctx, a, k, upper):
        ctx.k, ctx.upper = k, upper
        return np.triu(a, k) if upper else np.tril(a, k)

    @staticmethod
    def backward(ctx, g):
        if not isinstance(g, Tensor):
            return (np.triu(g, ctx.k) if ctx.upper else np.tril(g, ctx.k)), None, None
        return (g.triu(ctx.k) if ctx.upper else g.tril(ctx.k)), None, None


def tril(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tri.apply(input, diagonal, False)


def triu(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Tri.apply(input, diagonal, True)


class Clone(Function):
    """A copy in the layout of the original, as PyTorch's clone (its preserve_format)."""

    layout = "operands"

    @staticmethod
    def forward(ctx, a):
        return a.copy(order="K")

    @staticmethod
    def backward(ctx, g):
        return g


class ContiguousClone(Clone):
    """A C-contiguous copy: ``contiguous()`` (PyTorch's clone in contiguous_format)."""

    backward_name = "CloneBackward0"
    layout = None

    @staticmethod
    def forward(ctx, a):
        return a.copy()


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return ContiguousClone.apply(input)
