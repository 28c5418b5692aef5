"""Shared test problems: the notes' 2-D functions and a small tanh network, written once
for any torch-like library (ember or PyTorch) so both run the very same computation."""
import numpy as np


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
