"""Adam and AdamW (decoupled weight decay).

Per parameter, at step t, with g its gradient (negated when ``maximize``):

    p <- p * (1 - lr * weight_decay)              decoupled weight decay (AdamW)
    g <- g + weight_decay * p                     otherwise (L2 penalty)
    m <- m + (1 - beta1) * (g - m)
    v <- beta2 * v + (1 - beta2) * g * g
    vmax <- max(vmax, v); use vmax for v          amsgrad
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""
import math

import numpy as np

from .optimizer import (Optimizer, _advance, _step_counter, _zeros_state, _bump_versions,
                        _decay_mode, _elementwise, _flat)


def _prepare_grad(p, g, gbuf, wd, maximize, decoupled, lr):
    """Apply maximize and weight decay; return the array that now holds the gradient.

    Shared by the Adam family. ``gbuf`` is scratch; the caller's gradient is never written.
    """
    if wd != 0:
        if decoupled:
            np.multiply(p, 1 - lr * wd, out=p)
        else:
            np.multiply(p, wd, out=gbuf)
            if maximize:
                np.subtract(gbuf, g, out=gbuf)
            else:
                np.add(gbuf, g, out=gbuf)
            return gbuf
    if maximize:
        np.negative(g, out=gbuf)
        return gbuf
    return g


def _lerp(m, g, w, sc):
    """m <- m + w * (g - m), in the two forms PyTorch's lerp uses for w below/above 1/2."""
    np.subtract(g, m, out=sc)
    if w < 0.5:
        np.multiply(sc, w, out=sc)
        np.add(m, sc, out=m)
    else:
        np.multiply(sc, 1 - w, out=sc)
        np.subtract(g, sc, out=m)


def _ema_square(v, g, beta2, sc):
    """v <- beta2 * v + (1 - beta2) * g * g."""
    np.multiply(g, 1 - beta2, out=sc)
    np.multiply(sc, g, out=sc)
    np.multiply(v, beta2, out=v)
    np.add(v, sc, out=v)


def _adam_kernel(arrays, scratch, lr, beta1, beta2, eps, wd, maximize, decoupled, amsgrad,
                 step):
    if amsgrad:
        p, g, m, v, vmax = arrays
    else:
        p, g, m, v = arrays
    sc, gbuf = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, decoupled, lr)
    _lerp(m, g, 1 - beta1, sc)
    _ema_square(v, g, beta2, sc)
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    eps, step_size = _bias_corrected(lr, beta1, beta2, eps, step)
    np.sqrt(v, out=sc)
    np.add(sc, eps, out=sc)
    np.divide(m, sc, out=sc)
    np.multiply(sc, step_size, out=sc)
    np.add(p, sc, out=p)


def _bias_corrected(lr, beta1, beta2, eps, step):
    """Adam's eps and step size such that p <- p + step_size * m / (sqrt(v) + eps).

    That is sqrt(v) / bc2_sqrt + eps scaled by bc2_sqrt: one pass fewer, same value."""
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
    return eps * bias_correction2_sqrt, -lr / bias_correction1 * bias_correction2_sqrt


def _moment_scalars(lr, beta1, beta2, wd):
    """The scalars of the Adam family's compiled loops, as the NumPy kernels derive them:
    weight decay, decoupled decay's factor, lerp's weight and its complement, beta2 and 1 -
    beta2."""
    w = 1 - beta1
    return (wd, 1 - lr * wd, w, 1 - w, beta2, 1 - beta2)


def _adam_fused(loops, arrays, lr, beta1, beta2, eps, wd, maximize, decoupled, amsgrad,
                step):
    (p, g, m, v, *rest), c = _flat(arrays, _moment_scalars(lr, beta1, beta2, wd)
                                   + _bias_corrected(lr, beta1, beta2, eps, step))
    loops.adam(p, g, m, v, rest[0] if amsgrad else v, c, maximize,
               _decay_mode(wd, decoupled), 1 - beta1 < 0.5, amsgrad, True)


def _check_adam_args(lr, betas, eps, weight_decay):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adam (Kingma & Ba), as ``torch.optim.Adam``; ``decoupled_weight_decay=True`` is AdamW."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group["betas"])
            amsgrad = bool(group["amsgrad"])
            const = (float(group["lr"]), beta1, beta2, float(group["eps"]),
                     float(group["weight_decay"]), bool(group["maximize"]),
                     bool(group["decoupled_weight_decay"]), amsgrad)
            rows = []
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = _zeros_state(p)
                step = _advance(state["step"])
                arrays = [p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data]
                if amsgrad:
                    arrays.append(state["max_exp_avg_sq"]._data)
                rows.append((arrays, const + (step,)))
                touched.append(p)
            _elementwise(_adam_kernel, rows, 2, _adam_fused)
        _bump_versions(touched)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
