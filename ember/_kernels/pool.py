"""Max / average pooling as one compiled pass per (sample, channel) plane.

The NumPy path in ``ember/ops/pooling.py`` pads a copy of the input and makes one strided
pass per kernel offset; here every window is read once, straight from the unpadded input
(offsets that fall in the padding are skipped).
Max pooling records the same thing as the NumPy path: per output, the offset ``i * kw + j``
in the window of its maximum, so ``max_pool2d_indices`` and the backward read it alike.

The caller (``ember/ops/pooling.py``) checks the geometry (kernel, stride and dilation
positive, padding at most half the window) and hands over C-contiguous arrays of one dtype
whose shapes it made itself; the loops below then stay inside them for any input size,
windows lying wholly in the padding included.
"""
import numba
import numpy as np

# One thread per call (no parallel=True): on a busy 2-core machine a second numba thread
# made these layers up to 20x slower (it waits for a descheduled core), and parallel
# compilation took 3x as long (22 s against 7 s per dtype). A large pass is instead called
# on parts of the batch from several Python threads (the kernels release the GIL), which
# share the parts so that a thread on a busy core takes fewer (_threads.split_pass).
_jit = dict(cache=True, nogil=True)


@numba.njit(**_jit)
def _inside(O, size, kernel, stride, pad, dilation):
    """Per output position along one axis: the range [lo, hi) of kernel offsets whose
    element lies inside the input (computed once, not per window: no divisions there)."""
    lo = np.empty(O, dtype=np.int64)
    hi = np.empty(O, dtype=np.int64)
    for o in range(O):
        start = o * stride - pad
        lo[o] = 0 if start >= 0 else (-start + dilation - 1) // dilation
        hi[o] = min(kernel, (size - 1 - start) // dilation + 1)
    return lo, hi


@numba.njit(inline="always", **_jit)
def _window_max(xp, h0, w0, i0, i1, j0, j1, kw, dh, dw, nan_rule):
    """Maximum of the window at (h0, w0) over offsets [i0, i1) x [j0, j1), and its offset.
    As PyTorch: the first element starts, a later one takes over when greater (ties keep
    the first maximum in window order) or, under ``nan_rule``, when NaN (the last NaN wins)."""
    best = xp[h0 + i0 * dh, w0 + j0 * dw]
    k = i0 * kw + j0
    for i in range(i0, i1):
        for j in range(j0, j1):
            v = xp[h0 + i * dh, w0 + j * dw]
            # Without the NaN test the compiler makes this a branch-free select (on random
            # data a branch would be mispredicted half the time).
            if v > best or (nan_rule and v != v):
                best = v
                k = i * kw + j
    return best, k


@numba.njit(**_jit)
def max_pool_forward(x, kh, kw, sh, sw, ph, pw, dh, dw, nan_rule, out, arg):
    """``out`` and ``arg`` (N, C, OH, OW) from ``x`` (N, C, H, W); ``nan_rule``: whether
    ``x`` holds NaNs (PyTorch's rule for them costs a third of the time)."""
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    ilo, ihi = _inside(OH, H, kh, sh, ph, dh)
    jlo, jhi = _inside(OW, W, kw, sw, pw, dw)
    for p in range(N * C):
        xp, op, ap = x[p // C, p % C], out[p // C, p % C], arg[p // C, p % C]
        for oh in range(OH):
            h0 = oh * sh - ph
            whole_rows = ilo[oh] == 0 and ihi[oh] == kh
            for ow in range(OW):
                w0 = ow * sw - pw
                if whole_rows and jlo[ow] == 0 and jhi[ow] == kw and not nan_rule:
                    # Loop bounds the compiler can keep in registers: the common case.
                    best, k = _window_max(xp, h0, w0, 0, kh, 0, kw, kw, dh, dw, False)
                elif ilo[oh] >= ihi[oh] or jlo[ow] >= jhi[ow]:
                    # A dilated window can miss the input entirely (all of it padding):
                    # -inf as PyTorch, at the offset where its scan would have started.
                    best, k = -np.inf, ilo[oh] * kw + jlo[ow]
                else:
                    best, k = _window_max(xp, h0, w0, ilo[oh], ihi[oh], jlo[ow], jhi[ow],
                                          kw, dh, dw, nan_rule)
                op[oh, ow] = best
                ap[oh, ow] = k


@numba.njit(**_jit)
def max_pool_backward(g, arg, kh, kw, sh, sw, ph, pw, dh, dw, dx):
    """``dx`` (N, C, H, W), overwritten: each output's gradient added at its maximum (a
    window wholly in the padding has none: its gradient goes nowhere)."""
    N, C, OH, OW = g.shape
    H, W = dx.shape[2], dx.shape[3]
    # Row and column offset of each window offset k = i * kw + j.
    kdh = np.empty(kh * kw, dtype=np.int64)
    kdw = np.empty(kh * kw, dtype=np.int64)
    for k in range(kh * kw):
        kdh[k] = (k // kw) * dh
        kdw[k] = (k % kw) * dw
    for p in range(N * C):
        gp, ap, dp = g[p // C, p % C], arg[p // C, p % C], dx[p // C, p % C]
        dp[:] = 0
        for oh in range(OH):
            h0 = oh * sh - ph
            for ow in range(OW):
                k = ap[oh, ow]
                h, w = h0 + kdh[k], ow * sw - pw + kdw[k]
                if 0 <= h < H and 0 <= w < W:
                    dp[h, w] += gp[oh, ow]


@numba.njit(**_jit)
def max_pool_2x2_forward(x, out, arg):
    """``max_pool_forward`` for the book's MaxPool2d(2) (2 x 2 windows, stride 2, no
    padding or dilation) of an input without NaNs: each window's four elements compared
    in window order, written out so that the compiler vectorises the row (4x faster than
    the general loop, measured on 256 x 6 x 24 x 24)."""
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    if out.shape[:2] != x.shape[:2] or arg.shape != out.shape or 2 * OH > H or 2 * OW > W:
        raise ValueError("max_pool_2x2_forward: shapes do not agree")
    for p in range(N * C):
        xp, op, ap = x[p // C, p % C], out[p // C, p % C], arg[p // C, p % C]
        for oh in range(OH):
            top, bottom, o, a = xp[2 * oh], xp[2 * oh + 1], op[oh], ap[oh]
            for ow in range(OW):
                best, k = top[2 * ow], 0
                v = top[2 * ow + 1]
                if v > best:
                    best, k = v, 1
                v = bottom[2 * ow]
                if v > best:
                    best, k = v, 2
                v = bottom[2 * ow + 1]
                if v > best:
                    best, k = v, 3
                o[ow] = best
                a[ow] = k


@numba.njit(**_jit)
def max_pool_2x2_backward(g, arg, dx):
    """``max_pool_backward`` for ``max_pool_2x2_forward``: ``dx`` zeroed, then each
    window's gradient added at its maximum (added, as there: a gradient of -0.0 gives
    +0.0), with no offset tables or bounds to test (1.7x faster than the general loop)."""
    N, C, OH, OW = g.shape
    H, W = dx.shape[2], dx.shape[3]
    if dx.shape[:2] != g.shape[:2] or arg.shape != g.shape or 2 * OH > H or 2 * OW > W:
        raise ValueError("max_pool_2x2_backward: shapes do not agree")
    for p in range(N * C):
        gp, ap, dp = g[p // C, p % C], arg[p // C, p % C], dx[p // C, p % C]
        dp[:] = 0
        for oh in range(OH):
            gr, ar = gp[oh], ap[oh]
            for ow in range(OW):
                k = ar[ow] & 3  # (an offset is < 4: the mask keeps every store inside)
                dp[2 * oh + (k >> 1), 2 * ow + (k & 1)] += gr[ow]


@numba.njit(**_jit)
def avg_pool_forward(x, kh, kw, sh, sw, ph, pw, div, out):
    """``out`` (N, C, OH, OW): each window's in-bounds sum (padding adds zeros) over
    ``div[oh, ow]``."""
    N, C, H, W = x.shape
    OH, OW = out.shape[2], out.shape[3]
    for p in range(N * C):
        xp, op = x[p // C, p % C], out[p // C, p % C]
        for oh in range(OH):
            h0 = oh * sh - ph
            ha, hb = max(h0, 0), min(h0 + kh, H)
            for ow in range(OW):
                w0 = ow * sw - pw
                wa, wb = max(w0, 0), min(w0 + kw, W)
                s = 0.0  # summed in float64, rounded once on the store
                if ha == h0 and hb == h0 + kh and wa == w0 and wb == w0 + kw:
                    # Whole window: loop bounds the compiler keeps in registers (~30% faster).
                    for i in range(kh):
                        for j in range(kw):
                            s += xp[h0 + i, w0 + j]
                else:
                    for h in range(ha, hb):
                        for w in range(wa, wb):
                            s += xp[h, w]
                op[oh, ow] = s / div[oh, ow]


@numba.njit(**_jit)
def avg_pool_backward(g, kh, kw, sh, sw, ph, pw, div, dx):
    """``dx`` (N, C, H, W), overwritten: each output's gradient over its divisor, added to
    every in-bounds element of its window."""
    N, C, OH, OW = g.shape
    H, W = dx.shape[2], dx.shape[3]
    for p in range(N * C):
        gp, dp = g[p // C, p % C], dx[p // C, p % C]
        dp[:] = 0
        for oh in range(OH):
            h0 = oh * sh - ph
            for ow in range(OW):
                w0 = ow * sw - pw
                v = gp[oh, ow] / div[oh, ow]
                for h in range(max(h0, 0), min(h0 + kh, H)):
                    for w in range(max(w0, 0), min(w0 + kw, W)):
                        dp[h, w] += v
