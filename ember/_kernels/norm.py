"""Batch norm over (N, C, L) arrays (channel c: the N planes x[n, c, :]) in compiled passes.

NumPy needs a pass per elementwise step (subtract the mean, square, sum, scale, shift ...);
here the statistics take one pass over memory (each plane is read twice while it sits in
cache), the normalisation one, and the backward two: the per-channel sums of the output
gradient, then the input gradient. Sums run in float64 whatever the data's type; their
order is free (``reassoc``, so they vectorize), which changes them only by rounding.
"""
import numba
import numpy as np

# One thread, for the reasons given in pool.py.
_jit = dict(cache=True, nogil=True, fastmath={"reassoc", "contract"})


@numba.njit(**_jit)
def channel_stats(x):
    """Per-channel mean and biased variance (float64) of ``x`` (N, C, L). Each plane's own
    mean and sum of squared deviations (two passes over a plane still in cache), merged
    over the planes with Chan et al.'s pairwise update: no cancellation when |mean| >> std."""
    N, C, L = x.shape
    mean = np.empty(C, dtype=np.float64)
    var = np.empty(C, dtype=np.float64)
    for c in range(C):
        m = 0.0
        m2 = 0.0
        total = 0.0
        for n in range(N):
            xp = x[n, c]
            s = 0.0
            for i in range(L):
                s += xp[i]
            total += s
            pm = s / L
            q = 0.0
            for i in range(L):
                d = xp[i] - pm
                q += d * d
            # Merge the plane (L values) into the n planes before it (n * L values).
            delta = pm - m
            m += delta / (n + 1)
            m2 += q + delta * delta * L * n / (n + 1)
        # an inf makes the merge's delta inf - inf (nan); the plain mean is then PyTorch's
        mean[c] = m if np.isfinite(total) else total / (N * L)
        var[c] = m2 / (N * L)
    return mean, var


@numba.njit(**_jit)
def normalize(x, mean, scale, shift, y):
    """``y = (x - mean) * scale + shift``, per channel, for ``x`` and ``y`` (N, C, L)."""
    N, C, L = x.shape
    for p in range(N * C):
        c = p % C
        xp, yp = x[p // C, c], y[p // C, c]
        m, a, b = mean[c], scale[c], shift[c]
        for i in range(L):
            yp[i] = (xp[i] - m) * a + b


@numba.njit(**_jit)
def grad_sums(g, x, mean):
    """Per channel (float64): the sum of ``g`` and of ``g * (x - mean)``."""
    N, C, L = x.shape
    sum_g = np.empty(C, dtype=np.float64)
    sum_gx = np.empty(C, dtype=np.float64)
    for c in range(C):
        m = mean[c]
        s = 0.0
        t = 0.0
        for n in range(N):
            gp, xp = g[n, c], x[n, c]
            for i in range(L):
                s += gp[i]
                t += gp[i] * (xp[i] - m)
        sum_g[c] = s
        sum_gx[c] = t
    return sum_g, sum_gx


@numba.njit(**_jit)
def grad_input(g, x, mean, a, b, d, gx):
    """``gx = a * g - b * (x - mean) - d``, per channel, for (N, C, L) arrays."""
    N, C, L = x.shape
    for p in range(N * C):
        c = p % C
        gp, xp, op = g[p // C, c], x[p // C, c], gx[p // C, c]
        m, ac, bc, dc = mean[c], a[c], b[c], d[c]
        for i in range(L):
            op[i] = ac * gp[i] - bc * (xp[i] - m) - dc

