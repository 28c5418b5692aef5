"""nn.utils.clip_grad_norm_ / clip_grad_value_ against PyTorch."""
import numpy as np
import pytest

import ember
from coreutil import assert_close

SHAPES = [(3, 4), (5,), (2, 2, 2)]


def _params(lib, grads):
    ps = [lib.zeros(g.shape, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = lib.tensor(g.copy())
    return ps


@pytest.mark.parametrize("norm_type", [2, 2.0, 1, 3.5, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_twin(torch, norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    pe, pt = _params(ember, grads), _params(torch, grads)
    te = ember.nn.utils.clip_grad_norm_(pe, max_norm, norm_type=norm_type)
    tt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type)
    assert isinstance(te, ember.Tensor) and te.dtype == ember.float32
    assert_close(te, tt)
    for a, b in zip(pe, pt):
        assert_close(a.grad, b.grad)


def test_clip_grad_norm_cases(torch):
    p = ember.zeros(3, requires_grad=True)
    p.grad = ember.tensor([3.0, 4.0, 0.0])
    total = ember.nn.utils.clip_grad_norm_(p, 1.0)  # a single tensor
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)
    assert ember.nn.utils.clip_grad_norm_([ember.zeros(2, requires_grad=True)], 1.0).item() == 0
    gen = (q for q in [p])
    ember.nn.utils.clip_grad_norm_(gen, 1.0)  # a generator is consumed once, as in torch
    p.grad = ember.tensor([1.0, float("nan"), 2.0])
    before = p.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        ember.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.numpy(), before)


def test_clip_grad_value(torch):
    grads = [np.array([1.0, -3.0, 2.0], np.float32), np.array([[0.5, -0.2]], np.float32)]
    pe, pt = _params(ember, grads), _params(torch, grads)
    assert ember.nn.utils.clip_grad_value_(pe, 1.5) is None
    torch.nn.utils.clip_grad_value_(pt, 1.5)
    for a, b in zip(pe, pt):
        assert_close(a.grad, b.grad)
