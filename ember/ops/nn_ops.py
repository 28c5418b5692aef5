"""Fused operations for neural-network layers: softmax, batch / layer normalisation,
activations whose gradient PyTorch defines piecewise, binary cross-entropy, padding.

Softmax and log-softmax write their backward with operators, so second derivatives work;
the others are array-only (``array_backward``): one pass over the data each way instead of
a chain of small ops, with PyTorch's own choice of gradient at the kinks.
"""
import functools
import math

import numpy as np

from .. import _dtype, _numba, _threads
from ..autograd import Function
from ..autograd.function import _grad_enabled, check_no_requires_grad
from ..tensor import Tensor
from ._quiet import quiet
from ._layout import suggested
from .elementwise import Reads, _where, erf_array
from .inplace import _type_word


# ----- softmax -----------------------------------------------------------------------------
def _max_over(x, dim):
    """``x.max(axis=dim, keepdims=True)`` (-inf over an empty dim). Over a short last
    axis NumPy's reduction pays per row (150 us for the Transformer's (256, 10, 10)
    attention scores): there the running maximum of its columns, one elementwise pass
    each, is the same maximum (NaN propagating alike; a zero may come out with the other
    sign, which ``x - max`` and so softmax cannot tell) in 18 us."""
    n = x.shape[dim]
    if dim == x.ndim - 1 and 2 <= n <= 16 and x.size >= 32 * n * n:
        m = x[..., :1].copy()
        for j in range(1, n):
            np.maximum(m, x[..., j:j + 1], out=m)
        return m
    return x.max(axis=dim, keepdims=True, initial=-np.inf)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(x - _max_over(x, dim))  # (a dim may be empty)
        y = np.ascontiguousarray(e / e.sum(axis=dim, keepdims=True))  # PyTorch's is contiguous
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        gy = g * y
        return gy - y * gy.sum(ctx.dim, keepdims=True), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - x.max(axis=dim, keepdims=True, initial=-np.inf)
        with quiet():  # (no classes: log 0, silently as in PyTorch)
            y = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        y = np.ascontiguousarray(y)  # PyTorch's is contiguous
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - np.exp(y) * g.sum(ctx.dim, keepdims=True), None


# ----- batch normalisation -----------------------------------------------------------------
# With numba installed, batch norm over inputs with spatial dims runs in compiled passes
# (ember/_kernels/norm.py): statistics in one pass, the normalisation in one, the backward
# in two; training then keeps the input for the backward instead of a normalised copy.
def _channel_view(a):
    """(N, C, *) → (N, C, L) without copying when possible, so per-channel sums run along
    the contiguous last axis (L spelled out: -1 is ambiguous for an empty array)."""
    return a.reshape(a.shape[0], a.shape[1], math.prod(a.shape[2:]))


def _per_channel(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _channel_sum(a3):
    return a3.sum(axis=2).sum(axis=0)


def _norm_kernels(x):
    """The batch-norm kernels, or None for the NumPy path: numba off, a dtype other than
    float32/64, or no spatial dims ((N, C) rows: NumPy's row-wise passes are as quick)."""
    if x.dtype not in (np.float32, np.float64) or math.prod(x.shape[2:]) <= 1 \
            or x.shape[0] == 0:
        return None
    return _numba.kernels("norm")


def _c3(a):
    """``a`` as a C-contiguous (N, C, L) array, the layout the kernels are compiled for."""
    return np.ascontiguousarray(_channel_view(a))


# The compiled batch-norm passes split their work among threads for a large batch
# (_threads.split_pass): the statistics and sums by channels, normalisation and input
# gradient by samples (each channel or plane computed alike whoever computes it).


def _channel_stats(k, x3):
    """``k.channel_stats`` of C-contiguous ``x3``: (mean, var), float64."""
    C = x3.shape[1]
    mean, var = np.empty(C), np.empty(C)
    _threads.split_pass(lambda c0, c1: k.channel_stats(x3, mean, var, c0, c1), C,
                        x3.size)
    return mean, var


def _grad_sums(k, g3, x3, mean):
    """``k.grad_sums`` of C-contiguous ``g3`` and ``x3``: (sum of g, of g * (x - mean))."""
    C = x3.shape[1]
    sum_g, sum_gx = np.empty(C), np.empty(C)
    lanes = _vector_bytes() // x3.itemsize
    _threads.split_pass(lambda c0, c1: k.grad_sums(g3, x3, mean, lanes, sum_g, sum_gx,
                                                   c0, c1), C, x3.size)
    return sum_g, sum_gx


@functools.cache
def _vector_bytes():
    """The width of PyTorch's CPU vectors on this machine, which orders its reductions: 64
    bytes where its kernels run AVX-512 (the CPU has avx512f, bw, vl and dq), else 32 (its
    AVX2 kernels, and its portable build's width)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        flags = []
    return 64 if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags) else 32


def _by_samples(kernel, x3, *args):
    """``kernel(*arrays, *rest)`` over (N, C, L) ``x3`` and the arrays in ``args`` of its
    shape (each cut to the samples a thread takes), the rest passed whole."""
    n = x3.shape[0]
    whole = [a.shape != x3.shape for a in args]
    _threads.split_pass(lambda n0, n1: kernel(
        *(a if w else a[n0:n1] for a, w in zip(args, whole))), n, x3.size)


def _contiguous_affine(x, mean, invstd, weight, bias):
    """PyTorch's per-channel (alpha, beta) for an input it sees as contiguous (C order or
    channels-last), which it normalises as ``x * alpha + beta`` with alpha = invstd *
    weight and beta = bias - mean * alpha, each rounded to the input's dtype, the
    multiply-adds fused as in its compiled loop; None for any other input, which it
    normalises as ((x - mean) * invstd) * weight + bias. The roundings show where a
    channel is constant: x - mean is 0, but alpha is about 1 / sqrt(eps), and PyTorch's
    output misses the bias by the rounding of mean * alpha."""
    if not (x.flags.c_contiguous or x.ndim == 4 and x.transpose(0, 2, 3, 1).flags.c_contiguous):
        return None
    dt, f64 = x.dtype, np.float64
    alpha = invstd.astype(dt) if weight is None else invstd.astype(dt) * weight.astype(dt)
    bias = np.zeros(alpha.shape, f64) if bias is None else bias.astype(f64)
    beta = (bias - mean.astype(dt).astype(f64) * alpha.astype(f64)).astype(dt)
    return alpha, beta


def _fused_affine(x3, alpha, beta):
    """``x3 * alpha + beta`` per channel of (N, C, L) ``x3``, rounded once for float32
    (float64 holds a float32 product exactly)."""
    wide = x3.astype(np.float64) if x3.dtype == np.float32 else x3
    return (wide * alpha[:, None] + beta[:, None]).astype(x3.dtype, copy=False)


class BatchNormTrain(Function):
    """Normalise with the batch's own statistics; ``mean``/``invstd`` come precomputed."""

    array_backward = True
    backward_reads = (0, 1, 3, 4)  # not the bias

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd):
        ctx.kernels = k = _norm_kernels(x)
        ctx.mean, ctx.invstd = mean, invstd
        # x: refused once changed in place, as PyTorch's; the backward recomputes x - mean
        ctx.save_for_backward(weight, x)
        fused = _contiguous_affine(x, mean, invstd, weight, bias)
        if k is not None:
            if fused is None:
                scale = invstd if weight is None else invstd * weight
                shift = np.zeros_like(mean) if bias is None else bias
                center = mean
            else:  # (x - 0) * alpha + beta: the kernel's multiply-add is fused too
                (scale, shift), center = fused, np.zeros_like(mean)
            x3 = _c3(x)
            y = np.empty_like(x3)
            _by_samples(k.normalize, x3, x3, center,
                        *(v.astype(x.dtype, copy=False) for v in (scale, shift)), y)
            return suggested(y.reshape(x.shape), x)
        x3 = _channel_view(x)
        if fused is not None:
            return suggested(_fused_affine(x3, *fused).reshape(x.shape), x)
        y = x3 - mean[:, None]
        y *= invstd[:, None]
        if weight is not None:
            y *= weight[:, None]
        if bias is not None:
            y += bias[:, None]
        return suggested(y.reshape(x.shape), x)

    @staticmethod
    def backward(ctx, g):
        """PyTorch's backward, rounding for rounding: per channel the sums of g and of
        dotp = g * (x - mean), then k = dotp * invstd * invstd / M and grad_mean = sum(g) / M
        in the input's dtype, and gx = (g - grad_mean - (x - mean) * k) * invstd * w. Its
        order shows where the batch cancels (two samples near a pole of what follows).
        PyTorch sums planes of several values in float64 (its contiguous loop), and an
        (N, C) batch row by row in the input's dtype (its channels-last loop, which it
        runs where each plane has one value: ``_kernels/norm.row_grad_sums``)."""
        weight, x = ctx.saved_tensors
        mean, invstd, dtype = ctx.mean, ctx.invstd, x.dtype
        rows = xc = None
        if ctx.kernels is not None:
            x3, g3 = _c3(x), _c3(g)
            sum_g, dotp = _grad_sums(ctx.kernels, g3, x3, mean)
        else:
            x3, g3 = _channel_view(x), _channel_view(g)
            if x3.shape[2] == 1 and x.flags.c_contiguous and g.flags.c_contiguous and x.size:
                rows = _numba.kernels("norm")
            if rows is not None:
                sum_g, dotp = rows.row_grad_sums(g3[:, :, 0], x3[:, :, 0], mean,
                                                 _threads.torch_threads())
                sum_g, dotp = sum_g.astype(dtype), dotp.astype(dtype)  # (its float buffers)
            else:  # PyTorch's loop for other layouts: float64 sums of the products
                xc = x3 - mean[:, None]
                sum_g = g3.sum(axis=(0, 2), dtype=np.float64)
                dotp = (xc * g3).sum(axis=(0, 2), dtype=np.float64)
        M = max(x3.shape[0] * x3.shape[2], 1)  # empty: gx is empty, any divisor does
        gx = None
        if ctx.needs_input_grad[0]:
            k = dotp.astype(dtype) * invstd * invstd / dtype.type(M)
            grad_mean = (sum_g / dtype.type(M) if rows is not None else sum_g / M).astype(dtype)
            w = np.ones_like(invstd) if weight is None else weight
            if ctx.kernels is not None:
                gx = np.empty_like(x3)
                _by_samples(ctx.kernels.grad_input, x3, g3, x3, mean, grad_mean, k, invstd,
                            w, gx)
            else:
                xc = x3 - mean[:, None] if xc is None else xc  # (done: its products summed)
                xc *= k[:, None]
                gx = g3 - grad_mean[:, None]
                gx -= xc
                gx *= invstd[:, None]
                gx *= w[:, None]
            gx = gx.reshape(g.shape)
        gw = (dotp * invstd).astype(dtype) if weight is not None else None
        return gx, gw, sum_g.astype(dtype), None, None


class BatchNormEval(Function):
    """Normalise with given statistics (the running ones): a per-channel affine map."""

    array_backward = True
    backward_reads = (0, 1, 3, 4)  # not the bias

    @staticmethod
    def forward(ctx, x, weight, bias, mean, var, eps):
        invstd = 1.0 / np.sqrt(var + eps)
        scale = invstd if weight is None else invstd * weight
        ctx.scale, ctx.invstd = scale, invstd
        ctx.save_for_backward(x, mean, var, weight)  # all that PyTorch's saves
        ctx.kernels = k = _norm_kernels(x)
        fused = _contiguous_affine(x, mean, invstd, weight, bias)
        if k is not None:
            x3 = _c3(x)
            y = np.empty_like(x3)
            if fused is None:
                shift = np.zeros_like(mean) if bias is None else bias
                args = (mean, scale, shift)
            else:  # (x - 0) * alpha + beta: the kernel's multiply-add is fused too
                args = (np.zeros_like(mean),) + fused
            _by_samples(k.normalize, x3, x3, *(v.astype(x.dtype, copy=False) for v in args), y)
            return suggested(y.reshape(x.shape), x)
        x3 = _channel_view(x)
        if fused is not None:
            return suggested(_fused_affine(x3, *fused).reshape(x.shape), x)
        shift = -mean * scale if bias is None else bias - mean * scale
        y = x3 * scale[:, None]
        y += shift[:, None]
        return suggested(y.reshape(x.shape), x)

    @staticmethod
    def backward(ctx, g):
        x, mean, _, _ = ctx.saved_tensors
        g3 = _channel_view(g)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gx = (g3 * ctx.scale[:, None]).reshape(g.shape)
        if ctx.kernels is not None and (ctx.needs_input_grad[1] or ctx.needs_input_grad[2]):
            sum_g, sum_gxc = _grad_sums(ctx.kernels, _c3(g), _c3(x), mean.astype(x.dtype))
            gw = (ctx.invstd * sum_gxc).astype(g.dtype) if ctx.needs_input_grad[1] else None
            gb = sum_g.astype(g.dtype) if ctx.needs_input_grad[2] else None
            return gx, gw, gb, None, None, None
        if ctx.needs_input_grad[1]:
            xhat = (_channel_view(x) - mean[:, None]) * ctx.invstd[:, None]
            gw = np.einsum("ncl,ncl->c", g3, xhat)
        if ctx.needs_input_grad[2]:
            gb = _channel_sum(g3)
        return gx, gw, gb, None, None, None


def _batch_stats(x, x3, M):
    """The batch's per-channel mean and sum of squared deviations, in ``x``'s dtype, as
    PyTorch computes them: an (N, C) batch by its channels-last loop (its row chunks
    summed in the dtype: ``_kernels/norm.row_stats``); planes of several values by sums
    in float64 (here the kernels' merge of per-plane moments, or NumPy's sums), then
    rounded."""
    dt = x.dtype
    k = _norm_kernels(x)
    if k is not None:
        mean, var = _channel_stats(k, _c3(x))
        return mean.astype(dt), (var * M).astype(dt)
    rows = _numba.kernels("norm") if x3.shape[2] == 1 and x.flags.c_contiguous and \
        dt in (np.float32, np.float64) else None
    if rows is not None:
        return rows.row_stats(x3[:, :, 0], _threads.torch_threads())
    mean = (x3.sum(axis=(0, 2), dtype=np.float64) / M).astype(dt)
    xc = x3 - mean[:, None]
    return mean, np.einsum("ncl,ncl->c", xc, xc, dtype=np.float64).astype(dt)


def batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """Batch normalisation over dim 1; in training, updates the running statistics in
    place as PyTorch does (``momentum=None``: cumulative average, given as the factor)."""
    x = input._data
    stats = (("running_mean", running_mean), ("running_var", running_var))
    if _grad_enabled[0]:  # (PyTorch's autograd layer, before its kernel's checks)
        check_no_requires_grad("native_batch_norm", stats)
    # What the kernels index per channel must be a vector of C (PyTorch's words, which
    # name its own accessor); without channels there is nothing to index (PyTorch fails
    # on its first).
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.ndim != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.ndim}")
        if t is not None and t.shape[0] != x.shape[1]:
            raise RuntimeError(f"{name} should contain {x.shape[1]} elements not {t.shape[0]}")
    if x.shape[1] == 0:
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    if not training:
        # the running statistics go in as tensors: backward then refuses, as PyTorch's
        # does, once they have been changed in place
        out = BatchNormEval.apply(input, weight, bias, running_mean, running_var, eps)
    else:
        out = _batch_norm_train(input, running_mean, running_var, weight, bias, momentum, eps)
    if out.grad_fn is not None:  # its backward reads them (PyTorch's saves them in training too)
        out.grad_fn.no_grad_args = ("native_batch_norm_backward", stats)
    return out


def _batch_norm_train(input, running_mean, running_var, weight, bias, momentum, eps):
    x = input._data
    x3 = _channel_view(x)
    M = x3.shape[0] * x3.shape[2]
    dt, f64 = x.dtype, np.float64
    if M == 0:
        # No values: PyTorch leaves the running statistics as they are.
        mean = var_sum = np.zeros(x.shape[1], dtype=dt)
        running_mean = running_var = None
    else:
        mean, var_sum = _batch_stats(x, x3, M)
    # Then PyTorch's update, rounding for rounding (measured against it): the running
    # statistics in the input's dtype, the running variance's first product fused into its
    # sum (FMA; float64 holds a float32 product exactly); the variance var_sum / M in the
    # dtype, its inverse square root in float64. (Its kernel updates the running statistics
    # without a new version: a graph that saved them at an earlier step still runs backward.)
    m, keep = dt.type(momentum), dt.type(1 - momentum)
    with quiet():  # (a batch of one value: the unbiased variance is 0 / 0)
        if running_mean is not None:
            running_mean._data[...] = m * mean + keep * running_mean._data
        if running_var is not None:
            unbiased = var_sum / dt.type(M - 1)
            running_var._data[...] = (f64(m) * unbiased.astype(f64) +
                                      (keep * running_var._data).astype(f64)).astype(dt)
    invstd = 1.0 / np.sqrt((var_sum / dt.type(max(M, 1))).astype(f64) + eps)
    out = BatchNormTrain.apply(input, weight, bias, mean, invstd.astype(dt))
    for stats in (running_mean, running_var):
        if stats is not None and out.grad_fn is not None:
            out.grad_fn.keep_version(stats)  # PyTorch's saves them in training too
    return out


# ----- losses --------------------------------------------------------------------------------
class MseLoss(Function):
    """Mean (or sum, or each) of ``(input - target) ** 2`` as one node, as PyTorch's: it
    saves both operands, so changing the target in place before backward is refused."""

    backward_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, a, b, reduction):
        shape = np.broadcast_shapes(a.shape, b.shape)
        # PyTorch broadcasts the two first: a 0-d operand promotes as a dimensioned one
        dt = _dtype.result_type(np.broadcast_to(a, shape), np.broadcast_to(b, shape))
        if dt.kind != "f":
            raise NotImplementedError(
                f'"mse_cpu" not implemented for \'{_type_word(dt)}\'')
        d = a.astype(dt, copy=False) - b.astype(dt, copy=False)
        ctx.save_for_backward(a, b)
        sq = d * d
        ctx.reduction, ctx.n = reduction, sq.size
        if reduction == "none":
            return sq
        with quiet():  # the mean of nothing is nan, without NumPy's warning
            return np.asarray(sq.mean() if reduction == "mean" else sq.sum(), dtype=dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        d = a - b
        scale = 2.0 / ctx.n if ctx.reduction == "mean" and ctx.n else 2.0
        gd = g * d * scale
        need_a, need_b = ctx.needs_input_grad[:2]
        return (gd if need_a else None), (-gd if need_b else None), None


class KeepVersions(Function):
    """``loss`` unchanged, with a node whose backward refuses to run once one of the other
    tensors has changed in place: a composite loss (smooth_l1, huber) made to follow
    PyTorch's rule for the operands its one node would have saved."""

    backward_name = "KeepVersions"

    @staticmethod
    def forward(ctx, loss, *saved):
        ctx.save_for_backward(*saved)
        return loss

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors
        return (g,) + (None,) * len(ctx.needs_input_grad[1:])


class NllLoss(Function):
    """Each sample's ``-weight[t] * input[.., t, ..]`` for target classes ``index`` (along
    ``class_dim``): 0 where the target is ignored, whatever the input holds there (nan,
    inf), as PyTorch skips those samples."""

    @staticmethod
    def forward(ctx, x, index, ignored, wt, class_dim):
        ctx.save_for_backward(x)  # as PyTorch's: its backward reads the input
        ctx.index, ctx.ignored, ctx.wt, ctx.class_dim = index, ignored, wt, class_dim
        if not x.shape[class_dim]:  # no classes: every target is ignored
            return np.zeros(wt.shape, x.dtype)
        picked = np.take_along_axis(x, index, class_dim).squeeze(class_dim)
        return np.where(ignored, 0, -(picked * wt)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        index, ignored, class_dim = ctx.index, ctx.ignored, ctx.class_dim
        if isinstance(g, np.ndarray):
            gx = np.zeros(x.shape, g.dtype)
            if x.shape[class_dim]:
                np.put_along_axis(gx, index, np.expand_dims(
                    np.where(ignored, 0, -(g * ctx.wt)), class_dim), axis=class_dim)
            return gx, None, None, None, None
        # create_graph: g times a constant, where a target is looked up (a where, not a
        # product with 0: g may be inf or nan, as when every target is ignored)
        coef = np.zeros(x.shape, ctx.wt.dtype)
        picked = np.zeros(x.shape, bool)
        if x.shape[class_dim]:
            np.put_along_axis(coef, index, np.expand_dims(0.0 - ctx.wt, class_dim),
                              axis=class_dim)
            np.put_along_axis(picked, index, np.expand_dims(~ignored, class_dim),
                              axis=class_dim)
        gx = _where(picked, g.unsqueeze(class_dim) * Tensor._wrap(coef), 0.0)
        return Reads.apply(gx, x), None, None, None, None


class RefusedBackward(Function):
    """The value as it is, with a backward that raises ``message`` (a loss PyTorch computes
    and cannot differentiate: nn.functional.nll_loss)."""

    backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, message):
        ctx.message = message
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(ctx.message)


# ----- layer normalisation -----------------------------------------------------------------
class LayerNorm(Function):
    """Normalise over the last ``k`` dims, then scale and shift elementwise."""

    array_backward = True
    layout = "contiguous"  # (PyTorch's output is contiguous whatever the input's layout)

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        lead = x.shape[: x.ndim - k]
        x2 = x.reshape(int(np.prod(lead, dtype=np.int64)),
                       int(np.prod(x.shape[x.ndim - k:], dtype=np.int64)))
        mean = x2.mean(axis=1, keepdims=True)
        xc = x2 - mean
        var = (xc * xc).mean(axis=1, keepdims=True)
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = xc * invstd
        y = xhat if weight is None else xhat * weight.reshape(1, -1)
        # PyTorch adds a bias of 0 when there is none (-0.0 comes out +0.0); a new array
        # too: the output is the caller's to change in place, and backward keeps xhat
        y = y + (0.0 if bias is None else bias.reshape(1, -1))
        ctx.xhat, ctx.mean, ctx.invstd = xhat, mean, invstd
        ctx.norm_shape = x.shape[x.ndim - k:]
        ctx.save_for_backward(weight, x)  # x: refused once changed in place, as PyTorch's
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        weight, x = ctx.saved_tensors
        xhat, mean, a = ctx.xhat, ctx.mean, ctx.invstd
        g2 = g.reshape(xhat.shape)
        gw = gb = gx = None
        if ctx.needs_input_grad[1]:
            gw = (g2 * xhat).sum(axis=0).reshape(ctx.norm_shape)
        if ctx.needs_input_grad[2]:
            gb = g2.sum(axis=0).reshape(ctx.norm_shape)
        if ctx.needs_input_grad[0]:
            # PyTorch's form, dx = a * gxh + b * x + c, over x itself (not xhat), so that an
            # infinite gradient gives nan and inf where PyTorch's does (inf * 0 where x is 0)
            gxh = g2 if weight is None else g2 * weight.reshape(1, -1)
            x2 = x.reshape(xhat.shape)
            scale = 1.0 / max(xhat.shape[1], 1)  # (an empty normalized shape: nothing to scale)
            db = gxh.sum(axis=1, keepdims=True)
            b = (db * mean - (gxh * x2).sum(axis=1, keepdims=True)) * (a * a * a * scale)
            c = -b * mean - db * (a * scale)
            gx = (a * gxh + b * x2 + c).astype(g.dtype, copy=False).reshape(g.shape)
        return gx, gw, gb, None, None


# ----- activations -------------------------------------------------------------------------
class LeakyReLU(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, g, g * ctx.slope), None


class Hardtanh(Function):
    """clip(x, lo, hi); the gradient is zero at the bounds themselves, as in PyTorch."""

    array_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return np.where((x <= lo) | (x >= hi), 0, g), None, None  # a nan passes, as in PyTorch


class ELU(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, alpha):
        y = np.where(x > 0, x, alpha * np.expm1(np.minimum(0, x)))  # keeps -0.0 (second of equals)
        ctx.save_for_backward(x)  # the input only, as PyTorch: the output may change after
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # a nan passes the gradient through, as in PyTorch (its test is x <= 0)
        return np.where(x <= 0, g * ctx.alpha * np.exp(np.minimum(x, 0)), g), None


class GELU(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        with quiet():  # (-inf gives nan, silently as in PyTorch)
            if approximate == "tanh":
                inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
                return 0.5 * x * (1 + np.tanh(inner))
            y = 0.5 * x * (1 + erf_array(x * (1 / math.sqrt(2))))
        if x.dtype == np.float32 and x.size > 1 and x.flags.c_contiguous:
            # PyTorch's vectorized float32 kernel, which it runs on a contiguous tensor of
            # more than one element, gives nan at +inf (its scalar loop, inf). Its float16
            # kernel's answer there depends on the build and CPU (nan where this was first
            # measured; inf from 2.13.0+cpu on AMD EPYC): inf, the value, here.
            y[x == np.inf] = np.nan
        return y

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = np.tanh(k * (x + 0.044715 * x * x * x))
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return g * d, None
        with quiet():
            cdf = 0.5 * (1 + erf_array(x * (1 / math.sqrt(2))))
            pdf = np.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
            return g * (cdf + x * pdf), None


class SiLU(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s * (1 + x * (1 - s))


class Softplus(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * beta
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return np.where(bx > threshold, x, soft)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        z = np.exp(-np.abs(bx))
        sig = np.where(bx >= 0, 1 / (1 + z), z / (1 + z))
        return np.where(bx > ctx.threshold, g, g * sig), None, None


# PyTorch's TensorIterator activations: each result takes its input's layout (ops/_layout.py)
for _op in (LeakyReLU, Hardtanh, ELU, GELU, SiLU, Softplus):
    _op.layout = "operands"


class PReLU(Function):
    """x if x > 0 else w * x, with ``w`` one number or one per channel (dim 1)."""

    array_backward = True

    @staticmethod
    def forward(ctx, x, w):
        wb = w if w.size == 1 or x.ndim < 2 else w.reshape((1, -1) + (1,) * (x.ndim - 2))
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, wb * x)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        wb = w if w.size == 1 or x.ndim < 2 else w.reshape((1, -1) + (1,) * (x.ndim - 2))
        gx = np.where(x > 0, g, g * wb)
        contrib = np.where(x > 0, 0, g * x)
        if w.size == 1:
            gw = contrib.sum().reshape(w.shape)
        else:
            axes = (0,) + tuple(range(2, x.ndim))
            gw = contrib.sum(axis=axes).reshape(w.shape)
        return gx, gw


# ----- losses ------------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """Elementwise -w (y log x + (1-y) log(1-x)), logs clamped at -100 as in PyTorch."""

    array_backward = True

    @staticmethod
    def forward(ctx, x, y, w):
        with quiet():
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w)
        return loss

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.saved_tensors
        eps = 1e-12
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = g * (x - y) / np.maximum((1 - x) * x, eps)
            if w is not None:
                gx = gx * w
        if ctx.needs_input_grad[1]:
            with quiet():  # PyTorch's -logit(x), not clamped as the loss is (x = 1: -inf)
                gy = g * -np.log(x / (1 - x))
            if w is not None:
                gy = gy * w
        return gx, gy, None


def _softplus_array(x):
    """log(1 + exp(x)), without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogits(Function):
    """Elementwise (1 - t) x + (1 + (pw - 1) t) softplus(-x), with PyTorch's gradients:
    (sigmoid(x) - t) g for the input (with ``pw``, ((pw t + 1 - t) sigmoid(x) - pw t) g),
    one product, so an infinite g gives nan only where that factor is 0, as PyTorch's; and
    -x g for the target (with ``pw``, (pw softplus(-x) - softplus(x)) g). Written with ops
    under create_graph, so second derivatives work. ``pw``: an array, or None."""

    @staticmethod
    def forward(ctx, x, t, pw):
        dt = _dtype.result_type(x, t)
        x, t = x.astype(dt, copy=False), t.astype(dt, copy=False)
        ctx.save_for_backward(x, t)
        ctx.pw = pw
        lw = 1 if pw is None else 1 + (pw - 1) * t
        return ((1 - t) * x + lw * _softplus_array(-x)).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        pw = ctx.pw
        arrays = isinstance(g, np.ndarray)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            with quiet():  # exp overflows to inf (sigmoid 0); inf * 0 is nan, as PyTorch's
                sig = 1 / (1 + np.exp(-x)) if arrays else x.sigmoid()
                gx = (sig - t if pw is None else (pw * t + 1 - t) * sig - pw * t) * g
        if ctx.needs_input_grad[1]:
            if pw is None:
                gt = -x * g
            elif arrays:
                gt = (pw * _softplus_array(-x) - _softplus_array(x)) * g
            else:
                from ..nn.functional import softplus
                gt = (pw * softplus(-x) - softplus(x)) * g
        return gx, gt, None


# ----- padding -----------------------------------------------------------------------------
def _pad_index(size, lo, hi, mode):
    """Source index along one axis for each padded position (reflect/replicate/circular)."""
    pos = np.arange(-lo, size + hi)
    if mode == "replicate":
        return np.clip(pos, 0, size - 1)
    if mode == "circular":
        return pos % size
    period = 2 * (size - 1)
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= size, period - pos, pos)


class Pad(Function):
    """``pads`` is ((dim, lo, hi), ...) over the padded dims; negative amounts crop."""

    array_backward = True
    backward_reads = ()  # PyTorch's is a narrow of the gradient

    @staticmethod
    def forward(ctx, x, pads, mode, value):
        ctx.pads, ctx.mode, ctx.shape = pads, mode, x.shape
        if mode == "constant":
            shape = list(x.shape)
            src = [slice(None)] * x.ndim
            dst = [slice(None)] * x.ndim
            for d, lo, hi in pads:
                shape[d] = x.shape[d] + lo + hi
                src[d] = slice(max(-lo, 0), x.shape[d] - max(-hi, 0))
                dst[d] = slice(max(lo, 0), max(lo, 0) + max(x.shape[d] - max(-lo, 0) - max(-hi, 0), 0))
            out = np.full(shape, value, dtype=x.dtype)
            out[tuple(dst)] = x[tuple(src)]
            ctx.slices = (tuple(src), tuple(dst))
            return out
        out = x
        for d, lo, hi in pads:
            out = np.take(out, _pad_index(x.shape[d], lo, hi, mode), axis=d)
        return out

    @staticmethod
    def backward(ctx, g):
        if ctx.mode == "constant":
            src, dst = ctx.slices
            gx = np.zeros(ctx.shape, dtype=g.dtype)
            gx[src] = g[dst]
            return gx, None, None, None
        for d, lo, hi in reversed(ctx.pads):
            size = ctx.shape[d]
            acc = np.zeros(g.shape[:d] + (size,) + g.shape[d + 1:], dtype=g.dtype)
            index = [slice(None)] * g.ndim
            index[d] = _pad_index(size, lo, hi, ctx.mode)
            np.add.at(acc, tuple(index), g)
            g = acc
        return g, None, None, None
