"""Products and linear algebra: matmul and its named forms (dot, mv, mm, bmm), outer,
einsum, and the ``linalg`` functions the notes need (norm, inv, det, solve)."""
import numpy as np

from .. import _threads
from ..autograd.function import Function, _grad_enabled
from ..tensor import torch_strides
from ._quiet import quiet
from .reduction import norm as _norm


# OpenBLAS splits a product over threads only from m*n*k = 4 * 65536 on (its
# GEMM_MULTITHREAD_THRESHOLD times SMP_THRESHOLD_MIN); below that the thread count is moot.
_THREADED_PRODUCT = 4 * 65536


def _shape_str(s):
    return "x".join(str(d) for d in s)


def _product(a, b):
    """``a @ b`` on arrays; for matrices ndarray.dot, the same BLAS product as @ at half
    @'s call cost (a strided operand may round differently in the last bit: dot copies it
    for BLAS). An inner size of 1 goes to ``_single_products``."""
    if a.ndim and a.shape[-1] == 1 and b.ndim and b.shape[-2 if b.ndim > 1 else 0] == 1:
        return _single_products(a, b)
    return a.dot(b) if a.ndim == 2 and b.ndim == 2 else a @ b


def _single_products(a, b):
    """``a @ b`` with an inner size of 1, as PyTorch's BLAS calls compute it: every element
    one product, multiplied even by a zero (NumPy's .dot skips a zero 1 x 1 operand, so
    inf * 0 gave 0, not nan). gemm stores the product as it is, which PyTorch calls for a
    matrix result of at least 2 x 2 (a batch of matrices @ a matrix folds the batch into
    the rows); dot, gemv and its small bmm add the product to +0.0, so -0.0 is +0.0 there."""
    with quiet():  # inf * 0 is nan without NumPy's warning, as in PyTorch
        out = (a if a.ndim > 1 else a[None]) * (b if b.ndim > 1 else b[:, None])
    if b.ndim == 1:
        out = out[..., 0]
    if a.ndim == 1:
        out = out[..., 0, :] if b.ndim > 1 else out[0]
    gemm = a.ndim >= 2 and b.ndim == 2 and a.size > 1 and b.shape[1] > 1
    if not gemm and out.dtype.kind == "f":
        out = out + 0.0  # (a dot gives a NumPy scalar: no in-place add)
    return out


class Matmul(Function):
    """NumPy's matmul rules, which are PyTorch's, with the 1-D cases' gradients."""

    backward_name = "MmBackward0"
    blas_work = 0  # m*n*k of one BLAS call, when it is worth a thread count of its own
    # of two matrices, whether each is stored transposed (PyTorch's column-major): the
    # backward gives such an operand its gradient stored so too, as PyTorch's does
    column_major = (False, False)

    @staticmethod
    def forward(ctx, a, b):
        # NumPy refuses what PyTorch refuses here (a 0-d operand, inner sizes that differ,
        # batch dims that do not broadcast), so the shapes are looked at only then.
        if a.dtype is not b.dtype and a.dtype != b.dtype:  # `is`: cheap for the usual case
            raise _dtype_error(a, b, _kernel(a, b, *ctx.needs_input_grad[:2]))
        # One dtype here. Bool has no kernel; an empty product runs none, except dot's
        # (which checks the dtype, after the sizes, whatever they are).
        if a.dtype == np.bool_ and (a.shape == b.shape if a.ndim == b.ndim == 1 else
                                    a.size and b.size and _shapes_multiply(a.shape, b.shape)):
            kernel = _BOOL_KERNELS[_kernel(a, b, *ctx.needs_input_grad[:2])]
            raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
        if b.ndim and a.size * b.shape[-1] >= _THREADED_PRODUCT:
            # The thread count for one BLAS call's size (NumPy calls BLAS once per matrix
            # of a batch), load-aware (see ember/_threads.py); the backward's products are
            # of the same size.
            work = a.size * b.shape[-1] if a.ndim <= 2 else \
                a.shape[-2] * a.shape[-1] * b.shape[-1]
            _threads.sync_blas(work)
            ctx.blas_work = work
        # the product PyTorch folds batched operands to (None: no batch, nothing folded)
        kernel = _kernel(a, b, *ctx.needs_input_grad[:2]) if a.ndim > 2 or b.ndim > 2 else None
        try:
            if a.ndim == 2 and kernel == "mm_t":
                # PyTorch multiplies b.mT, folded, by a.t() and returns that product's
                # transpose made contiguous: its sums, and its strides of size-1 dims
                out = np.ascontiguousarray(_product(b.mT, a.T).mT)
            else:
                out = _product(a, b)
        except ValueError:
            raise RuntimeError(_matmul_error(a.shape, b.shape, _kernel(
                a, b, *ctx.needs_input_grad[:2]))) from None
        # Save only what a wanted gradient uses, as PyTorch does: the gradient of b needs
        # a and that of a needs b (so changing X in place after X @ w, w alone requiring
        # grad, is an error; changing w is not).
        need_a, need_b = ctx.needs_input_grad[:2]  # (Linear's bias: a third)
        if need_a and need_b:
            ctx.save_for_backward(a, b)
        elif need_a:
            ctx.save_for_backward(b)
        elif need_b:
            ctx.save_for_backward(a)
        na, nb = ctx.ndims = a.ndim, b.ndim
        if na == nb == 2 and not (a.flags.c_contiguous and b.flags.c_contiguous):
            ctx.column_major = (_transposed(a), _transposed(b))  # (see backward)
        if na != 2 or nb != 2:  # PyTorch names the node by the product it made
            if na == 1 and nb == 1:
                ctx.backward_name = "DotBackward0"
            elif nb == 1:
                ctx.backward_name = "MvBackward0"
            elif na > 2 or nb > 2:
                ctx.backward_name = "BmmBackward0" if na == nb == 3 else "UnsafeViewBackward0"
        if kernel is not None:
            # PyTorch reshapes a batched operand (a view node), and transposes or expands
            # the other one too for a transposed fold or a bmm
            both = kernel in ("bmm", "mm_t")
            ctx.through_views = tuple(i for i, n in enumerate((na, nb)) if n > 2 or both)
        elif na == 1 and nb == 2:  # PyTorch multiplies the vector unsqueezed (a view node)
            ctx.through_views = (0,)
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad[:2]  # (Linear's bias: a third)
        saved = ctx.saved_tensors
        if ctx.blas_work:
            _threads.sync_blas(ctx.blas_work)
        if need_a:
            a, b = saved if need_b else (None, saved[0])
        else:
            a, b = saved[0], None
        na, nb = ctx.ndims
        ga = gb = None
        if na == 1 and nb == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        if nb == 1:      # (..., m, k) @ (k,) -> (..., m)
            if need_a:
                ga = g[..., None] * b
            if need_b:
                gb = (a * g[..., None]).sum(tuple(range(a.ndim - 1)))  # (no reshape: m may be 0)
            return ga, gb
        if na == 1:      # (k,) @ (..., k, n) -> (..., n)
            if need_a:
                ga = (b * g[..., None, :]).sum(axis=-1)
            if need_b:
                gb = a[:, None] * g[..., None, :]
            return ga, gb
        if na == 2 and nb == 2 and type(g) is np.ndarray:  # matrices, as in forward
            # PyTorch gives an operand stored transposed (a weight's .t() in linear) its
            # gradient stored so too, as the transpose of the product the other way round
            ga = gb = None
            if need_a:
                ga = _product(b, g.T).T if ctx.column_major[0] else _product(g, b.T)
            if need_b:
                gb = _product(g.T, a).T if ctx.column_major[1] else _product(a.T, g)
            return ga, gb
        # (mT: the last two dims swapped, on an array as on a Tensor; a transposed matrix
        # operand's gradient laid out so, as above)
        column_major = ctx.column_major if na == nb == 2 else (False, False)
        if need_a:
            ga = (b @ g.mT).mT if column_major[0] else g @ b.mT
        if need_b:
            gb = (g.mT @ a).mT if column_major[1] else a.mT @ g
        return ga, gb


class Linear(Matmul):
    """``input @ weight.T + bias`` for a matrix input as one node, PyTorch's addmm (its
    linear fuses the bias so, nn.functional.linear): the bias takes its gradient only once
    the product's backward has run."""

    backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, a, b, bias):
        out = Matmul.forward(ctx, a, b)
        out += bias  # (a new array)
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, need_b, need_bias = ctx.needs_input_grad
        return (Matmul.backward(ctx, g) if need_a or need_b else (None, None)) + (
            g if need_bias else None,)


def _transposed(m):
    """Whether matrix ``m`` is laid out as the transpose of a C-contiguous one (PyTorch's
    test for column-major: strides (1, rows))."""
    return m.strides[0] == m.itemsize and m.strides[1] == m.shape[0] * m.itemsize


def _matmul_error(sa, sb, kernel):
    """PyTorch's words for operands of these shapes that cannot be multiplied, by the
    ``kernel`` the product folds to (see _kernel)."""
    if not sa or not sb:
        return (f"both arguments to matmul need to be at least 1D, but they are {len(sa)}D "
                f"and {len(sb)}D")
    if kernel == "dot":
        return (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to "
                f"have the same number of elements, but got {sa[0]} and {sb[0]} elements "
                "respectively")
    if kernel == "mv":  # (..., m, k) @ (n,): the batches folded into the rows
        rows = int(np.prod(sa[:-1]))
        return f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})"
    if kernel == "mv_t":  # (k,) @ (..., n, m): b's batches and columns folded into rows
        rows = int(np.prod(sb[:-2])) * sb[-1]
        return f"size mismatch, got input ({rows}), mat ({rows}x{sb[-2]}), vec ({sa[0]})"
    if kernel == "mm":
        m1 = (int(np.prod(sa[:-1])), sa[-1]) if len(sa) > 1 else (1,) + sa
        return (f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(m1)} and "
                f"{_shape_str(sb)})")
    if kernel == "mm_t":  # b.mT folded, times a.t()
        m1 = (int(np.prod(sb[:-2])) * sb[-1], sb[-2])
        return (f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(m1)} and "
                f"{_shape_str(sa[::-1])})")
    batch_a, batch_b = sa[:-2], sb[:-2]
    try:
        batch = int(np.prod(np.broadcast_shapes(batch_a, batch_b)))
    except ValueError:
        from .elementwise import _broadcast_error
        return str(_broadcast_error(np.broadcast_to(0, batch_a), np.broadcast_to(0, batch_b)))
    return (f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{batch}, {sa[-1]}] but got: [{batch}, {sb[-2] if len(sb) > 1 else sb[0]}].")


def _kernel(a, b, need_a, need_b):
    """The product PyTorch's matmul folds operands of these shapes to (its ``should_fold``,
    by the strides PyTorch would give them): "dot", "mv" or "mm" of (a, b), "mv_t" (b's
    batches folded, times the vector a) or "mm_t" (b transposed and folded, times a.t()),
    or "bmm". Its errors are that product's."""
    na, nb = a.ndim, b.ndim
    if na == 1 and nb == 1:
        return "dot"
    if na <= 2 and nb <= 2:
        return "mv" if nb == 1 else "mm"
    transpose = nb > na
    small = na if transpose else nb
    if small <= 2:
        if (need_a if transpose else need_b):
            fold = True
        elif na == 2:
            fold = False
        else:
            big = b if transpose else a
            shape, strides = list(big.shape), list(torch_strides(big))
            if transpose:  # b.mT
                shape[-2:], strides[-2:] = shape[:-3:-1], strides[:-3:-1]
            fold = big.size == 0 or all(strides[i] == strides[i + 1] * shape[i + 1]
                                        for i in range(len(shape) - 2))
        if fold:
            return ("mv" if small == 1 else "mm") + ("_t" if transpose else "")
    return "bmm"


def _dtype_error(a, b, kernel):
    """PyTorch's error for a product of two dtypes: that of the ``kernel`` (see _kernel),
    whose dtype check follows its shape check (but dot's)."""
    from .inplace import _c10_name, _type_word
    if kernel == "dot":
        return RuntimeError("dot : expected both vectors to have same dtype, but found "
                            f"{_type_word(a.dtype)} and {_type_word(b.dtype)}")
    if not _shapes_multiply(a.shape, b.shape):
        return RuntimeError(_matmul_error(a.shape, b.shape, kernel))
    if kernel == "bmm":
        if a.dtype == np.bool_:  # bmm is dispatched on the first operand's dtype
            return NotImplementedError('"bmm" not implemented for \'Bool\'')
        return RuntimeError(
            f"expected scalar type {_type_word(a.dtype)} but found {_type_word(b.dtype)}")
    first, second = (b, a) if kernel.endswith("_t") else (a, b)  # (matrix, vector)
    if kernel.startswith("mv"):
        return RuntimeError(
            "addmv input tensors must have the same dtype, but got "
            f"{_type_word(second.dtype)}, {_type_word(first.dtype)}, and {_type_word(second.dtype)}")
    return RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                        f"{_c10_name(first.dtype)} != {_c10_name(second.dtype)}")


def _shapes_multiply(sa, sb):
    """Whether operands of these shapes (not both vectors) can be multiplied."""
    if not sa or not sb or sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        return False
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return False
    return True


# the name of PyTorch's kernel that refuses a bool product, by the product (see _kernel)
_BOOL_KERNELS = {"dot": "dot", "mv": "addmv_impl_cpu", "mv_t": "addmv_impl_cpu",
                 "mm": "addmm_impl_cpu_", "mm_t": "addmm_impl_cpu_", "bmm": "bmm"}


def matmul(input, other):
    a, b = input._data, other._data
    if a.ndim == 2 and b.ndim > 2 and a.dtype == b.dtype != np.bool_ and input._requires_grad \
            and _shapes_multiply(a.shape, b.shape) and (a.shape[0] <= 1 or b.shape[-1] <= 1):
        # PyTorch folds b.mT and multiplies it by a.t() (see _kernel), whether or not grad
        # mode is on; the product's transpose, made contiguous, is then no copy but a view
        # of it (detach_() and in-place changes see a view): the same ops here
        return matmul(other.mT, input.t()).mT
    if (a.ndim > 2 or b.ndim > 2) and (input._requires_grad or other._requires_grad) \
            and _grad_enabled[0] and _shapes_multiply(a.shape, b.shape):
        # PyTorch's product of a batched operand may run on a copy of it (a reshape that
        # cannot be a view), which its backward saves: an in-place change of the operand
        # afterwards is then not seen. The same copy here (recorded, for create_graph);
        # operands that do not multiply are left to Matmul's errors.
        copy_a, copy_b = _copied_operands(
            a.shape, torch_strides(a), input._requires_grad,
            b.shape, torch_strides(b), other._requires_grad)
        if copy_a and other._requires_grad:  # (kept only when the other needs a gradient)
            input = input.clone()
        if copy_b and input._requires_grad:
            other = other.clone()
    return Matmul.apply(input, other)


def _copied_operands(sa, ta, ra, sb, tb, rb):
    """Whether PyTorch's matmul multiplies a copy of each operand (shapes, strides in
    elements, requires_grad): ATen's _matmul_impl either folds the batched operand into
    one matrix (always when the other one, a vector or matrix, requires grad) or expands
    both to the common batch for a bmm, and reshapes; a reshape copies when no view
    has that shape."""
    na, nb = len(sa), len(sb)
    if na <= 2 and nb <= 2:  # dot, mv, mm: no reshape
        return False, False
    if na >= nb:
        big_s, big_t, small_n, small_rg = sa, ta, nb, rb
    else:  # the batched one is the second: folded transposed
        big_s, big_t = sb[:-2] + (sb[-1], sb[-2]), tb[:-2] + (tb[-1], tb[-2])
        small_n, small_rg = na, ra
    if small_n <= 2 and (small_rg or na != 2 and (
            0 in big_s or all(big_t[i] == big_t[i + 1] * big_s[i + 1]
                              for i in range(len(big_s) - 2)))):
        copied = not _reshape_is_view(big_s, big_t, (_prod(big_s[:-1]), big_s[-1]))
        return (copied, False) if na >= nb else (False, copied)
    if na == nb == 3 and sa[0] != sb[0]:  # a batch of one that requires grad: squeezed
        if sa[0] == 1 and ra:
            return _copied_operands(sa[1:], ta[1:], ra, sb, tb, rb)
        if sb[0] == 1 and rb:
            return _copied_operands(sa, ta, ra, sb[1:], tb[1:], rb)
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    # a vector on the left is a matrix of one row; one on the right stays a vector
    return (not _expanded_is_view(sa[:-2], ta[:-2], batch, sa[-2:] if na > 1 else (1,) + sa,
                                  ta[-2:] if na > 1 else (0,) + ta),
            not _expanded_is_view(sb[:-2], tb[:-2], batch, sb[-2:] if nb > 1 else sb,
                                  tb[-2:] if nb > 1 else tb))


def _expanded_is_view(batch_s, batch_t, batch, mats, mats_t):
    """Whether an operand (batch dims ``batch_s``, strides ``batch_t``; matrix or vector
    dims ``mats``, ``mats_t``) expanded to ``batch`` reshapes to one batch dim as a view:
    an expanded dim has stride 0."""
    lead = len(batch) - len(batch_s)
    strides = (0,) * lead + tuple(s if n == m else 0 for n, m, s in
                                  zip(batch_s, batch[lead:], batch_t))
    return _reshape_is_view(tuple(batch) + tuple(mats), strides + tuple(mats_t),
                            (_prod(batch),) + tuple(mats))


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _reshape_is_view(shape, strides, new):
    """Whether PyTorch's reshape of a tensor (``shape``, ``strides``) to ``new`` is a view
    (ATen's computeStride: each run of dims laid out contiguously must map to whole dims
    of the new shape)."""
    if 0 in shape:
        return True
    view_d = len(new) - 1
    base = strides[-1] if strides else 1
    numel = view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != numel * base):
            while view_d >= 0 and (view_numel < numel or new[view_d] == 1):
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != numel:
                return False
            if d > 0:
                base, numel, view_numel = strides[d - 1], 1, 1
    return view_d == -1


def _require_dims(name, t, n, what):
    if t._data.ndim != n:
        raise RuntimeError(f"{name}: Expected {what} to be {n}-D, but got {t._data.ndim}-D tensor")


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    return matmul(input, other)


inner = dot


def vdot(input, other):
    return dot(input, other)


def mv(input, vec):
    if input._data.ndim == 0 or vec._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {vec._data.ndim}, {input._data.ndim}, "
            f"{vec._data.ndim}")
    return matmul(input, vec)


def mm(input, mat2):
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return Matmul.apply(input, mat2)


def bmm(input, mat2):
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input._data.shape[0]}, {input._data.shape[2]}] but got: "
            f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    return matmul(input, mat2)


def outer(input, vec2):
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    prod = mm(mat1, mat2)
    return (input if beta == 1 else input * beta) + (prod if alpha == 1 else prod * alpha)


def einsum(equation, *operands):
    """einsum for one or two operands, differentiable through its definition as a sum of
    products (each operand's gradient is another einsum)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Einsum.apply(equation.replace(" ", ""), *operands)


class Einsum(Function):
    @staticmethod
    def forward(ctx, equation, *arrays):
        if "->" not in equation:
            ins = equation.split(",")
            letters = sorted(c for c in set("".join(ins))
                             if "".join(ins).count(c) == 1 and c.isalpha())
            equation = equation + "->" + "".join(letters)
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        return np.einsum(equation, *arrays, optimize=len(arrays) > 2)

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        ins, out = ctx.equation.split("->")
        ins = ins.split(",")
        grads = [None]
        for i, spec in enumerate(ins):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [a for j, a in enumerate(arrays) if j != i]
            other_specs = [s for j, s in enumerate(ins) if j != i]
            # Letters only in this operand were summed out: restore them by broadcasting.
            eq = ",".join([out] + other_specs) + "->" + "".join(
                c for c in spec if c in out or any(c in s for s in other_specs))
            part = einsum(eq, g, *others) if not isinstance(g, np.ndarray) else \
                np.einsum(eq, g, *others)
            kept = eq.split("->")[1]
            if kept != spec:
                order = [kept.index(c) for c in spec if c in kept]
                part = part.transpose(order) if isinstance(part, np.ndarray) else part.permute(order)
                part = part.reshape([arrays[i].shape[k] if c in kept else 1
                                     for k, c in enumerate(spec)])
                part = np.broadcast_to(part, arrays[i].shape) if isinstance(part, np.ndarray) \
                    else part.expand(arrays[i].shape)
            grads.append(part)
        return tuple(grads)


class Inverse(Function):
    backward_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError(
                "linalg.inv: The diagonal element 2 is zero, the inversion could not be "
                "completed because the input matrix is singular.") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (inv,) = ctx.saved_tensors
        inv_t = inv.swapaxes(-1, -2)
        return -(inv_t @ g @ inv_t)


class Det(Function):
    backward_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a), dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        inv_t = a.inverse().mT if not isinstance(a, np.ndarray) else np.linalg.inv(a).swapaxes(-1, -2)
        return (g * out)[..., None, None] * inv_t


class _Linalg:
    """The ``ember.linalg`` namespace."""

    @staticmethod
    def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
        if ord in (None, "fro", 2) and (dim is None or isinstance(dim, int) or ord != 2
                                        or len(dim) == 1):
            return _norm(A, 2, dim, keepdim, dtype)
        if ord == "nuc" or (ord == 2 and dim is not None):
            raise RuntimeError(f"linalg.norm: ord={ord!r} for matrices is not supported by ember")
        return _norm(A, ord, dim, keepdim, dtype)

    @staticmethod
    def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
        return _norm(x, ord, dim, keepdim, dtype)

    @staticmethod
    def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):
        if ord != "fro":
            raise RuntimeError(f"linalg.matrix_norm: ord={ord!r} is not supported by ember")
        return _norm(A, 2, dim, keepdim)

    @staticmethod
    def inv(A):
        return Inverse.apply(A)

    @staticmethod
    def det(A):
        return Det.apply(A)

    @staticmethod
    def solve(A, B):
        return matmul(Inverse.apply(A), B)


linalg = _Linalg()


def inverse(input):
    return Inverse.apply(input)


def det(input):
    return Det.apply(input)

