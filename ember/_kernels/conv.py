"""Compiled pieces of ``ember.ops.conv``'s blocked convolution (see its docstring).

The convolution runs over blocks of a few samples, sized so that a block's padded input,
column matrix and product stay in cache. Per block: ``shift_copy`` pads the samples into a
small buffer, ``gather`` lays out the column matrix, BLAS multiplies, and ``unpack`` writes
the product into the NCHW output with the bias. Backward: ``pack`` lays the output gradient
out like the product, BLAS gives the weight gradient and the column gradient, ``scatter``
adds the column gradient back into a padded buffer and ``shift_copy`` crops it into the
input gradient. Every kernel is a plain loop nest: one pass, no temporaries.

A block's column matrix has a row per (channel, kernel row, kernel column) and a column
per (sample in the block, output row, output column); its product with the weights is
(out channel, sample, output position).

Inner loops index with a plain counter into 1-D slices (``d[q] = s[q]``) or with unsigned
integers into flat arrays: numba vectorizes those, while a signed index that could be
negative gets a wraparound check per element that stops it.
"""
import numba
import numpy as np

_u = np.uint64


@numba.njit(cache=True, nogil=True)
def shift_copy(src, dst, top, left):
    """dst[b, c, h, w] = src[b, c, h - top, w - left], zero where that is outside ``src``.

    Pads a block of samples (top, left >= 0, or negative to crop) and, with the offsets
    negated, crops a padded gradient back to the input's size."""
    nb, C, Hd, Wd = dst.shape
    Hs, Ws = src.shape[2], src.shape[3]
    w_lo = min(max(left, 0), Wd)            # dst columns [w_lo, w_hi) come from src
    w_hi = max(min(Ws + left, Wd), w_lo)
    for b in range(nb):
        for c in range(C):
            for h in range(Hd):
                row = dst[b, c, h]
                hs = h - top
                if hs < 0 or hs >= Hs:
                    for w in range(Wd):
                        row[w] = 0
                    continue
                for w in range(w_lo):
                    row[w] = 0
                for w in range(w_hi, Wd):
                    row[w] = 0
                d = row[w_lo:w_hi]
                s = src[b, c, hs, w_lo - left:w_hi - left]
                for q in range(w_hi - w_lo):
                    d[q] = s[q]


@numba.njit(cache=True, nogil=True)
def gather(xp, kh, kw, sh, sw, dh, dw, OH, OW, cols):
    """The column matrix of a padded block ``xp`` (nb, C, Hp, Wp):
    cols[(c, i, j), (b, oh, ow)] = xp[b, c, oh*sh + i*dh, ow*sw + j*dw].

    Each row of ``cols`` is written from start to end in turn (its runs of OW are short in
    deep layers: 7 or 4); taking a kernel column per input row instead interleaved kw rows
    and ran 1.5x slower (ResNet's 7x7 layer, a block of 11: 0.89 -> 0.55 ms)."""
    nb, C, Hp, Wp = xp.shape
    src, dst = xp.ravel(), cols.ravel()
    M, n, step = _u(cols.shape[1]), _u(OW), _u(sw)
    for c in range(C):
        for i in range(kh):
            for j in range(kw):
                d_row = _u((c * kh + i) * kw + j) * M
                for b in range(nb):
                    for oh in range(OH):
                        s0 = _u(((b * C + c) * Hp + oh * sh + i * dh) * Wp + j * dw)
                        d0 = d_row + _u((b * OH + oh) * OW)
                        if sw == 1:
                            for q in range(n):
                                dst[d0 + q] = src[s0 + q]
                        else:
                            for q in range(n):
                                dst[d0 + q] = src[s0 + q * step]


@numba.njit(cache=True, nogil=True)
def scatter(gcols, kh, kw, sh, sw, dh, dw, OH, OW, gxp):
    """The adjoint of ``gather``: gxp (nb, C, Hp, Wp) = the column gradient added back to
    the positions each column came from.

    With stride 1 the kw runs added into one input row overlap, each shifted by one
    element from the last: added one after another, every load waits for the misaligned
    vector just stored there (store forwarding fails). So the kernel column is taken
    outermost and the runs of other rows come between (LeNet's 6->16 layer: 158 -> 45 us a
    block). Strided runs interleave instead, and there reading each row once for all kw
    runs is faster. Each position receives its terms in the same order either way."""
    nb, C, Hp, Wp = gxp.shape
    src, dst = gcols.ravel(), gxp.ravel()
    M, n, step = _u(gcols.shape[1]), _u(OW), _u(sw)
    dst[:] = 0
    for c in range(C):
        for i in range(kh):
            if sw == 1:
                for j in range(kw):
                    s_row = _u((c * kh + i) * kw + j) * M
                    for b in range(nb):
                        for oh in range(OH):
                            d0 = _u(((b * C + c) * Hp + oh * sh + i * dh) * Wp + j * dw)
                            s0 = s_row + _u((b * OH + oh) * OW)
                            for q in range(n):
                                dst[d0 + q] += src[s0 + q]
                continue
            for b in range(nb):
                for oh in range(OH):
                    d_row = _u(((b * C + c) * Hp + oh * sh + i * dh) * Wp)
                    s_col = _u((b * OH + oh) * OW)
                    for j in range(kw):
                        s0 = _u((c * kh + i) * kw + j) * M + s_col
                        d0 = d_row + _u(j * dw)
                        for q in range(n):
                            dst[d0 + q * step] += src[s0 + q]


@numba.njit(cache=True, nogil=True)
def unpack(prod, bias, out):
    """out[b, o, l] = prod[o, b, l] (+ bias[o] unless ``bias`` is empty): a block's
    product (O, nb, L) into NCHW (nb, O, L)."""
    nb, O, L = out.shape
    for b in range(nb):
        for o in range(O):
            d = out[b, o]
            s = prod[o, b]
            if bias.size:
                v = bias[o]
                for q in range(L):
                    d[q] = s[q] + v
            else:
                for q in range(L):
                    d[q] = s[q]


@numba.njit(cache=True, nogil=True)
def pack(g, dst):
    """dst[o, b, l] = g[b, o, l]: a block of the output gradient (nb, O, L) in the
    product's layout (O, nb, L)."""
    nb, O, L = g.shape
    for o in range(O):
        for b in range(nb):
            d = dst[o, b]
            s = g[b, o]
            for q in range(L):
                d[q] = s[q]


# ----- Winograd F(2x2, 3x3) ------------------------------------------------------------------
# A stride-1 3x3 convolution computes each 2x2 tile of the output from a 4x4 tile of the
# (padded) input with 16 products per (input, output channel) pair instead of 36:
# Y = A^T [ (G w G^T) * (B^T d B) ] A, with
#   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
#   G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]],
#   A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
# The sum over input channels of the elementwise products is, per position (xi, nu) of the
# 4x4 tile, one matrix product (O x C) @ (C x tiles): 16 products, run by BLAS. These kernels
# do the transforms: input tiles in, output tiles out, and for the weight gradient the output
# gradient's tiles in (A dY A^T, the adjoint of the output transform).
#
# Layout: a sample's th x tw tiles are numbered t = i * (tw + 1) + j, each tile row with one
# extra tile (j = tw) whose transforms are zero. With the padded block 2 (tw + 1) wide, tile
# t's columns then start at 2t of its tile row's combined input rows, so each transform is
# one long loop over a sample's tiles (that vectorizes) instead of one per tile row (tw is
# 2 to 14 here: shorter than a vector). The extra tiles cost the products 1 / (tw + 1) more.


@numba.njit(cache=True, nogil=True)
def winograd_input(xp, th, tw, V):
    """V[4p + q, c, t] = (B^T d B)[p, q] for the 4x4 tile d of the padded block ``xp``
    (nb, C, >= 2 th + 2, 2 tw + 2) at rows 2i.., columns 2j..; zero for the extra tiles."""
    nb, C, Hb, Wb = xp.shape
    T = th * (tw + 1)
    if Hb < 2 * th + 2 or Wb != 2 * tw + 2 or V.shape[0] != 16 or V.shape[1] != C \
            or V.shape[2] != nb * T:
        raise ValueError("winograd_input: shapes do not agree")
    # The rows of B^T d for every tile row of a plane, Wb apart (and 2 spare at the end,
    # read by the last extra tile only).
    rows = np.zeros((4, th * Wb + 2), dtype=xp.dtype)
    one, two, three = _u(1), _u(2), _u(3)
    for c in range(C):
        for b in range(nb):
            for i in range(th):
                r0, r1, r2, r3 = xp[b, c, 2 * i], xp[b, c, 2 * i + 1], xp[b, c, 2 * i + 2], \
                    xp[b, c, 2 * i + 3]
                e0, e1 = rows[0, i * Wb:(i + 1) * Wb], rows[1, i * Wb:(i + 1) * Wb]
                e2, e3 = rows[2, i * Wb:(i + 1) * Wb], rows[3, i * Wb:(i + 1) * Wb]
                for w in range(Wb):
                    e0[w] = r0[w] - r2[w]
                    e1[w] = r1[w] + r2[w]
                    e2[w] = r2[w] - r1[w]
                    e3[w] = r1[w] - r3[w]
            base = b * T
            for p in range(4):
                x = rows[p]
                v0, v1 = V[4 * p, c, base:base + T], V[4 * p + 1, c, base:base + T]
                v2, v3 = V[4 * p + 2, c, base:base + T], V[4 * p + 3, c, base:base + T]
                for t in range(T):
                    u = _u(t) + _u(t)  # unsigned: no wraparound check (see above)
                    v0[t] = x[u] - x[u + two]
                    v1[t] = x[u + one] + x[u + two]
                    v2[t] = x[u + two] - x[u + one]
                    v3[t] = x[u + one] - x[u + three]
                for i in range(th):  # the extra tiles
                    t = i * (tw + 1) + tw
                    v0[t] = v1[t] = v2[t] = v3[t] = 0


@numba.njit(cache=True, nogil=True)
def winograd_output(M, th, tw, bias, out):
    """out[b, o, 2i + a, 2j + e] = (A^T m A)[a, e] (+ bias[o] unless ``bias`` is empty) for
    the 4x4 tile m = M[:, o, t]; a tile's rows and columns past the output, and the extra
    tiles, are dropped."""
    nb, O, OH, OW = out.shape
    T = th * (tw + 1)
    if M.shape[0] != 16 or M.shape[1] != O or M.shape[2] != nb * T \
            or 2 * th < OH or 2 * tw < OW or 2 * (th - 1) >= OH or 2 * (tw - 1) >= OW \
            or (bias.size != 0 and bias.size != O):
        raise ValueError("winograd_output: shapes do not agree")
    y = np.empty((4, T), dtype=M.dtype)  # a sample's tiles: y[2a + e, t] = (A^T m A)[a, e]
    for b in range(nb):
        for o in range(O):
            v = bias[o] if bias.size else M.dtype.type(0)
            # (each row sliced on its own: a slice of M[:, o] would not be contiguous to
            # numba, and its loop would not vectorize)
            s0, s1 = b * T, (b + 1) * T
            m0, m1, m2, m3 = M[0, o, s0:s1], M[1, o, s0:s1], M[2, o, s0:s1], M[3, o, s0:s1]
            m4, m5, m6, m7 = M[4, o, s0:s1], M[5, o, s0:s1], M[6, o, s0:s1], M[7, o, s0:s1]
            m8, m9, m10, m11 = M[8, o, s0:s1], M[9, o, s0:s1], M[10, o, s0:s1], \
                M[11, o, s0:s1]
            m12, m13, m14, m15 = M[12, o, s0:s1], M[13, o, s0:s1], M[14, o, s0:s1], \
                M[15, o, s0:s1]
            y00, y01, y10, y11 = y[0], y[1], y[2], y[3]
            for t in range(T):
                # the rows of A^T m, then each row (p0, p1, p2, p3) times A
                p0, p1 = m0[t] + m4[t] + m8[t], m1[t] + m5[t] + m9[t]
                p2, p3 = m2[t] + m6[t] + m10[t], m3[t] + m7[t] + m11[t]
                q0, q1 = m4[t] - m8[t] - m12[t], m5[t] - m9[t] - m13[t]
                q2, q3 = m6[t] - m10[t] - m14[t], m7[t] - m11[t] - m15[t]
                y00[t] = p0 + p1 + p2 + v
                y01[t] = p1 - p2 - p3 + v
                y10[t] = q0 + q1 + q2 + v
                y11[t] = q1 - q2 - q3 + v
            for i in range(th):
                t0 = i * (tw + 1)
                for a in range(2):
                    if 2 * i + a >= OH:
                        break
                    row = out[b, o, 2 * i + a]
                    ye, yo = y[2 * a, t0:t0 + tw], y[2 * a + 1, t0:t0 + tw]
                    for j in range(OW // 2):
                        row[2 * j] = ye[j]
                        row[2 * j + 1] = yo[j]
                    if OW % 2:
                        row[OW - 1] = ye[tw - 1]


@numba.njit(cache=True, nogil=True)
def winograd_grad_output(g, th, tw, dM):
    """dM[:, o, t] = A dy A^T for the 2x2 tile dy of the output gradient ``g`` (nb, O, OH,
    OW) at rows 2i.., columns 2j.. (zero past its edge; zero for the extra tiles): the
    adjoint of ``winograd_output``."""
    nb, O, OH, OW = g.shape
    T = th * (tw + 1)
    W2 = 2 * (tw + 1)
    if dM.shape[0] != 16 or dM.shape[1] != O or dM.shape[2] != nb * T \
            or 2 * th < OH or 2 * tw < OW or 2 * (th - 1) >= OH or 2 * (tw - 1) >= OW:
        raise ValueError("winograd_grad_output: shapes do not agree")
    # A plane's tile rows: y[a, i * W2 + w] = g[2i + a, w], zero past the edges (those
    # places are never written, so they stay zero from plane to plane); then the rows of
    # A dy: y0, y0 + y1, y0 - y1, -y1.
    y = np.zeros((2, th * W2), dtype=g.dtype)
    r = np.empty((4, th * W2), dtype=g.dtype)
    one = _u(1)
    for b in range(nb):
        for o in range(O):
            for i in range(th):
                for a in range(2):
                    if 2 * i + a < OH:
                        d, src = y[a, i * W2:i * W2 + OW], g[b, o, 2 * i + a]
                        for w in range(OW):
                            d[w] = src[w]
            y0, y1 = y[0], y[1]
            r0, r1, r2, r3 = r[0], r[1], r[2], r[3]
            for w in range(th * W2):
                r0[w] = y0[w]
                r1[w] = y0[w] + y1[w]
                r2[w] = y0[w] - y1[w]
                r3[w] = -y1[w]
            base = b * T
            for p in range(4):
                x = r[p]
                d0, d1 = dM[4 * p, o, base:base + T], dM[4 * p + 1, o, base:base + T]
                d2, d3 = dM[4 * p + 2, o, base:base + T], dM[4 * p + 3, o, base:base + T]
                # each row (u, w) of a tile times A^T: (u, u + w, u - w, -w); an extra
                # tile reads the zero columns 2 tw, 2 tw + 1
                for t in range(T):
                    u = _u(t) + _u(t)
                    d0[t] = x[u]
                    d1[t] = x[u] + x[u + one]
                    d2[t] = x[u] - x[u + one]
                    d3[t] = -x[u + one]


@numba.njit(cache=True, nogil=True)
def winograd_weights(w, U):
    """U[4p + q, o, c] = (G w[o, c] G^T)[p, q] for (O, C, 3, 3) weights ``w``."""
    O, C = w.shape[0], w.shape[1]
    if w.shape[2] != 3 or w.shape[3] != 3 or U.shape[0] != 16 or U.shape[1] != O \
            or U.shape[2] != C:
        raise ValueError("winograd_weights: shapes do not agree")
    h = np.empty((4, 3), dtype=w.dtype)
    for o in range(O):
        for c in range(C):
            k = w[o, c]
            for e in range(3):  # G k, column by column
                h[0, e] = k[0, e]
                h[1, e] = 0.5 * (k[0, e] + k[1, e] + k[2, e])
                h[2, e] = 0.5 * (k[0, e] - k[1, e] + k[2, e])
                h[3, e] = k[2, e]
            for p in range(4):  # each row of G k times G^T
                U[4 * p, o, c] = h[p, 0]
                U[4 * p + 1, o, c] = 0.5 * (h[p, 0] + h[p, 1] + h[p, 2])
                U[4 * p + 2, o, c] = 0.5 * (h[p, 0] - h[p, 1] + h[p, 2])
                U[4 * p + 3, o, c] = h[p, 2]


@numba.njit(cache=True, nogil=True)
def winograd_weight_grad(dU, gw):
    """gw[o, c] = G^T dU[:, o, c] G (dU's 16 entries as a 4x4 matrix): the adjoint of
    ``winograd_weights``."""
    O, C = gw.shape[0], gw.shape[1]
    if gw.shape[2] != 3 or gw.shape[3] != 3 or dU.shape[0] != 16 or dU.shape[1] != O \
            or dU.shape[2] != C:
        raise ValueError("winograd_weight_grad: shapes do not agree")
    h = np.empty((4, 3), dtype=gw.dtype)
    for o in range(O):
        for c in range(C):
            for p in range(4):  # each row of dU times G
                d0, d1, d2, d3 = dU[4 * p, o, c], dU[4 * p + 1, o, c], dU[4 * p + 2, o, c], \
                    dU[4 * p + 3, o, c]
                h[p, 0] = d0 + 0.5 * (d1 + d2)
                h[p, 1] = 0.5 * (d1 - d2)
                h[p, 2] = 0.5 * (d1 + d2) + d3
            k = gw[o, c]
            for e in range(3):  # G^T times that, column by column
                k[0, e] = h[0, e] + 0.5 * (h[1, e] + h[2, e])
                k[1, e] = 0.5 * (h[1, e] - h[2, e])
                k[2, e] = 0.5 * (h[1, e] + h[2, e]) + h[3, e]


# ----- direct loops for few input channels ---------------------------------------------------
# With a handful of (input channel, kernel row, kernel column) terms per output (LeNet's first
# layer: 25) the column matrix is 25 times the input for a product too thin for BLAS to run
# well; these loops run the sums in place instead. Each output row is computed over the full
# padded width Wp (as ``ember.ops.conv``'s NumPy path does), so that for a kernel offset
# (i, j) a whole output plane is one contiguous run of the padded input plane, starting at
# i * Wp + j: one long vectorized loop per offset. The Wp - OW extra columns of each row read
# the start of the next row and are dropped; the padded block has a spare row at the bottom
# so that the last run stays inside its plane.


@numba.njit(cache=True, nogil=True)
def direct_forward(xp, w, bias, out):
    """out[b, o, h, q] = bias[o] + sum over (c, i, j) of w[o, c, i, j] xp[b, c, h + i, q + j]
    (bias skipped when empty), for a padded block ``xp`` with a spare row, stride 1."""
    nb, C, Hr, Wp = xp.shape
    O, kh, kw = w.shape[0], w.shape[2], w.shape[3]
    OH, OW = out.shape[2], out.shape[3]
    if w.shape[1] != C or out.shape[0] != nb or out.shape[1] != O or Hr < OH + kh \
            or Wp < OW + kw - 1 or (bias.size != 0 and bias.size != O):
        raise ValueError("direct_forward: shapes do not agree")
    n = OH * Wp
    acc = np.empty(n, dtype=out.dtype)
    for b in range(nb):
        for o in range(O):
            v = bias[o] if bias.size else w.dtype.type(0)
            for t in range(n):
                acc[t] = v
            for c in range(C):
                plane = xp[b, c].ravel()
                for i in range(kh):
                    for j in range(kw):
                        wv = w[o, c, i, j]
                        src = plane[i * Wp + j:i * Wp + j + n]
                        for t in range(n):
                            acc[t] += wv * src[t]
            for h in range(OH):
                row, a = out[b, o, h], acc[h * Wp:h * Wp + OW]
                for q in range(OW):
                    row[q] = a[q]


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def direct_weight_grad(xp, g, gw):
    """gw[o, c, i, j] += sum over (b, h, q) of g[b, o, h, q] xp[b, c, h + i, q + j]: per
    offset one dot product of the output gradient, laid out over the padded width with
    zeros in the extra columns, with a run of the padded plane (whose values there must be
    finite: the caller checks). Sums in any order (``reassoc``, so they vectorize)."""
    nb, C, Hr, Wp = xp.shape
    O, OH, OW = g.shape[1], g.shape[2], g.shape[3]
    kh, kw = gw.shape[2], gw.shape[3]
    if g.shape[0] != nb or gw.shape[0] != O or gw.shape[1] != C or Hr < OH + kh \
            or Wp < OW + kw - 1:
        raise ValueError("direct_weight_grad: shapes do not agree")
    n = OH * Wp
    gpw = np.zeros(n, dtype=g.dtype)  # the extra columns stay zero
    for b in range(nb):
        for o in range(O):
            for h in range(OH):
                row, d = g[b, o, h], gpw[h * Wp:h * Wp + OW]
                for q in range(OW):
                    d[q] = row[q]
            for c in range(C):
                plane = xp[b, c].ravel()
                for i in range(kh):
                    for j in range(kw):
                        src = plane[i * Wp + j:i * Wp + j + n]
                        s = gw.dtype.type(0)
                        for t in range(n):
                            s += gpw[t] * src[t]
                        gw[o, c, i, j] += s
