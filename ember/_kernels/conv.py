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
    cols[(c, i, j), (b, oh, ow)] = xp[b, c, oh*sh + i*dh, ow*sw + j*dw]."""
    nb, C, Hp, Wp = xp.shape
    src, dst = xp.ravel(), cols.ravel()
    M, n, step = _u(cols.shape[1]), _u(OW), _u(sw)
    for c in range(C):
        for i in range(kh):
            for b in range(nb):
                for oh in range(OH):
                    # One input row serves the kw kernel columns (kw output rows) in turn.
                    s_row = _u(((b * C + c) * Hp + oh * sh + i * dh) * Wp)
                    d_col = _u((b * OH + oh) * OW)
                    for j in range(kw):
                        d0 = _u((c * kh + i) * kw + j) * M + d_col
                        s0 = s_row + _u(j * dw)
                        if sw == 1:
                            for q in range(n):
                                dst[d0 + q] = src[s0 + q]
                        else:
                            for q in range(n):
                                dst[d0 + q] = src[s0 + q * step]


@numba.njit(cache=True, nogil=True)
def scatter(gcols, kh, kw, sh, sw, dh, dw, OH, OW, gxp):
    """The adjoint of ``gather``: gxp (nb, C, Hp, Wp) = the column gradient added back to
    the positions each column came from."""
    nb, C, Hp, Wp = gxp.shape
    src, dst = gcols.ravel(), gxp.ravel()
    M, n, step = _u(gcols.shape[1]), _u(OW), _u(sw)
    dst[:] = 0
    for c in range(C):
        for i in range(kh):
            for b in range(nb):
                for oh in range(OH):
                    d_row = _u(((b * C + c) * Hp + oh * sh + i * dh) * Wp)
                    s_col = _u((b * OH + oh) * OW)
                    for j in range(kw):
                        s0 = _u((c * kh + i) * kw + j) * M + s_col
                        d0 = d_row + _u(j * dw)
                        if sw == 1:
                            for q in range(n):
                                dst[d0 + q] += src[s0 + q]
                        else:
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
