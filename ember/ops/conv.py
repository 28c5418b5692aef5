"""2-D convolution as one matrix product: im2col through strided views, col2im by offsets.

Layout. The input is padded once into a fresh buffer; a strided view of it enumerates every
(channel, kernel row, kernel column) x (sample, output position) pair, and copying that view
gives the column matrix ``cols`` of shape ``(C*kh*kw, N*L)``. The whole layer is then one
(grouped) ``np.matmul`` of the weights ``(G, O/G, C/G*kh*kw)`` with ``cols``.

Fast path for stride 1 ("padded-width rows"): instead of the exact output grid, each output
row is computed over the full padded width ``Wp``. Then, for a fixed kernel offset, the
inputs that one (channel, sample) pair needs form a single contiguous run of ``OH * Wp``
numbers, so the im2col copy moves long runs instead of ``OW``-long pieces (several times
faster for small images), at the cost of ``Wp - OW`` junk columns per row that are dropped
from the output (and are zero in the gradient, so they add nothing in col2im). A few
elements of slack after the padded buffer keep the last run in bounds.

The input gradient of a stride-1 convolution with no more output than input channels is a
convolution too (of the padded output gradient with the flipped, transposed kernel), which
avoids the scatter of col2im; otherwise col2im adds the column gradient back with one
strided addition per kernel offset.

Compiled path (numba installed, see ``ember._numba``). The whole-batch column matrix is
written to and read back from main memory, and so are the padded copy and the transposes
around it; at ResNet sizes those passes cost about as much as the products. With numba the
layer runs instead over blocks of a few samples (``_Plan``), each block's padded input,
column matrix and product small enough to stay in cache: per block one (grouped) product,
and the kernels in ``ember._kernels.conv`` do the padding, gather, scatter and NCHW moves,
each as one loop nest. The exact output grid is used (junk columns would cost the products
more than the longer runs save the copies). With more than one thread (``ember._threads``)
the blocks are shared among threads, each running the whole chain with one BLAS thread, so
the copies run in parallel too. The input gradient takes the same two routes as above: a
(blocked) convolution of the output gradient for stride 1 and O <= C, else the scatter.

Two other routes on the compiled path, where the column product is the wrong tool (measured
against it; thresholds below): stride-1 3x3 layers with enough channels and a large enough
output run as Winograd F(2x2, 3x3), 16 products on transformed tiles instead of one 9x wider
product (the input gradient as the transposed convolution, itself Winograd; the weight
gradient from the transformed tiles); and stride-1 layers with few terms per output and few
output channels (LeNet's first: 25 x 6) run as direct loops. The results agree with the
NumPy path up to float rounding (the tests compare them).
"""
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _numba, _threads
from ..autograd import Function


def check_args(wshape, stride, dilation, groups):
    """PyTorch's first checks of a convolution's arguments, in its order and words."""
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) < 0:
        raise RuntimeError("dilation should be greater than zero")
    if min(dilation) == 0:  # (the words of PyTorch's default, oneDNN, path)
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if wshape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} "
                           f"at dimension 0, but got weight of size {list(wshape)} instead")


def _check(x, w, b, stride, pads, dilation, groups):
    """Everything the loops below (compiled ones included) take for granted, checked once
    more at the op whoever called it: a geometry whose every window lies in the padded
    input, and channels, groups and bias that agree."""
    check_args(w.shape, stride, dilation, groups)
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    if min(pads) < 0:
        raise RuntimeError("negative padding is not supported")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{kh} kernel_width: {kw}")
    if O % groups or C != Cg * groups or (b is not None and b.shape != (O,)) \
            or x.dtype != w.dtype or (b is not None and b.dtype != x.dtype):
        raise RuntimeError(f"conv2d: input {list(x.shape)}, weight {list(w.shape)} and bias "
                           f"{None if b is None else list(b.shape)} do not agree for "
                           f"groups={groups}")
    if _out_size(H, pads[0], pads[1], kh, stride[0], dilation[0]) < 1 \
            or _out_size(W, pads[2], pads[3], kw, stride[1], dilation[1]) < 1:
        raise RuntimeError("Kernel size can't be greater than actual input size")


def _out_size(size, pad_lo, pad_hi, kernel, stride, dilation):
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def _pad_into(x, pads, slack, layout_cn=False):
    """``x`` (N, C, H, W) zero-padded by ``pads`` = (top, bottom, left, right) into a new
    C-contiguous buffer followed by ``slack`` spare elements; negative pads crop.

    Returns the padded 4-D array (a view on the flat buffer)."""
    N, C, H, W = x.shape
    pt, pb, pl, pr = pads
    Hp, Wp = H + pt + pb, W + pl + pr
    flat = np.zeros(N * C * Hp * Wp + slack, dtype=x.dtype)
    xp = flat[: N * C * Hp * Wp].reshape((C, N, Hp, Wp) if layout_cn else (N, C, Hp, Wp))
    src = x[:, :, max(-pt, 0): H - max(-pb, 0), max(-pl, 0): W - max(-pr, 0)]
    dst = xp[..., max(pt, 0): max(pt, 0) + src.shape[2], max(pl, 0): max(pl, 0) + src.shape[3]]
    if layout_cn:
        src = src.transpose(1, 0, 2, 3)
    dst[...] = src
    return xp


def _use_row_runs(stride, Wp, OW):
    # Padded-width rows pay Wp/OW in extra columns; worth it unless that ratio is large.
    return stride == (1, 1) and 2 * OW >= Wp


def _im2col(x, kernel, stride, pads, dilation):
    """The column matrix of ``x`` and the geometry needed to undo it.

    Returns (cols (C*kh*kw, N*OH*R), OH, OW, R) where R is the length of one output row in
    ``cols`` (``Wp`` on the fast path, ``OW`` otherwise)."""
    N, C, H, W = x.shape
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    pt, pb, pl, pr = pads
    Wp = W + pl + pr
    OH = _out_size(H, pt, pb, kh, sh, dh)
    OW = _out_size(W, pl, pr, kw, sw, dw)
    isz = x.itemsize
    if _use_row_runs(stride, Wp, OW):
        xp = _pad_into(x, pads, slack=dw * (kw - 1))
        base = xp.base if xp.base is not None else xp
        sN, sC, sH = xp.strides[:3]
        view = as_strided(base, (C, kh, kw, N, OH * Wp),
                          (sC, dh * sH, dw * isz, sN, isz), writeable=False)
        return _gather(view, (C * kh * kw, N * OH * Wp)), OH, OW, Wp
    if pads == (0, 0, 0, 0):
        xp = x
    else:
        xp = _pad_into(x, pads, slack=0)
    sN, sC, sH, sW = xp.strides
    view = as_strided(xp, (C, kh, kw, N, OH, OW),
                      (sC, dh * sH, dw * sW, sN, sh * sH, sw * sW), writeable=False)
    return _gather(view, (C * kh * kw, N * OH * OW)), OH, OW, OW


_scratch = threading.local()


def _gather(view, shape):
    """Copy the strided im2col ``view`` into the column matrix of ``shape``.

    The matrix lives in a per-thread buffer reused from call to call: it is needed only
    until the product that consumes it, and a fresh array of this size (100 MB at ResNet
    sizes) costs a page fault per 4 KiB on first touch, as much again as the copy itself.
    So a column matrix is valid only until the next ``_im2col`` in the same thread."""
    n = shape[0] * shape[1]
    buf = getattr(_scratch, "cols", None)
    if buf is None or buf.size < n or buf.dtype != view.dtype:
        buf = _scratch.cols = np.empty(n, dtype=view.dtype)
    cols = buf[:n].reshape(shape)
    np.copyto(cols.reshape(view.shape), view)
    return cols


def _conv_arrays(x, w, stride, pads, dilation, groups):
    """Forward convolution on arrays: (out (N, O, OH, OW) as an (O, N, OH, R) product,
    cols, OH, OW, R)."""
    N = x.shape[0]
    O, Cg, kh, kw = w.shape
    G = groups
    cols, OH, OW, R = _im2col(x, (kh, kw), stride, pads, dilation)
    wg = w.reshape(G, O // G, Cg * kh * kw)
    prod = _grouped_matmul(wg, cols.reshape(G, Cg * kh * kw, -1))
    return prod.reshape(O, N, OH, R), cols, OH, OW, R


def _grouped_matmul(a, b):
    """(G, m, k) @ (G, k, n). NumPy's stacked matmul only calls BLAS when every operand is
    laid out just so (a transposed view silently takes a loop ~20x slower), so each group
    is one 2-D product; with one group (the usual case) that is the layer's one matmul.
    BLAS runs with ember's thread count (see ``ember._threads``)."""
    with _threads.blas_threads():
        if a.shape[0] == 1:
            return (a[0] @ b[0])[None]
        return np.stack([x @ y for x, y in zip(a, b)])


def _to_nchw(prod, OW, bias=None):
    """(O, N, OH, R) product → C-contiguous (N, O, OH, OW), adding the bias on the way."""
    O, N, OH, _ = prod.shape
    src = prod[..., :OW].transpose(1, 0, 2, 3)
    out = np.empty((N, O, OH, OW), dtype=prod.dtype)
    if bias is None:
        out[...] = src
    else:
        np.add(src, bias.reshape(1, O, 1, 1), out=out)
    return out


def _single_products(x, w, b, stride, pads, dilation, groups):
    """A convolution whose every output is one product (one input channel per group, a
    1 x 1 kernel), with PyTorch's sign of zero. Its native kernel's product matrix per
    sample is (O/G, K) @ (K, OH*OW), and gemm, which it calls for two rows and columns or
    more, stores the product as it is; gemv adds it to +0.0, so -0.0 is +0.0 there, as do
    its dilated convolution (any dilation other than 1, though a 1 x 1 kernel spans no
    gaps) and oneDNN, which PyTorch takes instead for float32 under the conditions of
    _onednn (all measured). The bias is added to the product in all of them."""
    N, _, H, W = x.shape
    O = w.shape[0]
    pt, pb, pl, pr = pads
    xp = np.zeros((N, x.shape[1], H + pt + pb, W + pl + pr), dtype=x.dtype)
    xp[:, :, pt:pt + H, pl:pl + W] = x
    xs = xp[:, :, ::stride[0], ::stride[1]]
    out = np.repeat(xs, O // groups, axis=1) * w.reshape(1, O, 1, 1)
    gemm = O // groups > 1 and xs.shape[2] * xs.shape[3] > 1 and dilation == (1, 1) \
        and not _onednn(x, stride, dilation, groups)
    if b is not None:
        return out + b.reshape(1, O, 1, 1)
    return out if gemm else out + 0.0


def _onednn(x, stride, dilation, groups):
    """Whether PyTorch convolves a float32 ``x`` with a 1 x 1 kernel through oneDNN (its
    use_mkldnn): with several threads, a stride, a dilation or a batch of 16 or more, and
    then for groups, a batch of more than one or an input of more than 20480 elements."""
    from .._threads import torch_threads
    return x.dtype == np.float32 and (
        torch_threads() > 1 or stride != (1, 1) or dilation != (1, 1) or x.shape[0] >= 16) \
        and (groups > 1 or x.shape[0] > 1 or x.size > 20480)


class Conv2d(Function):
    """conv2d(x, weight, bias); ``pads`` is (top, bottom, left, right)."""

    array_backward = True
    backward_reads = (0, 1)  # x and the weight, not the bias

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups):
        _check(x, w, b, stride, pads, dilation, groups)
        ctx.geometry = (x.shape, stride, pads, dilation, groups)
        # both, whichever gradient is wanted (the bias's alone too), as PyTorch's
        # convolution node saves them: changing either in place afterwards is refused
        ctx.save_for_backward(w, x)
        if x.size == 0 or w.size == 0:
            # An empty batch, or empty sums (no input channel): the bias alone.
            ctx.empty = True
            OH = _out_size(x.shape[2], pads[0], pads[1], w.shape[2], stride[0], dilation[0])
            OW = _out_size(x.shape[3], pads[2], pads[3], w.shape[3], stride[1], dilation[1])
            out = np.zeros((x.shape[0], w.shape[0], OH, OW), dtype=x.dtype)
            if b is not None:
                out += b.reshape(-1, 1, 1)
            return out
        ctx.empty = False
        k = _kernels_for(x)
        if w.shape[1] * w.shape[2] * w.shape[3] == 1:
            out = _single_products(x, w, b, stride, pads, dilation, groups)
        elif k is not None:
            out = _blocked_forward(k, x, w, b, stride, pads, dilation, groups)
        else:
            prod, _, OH, OW, R = _conv_arrays(x, w, stride, pads, dilation, groups)
            out = _to_nchw(prod, OW, b)
        # (Saved above.) The weight gradient needs the column matrix, kh*kw times the
        # input's size: keep the input (alive anyway as the previous layer's output) and
        # rebuild it in backward.
        return out

    @staticmethod
    def backward(ctx, g):
        w, x = ctx.saved_tensors
        xshape, stride, pads, dilation, groups = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if ctx.empty:
            return (np.zeros(xshape, dtype=w.dtype) if need_x else None,
                    np.zeros(w.shape, dtype=w.dtype) if need_w else None,
                    g.sum(axis=(0, 2, 3)) if need_b else None, None, None, None, None)
        O = w.shape[0]
        expected = (xshape[0], O) + tuple(
            _out_size(xshape[2 + a], pads[2 * a], pads[2 * a + 1], w.shape[2 + a], stride[a],
                      dilation[a]) for a in (0, 1))
        if g.shape != expected:
            # The loops size themselves from g (a hook may have replaced it): refuse here.
            raise RuntimeError(f"conv2d backward: output gradient of shape {list(g.shape)}, "
                               f"expected {list(expected)}")
        k = _kernels_for(g) if g.dtype == w.dtype else None
        if k is not None:
            gx, gw, gb = _blocked_backward(k, g, x, w, xshape, stride, pads, dilation, groups,
                                           need_x, need_w, need_b)
            return gx, gw, gb, None, None, None, None
        N, C, H, W = xshape
        O, Cg, kh, kw = w.shape
        G = groups
        OH, OW = g.shape[2:]
        Wp = W + pads[2] + pads[3]
        R = Wp if _use_row_runs(stride, Wp, OW) else OW
        # The output gradient in the product's layout (O, N, OH, R); junk columns are zero.
        if R == OW:
            gT = np.ascontiguousarray(g.transpose(1, 0, 2, 3))
        else:
            gT = np.zeros((O, N, OH, R), dtype=g.dtype)
            gT[..., :OW] = g.transpose(1, 0, 2, 3)
        gx = gw = gb = None
        if need_b:
            gb = gT.reshape(O, -1).sum(axis=1)
        if need_w:
            cols = _im2col(x, (kh, kw), stride, pads, dilation)[0]
            gw = _grouped_matmul(gT.reshape(G, O // G, -1),
                                 cols.reshape(G, Cg * kh * kw, -1).transpose(0, 2, 1))
            gw = gw.reshape(w.shape)
        if need_x:
            if stride == (1, 1) and O <= C:
                gx = _grad_input_as_conv(g, w, xshape, pads, dilation, groups)
            else:
                gx = _col2im(gT, w, xshape, stride, pads, dilation, groups, OH, OW, R)
        return gx, gw, gb, None, None, None, None


def _grad_input_as_conv(g, w, xshape, pads, dilation, groups):
    """dL/dx of a stride-1 convolution as a convolution (see ``_transposed_conv``)."""
    wt, gpads = _transposed_conv(w, xshape[1], pads, dilation, groups)
    prod, _, _, OW, _ = _conv_arrays(g, wt, (1, 1), gpads, dilation, groups)
    return _to_nchw(prod, OW)


def _transposed_conv(w, C, pads, dilation, groups):
    """Weights and pads of the convolution that gives dL/dx of a stride-1 convolution from
    dL/dy: the output gradient, padded so that every input position sees the full kernel,
    convolved with the flipped kernel, in/out channels swapped (pads < 0 crop)."""
    O, Cg, kh, kw = w.shape
    G = groups
    dh, dw = dilation
    pt, pb, pl, pr = pads
    gpads = (dh * (kh - 1) - pt, dh * (kh - 1) - pb, dw * (kw - 1) - pl, dw * (kw - 1) - pr)
    wt = w.reshape(G, O // G, Cg, kh, kw)[..., ::-1, ::-1].transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(wt).reshape(C, O // G, kh, kw), gpads


def _col2im(gT, w, xshape, stride, pads, dilation, groups, OH, OW, R):
    """dL/dx by scattering the column gradient back, one strided add per kernel offset."""
    N, C, H, W = xshape
    O, Cg, kh, kw = w.shape
    G = groups
    sh, sw = stride
    dh, dw = dilation
    pt, pb, pl, pr = pads
    Hp, Wp = H + pt + pb, W + pl + pr
    wg = w.reshape(G, O // G, Cg * kh * kw)
    gcols = _grouped_matmul(wg.transpose(0, 2, 1), gT.reshape(G, O // G, -1))
    gcols = gcols.reshape(C, kh, kw, N, OH, R)
    isz = gT.itemsize
    if R == Wp:
        # Padded-width rows: each offset's gradient is one long run per (channel, sample).
        slack = dw * (kw - 1)
        flat = np.zeros(C * N * Hp * Wp + slack, dtype=gT.dtype)
        plane = Hp * Wp * isz
        for i in range(kh):
            for j in range(kw):
                start = i * dh * Wp + j * dw
                dst = as_strided(flat[start:], (C * N, OH * Wp), (plane, isz))
                dst += gcols[:, i, j].reshape(C * N, OH * Wp)
        dxp = flat[: C * N * Hp * Wp].reshape(C, N, Hp, Wp)
    else:
        dxp = np.zeros((C, N, Hp, Wp), dtype=gT.dtype)
        for i in range(kh):
            for j in range(kw):
                hi, wj = i * dh, j * dw
                dxp[:, :, hi: hi + sh * (OH - 1) + 1: sh, wj: wj + sw * (OW - 1) + 1: sw] += \
                    gcols[:, i, j]
    out = np.empty((N, C, H, W), dtype=gT.dtype)
    out[...] = dxp[:, :, pt: pt + H, pl: pl + W].transpose(1, 0, 2, 3)
    return out


# ----- the compiled, blocked path ------------------------------------------------------------
# A block holds enough samples for its padded input, column matrix and product to take about
# this many bytes (they then stay in cache between being written and being read), and at
# least enough for _MIN_COLUMNS product columns (narrower products run BLAS below speed).
_BLOCK_BYTES = 1 << 20
_MIN_COLUMNS = 512
# The blocks are grouped into this many runs (fewer if there are fewer blocks), which
# threads take in turn: see _run_blocks.
_CHUNKS = 8
# Stride-1 3x3 convolutions run as Winograd F(2x2, 3x3) (see ember._kernels.conv) from
# this many input and output channels and this output side on: below them the transforms
# cost more than the products they save.
_WINOGRAD_CHANNELS = 16
_WINOGRAD_SIDE = 10
# Stride-1 convolutions with at most this many terms per output (C * kh * kw) and output
# channels run as direct loops (see ember._kernels.conv): their column product is too thin
# for BLAS (measured: LeNet's 25 x 6 twice as fast direct; ResNet's stem, 9 x 64, slower).
_DIRECT_TERMS = 32
_DIRECT_OUTPUTS = 16
# The largest weight gradient whose product the backward builds transposed (see there).
_TRANSPOSED_GRAD_BYTES = 1 << 20


def _kernels_for(a):
    """The compiled conv kernels if they are on and serve ``a``'s dtype, else None."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        return None
    return _numba.kernels("conv")


class _Plan:
    """Geometry of the blocked convolution of an (N, C, H, W) input by (O, Cg, kh, kw)
    weights, and its blocks of samples; ``winograd``: whether it runs as F(2x2, 3x3)."""

    def __init__(self, xshape, wshape, stride, pads, dilation, groups, itemsize):
        N, C, H, W = xshape
        O, _, kh, kw = wshape
        pt, pb, pl, pr = pads
        self.padded = (C, H + pt + pb, W + pl + pr)
        self.OH = _out_size(H, pt, pb, kh, stride[0], dilation[0])
        self.OW = _out_size(W, pl, pr, kw, stride[1], dilation[1])
        self.L = self.OH * self.OW
        self.K = C * kh * kw
        self.kernel_args = (kh, kw) + stride + dilation + (self.OH, self.OW)
        per_sample = (C * self.padded[1] * self.padded[2] + (self.K + O) * self.L) * itemsize
        self.direct = (stride == (1, 1) and dilation == (1, 1) and groups == 1
                       and self.K <= _DIRECT_TERMS and O <= _DIRECT_OUTPUTS)
        self.winograd = (not self.direct and wshape[2:] == (3, 3) and stride == (1, 1)
                         and dilation == (1, 1) and groups == 1 and min(pads) >= 0
                         and min(C, O) >= _WINOGRAD_CHANNELS
                         and min(self.OH, self.OW) >= _WINOGRAD_SIDE)
        if self.direct:
            # a spare row at the bottom: see the kernels
            self.padded = (C, self.padded[1] + 1, self.padded[2])
            per_sample = (C * self.padded[1] * self.padded[2] + O * self.L) * itemsize
        elif self.winograd:
            # Tiles of 2x2 outputs; the padded block covers them all (zeros past the input).
            self.tiles = (-(-self.OH // 2), -(-self.OW // 2))
            self.T = self.tiles[0] * (self.tiles[1] + 1)  # (an extra tile per tile row)
            self.padded = (C, 2 * self.tiles[0] + 2, 2 * self.tiles[1] + 2)
            self.L = self.T  # product columns per sample
            per_sample = (C * self.padded[1] * self.padded[2] + 16 * (C + O) * self.T) \
                * itemsize
        nb = max(_BLOCK_BYTES // per_sample, -(-_MIN_COLUMNS // self.L), 1)
        # At least a block per core; the blocks depend on the machine, not on the thread
        # count, so neither do the results.
        self.nb = min(nb, -(-N // _threads.cores()))
        blocks = [(n0, min(self.nb, N - n0)) for n0 in range(0, N, self.nb)]
        # Runs of consecutive blocks, the unit a thread takes (see _run_blocks).
        n = min(len(blocks), _CHUNKS)
        self.chunks = [blocks[len(blocks) * i // n: len(blocks) * (i + 1) // n]
                       for i in range(n)]
        # Threads only where BLAS can be held to one thread per product (so not when the
        # user's OMP/OPENBLAS_NUM_THREADS leave it alone).
        threads = _threads.get_num_threads() if _threads.controllable() else 1
        self.threads = max(1, min(threads, n))

    def buffers(self, dtype, *rows):
        """Scratch for one thread: the padded block, and a (rows, block columns) matrix for
        each of ``rows`` (16 of them per row for Winograd), as flat arrays to take the
        leading part of for a short block."""
        per_row = self.nb * self.L * (16 if self.winograd else 1)
        return ([np.empty((self.nb,) + self.padded, dtype=dtype)]
                + [np.empty(r * per_row, dtype=dtype) for r in rows])


def _run_blocks(plan, work):
    """``[work(chunk) for chunk in plan.chunks]``, the chunks shared among threads
    (``_threads.run_shared``), each running its products on one BLAS thread: the blocks'
    products are small, and OpenBLAS splitting each one over two threads synchronizes them
    per product (and stalls badly when a core is busy)."""
    if plan.threads == 1:
        with _threads.blas_threads():
            return [work(chunk) for chunk in plan.chunks]
    with _threads.blas_threads(1):
        return _threads.run_shared(work, plan.chunks, plan.threads)


def _blocked_forward(k, x, w, b, stride, pads, dilation, groups):
    x = np.ascontiguousarray(x)
    N = x.shape[0]
    O = w.shape[0]
    p = _Plan(x.shape, w.shape, stride, pads, dilation, groups, x.itemsize)
    bias = np.empty(0, dtype=x.dtype) if b is None else np.ascontiguousarray(b)
    out = np.empty((N, O, p.OH, p.OW), dtype=x.dtype)
    if p.direct:
        wc = np.ascontiguousarray(w)

        def work(blocks):
            xp = p.buffers(x.dtype)[0]
            for n0, m in blocks:
                k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
                k.direct_forward(xp[:m], wc, bias, out[n0:n0 + m])

        _run_blocks(p, work)
        return out
    if p.winograd:
        U = np.empty((16,) + w.shape[:2], dtype=w.dtype)
        k.winograd_weights(np.ascontiguousarray(w), U)
        th, tw = p.tiles
        C = x.shape[1]

        def work(blocks):
            xp, V, M = p.buffers(x.dtype, C, O)
            for n0, m in blocks:
                Tm = m * p.T
                k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
                v = V[:16 * C * Tm].reshape(16, C, Tm)
                k.winograd_input(xp[:m], th, tw, v)
                mm = M[:16 * O * Tm].reshape(16, O, Tm)
                np.matmul(U, v, out=mm)
                k.winograd_output(mm, th, tw, bias, out[n0:n0 + m])

        _run_blocks(p, work)
        return out
    wg = w.reshape(groups, O // groups, p.K // groups)
    out3 = out.reshape(N, O, p.L)

    def work(blocks):
        xp, cols, prod = p.buffers(x.dtype, p.K, O)
        for n0, m in blocks:
            M = m * p.L
            k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
            c = cols[:p.K * M].reshape(p.K, M)
            k.gather(xp[:m], *p.kernel_args, c)
            pr = prod[:O * M].reshape(groups, O // groups, M)
            np.matmul(wg, c.reshape(groups, -1, M), out=pr)
            k.unpack(pr.reshape(O, m, p.L), bias, out3[n0:n0 + m])

    _run_blocks(p, work)
    return out


def _blocked_backward(k, g, x, w, xshape, stride, pads, dilation, groups,
                      need_x, need_w, need_b):
    g = np.ascontiguousarray(g)
    N = xshape[0]
    O = w.shape[0]
    p = _Plan(xshape, w.shape, stride, pads, dilation, groups, g.itemsize)
    g3 = g.reshape(N, O, p.OH * p.OW)
    wg = w.reshape(groups, O // groups, p.K // groups)
    x = None if x is None else np.ascontiguousarray(x)
    gx = gw = gb = None
    if need_x and stride == (1, 1) and (O <= xshape[1] or p.winograd):
        # As a convolution: its column matrix has O*kh*kw rows instead of C*kh*kw, and its
        # product contracts over them instead of over the O output channels (a narrow,
        # slow product when O is small, as DenseNet's 32) and needs no scatter; and a 3x3
        # one runs as Winograd's too.
        wt, gpads = _transposed_conv(w, xshape[1], pads, dilation, groups)
        gx = _blocked_forward(k, g, wt, None, stride, gpads, dilation, groups)
        need_x = False
    elif need_x:
        gx = np.empty(xshape, dtype=g.dtype)
    if p.winograd:
        return gx, *_winograd_backward(k, p, g, x, pads, need_w, need_b)
    if p.direct and need_w and np.isfinite(x.sum()):  # (see direct_weight_grad)
        gw, gb = _direct_backward(k, p, g, x, w.shape, pads, need_b)
        if not need_x:
            return gx, gw, gb
        # (the input gradient still to come, by the scatter below)
        need_w = need_b = False

    # The weight gradient sums over the block's columns; OpenBLAS runs that product faster
    # with the larger of its sides as rows (LeNet's 6->16 as cols @ gp^T, 150 x 16, in 94
    # against 170 us as gp @ cols^T; DenseNet's 1152 x 32 0.47 against 0.70 ms), so where
    # K >= O it is built transposed, (G, K/G, O/G), unless copying it into the weight's
    # layout would cost more than that gains: the copy's strided reads leave the cache
    # past about a megabyte (ResNet's 4608 x 512: 12 ms, for a product as fast either way).
    transposed = p.K >= O and p.K * O * g.itemsize <= _TRANSPOSED_GRAD_BYTES
    gw_shape = (groups, p.K // groups, O // groups) if transposed else wg.shape

    def work(blocks):
        """gx for these blocks written in place; their parts of gw and gb returned."""
        xp, cols, gprod = p.buffers(g.dtype, p.K, O)
        gw = np.zeros(gw_shape, dtype=g.dtype) if need_w else None
        gw_block = np.empty_like(gw) if need_w else None
        gb = np.zeros(O, dtype=g.dtype) if need_b else None
        for n0, m in blocks:
            M = m * p.L
            if need_b:
                gb += g3[n0:n0 + m].sum(axis=(0, 2))
            if not (need_w or need_x):
                continue
            gp = gprod[:O * M].reshape(O, m, p.L)
            k.pack(g3[n0:n0 + m], gp)
            gp = gp.reshape(groups, -1, M)
            c = cols[:p.K * M].reshape(p.K, M)
            if need_w:
                k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
                k.gather(xp[:m], *p.kernel_args, c)
                cg = c.reshape(groups, -1, M)
                if transposed:
                    np.matmul(cg, gp.transpose(0, 2, 1), out=gw_block)
                else:
                    np.matmul(gp, cg.transpose(0, 2, 1), out=gw_block)
                gw += gw_block
            if need_x:
                # The column gradient reuses the column buffer, its scatter the padded one.
                np.matmul(wg.transpose(0, 2, 1), gp, out=c.reshape(groups, -1, M))
                k.scatter(c, *p.kernel_args, xp[:m])
                k.shift_copy(xp[:m], gx[n0:n0 + m], -pads[0], -pads[2])
        return gw, gb

    parts = _run_blocks(p, work)
    if need_w:
        # summed into the weight's own layout (C order), as PyTorch's gradient is laid
        # out: the optimizer's compiled pass then takes it, and .grad's strides agree
        gw = np.empty(w.shape, dtype=g.dtype)
        total = gw.reshape(wg.shape)
        _sum_parts([r[0] for r in parts], total.transpose(0, 2, 1) if transposed else total)
    if need_b:
        gb = sum(r[1] for r in parts)
    return gx, gw, gb


def _sum_parts(parts, out):
    """``out[...] = parts[0] + parts[1] + ...``, in that order (the threads' partial sums),
    in one pass for the usual one or two parts (shared among threads when large)."""
    if len(parts) == 1:
        np.copyto(out, parts[0])
    else:
        _threads.exact_ufunc(np.add, parts[0], parts[1], out)
        for part in parts[2:]:
            out += part


def _direct_backward(k, p, g, x, wshape, pads, need_b):
    """The weight and bias gradients of a direct plan ``p``, summed over blocks."""
    O, C, kh, kw = wshape

    def work(blocks):
        xp = p.buffers(g.dtype)[0]
        gw = np.zeros(wshape, dtype=g.dtype)
        gb = np.zeros(O, dtype=g.dtype) if need_b else None
        for n0, m in blocks:
            if need_b:
                gb += g[n0:n0 + m].sum(axis=(0, 2, 3))
            k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
            k.direct_weight_grad(xp[:m], g[n0:n0 + m], gw)
        return gw, gb

    parts = _run_blocks(p, work)
    return sum(r[0] for r in parts), (sum(r[1] for r in parts) if need_b else None)


def _winograd_backward(k, p, g, x, pads, need_w, need_b):
    """The weight and bias gradients of a Winograd plan ``p``: per block, the input's tiles
    (as in the forward) and the output gradient's (the output transform's adjoint), then
    per tile position the product dU = dM V^T, summed over blocks; dW = G^T dU G."""
    C, O = p.padded[0], g.shape[1]
    th, tw = p.tiles

    def work(blocks):
        xp, V, dM = p.buffers(g.dtype, C, O)
        dU = np.zeros((16, O, C), dtype=g.dtype) if need_w else None
        dU_block = np.empty_like(dU) if need_w else None
        gb = np.zeros(O, dtype=g.dtype) if need_b else None
        for n0, m in blocks:
            if need_b:
                gb += g[n0:n0 + m].sum(axis=(0, 2, 3))
            if not need_w:
                continue
            Tm = m * p.T
            k.shift_copy(x[n0:n0 + m], xp[:m], pads[0], pads[2])
            v = V[:16 * C * Tm].reshape(16, C, Tm)
            k.winograd_input(xp[:m], th, tw, v)
            d = dM[:16 * O * Tm].reshape(16, O, Tm)
            k.winograd_grad_output(g[n0:n0 + m], th, tw, d)
            for q in range(16):  # 2-D products: BLAS takes the transposed operand as is
                np.matmul(d[q], v[q].T, out=dU_block[q])
            dU += dU_block
        return dU, gb

    parts = _run_blocks(p, work)
    gw = None
    if need_w:
        gw = np.empty((O, C, 3, 3), dtype=g.dtype)
        k.winograd_weight_grad(sum(r[0] for r in parts), gw)
    gb = sum(r[1] for r in parts) if need_b else None
    return gw, gb
