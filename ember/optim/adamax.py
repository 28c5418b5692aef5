"""Adamax: Adam with the infinity norm in place of the second moment.

Per parameter, at step t, with g its gradient (negated when ``maximize``):

    g <- g + weight_decay * p
    m <- m + (1 - beta1) * (g - m)
    u <- max(beta2 * u, |g| + eps)
    p <- p - lr / (1 - beta1^t) * m / u
"""
import numpy as np

from .adam import _check_adam_args, _lerp, _prepare_grad
from .optimizer import Optimizer, _decay_mode, _flat


def _adamax_kernel(arrays, scratch, lr, beta1, beta2, eps, wd, maximize, step):
    p, g, m, u = arrays
    sc, gbuf = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, False, 0.0)
    _lerp(m, g, 1 - beta1, sc)
    np.multiply(u, beta2, out=u)
    np.abs(g, out=sc)
    np.add(sc, eps, out=sc)
    np.maximum(u, sc, out=u)
    np.divide(m, u, out=sc)
    np.multiply(sc, -lr / (1 - beta1 ** step), out=sc)
    np.add(p, sc, out=p)


def _adamax_fused(loops, arrays, lr, beta1, beta2, eps, wd, maximize, step):
    w = 1 - beta1
    (p, g, m, u), c = _flat(arrays, (wd, w, 1 - w, beta2, eps, -lr / (1 - beta1 ** step)))
    loops.adamax(p, g, m, u, c, maximize, _decay_mode(wd), w < 0.5)


class Adamax(Optimizer):
    """Adamax (Kingma & Ba), as ``torch.optim.Adamax``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *,
                 maximize=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        return self._elementwise_step(closure, _adamax_kernel, _adamax_fused, 2, ("exp_avg", "exp_inf"), _constants)


def _constants(group):
    """The kernel's per-group arguments, as Python scalars (no float64 round trips)."""
    return (float(group["lr"]), *(float(b) for b in group["betas"]), float(group["eps"]),
            float(group["weight_decay"]), bool(group["maximize"]))
