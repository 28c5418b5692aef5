"""Every optimizer, every option combination: ember's parameters follow PyTorch's step for
step (float64, 1e-6) on the notes' quadratic, on Himmelblau and on a small tanh network."""
import itertools

import numpy as np
import pytest

from optim_problems import run

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


def _cases():
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


def _compare(torch, name, cfg, problem, lr, steps=200):
    import ember
    kwargs = dict(cfg)
    if lr is not None:
        kwargs["lr"] = lr
    # Maximizing -f is minimizing f: the trajectory converges either way.
    sign = -1.0 if kwargs.get("maximize") else 1.0

    def make(lib, params):
        return getattr(lib.optim, name)(params, **kwargs)

    mine, my_losses = run(ember, make, problem, steps, sign)
    ref, ref_losses = run(torch, make, problem, steps, sign)
    assert np.all(np.isfinite(ref))
    bad = np.nonzero(np.abs(mine - ref).max(axis=1) > 1e-6)[0]
    assert bad.size == 0, (f"{problem}: first differs at step {bad[0] + 1}: "
                           f"{mine[bad[0]]} vs {ref[bad[0]]}")
    np.testing.assert_allclose(my_losses, ref_losses, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name,cfg", list(_cases()))
def test_matches_torch_every_step(torch, name, cfg):
    for problem, lr in zip(("quadratic", "himmelblau", "net"), LRS[name]):
        _compare(torch, name, cfg, problem, lr)


LBFGS_GRID = dict(history_size=[100, 3], max_iter=[20, 4],
                  line_search_fn=[None, "strong_wolfe"], tolerance_change=[1e-9, 1e-4])


@pytest.mark.parametrize("cfg", [dict(zip(LBFGS_GRID, v))
                                 for v in itertools.product(*LBFGS_GRID.values())],
                         ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_lbfgs_matches_torch(torch, cfg):
    import ember
    # A fixed unit step diverges on these problems; the line search starts from lr.
    kw = dict(cfg, lr=1 if cfg["line_search_fn"] else 0.05)
    # 40 iterations in all. Past that, on the flat directions of the network, L-BFGS
    # amplifies last-bit differences by ~1.5x per iteration in both implementations alike.
    steps = 40 // cfg["max_iter"]
    for problem in ("quadratic", "himmelblau", "net"):
        def make(lib, params):
            return lib.optim.LBFGS(params, **kw)
        mine, my_losses = run(ember, make, problem, steps)
        ref, ref_losses = run(torch, make, problem, steps)
        assert np.all(np.isfinite(ref))
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-6, err_msg=problem)
        np.testing.assert_allclose(my_losses, ref_losses, rtol=1e-9, atol=1e-9)


def test_param_groups_with_own_options_match_torch(torch):
    """The notes' weight decay through groups: decay on the weights, none on the bias."""
    import ember

    def make(lib, params):
        w1, b1, w2, b2 = params
        return lib.optim.SGD([{"params": [w1, w2], "weight_decay": 0.1},
                              {"params": [b1, b2], "lr": 0.05}], lr=0.2, momentum=0.9)

    mine, _ = run(ember, make, "net", 100)
    ref, _ = run(torch, make, "net", 100)
    np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-6)


def test_float32_stays_float32_and_close_to_torch(torch):
    import ember
    for name in ("SGD", "Adam", "RMSprop", "Adagrad", "NAdam", "RAdam", "Adamax", "Adadelta",
                 "AdamW"):
        def make(lib, params):
            return getattr(lib.optim, name)(params, lr=0.01)
        mine, _ = run(ember, make, "net", 50, dtype="float32")
        ref, _ = run(torch, make, "net", 50, dtype="float32")
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-5, err_msg=name)
