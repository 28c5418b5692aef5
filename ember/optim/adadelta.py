"""Adadelta: Adagrad's step size replaced by a ratio of running RMS values.

Per parameter, with g its gradient (negated when ``maximize``):

    g <- g + weight_decay * p
    v <- rho * v + (1 - rho) * g * g
    delta <- sqrt(u + eps) / sqrt(v + eps) * g
    u <- rho * u + (1 - rho) * delta * delta
    p <- p - lr * delta
"""
import numpy as np

from .adam import _ema_square, _prepare_grad
from .optimizer import Optimizer, _decay_mode, _flat


def _adadelta_kernel(arrays, scratch, lr, rho, eps, wd, maximize):
    p, g, v, u = arrays
    sc, gbuf, delta = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, False, 0.0)
    _ema_square(v, g, rho, sc)
    np.add(v, eps, out=sc)
    np.sqrt(sc, out=sc)
    np.add(u, eps, out=delta)
    np.sqrt(delta, out=delta)
    np.divide(delta, sc, out=delta)
    np.multiply(delta, g, out=delta)
    _ema_square(u, delta, rho, sc)
    np.multiply(delta, -lr, out=delta)
    np.add(p, delta, out=p)


def _adadelta_fused(loops, arrays, lr, rho, eps, wd, maximize):
    (p, g, v, u), c = _flat(arrays, (wd, rho, 1 - rho, eps, -lr))
    loops.adadelta(p, g, v, u, c, maximize, _decay_mode(wd))


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as ``torch.optim.Adadelta``."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        return self._elementwise_step(closure, _adadelta_kernel, _adadelta_fused, 3, ("square_avg", "acc_delta"),
                                      _constants, pass_step=False)


def _constants(group):
    """The kernel's per-group arguments, as Python scalars (no float64 round trips)."""
    return (float(group["lr"]), float(group["rho"]), float(group["eps"]),
            float(group["weight_decay"]), bool(group["maximize"]))
