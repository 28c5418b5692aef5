"""The flat paths of the tiny-tensor hot loop leave what the general path leaves.

Operators (``+ - * / **`` through ``_Arithmetic.operate``), math functions with nothing to
record (``_SlopeOfInput.operate``) and ``Function.apply_to`` skip ``Function.apply``'s
scan of the arguments; these tests hold them to the same results, graph nodes, saved
values, in-place checks and errors as ``apply``. The engine's order (latest node first,
by sequence number) is checked on graphs whose creation order interleaves.
"""
import warnings

import numpy as np
import pytest

import ember
from ember.ops import elementwise as ew
from ember.ops import reduction
from ember.ops._quiet import quiet

OPERATORS = [
    ("add", lambda x, y: x + y, ew.Add),
    ("sub", lambda x, y: x - y, ew.Sub),
    ("mul", lambda x, y: x * y, ew.Mul),
    ("div", lambda x, y: x / y, ew.Div),
]


def _node_summary(t):
    node = t.grad_fn
    if node is None:
        return None
    saved = node._saved or ()
    return (type(node), node.name(), node.needs_input_grad,
            # a leaf by identity, the node that made an input by its kind
            tuple(None if i is None else id(i) if isinstance(i, ember.Tensor) else type(i)
                  for i in node.inputs),
            tuple(id(s) if isinstance(s, np.ndarray) else s for s in saved),
            tuple((i, v) for i, _, v in getattr(node, "_saved_versions", ())))


def _operands(kind, rng):
    x = ember.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    if kind == "tensor":
        y = ember.tensor(rng.standard_normal((3, 4)).astype(np.float32) + 3)
    elif kind == "grad tensor":
        y = ember.tensor(rng.standard_normal((1, 4)).astype(np.float32) + 3, requires_grad=True)
    else:
        y = 2.5
    return x, y


@pytest.mark.parametrize("name, op, cls", OPERATORS, ids=[o[0] for o in OPERATORS])
@pytest.mark.parametrize("kind", ["tensor", "grad tensor", "number"])
@pytest.mark.parametrize("reflected", [False, True], ids=["x op y", "y op x"])
def test_operator_leaves_the_node_apply_leaves(name, op, cls, kind, reflected):
    rng = np.random.default_rng(0)
    x, y = _operands(kind, rng)
    a, b = (y, x) if reflected else (x, y)
    flat = op(a, b)
    if (name, kind, reflected) == ("div", "number", True):
        # number / x is x.reciprocal() * number, as in PyTorch: the general path's Mul
        general = ew.Mul.apply(x.reciprocal(), a)
    else:
        general = cls.apply(a, b)
    np.testing.assert_array_equal(flat.detach().numpy(), general.detach().numpy())
    assert flat.dtype == general.dtype
    assert _node_summary(flat)[1:] == _node_summary(general)[1:]
    flat.sum().backward(retain_graph=True)  # (the reciprocal's node is shared)
    first = [t.grad.numpy().copy() for t in (x, y) if isinstance(t, ember.Tensor) and t.requires_grad]
    for t in (x, y):
        if isinstance(t, ember.Tensor):
            t.grad = None
    general.sum().backward()
    second = [t.grad.numpy() for t in (x, y) if isinstance(t, ember.Tensor) and t.requires_grad]
    for g1, g2 in zip(first, second):
        np.testing.assert_array_equal(g1, g2)


def test_pow_with_a_number_leaves_the_node_apply_leaves(torch):
    x = ember.tensor([[0.5, -1.5, 2.0]], requires_grad=True)
    for e in (2, 3, 0.5, -1, 0):
        flat, general = x ** e, ew.Pow.apply(x, e)
        np.testing.assert_array_equal(flat.detach().numpy(), general.detach().numpy())
        assert _node_summary(flat)[1:] == _node_summary(general)[1:]
        x.grad = None
        flat.sum().backward()
        tx = torch.tensor([[0.5, -1.5, 2.0]], requires_grad=True)
        (tx ** e).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_in_place_change_of_an_operand_saved_by_the_flat_path_is_caught(torch):
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0  # a non-leaf, so it may be changed in place
    y = (h * w).sum()
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tw * 1.0
    ty = (th * tw).sum()
    th.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()


def test_flat_path_hands_odd_operands_to_apply_and_its_errors():
    x = ember.ones(2, 3)
    with pytest.raises(RuntimeError, match="must match the size"):
        x + ember.ones(4)
    ints = ember.tensor([1, 2, 3])
    assert (ints / 2).dtype == ember.float32          # true division promotes integers
    assert (ints + 1.5).dtype == ember.float32
    assert (x + ember.ones(2, 3, dtype=ember.float64)).dtype == ember.float64
    with pytest.raises(RuntimeError, match="two bool tensors"):
        ember.tensor([True]) - ember.tensor([False])


def test_division_by_zero_is_silent_like_pytorch(torch):
    a, b = ember.tensor([1.0, 0.0, -1.0]), ember.tensor([0.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = (a / b).numpy()
        sq = ember.sqrt(ember.tensor([-1.0])).numpy()
    np.testing.assert_array_equal(got, (torch.tensor([1.0, 0.0, -1.0]) / torch.zeros(3)).numpy())
    assert np.isnan(sq).all()


def test_quiet_restores_numpy_error_state_and_nests():
    before = np.geterr()
    with quiet():
        with quiet():
            assert np.geterr()["divide"] == "ignore"
        assert np.geterr()["invalid"] == "ignore"
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):
        np.array([1.0]) / np.array([0.0])


@pytest.mark.parametrize("fn", ["sqrt", "exp", "log", "tanh", "sin"])
def test_math_function_with_nothing_to_record_matches_the_recorded_one(fn):
    data = np.array([[0.25, 1.5], [2.0, 3.0]], dtype=np.float32)
    plain = getattr(ember, fn)(ember.tensor(data))
    recorded = getattr(ember, fn)(ember.tensor(data, requires_grad=True))
    assert plain.grad_fn is None and not plain.requires_grad
    assert recorded.grad_fn is not None
    np.testing.assert_array_equal(plain.numpy(), recorded.detach().numpy())
    with ember.no_grad():
        inside = getattr(ember, fn)(ember.tensor(data, requires_grad=True))
    assert inside.grad_fn is None
    assert getattr(ember, fn)(ember.tensor([1, 4])).dtype == ember.float32  # ints: general path


def test_apply_to_leaves_the_node_apply_leaves():
    x = ember.ones(3, 4, requires_grad=True)
    flat = x.sum()
    general = reduction.Sum.apply(x, None, False, None)
    assert _node_summary(flat)[1:] == _node_summary(general)[1:]
    v = x.view(4, 3)
    assert v.grad_fn.needs_input_grad == (True, False, False)
    assert v.grad_fn.inputs == (x, None, None)


def test_engine_order_on_interleaved_graphs(torch):
    def build(lib, x):
        a = x * 2
        b = a * 3
        c = a + b          # a has two consumers, created at different times
        d = c * a + b.exp()
        e = d.sum() + (a * d).mean()
        return e

    data = [0.3, -0.7, 1.1]
    x = ember.tensor(data, requires_grad=True)
    build(ember, x).backward()
    tx = torch.tensor(data, requires_grad=True)
    build(torch, tx).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_engine_order_through_an_in_place_rebase(torch):
    """Ops recorded before an in-place change get the gradient of the value they saw
    (ember used to send it to the newer node: a wrong gradient, then an error)."""
    def build(lib, x):
        h = x * 1.0
        k = h + 1          # consumer of h before the in-place change (saves nothing)
        h.mul_(3)          # h is rebased onto a newer node
        m = h + 2          # consumer between two changes
        h.add_(x)
        return (h * k * m).sum()

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    build(ember, x).backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    build(torch, tx).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_bias_gradient_summed_over_leading_axes(torch):
    for shape, bshape in [((4, 3), (3,)), ((4, 3), (1, 3)), ((3,), ()), ((2, 4, 3), (4, 1))]:
        rng = np.random.default_rng(1)
        xd = rng.standard_normal(shape).astype(np.float32)
        bd = rng.standard_normal(bshape).astype(np.float32)
        b = ember.tensor(bd, requires_grad=True)
        ((ember.tensor(xd) + b) ** 2).sum().backward()
        tb = torch.tensor(bd, requires_grad=True)
        ((torch.tensor(xd) + tb) ** 2).sum().backward()
        assert b.grad.shape == tb.grad.shape
        assert isinstance(b.grad.numpy(), np.ndarray)
        np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5)


def test_operands_saved_only_for_a_wanted_gradient(torch):
    """As PyTorch saves them: changing h in place after ``h * 2`` or ``h / 2`` is fine (no
    saved value of h is involved), after ``h * h`` it is an error."""
    def run(lib, make):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1.0
        k = make(h)
        h.add_(1)
        k.sum().backward()
        return x.grad

    for make in (lambda h: h * 2, lambda h: h / 2, lambda h: 2 / (h + 5)):
        np.testing.assert_allclose(run(ember, make).numpy(), run(torch, make).numpy())
    for make in (lambda h: h * h,):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            run(ember, make)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            run(torch, make)


def test_hooks_may_change_the_gradient_in_place(torch):
    """Backward starts from a shared read-only 1, yet a hook on the loss may change its
    gradient in place, as in PyTorch; a sum's broadcast gradient refuses, as PyTorch's
    expanded one does."""
    def run(lib, hook_on_h):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        if hook_on_h:
            h.register_hook(lambda g: g.mul_(2))
        loss = h.sum()
        loss.register_hook(lambda g: g.mul_(5))
        loss.backward()
        return x.grad

    np.testing.assert_array_equal(run(ember, False).numpy(), run(torch, False).numpy())
    np.testing.assert_array_equal(run(ember, False).numpy(), [15.0, 15.0])
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="single memory location"):
            run(lib, True)
