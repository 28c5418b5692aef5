"""Compiled pieces of ``ember.ops.conv``'s blocked convolution (see its docstring).

The convolution runs over blocks of a few samples, sized so that a block's padded input,
column matrix and product stay in cache. Per block: ``shift_copy`` pads the samples into a
small buffer, ``gather`` lays out the column matrix, BLAS multiplies, and ``unpack`` writes
the product into the NCHW output with the bias. Backward: ``pack`` lays the output gradient
out like the product, BLAS gives the weight gradient and the column gradient, ``scatter``
adds the column gradient back into a padded buffer and ``shift_copy`` crops it into the
input gradient. Every kernel is a plain loop nest: one pass, no temporaries.

Column matrix layout: row ``(c, i, j)`` (channel, kernel row, kernel column), column
``(b, oh, r)`` (sample in the block, output row, position in the row) with ``R`` positions
per row: ``R = OW`` in general; for stride 1 ``R = Wp`` (the padded width), so that one
(row, sample) pair is a single run of ``OH * Wp`` consecutive inputs and the copy moves long
runs. The ``Wp - OW`` extra positions per row are junk: ``unpack`` drops them and ``pack``
gives them a zero gradient, so ``scatter`` adds nothing through them.
"""
import numba


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
                # Copy between slices with a plain counter: numba then vectorizes the loop
                # (an index like ``w - left`` that could be negative stops it).
                d = row[w_lo:w_hi]
                s = src[b, c, hs, w_lo - left:w_hi - left]
                for q in range(w_hi - w_lo):
                    d[q] = s[q]


@numba.njit(cache=True, nogil=True)
def gather(xp, nb, C, Hp, Wp, kh, kw, sh, sw, dh, dw, OH, R, cols):
    """The column matrix of a padded block: ``xp`` is its flat (nb, C, Hp, Wp) buffer (with
    ``dw * (kw - 1)`` spare elements after it when R == Wp, for the last run's junk)."""
    plane = Hp * Wp
    run = OH * R
    runs = sh == 1 and sw == 1 and R == Wp
    for c in range(C):
        for i in range(kh):
            for j in range(kw):
                row = cols[(c * kh + i) * kw + j]
                for b in range(nb):
                    start = (b * C + c) * plane + i * dh * Wp + j * dw
                    d = row[b * run:(b + 1) * run]
                    if runs:  # stride 1, R == Wp: one run of consecutive inputs
                        s = xp[start:start + run]
                        for q in range(run):
                            d[q] = s[q]
                    else:
                        for oh in range(OH):
                            s0 = start + oh * sh * Wp
                            for ow in range(R):
                                d[oh * R + ow] = xp[s0 + ow * sw]


@numba.njit(cache=True, nogil=True)
def scatter(gcols, nb, C, Hp, Wp, kh, kw, sh, sw, dh, dw, OH, R, gxp):
    """The adjoint of ``gather``: ``gxp`` (flat, same layout) = the column gradient added
    back to the positions each column came from."""
    plane = Hp * Wp
    run = OH * R
    runs = sh == 1 and sw == 1 and R == Wp
    gxp[:] = 0
    for b in range(nb):
        for c in range(C):
            for i in range(kh):
                for j in range(kw):
                    row = gcols[(c * kh + i) * kw + j]
                    start = (b * C + c) * plane + i * dh * Wp + j * dw
                    s = row[b * run:(b + 1) * run]
                    if runs:
                        d = gxp[start:start + run]
                        for q in range(run):
                            d[q] += s[q]
                    else:
                        for oh in range(OH):
                            d0 = start + oh * sh * Wp
                            for ow in range(R):
                                gxp[d0 + ow * sw] += s[oh * R + ow]


@numba.njit(cache=True, nogil=True)
def unpack(prod, bias, out):
    """out[b, o, oh, ow] = prod[o, b, oh, ow] (+ bias[o] unless ``bias`` is empty), for
    ow < OW: the block's product (O, nb, OH, R) into NCHW, junk positions dropped."""
    nb, O, OH, OW = out.shape
    for b in range(nb):
        for o in range(O):
            for oh in range(OH):
                d = out[b, o, oh]
                s = prod[o, b, oh]
                if bias.size:
                    v = bias[o]
                    for ow in range(OW):
                        d[ow] = s[ow] + v
                else:
                    for ow in range(OW):
                        d[ow] = s[ow]


@numba.njit(cache=True, nogil=True)
def pack(g, dst):
    """dst[o, b, oh, ow] = g[b, o, oh, ow], zero in the junk positions ow >= OW: a block of
    the output gradient (nb, O, OH, OW) in the product's layout (O, nb, OH, R)."""
    nb, O, OH, OW = g.shape
    R = dst.shape[3]
    for o in range(O):
        for b in range(nb):
            for oh in range(OH):
                d = dst[o, b, oh]
                s = g[b, o, oh]
                for ow in range(OW):
                    d[ow] = s[ow]
                for ow in range(OW, R):
                    d[ow] = 0
