"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

Per parameter, with g its gradient (negated when ``maximize``):

    g <- g + weight_decay * p
    b <- g                                  on the first step
    b <- momentum * b + (1 - dampening) * g   afterwards
    g <- g + momentum * b   (nesterov)   or   g <- b
    p <- p - lr * g
"""
import numpy as np

from .optimizer import (Optimizer, _zeros_state, _bump_versions, _decay_mode, _elementwise,
                        _flat)


def _sgd_kernel(arrays, scratch, lr, wd, momentum, dampening, nesterov, maximize, first):
    if momentum != 0:
        p, g, b = arrays
    else:
        p, g = arrays
    sc, gbuf = scratch
    if wd != 0:
        np.multiply(p, wd, out=gbuf)
        if maximize:
            np.subtract(gbuf, g, out=gbuf)
        else:
            np.add(gbuf, g, out=gbuf)
        g = gbuf
    elif maximize:
        np.negative(g, out=gbuf)
        g = gbuf
    if momentum == 0:
        np.multiply(g, -lr, out=sc)
        np.add(p, sc, out=p)
        return
    if first:
        np.copyto(b, g)
    else:
        np.multiply(b, momentum, out=b)
        if dampening == 0:
            np.add(b, g, out=b)
        else:
            np.multiply(g, 1 - dampening, out=sc)
            np.add(b, sc, out=b)
    if nesterov:
        np.multiply(b, momentum, out=sc)
        np.add(sc, g, out=sc)
        np.multiply(sc, -lr, out=sc)
    else:
        np.multiply(b, -lr, out=sc)
    np.add(p, sc, out=p)


def _sgd_fused(loops, arrays, lr, wd, momentum, dampening, nesterov, maximize, first):
    # g * (1 - 0) is g exactly: no dampening needs no branch of its own.
    (p, g, *buf), c = _flat(arrays, (wd, momentum, 1 - dampening, -lr))
    # Without momentum there is no buffer; p stands in for it and is not touched as one.
    loops.sgd(p, g, buf[0] if buf else p, c, maximize, _decay_mode(wd), momentum != 0, first,
              nesterov)


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            momentum = float(group["momentum"])
            lr = float(group["lr"])
            rows = []
            for p, g in self._params_with_grad(group):
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    first = buf is None
                    if first:
                        buf = state["momentum_buffer"] = _zeros_state(p)
                    arrays = (p._data, g, buf._data)
                    touched.append(buf)
                else:
                    first = False
                    arrays = (p._data, g)
                rows.append((arrays, (lr, float(group["weight_decay"]), momentum,
                                      float(group["dampening"]), bool(group["nesterov"]),
                                      bool(group["maximize"]), first)))
                touched.append(p)
            _elementwise(_sgd_kernel, rows, 2, _sgd_fused)
        _bump_versions(touched)
        return loss

