"""RMSprop: scale each coordinate by a running average of its squared gradient.

Per parameter, with g its gradient (negated when ``maximize``):

    g <- g + weight_decay * p
    v <- alpha * v + (1 - alpha) * g * g
    c <- c + (1 - alpha) * (g - c);  d <- sqrt(v - c * c) + eps     centered
    d <- sqrt(v) + eps                                             otherwise
    b <- momentum * b + g / d;  p <- p - lr * b                      momentum > 0
    p <- p - lr * g / d                                            otherwise
"""
import numpy as np

from .adam import _ema_square, _lerp, _prepare_grad
from .optimizer import (Optimizer, _advance, _step_counter, _zeros_state, _bump_versions,
                        _decay_mode, _elementwise, _flat)


def _rmsprop_kernel(arrays, scratch, lr, alpha, eps, wd, momentum, centered, maximize):
    p, g, v = arrays[:3]
    rest = list(arrays[3:])
    buf = rest.pop(0) if momentum > 0 else None
    grad_avg = rest.pop(0) if centered else None
    sc, gbuf, sc2 = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, False, 0.0)
    _ema_square(v, g, alpha, sc)
    if centered:
        _lerp(grad_avg, g, 1 - alpha, sc)
        np.multiply(grad_avg, grad_avg, out=sc2)
        np.subtract(v, sc2, out=sc2)
        np.sqrt(sc2, out=sc2)
    else:
        np.sqrt(v, out=sc2)
    np.add(sc2, eps, out=sc2)
    np.divide(g, sc2, out=sc2)
    if momentum > 0:
        np.multiply(buf, momentum, out=buf)
        np.add(buf, sc2, out=buf)
        np.multiply(buf, -lr, out=sc2)
    else:
        np.multiply(sc2, -lr, out=sc2)
    np.add(p, sc2, out=p)


def _rmsprop_fused(loops, arrays, lr, alpha, eps, wd, momentum, centered, maximize):
    w = 1 - alpha  # the weight of the centered average's lerp
    (p, g, v, *rest), c = _flat(arrays, (wd, alpha, w, 1 - w, eps, momentum, -lr))
    # Buffers an option leaves out are not touched; v stands in for them.
    buf = rest.pop(0) if momentum > 0 else v
    grad_avg = rest.pop(0) if centered else v
    loops.rmsprop(p, g, v, buf, grad_avg, c, maximize, _decay_mode(wd), w < 0.5,
                  momentum > 0, centered)


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            momentum = float(group["momentum"])
            centered = bool(group["centered"])
            const = (float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                     float(group["weight_decay"]), momentum, centered,
                     bool(group["maximize"]))
            rows = []
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    state["step"] = _step_counter()
                    state["square_avg"] = _zeros_state(p)
                if momentum > 0 and "momentum_buffer" not in state:
                    state["momentum_buffer"] = _zeros_state(p)
                if centered and "grad_avg" not in state:
                    state["grad_avg"] = _zeros_state(p)
                _advance(state["step"])
                arrays = [p._data, g, state["square_avg"]._data]
                if momentum > 0:
                    arrays.append(state["momentum_buffer"]._data)
                if centered:
                    arrays.append(state["grad_avg"]._data)
                rows.append((arrays, const))
                touched.append(p)
            _elementwise(_rmsprop_kernel, rows, 3, _rmsprop_fused)
        _bump_versions(touched)
        return loss
