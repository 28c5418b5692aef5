"""Losses against PyTorch (every reduction, weights, ignore_index, label smoothing,
probability targets), finite differences without PyTorch, stability and errors."""
import warnings

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F
from coreutil import compare_with_torch, gradcheck

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["none", "mean", "sum"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name,kwargs", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}),
                                         ("SmoothL1Loss", {"beta": 0.3}),
                                         ("SmoothL1Loss", {"beta": 0.0}), ("HuberLoss", {}),
                                         ("HuberLoss", {"delta": 0.4})], ids=str)
def test_regression_losses(torch, name, kwargs, reduction, dt):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)).astype(dt), rng.standard_normal((4, 3)).astype(dt)
    em = getattr(nn, name)(reduction=reduction, **kwargs)
    tm = getattr(torch.nn, name)(reduction=reduction, **kwargs)
    compare_with_torch(torch, em, tm, [x, y])
    assert repr(em) == repr(tm)


def _weights(kw, w, torch):
    """The class weights as constants for both libraries (torch has no gradient for them)."""
    if kw.pop("weight", False):
        return ember.tensor(w), torch.tensor(w)
    return None, None


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                                    {"weight": True}, {"weight": True, "ignore_index": 2},
                                    {"weight": True, "label_smoothing": 0.1, "ignore_index": 0},
                                    {"label_smoothing": 0.3, "ignore_index": 1}], ids=str)
def test_cross_entropy_class_indices(torch, kwargs, reduction, dt):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4)).astype(dt) * 3
    t = np.array([0, 1, 2, 3, 1, 2])
    w = rng.random(4).astype(dt) + 0.5
    kw = dict(kwargs, reduction=reduction)
    we, wt = _weights(kw, w, torch)
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, we, **kw),
                       lambda x, t: torch.nn.functional.cross_entropy(x, t, wt, **kw), [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_spatial_and_unbatched(torch, reduction):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    t = rng.integers(0, 3, (2, 4, 5))
    t[0, 0, 0] = -100
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, reduction=reduction),
                       lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction),
                       [x, t])
    x1 = rng.standard_normal(5)
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, reduction=reduction),
                       lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction=reduction),
                       [x1, np.array(3)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.25}, {"weight": True}], ids=str)
def test_cross_entropy_probabilities(torch, kwargs, reduction):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4))
    p = rng.random((5, 4))
    p /= p.sum(1, keepdims=True)
    w = rng.random(4) + 0.5
    kw = dict(kwargs, reduction=reduction)
    we, wt = _weights(kw, w, torch)
    compare_with_torch(torch, lambda x, p: F.cross_entropy(x, p, we, **kw),
                       lambda x, p: torch.nn.functional.cross_entropy(x, p, wt, **kw), [x, p])


def test_cross_entropy_stable_for_huge_logits(torch):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [5e3, 5e3, -1e4]], dtype=np.float32)
    t = np.array([0, 2, 1])
    compare_with_torch(torch, lambda x, t: F.cross_entropy(x, t, reduction="none"),
                       lambda x, t: torch.nn.functional.cross_entropy(x, t, reduction="none"),
                       [x, t])
    loss = nn.CrossEntropyLoss()(ember.tensor(x, requires_grad=True), ember.tensor(t))
    assert np.isfinite(loss.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(torch, reduction, weighted):
    rng = np.random.default_rng(4)
    x = np.log(rng.random((5, 3)))
    t = np.array([0, 2, 1, -100, 2])
    w = rng.random(3) + 0.5
    we, wt = (ember.tensor(w), torch.tensor(w)) if weighted else (None, None)
    compare_with_torch(torch, lambda x, t: F.nll_loss(x, t, we, reduction=reduction),
                       lambda x, t: torch.nn.functional.nll_loss(x, t, wt, reduction=reduction),
                       [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dt", DTYPES)
def test_bce_losses(torch, reduction, dt):
    rng = np.random.default_rng(5)
    p = rng.random((4, 3)).astype(dt)
    p[0, 0], p[0, 1] = 0.0, 1.0  # log clamped at -100, as torch does
    y = rng.random((4, 3)).astype(dt)
    w = rng.random(3).astype(dt)
    compare_with_torch(torch, lambda p, y: F.binary_cross_entropy(p, y, reduction=reduction),
                       lambda p, y: torch.nn.functional.binary_cross_entropy(p, y, reduction=reduction),
                       [p[1:], y[1:]])
    ve = F.binary_cross_entropy(ember.tensor(p), ember.tensor(y), ember.tensor(w),
                                reduction=reduction)
    vt = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y),
                                                  torch.tensor(w), reduction=reduction)
    np.testing.assert_allclose(ve.numpy(), vt.numpy(), rtol=1e-5)
    x = (rng.standard_normal((4, 3)) * 5).astype(dt)
    x[0, 0] = 0.0
    pw = rng.random(3).astype(dt) + 0.5
    compare_with_torch(
        torch, lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
        lambda x, y: torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=reduction),
        [x, y])
    compare_with_torch(
        torch, lambda x, y: nn.BCEWithLogitsLoss(ember.tensor(w), reduction=reduction,
                                                 pos_weight=ember.tensor(pw))(x, y),
        lambda x, y: torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction,
                                                pos_weight=torch.tensor(pw))(x, y),
        [x, y])


def test_bce_with_logits_stable():
    x = ember.tensor([1e4, -1e4, 0.0], requires_grad=True)
    y = ember.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 1e4, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, -0.5], rtol=1e-6)


def test_bce_with_logits_second_derivatives():
    """Its backward is written with ops under create_graph: the gradients' own gradients
    (input and target, with and without pos_weight) agree with finite differences."""
    rng = np.random.default_rng(8)
    pw = ember.tensor(rng.random(4) + 0.5)
    for kw in ({}, {"pos_weight": pw}):
        def first(x, y, kw=kw):
            loss = F.binary_cross_entropy_with_logits(x, y.sigmoid(), **kw)
            gx, gy = ember.autograd.grad(loss, [x, y], create_graph=True)
            return (gx * gx).sum() + (gy * x).sum()
        gradcheck(first, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))])


def test_bce_with_logits_weights_take_no_gradient():
    w = ember.ones(2, requires_grad=True)
    for kw in ({"weight": w}, {"pos_weight": w}):
        with pytest.raises(RuntimeError, match="is not differentiable with respect to argument"):
            F.binary_cross_entropy_with_logits(ember.zeros(2), ember.ones(2), **kw)
        with ember.no_grad():  # checked in grad mode only, as PyTorch does
            F.binary_cross_entropy_with_logits(ember.zeros(2), ember.ones(2), **kw)


@pytest.mark.parametrize("fn", [
    lambda x, y: F.mse_loss(x, y), lambda x, y: F.l1_loss(x, y, reduction="sum"),
    lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), lambda x, y: F.huber_loss(x, y, delta=0.7),
    lambda x, y: F.cross_entropy(x, y.softmax(1), label_smoothing=0.1),
    lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
    lambda x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()),
])
def test_loss_finite_differences(fn):
    rng = np.random.default_rng(6)
    gradcheck(fn, [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))])


def test_cross_entropy_finite_differences_with_indices():
    rng = np.random.default_rng(7)
    t = ember.tensor([0, 3, 1])
    w = ember.tensor(rng.random(4) + 0.5)
    gradcheck(lambda x: F.cross_entropy(x, t, w, label_smoothing=0.2, ignore_index=1),
              [rng.standard_normal((3, 4))])


def test_loss_errors():
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        F.cross_entropy(ember.ones(2, 3), ember.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target "
                                         r"batch_size \(3\)"):
        F.cross_entropy(ember.ones(2, 3), ember.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(ember.ones(2), ember.ones(2), reduction="foo")
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ember.ones(2) * 2, ember.ones(2))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(ember.ones(2, 3), ember.ones(2, 1))


def test_legacy_size_average_and_reduce():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.MSELoss(reduce=False).reduction == "none"
        assert nn.MSELoss(size_average=False).reduction == "sum"


def test_one_hot_and_pad(torch):
    t = np.array([[0, 2], [1, 1]])
    np.testing.assert_array_equal(F.one_hot(ember.tensor(t)).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor(t)).numpy())
    assert F.one_hot(ember.tensor(t), 5).shape == (2, 2, 5)
    assert F.one_hot(ember.tensor(t)).dtype == ember.int64
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(ember.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(ember.tensor([1.0]))
    x = np.random.default_rng(8).standard_normal((2, 3, 4, 5))
    for pad, mode, value in (((1, 2), "constant", 0.5), ((1, 1, 2, 0), "constant", None),
                             ((-1, 2, 1, -2), "constant", None), ((2, 1, 1, 2), "reflect", None),
                             ((3, 1, 0, 2), "replicate", None), ((2, 4, 1, 3), "circular", None)):
        compare_with_torch(torch, lambda x: F.pad(x, pad, mode, value),
                           lambda x: torch.nn.functional.pad(x, pad, mode, value), [x])
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(ember.ones(2, 3), (1, 1, 1))


def test_pad_finite_differences():
    x = np.random.default_rng(9).standard_normal((1, 2, 3, 4))
    for pad, mode in (((1, 2, 2, 1), "reflect"), ((2, 1, 1, 0), "replicate"),
                      ((1, 1, 2, 2), "circular"), ((-1, 2, 1, 1), "constant")):
        gradcheck(lambda x: F.pad(x, pad, mode), [x])
