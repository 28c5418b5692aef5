"""Reductions: sum, mean, prod, var, std, max/min (whole, along a dim, values and indices),
argmax/argmin, logsumexp, norm, cumsum; ``dim``/``axis``, ``keepdim``/``keepdims``, lists."""
import numpy as np
import pytest

import ember
from coreutil import assert_close, compare_with_torch, gradcheck

rng = np.random.default_rng(1)

# (ember call, torch call): both take the tensor; dims vary per case
CASES = {
    "sum": (lambda x: x.sum(), lambda x: x.sum()),
    "sum_dim0": (lambda x: x.sum(0), lambda x: x.sum(0)),
    "sum_axis1": (lambda x: x.sum(axis=1), lambda x: x.sum(dim=1)),
    "sum_neg_keep": (lambda x: x.sum(dim=-1, keepdim=True), lambda x: x.sum(-1, keepdim=True)),
    "sum_keepdims": (lambda x: x.sum(axis=0, keepdims=True), lambda x: x.sum(0, keepdim=True)),
    "sum_list": (lambda x: x.sum(axis=[0, 2]), lambda x: x.sum(dim=[0, 2])),
    "sum_tuple_keep": (lambda x: ember.sum(x, (1, 2), True), lambda x: x.sum((1, 2), True)),
    "mean": (lambda x: x.mean(), lambda x: x.mean()),
    "mean_dim": (lambda x: ember.mean(x, 1), lambda x: x.mean(1)),
    "mean_axis_list": (lambda x: x.mean(axis=[0, 1], keepdims=True),
                       lambda x: x.mean([0, 1], keepdim=True)),
    "prod": (lambda x: x.prod(), lambda x: x.prod()),
    "prod_dim": (lambda x: x.prod(1), lambda x: x.prod(1)),
    "prod_keep": (lambda x: ember.prod(x, -1, keepdim=True), lambda x: x.prod(-1, keepdim=True)),
    "var": (lambda x: x.var(), lambda x: x.var()),
    "var_dim": (lambda x: x.var(0), lambda x: x.var(0)),
    "var_biased": (lambda x: x.var(1, unbiased=False), lambda x: x.var(1, unbiased=False)),
    "var_correction": (lambda x: ember.var(x, dim=[0, 2], correction=0, keepdim=True),
                       lambda x: x.var(dim=[0, 2], correction=0, keepdim=True)),
    "std": (lambda x: x.std(), lambda x: x.std()),
    "std_dim": (lambda x: x.std(dim=2, keepdim=True), lambda x: x.std(dim=2, keepdim=True)),
    "max": (lambda x: x.max(), lambda x: x.max()),
    "min": (lambda x: ember.min(x), lambda x: x.min()),
    "max_dim": (lambda x: tuple(x.max(1)), lambda x: tuple(x.max(1))),
    "max_dim_keep": (lambda x: tuple(x.max(dim=-1, keepdim=True)),
                     lambda x: tuple(x.max(dim=-1, keepdim=True))),
    "min_dim": (lambda x: tuple(ember.min(x, 0)), lambda x: tuple(x.min(0))),
    "max_values": (lambda x: x.max(dim=2).values, lambda x: x.max(dim=2).values),
    "amax": (lambda x: ember.amax(x, (0, 2)), lambda x: x.amax((0, 2))),
    "logsumexp": (lambda x: x.logsumexp(1), lambda x: x.logsumexp(1)),
    "logsumexp_keep": (lambda x: ember.logsumexp(x, dim=(0, 2), keepdim=True),
                       lambda x: x.logsumexp(dim=(0, 2), keepdim=True)),
    "norm": (lambda x: x.norm(), lambda x: x.norm()),
    "norm_dim": (lambda x: ember.norm(x, dim=1), lambda x: x.norm(dim=1)),
    "norm_p1": (lambda x: x.norm(p=1), lambda x: x.norm(p=1)),
    "norm_p3": (lambda x: x.norm(p=3, dim=0), lambda x: x.norm(p=3, dim=0)),
    "norm_inf": (lambda x: x.norm(p=float("inf")), lambda x: x.norm(p=float("inf"))),
    "linalg_norm": (lambda x: ember.linalg.norm(x), lambda x: x.norm()),
    "linalg_vector_norm": (lambda x: ember.linalg.vector_norm(x, 2, dim=-1),
                           lambda x: x.norm(dim=-1)),
    "cumsum": (lambda x: x.cumsum(0), lambda x: x.cumsum(0)),
    "cumsum_axis": (lambda x: x.cumsum(axis=-1), lambda x: x.cumsum(-1)),
    "cumsum_fn": (lambda x: ember.cumsum(x, dim=1), lambda x: x.cumsum(dim=1)),
    "cumprod": (lambda x: x.cumprod(1), lambda x: x.cumprod(1)),
}


def _torch_case(torch, name):
    fe, ft = CASES[name]
    if name == "linalg_norm":
        return lambda x: torch.linalg.norm(x)
    return ft


def _input(shape=(2, 3, 4)):
    # distinct values (no ties for max/min), away from 0 (prod, norm p=1)
    x = rng.permutation(np.arange(1, int(np.prod(shape)) + 1)).reshape(shape) / 7.0
    return x * np.where(rng.random(shape) < 0.5, -1, 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_reduction_against_torch(torch, name, dtype):
    x = _input().astype(dtype)
    fe, ft = CASES[name][0], _torch_case(torch, name)
    compare_with_torch(torch, fe, ft, [x])


@pytest.mark.parametrize("name", sorted(CASES))
def test_reduction_gradcheck(name):
    fe = CASES[name][0]

    def f(x):
        out = fe(x)
        return out[0] if isinstance(out, tuple) else out
    gradcheck(f, [_input((2, 3, 3)) / 3])


@pytest.mark.parametrize("name", ["sum", "sum_dim0", "max", "max_dim", "min_dim", "cumsum",
                                  "prod_dim", "argmax"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_integer_reductions_dtype(torch, name, dtype):
    x = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    if name == "argmax":
        fe = ft = lambda t: t.argmax(1)
    else:
        fe, ft = CASES[name]
    if dtype == "bool" and name == "argmax":
        with pytest.raises(RuntimeError, match=r"argmax\(\): does not support bool input"):
            ft(torch.tensor(x))
        with pytest.raises(RuntimeError, match=r"argmax\(\): does not support bool input"):
            fe(ember.tensor(x))
        return
    compare_with_torch(torch, fe, ft, [x], grad=False)


@pytest.mark.parametrize("args", [(), (0,), (1,), (-1, True), (None, False)])
def test_argmax_argmin(torch, args):
    x = _input((3, 4)).astype(np.float32)
    for name in ("argmax", "argmin"):
        got = getattr(ember.tensor(x), name)(*args)
        want = getattr(torch.tensor(x), name)(*args)
        assert got.dtype == ember.int64
        assert_close(got, want)
    assert ember.argmax(ember.tensor(x), axis=1).tolist() == x.argmax(1).tolist()


def test_max_dim_returns_named_values_and_indices(torch):
    x = _input((3, 4)).astype(np.float32)
    values, indices = ember.tensor(x).max(dim=1)
    r = ember.tensor(x).max(dim=1)
    assert r.values is not None and r.indices.dtype == ember.int64
    assert_close(values, torch.tensor(x).max(dim=1).values)
    assert_close(indices, torch.tensor(x).max(dim=1).indices)
    assert_close(ember.tensor(x).max(axis=0).indices, torch.tensor(x).max(dim=0).indices)


def test_max_with_ties_shares_gradient(torch):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    compare_with_torch(torch, lambda t: t.max(), lambda t: t.max(), [x])
    compare_with_torch(torch, lambda t: t.amax(1), lambda t: t.amax(1), [x])


def test_prod_gradient_with_zeros(torch):
    x = np.array([[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.5, 2.0, 3.0]])
    compare_with_torch(torch, lambda t: t.prod(1), lambda t: t.prod(1), [x])
    compare_with_torch(torch, lambda t: t.prod(), lambda t: t.prod(), [x[2:]])
    gradcheck(lambda t: t.prod(1), [x])


def test_norm_of_zero_vector_has_zero_gradient(torch):
    compare_with_torch(torch, lambda t: t.norm(), lambda t: t.norm(), [np.zeros(3)])


def test_mean_of_integers_errors_like_torch(torch):
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        ember.arange(4).mean()
    assert ember.arange(4).float().mean().item() == 1.5
    assert ember.arange(4).mean(dtype=ember.float32).item() == 1.5


def test_logsumexp_is_stable(torch):
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]], dtype=np.float32)
    compare_with_torch(torch, lambda t: t.logsumexp(1), lambda t: t.logsumexp(1), [x])


def test_reductions_of_empty_and_zero_dim(torch):
    assert ember.zeros(0).sum().item() == 0.0
    s = ember.tensor(3.0)
    assert s.sum().item() == 3.0 and s.sum(0).item() == 3.0 and s.mean(dim=0).item() == 3.0
    with pytest.raises(RuntimeError, match="numel\\(\\) == 0"):
        ember.zeros(0).max()


def test_reduction_dim_out_of_range_message(torch):
    with pytest.raises(IndexError) as want:
        torch.ones(2, 3).sum(2)
    with pytest.raises(IndexError) as got:
        ember.ones(2, 3).sum(2)
    assert str(got.value) == str(want.value)


def test_all_any_count_nonzero():
    x = ember.tensor([[True, False], [True, True]])
    assert x.all().item() is False and x.any().item() is True
    assert x.all(dim=1).tolist() == [False, True]
    assert ember.count_nonzero(x).item() == 3


@pytest.mark.parametrize("fn", [lambda t: t.sum(0), lambda t: t.mean(dim=-1),
                                lambda t: t.max(0).values, lambda t: t.max(0).indices,
                                lambda t: t.argmax(0), lambda t: t.cumsum(0), lambda t: t.prod(0),
                                lambda t: t.logsumexp(0), lambda t: t.norm(dim=0),
                                lambda t: t.std(0, keepdim=True), lambda t: t.amax(0)])
def test_zero_dim_tensor_accepts_dim_zero(torch, fn):
    x = np.array(3.0)
    compare_with_torch(torch, fn, fn, [x], rtol=1e-12)
