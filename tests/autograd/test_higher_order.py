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


# ----- gradients under create_graph and at singular points (issue 13, "fzcg") ----------------
def _grad_both(torch, f, x, **kw):
    """f's gradient at x under create_graph, in ember and in torch."""
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    (ge,) = ember.autograd.grad(f(e), e, create_graph=True, **kw)
    (gt,) = torch.autograd.grad(f(t), t, create_graph=True, **kw)
    assert ge.requires_grad == gt.requires_grad
    assert_close(ge, gt)
    return e, ge, t, gt


def _gradgrad(f):
    """The function x -> d f / dx, built with create_graph (gradcheck of it checks f's
    second derivative against finite differences)."""
    return lambda x: ember.autograd.grad(f(x), x, create_graph=True)[0]


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_with_zeros_second_derivative(torch, dim):
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, -2.0, 0.0], [1.2, -0.7, 0.0, 2.0]])
    def f(a):
        return (a.cumprod(dim) ** 2).sum()
    e, ge, t, gt = _grad_both(torch, f, x)
    v = rng.standard_normal(x.shape)
    (he,) = ember.autograd.grad(ge, e, grad_outputs=ember.tensor(v))
    (ht,) = torch.autograd.grad(gt, t, grad_outputs=torch.tensor(v))
    assert_close(he, ht)
    assert ember.autograd.gradcheck(_gradgrad(f), (ember.tensor(x, requires_grad=True),))


def test_cumprod_over_a_size_one_dim_passes_the_gradient_on(torch):
    for x in (np.zeros(1), np.zeros((3, 1))):
        _, ge, _, _ = _grad_both(torch, lambda a: a.cumprod(-1).sum(), x)
        assert not ge.requires_grad


@pytest.mark.parametrize("shape, kw", [((1, 1), {}), ((), {}), ((2, 3), {"correction": 9}),
                                       ((1, 3), {"dim": 0, "correction": 2}),
                                       ((1, 3), {"dim": 0})])
def test_var_gradient_without_degrees_of_freedom(torch, shape, kw):
    x = rng.standard_normal(shape)
    _grad_both(torch, lambda a: (a.var(**kw) ** 2).sum() if kw.get("dim") is not None
               else a.var(**kw), x)


def test_var_second_derivative():
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert ember.autograd.gradcheck(_gradgrad(lambda a: (a.var(1) ** 2).sum()), (x,))
    assert ember.autograd.gradcheck(_gradgrad(lambda a: a.var() * a.sum()), (x,))


def test_relu_gradient_under_create_graph_is_zero_where_the_output_is(torch):
    x = np.array([-1.0, 0.0, 2.0, np.nan, -np.inf, np.inf])
    _grad_both(torch, lambda a: (a.relu() * float("inf")).sum(), x)
    e, ge, t, gt = _grad_both(torch, lambda a: (a.relu() ** 3).sum(), x[:3])
    assert_close(ember.autograd.grad(ge.sum(), e)[0], torch.autograd.grad(gt.sum(), t)[0])


def test_nll_loss_with_every_target_ignored_has_a_zero_gradient(torch):
    def f(a):
        lib = ember if isinstance(a, ember.Tensor) else torch
        return lib.nn.functional.nll_loss(a, lib.tensor([-100, -100]))
    _, ge, _, _ = _grad_both(torch, f, np.zeros((2, 4)))
    assert not ge.detach().numpy().any()


@pytest.mark.parametrize("key, whole", [((Ellipsis,), True), ((slice(None),), True),
                                        ((slice(0, 9), slice(None)), True),
                                        ((slice(-2, None),), False), ((Ellipsis, slice(1, None)), False)])
def test_whole_tensor_assignment_is_a_copy(torch, key, whole):
    """``x[...] = v`` (or whole slices) writes into x itself: x's gradient is a constant
    zero under create_graph, as PyTorch's copy_; a write into part of x keeps it."""
    got = []
    for lib in (ember, torch):
        a = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        v = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        w = lib.full((2, 3), 2.0, dtype=lib.float64, requires_grad=True)
        b = a * 2
        b[key] = v
        ga, gv = lib.autograd.grad((b * w).sum(), [a, v], create_graph=True)
        got.append((ga.requires_grad, gv.requires_grad, ga.detach().numpy(), gv.detach().numpy()))
    (era, erv, ea, ev), (tra, trv, ta, tv) = got
    assert (era, erv) == (tra, trv) and era == (not whole)
    np.testing.assert_allclose(ea, ta)
    np.testing.assert_allclose(ev, tv)


def test_adaptive_avg_pool2d_to_the_same_size_is_a_pooling_node(torch):
    def f(a):
        lib = ember if isinstance(a, ember.Tensor) else torch
        return lib.nn.functional.adaptive_avg_pool2d(a, (3, 4)).sum()
    _, ge, _, _ = _grad_both(torch, f, rng.standard_normal((1, 2, 3, 4)))
    assert ge.requires_grad


def test_backward_of_an_int_scalar_is_refused():
    x = ember.tensor([1.0]).argmax()
    y = x.expand(2)
    y[y > 0] = ember.tensor(0.0, requires_grad=True)  # marks x as requiring grad
    with pytest.raises(RuntimeError, match="real scalar outputs but got torch.int64"):
        x.backward()
    with pytest.raises(RuntimeError, match="real scalar outputs but got torch.int64"):
        ember.autograd.grad(x, [x])


@pytest.mark.parametrize("shape", [(5,), (2, 5), (4, 2, 5)])
def test_linear_with_a_bias_is_one_node(torch, shape):
    """A second backward through a freed linear raises before the bias gets a gradient, as
    PyTorch's addmm; its gradients and second derivatives are right."""
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal((3, 5)), rng.standard_normal(3)
    bias = ember.tensor(b, requires_grad=True)
    y = ember.nn.functional.linear(ember.tensor(x), ember.tensor(w, requires_grad=True), bias)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()
    assert_close(bias.grad, np.full(3, y.numel() // 3))
    def weight_grad(a, m):  # d/dm of a function of both: second derivatives in a and in m
        out = (ember.nn.functional.linear(a, m, bias) ** 2).sum()
        return ember.autograd.grad(out, [a, m], create_graph=True)[1]
    assert ember.autograd.gradcheck(weight_grad, (ember.tensor(x, requires_grad=True),
                                                  ember.tensor(w, requires_grad=True)))


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros_second_derivative(torch, dim):
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, -2.0, 0.0], [1.2, -0.7, 0.4, 2.0]])

    def f(a):
        return (a.prod() if dim is None else a.prod(dim)).sum() * a.sum()
    e, ge, t, gt = _grad_both(torch, f, x)
    v = rng.standard_normal(x.shape)
    (he,) = ember.autograd.grad(ge, e, grad_outputs=ember.tensor(v))
    (ht,) = torch.autograd.grad(gt, t, grad_outputs=torch.tensor(v))
    assert_close(he, ht)
    assert ember.autograd.gradcheck(_gradgrad(lambda a: (a[1:].prod(1) ** 2).sum()),
                                    (ember.tensor(x, requires_grad=True),))


def test_norm_second_derivative_at_zero_is_nan(torch):
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    e, ge, t, gt = _grad_both(torch, lambda a: (a.norm(dim=1) ** 2).sum(), x)
    (he,) = ember.autograd.grad(ge.sum(), e)
    (ht,) = torch.autograd.grad(gt.sum(), t)
    assert_close(he, ht)  # nan in the zero row, as PyTorch's
    assert np.isnan(he.numpy()[0]).all()


def test_a_second_derivative_through_an_array_only_backward_raises():
    """softplus's backward runs on arrays: under create_graph its result is marked, and a
    second derivative that needs it raises rather than leave its part out (the rest of
    the gradient, softplus(x) itself, is differentiable and alone would give sigmoid(x))."""
    x = ember.tensor([0.5], dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad((ember.nn.functional.softplus(x) * x).sum(), [x],
                               create_graph=True)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice"):
        ember.autograd.grad(g.sum(), [x])


@pytest.mark.parametrize("x", [[0.0, 1.0, -2.0, np.inf, np.nan], [1.0, 3.0, 3.0]])
def test_max_of_everything_under_create_graph(torch, x):
    """The gradient goes only where the maximum is (the nans, when it is nan), also for an
    infinite gradient; and it is differentiable."""
    x = np.array(x)
    _grad_both(torch, lambda a: a.max() * float("inf"), x)
    e, ge, t, gt = _grad_both(torch, lambda a: a.max() ** 2, x)
    assert_close(ember.autograd.grad(ge.sum(), e)[0], torch.autograd.grad(gt.sum(), t)[0])
