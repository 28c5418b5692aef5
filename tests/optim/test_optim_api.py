"""The Optimizer contract: parameter groups, lazy state, zero_grad, closures, state dicts
(round trips that continue bit-identically, mismatches that change nothing), errors."""
import copy

import numpy as np
import pytest

import ember
from ember import _threads
from ember.optim import lr_scheduler

from optim_problems import PROBLEMS

ALL = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam", "RAdam", "Adamax"]
OPTIONS = {  # options that give every optimizer its fullest state
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adadelta": dict(lr=0.5),
    "Adam": dict(lr=0.01, amsgrad=True),
    "AdamW": dict(lr=0.01),
    "NAdam": dict(lr=0.01),
    "RAdam": dict(lr=0.01),
    "Adamax": dict(lr=0.01),
}


def _net(lib=ember, dtype="float32"):
    inits, data, loss_fn = PROBLEMS["net"]
    dt = getattr(lib, dtype)
    params = [lib.tensor(a.copy(), dtype=dt, requires_grad=True) for a in inits]
    data = [lib.tensor(d, dtype=dt) for d in data]
    return params, lambda: loss_fn(lib, params, data)


def _train(opt, loss_fn, steps, sched=None):
    for _ in range(steps):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
        if sched is not None:
            sched.step()


def _value(v):
    return v.numpy() if isinstance(v, ember.Tensor) else np.asarray(v)


def _snapshot(params):
    return [p.detach().numpy().copy() for p in params]


# ----- parameters and groups ----------------------------------------------------------
def test_params_as_generator_list_groups_and_named():
    params, _ = _net()
    assert len(ember.optim.SGD(iter(params)).param_groups[0]["params"]) == 4
    assert len(ember.optim.SGD(params).param_groups[0]["params"]) == 4
    opt = ember.optim.SGD([{"params": params[:2]}, {"params": params[2:], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0 and opt.defaults["lr"] == 0.1
    named = ember.optim.Adam([("w1", params[0]), ("b1", params[1])])
    assert named.param_groups[0]["param_names"] == ["w1", "b1"]
    assert named.param_groups[0]["params"] == [params[0], params[1]]


def test_add_param_group_and_its_errors():
    params, _ = _net()
    opt = ember.optim.SGD(params[:2], lr=0.1)
    opt.add_param_group({"params": params[2], "lr": 0.01})
    assert opt.param_groups[1]["params"] == [params[2]] and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                         "group"):
        opt.add_param_group({"params": [params[3], params[0]]})
    assert len(opt.param_groups) == 2
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {params[3]}})
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        opt.add_param_group({"params": [1.0]})
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        opt.add_param_group({"params": [params[3] * 2]})
    with pytest.raises(TypeError, match="given to the optimizer should be an iterable"):
        ember.optim.SGD(params[0])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ember.optim.Adam([])


def test_adagrad_state_exists_from_the_start_for_added_groups_too():
    params, _ = _net()
    opt = ember.optim.Adagrad(params[:2], initial_accumulator_value=0.5)
    opt.add_param_group({"params": params[2:]})
    for p in params:
        np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), np.full(p.shape, 0.5))


def test_state_is_lazy_keyed_by_parameter_and_float32():
    params, loss_fn = _net()
    for name in ALL:
        opt = getattr(ember.optim, name)(params, **OPTIONS[name])
        if name != "Adagrad":
            assert len(opt.state) == 0
        _train(opt, loss_fn, 2)
        for p in params:
            for key, v in opt.state[p].items():
                if key in ("step", "mu_product"):
                    assert v.dtype == ember.float32 and v.shape == ()
                else:
                    assert v.dtype == ember.float32 and v.shape == p.shape, (name, key)
            assert p.dtype == ember.float32


def test_state_keys_are_torchs(torch):
    for name in ALL:
        mine, my_loss = _net()
        ref, ref_loss = _net(torch)
        o1 = getattr(ember.optim, name)(mine, **OPTIONS[name])
        o2 = getattr(torch.optim, name)(ref, **OPTIONS[name])
        _train(o1, my_loss, 2)
        _train(o2, ref_loss, 2)
        s1, s2 = o1.state_dict(), o2.state_dict()
        assert set(s1["state"]) == set(s2["state"])
        for k in s2["state"]:
            assert set(s1["state"][k]) == set(s2["state"][k]), name
        torch_only = {"foreach", "fused", "capturable", "differentiable"}
        for g1, g2 in zip(s1["param_groups"], s2["param_groups"]):
            assert set(g1) == set(g2) - torch_only, name
            assert g1["params"] == g2["params"]


def test_params_without_grad_are_skipped():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3, requires_grad=True)
    opt = ember.optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    assert b not in opt.state and a in opt.state
    np.testing.assert_array_equal(b.detach().numpy(), np.ones(3))
    assert not np.allclose(a.detach().numpy(), 1)


def test_zero_grad():
    params, loss_fn = _net()
    opt = ember.optim.SGD(params, lr=0.1)
    loss_fn().backward()
    opt.zero_grad(set_to_none=False)
    for p in params:
        assert p.grad is not None and not p.grad.numpy().any()
    loss_fn().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_returns_closure_loss_and_runs_it_with_grad_enabled():
    params, loss_fn = _net()
    opt = ember.optim.SGD(params, lr=0.1)
    seen = []

    def closure():
        seen.append(ember.is_grad_enabled())
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and float(loss) > 0
    assert opt.step() is None


def test_step_bumps_the_parameters_version():
    params, loss_fn = _net()
    opt = ember.optim.Adam(params)
    before = [p._vc[0] for p in params]
    _train(opt, loss_fn, 1)
    assert all(p._vc[0] > v for p, v in zip(params, before))


def test_repr_lists_groups():
    params, _ = _net()
    text = repr(ember.optim.SGD(params, lr=0.1, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9\n" in text


# ----- checkpoints --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ALL)
def test_checkpoint_round_trip_continues_bit_identically(name, dtype):
    """Optimizer + scheduler saved mid-training, loaded into fresh objects over a fresh
    copy of the weights: the continuation is bit-for-bit the uninterrupted run."""
    params, loss_fn = _net(dtype=dtype)
    opt = getattr(ember.optim, name)(params, **OPTIONS[name])
    sched = lr_scheduler.StepLR(opt, step_size=4, gamma=0.7)
    _train(opt, loss_fn, 10, sched)
    saved = (opt.state_dict(), sched.state_dict(), _snapshot(params))
    frozen = copy.deepcopy(saved[0]["state"][0])
    _train(opt, loss_fn, 10, sched)
    uninterrupted = _snapshot(params)
    for k, v in frozen.items():  # the saved dict did not move with the training
        assert np.array_equal(_value(saved[0]["state"][0][k]), _value(v))

    params2, loss_fn2 = _net(dtype=dtype)
    for p, w in zip(params2, saved[2]):
        p.detach().numpy()[...] = w
    opt2 = getattr(ember.optim, name)(params2, **OPTIONS[name])
    sched2 = lr_scheduler.StepLR(opt2, step_size=4, gamma=0.7)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    _train(opt2, loss_fn2, 10, sched2)
    for a, b in zip(uninterrupted, _snapshot(params2)):
        assert np.array_equal(a, b)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_lbfgs_checkpoint_round_trip():
    def run(opt, loss_fn, steps):
        def closure():
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss
        for _ in range(steps):
            opt.step(closure)

    params, loss_fn = _net(dtype="float64")
    opt = ember.optim.LBFGS(params, max_iter=3, line_search_fn="strong_wolfe")
    run(opt, loss_fn, 3)
    saved, weights = opt.state_dict(), _snapshot(params)
    run(opt, loss_fn, 3)
    params2, loss_fn2 = _net(dtype="float64")
    for p, w in zip(params2, weights):
        p.detach().numpy()[...] = w
    opt2 = ember.optim.LBFGS(params2, max_iter=3, line_search_fn="strong_wolfe")
    opt2.load_state_dict(saved)
    run(opt2, loss_fn2, 3)
    for a, b in zip(_snapshot(params), _snapshot(params2)):
        assert np.array_equal(a, b)


def test_state_dict_is_keyed_by_position():
    params, loss_fn = _net()
    opt = ember.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.2}],
                          lr=0.1, momentum=0.9)
    _train(opt, loss_fn, 1)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2, 3]]
    assert sorted(sd["state"]) == [0, 1, 2, 3]
    assert sd["param_groups"][1]["lr"] == 0.2


def _same_state(sd1, sd2):
    assert sd1["param_groups"] == sd2["param_groups"]
    assert set(sd1["state"]) == set(sd2["state"])
    for k in sd1["state"]:
        for key, v in sd1["state"][k].items():
            assert np.array_equal(v.numpy(), sd2["state"][k][key].numpy())


def test_mismatched_load_changes_nothing():
    params, loss_fn = _net()
    opt = ember.optim.Adam([{"params": params[:2]}, {"params": params[2:]}], lr=0.01)
    _train(opt, loss_fn, 3)
    before = opt.state_dict()

    other = ember.optim.Adam(params, lr=0.5)  # one group
    _train(other, loss_fn, 1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(other.state_dict())
    _same_state(opt.state_dict(), before)

    other = ember.optim.Adam([{"params": params[:1]}, {"params": params[1:]}], lr=0.5)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(other.state_dict())
    _same_state(opt.state_dict(), before)

    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = 123.0
    bad["state"][3]["exp_avg"] = ember.zeros(7)
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad)
    _same_state(opt.state_dict(), before)
    assert opt.param_groups[0]["lr"] == 0.01


def test_load_casts_state_to_the_parameters_dtype():
    params, loss_fn = _net()
    opt = ember.optim.Adam(params, lr=0.01)
    _train(opt, loss_fn, 2)
    sd = opt.state_dict()
    for s in sd["state"].values():
        s["exp_avg"] = s["exp_avg"].double()
    opt.load_state_dict(sd)
    assert opt.state[params[0]]["exp_avg"].dtype == ember.float32
    assert opt.state[params[0]]["step"].dtype == ember.float32


# ----- invalid hyperparameters --------------------------------------------------------
INVALID = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(lr=-1e-3), "Invalid learning rate: -0.001"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("AdamW", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-0.1),
     "Invalid initial_accumulator_value value: -0.1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("RMSprop", dict(eps=-0.5), "Invalid epsilon value: -0.5"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("NAdam", dict(momentum_decay=-1e-3), "Invalid momentum_decay value: -0.001"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("Adamax", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
]


@pytest.mark.parametrize("name,kwargs,message", INVALID)
def test_invalid_hyperparameters(name, kwargs, message):
    params, _ = _net()
    with pytest.raises(ValueError) as err:
        getattr(ember.optim, name)(params, **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize("name,kwargs,message", INVALID)
def test_invalid_hyperparameters_in_torchs_words(torch, name, kwargs, message):
    params, _ = _net(torch)
    with pytest.raises(ValueError) as err:
        getattr(torch.optim, name)(params, **kwargs)
    assert str(err.value) == message


def test_lbfgs_refuses_groups_and_unknown_line_search():
    params, _ = _net()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": params[:2]}, {"params": params[2:]}])
    with pytest.raises(ValueError, match="only 'strong_wolfe' is supported"):
        ember.optim.LBFGS(params, line_search_fn="backtracking")


# ----- the elementwise driver ---------------------------------------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "NAdam"])
def test_threaded_slices_give_the_serial_result(monkeypatch, name):
    """Big parameters are cut into slices shared among threads; results must not depend
    on it. Includes a non-contiguous parameter (kept whole) and a tiny one."""
    rng = np.random.default_rng(0)
    shapes = [(700, 1000), (300_001,), (5,)]
    inits = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [rng.normal(size=s).astype(np.float32) for s in shapes]

    def run(workers):
        monkeypatch.setattr(_threads, "_user", workers)
        params = [ember.tensor(a.copy(), requires_grad=True) for a in inits]
        params.append(ember.Tensor._wrap(inits[0].copy().T).requires_grad_())
        opt = getattr(ember.optim, name)(params, **OPTIONS[name])
        for _ in range(3):
            for p, g in zip(params, grads + [grads[0].T]):
                p.grad = ember.Tensor._wrap(g)
            opt.step()
        return _snapshot(params)

    serial, threaded = run(1), run(2)
    for a, b in zip(serial, threaded):
        assert np.array_equal(a, b)
    assert not np.array_equal(serial[0], inits[0])


def test_a_user_defined_optimizer_on_the_base_class():
    """The pattern of a hand-written torch.optim.Optimizer subclass works unchanged."""
    class PlainSGD(ember.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, dict(lr=lr))

        @ember.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])

    params, loss_fn = _net()
    twins, twin_loss = _net()
    mine = PlainSGD(params, lr=0.2)
    builtin = ember.optim.SGD(twins, lr=0.2)
    _train(mine, loss_fn, 5)
    _train(builtin, twin_loss, 5)
    for a, b in zip(_snapshot(params), _snapshot(twins)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    sd = mine.state_dict()
    assert sd["state"] == {} and sd["param_groups"][0]["lr"] == 0.2


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_stays_float32(line_search_fn):
    params, loss_fn = _net()
    opt = ember.optim.LBFGS(params, lr=0.1 if line_search_fn is None else 1,
                            line_search_fn=line_search_fn)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    first = float(opt.step(closure))
    last = float(opt.step(closure))
    assert last < first
    state = opt.state[params[0]]
    assert state["d"].dtype == ember.float32 and state["prev_flat_grad"].dtype == ember.float32
    assert all(v.dtype == ember.float32 for v in state["old_dirs"])
    assert all(p.dtype == ember.float32 for p in params)
