"""One-pass optimizer updates: each loop reads every array once and writes it once.

The NumPy kernels in ``ember/optim`` compute an update as a chain of ufuncs, one full pass
over memory per term (Adam: about fifteen). These compiled loops do the same arithmetic per
element while the element is in a register. They repeat the NumPy path's operations in its
order and in the parameters' dtype: the caller rounds the scalars to that dtype first (as
NumPy rounds a Python float against a float32 array) and no ``fastmath`` is used, so no
product is fused into an FMA and the results agree bit for bit with the NumPy path.

Each loop takes flat, C-contiguous arrays of one float dtype (parameter, gradient, state
buffers; a buffer an option leaves unused is passed as a stand-in and not touched), the
scalars as one array ``c`` of that dtype, and switches as booleans. The ``*_fused``
functions next to each NumPy kernel in ``ember/optim`` derive the scalars and call these.

``error_model="numpy"``: a division by zero gives inf/nan as in NumPy, rather than the
Python error model's check per division, which would also keep the loop from vectorizing.
"""
import math

import numba

from ..optim.optimizer import DECOUPLED, L2_PENALTY

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


# ----- pieces shared by the loops (LLVM inlines them) -------------------------------------
@_jit
def _grad(p, g, wd, keep, maximize, decay):
    """The parameter and gradient after weight decay and ``maximize``, as ``_prepare_grad``
    in ``ember/optim/adam.py``: decoupled decay scales p by ``keep``, an L2 penalty adds
    ``wd * p`` to the (negated) gradient."""
    if decay == DECOUPLED:
        p = p * keep
    elif decay == L2_PENALTY:
        return p, (p * wd - g if maximize else p * wd + g)
    return p, (-g if maximize else g)


@_jit
def _lerp(m, g, w, one_minus_w, low):
    """m + w * (g - m), in the form PyTorch's lerp picks for w below or above 1/2."""
    if low:
        return m + (g - m) * w
    return g - (g - m) * one_minus_w


@_jit
def _ema_square(v, g, beta, one_minus_beta):
    """beta * v + (1 - beta) * g * g, rounded in the NumPy path's order."""
    return v * beta + g * one_minus_beta * g


@_jit
def _adam_moments(p, g, m, v, i, wd, keep, w, one_minus_w, beta2, one_minus_beta2, maximize,
                  decay, low):
    """The Adam family's first steps at element i: weight decay, then m and v updated in
    place. Returns the parameter, gradient, m and v there."""
    pi, gi = _grad(p[i], g[i], wd, keep, maximize, decay)
    mi = _lerp(m[i], gi, w, one_minus_w, low)
    m[i] = mi
    vi = _ema_square(v[i], gi, beta2, one_minus_beta2)
    v[i] = vi
    return pi, gi, mi, vi


@_jit
def _maximum(a, b):
    """np.maximum: the larger, or nan if either is nan."""
    return a if (a > b or a != a) else b


# ----- the loops -------------------------------------------------------------------------
@_jit
def sgd(p, g, b, c, maximize, decay, momentum_on, first, nesterov):
    wd, momentum, one_minus_dampening, neg_lr = c[0], c[1], c[2], c[3]
    # A loop per case (see adam): without momentum, b is p's stand-in and must not be read.
    if not momentum_on:
        for i in range(p.size):
            pi, gi = _grad(p[i], g[i], wd, wd, maximize, decay)
            p[i] = pi + gi * neg_lr
        return
    for i in range(p.size):
        pi, gi = _grad(p[i], g[i], wd, wd, maximize, decay)
        bi = gi if first else b[i] * momentum + gi * one_minus_dampening
        b[i] = bi
        if nesterov:
            p[i] = pi + (bi * momentum + gi) * neg_lr
        else:
            p[i] = pi + bi * neg_lr


@_jit
def adam(p, g, m, v, vmax, c, maximize, decay, low, amsgrad, adaptive):
    """Adam, AdamW (``amsgrad``: ``vmax`` is the running maximum of v) and RAdam (whose
    first steps are not ``adaptive``: plain momentum steps)."""
    wd, keep, w, one_minus_w, beta2, one_minus_beta2, eps, step_size = (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
    # A loop per case rather than a branch on amsgrad around vmax's load and store: a loop
    # whose memory accesses are all unconditional is one that LLVM vectorizes whatever the
    # other switches (they become selects), and a stand-in buffer (v for vmax) that a loop
    # does not touch cannot make LLVM's run-time overlap check fall back to scalar code.
    if amsgrad:
        for i in range(p.size):
            pi, _, mi, vi = _adam_moments(p, g, m, v, i, wd, keep, w, one_minus_w, beta2,
                                          one_minus_beta2, maximize, decay, low)
            vi = _maximum(vmax[i], vi)
            vmax[i] = vi
            p[i] = _adam_update(pi, mi, vi, eps, step_size, adaptive)
    else:
        for i in range(p.size):
            pi, _, mi, vi = _adam_moments(p, g, m, v, i, wd, keep, w, one_minus_w, beta2,
                                          one_minus_beta2, maximize, decay, low)
            p[i] = _adam_update(pi, mi, vi, eps, step_size, adaptive)


@_jit
def _adam_update(p, m, v, eps, step_size, adaptive):
    if adaptive:
        return p + m / (math.sqrt(v) + eps) * step_size
    return p + m * step_size


@_jit
def nadam(p, g, m, v, c, maximize, decay, low):
    wd, keep, w, one_minus_w, beta2, one_minus_beta2, bias_correction2, eps, coef_grad, \
        coef_avg = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]
    for i in range(p.size):
        pi, gi, mi, vi = _adam_moments(p, g, m, v, i, wd, keep, w, one_minus_w, beta2,
                                       one_minus_beta2, maximize, decay, low)
        d = math.sqrt(vi / bias_correction2) + eps
        pi = pi + gi / d * coef_grad
        p[i] = pi + mi / d * coef_avg


@_jit
def adamax(p, g, m, u, c, maximize, decay, low):
    wd, w, one_minus_w, beta2, eps, step_size = c[0], c[1], c[2], c[3], c[4], c[5]
    for i in range(p.size):
        pi, gi = _grad(p[i], g[i], wd, wd, maximize, decay)
        mi = _lerp(m[i], gi, w, one_minus_w, low)
        m[i] = mi
        ui = _maximum(u[i] * beta2, abs(gi) + eps)
        u[i] = ui
        p[i] = pi + mi / ui * step_size


@_jit
def rmsprop(p, g, v, buf, grad_avg, c, maximize, decay, low, momentum_on, centered):
    """RMSprop, and Adagrad as RMSprop with alpha = 1 (``s * 1 + g * 1 * g`` is exactly
    Adagrad's ``s + g * g``, and the step that follows is the same)."""
    wd, alpha, one_minus_alpha, one_minus_w, eps, momentum, neg_lr = (
        c[0], c[1], c[2], c[3], c[4], c[5], c[6])
    # A loop per set of buffers used (see adam); the unused ones are v's stand-ins.
    if momentum_on and centered:
        for i in range(p.size):
            pi, step = _rmsprop_step(p, g, v, grad_avg, i, wd, alpha, one_minus_alpha,
                                     one_minus_w, eps, maximize, decay, low, True)
            p[i] = pi + _momentum(buf, i, momentum, step) * neg_lr
    elif momentum_on:
        for i in range(p.size):
            pi, step = _rmsprop_step(p, g, v, v, i, wd, alpha, one_minus_alpha, one_minus_w,
                                     eps, maximize, decay, low, False)
            p[i] = pi + _momentum(buf, i, momentum, step) * neg_lr
    elif centered:
        for i in range(p.size):
            pi, step = _rmsprop_step(p, g, v, grad_avg, i, wd, alpha, one_minus_alpha,
                                     one_minus_w, eps, maximize, decay, low, True)
            p[i] = pi + step * neg_lr
    else:
        for i in range(p.size):
            pi, step = _rmsprop_step(p, g, v, v, i, wd, alpha, one_minus_alpha, one_minus_w,
                                     eps, maximize, decay, low, False)
            p[i] = pi + step * neg_lr


@_jit
def _momentum(buf, i, momentum, step):
    """buf <- momentum * buf + step at element i; returns the new value."""
    b = buf[i] * momentum + step
    buf[i] = b
    return b


@_jit
def _rmsprop_step(p, g, v, grad_avg, i, wd, alpha, one_minus_alpha, one_minus_w, eps,
                  maximize, decay, low, centered):
    """Element i's parameter after weight decay, and g / (sqrt(v - avg^2 or v) + eps);
    v (and the centered average) updated in place."""
    pi, gi = _grad(p[i], g[i], wd, wd, maximize, decay)
    vi = _ema_square(v[i], gi, alpha, one_minus_alpha)
    v[i] = vi
    if centered:
        ai = _lerp(grad_avg[i], gi, one_minus_alpha, one_minus_w, low)
        grad_avg[i] = ai
        d = math.sqrt(vi - ai * ai)
    else:
        d = math.sqrt(vi)
    return pi, gi / (d + eps)


@_jit
def adadelta(p, g, v, u, c, maximize, decay):
    wd, rho, one_minus_rho, eps, neg_lr = c[0], c[1], c[2], c[3], c[4]
    for i in range(p.size):
        pi, gi = _grad(p[i], g[i], wd, wd, maximize, decay)
        vi = _ema_square(v[i], gi, rho, one_minus_rho)
        v[i] = vi
        delta = math.sqrt(u[i] + eps) / math.sqrt(vi + eps) * gi
        u[i] = _ema_square(u[i], delta, rho, one_minus_rho)
        p[i] = pi + delta * neg_lr
