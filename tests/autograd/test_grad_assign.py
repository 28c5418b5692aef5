"""Assigning ``.grad``: PyTorch checks the value at the assignment (type, dtype, size), so a
wrong gradient never reaches an optimizer (issue 13: ``p.grad = T.ones(1)`` on a 3000x3000
parameter made a compiled step write past its gradient)."""
import pytest

import ember


def _outcome(T, make_param, make_grad):
    p = make_param(T)
    before = p.grad
    try:
        p.grad = make_grad(T)
    except Exception as e:  # noqa: BLE001 - the class and words are what is compared
        assert p.grad is before  # a refused assignment leaves the old gradient
        return type(e).__name__, str(e)
    g = p.grad
    return "ok", None if g is None else (tuple(g.shape), str(g.dtype).split(".")[1],
                                         g.requires_grad)


PARAMS = {
    "float32 3x4": lambda T: T.zeros(3, 4, requires_grad=True),
    "float64 leaf with a grad": lambda T: _with_grad(T.zeros(2, dtype=T.float64,
                                                             requires_grad=True)),
    "0-d": lambda T: T.zeros((), requires_grad=True),
    "int64, no grad": lambda T: T.zeros(2, dtype=T.int64),
    "float16": lambda T: T.zeros(2, dtype=T.float16),
    "empty": lambda T: T.zeros(0, 3, requires_grad=True),
}


def _with_grad(p):
    p.grad = p.detach() + 1
    return p


GRADS = {
    "ones(1)": lambda T: T.ones(1),
    "transposed": lambda T: T.ones(4, 3),
    "zeros(3, 0)": lambda T: T.zeros(3, 0),
    "same float32": lambda T: T.ones(3, 4),
    "float32 2": lambda T: T.ones(2),
    "float64 3x4": lambda T: T.ones(3, 4, dtype=T.float64),
    "int64 2": lambda T: T.ones(2, dtype=T.int64),
    "int8 2": lambda T: T.ones(2, dtype=T.int8),
    "uint8 2": lambda T: T.ones(2, dtype=T.uint8),
    "bool 2": lambda T: T.ones(2, dtype=T.bool),
    "float16 2": lambda T: T.ones(2, dtype=T.float16),
    "requires grad": lambda T: T.ones(3, 4, requires_grad=True),
    "a number": lambda T: 5,
    "a list": lambda T: [1.0],
    "None": lambda T: None,
}


@pytest.mark.parametrize("grad", list(GRADS))
@pytest.mark.parametrize("param", list(PARAMS))
def test_grad_assignment_as_torch(torch, param, grad):
    assert _outcome(ember, PARAMS[param], GRADS[grad]) == \
        _outcome(torch, PARAMS[param], GRADS[grad])


def test_grad_of_a_view_or_non_leaf_is_accepted():
    x = ember.zeros(2, 3, requires_grad=True)
    y = x * 2
    y.grad = ember.ones(2, 3)
    g = ember.ones(3, 2).t()
    x.grad = g
    assert x.grad is g and y.grad.shape == (2, 3)
