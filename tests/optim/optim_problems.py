"""Shared test problems: the notes' 2-D functions and a small tanh network, written once
for any torch-like library (ember or PyTorch) so both run the very same computation; and
the grid of optimizer options the step-for-step tests walk."""
import itertools

import numpy as np
import pytest


def quadratic(lib, params, data):
    (x,) = params
    return 0.1 * x[0] ** 2 + 2 * x[1] ** 2


def himmelblau(lib, params, data):
    (x,) = params
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def tanh_net(lib, params, data):
    w1, b1, w2, b2 = params
    X, y = data
    out = lib.tanh(X @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean()


def _net_setup():
    rng = np.random.default_rng(1234)
    inits = [rng.normal(0, 0.5, (3, 6)), rng.normal(0, 0.1, (6,)),
             rng.normal(0, 0.5, (6, 1)), np.zeros(1)]
    X = rng.normal(0, 1, (16, 3))
    y = np.sin(X[:, :1]) + 0.1 * X[:, 1:2]
    return inits, [X, y]


PROBLEMS = {
    "quadratic": ([np.array([-5.0, -2.0])], [], quadratic),
    "himmelblau": ([np.array([0.0, 0.0])], [], himmelblau),
    "net": (*_net_setup(), tanh_net),
}


def run(lib, make_opt, problem, steps, sign=1.0, dtype="float64"):
    """Train from the problem's starting point; return the flat parameters after each step
    (shape steps x n) and the losses that ``step`` returned."""
    inits, data, loss_fn = PROBLEMS[problem] if isinstance(problem, str) else problem
    dt = getattr(lib, dtype)
    params = [lib.tensor(a.copy(), dtype=dt, requires_grad=True) for a in inits]
    data = [lib.tensor(d, dtype=dt) for d in data]
    opt = make_opt(lib, params)

    def closure():
        opt.zero_grad()
        loss = sign * loss_fn(lib, params, data)
        loss.backward()
        return loss

    traj, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure)))
        traj.append(np.concatenate([p.detach().numpy().ravel().copy() for p in params]))
    return np.array(traj), np.array(losses)


# ----- the optimizers' option grid ----------------------------------------------------
# lr per problem (quadratic, himmelblau, net), chosen so that every variant converges and
# none reaches the regime where an adaptive method's sign-like steps hop around a minimum:
# there, a last-bit difference in a gradient flips a step and the runs part ways
# (differences stay at 1e-16 for the first hundred steps, then grow exponentially).
LRS = {
    "SGD": (0.1, 0.005, 0.2),
    "Adagrad": (0.5, 0.5, 0.05),
    "RMSprop": (0.01, 0.01, 0.002),
    "Adadelta": (None, None, None),  # lr is one of the options below
    "Adam": (0.05, 0.05, 0.005),
    "AdamW": (0.05, 0.05, 0.005),
    "NAdam": (0.05, 0.05, 0.005),
    "RAdam": (0.05, 0.05, 0.005),
    "Adamax": (0.05, 0.05, 0.005),
}

# Every combination of the options that switch code paths on or off; numeric options
# (betas, eps, alpha, rho, ...) are varied one at a time on top of the defaults. ``maximize``
# negates the raw gradient before anything else reads it, so it interacts only with weight
# decay (added to the negated gradient): it is crossed with weight decay, with every other
# switch on (see MAXIMIZE), rather than doubling the whole grid.
GRIDS = {
    "SGD": dict(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                weight_decay=[0, 0.05]),
    "Adagrad": dict(lr_decay=[0, 0.01], weight_decay=[0, 0.05],
                    initial_accumulator_value=[0, 0.1]),
    "RMSprop": dict(momentum=[0, 0.5], centered=[False, True], weight_decay=[0, 0.05]),
    "Adadelta": dict(lr=[1.0, 0.5], weight_decay=[0, 0.05]),
    "Adam": dict(weight_decay=[0, 0.05], amsgrad=[False, True],
                 decoupled_weight_decay=[False, True]),
    "AdamW": dict(weight_decay=[0, 0.05], amsgrad=[False, True]),
    "NAdam": dict(weight_decay=[0, 0.05], decoupled_weight_decay=[False, True]),
    "RAdam": dict(weight_decay=[0, 0.05], decoupled_weight_decay=[False, True]),
    "Adamax": dict(weight_decay=[0, 0.05]),
}
MAXIMIZE = {
    "SGD": dict(momentum=0.9, nesterov=True),
    "Adagrad": dict(lr_decay=0.01, initial_accumulator_value=0.1),
    "RMSprop": dict(momentum=0.5, centered=True),
    "Adadelta": dict(),
    "Adam": dict(amsgrad=True),
    "AdamW": dict(amsgrad=True),
    "NAdam": dict(),
    "RAdam": dict(),
    "Adamax": dict(),
}
VARIANTS = {
    "Adagrad": [dict(eps=1e-3)],
    "RMSprop": [dict(alpha=0.9), dict(eps=1e-3)],
    "Adadelta": [dict(rho=0.5), dict(eps=1e-3)],
    "Adam": [dict(betas=(0.5, 0.99)), dict(eps=1e-3)],
    "AdamW": [dict(betas=(0.5, 0.99))],
    "NAdam": [dict(betas=(0.5, 0.99)), dict(momentum_decay=0.05)],
    "RAdam": [dict(betas=(0.5, 0.99))],
    "Adamax": [dict(betas=(0.5, 0.99)), dict(eps=1e-3)],
}


def _valid(name, cfg):
    if name == "SGD" and cfg["nesterov"]:
        return cfg["momentum"] > 0 and cfg["dampening"] == 0
    return True


def option_cases():
    """(optimizer name, options) as pytest params: every switch combination, maximize with
    weight decay, and the numeric variants."""
    for name, grid in GRIDS.items():
        keys = list(grid)
        for values in itertools.product(*(grid[k] for k in keys)):
            cfg = dict(zip(keys, values))
            if _valid(name, cfg):
                yield _case(name, cfg)
        for wd in (0, 0.05):
            yield _case(name, dict(MAXIMIZE[name], weight_decay=wd, maximize=True))
        if name in ("Adam", "NAdam", "RAdam"):
            yield _case(name, dict(weight_decay=0.05, decoupled_weight_decay=True,
                                   maximize=True))
        for cfg in VARIANTS.get(name, []):
            yield _case(name, cfg)


def _case(name, cfg):
    return pytest.param(name, cfg, id=name + "-" + "-".join(f"{k}={v}" for k, v in cfg.items()))
