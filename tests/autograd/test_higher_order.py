"""Higher-order gradients (``create_graph=True``), jacobian and hessian, a Newton step."""
import numpy as np
import pytest

import ember
from ember.autograd.functional import hessian, jacobian
from coreutil import assert_close

rng = np.random.default_rng(5)

# functions of one tensor whose second derivative we compare with torch
SECOND = {
    "cube": lambda x: (x ** 3).sum(),
    "exp_sin": lambda x: (x.exp() * x.sin()).sum(),
    "tanh_sigmoid": lambda x: (x.tanh() * x.sigmoid()).sum(),
    "log_sqrt": lambda x: (x.abs() + 1).log().sum() + (x * x + 1).sqrt().sum(),
    "div_pow": lambda x: (1 / (1 + x * x)).sum() + (x ** 2.5).abs().sum(),
    "matmul": lambda x: (x.reshape(2, 2) @ x.reshape(2, 2)).sum(),
    "reductions": lambda x: x.mean() * x.var() + x.max() * x.prod() + x.norm(),
    "logsumexp": lambda x: x.logsumexp(0) * x.sum(),
    "indexing": lambda x: (x[[0, 0, 3]] * x[1:3].sum()).sum(),
    "shape_ops": lambda x: (x.reshape(2, 2).t().expand(3, 2, 2) * x.reshape(2, 2)).sum() ** 2,
    "cumsum": lambda x: (x.cumsum(0) ** 2).sum(),
    "where_clamp": lambda x: (x.clamp(-0.5, 2.0) * x).sum(),
    "cat_stack": lambda x: (ember_or_torch_cat(x) ** 2).sum(),
}


def ember_or_torch_cat(x):
    lib = ember if isinstance(x, ember.Tensor) else __import__("torch")
    return lib.stack([lib.cat([x, x * 2]), lib.cat([x * x, x])])


@pytest.mark.parametrize("name", sorted(SECOND))
def test_second_derivative_against_torch(torch, name):
    f = SECOND[name]
    x = rng.uniform(0.2, 1.5, 4)
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (ge,) = ember.autograd.grad(f(e), e, create_graph=True)
    (gt,) = torch.autograd.grad(f(t), t, create_graph=True)
    assert ge.requires_grad and ge.grad_fn is not None
    assert_close(ge, gt)
    v = rng.standard_normal(4)
    (he,) = ember.autograd.grad(ge, e, grad_outputs=ember.tensor(v))
    (ht,) = torch.autograd.grad(gt, t, grad_outputs=torch.tensor(v))
    assert_close(he, ht)


def test_hessian_of_two_variable_function_is_analytic():
    """f(x, y) = x^3 y^2 + sin(x) y: H = [[6xy^2 - sin(x) y, 6x^2 y + cos x],
                                           [6x^2 y + cos x,   2x^3]]."""
    def f(v):
        x, y = v[0], v[1]
        return x ** 3 * y ** 2 + x.sin() * y

    for x, y in [(0.5, -1.5), (1.2, 0.3), (-2.0, 2.0)]:
        h = hessian(f, ember.tensor([x, y], dtype=ember.float64))
        want = np.array([[6 * x * y ** 2 - np.sin(x) * y, 6 * x ** 2 * y + np.cos(x)],
                         [6 * x ** 2 * y + np.cos(x), 2 * x ** 3]])
        np.testing.assert_allclose(h.numpy(), want, rtol=1e-12)
        assert not h.requires_grad


def test_hessian_of_two_inputs_and_himmelblau(torch):
    def himmelblau(x, y):
        return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2
    x, y = ember.tensor(1.0, dtype=ember.float64), ember.tensor(-0.5, dtype=ember.float64)
    h = hessian(himmelblau, (x, y))
    want = torch.autograd.functional.hessian(
        himmelblau, (torch.tensor(1.0, dtype=torch.float64), torch.tensor(-0.5, dtype=torch.float64)))
    for i in range(2):
        for j in range(2):
            assert_close(h[i][j], want[i][j])


def test_jacobian_against_torch(torch):
    def f(x):
        return (x.exp() * x[[1, 2, 0]]).cumsum(0)
    x = rng.standard_normal(3)
    je = jacobian(f, ember.tensor(x))
    jt = torch.autograd.functional.jacobian(f, torch.tensor(x))
    assert_close(je, jt)

    def g(a, b):
        return a @ b, (a * 2).sum()
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    je = jacobian(g, (ember.tensor(a), ember.tensor(b)))
    jt = torch.autograd.functional.jacobian(g, (torch.tensor(a), torch.tensor(b)))
    for i in range(2):
        for j in range(2):
            assert_close(je[i][j], jt[i][j])


def test_newton_step_needs_no_hand_written_second_derivative():
    """Newton's method on a strictly convex function converges in a few steps."""
    def f(v):
        return (v[0] - 1) ** 4 + (v[0] - 1) ** 2 + (v[1] + 2) ** 2 + v[0] * v[1] * 0.1

    v = ember.tensor([3.0, 3.0], dtype=ember.float64)
    for _ in range(30):
        x = v.detach().requires_grad_()
        (g,) = ember.autograd.grad(f(x), x)
        h = hessian(f, v)
        v = v - ember.linalg.solve(h, g)
    x = v.detach().requires_grad_()
    (g,) = ember.autograd.grad(f(x), x)
    assert g.norm().item() < 1e-10


def test_create_graph_backward_accumulates_a_differentiable_grad():
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.item() == 12.0 and x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d(3x^2)/dx = 6x


def test_third_derivative():
    x = ember.tensor(0.7, dtype=ember.float64, requires_grad=True)
    y = x.sin() * x ** 4
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    (g2,) = ember.autograd.grad(g1, x, create_graph=True)
    (g3,) = ember.autograd.grad(g2, x)
    s, c, v = np.sin(0.7), np.cos(0.7), 0.7
    want = -c * v ** 4 - 12 * s * v ** 3 + 36 * c * v ** 2 + 24 * s * v
    assert abs(g3.item() - want) < 1e-10
