"""Learning-rate schedules: the sequences over 100 epochs equal PyTorch's; state dicts."""
import math

import numpy as np
import pytest

import ember


def _optimizer(lib, kind="SGD"):
    """Two parameter groups with different lrs (and momentum / betas for OneCycleLR)."""
    w = lib.zeros(3, requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    groups = [{"params": [w]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _lambda_a(epoch):
    return 0.95 ** epoch


def _lambda_b(epoch):
    return 1.0 / (1 + 0.1 * epoch)


SCHEDULERS = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, _lambda_a),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [_lambda_a, _lambda_b]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 80], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.96),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=60, power=2.0),
    "PolynomialLR-linear": lambda S, o: S.PolynomialLR(o, total_iters=30),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=20),
    "CosineAnnealingLR-eta_min": lambda S, o: S.CosineAnnealingLR(o, T_max=33, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-mult": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.01),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, total_iters=20),
    "LinearLR-down": lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                             total_iters=50),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=8),
    "SequentialLR-warmup-cosine": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=10), S.CosineAnnealingLR(o, T_max=90)],
        milestones=[10]),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.2, total_iters=5), S.ExponentialLR(o, gamma=0.9),
            S.StepLR(o, step_size=10, gamma=0.5)], milestones=[20, 50]),
    "SequentialLR-lambda": lambda S, o: S.SequentialLR(
        o, [S.LambdaLR(o, _lambda_b), S.MultiStepLR(o, milestones=[40, 70])],
        milestones=[25]),
    "SequentialLR-restarts": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=3),
            S.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2)], milestones=[12]),
    "OneCycleLR-cos": lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=101),
    "OneCycleLR-linear-three-phase": lambda S, o: S.OneCycleLR(
        o, max_lr=0.8, epochs=10, steps_per_epoch=11, anneal_strategy="linear",
        three_phase=True, pct_start=0.25),
}


def _sequence(lib, make, kind="SGD", epochs=100):
    opt = _optimizer(lib, kind)
    sched = make(lib.optim.lr_scheduler, opt)
    lrs = [list(sched.get_last_lr())]
    extra = []
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
        extra.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
    return np.array(lrs), extra, [g["initial_lr"] for g in opt.param_groups]


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch(torch, name):
    make = SCHEDULERS[name]
    kinds = ("SGD", "Adam") if name.startswith("OneCycleLR") else ("SGD",)
    for kind in kinds:
        mine, my_momenta, my_initial = _sequence(ember, make, kind)
        ref, ref_momenta, ref_initial = _sequence(torch, make, kind)
        np.testing.assert_allclose(mine, ref, rtol=1e-13, atol=0)
        np.testing.assert_allclose(np.array(my_momenta, float), np.array(ref_momenta, float),
                                   rtol=1e-13)
        assert my_initial == ref_initial


def _plateau_metrics():
    # improves, stalls, improves a hair (below threshold), stalls, improves again...
    out, v = [], 10.0
    for e in range(100):
        if e % 23 < 8:
            v *= 0.9
        elif e % 23 == 15:
            v *= 0.99999
        out.append(v)
    return out


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(patience=3, factor=0.5),
    dict(patience=2, cooldown=4, factor=0.3, min_lr=[0.002, 0.004]),
    dict(mode="max", patience=4, threshold=0.05, threshold_mode="abs"),
    dict(mode="min", patience=1, threshold=0.01, threshold_mode="abs", min_lr=0.01),
    dict(patience=0, factor=0.9, eps=0.005),
], ids=str)
def test_reduce_on_plateau_matches_torch(torch, kwargs):
    metrics = _plateau_metrics()
    seqs = []
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in metrics:
            opt.step()
            sched.step(m if kwargs.get("mode") != "max" else -m)
            seq.append(list(sched.get_last_lr()))
        seqs.append(np.array(seq))
    np.testing.assert_array_equal(seqs[0], seqs[1])
    assert len(np.unique(seqs[0][:, 0])) > 1  # the schedule did reduce something


def test_warm_restarts_fractional_epochs_match_torch(torch):
    seqs = []
    for lib in (ember, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        seq = []
        for epoch in range(12):
            for i in range(5):
                sched.step(epoch + i / 5)
                seq.append(list(sched.get_last_lr()))
        seqs.append(np.array(seq))
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-13)


def test_notes_schedules_are_expressible():
    """exp(-0.1 t) and (1 + 0.1 t)^-0.5 from the notes, as LambdaLR / ExponentialLR."""
    S = ember.optim.lr_scheduler
    for make, fn in [
        (lambda o: S.LambdaLR(o, lambda t: math.exp(-0.1 * t)), lambda t: math.exp(-0.1 * t)),
        (lambda o: S.ExponentialLR(o, gamma=math.exp(-0.1)), lambda t: math.exp(-0.1 * t)),
        (lambda o: S.LambdaLR(o, lambda t: (1 + 0.1 * t) ** -0.5),
         lambda t: (1 + 0.1 * t) ** -0.5),
    ]:
        x = ember.zeros(2, requires_grad=True)
        opt = ember.optim.SGD([x], lr=0.1)
        sched = make(opt)
        for t in range(1, 50):
            opt.step()
            sched.step()
            assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * fn(t), rel=1e-12)


def test_closed_forms_agree_with_recursions():
    """Without torch: each recursive schedule equals its closed form at every epoch."""
    S = ember.optim.lr_scheduler
    for name in ("StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
                 "LinearLR", "ConstantLR"):
        sched = SCHEDULERS[name](S, _optimizer(ember))
        for _ in range(100):
            sched.optimizer.step()
            sched.step()
            assert sched.get_last_lr() == pytest.approx(sched._get_closed_form_lr(),
                                                        rel=1e-12, abs=1e-15), name


def test_hand_values_without_torch():
    S = ember.optim.lr_scheduler
    opt = _optimizer(ember)
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    got = []
    for _ in range(5):
        got.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert got == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    opt = _optimizer(ember)
    sched = S.CosineAnnealingLR(opt, T_max=4)
    for _ in range(2):
        opt.step()
        sched.step()
    assert sched.get_last_lr()[0] == pytest.approx(0.05)  # halfway down the cosine
    opt = _optimizer(ember)
    S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["lr"] == pytest.approx(1.0 / 25)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR-cos",
                                  "SequentialLR-warmup-cosine", "LambdaLR",
                                  "CosineAnnealingWarmRestarts-mult"])
def test_state_dict_round_trip_continues_identically(name):
    make = SCHEDULERS[name]
    S = ember.optim.lr_scheduler
    opt = _optimizer(ember)
    sched = make(S, opt)
    for _ in range(37):
        opt.step()
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    rest = []
    for _ in range(40):
        opt.step()
        sched.step()
        rest.append(sched.get_last_lr())
    opt2 = _optimizer(ember)
    sched2 = make(S, opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    again = []
    for _ in range(40):
        opt2.step()
        sched2.step()
        again.append(sched2.get_last_lr())
    assert again == rest


def test_scheduler_errors(torch):
    S, T = ember.optim.lr_scheduler, torch.optim.lr_scheduler
    cases = [
        lambda L, o: L.ConstantLR(o, factor=1.5),
        lambda L, o: L.LinearLR(o, start_factor=0),
        lambda L, o: L.LinearLR(o, end_factor=1.5),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
        lambda L, o: L.OneCycleLR(o, max_lr=1.0),
        lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=0),
        lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5),
        lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
        lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
        lambda L, o: L.ReduceLROnPlateau(o, mode="avg"),
        lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"),
        lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 3)], milestones=[3]),
        lambda L, o: L.SequentialLR(o, [L.StepLR(o, 3), L.ReduceLROnPlateau(o)],
                                    milestones=[3]),
    ]
    for case in cases:
        with pytest.raises(Exception) as ref:
            case(T, _optimizer(torch))
        with pytest.raises(type(ref.value)) as mine:
            case(S, _optimizer(ember))
        assert str(mine.value) == str(ref.value)
    # stepping OneCycleLR past its total raises
    for L, lib in ((S, ember), (T, torch)):
        o = _optimizer(lib)
        sched = L.OneCycleLR(o, max_lr=1.0, total_steps=3)
        for _ in range(3):
            o.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times"):
            sched.step()


def test_resuming_requires_initial_lr():
    opt = _optimizer(ember)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(opt, 3, last_epoch=5)
