"""Separable image resizing as two matrix products.

Resizing (..., H, W) to (..., h, w) with a separable filter is ``Wh @ x @ Ww.T`` where
``Wh`` (h x H) and ``Ww`` (w x W) hold, in each row, the weights one output pixel gives
the input pixels. The matrices depend only on the sizes and the mode, so they are built
once and cached; a whole batch is then resized by two (stacked) BLAS matrix products.

The weights reproduce PyTorch's ``F.interpolate(..., align_corners=False)``:

* bilinear: output pixel i samples the input at ``(i + 0.5) * scale - 0.5`` (clamped at
  0) between its two neighbours.
* antialiased bilinear (PyTorch's ``_upsample_bilinear2d_aa``, torchvision's default for
  downscaling): a triangle filter centred at ``(i + 0.5) * scale`` and stretched by
  ``scale`` when shrinking, so every input pixel contributes; weights are normalised to
  sum to one over the input pixels that exist.
* nearest / nearest-exact: one-hot rows at ``floor(i * scale)`` / ``floor((i + 0.5) * scale)``.
"""
import functools

import numpy as np


def _bilinear(in_size, out_size, scale):
    w = np.zeros((out_size, in_size))
    src = np.maximum((np.arange(out_size) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    lam = src - i0
    rows = np.arange(out_size)
    np.add.at(w, (rows, i0), 1.0 - lam)
    np.add.at(w, (rows, i1), lam)
    return w


def _antialiased_bilinear(in_size, out_size, scale):
    support = scale if scale >= 1.0 else 1.0  # the triangle's half-width in input pixels
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    w = np.zeros((out_size, in_size))
    for i in range(out_size):
        center = scale * (i + 0.5)
        # int() truncates toward zero, as PyTorch's kernel does; the max() fixes negatives.
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), in_size)
        j = np.arange(lo, hi)
        tri = np.maximum(0.0, 1.0 - np.abs((j - center + 0.5) * invscale))
        total = tri.sum()
        w[i, lo:hi] = tri / total if total != 0 else tri
    return w


def _nearest(in_size, out_size, offset):
    # PyTorch's nearest_idx, in its float32 arithmetic (the rounding decides the pixel).
    scale = np.float32(in_size) / np.float32(out_size)
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(offset)) * scale
    src = np.minimum(np.floor(pos).astype(np.int64), in_size - 1)
    w = np.zeros((out_size, in_size))
    w[np.arange(out_size), src] = 1.0
    return w


MODES = ("bilinear", "nearest", "nearest-exact")


@functools.lru_cache(maxsize=64)
def weight_matrix(in_size, out_size, mode="bilinear", antialias=False, dtype=np.float32):
    """The (out_size x in_size) matrix that resizes one axis; cached and read-only."""
    if in_size < 1 or out_size < 1:
        raise ValueError(f"Input and output sizes should be greater than 0, but got input "
                         f"size {in_size} and output size {out_size}")
    # PyTorch computes the scale as a float32 ratio for float32 images; the weights are
    # built in float64 from that same ratio so they round once, at the end.
    scale = float(np.float32(in_size) / np.float32(out_size)) if np.dtype(dtype) == np.float32 \
        else in_size / out_size
    if mode == "bilinear":
        w = _antialiased_bilinear(in_size, out_size, scale) if antialias \
            else _bilinear(in_size, out_size, scale)
    elif mode == "nearest":
        w = _nearest(in_size, out_size, 0.0)
    elif mode == "nearest-exact":
        w = _nearest(in_size, out_size, 0.5)
    else:
        raise ValueError(f"interpolation mode {mode!r} is not supported; use one of {MODES}")
    w = w.astype(dtype)
    w.flags.writeable = False
    return w


def resize_array(x, size, mode="bilinear", antialias=False):
    """Resize the last two axes of the float array ``x`` (..., H, W) to ``size`` = (h, w)."""
    H, W = x.shape[-2:]
    h, w = size
    lead = x.shape[:-2]
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    x = x.astype(dtype, copy=False)
    if (h, w) == (H, W) and mode == "bilinear":
        return x.copy()
    wh = weight_matrix(H, h, mode, antialias, dtype)
    ww = weight_matrix(W, w, mode, antialias, dtype)
    b = x.reshape(-1, H, W)
    # Both products are stacked matmuls, one small GEMM per image, so every image goes
    # through exactly the same arithmetic alone or in a batch of any size (bitwise equal
    # results; a single GEMM over the whole batch lets BLAS block the sums differently).
    # The axis whose contraction shrinks the intermediate most goes first.
    if H * w * (W + h) <= h * W * (H + w):
        out = np.matmul(wh, np.matmul(b, ww.T))
    else:
        out = np.matmul(np.matmul(wh, b), ww.T)
    return out.reshape(lead + (h, w))
