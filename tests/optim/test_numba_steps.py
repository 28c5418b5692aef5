"""The compiled optimizer steps (ember/_kernels/optim.py) against the NumPy kernels they
replace: for every optimizer and option combination, float32 and float64, parameters and
state agree bit for bit after several steps. (The NumPy kernels are the ones the
step-for-step tests against PyTorch check; run those with EMBER_NUMBA=0 for that path.)"""
import numpy as np
import pytest

import ember
from ember import _numba, _threads
from optim_problems import option_cases

pytestmark = pytest.mark.skipif(not _numba.enabled(), reason="numba is not installed or is "
                                "switched off (EMBER_NUMBA=0)")

LOOPS = ("sgd", "adam", "nadam", "adamax", "rmsprop", "adadelta")
# Odd sizes, a scalar, a single element, and a matrix.
SHAPES = [(37, 11), (5,), (), (1,), (3, 1, 2)]
STEPS = 8  # RAdam's default betas switch to adaptive steps at the 6th


@pytest.fixture
def loop_calls(monkeypatch):
    """Counts the calls of each compiled loop, to show that the compiled path ran."""
    loops = _numba.kernels("optim")
    calls = dict.fromkeys(LOOPS, 0)
    for name in LOOPS:
        def counted(*args, _name=name, _loop=getattr(loops, name)):
            calls[_name] += 1
            return _loop(*args)
        monkeypatch.setattr(loops, name, counted)
    return calls


def _gradients(shapes, dtype, seed=0):
    """STEPS gradients per parameter; an exact zero and large entries included."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(STEPS):
        grads = []
        for shape in shapes:
            g = rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 50.0], size=shape)
            if g.size:
                g.flat[0] = 0.0
            grads.append(g.astype(dtype))
        out.append(grads)
    return out


def _train(name, cfg, params, grads, make_grad=ember.tensor):
    """Take STEPS steps with the given gradients; return every parameter and state array."""
    opt = getattr(ember.optim, name)(params, **cfg)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = make_grad(g)
        opt.step()
    out = [p.detach().numpy().copy() for p in params]
    for p in params:
        for key, value in sorted(opt.state[p].items()):
            out.append(np.array(value._data if isinstance(value, ember.Tensor) else value))
    return out


def _params(shapes, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return [ember.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in shapes]


def _both_paths(name, cfg, shapes, dtype, **kw):
    grads = _gradients(shapes, dtype)
    compiled = _train(name, cfg, _params(shapes, dtype), grads, **kw)
    with _numba.disabled():
        reference = _train(name, cfg, _params(shapes, dtype), grads, **kw)
    return compiled, reference


def _assert_identical(compiled, reference):
    assert len(compiled) == len(reference)
    for i, (a, b) in enumerate(zip(compiled, reference)):
        assert a.dtype == b.dtype and a.shape == b.shape, i
        np.testing.assert_array_equal(a, b, err_msg=f"array {i}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,cfg", list(option_cases()))
def test_compiled_step_matches_numpy_bit_for_bit(loop_calls, name, cfg, dtype):
    cfg = dict(cfg)
    cfg.setdefault("lr", 0.01)
    compiled, reference = _both_paths(name, cfg, SHAPES, dtype)
    assert sum(loop_calls.values()) == STEPS * len(SHAPES)
    _assert_identical(compiled, reference)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_large_parameters_match_the_numpy_split_over_threads(loop_calls, name):
    """The NumPy path cuts large parameters into slices that its thread pool shares; the
    compiled path takes each parameter in one call on the calling thread."""
    before = _threads._user
    _threads.set_num_threads(2)
    try:
        compiled, reference = _both_paths(name, dict(lr=0.01, momentum=0.9) if name == "SGD"
                                          else dict(lr=0.01, amsgrad=True),
                                          [(700_001,), (3, 5)], np.float32)
    finally:
        _threads.set_num_threads(before)
    assert sum(loop_calls.values()) == 2 * STEPS
    _assert_identical(compiled, reference)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_non_contiguous_arrays_take_the_numpy_kernel(loop_calls, name):
    """A transposed parameter or gradient is not flat in memory: the NumPy kernel handles
    that row, the compiled loop the others."""
    def transposed(g):
        return ember.tensor(np.ascontiguousarray(g.T)).t() if g.ndim == 2 else ember.tensor(g)

    shapes = [(4, 6), (7,)]
    cfg = dict(lr=0.01, momentum=0.5) if name != "Adam" else dict(lr=0.01)
    compiled, reference = _both_paths(name, cfg, shapes, np.float64, make_grad=transposed)
    assert sum(loop_calls.values()) == STEPS  # the (7,) parameter only
    _assert_identical(compiled, reference)


def test_mixed_dtypes_in_one_group(loop_calls):
    """Each parameter's scalars are rounded to its own dtype."""
    grads = _gradients([(9,), (9,)], np.float64)
    grads = [[a.astype(np.float32), b] for a, b in grads]

    def params():
        rng = np.random.default_rng(1)
        return [ember.tensor(rng.standard_normal(9).astype(dt), requires_grad=True)
                for dt in (np.float32, np.float64)]

    compiled = _train("Adam", dict(lr=0.01), params(), grads)
    with _numba.disabled():
        reference = _train("Adam", dict(lr=0.01), params(), grads)
    assert loop_calls["adam"] == 2 * STEPS
    _assert_identical(compiled, reference)


def test_non_finite_values_follow_numpy(loop_calls):
    """inf and nan in gradients and state propagate as in the NumPy kernels (max with nan
    is nan, division by zero is inf)."""
    shapes = [(6,)]
    grads = _gradients(shapes, np.float32)
    grads[2][0][1:4] = [np.inf, -np.inf, np.nan]
    for name, cfg in [("Adam", dict(amsgrad=True)), ("Adamax", {}), ("SGD", dict(momentum=0.9)),
                      ("Adagrad", dict(eps=0.0)), ("RMSprop", dict(centered=True))]:
        compiled = _train(name, dict(cfg, lr=0.1), _params(shapes, np.float32), grads)
        with _numba.disabled(), np.errstate(all="ignore"):
            reference = _train(name, dict(cfg, lr=0.1), _params(shapes, np.float32), grads)
        _assert_identical(compiled, reference)


# ----- a gradient or state whose shape is not the parameter's ------------------------------
OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
              "RAdam"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_gradient_swapped_through_data_is_broadcast_not_read_past(torch, loop_calls, name):
    """``p.grad = T.ones(1)`` is refused (tests/autograd/test_grad_assign.py), but
    ``p.grad.data = T.ones(1)`` swaps the storage under the checked tensor. The compiled
    loops would then read past the one element (issue 13: garbage weights, or SIGSEGV on a
    3000x3000 parameter); that row takes the NumPy kernel, which broadcasts like PyTorch."""
    def run(T):
        p = T.zeros(300, 301, requires_grad=True)
        p.grad = T.ones(300, 301)
        p.grad.data = T.ones(1) * 0.5
        opt = getattr(T.optim, name)([p], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
        for _ in range(2):
            opt.step()
        return p.detach().numpy().copy()

    got = run(ember)
    np.testing.assert_allclose(got, run(torch), rtol=1e-6, atol=1e-7)
    assert sum(loop_calls.values()) == 0


def test_state_of_another_shape_is_refused_not_read_past(loop_calls):
    """A parameter given new storage of another size after its state was made: the state
    buffers no longer fit, and the step raises instead of running a loop over p.size."""
    p = ember.zeros(10, requires_grad=True)
    opt = ember.optim.Adam([p], lr=0.1)
    p.grad = ember.ones(10)
    opt.step()
    p.data = ember.zeros(1000)
    p.grad.data = ember.ones(1000)
    before = opt.state[p]["exp_avg"].numpy().copy()
    with pytest.raises(ValueError):
        opt.step()
    assert loop_calls["adam"] == 1
    np.testing.assert_array_equal(opt.state[p]["exp_avg"].numpy(), before)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_edge_parameters_against_numpy_path_and_torch(torch, name):
    """Empty, 0-d, size-1 and negatively strided parameters (float64): the compiled loops
    take what they were written for, the NumPy kernels the rest, and both agree with
    PyTorch."""
    shapes = [(0,), (), (1,), (3, 0, 2), (4, 5)]
    grads = _gradients(shapes, np.float64)

    def run(lib, flip):
        params = [lib.tensor(p, requires_grad=True) for p in _arrays_for(shapes)]
        if flip and lib is ember:  # a (4, 5) parameter laid out backwards in memory
            arr = params[-1].detach().numpy()[::-1, ::-1].copy()[::-1, ::-1]
            params[-1] = ember.from_numpy(arr).requires_grad_()
        opt = getattr(lib.optim, name)(params, lr=0.01)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = lib.tensor(g)
            opt.step()
        return [p.detach().numpy().copy() for p in params]

    ref = run(torch, False)
    for flip in (False, True):
        for ctx in (_numba.disabled, None):
            if ctx is None:
                got = run(ember, flip)
            else:
                with ctx():
                    got = run(ember, flip)
            for a, r in zip(got, ref):
                assert a.shape == r.shape
                np.testing.assert_allclose(a, r, rtol=1e-10, atol=1e-12)


def _arrays_for(shapes):
    rng = np.random.default_rng(2)
    return [rng.standard_normal(s) for s in shapes]
