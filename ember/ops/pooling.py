"""2-D max / average pooling and their adaptive forms.

Every pooling here is a loop over the kernel offsets (at most kh*kw strided slices of the
padded input), never over output positions or samples. Max pooling keeps, per output, the
offset of the first maximum in window order (a NaN wins, as in PyTorch), so ties send the
gradient where PyTorch sends it. Adaptive average pooling is separable: two small averaging
matrices, one per spatial axis, applied with ``np.matmul``.

With numba installed, max and average pooling of float arrays run instead as one compiled
pass over each plane (``ember/_kernels/pool.py``), keeping the same window offsets.
"""
import numpy as np

from .. import _numba, _threads
from ..autograd import Function
from ._layout import suggested


def check_args(kernel, stride, padding, dilation, shape):
    """PyTorch's checks of a pooling's geometry and of the (N, C, H, W) or (C, H, W) input
    ``shape``, in its order and words (per axis as its output-size computation meets them,
    then the signs, the input, and the padding again). The compiled kernels rely on them: with a positive
    stride and dilation and at most half a window of padding, every window starts inside
    the input or its padding and the first offset inside the input is in the window."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        span = (k - 1) * d + 1
        if p > (span // 2 if span >= 0 else -(-span // 2)):  # C's division, toward zero
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    for what, (h, w), (nh, nw) in (("kernel size", kernel, ("kH", "kW")),
                                   ("stride", stride, ("dH", "dW")),
                                   ("dilation", dilation, ("dilationH", "dilationW"))):
        if h <= 0 or w <= 0:
            raise RuntimeError(f"{what} should be greater than zero, but got {nh}: {h} "
                               f"{nw}: {w}")
    if 0 in shape[-3:]:  # only a batch may be empty
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(shape)}")
    (kh, kw), (ph, pw) = kernel, padding
    if kw // 2 < pw or kh // 2 < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                           f"got padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")


def pool_out_size(size, kernel, stride, pad, dilation, ceil_mode):
    """PyTorch's pooling output length (a window must start inside input or left pad)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad:
            out -= 1
    else:
        out = span // stride + 1
    return out


def _padded(x, pads_h, pads_w, fill):
    """``x`` padded with ``fill`` by (top, bottom), (left, right) into a new array."""
    N, C, H, W = x.shape
    (pt, pb), (pl, pr) = pads_h, pads_w
    if pt == pb == pl == pr == 0:
        return x
    xp = np.full((N, C, H + pt + pb, W + pl + pr), fill, dtype=x.dtype)
    xp[:, :, pt: pt + H, pl: pl + W] = x
    return xp


def _geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    check_args(kernel, stride, padding, dilation, shape)
    N, C, H, W = shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    OH = pool_out_size(H, kh, sh, ph, dh, ceil_mode)
    OW = pool_out_size(W, kw, sw, pw, dw, ceil_mode)
    # Pad at the far end as far as the last window reaches (ceil_mode may go past `pad`).
    ph_hi = max((OH - 1) * sh + dh * (kh - 1) + 1 - H - ph, 0)
    pw_hi = max((OW - 1) * sw + dw * (kw - 1) + 1 - W - pw, 0)
    return OH, OW, (ph, ph_hi), (pw, pw_hi)


def _compiled(x):
    """The pooling kernels, or None for the NumPy path (numba off, or not float32/64)."""
    return _numba.kernels("pool") if x.dtype in (np.float32, np.float64) else None


def _compiled_grad(ctx, g, shape, dtype):
    """``g`` as the compiled backward takes it, or None for the NumPy path: the kernels
    size their loops from ``g`` and index the arrays of the forward with it, so only an
    output gradient of the output's own shape and dtype may reach them (one that a hook
    replaced may not: the NumPy path then broadcasts it or raises)."""
    if ctx.kernels is None or g.shape != shape or g.dtype != dtype:
        return None
    return _c(g)


def _c(a):
    """``a`` C-contiguous, as the kernels are compiled for (a second, strided version of
    each would double their compile time for inputs that are rarely views)."""
    return np.ascontiguousarray(a)


def _has_nan(x):
    """One pass to learn whether NaNs need PyTorch's rule (a NaN always wins) at all."""
    return x.dtype.kind == "f" and bool(np.isnan(x.sum()))


def _padded_shape(shape, pads_h, pads_w):
    N, C, H, W = shape
    return (N, C, H + sum(pads_h), W + sum(pads_w))


def _first_inside(out, size, kernel, stride, pad, dilation):
    """Per output position along one axis: the first kernel offset whose element lies
    inside the input, and whether none does (a dilated window can step over the input)."""
    start = np.arange(out) * stride - pad
    lo = np.where(start < 0, -(start // dilation), 0)
    hi = np.minimum(kernel, (size - 1 - start) // dilation + 1)
    return lo, lo >= hi


def _window(xp, i, j, OH, OW, stride, dilation):
    """The (N, C, OH, OW) strided slice holding kernel offset (i, j) of every window."""
    (sh, sw), (dh, dw) = stride, dilation
    return xp[:, :, i * dh: i * dh + sh * (OH - 1) + 1: sh, j * dw: j * dw + sw * (OW - 1) + 1: sw]


def _halves(shape, OH, OW, kernel, stride, padding, dilation, nan_rule):
    """Whether a compiled max pooling is the book's MaxPool2d(2) of an input without NaNs,
    whose windows all lie inside it (ceil_mode's last one may hang over an odd edge), which
    has kernels of its own."""
    return (kernel == (2, 2) and tuple(stride) == (2, 2) and tuple(padding) == (0, 0)
            and tuple(dilation) == (1, 1) and not nan_rule
            and 2 * OH <= shape[2] and 2 * OW <= shape[3])


class MaxPool2d(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        OH, OW, pads_h, pads_w = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        ctx.geometry = (x.shape, _padded_shape(x.shape, pads_h, pads_w), kernel, stride,
                        pads_h, pads_w, dilation)
        kh, kw = kernel
        arg_type = np.uint8 if kh * kw < 256 else np.int32
        ctx.kernels = k = _compiled(x)
        ctx.dtype = x.dtype
        ctx.save_for_backward(x)  # unused, as PyTorch's: so the saved-tensor rules apply
        if k is not None:
            out = np.empty(x.shape[:2] + (OH, OW), dtype=x.dtype)
            ctx.arg = np.empty(out.shape, dtype=arg_type)
            x, nan_rule, arg = _c(x), _has_nan(x), ctx.arg
            ctx.halves = _halves(x.shape, OH, OW, kernel, stride, padding, dilation, nan_rule)
            if ctx.halves:
                _threads.split_pass(lambda a, b: k.max_pool_2x2_forward(
                    x[a:b], out[a:b], arg[a:b]), len(x), x.size + out.size)
                return out
            _threads.split_pass(lambda a, b: k.max_pool_forward(
                x[a:b], kh, kw, *stride, *padding, *dilation, nan_rule, out[a:b], arg[a:b]),
                len(x), x.size + out.size)
            return out
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = _padded(x, pads_h, pads_w, fill)
        out = _window(xp, 0, 0, OH, OW, stride, dilation).copy()
        arg = np.zeros(out.shape, dtype=arg_type)
        nan_rule = _has_nan(x)
        # Where the input itself holds the fill value, a window's maximum may tie with its
        # padding; PyTorch then points at the first element inside the input. Track, per
        # window, whether the maximum so far is padding (only in that rare case).
        inside = None
        if xp is not x and bool((x == fill).any()):
            inside = np.zeros(xp.shape[2:], dtype=bool)[None, None]
            (pt, _), (pl, _) = pads_h, pads_w
            inside[..., pt: pt + x.shape[2], pl: pl + x.shape[3]] = True
            in_pad = ~_window(inside, 0, 0, OH, OW, stride, dilation)
            in_pad = np.broadcast_to(in_pad, out.shape).copy()
        take = np.empty(out.shape, dtype=bool)
        for k in range(1, kh * kw):
            v = _window(xp, k // kw, k % kw, OH, OW, stride, dilation)
            np.greater(v, out, out=take)
            if nan_rule:
                take |= np.isnan(v)
            if inside is not None:
                here = _window(inside, k // kw, k % kw, OH, OW, stride, dilation)
                take |= (v == out) & in_pad & here
                np.copyto(in_pad, ~here, where=take)
            np.copyto(out, v, where=take)
            np.copyto(arg, k, where=take)
        # A window wholly in the padding keeps the fill (PyTorch's -inf); its offset is
        # where the scan over the input would have started, as in the compiled kernel.
        ilo, hnone = _first_inside(OH, x.shape[2], kh, stride[0], padding[0], dilation[0])
        jlo, wnone = _first_inside(OW, x.shape[3], kw, stride[1], padding[1], dilation[1])
        empty = hnone[:, None] | wnone[None, :]
        if empty.any():
            arg[..., empty] = (ilo[:, None] * kw + jlo[None, :])[empty]
        ctx.arg = arg
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # as in AvgPool2d
        xshape, pshape, kernel, stride, pads_h, pads_w, dilation = ctx.geometry
        arg = ctx.arg
        kh, kw = kernel
        gc = _compiled_grad(ctx, g, arg.shape, ctx.dtype)
        if gc is not None:
            dx = np.empty(xshape, dtype=g.dtype)
            if ctx.halves:
                _threads.split_pass(lambda a, b: ctx.kernels.max_pool_2x2_backward(
                    gc[a:b], arg[a:b], dx[a:b]), len(dx), dx.size + gc.size)
                return dx, None, None, None, None, None
            _threads.split_pass(lambda a, b: ctx.kernels.max_pool_backward(
                gc[a:b], arg[a:b], kh, kw, *stride, pads_h[0], pads_w[0], *dilation, dx[a:b]),
                len(dx), dx.size + gc.size)
            return dx, None, None, None, None, None
        OH, OW = g.shape[2:]
        dxp = np.zeros(pshape, dtype=g.dtype)
        # Each offset's windows are distinct elements, so one masked add per offset sums
        # the gradients of overlapping windows; added to zeros, as PyTorch's kernel does
        # (a gradient of -0.0 leaves +0.0)
        hit = np.empty(arg.shape, dtype=bool)
        for k in range(kh * kw):
            np.equal(arg, k, out=hit)
            dst = _window(dxp, k // kw, k % kw, OH, OW, stride, dilation)
            np.add(dst, g, out=dst, where=hit)
        H, W = xshape[2:]
        return np.ascontiguousarray(dxp[:, :, pads_h[0]: pads_h[0] + H, pads_w[0]: pads_w[0] + W]), \
            None, None, None, None, None


def max_pool2d_indices(arg, xshape, kernel, stride, padding, dilation):
    """Flat (h * W + w) input positions of the maxima, as PyTorch's ``return_indices``."""
    kh, kw = kernel
    OH, OW = arg.shape[2:]
    W = xshape[3]
    oh = np.arange(OH).reshape(OH, 1) * stride[0] - padding[0]
    ow = np.arange(OW).reshape(1, OW) * stride[1] - padding[1]
    arg = arg.astype(np.int64)
    h = oh + (arg // kw) * dilation[0]
    w = ow + (arg % kw) * dilation[1]
    return h * W + w


_SCALAR_NAMES = {"int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _avg_divisor(size, kernel, stride, pad, out, count_include_pad):
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    count = end - start
    if not count_include_pad:
        count = np.minimum(end, size) - np.maximum(start, 0)
    return count


class AvgPool2d(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        if x.dtype.kind not in "f" and x.dtype != np.int64:
            raise NotImplementedError(f'"avg_pool2d" not implemented for '
                                      f"'{_SCALAR_NAMES[x.dtype.name]}'")
        one = (1, 1)
        OH, OW, pads_h, pads_w = _geometry(x.shape, kernel, stride, padding, one, ceil_mode)
        kh, kw = kernel
        if divisor_override:
            div = np.full((OH, OW), divisor_override, dtype=x.dtype)
        else:
            H, W = x.shape[2:]
            ch = _avg_divisor(H, kh, stride[0], padding[0], OH, count_include_pad)
            cw = _avg_divisor(W, kw, stride[1], padding[1], OW, count_include_pad)
            div = (ch.reshape(OH, 1) * cw.reshape(1, OW)).astype(x.dtype)
        ctx.div = div
        ctx.save_for_backward(x)  # unused, as PyTorch's: so the saved-tensor rules apply
        ctx.geometry = (x.shape, _padded_shape(x.shape, pads_h, pads_w), kernel, stride,
                        pads_h, pads_w)
        ctx.kernels = k = _compiled(x)
        ctx.dtype = x.dtype
        if k is not None:
            out = np.empty(x.shape[:2] + (OH, OW), dtype=x.dtype)
            x = _c(x)
            _threads.split_pass(lambda a, b: k.avg_pool_forward(
                x[a:b], kh, kw, *stride, *padding, div, out[a:b]), len(x), x.size + out.size)
            return out
        xp = _padded(x, pads_h, pads_w, 0)
        out = _window(xp, 0, 0, OH, OW, stride, one).copy()
        for k in range(1, kh * kw):
            out += _window(xp, k // kw, k % kw, OH, OW, stride, one)
        if out.dtype.kind == "i":
            # int64 (PyTorch's one integer type here): C's division, toward zero.
            return np.sign(out) * (np.abs(out) // div)
        out /= div
        return out

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # raises once freed or changed in place
        xshape, pshape, kernel, stride, pads_h, pads_w = ctx.geometry
        kh, kw = kernel
        gc = _compiled_grad(ctx, g, xshape[:2] + ctx.div.shape, ctx.dtype)
        if gc is not None:
            dx = np.empty(xshape, dtype=g.dtype)
            _threads.split_pass(lambda a, b: ctx.kernels.avg_pool_backward(
                gc[a:b], kh, kw, *stride, pads_h[0], pads_w[0], ctx.div, dx[a:b]),
                len(dx), dx.size + gc.size)
            return dx, None, None, None, None, None, None
        OH, OW = g.shape[2:]
        gd = g / ctx.div
        dxp = np.zeros(pshape, dtype=g.dtype)
        for k in range(kh * kw):
            _window(dxp, k // kw, k % kw, OH, OW, stride, (1, 1))[...] += gd
        H, W = xshape[2:]
        return np.ascontiguousarray(dxp[:, :, pads_h[0]: pads_h[0] + H, pads_w[0]: pads_w[0] + W]), \
            None, None, None, None, None, None


def adaptive_bounds(size, out):
    """Start and end of each adaptive window, as PyTorch computes them."""
    o = np.arange(out)
    start = (o * size) // out
    end = -((-(o + 1) * size) // out)
    return start, end


def _averaging_matrix(size, out, dtype):
    start, end = adaptive_bounds(size, out)
    idx = np.arange(size)
    inside = (idx >= start[:, None]) & (idx < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AdaptiveAvgPool2d(Function):
    """Adaptive average pooling for output sizes that do not divide the input evenly
    (even ones are plain average pools, exact like PyTorch's)."""

    array_backward = True

    @staticmethod
    def forward(ctx, x, out_size):
        H, W = x.shape[2:]
        ah = _averaging_matrix(H, out_size[0], x.dtype)
        aw = _averaging_matrix(W, out_size[1], x.dtype)
        ctx.mats = (ah, aw)
        ctx.save_for_backward(x)  # as in AvgPool2d
        # laid out as PyTorch's (its suggested memory format), whatever NumPy's products give
        if not np.isfinite(x).all():
            return suggested(_adaptive_avg_by_window(x, out_size), x)
        return suggested(np.matmul(np.matmul(ah, x), aw.T), x)

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # as in AvgPool2d
        ah, aw = ctx.mats
        if not np.isfinite(g).all():  # as in forward: keep a nan or inf to its windows
            return _adaptive_avg_grad_by_window(g, ah.shape[1], aw.shape[1]), None
        return np.matmul(np.matmul(ah.T, g), aw), None


def _adaptive_avg_by_window(x, out_size):
    """Each window's mean on its own: the averaging matrices would spread a nan or inf to
    every output (0 * inf is nan), where PyTorch keeps it to the windows that hold it."""
    sh, eh = adaptive_bounds(x.shape[2], out_size[0])
    sw, ew = adaptive_bounds(x.shape[3], out_size[1])
    out = np.empty(x.shape[:2] + tuple(out_size), x.dtype)
    for i in range(out_size[0]):
        for j in range(out_size[1]):
            out[:, :, i, j] = x[:, :, sh[i]:eh[i], sw[j]:ew[j]].mean(axis=(2, 3))
    return out


def _adaptive_avg_grad_by_window(g, H, W):
    oh, ow = g.shape[2:]
    sh, eh = adaptive_bounds(H, oh)
    sw, ew = adaptive_bounds(W, ow)
    dx = np.zeros(g.shape[:2] + (H, W), g.dtype)
    for i in range(oh):
        for j in range(ow):
            n = (eh[i] - sh[i]) * (ew[j] - sw[j])
            dx[:, :, sh[i]:eh[i], sw[j]:ew[j]] += g[:, :, i:i + 1, j:j + 1] / n
    return dx


class AdaptiveMaxPool2d(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x, out_size):
        N, C, H, W = x.shape
        sh, eh = adaptive_bounds(H, out_size[0])
        sw, ew = adaptive_bounds(W, out_size[1])
        out = best = None
        for a in range(int((eh - sh).max())):
            # Offsets past a short window repeat its last row: never a new strict maximum.
            ih = np.minimum(sh + a, eh - 1)
            for b in range(int((ew - sw).max())):
                iw = np.minimum(sw + b, ew - 1)
                v = x[:, :, ih[:, None], iw[None, :]]
                pos = ih[:, None] * W + iw[None, :]
                if out is None:  # (a C-order copy: the gather's dims are in another
                    # order, and PyTorch's sort of a later op reads size-1 dims' strides)
                    out, best = v.copy(), np.broadcast_to(pos, v.shape).copy()
                    continue
                take = v > out
                if x.dtype.kind == "f":
                    take |= np.isnan(v)
                np.copyto(out, v, where=take)
                np.copyto(best, np.broadcast_to(pos, v.shape), where=take)
        ctx.best = best
        ctx.xshape = x.shape
        ctx.save_for_backward(x)  # as in MaxPool2d
        return suggested(out, x)  # laid out as PyTorch's, as adaptive_avg_pool2d's

    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors  # as in AvgPool2d
        N, C, H, W = ctx.xshape
        rows = (np.arange(N * C) * (H * W)).reshape(N, C, 1, 1)
        dx = np.bincount((ctx.best + rows).ravel(), weights=g.ravel(), minlength=N * C * H * W)
        return dx.astype(g.dtype).reshape(N, C, H, W), None
