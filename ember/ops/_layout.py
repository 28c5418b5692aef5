"""The memory layout of an elementwise result, as PyTorch lays it out.

PyTorch's elementwise ops (its TensorIterator: arithmetic, comparisons, math functions,
``where``, ``clamp``) and its layout-preserving copies (``clone``, ``.to(dtype)``) give their
result the layout of their operands, and the layout is visible: in ``stride()``, in whether
``.contiguous()`` returns the tensor itself, in whether ``.view()`` refuses it, in which
kernel a later matmul picks. NumPy's ufuncs follow their operands too, but decide a
conflict between operands for C order and a tie otherwise, so ``a.t() - a`` is row-major
in NumPy and column-major in PyTorch.

The rule, read from PyTorch's ``TensorIteratorBase`` (``compute_fast_setup_type`` and
``reorder_dimensions``) and ``infer_dense_strides``:

- operands all of one shape (no broadcast, no 0-d operand beside a tensor): all contiguous,
  a contiguous result; all channels-last, channels-last; all non-overlapping and dense with
  the same strides, those strides;
- otherwise the dims are sorted from fastest to slowest by an insertion sort that starts
  from C order; for each pair of dims the first operand whose strides there are both
  nonzero and unequal decides, and where they are equal, the larger dim goes slower;
  broadcast dims (stride 0) say nothing. The result is dense in that order.

When every operand is C-contiguous the result is C-contiguous in both libraries, so callers
pay one flag test per operand and nothing more on the common path. (One difference is left:
NumPy calls an array C-contiguous whatever the strides of its size-1 dims, and PyTorch's
sort reads them, so ``x.t() + 1`` of a column has C strides in ember and (1, 1) in PyTorch.
Checking every operand's strides would cost a third of a small op.)
"""
import numpy as np

from ..autograd import function as _function
from ..tensor import torch_strides


def lay_out(layout, out, operands, numbers):
    """``Function.apply``'s: the result laid out as the op's ``layout`` says ("operands":
    ``follow``; "contiguous": ``contiguous``)."""
    return follow(out, operands, numbers) if layout == "operands" else contiguous(out)


def contiguous(out):
    """``out`` C-contiguous, as PyTorch's reductions give it (NumPy's follow their input's
    layout: a permuted tensor's sum). (Not np.ascontiguousarray on a 0-d array: it makes
    it 1-d.)"""
    if out.ndim < 2 or out.flags.c_contiguous:
        return out
    return np.ascontiguousarray(out)


def suggested(out, x):
    """``out`` in the memory format PyTorch suggests for an input ``x`` (batch norm's
    output): channels-last where the 4-d ``x`` is channels-last and not contiguous, else
    C-contiguous."""
    if out.size and suggests_channels_last(x):
        n, c, h, w = out.shape
        return relaid(out, (h * w * c, 1, w * c, c))
    return contiguous(out)


def suggests_channels_last(x):
    """Whether PyTorch's suggest_memory_format of the array ``x`` is channels-last (4-d,
    channels-last strides, not contiguous)."""
    if x.ndim != 4 or x.flags.c_contiguous:
        return False
    strides = torch_strides(x)
    return _channels_last(x.shape, strides) and not _contiguous(x.shape, strides)


def follow(out, operands, numbers=False):
    """``out`` (an op's fresh result), or a copy laid out as PyTorch lays out the result of
    an elementwise op over ``operands`` (arrays, or Python numbers: scalar operands where
    ``numbers``, as PyTorch wraps the number of ``a + 1`` into a 0-d tensor, and not
    operands at all otherwise, as the bounds of ``clamp(a, 0, 1)``)."""
    for x in operands:
        if type(x) is np.ndarray and x.ndim > 1 and not x.flags.c_contiguous:
            break
    else:
        return out
    if out.size == 0:  # every layout of an empty tensor is contiguous
        return out
    return relaid(out, result_strides(out.shape, operands, numbers))


def result_strides(shape, operands, numbers=False):
    """PyTorch's strides (in elements) for the result of shape ``shape``."""
    tensors, scalars = [], False
    for x in operands:
        if type(x) is np.ndarray:
            if x.ndim:
                tensors.append((x.shape, torch_strides(x)))
            else:
                scalars = True
        elif numbers and isinstance(x, (bool, int, float)):
            scalars = True
    if tensors and not scalars and all(s == shape for s, _ in tensors):
        # PyTorch's fast setup: operands of one shape and one dense layout keep it
        if all(_contiguous(shape, st) for _, st in tensors):
            return contiguous_strides(shape)
        if len(shape) == 4 and all(_channels_last(shape, st) for _, st in tensors):
            n, c, h, w = shape
            return (h * w * c, 1, w * c, c)
        first = tensors[0][1]
        if all(st == first and dense(shape, st) for _, st in tensors):
            return first
    nd = len(shape)
    broadcast = []  # each operand's strides over the result's dims: 0 where broadcast
    for s, st in tensors:
        pad = nd - len(s)
        broadcast.append((0,) * pad + tuple(
            0 if n == 1 and shape[pad + i] != 1 else st[i] for i, n in enumerate(s)))
    return sorted_strides(shape, broadcast)


def sorted_strides(shape, strides):
    """Dense strides for ``shape``, its dims ordered as PyTorch orders them for operands
    of these strides over the result's dims (0: broadcast, says nothing)."""
    out = [0] * len(shape)
    step = 1
    for d in _fastest_first(shape, strides):
        out[d] = step
        step *= shape[d]
    return tuple(out)


def relaid(out, strides):
    """``out``, or a copy of it with these strides (in elements) where its own differ."""
    if torch_strides(out) == strides:
        return out
    laid = np.ndarray(out.shape, out.dtype, np.empty(out.size, out.dtype),
                      strides=[s * out.itemsize for s in strides])
    np.copyto(laid, out)
    return laid


def _fastest_first(shape, strides):
    """The result's dims, fastest first: PyTorch's insertion sort from C order."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))

    def after(d0, d1):  # 1: d0 goes after (slower than) d1; -1: before; 0: undecided
        for st in strides:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, nd):
        j = i
        for k in range(i - 1, -1, -1):
            order = after(perm[k], perm[j])
            if order > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif order < 0:
                break
    return perm


def contiguous_strides(shape):
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))


def _contiguous(shape, strides):
    """PyTorch's is_contiguous: C order, where the strides of size-1 dims do not count."""
    step = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != step:
                return False
            step *= n
    return True


def _channels_last(shape, strides):
    n, c, h, w = shape
    return _contiguous((n, h, w, c), (strides[0], strides[2], strides[3], strides[1]))


def dense(shape, strides):
    """PyTorch's is_non_overlapping_and_dense: some order of the dims is contiguous."""
    dims = sorted((d for d in range(len(shape)) if shape[d] > 1), key=lambda d: strides[d])
    step = 1
    for d in dims:
        if strides[d] != step:
            return False
        step *= shape[d]
    return True


_function._lay_out_as[0] = lay_out  # (autograd's Function.apply lays results out so)
