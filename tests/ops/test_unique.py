"""torch.unique / Tensor.unique against PyTorch."""
import numpy as np
import pytest

import ember

CASES = [
    ([3, 1, 3, 2, 1, 1], {}),
    ([3, 1, 3, 2, 1, 1], {"sorted": False, "return_inverse": True}),
    ([[3, 1], [3, 2]], {"return_inverse": True, "return_counts": True}),
    ([[1, 2], [1, 2], [0, 1]], {"dim": 0, "return_inverse": True, "return_counts": True}),
    ([[1, 2, 1], [1, 2, 1]], {"dim": -1, "return_inverse": True}),
    ([2.0, float("nan"), 1.0, float("nan")], {"return_counts": True, "return_inverse": True}),
    ([True, False, True], {"return_counts": True}),
    ([], {"return_counts": True}),
]


@pytest.mark.parametrize("data,kw", CASES)
def test_unique_twin(torch, data, kw):
    got = ember.unique(ember.tensor(data), **kw)
    want = torch.unique(torch.tensor(data), **kw)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_array_equal(g.numpy(), w.numpy())
    method = ember.tensor(data).unique(**kw)
    method = method if isinstance(method, tuple) else (method,)
    for a, b in zip(method, got):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unique_is_not_differentiable_and_checks_dim():
    x = ember.tensor([1.0, 1.0, 2.0], requires_grad=True)
    assert not ember.unique(x).requires_grad
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.unique(x, dim=1)
