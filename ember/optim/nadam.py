"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat).

Per parameter, at step t, with g its gradient (negated when ``maximize``):

    p <- p * (1 - lr * weight_decay)   or   g <- g + weight_decay * p   (decoupled or not)
    mu_t <- beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));  P_t <- P_{t-1} * mu_t
    m <- m + (1 - beta1) * (g - m);  v <- beta2 * v + (1 - beta2) * g * g
    d <- sqrt(v / (1 - beta2^t)) + eps
    p <- p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

The running product P is kept, as PyTorch keeps it, in a float32 scalar tensor.
"""
import numpy as np

from ..tensor import Tensor
from .adam import _check_adam_args, _ema_square, _lerp, _moment_scalars, _prepare_grad
from .optimizer import (Optimizer, _advance, _step_counter, _zeros_state, _bump_versions,
                        _decay_mode, _elementwise, _flat)


def _nadam_kernel(arrays, scratch, lr, beta1, beta2, eps, wd, maximize, decoupled,
                  bias_correction2, coef_grad, coef_avg):
    p, g, m, v = arrays
    sc, gbuf, d = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, decoupled, lr)
    _lerp(m, g, 1 - beta1, sc)
    _ema_square(v, g, beta2, sc)
    np.divide(v, bias_correction2, out=d)
    np.sqrt(d, out=d)
    np.add(d, eps, out=d)
    np.divide(g, d, out=sc)
    np.multiply(sc, coef_grad, out=sc)
    np.add(p, sc, out=p)
    np.divide(m, d, out=sc)
    np.multiply(sc, coef_avg, out=sc)
    np.add(p, sc, out=p)


def _nadam_fused(loops, arrays, lr, beta1, beta2, eps, wd, maximize, decoupled,
                 bias_correction2, coef_grad, coef_avg):
    (p, g, m, v), c = _flat(arrays, _moment_scalars(lr, beta1, beta2, wd)
                            + (bias_correction2, eps, coef_grad, coef_avg))
    loops.nadam(p, g, m, v, c, maximize, _decay_mode(wd, decoupled), 1 - beta1 < 0.5)


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, maximize=False):
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            psi = float(group["momentum_decay"])
            const = (lr, beta1, beta2, float(group["eps"]), float(group["weight_decay"]),
                     bool(group["maximize"]), bool(group["decoupled_weight_decay"]))
            rows = []
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["mu_product"] = Tensor._wrap(np.ones((), dtype=np.float32))
                    state["exp_avg"] = _zeros_state(p)
                    state["exp_avg_sq"] = _zeros_state(p)
                step = _advance(state["step"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                product = state["mu_product"]._data
                product *= mu
                mu_product = float(product)
                coef_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
                coef_avg = -lr * mu_next / (1.0 - mu_product * mu_next)
                rows.append(((p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data),
                             const + (1 - beta2 ** step, coef_grad, coef_avg)))
                touched.append(p)
            _elementwise(_nadam_kernel, rows, 3, _nadam_fused)
        _bump_versions(touched)
        return loss
