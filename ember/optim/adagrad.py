"""Adagrad: per-coordinate learning rates from the running sum of squared gradients.

Per parameter, at step t, with g its gradient (negated when ``maximize``):

    g <- g + weight_decay * p
    clr <- lr / (1 + (t - 1) * lr_decay)
    s <- s + g * g                     (s starts at initial_accumulator_value)
    p <- p - clr * g / (sqrt(s) + eps)
"""
import numpy as np

from ..tensor import Tensor
from .adam import _prepare_grad
from .optimizer import (Optimizer, _advance, _step_counter, _bump_versions, _decay_mode,
                        _elementwise, _flat)


def _adagrad_kernel(arrays, scratch, clr, eps, wd, maximize):
    p, g, s = arrays
    sc, gbuf = scratch
    g = _prepare_grad(p, g, gbuf, wd, maximize, False, 0.0)
    np.multiply(g, g, out=sc)
    np.add(s, sc, out=s)
    np.sqrt(s, out=sc)
    np.add(sc, eps, out=sc)
    np.divide(g, sc, out=sc)
    np.multiply(sc, -clr, out=sc)
    np.add(p, sc, out=p)


def _adagrad_fused(loops, arrays, clr, eps, wd, maximize):
    # RMSprop's loop with alpha = 1, no momentum, not centered (see there).
    (p, g, s), c = _flat(arrays, (wd, 1.0, 1.0, 0.0, eps, 0.0, -clr))
    loops.rmsprop(p, g, s, s, s, c, maximize, _decay_mode(wd), False, False, False)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as ``torch.optim.Adagrad``."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, *, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = _step_counter()
        state["sum"] = Tensor._wrap(np.full(p._data.shape, group["initial_accumulator_value"],
                                            dtype=p._data.dtype))

    def add_param_group(self, param_group):
        # Like PyTorch, the accumulators exist from the start (not at the first step).
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(p, group)

    def step(self, closure=None):
        """Perform one optimization step; return the closure's loss (if one is given)."""
        loss = self._evaluate(closure)
        touched = []
        for group in self.param_groups:
            lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
            const = (float(group["eps"]), float(group["weight_decay"]), bool(group["maximize"]))
            rows = []
            for p, g in self._params_with_grad(group):
                state = self.state[p]
                if not state:
                    self._init_state(p, group)
                step = _advance(state["step"])
                clr = lr / (1 + (step - 1) * lr_decay)
                rows.append(((p._data, g, state["sum"]._data), (clr,) + const))
                touched.append(p)
            _elementwise(_adagrad_kernel, rows, 2, _adagrad_fused)
        _bump_versions(touched)
        return loss
