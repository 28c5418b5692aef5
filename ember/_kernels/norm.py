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
def channel_stats(x, mean, var, c0, c1):
    """Per-channel mean and biased variance (float64) of ``x`` (N, C, L), written into
    ``mean`` and ``var`` for the channels [c0, c1). Each plane's own mean and sum of
    squared deviations (two passes over a plane still in cache), merged over the planes
    with Chan et al.'s pairwise update: no cancellation when |mean| >> std."""
    N, C, L = x.shape
    if mean.size != C or var.size != C or not 0 <= c0 <= c1 <= C:
        raise ValueError("channel_stats: sizes do not agree")
    for c in range(c0, c1):
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


@numba.njit(**_jit)
def normalize(x, mean, scale, shift, y):
    """``y = (x - mean) * scale + shift``, per channel, for ``x`` and ``y`` (N, C, L)."""
    N, C, L = x.shape
    if y.shape != x.shape or mean.size != C or scale.size != C or shift.size != C:
        raise ValueError("normalize: sizes do not agree")
    for p in range(N * C):
        c = p % C
        xp, yp = x[p // C, c], y[p // C, c]
        m, a, b = mean[c], scale[c], shift[c]
        for i in range(L):
            yp[i] = (xp[i] - m) * a + b


@numba.njit(cache=True, nogil=True)  # no fastmath: each rounding as in PyTorch's loop
def grad_sums(g, x, mean, lanes, sum_g, sum_gx, c0, c1):
    """Per channel, the sum of ``g`` and of ``g * (x - mean)`` as PyTorch's contiguous loop
    takes them, written (float64) into ``sum_g`` and ``sum_gx`` for the channels [c0, c1):
    each plane reduced in the arrays' dtype by its vector reduction (``lanes`` elements to
    a vector: lane-wise sums over the plane's whole vectors, the rest added into the
    first lanes, then lanes folded in halves; a plane shorter than a vector summed in
    order), a product rounded before it is added except into the lanes' running sums (an
    FMA there); the planes' sums added in float64.
    The order shows where the batch cancels: the gradient of a bias before batch norm.
    (Bit for bit with PyTorch 2.13 on AVX-512 for planes shorter than a vector, measured;
    on longer planes the forward's statistics, summed in another order, may already
    differ from PyTorch's by an ulp.)"""
    N, C, L = x.shape
    if g.shape != x.shape or mean.size != C or sum_g.size != C or sum_gx.size != C \
            or not 0 <= c0 <= c1 <= C or lanes < 1:
        raise ValueError("grad_sums: sizes do not agree")
    fused = x.itemsize == 4  # (float64 has no wider type to fuse in: left unfused)
    acc = np.empty(lanes, dtype=x.dtype)
    acc_gx = np.empty(lanes, dtype=x.dtype)
    for c in range(c0, c1):
        m = mean[c]
        s = 0.0
        t = 0.0
        for n in range(N):
            gp, xp = g[n, c], x[n, c]
            if L < lanes:
                for i in range(L):
                    if i == 0:
                        acc[0] = gp[0]
                        acc_gx[0] = (xp[0] - m) * gp[0]
                    else:
                        acc[0] += gp[i]
                        acc_gx[0] += (xp[i] - m) * gp[i]
                if L > 0:
                    s += acc[0]
                    t += acc_gx[0]
                continue
            for i in range(lanes):
                acc[i] = gp[i]
                acc_gx[i] = (xp[i] - m) * gp[i]
            d = lanes
            while d < L:
                for i in range(min(lanes, L - d)):
                    acc[i] += gp[d + i]
                    if fused:  # float32: the exact product in float64, one rounding
                        acc_gx[i] = np.float64(xp[d + i] - m) * np.float64(gp[d + i]) \
                            + np.float64(acc_gx[i])
                    else:
                        acc_gx[i] += (xp[d + i] - m) * gp[d + i]
                d += lanes
            half = lanes // 2
            while half > 0:
                for i in range(half):
                    acc[i] += acc[i + half]
                    acc_gx[i] += acc_gx[i + half]
                half //= 2
            s += acc[0]
            t += acc_gx[0]
        sum_g[c] = s
        sum_gx[c] = t


@numba.njit(cache=True, nogil=True)  # no fastmath: each rounding as in PyTorch's loop
def row_stats(x, threads):
    """PyTorch's statistics of an (N, C) batch (its channels-last loop, which it runs where
    each plane has one value): the rows split into ``threads`` chunks as its parallel_for
    splits them, each chunk summing the rows in the array's dtype; the chunks' sums added
    in float64, the mean rounded to the dtype; then the same for the squared deviations
    from that mean, each square fused into its sum (FMA, as its compiled loop does).
    Returns (mean, var_sum), in the array's dtype."""
    N, C = x.shape
    threads = max(1, min(threads, N))
    chunk = (N + threads - 1) // threads
    total = np.zeros(C, dtype=np.float64)
    s = np.empty(C, dtype=x.dtype)
    for start in range(0, N, chunk):
        s[:] = 0
        for n in range(start, min(start + chunk, N)):
            for c in range(C):
                s[c] += x[n, c]
        for c in range(C):
            total[c] += s[c]
    mean = np.empty(C, dtype=x.dtype)
    for c in range(C):
        mean[c] = total[c] / N
    total[:] = 0
    for start in range(0, N, chunk):
        s[:] = 0
        for n in range(start, min(start + chunk, N)):
            for c in range(C):
                d = np.float64(x[n, c] - mean[c])  # (a float32 square is exact in float64)
                s[c] = d * d + np.float64(s[c])
        for c in range(C):
            total[c] += s[c]
    return mean, total.astype(x.dtype)


@numba.njit(cache=True, nogil=True)
def row_grad_sums(g, x, mean, threads):
    """PyTorch's per-channel sums for the backward of an (N, C) batch (its channels-last
    loop, which it runs where each plane has one value): the rows split into ``threads``
    chunks as its parallel_for splits them, each chunk summing ``g`` and ``g * (x - mean)``
    in the arrays' dtype, row by row, the products fused into the sums (FMA, as its
    compiled loop does); the chunks' sums added in float64. Returns (sum_g, dotp), float64."""
    N, C = x.shape
    threads = max(1, min(threads, N))
    chunk = (N + threads - 1) // threads
    sum_g = np.zeros(C, dtype=np.float64)
    dotp = np.zeros(C, dtype=np.float64)
    s = np.empty(C, dtype=x.dtype)
    t = np.empty(C, dtype=x.dtype)
    for start in range(0, N, chunk):
        s[:] = 0
        t[:] = 0
        for n in range(start, min(start + chunk, N)):
            for c in range(C):
                s[c] += g[n, c]
                # one rounding of the exact product plus the sum: an FMA (float64 holds a
                # float32 product exactly)
                t[c] = np.float64(x[n, c] - mean[c]) * np.float64(g[n, c]) + np.float64(t[c])
        for c in range(C):
            sum_g[c] += s[c]
            dotp[c] += t[c]
    return sum_g, dotp


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def grad_input(g, x, mean, grad_mean, k, invstd, w, gx):
    """PyTorch's training-mode input gradient, per channel, for (N, C, L) arrays:
    ``gx = (g - grad_mean - (x - mean) * k) * invstd * w``, rounded step by step in the
    arrays' dtype (k = sum(g * (x - mean)) * invstd**2 / (N * L), grad_mean = mean(g)),
    the product subtracted fused (``contract``: the FMA its compiled loop makes there;
    nothing else here is a multiply feeding an add)."""
    N, C, L = x.shape
    if g.shape != x.shape or gx.shape != x.shape or mean.size != C or grad_mean.size != C \
            or k.size != C or invstd.size != C or w.size != C:
        raise ValueError("grad_input: sizes do not agree")
    for p in range(N * C):
        c = p % C
        gp, xp, op = g[p // C, c], x[p // C, c], gx[p // C, c]
        m, gm, kc, sc, wc = mean[c], grad_mean[c], k[c], invstd[c], w[c]
        for i in range(L):
            op[i] = (gp[i] - gm - (xp[i] - m) * kc) * sc * wc
