"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable.

Per parameter, at step t, with g its gradient (negated when ``maximize``):

    p <- p * (1 - lr * weight_decay)   or   g <- g + weight_decay * p   (decoupled or not)
    m <- m + (1 - beta1) * (g - m);  v <- beta2 * v + (1 - beta2) * g * g
    rho_inf <- 2 / (1 - beta2) - 1;  rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
    if rho_t > 5:
        r <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        p <- p - lr * m / (1 - beta1^t) * r * sqrt(1 - beta2^t) / (sqrt(v) + eps)
    else:
        p <- p - lr * m / (1 - beta1^t)
"""
import math

import numpy as np

from .adam import _check_adam_args, _ema_square, _lerp, _moment_scalars, _prepare_grad
from .optimizer import Optimizer, _decay_mode, _flat


def _radam_kernel(arrays, scratch, lr, beta1, beta2, eps, wd, maximize, decoupled, step):
    p, g, m, v = arrays
    sc, gbuf = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, decoupled, lr)
    _lerp(m, g, 1 - beta1, sc)
    _ema_square(v, g, beta2, sc)
    adaptive, step_size = _step_size(lr, beta1, beta2, step)
    if adaptive:
        np.sqrt(v, out=sc)
        np.add(sc, eps, out=sc)
        np.divide(m, sc, out=sc)
        np.multiply(sc, step_size, out=sc)
    else:
        np.multiply(m, step_size, out=sc)
    np.add(p, sc, out=p)


def _step_size(lr, beta1, beta2, step):
    """Whether the step is adaptive (rho_t > 5), and its (negative) step size."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        return True, -lr / bias_correction1 * math.sqrt(bias_correction2) * rect
    return False, -lr / bias_correction1


def _radam_fused(loops, arrays, lr, beta1, beta2, eps, wd, maximize, decoupled, step):
    adaptive, step_size = _step_size(lr, beta1, beta2, step)
    (p, g, m, v), c = _flat(arrays, _moment_scalars(lr, beta1, beta2, wd) + (eps, step_size))
    loops.adam(p, g, m, v, v, c, maximize, _decay_mode(wd, decoupled), 1 - beta1 < 0.5, False,
               adaptive)


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.), as ``torch.optim.RAdam``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        return self._elementwise_step(closure, _radam_kernel, _radam_fused, 2, ("exp_avg", "exp_avg_sq"), _constants)


def _constants(group):
    """The kernel's per-group arguments, as Python scalars (no float64 round trips)."""
    return (float(group["lr"]), *(float(b) for b in group["betas"]), float(group["eps"]),
            float(group["weight_decay"]), bool(group["maximize"]),
            bool(group["decoupled_weight_decay"]))
